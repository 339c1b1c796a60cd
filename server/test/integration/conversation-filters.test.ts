import path from 'node:path';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestIdp } from '../helpers/auth';
import { openStack, Proc, requestAs, Stack, startProcess, waitFor } from '../helpers/stack';

/**
 * The conversation list's filters against the stored current verdicts: chats of four teams and two packs go in
 * through the API, the worker inspects them, a QA analyst overturns a finding, and each filter (passed, fatal, a
 * failed rule, the customer's sentiment at the end, queue, intent, and their combination) returns exactly the
 * conversations the database says.
 */
let api: Proc;
let worker: Proc | undefined;
let idp: TestIdp;
let pg: Client;
let stack: Stack;
const POLICY_DIR = path.resolve(__dirname, '..', '..', '..', 'policies', 'qa');
const as = (user: string, method: string, p: string, body?: unknown) => requestAs(api.base, idp, user, method, p, body);

/** a chat, its turns a minute apart from 10:00 on the given day */
function chat(day: number, agentId: string, teamId: string, queue: string, turns: Array<[string, string]>) {
  return {
    channel: 'chat',
    agentId,
    teamId,
    queue,
    startedAt: `2026-11-${String(day).padStart(2, '0')}T10:00:00Z`,
    messages: turns.map(([who, text], k) => ({
      speaker: who === 'C' ? 'customer' : 'agent',
      at: `2026-11-${String(day).padStart(2, '0')}T10:${String(k + 1).padStart(2, '0')}:00Z`,
      text,
    })),
  };
}

const CHATS = [
  // passes: identity checked, the card blocked, help offered; the customer pleased at the end
  chat(3, 'anna', 'team-cards', 'cards', [
    ['C', 'Hi, I lost my debit card on the train this morning.'],
    ['A', "I'm sorry to hear that. Before we go on, can you confirm your date of birth and postcode?"],
    ['C', '14 May 1979, LS6 2AB'],
    ['A', "Thank you. I've blocked the lost card and ordered a new one, it will arrive in 3 to 5 working days."],
    ['A', 'Is there anything else I can help you with today?'],
    ['C', "No, that's brilliant, thank you so much, great service!"],
  ]),
  // a fatal failure: the security code asked for
  chat(3, 'anna', 'team-cards', 'cards', [
    ['C', 'I want to pay my credit card bill by card over chat.'],
    ['A', 'Sure. Please type the card number, the expiry date and the CVV on the back.'],
    ['C', 'Ok, one moment.'],
    ['A', 'Thank you, is there anything else I can help you with?'],
  ]),
  // the agent dismissive; the customer angry at the end
  chat(4, 'bob', 'team-general', 'general', [
    ['C', 'Why was I charged a fee for going overdrawn by one pound?'],
    ['A', 'Not my problem. You should have checked your balance.'],
    ['C', 'This is disgraceful, I want to make a formal complaint, you are useless.'],
  ]),
  // a loan question answered well, the customer neutral
  chat(4, 'carl', 'team-loans', 'loans', [
    ['C', 'Can I pay off my loan early?'],
    [
      'A',
      "Yes, you can. There's no fee for paying it off early, and I can send you a settlement figure by email today.",
    ],
    ['C', 'Ok, please send it to the address you have.'],
    ['A', "Done, it's on its way. Is there anything else I can help you with?"],
  ]),
  // the government pack: no officer named, no case reference, no time given
  chat(5, 'dana', 'team-gov', 'gov-complaints', [
    ['C', 'The streetlight outside number 12 has been out for three weeks.'],
    ['A', 'Right. Someone will look at it.'],
    ['C', 'When?'],
    ['A', 'When they get to it.'],
  ]),
  // a second cards failure, for the supervisor of team-cards: promises and no help offered
  chat(5, 'anna', 'team-cards', 'cards', [
    ['C', 'Is the new investment fund safe?'],
    ['A', "Totally. It's guaranteed to beat inflation, you can't lose."],
  ]),
];

beforeAll(async () => {
  stack = await openStack('filters', 9, {
    env: { HOTLINE_QA_POLICY_DIR: POLICY_DIR },
    auth: (i) => async () => i.recorderToken(),
  });
  ({ idp, proc: api, pg } = stack);
  for (const c of CHATS) expect((await as('recorder', 'POST', '/api/v1/conversations', c)).status).toBe(201);
  worker = await startProcess('worker', stack.t);
  await waitFor(
    'every conversation to settle',
    async () =>
      (await pg.query(`SELECT count(*)::int AS n FROM conversations WHERE status IN ('inspected', 'failed')`)).rows[0]
        .n === CHATS.length,
    180_000,
    500,
  );
  // a QA analyst overturns a failed finding: the filters read the finding as reviewed
  const { rows } = await pg.query(
    `SELECT f.id FROM findings f JOIN verdicts v ON v.id = f.verdict_id
      WHERE v.current AND f.result = 'fail' AND NOT f.fatal ORDER BY f.rule_id LIMIT 1`,
  );
  expect(rows.length).toBe(1);
  const r = await as('quinn', 'POST', `/api/v1/findings/${rows[0].id}/review`, {
    decision: 'overturn',
    comment: 'read again: the analyst finds this one acceptable',
  });
  expect(r.status).toBe(200);
}, 240_000);

afterAll(async () => {
  await worker?.stop();
  await stack?.close();
});

describe('the conversation list filters by verdict, rule, sentiment, queue and intent', () => {
  const listed = async (q: Record<string, string>) => {
    const r = await as('quinn', 'GET', `/api/v1/conversations?${new URLSearchParams({ limit: '200', ...q })}`);
    expect(r.status).toBe(200);
    return r.body.items as Array<{
      id: string;
      queue: string | null;
      intent: string | null;
      verdict: { outcome: string; passed: boolean | null; score: number | null; fatal: boolean } | null;
    }>;
  };
  const ids = (xs: Array<{ id: string }>) => xs.map((x) => x.id).sort();
  const rows = async (sql: string, params: unknown[] = []) =>
    ((await pg.query(sql, params)).rows as Array<{ id: string }>).map((r) => r.id).sort();
  const failedAfterReview = `(f.result = 'fail') <> (f.review_state IS NOT DISTINCT FROM 'overturned')`;

  it('each filter returns exactly the conversations the stored current verdicts say, with the verdict in brief', async () => {
    const all = await listed({});
    expect(all.length).toBe(CHATS.length);
    // the brief on each row is the current verdict as stored
    const cur = (
      await pg.query(
        `SELECT conversation_id AS id, outcome, final_passed AS passed, final_score AS score FROM verdicts WHERE current`,
      )
    ).rows as Array<{ id: string; outcome: string; passed: boolean | null; score: number | null }>;
    expect(cur.length).toBe(CHATS.length);
    for (const v of cur)
      expect(all.find((x) => x.id === v.id)?.verdict, v.id).toMatchObject({
        outcome: v.outcome,
        passed: v.passed,
        score: v.score,
      });
    const passed = await rows(`SELECT conversation_id AS id FROM verdicts WHERE current AND final_passed`);
    const failed = await rows(`SELECT conversation_id AS id FROM verdicts WHERE current AND final_passed = false`);
    expect(passed.length).toBeGreaterThan(0);
    expect(failed.length).toBeGreaterThan(0);
    expect(ids(await listed({ passed: 'true' }))).toEqual(passed);
    expect(ids(await listed({ passed: 'false' }))).toEqual(failed);
    const fatal = await rows(
      `SELECT DISTINCT v.conversation_id AS id FROM verdicts v JOIN findings f ON f.verdict_id = v.id
        WHERE v.current AND f.fatal AND f.result IN ('pass', 'fail') AND ${failedAfterReview}`,
    );
    expect(fatal.length).toBeGreaterThan(0);
    expect(ids(await listed({ fatal: 'true' }))).toEqual(fatal);
    expect(
      all
        .filter((x) => x.verdict?.fatal)
        .map((x) => x.id)
        .sort(),
    ).toEqual(fatal);
    expect(ids(await listed({ fatal: 'false' }))).toEqual(
      all
        .map((x) => x.id)
        .filter((x) => !fatal.includes(x))
        .sort(),
    );
    // a failed rule: every rule that failed somewhere, checked against the findings (the overturned one not)
    const failedRules = (
      await pg.query(
        `SELECT DISTINCT f.rule_id FROM verdicts v JOIN findings f ON f.verdict_id = v.id
          WHERE v.current AND f.result IN ('pass', 'fail') AND ${failedAfterReview}`,
      )
    ).rows.map((r) => r.rule_id as string);
    expect(failedRules.length).toBeGreaterThan(1);
    for (const ruleId of failedRules) {
      const want = await rows(
        `SELECT DISTINCT v.conversation_id AS id FROM verdicts v JOIN findings f ON f.verdict_id = v.id
          WHERE v.current AND f.rule_id = $1 AND f.result IN ('pass', 'fail') AND ${failedAfterReview}`,
        [ruleId],
      );
      expect(ids(await listed({ failedRule: ruleId })), ruleId).toEqual(want);
    }
    // the customer's sentiment at the end, from the conversation's metrics
    const bySign = async (sign: number) =>
      rows(`SELECT conversation_id AS id FROM conversation_metrics WHERE sign((metrics->>'sentimentEnd')::real) = $1`, [
        sign,
      ]);
    const sentiments = { negative: await bySign(-1), neutral: await bySign(0), positive: await bySign(1) };
    expect(sentiments.negative.length).toBeGreaterThan(0);
    expect(sentiments.positive.length).toBeGreaterThan(0);
    for (const [k, want] of Object.entries(sentiments)) expect(ids(await listed({ sentiment: k })), k).toEqual(want);
    // queue and intent are the conversation's own columns
    const queue = all.find((x) => x.queue)!.queue!;
    expect(ids(await listed({ queue }))).toEqual(
      all
        .filter((x) => x.queue === queue)
        .map((x) => x.id)
        .sort(),
    );
    const intent = all.find((x) => x.intent)!.intent!;
    expect(ids(await listed({ intent }))).toEqual(
      all
        .filter((x) => x.intent === intent)
        .map((x) => x.id)
        .sort(),
    );
    // filters combine; a bad value is a 422
    expect(ids(await listed({ passed: 'false', fatal: 'true' }))).toEqual(failed.filter((x) => fatal.includes(x)));
    expect((await as('quinn', 'GET', '/api/v1/conversations?passed=maybe')).status).toBe(422);
    expect((await as('quinn', 'GET', '/api/v1/conversations?sentiment=angry')).status).toBe(422);
  });

  it("a supervisor's filtered list stays within her teams", async () => {
    const r = await as('sara', 'GET', '/api/v1/conversations?passed=false&limit=200');
    expect(r.status).toBe(200);
    const want = await rows(
      `SELECT v.conversation_id AS id FROM verdicts v JOIN conversations c ON c.id = v.conversation_id
        WHERE v.current AND v.final_passed = false AND c.team_id = 'team-cards'`,
    );
    expect(want.length).toBeGreaterThan(0);
    const all = await rows(`SELECT conversation_id AS id FROM verdicts WHERE current AND final_passed = false`);
    expect(all.length).toBeGreaterThan(want.length);
    expect(ids(r.body.items)).toEqual(want);
  });
});
