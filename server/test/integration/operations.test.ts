import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, MAIN, openStack, Proc, requestAs, Stack, startProcess, waitFor } from '../helpers/stack';

/**
 * Operating the appliance: /metrics in Prometheus format (loopback, or a bearer token when one is configured),
 * the admin's status route and `hotline status` — figures only, never an id or a word of a conversation.
 */
let stack: Stack;
let tokenApi: Proc | undefined;
let chatId: string;
const METRICS_TOKEN = 'metrics-token-for-the-test-0123456789';
const SECRET_WORDS = 'Rumpelstiltskin lives at Elm Street';

beforeAll(async () => {
  stack = await openStack('operations', 2, {
    role: 'all',
    env: { HOTLINE_UNMASK_PER_HOUR: '3', HOTLINE_IDENTIFIER_SEARCH_PER_HOUR: '2' },
    auth: (i) => async (method) => (method === 'POST' ? i.recorderToken() : i.tokenFor('adam')),
  });
}, 180_000);
afterAll(async () => {
  await tokenApi?.stop();
  await stack?.close();
});

describe('metrics and status', () => {
  it('/metrics: conversations by state, queues and workers per stage, HTTP latency by route template, the SLA alarm', async () => {
    const { proc, pg } = stack;
    const r = await getJson(`${proc.base}/api/v1/conversations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        channel: 'chat',
        agentId: 'anna',
        teamId: 'team-cards',
        queue: 'cards',
        externalId: 'ops-1',
        startedAt: new Date(Date.now() - 60_000).toISOString(),
        messages: [
          { speaker: 'agent', at: new Date(Date.now() - 60_000).toISOString(), text: 'City Bank, how can I help?' },
          { speaker: 'customer', at: new Date(Date.now() - 50_000).toISOString(), text: SECRET_WORDS },
        ],
      }),
    });
    expect(r.status).toBe(201);
    const id = r.body.conversation.id as string;
    chatId = id;
    await waitFor(
      'the chat to be inspected',
      async () =>
        (await pg.query(`SELECT status FROM conversations WHERE id = $1`, [id])).rows[0].status === 'inspected',
      60_000,
      250,
    );
    // a request with an id in its path is counted under the route's template
    expect((await requestAs(proc.base, stack.idp, 'quinn', 'GET', `/api/v1/conversations/${id}`)).status).toBe(200);
    const res = await fetch(`${proc.base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const value = (name: string, labels = '') =>
      Number(new RegExp(`^${name}${labels.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
    const states = (await pg.query(`SELECT status, count(*)::int AS n FROM conversations GROUP BY 1`)).rows;
    for (const s of states) expect(value('hotline_conversations', `{status="${s.status}"}`), s.status).toBe(s.n);
    expect(value('hotline_inspection_sla_alarm')).toBe(0);
    for (const stage of ['transcribe', 'redact', 'understand', 'inspect'])
      expect(value('hotline_queue_workers', `{stage="${stage}"}`), stage).toBeGreaterThan(0);
    expect(value('hotline_queue_jobs', '{stage="inspect",state="waiting"}')).toBe(0);
    expect(value('hotline_stage_duration_seconds', '{stage="inspect",quantile="0.95"}')).toBeGreaterThan(0);
    expect(
      value(
        'hotline_http_request_duration_seconds_count',
        '{method="GET",route="/api/v1/conversations/:id",status="200"}',
      ),
    ).toBe(1);
    expect(
      value(
        'hotline_http_request_duration_seconds_count',
        '{method="POST",route="/api/v1/conversations",status="201"}',
      ),
    ).toBe(1);
    expect(text).toMatch(/^hotline_process_resident_memory_bytes \d+/m);
    // figures only: no id, no word of the conversation
    expect(text).not.toContain(id);
    expect(text).not.toMatch(/Rumpelstiltskin|Elm Street/);
  });

  it("the admin's status route; a QA analyst is refused; the CLI prints the same and exits 0 when nothing needs attention", async () => {
    const { proc, idp, t } = stack;
    const st = await requestAs(proc.base, idp, 'adam', 'GET', '/api/v1/system/status');
    expect(st.status).toBe(200);
    expect(st.body.queues.map((q: { stage: string }) => q.stage)).toEqual([
      'transcribe',
      'redact',
      'understand',
      'inspect',
    ]);
    expect(st.body.conversations.inspected).toBeGreaterThan(0);
    expect(st.body.coverage.alarm).toBe('ok');
    expect(st.body.policies.length).toBeGreaterThan(0);
    expect(st.body.objectStore.volumeTotalBytes).toBeGreaterThan(st.body.objectStore.volumeFreeBytes);
    expect((await requestAs(proc.base, idp, 'quinn', 'GET', '/api/v1/system/status')).status).toBe(403);
    const cli = spawnSync(process.execPath, [MAIN, 'status'], { env: { ...process.env, ...t.env }, encoding: 'utf8' });
    expect(cli.stderr).toBe('');
    expect(cli.status).toBe(0);
    expect(cli.stdout).toMatch(/^inspect +0 +0 +0 +0 +- +\d+ /m);
    expect(cli.stdout).toMatch(/coverage: ok/);
    expect(cli.stdout).toMatch(/nothing needs attention/);
    const json = spawnSync(process.execPath, [MAIN, 'status', '--json'], {
      env: { ...process.env, ...t.env },
      encoding: 'utf8',
    });
    expect(JSON.parse(json.stdout)).toMatchObject({ coverage: { alarm: 'ok' }, attention: [] });
  });

  it('unmask and identifier search are limited per person per hour: 429 with Retry-After, audited, counted', async () => {
    const { proc, idp, pg } = stack;
    const unmask = (user: string) =>
      requestAs(proc.base, idp, user, 'POST', `/api/v1/conversations/${chatId}/unmask`, {
        reason: 'customer disputes what was said',
      });
    for (let i = 0; i < 3; i++) expect((await unmask('quinn')).status).toBe(200);
    const over = await unmask('quinn');
    expect([over.status, over.body.error.code]).toEqual([429, 'rate_limited']);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    // the allowance is one person's: another analyst is not held up
    expect((await unmask('cora')).status).toBe(200);
    const denied = await pg.query(
      `SELECT actor_name, outcome, details->>'why' AS why FROM audit_events WHERE action = 'transcript.unmask' AND outcome = 'denied'`,
    );
    expect(denied.rows).toEqual([{ actor_name: 'quinn', outcome: 'denied', why: 'rate_limited' }]);
    const search = () =>
      requestAs(proc.base, idp, 'quinn', 'POST', '/api/v1/conversations/search/identifier', {
        kind: 'customer_ref',
        value: 'CUST-000001',
        reason: 'customer asked for their history',
      });
    expect((await search()).status).toBe(200);
    expect((await search()).status).toBe(200);
    expect((await search()).status).toBe(429);
    // a reason is required for a search
    const noReason = await requestAs(proc.base, idp, 'quinn', 'POST', '/api/v1/conversations/search/identifier', {
      kind: 'customer_ref',
      value: 'CUST-000001',
    });
    expect(noReason.status).toBe(422);
    const text = await (await fetch(`${proc.base}/metrics`)).text();
    expect(text).toMatch(/^hotline_rate_limited_total\{action="transcript\.unmask"\} 1$/m);
    expect(text).toMatch(/^hotline_rate_limited_total\{action="conversation\.search_identifier"\} 1$/m);
  });

  it('with a metrics token configured, /metrics wants it', async () => {
    tokenApi = await startProcess('api', stack.t, { HOTLINE_PORT: '0', HOTLINE_METRICS_TOKEN: METRICS_TOKEN });
    expect((await fetch(`${tokenApi.base}/metrics`)).status).toBe(401);
    expect(
      (
        await fetch(`${tokenApi.base}/metrics`, {
          headers: { authorization: 'Bearer not-the-token-at-all-0123456789' },
        })
      ).status,
    ).toBe(401);
    const ok = await fetch(`${tokenApi.base}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toMatch(/^hotline_conversations\{status="inspected"\} [1-9]/m);
  });
});
