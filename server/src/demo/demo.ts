import { Finding, scanDatabase, scanFiles, scanRedis } from '../pii-scan/scan-at-rest';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { unzipSync } from 'fflate';
import fs from 'node:fs';
import crypto from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { Presets, SingleBar } from 'cli-progress';
import { loadConfig } from '../config';
import { ensureDatabase } from '../repositories/database';
import { RunReport } from '../repositories/run-report';
import { metadataFor, renderCall } from '../synth/render';
import { CALL_SCRIPTS } from '../synth/scripts';
import { startLocalIssuer } from '../dev-idp/local-issuer';
import { clientCredentialsToken, signInWithPkce } from '../dev-idp/pkce-client';
import { ensureDomainLm } from '../speech/lm/build';
import { realClips } from './real-audio';

/**
 * `npm run demo`: starts api + worker, ingests the synthetic calls and the real recordings it can find, shows
 * progress, prints what came out and the API's URL. A second run recognises what it already ingested.
 * HOTLINE_DEMO_EXIT=1 stops the appliance after the table instead of leaving it running.
 */
async function main() {
  const c = loadConfig();
  const port = c.HOTLINE_PORT;
  const base = `http://${c.HOTLINE_HOST}:${port}`;
  await ensureDatabase(c.DATABASE_URL);

  console.log('rendering synthetic calls (flite voices, agent left / customer right, 8 kHz µ-law and 16 kHz PCM)…');
  const synth = CALL_SCRIPTS.map((s) => ({ script: s, call: renderCall(s, path.join(c.HOTLINE_VAR_DIR, 'synth')) }));
  const { clips, notes } = realClips(c.HOTLINE_DATA_DIR, path.join(c.HOTLINE_VAR_DIR, 'demo-audio'));

  // the demo runs the adapted engine: domain model interpolated with the general one, and keyphrase search
  const repo = path.resolve(__dirname, '..', '..', '..');
  const { path: domainLm, built } = ensureDomainLm(c);
  if (built) console.log(`built the domain language model (${built.sources.join('; ')})`);
  // the identity provider: a local OpenID provider built from the realm export (production points at Keycloak)
  const password = process.env.HOTLINE_DEMO_PASSWORD ?? crypto.randomBytes(9).toString('base64url');
  const recorderSecret = crypto.randomBytes(24).toString('base64url');
  const idp = await startLocalIssuer({
    password,
    clientSecrets: { 'hotline-recorder': recorderSecret },
    port: Number(process.env.HOTLINE_DEMO_IDP_PORT ?? 8180),
  });
  const recorderToken = await clientCredentialsToken(idp.issuer, 'hotline-recorder', recorderSecret); // valid 5 min: the uploads take seconds
  const childEnv = {
    ...process.env,
    HOTLINE_OIDC_ISSUER: idp.issuer,
    HOTLINE_ASR_DOMAIN_LM: domainLm,
    HOTLINE_ASR_DOMAIN_WEIGHT: process.env.HOTLINE_ASR_DOMAIN_WEIGHT ?? '0.05',
    HOTLINE_ASR_KEYPHRASES: c.HOTLINE_ASR_KEYPHRASES ?? path.join(repo, 'policies', 'asr', 'keyphrases.txt'),
    HOTLINE_ASR_CONCURRENCY: process.env.HOTLINE_ASR_CONCURRENCY ?? String(os.cpus().length),
    HOTLINE_PARENT_PID: String(process.pid),
  };

  let child: ChildProcess | undefined;
  const already = await fetch(`${base}/healthz`).then(
    (r) => r.ok,
    () => false,
  );
  if (already) console.log(`an appliance already answers on ${base}; using it`);
  else {
    child = spawn(process.execPath, [path.join(__dirname, '..', 'main.js'), 'all'], {
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const logFile = fs.createWriteStream(path.join(c.HOTLINE_VAR_DIR, 'demo.log'), { flags: 'a' });
    child.stdout!.pipe(logFile);
    child.stderr!.pipe(logFile);
    await new Promise<void>((resolve, reject) => {
      let buf = '';
      child!.stdout!.on('data', (d: Buffer) => {
        buf += d.toString();
        if (buf.includes('"msg":"hotline started"')) resolve();
      });
      child!.on('exit', (code) =>
        reject(new Error(`the appliance exited with ${code}; see ${path.join(c.HOTLINE_VAR_DIR, 'demo.log')}`)),
      );
    });
    console.log(`appliance started (api + worker), logs in ${path.join(c.HOTLINE_VAR_DIR, 'demo.log')}`);
  }

  const uploads: Array<{ label: string; wav: string; meta: Record<string, unknown> }> = [];
  for (const { script, call } of synth) {
    uploads.push({ label: `synthetic ${script.id} (8k µ-law)`, wav: call.wav8kUlaw, meta: metadataFor(script, '8k') });
    uploads.push({ label: `synthetic ${script.id} (16k)`, wav: call.wav16k, meta: metadataFor(script, '16k') });
  }
  clips.forEach((clip, i) =>
    uploads.push({
      label: `real ${clip.corpus}/${clip.id}`,
      wav: clip.wav,
      meta: {
        agentId: 'demo-reader',
        teamId: 'team-demo',
        queue: 'recordings',
        externalId: `real-${clip.id}`,
        startedAt: new Date(Date.UTC(2026, 10, 1, 8, i)).toISOString(),
      },
    }),
  );

  // a live bar on a terminal; plain progress lines when the output is a log (CI)
  const bar = new SingleBar(
    { format: '{phase} [{bar}] {value}/{total}', hideCursor: true, noTTYOutput: true, notTTYSchedule: 5000 },
    Presets.shades_classic,
  );
  bar.start(uploads.length, 0, { phase: 'upload    ' });
  const done: Array<{ label: string; id: string; duplicate: boolean }> = [];
  for (const u of uploads) {
    const form = new FormData();
    form.append('audio', new Blob([new Uint8Array(fs.readFileSync(u.wav))]), path.basename(u.wav));
    form.append('metadata', JSON.stringify(u.meta));
    const res = await fetch(`${base}/api/v1/calls`, {
      method: 'POST',
      body: form,
      headers: { authorization: `Bearer ${recorderToken}` },
    });
    const body = (await res.json()) as {
      conversation?: { id: string };
      duplicate?: boolean;
      error?: { message: string };
    };
    if (!body.conversation) throw new Error(`${u.label}: ${res.status} ${body.error?.message}`);
    done.push({ label: u.label, id: body.conversation.id, duplicate: !!body.duplicate });
    bar.increment();
  }
  bar.update(0, { phase: 'transcribe' });
  const report = await RunReport.open(c.DATABASE_URL);
  const ids = done.map((d) => d.id);
  for (;;) {
    const n = await report.finished(ids);
    bar.update(n);
    if (n === ids.length) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  bar.stop();
  const rows = await report.summaries(ids);
  await report.close();
  const byId = new Map(rows.map((r) => [r.id, r]));
  const table = done.map((d) => {
    const r = byId.get(d.id)!;
    return {
      conversation: `${d.id.slice(0, 8)} ${d.label}${d.duplicate ? ' (already ingested)' : ''}`,
      duration: `${(r.duration_ms / 1000).toFixed(1)} s`,
      words: String(r.words),
      'PII masked': String(r.pii),
      'audio spans silenced': r.redacted === null ? '-' : String(r.redacted),
      engine: r.status === 'failed' ? `FAILED: ${r.failure_reason}` : String(r.asr_engine),
      'to transcript': r.secs === null ? '-' : `${Number(r.secs).toFixed(1)} s`,
      'of which decoding': r.stage_ms === null ? '-' : `${(r.stage_ms / 1000).toFixed(1)} s`,
      verdict: !r.outcome
        ? '-'
        : r.outcome === 'not_applicable'
          ? `n/a: ${r.reason_code}`
          : `${r.passed ? 'PASS' : 'FAIL'} ${Number(r.score).toFixed(0)} ${r.policy_id}${(r.fatal_rules as string[]).length ? ` fatal: ${(r.fatal_rules as string[]).join(',')}` : ''}`,
    };
  });
  const cols = Object.keys(table[0]) as Array<keyof (typeof table)[0]>;
  const width = Object.fromEntries(cols.map((k) => [k, Math.max(k.length, ...table.map((r) => r[k].length))]));
  console.log(`\n${cols.map((k) => k.padEnd(width[k])).join('  ')}`);
  console.log(cols.map((k) => '-'.repeat(width[k])).join('  '));
  for (const r of table) console.log(cols.map((k) => r[k].padEnd(width[k])).join('  '));
  for (const n of notes) console.log(`note: ${n}`);
  console.log('\nfailed rules per synthetic call (! = fatal):');
  for (const d of done.filter((x) => x.label.startsWith('synthetic')))
    console.log(`  ${d.label.padEnd(44)} ${byId.get(d.id)!.failed_rules ?? '-'}`);
  console.log('\nunderstanding (local ONNX models): intent (confidence), escalation, customer sentiment per turn:');
  for (const d of done) {
    const r = byId.get(d.id)!;
    const conf = r.intent_confidence === null ? '' : ` (${Number(r.intent_confidence).toFixed(2)})`;
    console.log(
      `  ${d.label.padEnd(44)} ${String(r.intent ?? '-')}${conf}, escalation ${r.escalation ?? '-'}, ${r.customer_sentiment ?? '-'}`,
    );
  }
  const cora = (await signInWithPkce(idp.issuer, 'cora', password)).access_token;
  const seen = (await (
    await fetch(`${base}/api/v1/conversations?limit=200`, { headers: { authorization: `Bearer ${cora}` } })
  ).json()) as { items: unknown[] };
  console.log(
    `\nAPI: ${base}/api/v1/conversations   (OpenAPI: ${base}/api/v1/openapi.json, readiness: ${base}/readyz)`,
  );
  console.log(`console: ${base}/   (sign in as quinn, the QA analyst, to play a call and review its findings)`);
  console.log(`identity provider (local, Keycloak paths): ${idp.issuer}`);
  // credentials go to a person at a terminal, never into CI output or logs
  const interactive = process.stdout.isTTY && process.env.CI !== 'true';
  const pw = process.env.HOTLINE_DEMO_PASSWORD
    ? '$HOTLINE_DEMO_PASSWORD'
    : interactive
      ? `${password} (this run only; set HOTLINE_DEMO_PASSWORD to choose one)`
      : '(generated, not shown off a terminal; set HOTLINE_DEMO_PASSWORD)';
  console.log(
    `  users: anna bob carl dana (agents), sara (supervisor), quinn (QA), cora (compliance), otto (auditor), adam (admin); password: ${pw}`,
  );
  console.log(
    `  signed in as cora (compliance officer) through code + PKCE: she sees ${seen.items.length} conversations`,
  );
  if (interactive)
    console.log(`  try within 5 minutes: curl -H "Authorization: Bearer ${cora}" ${base}/api/v1/conversations?limit=3`);

  // the coverage report a compliance officer reads: every conversation inspected, not applicable or failed, with why
  const cov = (await (
    await fetch(`${base}/api/v1/inspection/coverage?from=2026-11-01&to=2026-11-03`, {
      headers: { authorization: `Bearer ${cora}` },
    })
  ).json()) as {
    totals: Record<string, number>;
    alarm: { state: string };
    days: Array<{
      day: string;
      queue: string | null;
      received: number;
      inspected: number;
      notApplicable: { count: number; reasons: Array<{ code: string; count: number }> };
      failed: { count: number };
      pending: { count: number };
    }>;
  };
  console.log(`
inspection coverage 2026-11-01…03 (alarm: ${cov.alarm.state}): ${Object.entries(cov.totals)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')}`);
  for (const d of cov.days) {
    const why = d.notApplicable.reasons.map((r) => `${r.code} ×${r.count}`).join(', ');
    console.log(
      `  ${d.day} ${(d.queue ?? '(none)').padEnd(15)} received ${d.received}, inspected ${d.inspected}, not applicable ${d.notApplicable.count}${why ? ` (${why})` : ''}, failed ${d.failed.count}, pending ${d.pending.count}`,
    );
  }

  // the compliance officer's month: the report and its signed evidence pack (English and Chinese), checked the way an
  // auditor would, with openssl and sha256sum alone
  const main = path.join(__dirname, '..', 'main.js');
  spawnSync(process.execPath, [main, 'audit', 'checkpoint'], { env: childEnv, stdio: 'ignore' }); // covers November
  const asCora = { authorization: `Bearer ${cora}`, 'content-type': 'application/json' };
  const made = await fetch(`${base}/api/v1/reports`, {
    method: 'POST',
    headers: asCora,
    body: JSON.stringify({ from: '2026-11-01', to: '2026-11-30', languages: ['en', 'zh'] }),
  });
  const monthly = (await made.json()) as { id: string; sha256: string; sizeBytes: number; error?: { message: string } };
  if (made.status !== 201)
    console.log(`
compliance report: ${made.status} ${monthly.error?.message ?? ''}`);
  else {
    const zip = Buffer.from(
      await (await fetch(`${base}/api/v1/reports/${monthly.id}/pack`, { headers: asCora })).arrayBuffer(),
    );
    const dir = path.join(c.HOTLINE_VAR_DIR, 'evidence', '2026-11');
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(`${dir}.zip`, zip);
    for (const [n, b] of Object.entries(unzipSync(zip))) fs.writeFileSync(path.join(dir, n), b);
    const ca = path.join(c.HOTLINE_VAR_DIR, 'pki', 'ca.cert.pem');
    const check = spawnSync(
      'bash',
      [
        '-c',
        `openssl cms -verify -binary -inform DER -in SHA256SUMS.p7s -content SHA256SUMS -CAfile ${ca} -out /dev/null 2>&1 && sha256sum -c --strict --quiet SHA256SUMS && echo all files match`,
      ],
      { cwd: dir, encoding: 'utf8' },
    );
    const kpis = (await (
      await fetch(`${base}/api/v1/reports/kpis?from=2026-11-01&to=2026-11-30&groupBy=channel`, { headers: asCora })
    ).json()) as {
      rows: Array<{
        group: { channel: string };
        conversations: number;
        passRate: number | null;
        avgHandleS: number | null;
        silenceRatio: number | null;
        talkRatio: number | null;
      }>;
    };
    console.log(`
compliance report for November 2026 (cora, both languages): ${monthly.sizeBytes} bytes, sha256 ${monthly.sha256}
  pack: ${dir}.zip (unpacked in ${dir}: report-en.pdf, report-zh.pdf, CSVs, coverage-ledger.csv, manifest.json)
  auditor's check (openssl cms -verify + sha256sum -c, CA ${ca}): ${check.status === 0 ? check.stdout.trim().split('\n').join('; ') : `FAILED: ${check.stdout}${check.stderr}`}
  or: node server/dist/main.js evidence verify ${dir}.zip --ca ${ca}`);
    for (const r of kpis.rows)
      console.log(
        `  ${r.group.channel.padEnd(5)} ${String(r.conversations).padStart(3)} conversations, pass rate ${r.passRate === null ? '–' : `${(r.passRate * 100).toFixed(0)} %`}, handle ${r.avgHandleS ?? '–'} s${r.talkRatio !== null ? `, agent talk ${(r.talkRatio * 100).toFixed(0)} %, silence ${((r.silenceRatio ?? 0) * 100).toFixed(0)} %` : ''}`,
      );
    if (check.status !== 0) process.exitCode = 1;
  }

  // what a masked view shows of the card call, and the evidence that nothing readable is at rest
  const cardCall = done.find((d) => d.label.includes('bank-card-cvv'));
  if (cardCall) {
    const detail = (await (
      await fetch(`${base}/api/v1/conversations/${cardCall.id}`, { headers: { authorization: `Bearer ${cora}` } })
    ).json()) as { utterances: Array<{ speaker: string; text: string }> };
    const shown = detail.utterances
      .filter((u) => u.speaker === 'customer' && /\*|REDACTED/.test(u.text))
      .map((u) => u.text);
    console.log(
      `\nmasked view of ${cardCall.label} (customer): ${shown.length ? shown.map((x) => `"${x}"`).join(' / ') : '(the recognizer heard no card number)'}`,
    );
  }
  const findings: Finding[] = [];
  const dumpBytes = await scanDatabase(c.DATABASE_URL, findings);
  const keys = await scanRedis(c.REDIS_URL, findings);
  const files = scanFiles(
    [c.objectDir, path.join(c.HOTLINE_VAR_DIR, 'audit'), path.join(c.HOTLINE_VAR_DIR, 'demo.log')],
    findings,
  );
  console.log(
    `scan:pii over the database dump (${(dumpBytes / 1e6).toFixed(1)} MB), ${keys} Redis keys and ${files} files (object store, audit checkpoints, demo.log): ${findings.length} finding(s)`,
  );
  for (const f of findings.slice(0, 10)) console.log(`  ${f.kind}: ${f.sample} in ${f.source}`);
  if (findings.length) process.exitCode = 1;

  if (!child) await idp.close();
  else {
    if (process.env.HOTLINE_DEMO_EXIT === '1' || process.env.CI === 'true') {
      child.kill('SIGTERM');
      await new Promise((r) => child!.on('exit', r));
      await idp.close();
    } else {
      console.log('the appliance keeps running; press Ctrl-C to stop it');
      const stop = () => child!.kill('SIGTERM');
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      await new Promise((r) => child!.on('exit', r));
      await idp.close();
    }
  }
}

main().catch((e) => {
  console.error(`demo: ${(e as Error).message}`);
  process.exit(1);
});
