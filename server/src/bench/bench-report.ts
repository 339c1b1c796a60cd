import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateEvidencePack, kpiReport, reportDeps } from '../commands/reports';
import type { KpiQuery } from '../commands/reports';
import { startLocalIssuer } from '../dev-idp/local-issuer';
import { signInWithPkce } from '../dev-idp/pkce-client';
import { loadPolicyFile } from '../inspection/qa-policy';
import { BenchSeedRepository, recreateBenchDatabase } from '../repositories/bench-seed';
import { openDatabase } from '../repositories/database';
import { startAppliance } from './appliance-process';
import { ReportRepository } from '../repositories/reports';

/**
 * `npm run bench:report`: seeds BENCH_CONVERSATIONS (default 1,000,000) conversations of one month with verdicts,
 * findings and rollups in SQL, then times
 *   - the compliance report for the month over all of them: figures, the ledger of every conversation, the PDF in
 *     English and Chinese, the CSVs, and the signed pack (target ≤ 10 s);
 *   - KPI queries as the console's charts ask them (groupings and filters; p50/p95, target p95 ≤ 300 ms);
 *   - the cost one verdict adds: metrics recomputed and both rollups moved, in its own transaction.
 * The database is `hotline_bench_report` (dropped and made again); nothing else is touched.
 */
const N = Number(process.env.BENCH_CONVERSATIONS ?? 1_000_000);
const URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/hotline_bench_report';
const MONTH = { from: '2026-11-01', to: '2026-11-30' };
const POLICY = path.resolve(__dirname, '..', '..', '..', 'policies', 'qa', 'bank-retail.yaml');

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

async function main() {
  // BENCH_REUSE=1 times again over what the last run seeded (same size), instead of seeding anew
  const reuse = process.env.BENCH_REUSE === '1';
  if (!reuse) await recreateBenchDatabase(URL);
  const db = await openDatabase(URL);
  const seed = new BenchSeedRepository(db);
  const policy = loadPolicyFile(POLICY);
  const t0 = performance.now();
  const already = reuse ? await seed.seeded() : 0;
  if (already) console.log(`reusing ${already.toLocaleString('en')} seeded conversations`);
  const steps = already
    ? {}
    : await seed.seed(N, MONTH, {
        id: policy.doc.id,
        version: 1,
        hash: policy.hash,
        source: policy.source,
      });
  if (!already)
    console.log(
      `seeded ${N.toLocaleString('en')} conversations in ${((performance.now() - t0) / 1000).toFixed(1)} s (${Object.entries(
        steps,
      )
        .map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`)
        .join(', ')})`,
    );

  const varDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-report-'));
  const reports = new ReportRepository(db);
  const deps = reportDeps(reports, {
    HOTLINE_VAR_DIR: varDir,
    HOTLINE_REPORT_FONT_DIR: process.env.HOTLINE_REPORT_FONT_DIR ?? '/usr/share/fonts/opentype/noto',
  });
  deps.signer(); // the PKI is made once, outside the timing
  for (const run of [1, 2]) {
    const r0 = performance.now();
    const pack = await generateEvidencePack(deps, {
      from: MONTH.from,
      to: MONTH.to,
      scope: { kind: 'all', values: [] },
      languages: ['en', 'zh'],
      by: 'bench',
      callerScope: 'all',
    });
    const ms = performance.now() - r0;
    console.log(
      `compliance report, month, all conversations (run ${run}): ${(ms / 1000).toFixed(2)} s (target ≤ 10 s); pack ${(pack.zip.length / 1e6).toFixed(1)} MB; ${Object.entries(
        pack.timings,
      )
        .map(([k, v]) => `${k} ${v} ms`)
        .join(
          ', ',
        )}; received ${pack.report.coverage.totals.received.toLocaleString('en')}, fatal findings ${pack.report.fatal.total}`,
    );
  }

  const queries: KpiQuery[] = [
    { ...MONTH, groupBy: ['day'] },
    { ...MONTH, groupBy: ['team'] },
    { ...MONTH, groupBy: ['agent'] },
    { ...MONTH, groupBy: ['intent'] },
    { ...MONTH, groupBy: ['rule'] },
    { ...MONTH, groupBy: ['day', 'channel'] },
    { ...MONTH, groupBy: ['week', 'team'] },
    { ...MONTH, groupBy: ['day'], teams: ['team-3'] },
    { ...MONTH, groupBy: ['agent'], teams: ['team-3', 'team-4'] },
    { ...MONTH, groupBy: [] },
    { from: '2026-11-10', to: '2026-11-16', groupBy: ['day', 'rule'] },
    { ...MONTH, groupBy: ['queue'], channels: ['call'] },
  ];
  const times: number[] = [];
  for (let round = 0; round < 10; round++)
    for (const q of queries) {
      const k0 = performance.now();
      await kpiReport({ reports }, q, round % 2 ? 'all' : { teams: ['team-1', 'team-3', 'team-4'], agents: [] });
      times.push(performance.now() - k0);
    }
  console.log(
    `KPI queries (${times.length}: ${queries.length} shapes × 10, half scoped to three teams): p50 ${pct(times, 50).toFixed(1)} ms, p95 ${pct(times, 95).toFixed(1)} ms, max ${Math.max(...times).toFixed(1)} ms (target p95 ≤ 300 ms; in process, without HTTP and token checks)`,
  );

  // the same shapes through HTTP: the API process, a QA analyst's access token (verified with jose), zod, JSON
  const password = crypto.randomBytes(12).toString('base64url');
  const idp = await startLocalIssuer({ password });
  const token = (await signInWithPkce(idp.issuer, 'quinn', password)).access_token;
  const api = await startAppliance('api', {
    ...process.env,
    HOTLINE_OIDC_ISSUER: idp.issuer,
    DATABASE_URL: URL,
    HOTLINE_VAR_DIR: varDir,
    HOTLINE_QUEUE_PREFIX: 'benchreport',
  });
  try {
    const port = api.port;
    const http: number[] = [];
    for (let round = 0; round < 10; round++)
      for (const q of queries) {
        const qs = new URLSearchParams({ from: q.from, to: q.to, groupBy: q.groupBy.join(',') });
        if (q.teams) qs.set('team', q.teams.join(','));
        if (q.channels) qs.set('channel', q.channels.join(','));
        const h0 = performance.now();
        const res = await fetch(`http://127.0.0.1:${port}/api/v1/reports/kpis?${qs}`, {
          headers: { authorization: `Bearer ${token}` },
        });
        await res.arrayBuffer();
        http.push(performance.now() - h0);
        if (res.status !== 200) throw new Error(`KPI route answered ${res.status}`);
      }
    console.log(
      `KPI route over HTTP (GET /api/v1/reports/kpis, QA analyst's token; ${http.length} requests): p50 ${pct(http, 50).toFixed(1)} ms, p95 ${pct(http, 95).toFixed(1)} ms, max ${Math.max(...http).toFixed(1)} ms (target p95 ≤ 300 ms)`,
    );
  } finally {
    await api.stop();
    await idp.close();
  }

  const ids = await seed.someInspected(300);
  await seed.addUtterances(ids);
  const cost = await seed.timeRefresh(ids);
  console.log(
    `rollup cost per verdict (metrics from 40 utterances + both rollups, own transaction; ${cost.length} verdicts): p50 ${pct(cost, 50).toFixed(2)} ms, p95 ${pct(cost, 95).toFixed(2)} ms`,
  );
  await db.destroy();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
