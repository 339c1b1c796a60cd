import fs from 'node:fs';
import { Caller, systemCaller } from '../authz/visible';
import { createReport, downloadReport, listReports, reportDeps } from '../commands/reports';
import { loadConfig } from '../config';
import { DomainError } from '../lib/errors';
import { createLogger } from '../lib/logger';
import { LANGS, Lang, ReportScopeSpec } from '../reporting/compliance';
import { verifyPack } from '../reporting/evidence-pack';
import { closeServices, createServices, Services } from '../services';
import { operator } from './operator';

const USAGE = `usage:
  hotline report generate --from YYYY-MM-DD --to YYYY-MM-DD [--teams a,b | --queues q,r | --policy id]
                          [--lang en,zh] [--out pack.zip]
      the compliance report and its signed evidence pack, stored encrypted (audited); --out writes the zip too
  hotline report list
  hotline report download <id> --out pack.zip
  hotline evidence verify <pack.zip> --ca <ca.cert.pem>
      checks the signature against that CA, every file's SHA-256, and that nothing was added or taken away`;

const opt = (args: string[], name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};

/** The operator at the command line as a caller: the whole view, every step in the audit trail. */
function cliCaller(s: Services): Caller {
  const op = operator();
  return systemCaller(s.audit, {
    actorId: op.actorId,
    actorName: op.actorName,
    username: op.actorName,
    roles: op.roles,
  });
}

/** `hotline evidence verify <pack.zip> --ca <ca.cert.pem>`: needs no database, no appliance, only the CA. */
export async function runEvidenceCli(args: string[]): Promise<number> {
  const [sub, file] = args;
  const ca = opt(args, '--ca');
  if (sub !== 'verify' || !file || !ca) {
    console.error(USAGE);
    return 2;
  }
  const v = verifyPack(fs.readFileSync(file), fs.readFileSync(ca, 'utf8'));
  if (v.signer) console.log(`signed by: ${v.signer.subject}${v.signer.signedAt ? ` at ${v.signer.signedAt}` : ''}`);
  if (v.manifest) {
    const m = v.manifest as { period?: { from: string; to: string }; files?: unknown[] };
    if (m.period) console.log(`period: ${m.period.from} – ${m.period.to}; ${m.files?.length ?? 0} files`);
  }
  for (const p of v.problems) console.log(`FAIL: ${p}`);
  console.log(v.ok ? 'evidence pack verified: signature, hashes and file list all hold' : 'evidence pack NOT verified');
  return v.ok ? 0 : 1;
}

export async function runReportCli(args: string[]): Promise<number> {
  const [sub] = args;
  if (!['generate', 'list', 'download'].includes(sub)) {
    console.error(USAGE);
    return 2;
  }
  const config = loadConfig();
  const s = await createServices(config, createLogger('warn'));
  const caller = cliCaller(s);
  const d = { ...reportDeps(s.reports, config), vault: s.vault, objects: s.objects };
  try {
    if (sub === 'list') {
      for (const r of await listReports(s, caller, 'all'))
        console.log(
          `${r.id}  ${r.periodFrom}..${r.periodTo}  ${r.scope.kind}${r.scope.values.length ? `:${r.scope.values.join(',')}` : ''}  ${r.status}  ${r.sizeBytes ?? 0} bytes  by ${r.requestedBy}  ${r.createdAt.toISOString()}`,
        );
      return 0;
    }
    if (sub === 'download') {
      const id = args[1];
      const out = opt(args, '--out');
      if (!id || !out) {
        console.error(USAGE);
        return 2;
      }
      const r = await downloadReport(d, caller, 'all', id);
      fs.writeFileSync(out, r.zip);
      console.log(`wrote ${out} (${r.zip.length} bytes, sha256 ${r.report.sha256})`);
      return 0;
    }
    const from = opt(args, '--from');
    const to = opt(args, '--to');
    if (!from || !to) {
      console.error(USAGE);
      return 2;
    }
    const lang = (opt(args, '--lang') ?? 'en,zh').split(',').map((x) => x.trim());
    const bad = lang.filter((l) => !LANGS.includes(l as Lang));
    if (bad.length) {
      console.error(`report: unknown language ${bad.join(', ')} (en, zh)`);
      return 2;
    }
    const split = (v: string) =>
      v
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean);
    const teams = opt(args, '--teams');
    const queues = opt(args, '--queues');
    const policy = opt(args, '--policy');
    const scope: ReportScopeSpec = teams
      ? { kind: 'teams', values: split(teams) }
      : queues
        ? { kind: 'queues', values: split(queues) }
        : policy
          ? { kind: 'policy', values: [policy] }
          : { kind: 'all', values: [] };
    const t0 = performance.now();
    const r = await createReport(d, caller, { from, to, scope, languages: lang as Lang[], callerScope: 'all' });
    console.log(
      `report ${r.id}: ${r.periodFrom}..${r.periodTo}, ${r.sizeBytes} bytes, sha256 ${r.sha256}, ${Math.round(performance.now() - t0)} ms`,
    );
    const timings = (r.summary?.timings ?? {}) as Record<string, number>;
    console.log(
      `  timings (ms): ${Object.entries(timings)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
    const out = opt(args, '--out');
    if (out) {
      const got = await downloadReport(d, caller, 'all', r.id);
      fs.writeFileSync(out, got.zip);
      console.log(
        `  wrote ${out}; verify: hotline evidence verify ${out} --ca ${config.HOTLINE_VAR_DIR}/pki/ca.cert.pem`,
      );
    }
    return 0;
  } catch (e) {
    if (e instanceof DomainError) {
      console.error(`report: ${e.message}`);
      return 1;
    }
    throw e;
  } finally {
    await closeServices(s);
  }
}
