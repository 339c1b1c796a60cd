import fs from 'node:fs';
import { operator } from './operator';
import path from 'node:path';
import { activatePolicy, importPolicy, importPolicyDir, regress, RegressionReport } from '../commands/qa-policies';
import { loadConfig } from '../config';
import { loadPolicyFile } from '../inspection/qa-policy';
import { createLogger } from '../lib/logger';
import { YamlFileError } from '../lib/yaml-file';
import { ReviewError } from '../repositories/inspections';
import { closeServices, createServices } from '../services';
import { TokenVerifier } from '../auth/token-verifier';
import { can } from '../authz/permissions';
import type { Actor } from '../repositories/audit-log';

const USAGE = `usage: hotline policy <command>
  validate <file>...                 check packs; errors as file:line:column: field: problem
  list                               stored versions and their state
  import <file|dir>                  store new versions as drafts (a policy's first version is activated)
  regress [file|dir] [--suspect-min N]
                                     replay the labelled (reviewed) cases against a pack, and flag rules failing on
                                     nearly every recent conversation as suspect; default: policies/qa
  activate <id> <version> --reason "…" [--accept-regressions]
                                     activate a stored version after the regression replay, as a signed-in
                                     approver: their access token (policy:approve) in HOTLINE_ACCESS_TOKEN or
                                     --token-file F, verified as the API verifies it`;

function printReport(r: RegressionReport) {
  console.log(
    `${r.policy}: ${r.cases} labelled case(s), ${r.agree} agree, ${r.disagree.length} disagree, ${r.skipped.length} skipped`,
  );
  for (const d of r.disagree)
    console.log(
      `  REGRESSION conversation ${d.conversationId} rule ${d.ruleId}: reviewer said ${d.expected} (${d.source}), candidate gives ${d.got}`,
    );
  for (const d of r.skipped) console.log(`  skipped    conversation ${d.conversationId} rule ${d.ruleId}: ${d.why}`);
  for (const x of r.suspect)
    console.log(
      `  SUSPECT    rule ${x.ruleId} fails on ${x.failed} of the ${x.evaluated} recent conversations it was evaluated on: check it can match what agents say`,
    );
  if (r.replayed) console.log(`  (every rule replayed on ${r.replayed} recent conversation(s) for suspect rules)`);
}

const packFiles = (target: string) =>
  fs.statSync(target).isDirectory()
    ? fs
        .readdirSync(target)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort()
        .map((f) => path.join(target, f))
    : [target];

/**
 * The approver behind a command-line activation: an access token from the identity provider (HOTLINE_ACCESS_TOKEN,
 * or the file after --token-file), verified like the API's (issuer, signature, audience, client), whose holder has
 * policy:approve.
 */
async function approverFromToken(
  config: ReturnType<typeof loadConfig>,
  args: string[],
): Promise<{ actor: Actor & { actorName: string } } | { error: string; code: string }> {
  const ti = args.indexOf('--token-file');
  const token = ti >= 0 ? fs.readFileSync(args[ti + 1], 'utf8').trim() : process.env.HOTLINE_ACCESS_TOKEN?.trim();
  if (!token)
    return {
      code: 'no_token',
      error:
        'activation needs a signed-in approver: put their access token in HOTLINE_ACCESS_TOKEN or pass --token-file (or activate in the console)',
    };
  if (!config.HOTLINE_OIDC_ISSUER)
    return { code: 'no_issuer', error: 'HOTLINE_OIDC_ISSUER is not set: the token cannot be verified' };
  const verifier = new TokenVerifier({
    issuer: config.HOTLINE_OIDC_ISSUER,
    audience: config.HOTLINE_OIDC_AUDIENCE,
    clients: config.HOTLINE_OIDC_CLIENTS.split(',').map((x) => x.trim()),
    teamGroupPath: config.HOTLINE_OIDC_TEAM_GROUP,
  });
  let p;
  try {
    p = await verifier.verify(token);
  } catch (e) {
    return { code: 'bad_token', error: `the access token was refused: ${(e as Error).message}` };
  }
  if (!can(p, 'policy.approve'))
    return { code: 'not_approver', error: `${p.username} does not hold policy:approve; activation refused` };
  return { actor: { actorId: p.sub, actorName: `${p.username} (cli)`, roles: p.roles, requestId: null } };
}

/** `hotline policy …`: QA policy packs for IT and compliance, from the shell. */
export async function runPolicyCli(args: string[]): Promise<number> {
  const [cmd, ...rest] = args;
  const config = loadConfig();
  if (cmd === 'validate') {
    let bad = 0;
    for (const f of rest.flatMap(packFiles)) {
      try {
        const p = loadPolicyFile(f);
        console.log(
          `OK ${f}: ${p.doc.id} version ${p.doc.version}, ${p.doc.sections.reduce((a, s) => a + s.rules.length, 0)} rules, sha256 ${p.hash}`,
        );
      } catch (e) {
        if (!(e instanceof YamlFileError)) throw e;
        console.error(e.message);
        bad++;
      }
    }
    return bad ? 1 : 0;
  }
  if (!['list', 'import', 'regress', 'activate'].includes(cmd)) {
    console.error(USAGE);
    return 2;
  }
  const s = await createServices(config, createLogger('warn'));
  try {
    switch (cmd) {
      case 'list': {
        for (const r of await s.inspections.listPolicies())
          console.log(`${r.policyId}\tv${r.version}\t${r.status}\t${r.contentHash.slice(0, 12)}\t${r.title}`);
        return 0;
      }
      case 'import': {
        const target = rest[0] ?? config.HOTLINE_QA_POLICY_DIR;
        const results = fs.statSync(target).isDirectory()
          ? await importPolicyDir(s, target, operator())
          : [await importPolicy(s, loadPolicyFile(target), target, operator())];
        for (const r of results) console.log(`${r.outcome}\t${r.policy ?? ''}\t${r.error ?? r.file}`);
        return results.some((r) => r.outcome === 'invalid' || r.outcome === 'conflict') ? 1 : 0;
      }
      case 'regress': {
        let regressions = 0;
        const si = rest.indexOf('--suspect-min');
        const suspectMin = si >= 0 ? Number(rest[si + 1]) : undefined;
        if (si >= 0) rest.splice(si, 2);
        for (const f of packFiles(rest[0] ?? config.HOTLINE_QA_POLICY_DIR)) {
          const r = await regress(s, loadPolicyFile(f), { suspectMin });
          printReport(r);
          regressions += r.disagree.length;
        }
        return regressions ? 1 : 0;
      }
      case 'activate': {
        const [id, version] = rest;
        const ri = rest.indexOf('--reason');
        const reason = ri >= 0 ? rest[ri + 1] : undefined;
        if (!id || !Number(version) || !reason || reason.length < 10) {
          console.error(
            'usage: hotline policy activate <id> <version> --reason "why (at least 10 characters)" [--accept-regressions] [--token-file F]',
          );
          return 2;
        }
        // the same four-eyes rule as the API: only a person holding policy:approve activates, and the trail names
        // them (the shell account alone could otherwise put any rule in force)
        const approver = await approverFromToken(config, rest);
        if ('error' in approver) {
          await s.audit.append({
            ...operator(),
            action: 'policy.activate',
            objectType: 'policy',
            objectId: `${id}@v${version}`,
            reason,
            outcome: 'denied',
            details: { why: approver.code },
          });
          console.error(approver.error);
          return 1;
        }
        try {
          const r = await activatePolicy(
            s,
            id,
            Number(version),
            approver.actor,
            reason,
            rest.includes('--accept-regressions'),
          );
          printReport(r.regression);
          console.log(`${id} version ${version} is active${r.previous ? ` (was version ${r.previous})` : ''}`);
          return 0;
        } catch (e) {
          if (!(e instanceof ReviewError)) throw e;
          if (e.code === 'regressions') printReport(e.details as RegressionReport);
          console.error(e.message);
          return 1;
        }
      }
    }
    return 2;
  } finally {
    await closeServices(s);
  }
}
