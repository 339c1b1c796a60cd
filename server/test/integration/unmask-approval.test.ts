import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStack, requestAs, Stack } from '../helpers/stack';

/**
 * The two-person rule for unmasking (HOTLINE_UNMASK_APPROVAL=two-person, a deployment's choice): one person asks,
 * another who may unmask the conversation approves, the approval opens one unmask by the asker within 15 minutes.
 */
let stack: Stack;
beforeAll(async () => {
  stack = await openStack('unmaskapproval', 6, { env: { HOTLINE_UNMASK_APPROVAL: 'two-person' } });
});
afterAll(() => stack?.close());

describe('two-person unmasking', () => {
  it('needs another person’s approval, used once, by the asker only; every step audited', async () => {
    const as = (user: string, method: string, p: string, body?: unknown) =>
      requestAs(stack.proc.base, stack.idp, user, method, p, body);
    const chat = await as('recorder', 'POST', '/api/v1/conversations', {
      channel: 'chat',
      agentId: 'anna',
      teamId: 'team-cards',
      startedAt: '2026-11-22T09:00:00Z',
      messages: [{ speaker: 'customer', at: '2026-11-22T09:00:00Z', text: 'my account number is 31926819' }],
    });
    const id = chat.body.conversation.id as string;
    const reason = 'Complaint 4471: customer disputes the account read back';
    const unmask = (user: string, approvalId?: string) =>
      as(user, 'POST', `/api/v1/conversations/${id}/unmask`, { reason, ...(approvalId ? { approvalId } : {}) });
    // alone, nobody unmasks
    const alone = await unmask('quinn');
    expect([alone.status, alone.body.error.code]).toEqual([409, 'approval_required']);
    // quinn asks; quinn cannot approve their own request; cora approves
    const req = await as('quinn', 'POST', `/api/v1/conversations/${id}/unmask/approvals`, { reason });
    expect(req.status).toBe(201);
    expect(req.body).toMatchObject({ state: 'pending', requester: 'quinn', approver: null });
    const approvalId = req.body.approvalId as string;
    // the list: hers to use, another's to decide (with the reason), nothing for one who may not unmask
    const mineList = await as('quinn', 'GET', '/api/v1/unmask-approvals');
    expect(mineList.body.items.filter((a: { approvalId: string }) => a.approvalId === approvalId)).toEqual([
      expect.objectContaining({ mine: true, state: 'pending', reason, conversationId: id }),
    ]);
    const inbox = await as('cora', 'GET', '/api/v1/unmask-approvals');
    expect(inbox.body.items.filter((a: { approvalId: string }) => a.approvalId === approvalId)).toEqual([
      expect.objectContaining({ mine: false, requester: 'quinn', reason }),
    ]);
    expect((await as('anna', 'GET', '/api/v1/unmask-approvals')).status).toBe(404);
    const decide = (user: string) =>
      as(user, 'POST', `/api/v1/unmask-approvals/${approvalId}/decision`, {
        decision: 'approve',
        comment: 'Checked the complaint ticket, approved',
      });
    const own = await decide('quinn');
    expect([own.status, own.body.error.code]).toEqual([409, 'own_request']);
    // an agent (who may not unmask) cannot approve: the request does not exist for them
    expect((await decide('anna')).status).toBe(404);
    const ok = await decide('cora');
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ state: 'approved', approver: 'cora' });
    expect(Date.parse(ok.body.usableUntil) - Date.now()).toBeGreaterThan(14 * 60_000);
    expect((await decide('sara')).body.error.code).toBe('already_decided');
    // only the asker may use it, once
    const other = await unmask('sara', approvalId);
    expect([other.status, other.body.error.message]).toEqual([409, expect.stringMatching(/another person's approval/)]);
    const opened = await unmask('quinn', approvalId);
    expect(opened.status).toBe(200);
    expect(opened.body.utterances[0].text).toBe('my account number is 31926819');
    // used up: gone from every list
    const after = await as('cora', 'GET', '/api/v1/unmask-approvals');
    expect(after.body.items.map((a: { approvalId: string }) => a.approvalId)).not.toContain(approvalId);
    const again = await unmask('quinn', approvalId);
    expect([again.status, again.body.error.code]).toEqual([409, 'approval_required']);
    const ev = await stack.pg.query(
      `SELECT actor_name, action, outcome, details->>'why' AS why FROM audit_events
        WHERE action LIKE 'transcript.unmask%' ORDER BY seq`,
    );
    expect(ev.rows).toEqual([
      { actor_name: 'quinn', action: 'transcript.unmask', outcome: 'denied', why: 'no approval' },
      { actor_name: 'quinn', action: 'transcript.unmask.request', outcome: 'allowed', why: null },
      // the agent's look at the approvals list, refused at the door
      { actor_name: 'anna', action: 'transcript.unmask', outcome: 'denied', why: null },
      { actor_name: 'quinn', action: 'transcript.unmask.approve', outcome: 'denied', why: 'own_request' },
      // the agent's attempt, refused at the door for want of the permission
      { actor_name: 'anna', action: 'transcript.unmask', outcome: 'denied', why: null },
      { actor_name: 'cora', action: 'transcript.unmask.approve', outcome: 'allowed', why: null },
      { actor_name: 'sara', action: 'transcript.unmask', outcome: 'denied', why: "another person's approval" },
      { actor_name: 'quinn', action: 'transcript.unmask', outcome: 'allowed', why: null },
      { actor_name: 'quinn', action: 'transcript.unmask', outcome: 'denied', why: 'no approval' },
    ]);
  });
});
