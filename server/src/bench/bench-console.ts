import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { startLocalIssuer } from '../dev-idp/local-issuer';
import { signInWithPkce } from '../dev-idp/pkce-client';
import { loadPolicyFile } from '../inspection/qa-policy';
import { BenchSeedRepository, recreateBenchDatabase } from '../repositories/bench-seed';
import { openDatabase } from '../repositories/database';
import { startAppliance } from './appliance-process';

/**
 * `npm run bench:console`: the console's conversation list over BENCH_CONVERSATIONS (default 1,000,000) stored
 * conversations, through HTTP as the console asks for it (GET /api/v1/conversations, 50 a page, with a QA analyst's
 * token): first pages, pages deep down the cursor, and filtered by team, agent, channel, state, period, verdict, fatal
 * rule, failed rule and the customer's sentiment (alone and combined); p50/p95
 * (target p95 ≤ 300 ms). Also the console's production JavaScript, gzipped (target < 1.5 MB). Seeds
 * `hotline_bench_report` like bench:report (BENCH_REUSE=1 keeps what is there).
 */
const N = Number(process.env.BENCH_CONVERSATIONS ?? 1_000_000);
const URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/hotline_bench_report';
const MONTH = { from: '2026-11-01', to: '2026-11-30' };
const REPO = path.resolve(__dirname, '..', '..', '..');

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

function bundleSize(): string {
  const dir = path.join(REPO, 'console', 'dist', 'assets');
  if (!fs.existsSync(dir)) return 'console not built (npm run build)';
  const js = fs.readdirSync(dir).filter((f) => f.endsWith('.js'));
  const gz = js.reduce((n, f) => n + zlib.gzipSync(fs.readFileSync(path.join(dir, f)), { level: 9 }).length, 0);
  return `${(gz / 1024).toFixed(0)} KiB gzipped in ${js.length} files (target < 1.5 MB)`;
}

async function main() {
  console.log(`console JavaScript: ${bundleSize()}`);
  const reuse = process.env.BENCH_REUSE === '1';
  if (!reuse) await recreateBenchDatabase(URL);
  const db = await openDatabase(URL);
  const seed = new BenchSeedRepository(db);
  if (!(reuse && (await seed.seeded()))) {
    const t0 = performance.now();
    const policy = loadPolicyFile(path.join(REPO, 'policies', 'qa', 'bank-retail.yaml'));
    await seed.seed(N, MONTH, { id: policy.doc.id, version: 1, hash: policy.hash, source: policy.source });
    console.log(`seeded ${N.toLocaleString('en')} conversations in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  } else console.log(`reusing ${(await seed.seeded()).toLocaleString('en')} seeded conversations`);
  await db.destroy();

  const password = crypto.randomBytes(12).toString('base64url');
  const idp = await startLocalIssuer({ password });
  const token = (await signInWithPkce(idp.issuer, 'quinn', password)).access_token;
  const varDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-console-'));
  const api = await startAppliance('api', {
    ...process.env,
    HOTLINE_OIDC_ISSUER: idp.issuer,
    DATABASE_URL: URL,
    HOTLINE_VAR_DIR: varDir,
    HOTLINE_QUEUE_PREFIX: 'benchconsole',
  });
  try {
    const port = api.port;
    const get = async (q: Record<string, string>) => {
      const t0 = performance.now();
      const res = await fetch(
        `http://127.0.0.1:${port}/api/v1/conversations?${new URLSearchParams({ limit: '50', ...q })}`,
        {
          headers: { authorization: `Bearer ${token}` },
        },
      );
      const body = (await res.json()) as { items: unknown[]; nextCursor: string | null };
      if (res.status !== 200) throw new Error(`list answered ${res.status}`);
      return { ms: performance.now() - t0, body };
    };
    const shapes: Array<[string, Record<string, string>]> = [
      ['newest', {}],
      ['team', { teamId: 'team-7' }],
      ['agent', { agentId: 'agent-42' }],
      ['channel', { channel: 'email' }],
      ['state failed', { status: 'failed' }],
      ['one day', { from: '2026-11-15T00:00:00Z', to: '2026-11-16T00:00:00Z' }],
      ['team + day', { teamId: 'team-3', from: '2026-11-20T00:00:00Z', to: '2026-11-21T00:00:00Z' }],
      ['failed', { passed: 'false' }],
      ['fatal', { fatal: 'true' }],
      ['failed rule', { failedRule: 'identity_before_account' }],
      ['negative end', { sentiment: 'negative' }],
      ['team+fatal', { teamId: 'team-3', fatal: 'true' }],
      ['agent+failed', { agentId: 'agent-42', passed: 'false' }],
    ];
    const all: number[] = [];
    for (const [name, q] of shapes) {
      const times: number[] = [];
      for (let round = 0; round < 3; round++) {
        // the first page, then nine more down the cursor, as "load more" does
        let cursor: string | null = null;
        for (let page = 0; page < 10; page++) {
          const r = await get(cursor ? { ...q, cursor } : q);
          times.push(r.ms);
          cursor = r.body.nextCursor;
          if (!cursor) break;
        }
      }
      all.push(...times);
      console.log(
        `  ${name.padEnd(13)} p50 ${pct(times, 50).toFixed(1)} ms, p95 ${pct(times, 95).toFixed(1)} ms (${times.length} pages)`,
      );
    }
    console.log(
      `conversation list over HTTP (${all.length} pages of 50, QA analyst's token): p50 ${pct(all, 50).toFixed(1)} ms, p95 ${pct(all, 95).toFixed(1)} ms, max ${Math.max(...all).toFixed(1)} ms (target p95 ≤ 300 ms)`,
    );
  } finally {
    await api.stop();
    await idp.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
