import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleStack, noSeriousAxe, openConsole, postCardChat, SHOTS } from '../helpers/console';
import { requestAs } from '../helpers/stack';

/**
 * The two-person rule in the console (HOTLINE_UNMASK_APPROVAL=two-person): a QA analyst asks to unmask with a reason
 * and sees the request waiting; a compliance officer finds it in her Approvals inbox with the reason and approves it
 * with a comment; the analyst's page then offers one unmask under that approval and shows the originals. The asker
 * cannot decide her own request; an agent has no inbox.
 */
let c: ConsoleStack;
let id: string;
const ORIGINAL = 'my account number is 31926819';
const REASON = 'Complaint 5521: customer disputes the account read back';

beforeAll(async () => {
  c = await openConsole('consoleapprovals', 3, { HOTLINE_UNMASK_APPROVAL: 'two-person' });
  id = await postCardChat(c, ORIGINAL);
  // text is masked as it is taken in: the utterances are there before the pipeline's inspection
  const st = await c.pg.query(`SELECT count(*)::int AS n FROM utterances WHERE conversation_id = $1`, [id]);
  expect(st.rows[0].n).toBe(2);
}, 300_000);

afterAll(async () => {
  await c?.close();
});

describe('two-person unmasking in the console', () => {
  it('asked with a reason, approved by another person from her inbox, then opened once by the asker', async () => {
    const qa = await c.watchedPage();
    await c.signIn(qa.page, 'quinn');
    await qa.page.goto(`${c.base}/conversations/${id}`);
    await qa.page.getByTestId('unmask-ask').click();
    // no unmask without a second person: the only way is to ask
    expect(await qa.page.getByTestId('unmask').count()).toBe(0);
    await qa.page.getByTestId('unmask-reason').fill(REASON);
    await qa.page.getByRole('button', { name: 'Ask to unmask' }).last().click();
    await qa.page.getByTestId('unmask-pending').waitFor();
    expect(await qa.page.getByText(ORIGINAL).count()).toBe(0);
    // her own inbox lists it as hers, with nothing for her to decide
    await qa.page.getByRole('menuitem', { name: 'Approvals' }).click();
    await expect.poll(() => qa.page.getByTestId('approvals-mine').locator('tbody tr.ant-table-row').count()).toBe(1);
    expect(await qa.page.getByTestId('approvals-to-decide').getByTestId('approve').count()).toBe(0);
    expect(await qa.page.getByTestId('approvals-mine').textContent()).toContain('waiting');

    const co = await c.watchedPage();
    await c.signIn(co.page, 'cora');
    await co.page.getByRole('menuitem', { name: 'Approvals' }).click();
    const row = co.page.getByTestId('approvals-to-decide').locator('tbody tr.ant-table-row');
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.textContent()).toContain(REASON);
    expect(await row.textContent()).toContain('quinn');
    await noSeriousAxe(co.page, 'approvals');
    await co.page.screenshot({ path: path.join(SHOTS, 'compliance-approvals.png'), fullPage: true });
    await row.getByTestId('approve').click();
    await co.page.getByTestId('decision-comment').fill('Checked ticket 5521: the dispute is open');
    await co.page.getByRole('button', { name: 'Approve' }).last().click();
    await expect.poll(() => row.count()).toBe(0);

    // the asker's page learns of the approval by itself and offers the one unmask
    await qa.page.goto(`${c.base}/conversations/${id}`);
    await qa.page.getByTestId('unmask').waitFor();
    expect(await qa.page.getByTestId('unmask').textContent()).toContain('approved by cora');
    await qa.page.getByTestId('unmask').click();
    await qa.page.getByText('Showing originals (audited)').waitFor();
    await qa.page.getByText(ORIGINAL).first().waitFor();
    await noSeriousAxe(qa.page, 'conversation-unmasked');

    const audit = await c.pg.query(
      `SELECT actor_name, action, outcome FROM audit_events
        WHERE action LIKE 'transcript.unmask%' AND object_id = $1 ORDER BY seq`,
      [id],
    );
    expect(audit.rows.map((r) => `${r.actor_name} ${r.action} ${r.outcome}`)).toEqual([
      'quinn transcript.unmask.request allowed',
      'cora transcript.unmask.approve allowed',
      'quinn transcript.unmask allowed',
    ]);
    expect([...qa.problems, ...co.problems]).toEqual([]);
    await qa.page.context().close();
    await co.page.context().close();
  });

  it('a denial shows on the asker’s page, and she may ask again; an agent has no inbox', async () => {
    const ask = await requestAs(c.base, c.idp, 'quinn', 'POST', `/api/v1/conversations/${id}/unmask/approvals`, {
      reason: REASON,
    });
    expect(ask.status).toBe(201);
    const co = await c.watchedPage();
    await c.signIn(co.page, 'cora');
    await co.page.goto(`${c.base}/approvals`);
    const row = co.page.getByTestId('approvals-to-decide').locator('tbody tr.ant-table-row');
    await expect.poll(() => row.count()).toBe(1);
    await row.getByTestId('deny').click();
    await co.page.getByTestId('decision-comment').fill('No open ticket under that number');
    await co.page.getByRole('button', { name: 'Deny' }).last().click();
    await expect.poll(() => row.count()).toBe(0);

    const qa = await c.watchedPage();
    await c.signIn(qa.page, 'quinn');
    await qa.page.goto(`${c.base}/conversations/${id}`);
    await qa.page.getByTestId('unmask-denied').waitFor();
    expect(await qa.page.getByTestId('unmask-denied').textContent()).toContain('cora');
    expect(await qa.page.getByTestId('unmask-ask').count()).toBe(1);

    const agent = await c.watchedPage();
    await c.signIn(agent.page, 'anna');
    expect(await agent.page.getByRole('menuitem', { name: 'Approvals' }).count()).toBe(0);
    await agent.page.goto(`${c.base}/approvals`);
    await agent.page.getByText('Not found').first().waitFor();
    expect([...qa.problems, ...co.problems, ...agent.problems]).toEqual([]);
    for (const p of [qa, co, agent]) await p.page.context().close();
  });
});
