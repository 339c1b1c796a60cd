import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeWav, encodeWav, inspectWav } from '../../src/speech/audio/wav';
import { loadPolicyFile } from '../../src/inspection/qa-policy';
import { metadataFor } from '../../src/synth/render';
import { TestIdp } from '../helpers/auth';
import { MAIN, Proc, startProcess, TestEnv, uploadCall, waitFor, openStack, Stack, requestAs } from '../helpers/stack';
import { synthCalls } from '../helpers/synth';
import { readVerdicts, rule, type VerdictOut } from '../helpers/verdicts';

/**
 * 100 % inspection end to end: the synthetic calls (16 kHz; the demo shows the 8 kHz renders too), a mono recording, a
 * chat and a call whose audio vanished go in; every one ends with a verdict or a stated reason, the coverage report
 * accounts for each, reviews and disputes are recorded, and a new policy version is regression-checked, activated
 * and re-run over the period while the old verdicts stay.
 */
let t: TestEnv;
let api: Proc;
let worker: Proc | undefined;
let idp: TestIdp;
let pg: Client;
const calls = synthCalls();
const ids: Record<string, string> = {};
const POLICY_DIR = path.resolve(__dirname, '..', '..', '..', 'policies', 'qa');

const as = (user: string, method: string, p: string, body?: unknown) => requestAs(api.base, idp, user, method, p, body);

const verdicts = (id: string, user = 'quinn') => readVerdicts(as, id, user);
let period: { from: string; to: string };

let stack: Stack;
beforeAll(async () => {
  stack = await openStack('inspection', 9, {
    env: {
      HOTLINE_INSPECTION_SLA_S: '2',
      HOTLINE_ASR_CONCURRENCY: '2',
      HOTLINE_QA_POLICY_DIR: POLICY_DIR,
      HOTLINE_ASR_KEYPHRASES: path.resolve(POLICY_DIR, '..', 'asr', 'keyphrases.txt'),
    },
    auth: (i) => async () => i.recorderToken(),
  });
  ({ idp, t, proc: api, pg } = stack);
});

afterAll(async () => {
  await worker?.stop();
  await stack?.close();
});

describe('every conversation ends with a verdict or a reason', () => {
  it('before any worker runs, everything is pending, and the alarm goes off past the SLA', async () => {
    for (const [name, { script, call }] of calls) {
      const up = await uploadCall(api.base, fs.readFileSync(call.wav16k), metadataFor(script, '16k'));
      expect(up.status).toBe(202);
      ids[name] = up.body.conversation.id;
    }
    // a mono recording of the compliant call: nobody can tell agent from customer
    const stereo = fs.readFileSync(calls.get('bank-compliant')!.call.wav16k);
    const [left, right] = decodeWav(stereo, inspectWav(stereo));
    const mono = new Int16Array(left.length);
    for (let i = 0; i < mono.length; i++) mono[i] = (left[i] + right[i]) >> 1;
    const up = await uploadCall(api.base, encodeWav([mono], 16000), {
      ...metadataFor(calls.get('bank-compliant')!.script, '16k'),
      externalId: 'mono',
    });
    expect(up.status).toBe(202);
    ids.mono = up.body.conversation.id;
    // a call whose stored audio vanishes (disk fault): it must end `failed`, with the error, in the report
    const gone = await uploadCall(api.base, fs.readFileSync(calls.get('gov-complaint')!.call.wav16k), {
      ...metadataFor(calls.get('gov-complaint')!.script, '16k'),
      externalId: 'vanishing',
    });
    ids.vanishing = gone.body.conversation.id;
    await pg.query("UPDATE recordings SET object_id = repeat('0', 64) WHERE conversation_id = $1", [ids.vanishing]);
    const chat = await as('recorder', 'POST', '/api/v1/conversations', {
      channel: 'chat',
      agentId: 'anna',
      teamId: 'team-cards',
      queue: 'cards',
      startedAt: '2026-11-02T12:00:00Z',
      messages: [
        { speaker: 'customer', at: '2026-11-02T12:00:05Z', text: 'Hi, my card was swallowed by the ATM.' },
        {
          speaker: 'agent',
          at: '2026-11-02T12:00:40Z',
          text: 'Sorry to hear that. Before we continue I need to verify your identity: your date of birth please?',
        },
        { speaker: 'customer', at: '2026-11-02T12:01:10Z', text: '3 March 1980' },
        { speaker: 'customer', at: '2026-11-02T12:01:30Z', text: 'So is it replaced or not?' },
        { speaker: 'agent', at: '2026-11-02T12:01:40Z', text: "Like I said, it's being replaced." }, // no pack pattern
        {
          speaker: 'agent',
          at: '2026-11-02T12:02:00Z',
          text: 'Thank you. I have ordered a new card. Is there anything else I can help you with?',
        },
        {
          speaker: 'customer',
          at: '2026-11-02T12:02:20Z',
          text: 'Yes, should I move my savings into your tracker fund?',
        },
        // a promise in words no pack lists: promise-en reads it
        {
          speaker: 'agent',
          at: '2026-11-02T12:02:40Z',
          text: 'Yes, definitely. In a year you will be well ahead of where you are now.',
        },
      ],
    });
    expect(chat.status).toBe(201);
    ids.chat = chat.body.conversation.id;

    const { rows } = await pg.query(`SELECT min(started_at) AS a, max(started_at) AS b FROM conversations`);
    period = {
      from: new Date(rows[0].a).toISOString().slice(0, 10),
      to: new Date(rows[0].b).toISOString().slice(0, 10),
    };
    const cov = await as('cora', 'GET', `/api/v1/inspection/coverage?from=${period.from}&to=${period.to}`);
    expect(cov.status).toBe(200);
    expect(cov.body.totals).toEqual({ received: 9, inspected: 0, notApplicable: 0, failed: 0, pending: 9 });
    await new Promise((r) => setTimeout(r, 2500));
    const late = await as('cora', 'GET', `/api/v1/inspection/coverage?from=${period.from}&to=${period.to}`);
    expect(late.body.alarm).toMatchObject({ state: 'alarm', pendingPastSla: 9 });
    expect(late.body.alarm.oldestPendingAgeS).toBeGreaterThanOrEqual(2);
  });

  it('the worker imports the packs, works through everything, and each synthetic call gets its expected verdict', async () => {
    worker = await startProcess('worker', t);
    await waitFor(
      'every conversation to settle',
      async () =>
        (await pg.query(`SELECT count(*)::int AS n FROM conversations WHERE status IN ('inspected', 'failed')`)).rows[0]
          .n === 9,
      240_000,
      500,
    );
    const pol = (await pg.query(`SELECT policy_id, version, status, created_by FROM qa_policies ORDER BY 1`)).rows;
    // each pack at the version its file gives (a pack's version is raised whenever its text changes)
    const shipped = (id: string) => loadPolicyFile(path.join(POLICY_DIR, `${id}.yaml`)).doc.version;
    expect(pol).toEqual(
      ['bank-retail', 'bank-sms', 'gov-hotline', 'gov-hotline-zh'].map((id) => ({
        policy_id: id,
        version: shipped(id),
        status: 'active',
        created_by: 'policy import',
      })),
    );

    const summary: string[] = [];
    const got: Record<string, VerdictOut> = {};
    for (const name of calls.keys()) {
      const [v] = await verdicts(ids[name]);
      got[name] = v;
      const failed = v.findings.filter((f) => f.result === 'fail').map((f) => `${f.ruleId}${f.fatal ? '!' : ''}`);
      summary.push(
        `${name}: ${v.policy?.id} score ${v.score} ${v.passed ? 'PASS' : 'FAIL'}; failed: ${failed.join(', ') || '-'}`,
      );
    }
    console.log(`verdicts of the synthetic calls (16 kHz):\n  ${summary.join('\n  ')}`);

    expect(got['bank-compliant']).toMatchObject({
      outcome: 'inspected',
      passed: true,
      fatalRules: [],
      policy: { id: 'bank-retail', version: shipped('bank-retail') },
    });
    expect(rule(got['bank-compliant'], 'recording_notice').result).toBe('pass');
    // sentiment now comes from the understand stage: the rule is evaluated, and a friendly call's mood does not fall
    expect(rule(got['bank-compliant'], 'customer_sentiment')).toMatchObject({
      result: 'pass',
      measured: { first: expect.any(Number), last: expect.any(Number) },
    });

    expect(got['bank-no-notice']).toMatchObject({ passed: false });
    expect(got['bank-no-notice'].fatalRules).toContain('recording_notice');

    const cvv = got['bank-card-cvv'];
    expect(cvv.passed).toBe(false);
    expect(cvv.fatalRules).toContain('no_cvv_request');
    expect(rule(cvv, 'no_cvv_request').evidence[0].text).toMatch(/security code/);
    expect(rule(cvv, 'cvv_spoken')).toMatchObject({ result: 'fail' });
    expect(rule(cvv, 'identity_before_account').result).toBe('fail');

    const silence = rule(got['bank-long-silence'], 'dead_air');
    expect(silence.result).toBe('fail');
    const longest = Math.max(...silence.evidence.map((e) => e.endMs - e.startMs));
    expect(longest).toBeGreaterThan(18_000);
    expect(longest).toBeLessThan(23_000);
    expect(rule(got['bank-compliant'], 'dead_air').result).toBe('pass');

    const angry = got['bank-angry-interrupted'];
    expect(rule(angry, 'agent_interrupts').result).toBe('fail');
    expect(rule(angry, 'dismissive_language').result).toBe('fail');
    expect(angry.passed).toBe(false);

    expect(got['gov-complaint']).toMatchObject({ passed: true, policy: { id: 'gov-hotline' } });
    expect(rule(got['gov-complaint'], 'case_reference_given').result).toBe('pass');

    // verdicts name what made them
    expect(got['bank-compliant'].models).toMatchObject({
      asr: expect.stringMatching(/^sherpa:sherpa-asr-en-gigaspeech-3\.3M#[0-9a-f]{12}\/beam\+hw/),
      similarity: 'lexical-phonetic@1',
      intent: expect.stringMatching(/^intent-banking77@4#/),
      sentiment: expect.stringMatching(/^sentiment-en@4#/),
      conduct: expect.stringMatching(/^conduct-en@1#/),
    });
    expect(got['bank-compliant'].transcriptHash).toMatch(/^[0-9a-f]{64}$/);
  }, 300_000);

  it('the mono recording, the chat and the vanished call: a stated reason each', async () => {
    const [mono] = await verdicts(ids.mono);
    expect(mono).toMatchObject({
      outcome: 'not_applicable',
      reasonCode: 'no_agent_channel',
      reason: expect.stringMatching(/mono/),
    });
    const [chat] = await verdicts(ids.chat);
    expect(chat).toMatchObject({ outcome: 'inspected', policy: { id: 'bank-retail' } });
    expect(rule(chat, 'recording_notice').result).toBe('not_applicable');
    expect(rule(chat, 'dead_air')).toMatchObject({
      result: 'not_applicable',
      message: 'a timing rule: applies to calls only',
    });
    // verified before the agent acted on the account ("I have ordered a new card")
    expect(rule(chat, 'identity_before_account').result).toBe('pass');
    expect(rule(chat, 'further_help').result).toBe('pass');
    // the impatient turn's tone cue (the agent's attitude) is stored, and the dismissive-language rule reads it
    const cues = await pg.query('SELECT tone_cue, reads FROM utterances WHERE conversation_id = $1 ORDER BY seq', [
      ids.chat,
    ]);
    expect(cues.rows.map((r) => r.tone_cue)).toEqual([null, null, null, null, 'attitude', null, null, null]);
    expect(rule(chat, 'dismissive_language').evidence[0].text).toMatch(/^like i said/i);
    // the reply promise-en read as a promise is stored so, and the fatal rule takes it (`read_as`) as its evidence
    expect(cues.rows.map((r) => r.reads)).toEqual([null, null, null, null, null, null, null, 'promise']);
    expect(rule(chat, 'forbidden_promises')).toMatchObject({ result: 'fail', fatal: true });
    expect(rule(chat, 'forbidden_promises').evidence[0].text).toMatch(
      /^yes definitely in a year you will be well ahead/,
    );
    expect(chat.passed).toBe(false);
    expect(await verdicts(ids.vanishing)).toEqual([]);
  });

  it('coverage accounts for every conversation: inspected, not applicable with reason, failed with error; no alarm', async () => {
    const cov = await as('otto', 'GET', `/api/v1/inspection/coverage?from=${period.from}&to=${period.to}`); // the auditor reads counts, no content
    expect(cov.status).toBe(200);
    expect(cov.body.totals).toEqual({ received: 9, inspected: 7, notApplicable: 1, failed: 1, pending: 0 });
    expect(cov.body.alarm).toEqual({ state: 'ok', pendingPastSla: 0, oldestPendingAgeS: null });
    const rows = cov.body.days as Array<{
      received: number;
      inspected: number;
      notApplicable: { count: number; reasons: Array<{ code: string }> };
      failed: { count: number; errors: Array<{ stage: string; error: string }> };
      pending: { count: number };
    }>;
    for (const r of rows)
      expect(r.inspected + r.notApplicable.count + r.failed.count + r.pending.count).toBe(r.received);
    expect(rows.flatMap((r) => r.notApplicable.reasons.map((x) => x.code))).toEqual(['no_agent_channel']);
    expect(rows.flatMap((r) => r.failed.errors)).toEqual([
      expect.objectContaining({ stage: 'transcribe', error: expect.stringMatching(/recording object unreadable/) }),
    ]);
    expect((await as('anna', 'GET', `/api/v1/inspection/coverage`)).status).toBe(403);
  });
});

describe('review and disputes', () => {
  it('a QA analyst overturns a finding: the final score is recomputed, the case is labelled, the step audited', async () => {
    const [v] = await verdicts(ids['bank-long-silence']);
    const f = rule(v, 'dead_air');
    const r = await as('quinn', 'POST', `/api/v1/findings/${f.id}/review`, {
      decision: 'overturn',
      comment: 'the agent said one moment: an announced hold',
    });
    expect(r.status).toBe(200);
    expect(r.body.finding.review).toMatchObject({ state: 'overturned', by: 'quinn' });
    expect(r.body.finalScore).toBeGreaterThan(v.score!);
    const [after] = await verdicts(ids['bank-long-silence']);
    expect(after).toMatchObject({ score: v.score, finalScore: r.body.finalScore });
    expect((await pg.query(`SELECT expected, source FROM labelled_cases WHERE finding_id = $1`, [f.id])).rows).toEqual([
      { expected: 'pass', source: 'overturned' },
    ]);
    // a short comment is refused; an agent may not review
    expect(
      (await as('quinn', 'POST', `/api/v1/findings/${f.id}/review`, { decision: 'confirm', comment: 'ok' })).status,
    ).toBe(422);
    expect(
      (
        await as('anna', 'POST', `/api/v1/findings/${f.id}/review`, {
          decision: 'confirm',
          comment: 'this looks right to me',
        })
      ).status,
    ).toBe(403);
    // confirming a failed fatal finding keeps the verdict failed
    const [cvv] = await verdicts(ids['bank-card-cvv']);
    const confirm = await as('quinn', 'POST', `/api/v1/findings/${rule(cvv, 'no_cvv_request').id}/review`, {
      decision: 'confirm',
      comment: 'the agent asked for the security code',
    });
    expect(confirm.status).toBe(200);
    expect(confirm.body.finalPassed).toBe(false);
  });

  it('an agent disputes her own verdict once within the window; a supervisor decides; others cannot', async () => {
    const [v] = await verdicts(ids['bank-card-cvv'], 'anna');
    const d = await as('anna', 'POST', `/api/v1/verdicts/${v.id}/disputes`, {
      comment: 'the customer volunteered the code, I did not store it',
    });
    expect(d.status).toBe(201);
    expect(d.body).toMatchObject({ status: 'open', raisedBy: 'anna' });
    expect(
      (await as('anna', 'POST', `/api/v1/verdicts/${v.id}/disputes`, { comment: 'and again, a second dispute here' }))
        .body.error.code,
    ).toBe('dispute_open');
    expect(
      (await as('bob', 'POST', `/api/v1/verdicts/${v.id}/disputes`, { comment: 'not my call but I dispute it' }))
        .status,
    ).toBe(404);
    const cvvSpoken = rule(v, 'cvv_spoken');
    const decided = await as('sara', 'POST', `/api/v1/disputes/${d.body.id}/decision`, {
      decision: 'accepted',
      comment: 'the customer said it unprompted',
      overturnFindings: [cvvSpoken.id],
    });
    expect(decided.status).toBe(200);
    expect(decided.body).toMatchObject({ status: 'accepted', decidedBy: 'sara' });
    expect(
      (
        await as('sara', 'POST', `/api/v1/disputes/${d.body.id}/decision`, {
          decision: 'rejected',
          comment: 'changed my mind about this',
        })
      ).body.error.code,
    ).toBe('dispute_closed');
    const [after] = await verdicts(ids['bank-card-cvv']);
    expect(rule(after, 'cvv_spoken')).toMatchObject({ review: { state: 'overturned', by: 'sara' } } as never);
    const audit = (
      await pg.query(
        `SELECT actor_name, action FROM audit_events WHERE action LIKE 'verdict.%' AND action <> 'verdict.read' ORDER BY seq`,
      )
    ).rows;
    expect(audit).toEqual(
      expect.arrayContaining([
        { actor_name: 'quinn', action: 'verdict.review' },
        { actor_name: 'anna', action: 'verdict.dispute' },
        { actor_name: 'sara', action: 'verdict.dispute.decide' },
      ]),
    );
  });
});

describe('policy versions', () => {
  const bankV1 = fs.readFileSync(path.join(POLICY_DIR, 'bank-retail.yaml'), 'utf8');
  // the shipped version (raised whenever the pack's text changes); the drafts below are the versions after it
  const V = loadPolicyFile(path.join(POLICY_DIR, 'bank-retail.yaml')).doc.version;
  const variant = (version: number, deadAirS: number) =>
    bankV1.replace(/^version: \d+$/m, `version: ${version}`).replace('max_s: 10\n', `max_s: ${deadAirS}\n`);

  it('validation names line and column; a changed text under an existing version is refused', async () => {
    const bad = await as('quinn', 'POST', '/api/v1/policies/validate', {
      source: bankV1.replace('max_s: 10\n', 'max_s: ten\n'),
    });
    expect(bad.body).toMatchObject({
      valid: false,
      error: {
        field: expect.stringMatching(/^sections\.\d+\.rules\.0\.max_s$/),
        problem: expect.stringMatching(/number/),
      },
    });
    expect(bad.body.error.line).toBe(bankV1.split('\n').findIndex((l) => l.includes('max_s: 10')) + 1);
    expect((await as('quinn', 'POST', '/api/v1/policies', { source: variant(V, 30) })).body.error.code).toBe(
      'version_exists',
    );
    expect((await as('anna', 'POST', '/api/v1/policies/validate', { source: bankV1 })).status).toBe(403);
  });

  it('a version that contradicts a reviewed case is refused at activation; `policy regress` shows the regression', async () => {
    expect((await as('quinn', 'POST', '/api/v1/policies', { source: variant(V + 1, 5) })).status).toBe(201);
    // QA drafts, only compliance approves
    expect(
      (
        await as('quinn', 'POST', `/api/v1/policies/bank-retail/versions/${V + 1}/activate`, {
          reason: 'stricter dead air limit',
        })
      ).status,
    ).toBe(403);
    const refused = await as('cora', 'POST', `/api/v1/policies/bank-retail/versions/${V + 1}/activate`, {
      reason: 'stricter dead air limit',
    });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('regressions');
    // the drafter replays the labelled cases over HTTP without activating anything (the console's button)
    const replay = await as('quinn', 'POST', `/api/v1/policies/bank-retail/versions/${V + 1}/regress`);
    expect(replay.status).toBe(200);
    expect(replay.body.disagree).toEqual(refused.body.error.details.disagree);
    expect(replay.body.disagree).toEqual(
      expect.arrayContaining([expect.objectContaining({ ruleId: 'dead_air', expected: 'pass', got: 'fail' })]),
    );
    expect((await as('cora', 'POST', `/api/v1/policies/bank-retail/versions/${V + 1}/regress`)).status).toBe(403);
    expect(
      (await pg.query(`SELECT count(*)::int AS n FROM audit_events WHERE action = 'policy.regress'`)).rows[0].n,
    ).toBe(1);
    // both versions' texts, for the console's comparison
    const v2 = await as('sara', 'GET', `/api/v1/policies/bank-retail/versions/${V + 1}`);
    expect([v2.status, v2.body.source, v2.body.status]).toEqual([200, variant(V + 1, 5), 'draft']);
    expect((await as('sara', 'GET', `/api/v1/policies/bank-retail/versions/${V}`)).body.source).toBe(bankV1);
    expect((await as('sara', 'GET', '/api/v1/policies/bank-retail/versions/99')).status).toBe(404);
    const file = path.join(t.varDir, 'bank-retail-v2.yaml');
    fs.writeFileSync(file, variant(V + 1, 5));
    const cli = spawnSync(process.execPath, [MAIN, 'policy', 'regress', file], {
      env: { ...process.env, ...t.env },
      encoding: 'utf8',
    });
    expect(cli.status).toBe(1);
    expect(cli.stdout).toMatch(
      /REGRESSION conversation [0-9a-f-]{36} rule dead_air: reviewer said pass \(overturned\), candidate gives fail/,
    );
    // a rule nobody can pass (its phrase is never said) is flagged as suspect; the rules that pass somewhere are not
    const broken = path.join(t.varDir, 'bank-retail-v9.yaml');
    fs.writeFileSync(
      broken,
      variant(V + 8, 10)
        .replace(/keywords: \[to summarize[^\]\n]*\]/, 'keywords: [xyzzy plugh]')
        .replace('similar: [to summarize a new card is on its way]', 'similar: [xyzzy plugh frobozz]')
        .replace(/\n *restates: \d+/, ''),
    );
    const sus = spawnSync(process.execPath, [MAIN, 'policy', 'regress', broken, '--suspect-min', '3'], {
      env: { ...process.env, ...t.env },
      encoding: 'utf8',
    });
    expect(sus.stdout).toMatch(/SUSPECT {4}rule closing_summary fails on (\d+) of the \1 recent conversations/);
    expect(sus.stdout).not.toMatch(/SUSPECT {4}rule (recording_notice|no_cvv_request|forbidden_promises)\b/);
  });

  it('a version activated with its known regression accepted; re-inspection of the period adds new verdicts and keeps the old', async () => {
    expect((await as('quinn', 'POST', '/api/v1/policies', { source: variant(V + 2, 30) })).status).toBe(201);
    // v3 fixes the overturned dead-air case, but still flags the CVV the dispute decision overturned
    const refused = await as('cora', 'POST', `/api/v1/policies/bank-retail/versions/${V + 2}/activate`, {
      reason: 'holds while checking accounts are normal',
    });
    expect(refused.status).toBe(409);
    expect(refused.body.error.details.disagree).toEqual([
      expect.objectContaining({ ruleId: 'cvv_spoken', expected: 'pass', got: 'fail' }),
    ]);
    const ok = await as('cora', 'POST', `/api/v1/policies/bank-retail/versions/${V + 2}/activate`, {
      reason: 'holds while checking accounts are normal',
      acceptRegressions: true,
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ previous: V, regression: { cases: 3, agree: 2 } });
    const audit = (
      await pg.query(
        `SELECT outcome, details FROM audit_events WHERE action = 'policy.activate' AND object_id = 'bank-retail@v${V + 2}' ORDER BY seq`,
      )
    ).rows;
    expect(audit.map((a) => [a.outcome, a.details.acceptedRegressions ?? null])).toEqual([
      ['denied', null],
      ['allowed', true],
    ]);
    const before = await verdicts(ids['bank-compliant']);
    const job = await as('cora', 'POST', '/api/v1/inspection/reinspect', {
      from: `${period.from}T00:00:00Z`,
      to: `${period.to}T23:59:59Z`,
    });
    expect(job.status).toBe(202);
    const done = await waitFor('the re-inspection', async () => {
      const r = await as('cora', 'GET', `/api/v1/inspection/reinspect/${job.body.jobId}`);
      return r.body.state === 'completed' ? r.body : undefined;
    });
    // every conversation under bank-retail (5 calls, the chat, the mono call's reason) gets a v3 verdict; gov's is identical
    expect(done.result).toMatchObject({ total: 8, skipped: 0 });
    expect(done.result.changed).toBe(7);
    const after = await verdicts(ids['bank-compliant']);
    expect(after.length).toBe(before.length + 1);
    expect(after[0]).toMatchObject({ current: true, policy: { version: V + 2 } });
    expect(after[1]).toMatchObject({ current: false, policy: { version: V }, verdictHash: before[0].verdictHash });
    // the same transcript under v1 and v3: same transcript hash, a different policy hash
    expect(after[0].transcriptHash).toBe(after[1].transcriptHash);
    // the rollups moved with the new verdicts: per rule they equal what the current verdicts' findings say
    const raw = (
      await pg.query(
        `SELECT f.rule_id, count(*)::int AS evaluated,
                count(*) FILTER (WHERE (f.result = 'fail') <> (f.review_state IS NOT DISTINCT FROM 'overturned'))::int AS failed
           FROM findings f JOIN verdicts v ON v.id = f.verdict_id AND v.current
          WHERE f.result IN ('pass', 'fail') AND v.outcome = 'inspected' GROUP BY 1 ORDER BY 1`,
      )
    ).rows;
    const rolled = (
      await pg.query(
        `SELECT rule_id, sum(evaluated)::int AS evaluated, sum(failed)::int AS failed FROM kpi_rule_daily
          GROUP BY 1 HAVING sum(evaluated) <> 0 ORDER BY 1`,
      )
    ).rows;
    expect(rolled).toEqual(raw);
    const kpi = (
      await pg.query(
        `SELECT sum(scored)::int AS scored, sum(passed)::int AS passed, sum(conversations)::int AS n FROM kpi_daily`,
      )
    ).rows[0];
    const cur = (
      await pg.query(
        `SELECT count(*) FILTER (WHERE outcome = 'inspected')::int AS scored, count(*) FILTER (WHERE final_passed)::int AS passed,
                count(*)::int AS n FROM verdicts WHERE current`,
      )
    ).rows[0];
    expect(kpi).toEqual(cur);
    // running it again changes nothing: verdicts are deterministic
    const again = await as('cora', 'POST', '/api/v1/inspection/reinspect', {
      from: `${period.from}T00:00:00Z`,
      to: `${period.to}T23:59:59Z`,
    });
    const done2 = await waitFor('the second re-inspection', async () => {
      const r = await as('cora', 'GET', `/api/v1/inspection/reinspect/${again.body.jobId}`);
      return r.body.state === 'completed' ? r.body : undefined;
    });
    expect(done2.result).toMatchObject({ total: 8, changed: 0, unchanged: 8 });
  });
});
