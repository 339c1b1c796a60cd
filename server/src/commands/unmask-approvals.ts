import { conversationScope } from '../authz/permissions';
import type { Caller } from '../authz/visible';
import { loadVisibleConversation } from '../authz/visible';
import { conflict, DomainError, notFound } from '../lib/errors';
import type { ConversationRepository } from '../repositories/conversations';
import type { UnmaskApproval, UnmaskApprovals } from '../repositories/unmask-approvals';

/**
 * Two-person (break-glass) unmasking, where the deployment asks for it (HOTLINE_UNMASK_APPROVAL=two-person): the
 * person who needs the original asks, stating why; another person who may unmask that conversation approves (or
 * denies) it; the approval opens one unmask by the asker within 15 minutes. Every step is in the audit trail.
 */
export interface ApprovalDeps {
  conversations: Pick<ConversationRepository, 'findVisible'>;
  approvals: UnmaskApprovals;
}

const USABLE_MS = 15 * 60_000;

export async function requestUnmaskApproval(
  d: ApprovalDeps,
  caller: Caller,
  conversationId: string,
  reason: string,
): Promise<UnmaskApproval> {
  await loadVisibleConversation(d.conversations, caller, conversationId, 'transcript.unmask', reason);
  const a = await d.approvals.create({
    conversationId,
    requesterSub: caller.principal.sub,
    requesterName: caller.principal.username,
    reason,
  });
  await caller.audit('transcript.unmask.request', { type: 'conversation', id: conversationId }, 'allowed', {
    reason,
    details: { approvalId: a.id },
  });
  return a;
}

export async function decideUnmaskApproval(
  d: ApprovalDeps,
  caller: Caller,
  approvalId: string,
  decision: 'approve' | 'deny',
  comment: string,
): Promise<UnmaskApproval> {
  const a = await d.approvals.get(approvalId);
  if (!a) throw notFound('approval');
  // the approver must be allowed to unmask this conversation themselves
  const visible = await d.conversations.findVisible(a.conversationId, conversationScope(caller.principal));
  if (!visible) throw notFound('approval');
  if (a.requesterSub === caller.principal.sub) {
    await caller.audit('transcript.unmask.approve', { type: 'conversation', id: a.conversationId }, 'denied', {
      reason: comment,
      details: { approvalId, why: 'own_request' },
    });
    throw conflict('own_request', 'an unmask is approved by someone other than the person who asked for it');
  }
  if (a.state !== 'pending') throw conflict('already_decided', `this request was already ${a.state}`);
  const decided: UnmaskApproval = {
    ...a,
    state: decision === 'approve' ? 'approved' : 'denied',
    approverSub: caller.principal.sub,
    approverName: caller.principal.username,
    ...(decision === 'approve' ? { usableUntil: Date.now() + USABLE_MS } : {}),
  };
  await d.approvals.save(decided);
  await caller.audit('transcript.unmask.approve', { type: 'conversation', id: a.conversationId }, 'allowed', {
    reason: comment,
    details: { approvalId, decision, requester: a.requesterName },
  });
  return decided;
}

/**
 * The requests a caller sees: their own (any state, to use an approval) and the pending ones of others they could
 * decide (a conversation they may unmask themselves). Listing is not audited; deciding is.
 */
export async function listUnmaskApprovals(
  d: ApprovalDeps,
  caller: Caller,
): Promise<Array<UnmaskApproval & { mine: boolean }>> {
  const out: Array<UnmaskApproval & { mine: boolean }> = [];
  for (const a of await d.approvals.list()) {
    const mine = a.requesterSub === caller.principal.sub;
    if (!mine && a.state !== 'pending') continue;
    if (!mine && !(await d.conversations.findVisible(a.conversationId, conversationScope(caller.principal)))) continue;
    out.push({ ...a, mine });
  }
  return out;
}

/**
 * Before an unmask under the two-person rule: the caller's approved, unexpired request for this conversation, used
 * up now. Otherwise a conflict (`approval_required`), audited.
 */
export async function useUnmaskApproval(
  d: ApprovalDeps,
  caller: Caller,
  conversationId: string,
  approvalId: string | undefined,
  reason: string,
): Promise<void> {
  const a = approvalId ? await d.approvals.get(approvalId) : undefined;
  const why = !a
    ? 'no approval'
    : a.conversationId !== conversationId
      ? 'approval for another conversation'
      : a.requesterSub !== caller.principal.sub
        ? "another person's approval"
        : a.state !== 'approved'
          ? `request ${a.state}`
          : (a.usableUntil ?? 0) < Date.now()
            ? 'approval expired'
            : undefined;
  if (why || !(await d.approvals.consume(approvalId!))) {
    await caller.audit('transcript.unmask', { type: 'conversation', id: conversationId }, 'denied', {
      reason,
      details: { why: why ?? 'approval already used', approvalId: approvalId ?? null },
    });
    throw new DomainError(
      'conflict',
      'approval_required',
      `unmasking here needs a second person's approval (${why ?? 'approval already used'}): request one, have it approved, then unmask with its approvalId`,
    );
  }
}
