import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeTable } from '../../src/app/app';
import type { Services } from '../../src/services';
import { loadPolicyFile } from '../../src/inspection/qa-policy';
import { TestIdp } from '../helpers/auth';
import { MAIN, Proc, SERVER_DIR, startProcess, TestEnv, waitFor, openStack, Stack } from '../helpers/stack';
import { Caller, CALLERS, EXPECT } from '../helpers/access-matrix';

/**
 * Roles × routes, generated from the route table: every route, every role, anonymous and a wrong-audience token,
 * against the expected status written out here. A route added without an entry fails this test.
 */
let t: TestEnv;
let api: Proc;
let idp: TestIdp;
let pg: Client;
const ids: Record<string, string> = {};

async function tokenOf(c: Caller): Promise<string | undefined> {
  if (c === 'anonymous') return undefined;
  if (c === 'garbage') return 'not.a.token';
  if (c === 'wrong_audience') return idp.idTokenFor('cora'); // a real token of this realm, meant for the console
  if (c === 'recorder') return idp.recorderToken();
  return idp.tokenFor(c);
}

const chat = (agentId: string, teamId: string, minute: number) => ({
  channel: 'chat',
  agentId,
  teamId,
  startedAt: `2026-11-03T10:${String(minute).padStart(2, '0')}:00Z`,
  messages: [
    {
      speaker: 'customer',
      at: `2026-11-03T10:${String(minute).padStart(2, '0')}:05Z`,
      text: `hello from the customer of ${agentId}`,
    },
  ],
});

// valid bodies, so an authorised caller gets the route's real answer (unknown subjects: 404)
const JSON_BODIES: Record<string, unknown> = {
  'POST /api/v1/conversations/:id/unmask': { reason: 'access matrix: checking who may unmask' },
  'POST /api/v1/conversations/:id/unmask/approvals': { reason: 'access matrix: asking for an approval' },
  'POST /api/v1/unmask-approvals/:approvalId/decision': { decision: 'approve', comment: 'access matrix: a decision' },
  'POST /api/v1/conversations/search/identifier': {
    kind: 'phone',
    value: '+8613800138000',
    reason: 'access matrix: identifier search',
  },
  'POST /api/v1/system/jobs/retry': { conversationIds: ['00000000-0000-4000-8000-000000000000'] },
  'POST /api/v1/subjects/erase': { customerRef: 'no-such-customer', reason: 'access matrix: erasure request 0' },
  'PUT /api/v1/subjects/legal-hold': {
    customerRef: 'no-such-customer',
    hold: true,
    reason: 'access matrix: litigation hold 0',
  },
  'PUT /api/v1/conversations/:id/legal-hold': { hold: false, reason: 'access matrix: litigation hold 0' },
  // ids that do not exist (404) or bodies that are refused on their content (422): the permission check came first
  'POST /api/v1/findings/:id/review': { decision: 'confirm', comment: 'access matrix: a review comment' },
  'POST /api/v1/verdicts/:id/disputes': { comment: 'access matrix: a dispute comment' },
  'POST /api/v1/disputes/:id/decision': { decision: 'rejected', comment: 'access matrix: a decision comment' },
  'POST /api/v1/policies/validate': { source: 'id: x' },
  'POST /api/v1/policies': { source: 'id: x' },
  'POST /api/v1/policies/:policyId/versions/:version/activate': { reason: 'access matrix: activation reason' },
  'POST /api/v1/inspection/reinspect': { from: '2026-11-02T00:00:00Z', to: '2026-11-01T00:00:00Z' },
};

let stack: Stack;
beforeAll(async () => {
  stack = await openStack('access', 14);
  ({ idp, t, proc: api, pg } = stack);
  const recorder = await idp.recorderToken();
  for (const [key, agent, team, minute] of [
    ['anna-conv', 'anna', 'team-cards', 1],
    ['bob-conv', 'bob', 'team-general', 2],
    ['carl-conv', 'carl', 'team-loans', 3],
  ] as const) {
    const res = await fetch(`${api.base}/api/v1/conversations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${recorder}` },
      body: JSON.stringify(chat(agent, team, minute)),
    });
    expect(res.status).toBe(201);
    ids[key] = ((await res.json()) as { conversation: { id: string } }).conversation.id;
  }
});

afterAll(() => stack?.close());

describe('roles × routes', () => {
  it('every route in the table has an expectation (a new route without a policy fails here)', () => {
    const table = routeTable({} as Services).map((r) => `${r.method.toUpperCase()} ${r.path}`);
    expect(table.filter((r) => !EXPECT[r])).toEqual([]);
    expect(Object.keys(EXPECT).filter((r) => !table.includes(r))).toEqual([]);
    for (const r of routeTable({} as Services)) expect(r.auth, r.path).toBeDefined();
  });

  it('answers each caller as expected', async () => {
    const got: Record<string, Record<string, number>> = {};
    const want: Record<string, Record<string, number>> = {};
    let n = 0;
    for (const route of Object.keys(EXPECT)) {
      const [method, p] = route.split(' ');
      for (const caller of CALLERS) {
        const token = await tokenOf(caller);
        const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
        let body: BodyInit | undefined;
        if (p === '/api/v1/conversations' && method === 'POST') {
          headers['content-type'] = 'application/json';
          body = JSON.stringify(chat('anna', 'team-cards', 1)); // a duplicate of anna-conv: 200 for the recorder
        }
        if (JSON_BODIES[route]) {
          headers['content-type'] = 'application/json';
          body = JSON.stringify(JSON_BODIES[route]);
        }
        if (p === '/api/v1/calls') {
          const form = new FormData();
          form.append('audio', new Blob([new Uint8Array(4)]), 'x.wav');
          form.append('metadata', '{"agentId":"anna"}');
          body = form; // authorised callers get the audio verdict: 422
        }
        const url = p
          .replace(':id', ids['anna-conv'])
          .replace(':policyId', 'no-such-policy')
          .replace(':scheduleId', 'no-such-schedule')
          .replace(':version', '1')
          .replace(':jobId', '999999')
          .replace(':approvalId', '00000000-0000-4000-8000-000000000000');
        const res = await fetch(`${api.base}${url}`, { method, headers, body });
        // an event stream stays open: its status is the answer
        if (res.headers.get('content-type')?.startsWith('text/event-stream')) await res.body?.cancel();
        else await res.arrayBuffer();
        (got[route] ??= {})[caller] = res.status;
        (want[route] ??= {})[caller] = EXPECT[route][caller];
        n++;
      }
    }
    expect(got).toEqual(want);
    expect(n).toBe(Object.keys(EXPECT).length * CALLERS.length);
  });
});

describe('data scopes are applied in SQL', () => {
  const list = async (who: Caller) => {
    const res = await fetch(`${api.base}/api/v1/conversations?limit=200`, {
      headers: { authorization: `Bearer ${await tokenOf(who)}` },
    });
    return ((await res.json()) as { items: Array<{ id: string; agentId: string; allowedActions: string[] }> }).items;
  };
  it('agent: own; supervisor: team; QA and compliance: all', async () => {
    expect((await list('anna')).map((i) => i.id)).toEqual([ids['anna-conv']]);
    expect((await list('bob')).map((i) => i.id)).toEqual([ids['bob-conv']]);
    expect((await list('sara')).map((i) => i.id)).toEqual([ids['anna-conv']]);
    expect((await list('quinn')).map((i) => i.id).sort()).toEqual(Object.values(ids).sort());
    expect((await list('cora')).map((i) => i.id).sort()).toEqual(Object.values(ids).sort());
  });

  it('filters cannot widen the scope, and responses list the caller’s allowed actions', async () => {
    const res = await fetch(`${api.base}/api/v1/conversations?agentId=bob`, {
      headers: { authorization: `Bearer ${await idp.tokenFor('anna')}` },
    });
    expect(((await res.json()) as { items: unknown[] }).items).toEqual([]);
    expect((await list('anna'))[0].allowedActions).toEqual(['conversation.read', 'recording.play']);
    expect((await list('sara'))[0].allowedActions).toEqual([
      'conversation.read',
      'recording.play',
      'transcript.unmask',
    ]);
  });
  it('an agent is their account (sub), not their username: a username another account holds shows nothing until an administrator moves it', async () => {
    const recorder = await idp.recorderToken();
    const res = await fetch(`${api.base}/api/v1/conversations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${recorder}` },
      body: JSON.stringify(chat('dana', 'team-gov', 4)),
    });
    const danaConv = ((await res.json()) as { conversation: { id: string } }).conversation.id;
    const agents = (...a: string[]) =>
      spawnSync(process.execPath, [MAIN, 'agents', ...a], {
        env: { ...process.env, ...t.env, HOTLINE_OPERATOR: 'adam' },
        encoding: 'utf8',
      });
    // the agent id "dana" was bound to an earlier account (the username has since been given to someone new)
    expect(agents('bind', 'dana', '--sub', 'sub-of-the-earlier-dana').status).toBe(0);
    expect(await list('dana')).toEqual([]);
    const denied = await pg.query(
      `SELECT outcome, details->>'heldBy' AS held FROM audit_events WHERE action = 'agent.bind' AND object_id = 'dana' AND actor_id <> 'os:adam'`,
    );
    expect(denied.rows[0]).toEqual({ outcome: 'denied', held: 'sub-of-the-earlier-dana' });
    // the administrator binds the id to the new account: its history is theirs from then on
    const token = await idp.tokenFor('dana');
    const sub = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).sub as string;
    expect(agents('bind', 'dana', '--sub', sub, '--username', 'dana').stdout).toMatch(
      /now bound to .* \(was sub-of-the-earlier-dana\)/,
    );
    await expect.poll(async () => (await list('dana')).map((i) => i.id), { timeout: 20_000 }).toEqual([danaConv]);
    // everyone else was bound at their first request, by account
    const bound = await pg.query(
      `SELECT agent_id, bound_by FROM agent_accounts WHERE agent_id IN ('anna', 'bob') ORDER BY agent_id`,
    );
    expect(bound.rows).toEqual([
      { agent_id: 'anna', bound_by: 'first sign-in' },
      { agent_id: 'bob', bound_by: 'first sign-in' },
    ]);
    expect(agents('list').stdout).toMatch(new RegExp(`^dana\\t${sub}\\tdana\\t`, 'm'));
  });
});

describe('audit of access', () => {
  it('reads, denials and failed sign-ins are in the trail, which verifies', async () => {
    const rows = (
      await pg.query(
        'SELECT actor_id, actor_name, action, object_id, outcome, request_id FROM audit_events ORDER BY seq',
      )
    ).rows as Array<Record<string, string | null>>;
    expect(
      rows.some(
        (r) =>
          r.actor_name === 'sara' &&
          r.action === 'conversation.read' &&
          r.object_id === ids['anna-conv'] &&
          r.outcome === 'allowed',
      ),
    ).toBe(true);
    expect(
      rows.some(
        (r) =>
          r.actor_name === 'bob' &&
          r.action === 'conversation.read' &&
          r.object_id === ids['anna-conv'] &&
          r.outcome === 'denied',
      ),
    ).toBe(true);
    expect(
      rows.some((r) => r.actor_name === 'adam' && r.action === 'conversation.list' && r.outcome === 'denied'),
    ).toBe(true);
    expect(rows.filter((r) => r.action === 'auth.denied').length).toBeGreaterThanOrEqual(15);
    // every event a request made names the request (process starts and command-line runs have none)
    expect(rows.filter((r) => !/^(system|os):/.test(r.actor_id!)).every((r) => r.request_id)).toBe(true);
    const v = spawnSync(process.execPath, [MAIN, 'audit', 'verify'], {
      env: { ...process.env, ...t.env },
      encoding: 'utf8',
    });
    expect(v.stdout).toMatch(/^OK: \d+ rows/m);
  });

  it('a sign-in is recorded once per SSO session, at its first request; service accounts have no session', async () => {
    const signIns = async () =>
      (await pg.query("SELECT details FROM audit_events WHERE action = 'auth.sign_in' AND actor_name = 'quinn'"))
        .rows as Array<{ details: { session: string; client: string } }>;
    const before = (await signIns()).length;
    const token = await idp.signInAgain('quinn'); // a fresh code + PKCE sign-in: a new session
    for (let i = 0; i < 3; i++)
      expect(
        (await fetch(`${api.base}/api/v1/conversations`, { headers: { authorization: `Bearer ${token}` } })).status,
      ).toBe(200);
    const after = await signIns();
    expect(after.length).toBe(before + 1);
    expect(after[after.length - 1].details).toMatchObject({
      session: expect.stringMatching(/^[0-9a-f]{32}$/),
      client: 'hotline-console',
    });
    expect(
      (
        await pg.query(
          "SELECT count(*)::int AS n FROM audit_events WHERE action = 'auth.sign_in' AND actor_name LIKE 'service-account-%'",
        )
      ).rows[0].n,
    ).toBe(0);
  });

  it('the worker signs checkpoints on a schedule into the file a third party keeps and sends them to the SIEM; verify checks them', async () => {
    const file = path.join(t.varDir, 'audit', 'checkpoints.jsonl');
    // the bank's log collector: syslog over TCP, octet-counted frames
    const received: string[] = [];
    const siem = net.createServer((sock) => {
      let buf = '';
      sock.on('data', (d) => (buf += d.toString()));
      sock.on('end', () => received.push(buf));
    });
    await new Promise<void>((r) => siem.listen(0, '127.0.0.1', r));
    const siemPort = (siem.address() as net.AddressInfo).port;
    const worker = await startProcess('worker', t, {
      HOTLINE_AUDIT_CHECKPOINT_INTERVAL_MS: '300',
      HOTLINE_AUDIT_SYSLOG: `tcp://127.0.0.1:${siemPort}`,
    });
    try {
      await waitFor(
        'a signed checkpoint, forwarded',
        async () => fs.existsSync(file) && fs.readFileSync(file, 'utf8').trim().length > 0 && received.length > 0,
        20_000,
      );
    } finally {
      await worker.stop();
      siem.close();
    }
    const last = (await pg.query('SELECT max(seq)::int AS n FROM audit_events')).rows[0].n;
    const first = JSON.parse(fs.readFileSync(file, 'utf8').trim().split('\n')[0]);
    expect(first.seq).toBe(last);
    // RFC 5424 (facility log audit, info) with the checkpoint itself, signature included, as the SIEM's copy
    const m =
      /^(\d+) (<110>1 \S+ \S+ hotline - audit-checkpoint \[hotline@32473 seq="(\d+)" hash="([0-9a-f]{64})" keyId="\w+"\] (\{.*\}))$/.exec(
        received[0],
      );
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBe(Buffer.byteLength(m![2]));
    expect([Number(m![3]), m![4]]).toEqual([first.seq, first.hash]);
    expect(JSON.parse(m![5])).toEqual(first);
    const v = spawnSync(process.execPath, [MAIN, 'audit', 'verify'], {
      env: { ...process.env, ...t.env },
      encoding: 'utf8',
    });
    expect(v.stdout).toMatch(/^OK: \d+ rows, last row \d+, 1 signed checkpoint\(s\) verified/m);
    expect(v.status).toBe(0);
  });
  it('the CLI activates a policy only for a signed-in approver (policy:approve), named in the trail', async () => {
    const env = { ...process.env, ...t.env, HOTLINE_OPERATOR: 'ivan' };
    // asynchronously: the CLI fetches the identity provider's keys from the issuer this test process serves
    const run = (args: string[], extra: Record<string, string> = {}) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [MAIN, 'policy', ...args], { env: { ...env, ...extra } });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d) => (stdout += d));
        child.stderr.on('data', (d) => (stderr += d));
        child.on('close', (status) => resolve({ status, stdout, stderr }));
      });
    const sms = path.resolve(SERVER_DIR, '..', 'policies', 'qa', 'bank-sms.yaml');
    const v2 = path.join(t.varDir, 'bank-sms-next.yaml');
    // the shipped version and a draft after it
    const V = loadPolicyFile(sms).doc.version;
    fs.writeFileSync(v2, fs.readFileSync(sms, 'utf8').replace(/^version: \d+$/m, `version: ${V + 1}`));
    expect((await run(['import', sms])).status).toBe(0);
    expect((await run(['import', v2])).status).toBe(0);
    const activate = ['activate', 'bank-sms', String(V + 1), '--reason', 'CAB 2026-118 approved the new SMS wording'];
    // the shell account alone is not an approver
    const none = await run(activate);
    expect([none.status, none.stderr]).toEqual([1, expect.stringMatching(/needs a signed-in approver/)]);
    // a QA analyst's token is verified, but QA analysts do not approve policies
    const qa = await run(activate, { HOTLINE_ACCESS_TOKEN: await idp.tokenFor('quinn') });
    expect([qa.status, qa.stderr]).toEqual([1, expect.stringMatching(/quinn does not hold policy:approve/)]);
    // a forged token is refused
    const forged = await run(activate, { HOTLINE_ACCESS_TOKEN: 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.' });
    expect(forged.stderr).toMatch(/the access token was refused/);
    // the compliance officer's is accepted, and the activation is theirs
    const tokenFile = path.join(t.varDir, 'cora.token');
    fs.writeFileSync(tokenFile, await idp.tokenFor('cora'), { mode: 0o600 });
    const ok = await run([...activate, '--token-file', tokenFile]);
    expect(ok.stdout).toContain(`bank-sms version ${V + 1} is active (was version ${V})`);
    const ev = await pg.query(
      `SELECT actor_name, outcome, details->>'why' AS why FROM audit_events WHERE action = 'policy.activate' AND object_id = $1 ORDER BY seq`,
      [`bank-sms@v${V + 1}`],
    );
    expect(ev.rows).toEqual([
      { actor_name: expect.stringMatching(/^ivan( as \w+)?@/), outcome: 'denied', why: 'no_token' },
      { actor_name: expect.stringMatching(/^ivan( as \w+)?@/), outcome: 'denied', why: 'not_approver' },
      { actor_name: expect.stringMatching(/^ivan( as \w+)?@/), outcome: 'denied', why: 'bad_token' },
      { actor_name: 'cora (cli)', outcome: 'allowed', why: null },
    ]);
  }, 120_000);
});
