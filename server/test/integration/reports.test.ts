import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/lib/csv';
import { KPI_MEASURES } from '../../src/reporting/kpis';
import { periodFor } from '../../src/reporting/schedule';
import { metadataFor } from '../../src/synth/render';
import { TestIdp } from '../helpers/auth';
import {
  MAIN,
  openStack,
  Proc,
  SERVER_DIR,
  Stack,
  startProcess,
  TestEnv,
  uploadCall,
  waitFor,
  requestAs,
} from '../helpers/stack';
import { synthCalls } from '../helpers/synth';

/**
 * Reports on real PostgreSQL: calls, chats, a call that fails and a chat left pending go in; the rollups must equal
 * the per-conversation rows and the raw verdicts, a review must move them, a supervisor must see only their team, and
 * the compliance report's PDF (read back with pdftotext), CSVs and ledger must agree with the API; the evidence pack
 * verifies with openssl alone and fails after tampering. The PDF pages are saved as PNG under var/report-pages.
 */
let stack: Stack;
let t: TestEnv;
let api: Proc;
let worker: Proc | undefined;
let idp: TestIdp;
let pg: Client;
const calls = synthCalls();
const POLICY_DIR = path.resolve(SERVER_DIR, '..', 'policies', 'qa');
const PAGES = path.resolve(SERVER_DIR, '..', 'var', 'report-pages');
const PERIOD = { from: '2026-11-01', to: '2026-11-30' };

const as = (user: string, method: string, p: string, body?: unknown) => requestAs(api.base, idp, user, method, p, body);

const chat = (i: number, o: { team: string; agent: string; customer?: string; day: number; transfers?: number }) => ({
  channel: 'chat',
  agentId: o.agent,
  teamId: o.team,
  queue: o.team.replace('team-', ''),
  ...(o.customer ? { customerRef: o.customer } : {}),
  ...(o.transfers !== undefined ? { transfers: o.transfers } : {}),
  externalId: `chat-${i}`,
  startedAt: `2026-11-${String(o.day).padStart(2, '0')}T10:00:00Z`,
  messages: [
    {
      speaker: 'customer',
      at: `2026-11-${String(o.day).padStart(2, '0')}T10:00:05Z`,
      text: 'Hi, my card was declined at the shop, why?',
    },
    {
      speaker: 'agent',
      at: `2026-11-${String(o.day).padStart(2, '0')}T10:00:40Z`,
      text: 'Sorry to hear that. I can see a temporary block; I have removed it now.',
    },
    {
      speaker: 'customer',
      at: `2026-11-${String(o.day).padStart(2, '0')}T10:01:10Z`,
      text: 'Great, thank you so much!',
    },
  ],
});

/** Every rollup measure summed from scratch out of the per-conversation contributions. */
async function fromScratch(): Promise<Record<string, number>> {
  const { rows } = await pg.query(`SELECT contribution FROM conversation_metrics`);
  const sums: Record<string, number> = Object.fromEntries(KPI_MEASURES.map((m) => [m, 0]));
  for (const r of rows) for (const m of KPI_MEASURES) sums[m] += r.contribution.measures[m];
  return sums;
}
async function rollupSums(): Promise<Record<string, number>> {
  const { rows } = await pg.query(
    `SELECT ${KPI_MEASURES.map((m) => `sum(${m})::float8 AS ${m}`).join(', ')} FROM kpi_daily`,
  );
  return Object.fromEntries(KPI_MEASURES.map((m) => [m, Number(rows[0][m] ?? 0)]));
}
const close = (a: Record<string, number>, b: Record<string, number>) => {
  for (const k of Object.keys(a)) expect(b[k], k).toBeCloseTo(a[k], 6);
};

let failedId: string;
let pendingId: string;

beforeAll(async () => {
  stack = await openStack('reports', 6, {
    env: { HOTLINE_QA_POLICY_DIR: POLICY_DIR, HOTLINE_ASR_CONCURRENCY: '2', HOTLINE_AUDIT_CHECKPOINT_INTERVAL_MS: '0' },
    auth: (i) => async () => i.recorderToken(),
  });
  ({ idp, t, proc: api, pg } = stack);
  fs.mkdirSync(PAGES, { recursive: true });
});

afterAll(async () => {
  await worker?.stop();
  await stack?.close();
});

describe('metrics and rollups', () => {
  it('every inspected conversation gets its metrics, and the rollups equal them and the verdicts', async () => {
    for (const name of ['bank-compliant', 'bank-card-cvv']) {
      const { script, call } = calls.get(name)!;
      const up = await uploadCall(api.base, fs.readFileSync(call.wav16k), {
        ...metadataFor(script, '16k'),
        customerRef: 'CUST-REPEAT-1',
        holdSeconds: 12.5,
        transfers: 1,
        startedAt: name === 'bank-compliant' ? '2026-11-03T09:00:00Z' : '2026-11-05T09:00:00Z',
      });
      expect(up.status).toBe(202);
    }
    const gone = await uploadCall(api.base, fs.readFileSync(calls.get('gov-complaint')!.call.wav16k), {
      ...metadataFor(calls.get('gov-complaint')!.script, '16k'),
      startedAt: '2026-11-06T09:00:00Z',
    });
    failedId = gone.body.conversation.id;
    await pg.query("UPDATE recordings SET object_id = repeat('0', 64) WHERE conversation_id = $1", [failedId]);
    const chats = [
      { team: 'team-cards', agent: 'anna', customer: 'CUST-REPEAT-1', day: 4, transfers: 2 },
      { team: 'team-cards', agent: 'anna', day: 10 },
      { team: 'team-general', agent: 'bob', day: 10 },
      { team: 'team-loans', agent: 'carl', day: 12 },
      { team: 'team-general', agent: 'bob', day: 28 },
    ];
    for (const [i, c] of chats.entries())
      expect((await as('recorder', 'POST', '/api/v1/conversations', chat(i, c))).status).toBe(201);

    worker = await startProcess('worker', t);
    await waitFor(
      'every conversation to settle',
      async () =>
        (await pg.query(`SELECT count(*)::int AS n FROM conversations WHERE status IN ('inspected', 'failed')`)).rows[0]
          .n === 8,
      240_000,
      500,
    );
    await worker.stop();
    worker = undefined;
    // one more chat, nobody to work on it: pending in the report
    const late = await as(
      'recorder',
      'POST',
      '/api/v1/conversations',
      chat(9, { team: 'team-cards', agent: 'anna', day: 20 }),
    );
    pendingId = late.body.conversation.id;

    const inspected = (await pg.query(`SELECT count(*)::int AS n FROM conversations WHERE status = 'inspected'`))
      .rows[0].n;
    expect((await pg.query(`SELECT count(*)::int AS n FROM conversation_metrics`)).rows[0].n).toBe(inspected);
    const sums = await rollupSums();
    close(await fromScratch(), sums);
    const v = (
      await pg.query(
        `SELECT count(*) FILTER (WHERE outcome = 'inspected')::int AS scored, count(*) FILTER (WHERE final_passed)::int AS passed,
                count(*) FILTER (WHERE outcome = 'not_applicable')::int AS na FROM verdicts WHERE current`,
      )
    ).rows[0];
    expect(sums.conversations).toBe(inspected);
    expect(sums.scored).toBe(v.scored);
    expect(sums.passed).toBe(v.passed);
    expect(sums.not_applicable).toBe(v.na);

    // the calls: speech measured; the same customer called again two days later (blind index): a repeat contact
    const m = (
      await pg.query(
        `SELECT m.metrics FROM conversation_metrics m JOIN conversations c ON c.id = m.conversation_id WHERE c.channel = 'call' ORDER BY c.started_at`,
      )
    ).rows.map((r) => r.metrics);
    expect(m).toHaveLength(2);
    for (const x of m) {
      expect(x.talkAgentMs).toBeGreaterThan(1000);
      expect(x.talkCustomerMs).toBeGreaterThan(1000);
      expect(x.talkRatio).toBeGreaterThan(0.2);
      expect(x.talkRatio).toBeLessThan(0.9);
      expect(x.silenceRatio).toBeGreaterThanOrEqual(0);
      expect(x.silenceRatio).toBeLessThan(1);
      expect(x.agentWpm).toBeGreaterThan(60);
      expect(x.holdMs).toBe(12_500);
      expect(x.transfers).toBe(1);
    }
    // the chat of 4 Nov came a day after the call of 3 Nov, and the second call a day after the chat
    expect(m[0].repeatContact).toBe(false);
    expect(m[1].repeatContact).toBe(true);
    const chatRepeat = (
      await pg.query(
        `SELECT m.metrics FROM conversation_metrics m JOIN conversations c ON c.id = m.conversation_id WHERE c.started_at = '2026-11-04T10:00:00Z'`,
      )
    ).rows[0].metrics;
    expect(chatRepeat).toMatchObject({ repeatContact: true, transfers: 2, talkRatio: null, holdMs: null });
  });

  it('the KPI route answers from the rollups, scoped: a supervisor sees their team only, an admin nothing', async () => {
    const all = await as('quinn', 'GET', `/api/v1/reports/kpis?from=${PERIOD.from}&to=${PERIOD.to}&groupBy=team`);
    expect(all.status).toBe(200);
    expect(all.body.rows.map((r: { group: { team: string } }) => r.group.team).sort()).toEqual(
      ['team-cards', 'team-general', 'team-loans'].filter((x) =>
        all.body.rows.some((r: { group: { team: string } }) => r.group.team === x),
      ),
    );
    const total = (await as('quinn', 'GET', `/api/v1/reports/kpis?from=${PERIOD.from}&to=${PERIOD.to}`)).body.rows[0];
    expect(total.conversations).toBe(
      all.body.rows.reduce((n: number, r: { conversations: number }) => n + r.conversations, 0),
    );
    const sara = await as(
      'sara',
      'GET',
      `/api/v1/reports/kpis?from=${PERIOD.from}&to=${PERIOD.to}&groupBy=team,channel`,
    );
    expect(sara.status).toBe(200);
    expect(new Set(sara.body.rows.map((r: { group: { team: string } }) => r.group.team))).toEqual(
      new Set(['team-cards']),
    );
    const cardsRaw = (
      await pg.query(
        `SELECT count(*)::int AS n FROM conversations WHERE team_id = 'team-cards' AND status = 'inspected'`,
      )
    ).rows[0].n;
    expect(sara.body.rows.reduce((n: number, r: { conversations: number }) => n + r.conversations, 0)).toBe(cardsRaw);
    expect((await as('adam', 'GET', `/api/v1/reports/kpis?from=${PERIOD.from}&to=${PERIOD.to}`)).status).toBe(403);
    const rules = await as('quinn', 'GET', `/api/v1/reports/kpis?from=${PERIOD.from}&to=${PERIOD.to}&groupBy=rule`);
    expect(rules.body.kind).toBe('rules');
    expect(rules.body.rows.length).toBeGreaterThan(3);
    const bad = await as('quinn', 'GET', `/api/v1/reports/kpis?from=${PERIOD.from}&to=${PERIOD.to}&groupBy=planet`);
    expect(bad.status).toBe(422);
  });

  it('a review that overturns a failed finding moves the rollups by exactly that, without recomputing history', async () => {
    const { rows } = await pg.query(
      `SELECT f.id, f.rule_id, v.conversation_id FROM findings f JOIN verdicts v ON v.id = f.verdict_id AND v.current
        WHERE f.result = 'fail' ORDER BY f.fatal DESC, f.rule_id LIMIT 1`,
    );
    expect(rows).toHaveLength(1);
    const ruleFailed = async () =>
      Number(
        (
          await pg.query(`SELECT coalesce(sum(failed), 0)::int AS n FROM kpi_rule_daily WHERE rule_id = $1`, [
            rows[0].rule_id,
          ])
        ).rows[0].n,
      );
    const before = await ruleFailed();
    const r = await as('quinn', 'POST', `/api/v1/findings/${rows[0].id}/review`, {
      decision: 'overturn',
      comment: 'the agent did say it, the transcript missed it',
    });
    expect(r.status).toBe(200);
    expect(await ruleFailed()).toBe(before - 1);
    const overturned = Number((await pg.query(`SELECT sum(overturned)::int AS n FROM kpi_rule_daily`)).rows[0].n);
    expect(overturned).toBe(1);
    close(await fromScratch(), await rollupSums());
    const passed = (await pg.query(`SELECT count(*) FILTER (WHERE final_passed)::int AS n FROM verdicts WHERE current`))
      .rows[0].n;
    expect((await rollupSums()).passed).toBe(passed);
  });
});

describe('compliance report and evidence pack', () => {
  let zip: Buffer;
  let files: Record<string, Uint8Array>;
  const dir = () => path.join(t.varDir, 'pack');

  it('a compliance officer generates the month in both languages; the pack is stored encrypted and audited', async () => {
    const cp = spawnSync(process.execPath, [MAIN, 'audit', 'checkpoint'], {
      env: { ...process.env, ...t.env },
      encoding: 'utf8',
    });
    expect(cp.status, cp.stderr).toBe(0);
    const r = await as('cora', 'POST', '/api/v1/reports', { from: PERIOD.from, to: PERIOD.to });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toMatchObject({ status: 'ready', languages: ['en', 'zh'], scope: { kind: 'all' } });
    const dl = await fetch(`${api.base}/api/v1/reports/${r.body.id}/pack`, {
      headers: { authorization: `Bearer ${await idp.tokenFor('cora')}` },
    });
    expect(dl.status).toBe(200);
    zip = Buffer.from(await dl.arrayBuffer());
    expect(crypto.createHash('sha256').update(zip).digest('hex')).toBe(r.body.sha256);
    // stored encrypted: the object store holds no zip
    const obj = (await pg.query(`SELECT object_id FROM reports WHERE id = $1`, [r.body.id])).rows[0].object_id;
    const stored = fs.readFileSync(path.join(t.varDir, 'objects', obj.slice(0, 2), obj.slice(2, 4), obj));
    expect(stored.subarray(0, 2).toString()).not.toBe('PK');
    const audit = (await pg.query(`SELECT action, outcome FROM audit_events WHERE object_type = 'report' ORDER BY seq`))
      .rows;
    expect(audit).toEqual([
      { action: 'report.generate', outcome: 'allowed' },
      { action: 'report.download', outcome: 'allowed' },
    ]);
    files = unzipSync(zip);
    fs.mkdirSync(dir(), { recursive: true });
    for (const [n, b] of Object.entries(files)) fs.writeFileSync(path.join(dir(), n), b);
  });

  it('coverage accounts for every conversation: the ledger, the CSVs, the PDF text and the API agree with the rows', async () => {
    const raw = (
      await pg.query(
        `SELECT count(*)::int AS received, count(*) FILTER (WHERE status = 'failed')::int AS failed,
                count(*) FILTER (WHERE status NOT IN ('inspected', 'failed'))::int AS pending FROM conversations`,
      )
    ).rows[0];
    expect(raw).toMatchObject({ received: 9, failed: 1, pending: 1 });
    const ledger = parseCsv(strFromU8(files['coverage-ledger.csv']));
    expect(ledger.length - 1).toBe(raw.received);
    const byId = new Map(ledger.slice(1).map((l) => [l[0], l]));
    expect(byId.get(failedId)![6]).toBe('failed');
    expect(byId.get(failedId)![10]).toBe('transcribe');
    expect(byId.get(pendingId)![6]).toBe('pending');
    const summary = parseCsv(strFromU8(files['summary-en.csv']));
    const val = (label: string) => summary.find((l) => l[0] === label)![1];
    expect(Number(val('Received'))).toBe(raw.received);
    expect(Number(val('Failed'))).toBe(1);
    expect(Number(val('Pending'))).toBe(1);
    const cov = await as('cora', 'GET', `/api/v1/inspection/coverage?from=${PERIOD.from}&to=${PERIOD.to}`);
    expect(Number(val('Inspected'))).toBe(cov.body.totals.inspected);
    expect(Number(val('Not applicable'))).toBe(cov.body.totals.notApplicable);
    const kpi = (await as('cora', 'GET', `/api/v1/reports/kpis?from=${PERIOD.from}&to=${PERIOD.to}`)).body.rows[0];
    expect(Number(val('Scored verdicts'))).toBe(kpi.scored);
    expect(Number(val('Pass rate'))).toBeCloseTo(kpi.passRate, 4);

    const text = spawnSync('pdftotext', ['-layout', path.join(dir(), 'report-en.pdf'), '-'], {
      encoding: 'utf8',
    }).stdout;
    expect(text).toContain('Compliance report');
    expect(text).toContain('2026-11-01 – 2026-11-30');
    // the coverage row: received, inspected, not applicable, failed, pending
    const t1 = cov.body.totals;
    expect(text.replace(/\s+/g, ' ')).toContain(
      `${t1.received} ${t1.inspected} ${t1.notApplicable} ${t1.failed} ${t1.pending}`,
    );
    expect(text).toContain(`${(kpi.passRate * 100).toFixed(1)} %`);
    const zh = spawnSync('pdftotext', [path.join(dir(), 'report-zh.pdf'), '-'], { encoding: 'utf8' }).stdout;
    expect(zh).toContain('合规报告');
    expect(zh).toContain('覆盖率');
    // fatal findings listed with their conversation ids, never with what was said
    const fatal = parseCsv(strFromU8(files['fatal-findings-en.csv']));
    const rawFatal = (
      await pg.query(
        `SELECT count(*)::int AS n FROM findings f JOIN verdicts v ON v.id = f.verdict_id AND v.current WHERE f.fatal AND f.result = 'fail'`,
      )
    ).rows[0].n;
    expect(fatal.length - 1).toBe(rawFatal);
    for (const l of fatal.slice(1)) expect(text).toContain(l[0]);
    const manifest = JSON.parse(strFromU8(files['manifest.json']));
    expect(manifest.auditCheckpoint).toMatchObject({ coversPeriod: true });
    expect(manifest.policies.map((p: { policyId: string }) => p.policyId)).toContain('bank-retail');
    for (const p of manifest.policies) expect(p.hash).toMatch(/^[0-9a-f]{64}$/);
    // the pages as pictures, kept with the test run
    for (const lang of ['en', 'zh']) {
      const r = spawnSync('pdftoppm', [
        '-png',
        '-r',
        '60',
        path.join(dir(), `report-${lang}.pdf`),
        path.join(PAGES, `report-${lang}`),
      ]);
      expect(r.status).toBe(0);
    }
    expect(fs.readdirSync(PAGES).filter((f) => f.endsWith('.png')).length).toBeGreaterThanOrEqual(4);
  });

  it('an auditor verifies the pack with openssl alone; any tampering fails, here and through the API', async () => {
    const ca = path.join(t.varDir, 'pki', 'ca.cert.pem');
    const check = (d: string) =>
      spawnSync(
        'bash',
        [
          '-c',
          `openssl cms -verify -binary -inform DER -in SHA256SUMS.p7s -content SHA256SUMS -CAfile ${ca} -out /dev/null && sha256sum -c --strict --quiet SHA256SUMS`,
        ],
        { cwd: d, encoding: 'utf8' },
      );
    expect(check(dir()).status).toBe(0);
    fs.writeFileSync(path.join(t.varDir, 'p.zip'), zip);
    const cli2 = spawnSync(process.execPath, [MAIN, 'evidence', 'verify', path.join(t.varDir, 'p.zip'), '--ca', ca], {
      encoding: 'utf8',
      env: { ...process.env, ...t.env },
    });
    expect(cli2.stdout).toContain('evidence pack verified');
    expect(cli2.status).toBe(0);

    const ok = await fetch(`${api.base}/api/v1/reports/verify`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await idp.tokenFor('otto')}`, 'content-type': 'application/zip' },
      body: new Uint8Array(zip),
    });
    expect(await ok.json()).toMatchObject({ ok: true, problems: [] });

    const changed = {
      ...files,
      'summary-en.csv': strToU8(strFromU8(files['summary-en.csv']).replace(/Received,\d+/, 'Received,1')),
    };
    const bad = Buffer.from(zipSync(changed));
    const badDir = path.join(t.varDir, 'bad');
    fs.mkdirSync(badDir);
    for (const [n, b] of Object.entries(changed)) fs.writeFileSync(path.join(badDir, n), b);
    expect(check(badDir).status).not.toBe(0);
    const no = await fetch(`${api.base}/api/v1/reports/verify`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await idp.tokenFor('otto')}`, 'content-type': 'application/zip' },
      body: new Uint8Array(bad),
    });
    const v = await no.json();
    expect(v.ok).toBe(false);
    expect(v.problems.join('\n')).toMatch(/summary-en\.csv was changed/);
  });

  it("a supervisor's report holds their own teams only; another team is not found", async () => {
    const r = await as('sara', 'POST', '/api/v1/reports', { from: PERIOD.from, to: PERIOD.to, languages: ['en'] });
    expect(r.status).toBe(201);
    const dl = await fetch(`${api.base}/api/v1/reports/${r.body.id}/pack`, {
      headers: { authorization: `Bearer ${await idp.tokenFor('sara')}` },
    });
    const f = unzipSync(Buffer.from(await dl.arrayBuffer()));
    const ledger = parseCsv(strFromU8(f['coverage-ledger.csv'])).slice(1);
    const cards = (await pg.query(`SELECT count(*)::int AS n FROM conversations WHERE team_id = 'team-cards'`)).rows[0]
      .n;
    expect(ledger).toHaveLength(cards);
    for (const l of ledger) expect(l[3]).toBe('team-cards');
    expect(f['report-zh.pdf']).toBeUndefined();
    expect(
      (
        await as('sara', 'POST', '/api/v1/reports', {
          from: PERIOD.from,
          to: PERIOD.to,
          scope: { kind: 'teams', values: ['team-loans'] },
        })
      ).status,
    ).toBe(404);
    // the ledger is written by COPY with the filter inlined as escaped literals: a quote in a value is a value
    const odd = await as('cora', 'POST', '/api/v1/reports', {
      from: PERIOD.from,
      to: PERIOD.to,
      languages: ['en'],
      scope: { kind: 'queues', values: ["cards' OR '1'='1", 'back\\slash'] },
    });
    expect(odd.status, JSON.stringify(odd.body)).toBe(201);
    const oddPack = unzipSync(
      Buffer.from(
        await (
          await fetch(`${api.base}/api/v1/reports/${odd.body.id}/pack`, {
            headers: { authorization: `Bearer ${await idp.tokenFor('cora')}` },
          })
        ).arrayBuffer(),
      ),
    );
    expect(parseCsv(strFromU8(oddPack['coverage-ledger.csv']))).toHaveLength(1); // the header alone
    // the compliance officer's report is not in her list; hers is in the compliance officer's
    const mine = (await as('sara', 'GET', '/api/v1/reports')).body.items;
    expect(mine.map((x: { id: string }) => x.id)).toEqual([r.body.id]);
    expect((await as('cora', 'GET', '/api/v1/reports')).body.items).toHaveLength(3);
    expect((await as('anna', 'GET', '/api/v1/reports')).status).toBe(403);
  });

  it('a scheduled report: the job scheduler is kept in Redis, a run makes the period before it, deleting removes both', async () => {
    const body = { id: 'monthly-all', cadence: 'monthly', scope: { kind: 'all', values: [] }, languages: ['en'] };
    expect((await as('sara', 'POST', '/api/v1/reports/schedules', body)).status).toBe(403);
    const made = await as('cora', 'POST', '/api/v1/reports/schedules', body);
    expect(made.status, JSON.stringify(made.body)).toBe(200);
    expect(made.body).toMatchObject({ id: 'monthly-all', cadence: 'monthly', createdBy: 'cora' });
    // saving again changes it in place: still one schedule, one scheduler, the next run on the 1st at 01:45 UTC
    await as('cora', 'POST', '/api/v1/reports/schedules', body);
    const list = (await as('cora', 'GET', '/api/v1/reports/schedules')).body.items;
    expect(list).toHaveLength(1);
    const next = new Date(list[0].nextRunAt);
    expect([next.getUTCDate(), next.getUTCHours(), next.getUTCMinutes()]).toEqual([1, 1, 45]);

    const run = await as('cora', 'POST', '/api/v1/reports/schedules/monthly-all/run');
    expect(run.status).toBe(202);
    worker = await startProcess('worker', t);
    const row = await waitFor(
      'the scheduled report',
      async () =>
        (
          await pg.query(
            `SELECT id, to_char(period_from, 'YYYY-MM-DD') AS f, to_char(period_to, 'YYYY-MM-DD') AS t, status, requested_by FROM reports WHERE schedule_id = 'monthly-all'`,
          )
        ).rows[0],
      60_000,
      300,
    );
    expect({ from: row.f, to: row.t }).toEqual(periodFor('monthly', new Date()));
    expect(row).toMatchObject({ status: 'ready', requested_by: 'cora' });
    // the generation is audited right after the report is stored, as the schedule (not as a person)
    const actor = await waitFor('the audit event', async () => {
      const r = await pg.query(
        `SELECT actor_id FROM audit_events WHERE action = 'report.generate' AND object_id = $1`,
        [row.id],
      );
      return r.rows.length ? r.rows : undefined;
    });
    expect(actor).toEqual([{ actor_id: 'schedule:monthly-all' }]);

    expect((await as('cora', 'DELETE', '/api/v1/reports/schedules/monthly-all')).status).toBe(204);
    expect((await as('cora', 'GET', '/api/v1/reports/schedules')).body.items).toEqual([]);
    expect((await as('cora', 'DELETE', '/api/v1/reports/schedules/monthly-all')).status).toBe(404);
  });
});
