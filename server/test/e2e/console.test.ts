import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metadataFor } from '../../src/synth/render';
import { loadPolicyFile } from '../../src/inspection/qa-policy';
import { TestIdp } from '../helpers/auth';
import { choose, ConsoleStack, noSeriousAxe, openConsole, POLICY_DIR, SHOTS } from '../helpers/console';
import { getJson, Proc, uploadCall, waitFor } from '../helpers/stack';
import { synthCalls } from '../helpers/synth';
import { streamChannels, TestRecorder, ulawChannels } from '../helpers/live';

/**
 * The console in a real browser (Debian's chromium through playwright-core) against the real appliance (api +
 * worker, PostgreSQL, Redis) and the local OpenID provider: a QA analyst signs in through the provider's form, opens
 * a synthetic call, plays it with the transcript following the audio, jumps by clicking a word, sees a failed rule's
 * evidence, confirms it, switches to Chinese and signs out; an agent typing another team's conversation URL sees
 * "not found". No Content-Security-Policy violation, no serious or critical axe-core finding. Screenshots of every
 * page go to var/screenshots/.
 */
let c: ConsoleStack;
let idp: TestIdp;
let app: Proc;
let pg: Client;
let base: string;
let callId: string;
const watchedPage = () => c.watchedPage();
const signIn = (page: Page, user: string) => c.signIn(page, user);

beforeAll(async () => {
  c = await openConsole('console', 3);
  ({ idp, app, pg, base } = c);
  const { script, call } = synthCalls().get('bank-card-cvv')!;
  const up = await uploadCall(app.base, fs.readFileSync(call.wav16k), metadataFor(script, '16k'));
  expect(up.status).toBe(202);
  callId = up.body.conversation.id;
  await waitFor(
    'the call to be inspected',
    async () =>
      (await pg.query(`SELECT status FROM conversations WHERE id = $1`, [callId])).rows[0]?.status === 'inspected',
    180_000,
    500,
  );
}, 300_000);

afterAll(async () => {
  await c?.close();
});

describe('the console in a browser', () => {
  it('a QA analyst signs in, plays a call with the transcript following, confirms a failed rule, and signs out', async () => {
    const { page, problems } = await watchedPage();
    await signIn(page, 'quinn');
    await expect.poll(() => page.locator('tbody tr.ant-table-row').count()).toBe(1);
    // filters go to the API: another team's filter finds nothing here, the call's own team finds it again
    const team = page.getByRole('searchbox', { name: 'Team' });
    await team.fill('team-general');
    await team.press('Enter');
    await expect.poll(() => page.locator('tbody tr.ant-table-row').count()).toBe(0);
    await team.fill('team-cards');
    await team.press('Enter');
    await expect.poll(() => page.locator('tbody tr.ant-table-row').count()).toBe(1);
    await noSeriousAxe(page, 'conversations');
    await page.screenshot({ path: path.join(SHOTS, 'qa_analyst-conversations.png'), fullPage: true });

    // the review queue lists the call's failed findings, the fatal one first
    await page.goto(`${base}/review`);
    await expect.poll(() => page.locator('tbody tr.ant-table-row').count(), { timeout: 10_000 }).toBeGreaterThan(1);
    expect(await page.locator('tbody tr.ant-table-row').first().textContent()).toContain('card security code');
    await noSeriousAxe(page, 'review');
    await page.goto(base);
    await expect.poll(() => page.locator('tbody tr.ant-table-row').count()).toBe(1);
    await page.locator('tbody tr.ant-table-row').first().click();
    await page.waitForURL(new RegExp(`/conversations/${callId}$`));
    const play = page.getByTestId('play');
    await expect.poll(() => play.isEnabled(), { timeout: 20_000 }).toBe(true);

    // click a word: the playhead jumps to its start
    const word = page.locator('[data-testid^="utterance-"] .word').nth(5);
    const start = Number(await word.getAttribute('data-start'));
    await word.click();
    await expect.poll(async () => page.getByTestId('clock').textContent()).toBe(`${(start / 1000).toFixed(1)} s`);

    // play: time runs and the word being spoken is highlighted
    await play.click();
    await expect
      .poll(async () => parseFloat((await page.getByTestId('clock').textContent()) ?? '0'), { timeout: 10_000 })
      .toBeGreaterThan(start / 1000 + 0.5);
    await expect.poll(() => page.locator('.word.active').count(), { timeout: 10_000 }).toBe(1);
    await play.click(); // pause

    // the failed fatal rule and its evidence; the analyst confirms it
    const cvv = page.getByTestId('finding-no_cvv_request');
    await expect.poll(() => cvv.textContent()).toContain('fail');
    await cvv.getByTestId('evidence').first().waitFor({ state: 'visible' });
    await cvv.getByRole('textbox').fill('the agent clearly asks for the security code');
    await cvv.getByTestId('confirm').click();
    await expect.poll(() => cvv.getByTestId('reviewed').textContent()).toContain('confirmed');
    const f = await pg.query(
      `SELECT review_state, reviewed_by FROM findings f JOIN verdicts v ON v.id = f.verdict_id AND v.current
        WHERE f.conversation_id = $1 AND f.rule_id = 'no_cvv_request'`,
      [callId],
    );
    expect(f.rows[0]).toEqual({ review_state: 'confirmed', reviewed_by: 'quinn' });
    await noSeriousAxe(page, 'conversation');
    await page.screenshot({ path: path.join(SHOTS, 'qa_analyst-conversation.png'), fullPage: true });

    // unmask with a stated reason: the audit row is written before the original is shown, on this page only
    await page.getByTestId('unmask').click();
    await page.getByTestId('unmask-reason').fill('customer disputes the card number read back');
    await page.getByRole('button', { name: 'Unmask' }).last().click();
    const original = page.locator('[data-testid^="original-"]').first();
    await original.waitFor({ state: 'visible' });
    // a QA analyst may not see full card numbers (policies/masking.yaml `unmask`): the spoken one stays hidden
    expect(await original.textContent()).toContain('[card_number]');
    const unmasked = await pg.query(
      `SELECT reason, actor_name FROM audit_events WHERE action = 'transcript.unmask' AND object_id = $1`,
      [callId],
    );
    expect(unmasked.rows).toEqual([{ reason: 'customer disputes the card number read back', actor_name: 'quinn' }]);
    await page.screenshot({ path: path.join(SHOTS, 'qa_analyst-unmasked.png'), fullPage: true });

    // every word of the page in Chinese, from the same page
    await page.getByText('中文').click();
    await expect.poll(() => page.getByTestId('sign-out').textContent()).toMatch(/退出登录/);
    await page.getByText('质检结果').waitFor({ state: 'visible' });
    await page.screenshot({ path: path.join(SHOTS, 'qa_analyst-conversation-zh.png'), fullPage: true });

    // sign out: the server session is gone, the API no longer answers to the cookie
    await page.getByTestId('sign-out').click();
    await page.waitForURL((u) => !u.pathname.startsWith('/conversations'), { timeout: 15_000 });
    const me = await page.request.get(`${base}/auth/me`);
    expect(me.status()).toBe(401);
    const list = await page.request.get(`${base}/api/v1/conversations`);
    expect(list.status()).toBe(401);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it("an agent who types another team's conversation URL sees not found; the page carries a strict CSP", async () => {
    const { page, problems } = await watchedPage();
    await signIn(page, 'bob');
    const res = await page.goto(`${base}/conversations/${callId}`);
    const csp = res!.headers()['content-security-policy'];
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    await page.getByText('Not found.').waitFor({ state: 'visible' });
    await page.screenshot({ path: path.join(SHOTS, 'agent-not-found.png'), fullPage: true });
    // a change by cookie without the console's header is refused (a cross-site form cannot add it)
    const forged = await page.request.post(`${base}/api/v1/findings/${callId}/review`, {
      data: { decision: 'overturn', comment: 'forged from another site' },
    });
    expect(forged.status()).toBe(403);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('dispute → decision: the agent disputes her verdict, her supervisor rejects it, both see the outcome', async () => {
    const agent = await watchedPage();
    await signIn(agent.page, 'anna');
    await agent.page.goto(`${base}/conversations/${callId}`);
    await agent.page.getByTestId('disputes').waitFor();
    await agent.page.getByRole('textbox', { name: /What is wrong/ }).fill('the customer offered the code unprompted');
    await agent.page.getByTestId('dispute').click();
    await expect.poll(() => agent.page.getByTestId('disputes').textContent()).toContain('open');
    expect(agent.problems).toEqual([]);
    await agent.page.context().close();

    const sup = await watchedPage();
    await signIn(sup.page, 'sara');
    await sup.page.goto(`${base}/conversations/${callId}`);
    await sup.page.getByTestId('disputes').waitFor();
    await sup.page.getByRole('textbox', { name: /Your decision/ }).fill('the recording shows the agent asking first');
    await sup.page.getByTestId('decide-rejected').click();
    await sup.page.getByTestId('dispute-decision').waitFor();
    const d = await pg.query(`SELECT status, raised_by, decided_by FROM disputes WHERE conversation_id = $1`, [callId]);
    expect(d.rows).toEqual([{ status: 'rejected', raised_by: 'anna', decided_by: 'sara' }]);
    await noSeriousAxe(sup.page, 'conversation with a dispute');
    await sup.page.screenshot({ path: path.join(SHOTS, 'supervisor-dispute-decided.png'), fullPage: true });
    expect(sup.problems).toEqual([]);
    await sup.page.context().close();
  });

  it('an auditor finds the unmask in the trail and verifies the chain from the page', async () => {
    const { page, problems } = await watchedPage();
    await signIn(page, 'otto');
    await page.goto(`${base}/audit`);
    await page.getByLabel('Action').fill('transcript.unmask');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => page.locator('tbody tr.ant-table-row').count()).toBe(1);
    expect(await page.locator('tbody tr.ant-table-row').first().textContent()).toContain(
      'customer disputes the card number read back',
    );
    await page.getByTestId('verify-chain').click();
    await page.getByTestId('verify-result').waitFor();
    expect(await page.getByTestId('verify-result').textContent()).toMatch(/^Intact: \d+ events/);
    await noSeriousAxe(page, 'audit');
    await page.screenshot({ path: path.join(SHOTS, 'auditor-audit-verified.png'), fullPage: true });
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('a QA analyst validates a draft policy: a mistake is shown at its line and column', async () => {
    const { page, problems } = await watchedPage();
    await signIn(page, 'quinn');
    await page.goto(`${base}/policies`);
    await expect.poll(() => page.locator('tbody tr.ant-table-row').count()).toBeGreaterThan(1);
    // the shipped pack as a new version with one weight that is not a number
    const lines = fs.readFileSync(path.join(POLICY_DIR, 'bank-retail.yaml'), 'utf8').split('\n');
    const at = lines.findIndex((l) => /^\s*weight: \d/.test(l));
    lines[at] = lines[at].replace(/weight: .*/, 'weight: heavy');
    await page.getByTestId('policy-source').fill(lines.join('\n').replace(/^version: \d+/m, 'version: 2'));
    await page.getByTestId('validate').click();
    await page.getByTestId('validation').waitFor();
    expect(await page.getByTestId('validation').textContent()).toMatch(new RegExp(`^${at + 1}:\\d+ .*weight`));
    await noSeriousAxe(page, 'policies');
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('every page renders in Simplified Chinese without a missing text key', async () => {
    for (const user of ['quinn', 'cora', 'adam']) {
      const { page, problems } = await watchedPage();
      await signIn(page, user);
      await page.getByText('中文').click();
      const paths = (await page.locator('.ant-menu-item').count()) ? Object.keys(LABEL) : [];
      for (const p of [...paths, `/conversations/${callId}`]) {
        await page.goto(`${base}${p}`);
        await page.getByTestId('user').waitFor();
        await page.waitForLoadState('networkidle');
        // a text without a translation is reported on the console (missingKeyHandler) and lands in `problems`
        const text = await page.locator('body').innerText();
        expect(text, `${user} ${p}`).toMatch(/[\u4e00-\u9fff]/);
        expect(text, `${user} ${p}`).not.toMatch(/\b(Sign out|Conversations|Findings|Dashboard)\b/);
      }
      expect(problems, user).toEqual([]);
      await page.context().close();
    }
  });

  it('the list: a verdict filter, a saved view that brings back filters and columns, keyboard moves and opens, identifier search with a reason', async () => {
    // three chats join the call (one with a customer reference to look up)
    const chat = (n: number, customerRef?: string) => ({
      channel: 'chat',
      agentId: 'anna',
      teamId: 'team-cards',
      queue: 'cards',
      externalId: `console-chat-${n}`,
      startedAt: `2026-11-0${n + 2}T10:00:00Z`,
      ...(customerRef ? { customerRef } : {}),
      messages: [
        {
          speaker: 'agent',
          at: `2026-11-0${n + 2}T10:00:00Z`,
          text: 'Thank you for contacting City Bank, how can I help?',
        },
        {
          speaker: 'customer',
          at: `2026-11-0${n + 2}T10:00:30Z`,
          text: 'My card was declined twice today and I am annoyed.',
        },
        { speaker: 'agent', at: `2026-11-0${n + 2}T10:01:00Z`, text: 'I am sorry, let me check that for you.' },
      ],
    });
    for (const [n, ref] of [[1, 'CUST-77812'], [2], [3]] as Array<[number, string?]>) {
      const r = await getJson(`${app.base}/api/v1/conversations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(chat(n, ref)),
      });
      expect(r.status).toBe(201);
    }
    await waitFor(
      'the chats to be inspected',
      async () =>
        (await pg.query(`SELECT count(*)::int AS n FROM conversations WHERE status = 'inspected'`)).rows[0].n === 4,
      60_000,
      500,
    );
    const failed = (
      await pg.query(`SELECT conversation_id AS id FROM verdicts WHERE current AND final_passed = false`)
    ).rows.map((r) => r.id as string);
    expect(failed).toContain(callId);

    const { page, problems } = await watchedPage();
    await signIn(page, 'quinn');
    const rows = page.locator('tbody tr.ant-table-row');
    await expect.poll(() => rows.count()).toBe(4);
    // verdict: fail — the rows the stored verdicts say
    await page.getByRole('combobox', { name: 'Verdict' }).click();
    await choose(page, 'fail');
    await expect.poll(() => rows.count()).toBe(failed.length);
    // columns: queue off; save the view; reload: the view brings back the filter and the columns
    await page.getByTestId('columns').click();
    await page.getByRole('checkbox', { name: 'Queue' }).uncheck();
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('thead th').allTextContents(), { timeout: 15_000 }).not.toContain('Queue');
    await page.getByTestId('save-view').click();
    await page.getByTestId('view-name').fill('failed, no queue');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.reload();
    await expect.poll(() => rows.count()).toBe(4);
    await page.getByRole('combobox', { name: 'Saved view' }).click();
    await choose(page, 'failed, no queue');
    await expect.poll(() => rows.count()).toBe(failed.length);
    expect(await page.locator('thead th').allTextContents()).not.toContain('Queue');
    expect(await page.locator('thead th').allTextContents()).toContain('Verdict');
    // nothing of a conversation in the browser's storage: the view is filters and column names
    const stored = await page.evaluate(() => JSON.stringify({ ...window.localStorage }));
    expect(stored).toContain('failed, no queue');
    expect(stored).not.toMatch(/CUST-77812|declined/);
    // filters are not kept across a reload (views are)
    await page.reload();
    await expect.poll(() => rows.count()).toBe(4);
    // keyboard: ↓ moves to the next row, Enter opens it
    const keys = await rows.evaluateAll((xs) => xs.map((x) => x.getAttribute('data-row-key')));
    await rows.first().focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('j');
    await page.keyboard.press('k');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-row-key'))).toBe(keys[1]);
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`/conversations/${keys[1]}$`));
    await page.goBack();
    // the identifier: found through the blind index; the reason is in the trail, the value nowhere
    const search = page.getByTestId('identifier-search');
    await search.getByRole('textbox', { name: 'Identifier' }).fill('CUST-77812');
    await search.getByRole('textbox', { name: 'Reason' }).fill('customer called about a declined card');
    await search.getByRole('button', { name: 'Find' }).click();
    await page.getByTestId('identifier-results').waitFor();
    await expect.poll(() => rows.count()).toBe(1);
    const trail = await pg.query(
      `SELECT reason, details FROM audit_events WHERE action = 'conversation.search_identifier' ORDER BY seq DESC LIMIT 1`,
    );
    expect(trail.rows[0]).toMatchObject({ reason: 'customer called about a declined card', details: { count: 1 } });
    expect(JSON.stringify(trail.rows[0])).not.toContain('CUST-77812');
    await noSeriousAxe(page, 'conversations with a search');
    await page.screenshot({ path: path.join(SHOTS, 'qa_analyst-conversations-views.png'), fullPage: true });
    expect(problems).toEqual([]);
    await page.context().close();
  }, 120_000);

  it('policies: two versions compared; the drafter replays the labelled cases; activation is refused on the regression', async () => {
    // v2 no longer recognises a request for the security code: the confirmed CVV finding says it should fail
    const v1 = fs.readFileSync(path.join(POLICY_DIR, 'bank-retail.yaml'), 'utf8');
    // the shipped version, and the draft after it
    const V = loadPolicyFile(path.join(POLICY_DIR, 'bank-retail.yaml')).doc.version;
    const v2 = v1
      .replace(/^version: \d+$/m, `version: ${V + 1}`)
      // its keywords and patterns (the comments above and among the patterns too)
      .replace(
        /keywords: \[security code, [^\]]*\]\n(?: *#[^\n]*\n)* *patterns:\n(?: *(?:- '|#)[^\n]*\n)+/,
        'keywords: [xyzzy plugh]\n',
      )
      .replace(
        'similar: [and the three digit security code on the back of the card]',
        'similar: [xyzzy plugh frobozz]',
      );
    expect(v2).not.toBe(v1);
    const qa = await watchedPage();
    await signIn(qa.page, 'quinn');
    await qa.page.goto(`${base}/policies`);
    await qa.page.getByTestId('policy-source').fill(v2);
    await qa.page.getByTestId('validate').click();
    await qa.page.getByTestId('validation').waitFor();
    await qa.page.getByRole('button', { name: 'Store as draft' }).click();
    const row = qa.page.locator('tbody tr.ant-table-row', { hasText: 'draft' }).filter({ hasText: 'bank-retail' });
    await row.waitFor();
    // compare v1 and v2: the changed lines, numbered
    const compare = qa.page.getByTestId('compare');
    await compare.getByRole('combobox', { name: 'Older version' }).click();
    await choose(qa.page, `bank-retail@v${V} (active)`);
    await compare.getByRole('combobox', { name: 'Newer version' }).click();
    await choose(qa.page, `bank-retail@v${V + 1} (draft)`);
    await qa.page.getByTestId('diff').waitFor();
    expect(await qa.page.locator('.diff-del').allTextContents()).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`- version: ${V}$`)),
        expect.stringMatching(/- +keywords: \[security code/),
      ]),
    );
    expect(await qa.page.locator('.diff-add').allTextContents()).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`\\+ version: ${V + 1}$`)),
        expect.stringMatching(/\+ +keywords: \[xyzzy plugh\]$/),
      ]),
    );
    // the regression replay, from the page
    await row.getByRole('button', { name: 'Regression replay' }).click();
    await qa.page.getByTestId('regression').waitFor();
    expect(await qa.page.getByTestId('regression').textContent()).toMatch(/1 disagree/);
    expect(await qa.page.getByTestId('regression').textContent()).toContain('no_cvv_request');
    await noSeriousAxe(qa.page, 'policies with a diff and a replay');
    await qa.page.screenshot({ path: path.join(SHOTS, 'qa_analyst-policies-diff.png'), fullPage: true });
    expect(qa.problems).toEqual([]);
    await qa.page.context().close();

    // the compliance officer's activation is refused, and the page says which case disagrees
    const co = await watchedPage();
    await signIn(co.page, 'cora');
    await co.page.goto(`${base}/policies`);
    await co.page
      .locator('tbody tr.ant-table-row', { hasText: 'draft' })
      .getByRole('button', { name: 'Activate' })
      .click();
    await co.page.getByRole('textbox', { name: 'Reason' }).fill('customers asked for shorter calls');
    await co.page.getByRole('button', { name: 'Activate' }).last().click();
    await co.page.locator('.ant-modal').getByTestId('regression').waitFor();
    expect(await co.page.locator('.ant-modal').getByTestId('regression').textContent()).toContain('no_cvv_request');
    const p = await pg.query(`SELECT status FROM qa_policies WHERE policy_id = 'bank-retail' ORDER BY version`);
    expect(p.rows.map((r) => r.status)).toEqual(['active', 'draft']);
    const denied = await pg.query(
      `SELECT outcome FROM audit_events WHERE action = 'policy.activate' AND object_id = $1`,
      [`bank-retail@v${V + 1}`],
    );
    expect(denied.rows).toEqual([{ outcome: 'denied' }]);
    await co.page.screenshot({ path: path.join(SHOTS, 'compliance_officer-activation-refused.png'), fullPage: true });
    await co.page.keyboard.press('Escape');
    // re-inspect November: progress to the end, every inspected conversation counted
    const re = co.page.getByTestId('reinspect');
    await re.locator('input').first().click();
    await re.locator('input').first().fill('2026-11-01');
    await re.locator('input').nth(1).click();
    await re.locator('input').nth(1).fill('2026-11-30');
    await co.page.keyboard.press('Enter');
    await re.getByRole('button', { name: 'Re-inspect' }).click();
    await expect
      .poll(async () => (await co.page.getByTestId('reinspect-progress').textContent()) ?? '', { timeout: 30_000 })
      .toMatch(/^Finished — (\d+) of \1:/);
    const inNovember = (
      await pg.query(
        `SELECT count(*)::int AS n FROM conversations WHERE status = 'inspected' AND started_at >= '2026-11-01' AND started_at < '2026-12-01'`,
      )
    ).rows[0].n;
    expect(await co.page.getByTestId('reinspect-progress').textContent()).toContain(`${inNovember} of ${inNovember}`);
    expect(co.problems).toEqual([]);
    await co.page.context().close();
  }, 120_000);

  it('a compliance officer: sentiment over the call, a legal hold with a reason, a schedule run now, a pack verified and a tampered one refused', async () => {
    const { page, problems } = await watchedPage();
    await signIn(page, 'cora');
    await page.goto(`${base}/conversations/${callId}`);
    await page.getByTestId('sentiment-timeline').locator('svg').waitFor();
    // a compliance officer's unmask shows the card number the analyst's kept hidden
    await page.getByTestId('unmask').click();
    await page.getByTestId('unmask-reason').fill('chargeback case needs the full card number');
    await page.getByRole('button', { name: 'Unmask' }).last().click();
    const original = page.locator('[data-testid^="original-"]').first();
    await original.waitFor({ state: 'visible' });
    expect(await original.textContent()).not.toContain('[card_number]');
    const kept = await pg.query(
      `SELECT actor_name, details->'piiTypesKeptMasked' AS kept FROM audit_events WHERE action = 'transcript.unmask' AND object_id = $1 ORDER BY seq`,
      [callId],
    );
    expect(kept.rows).toEqual([
      { actor_name: 'quinn', kept: ['card_number'] },
      { actor_name: 'cora', kept: null },
    ]);
    await page.getByTestId('legal-hold').click();
    await page.getByTestId('hold-reason').fill('litigation case 2026-118');
    await page.getByRole('button', { name: 'Place legal hold' }).last().click();
    await page.getByTestId('on-hold').waitFor();
    expect((await pg.query(`SELECT legal_hold FROM conversations WHERE id = $1`, [callId])).rows[0].legal_hold).toBe(
      true,
    );
    expect(
      (await pg.query(`SELECT reason FROM audit_events WHERE object_id = $1 AND action LIKE '%hold%'`, [callId])).rows,
    ).toEqual([{ reason: 'litigation case 2026-118' }]);
    await noSeriousAxe(page, 'conversation on hold');

    await page.goto(`${base}/reports`);
    const sch = page.getByTestId('schedules');
    await sch.getByRole('textbox', { name: /Schedule name/ }).fill('monthly-all');
    await sch.getByRole('button', { name: 'Save schedule' }).click();
    const schRow = sch.locator('tbody tr.ant-table-row', { hasText: 'monthly-all' });
    await schRow.waitFor();
    expect(await schRow.textContent()).toMatch(/Monthly \(last month\).*cora.*UTC/);
    await schRow.getByRole('button', { name: 'Run now' }).click();
    // the worker makes last month's report with cora's scope; the list shows it when it is ready
    const ready = await waitFor(
      "the scheduled run's report",
      async () => (await pg.query(`SELECT id FROM reports WHERE status = 'ready'`)).rows[0]?.id as string | undefined,
      60_000,
      500,
    );
    const pack = await page.request.get(`${base}/api/v1/reports/${ready}/pack`);
    expect(pack.status()).toBe(200);
    const zip = await pack.body();
    const verify = page.getByTestId('verify-pack');
    await verify.getByTestId('pack-file').setInputFiles({ name: 'pack.zip', mimeType: 'application/zip', buffer: zip });
    await expect
      .poll(async () => (await page.getByTestId('pack-result').textContent()) ?? '', { timeout: 15_000 })
      .toMatch(/^Intact and signed by /);
    // one byte changed inside: refused, with the problem named
    const bad = Buffer.from(zip);
    const at = bad.indexOf(Buffer.from('conversation_id'));
    bad[at > 0 ? at : 200] ^= 0x20;
    await verify.getByTestId('pack-file').setInputFiles({ name: 'pack.zip', mimeType: 'application/zip', buffer: bad });
    await expect.poll(async () => (await page.getByTestId('pack-result').textContent()) ?? '').toMatch(/^NOT intact/);
    await noSeriousAxe(page, 'reports with a schedule and a verification');
    await page.screenshot({ path: path.join(SHOTS, 'compliance_officer-reports-schedule-verify.png'), fullPage: true });
    expect(problems).toEqual([]);
    await page.context().close();
  }, 120_000);

  // who sees which page: the menu shows exactly the pages the roles allow, and a page typed by hand that is not
  // allowed shows "not found" (the API refuses its data too)
  const MATRIX: Record<string, { role: string; pages: string[] }> = {
    anna: { role: 'agent', pages: ['/'] },
    sara: { role: 'supervisor', pages: ['/', '/review', '/live', '/dashboard', '/reports', '/policies'] },
    quinn: { role: 'qa_analyst', pages: ['/', '/review', '/live', '/dashboard', '/reports', '/policies'] },
    cora: { role: 'compliance_officer', pages: ['/', '/live', '/dashboard', '/reports', '/policies', '/audit'] },
    otto: { role: 'auditor', pages: ['/dashboard', '/reports', '/policies', '/audit'] },
    adam: { role: 'admin', pages: ['/system'] },
  };
  const LABEL: Record<string, string> = {
    '/': 'Conversations',
    '/review': 'Review',
    '/live': 'Live calls',
    '/dashboard': 'Dashboard',
    '/reports': 'Reports',
    '/policies': 'Policies',
    '/audit': 'Audit',
    '/system': 'System',
  };
  it('roles × pages: each of the six roles sees its pages and only those, each page passes axe-core', async () => {
    for (const [user, { role, pages }] of Object.entries(MATRIX)) {
      const { page, problems } = await watchedPage();
      await signIn(page, user);
      const menu = (await page.locator('.ant-menu-item').allTextContents()).map((x) => x.trim());
      expect(menu, user).toEqual(pages.map((p) => LABEL[p]));
      for (const p of Object.keys(LABEL)) {
        await page.goto(`${base}${p}`);
        await page.getByTestId('user').waitFor();
        const notFound = await page.getByText('Not found.').count();
        // "/" is home: the first page the roles allow; any other page not allowed is "not found"
        expect(notFound, `${user} ${p}`).toBe(pages.includes(p) || p === '/' ? 0 : 1);
        if (pages.includes(p)) {
          // the live page keeps its event stream open: it is ready when it says it is connected
          if (p === '/live')
            await expect.poll(() => page.getByTestId('live-state').textContent()).toMatch(/^Connected/);
          else await page.waitForLoadState('networkidle');
          await noSeriousAxe(page, `${role} ${p}`);
        }
        await page.screenshot({
          path: path.join(SHOTS, `${role}${p === '/' ? '-conversations' : p.replace('/', '-')}.png`),
          fullPage: true,
        });
      }
      expect(problems, user).toEqual([]);
      await page.context().close();
    }
  }, 240_000);

  it('a supervisor watches a call in progress on the Live page: masked turns, the alerts as they come, then the conversation', async () => {
    const { page, problems } = await watchedPage();
    await signIn(page, 'sara');
    await page.goto(`${base}/live`);
    await expect.poll(() => page.getByTestId('live-state').textContent()).toMatch(/^Connected/);
    const { script, call } = synthCalls().get('bank-card-cvv')!;
    const rec = (await TestRecorder.connect(
      `${base.replace('http', 'ws')}/api/v1/live/calls`,
      await idp.recorderToken(),
    )) as TestRecorder;
    rec.send({
      type: 'start',
      callId: 'e2e-live-1',
      encoding: 'mulaw',
      sampleRate: 8000,
      channels: 2,
      metadata: { ...metadataFor(script, '8k'), externalId: 'e2e-live-1', channelMap: ['agent', 'customer'] },
    });
    await rec.next('started');
    await streamChannels(rec, ulawChannels(call.wav8kUlaw), { speed: 3 });
    rec.send({ type: 'end' });
    const ended = await rec.next('ended', 60_000);
    await expect.poll(() => page.getByTestId('live-call').count()).toBe(1);
    // the alert for the code the customer read out (the agent's request for it is heard live only on some CPUs: see
    // test/integration/live.test.ts; the page shows a rule's alert the same way)
    await expect
      .poll(async () => (await page.getByTestId('live-alerts').textContent()) ?? '', { timeout: 10_000 })
      .toMatch(/Personal data is being read out \(cvv\)/);
    const card = page.getByTestId('live-call');
    await expect.poll(async () => (await card.textContent()) ?? '').toMatch(/Open the conversation/);
    // masked: the CVV the customer read out is nowhere on the page
    expect(await page.locator('body').textContent()).not.toMatch(/seven three nine|\b739\b/);
    await noSeriousAxe(page, 'live calls with a call');
    await page.screenshot({ path: path.join(SHOTS, 'supervisor-live-call.png'), fullPage: true });
    await card.getByText('Open the conversation').click();
    await page.waitForURL(new RegExp(`/conversations/${ended.conversationId as string}$`));
    expect(problems).toEqual([]);
    await page.context().close();
  }, 120_000);
});
