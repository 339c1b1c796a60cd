import { conversationScope } from '../authz/permissions';
import { Caller, loadVisibleConversation } from '../authz/visible';
import type { DisputeRow, FindingRow } from '../entities/inspection';
import { conflict, invalid, notFound } from '../lib/errors';
import type { ConversationRepository } from '../repositories/conversations';
import type { InspectionRepository } from '../repositories/inspections';
import type { VerdictRow } from '../entities/inspection';
import { InspectUtterance, toInspectUtterance } from '../inspection/transcript';
import { openMaskedTranscriptIfKept, TranscriptDeps } from './transcript';

export interface ReviewDeps {
  conversations: Pick<ConversationRepository, 'findVisible' | 'utterances'>;
  inspections: InspectionRepository;
}

/**
 * A QA analyst or supervisor confirms or overturns a finding of a conversation in their scope; the verdict's final
 * score is recomputed and the finding becomes a labelled regression case. Audited with the comment.
 */
export async function reviewFinding(
  d: ReviewDeps,
  caller: Caller,
  findingId: string,
  decision: 'confirm' | 'overturn',
  comment: string,
): Promise<{ finding: FindingRow; verdict: VerdictRow }> {
  const f = await d.inspections.finding(findingId);
  if (!f) throw notFound('finding');
  await loadVisibleConversation(d.conversations, caller, f.conversationId, 'verdict.review');
  const state = decision === 'confirm' ? 'confirmed' : 'overturned';
  await caller.audit('verdict.review', { type: 'finding', id: findingId }, 'allowed', {
    reason: comment,
    details: { conversationId: f.conversationId, ruleId: f.ruleId, result: f.result, decision: state },
  });
  return d.inspections.review(findingId, state, caller.principal.username, comment);
}

/** An agent disputes a verdict of their own conversation, within the dispute window. */
export async function disputeVerdict(
  d: ReviewDeps,
  caller: Caller,
  verdictId: string,
  comment: string,
  windowDays: number,
): Promise<DisputeRow> {
  const v = await d.inspections.verdict(verdictId);
  if (!v) throw notFound('verdict');
  await loadVisibleConversation(d.conversations, caller, v.conversationId, 'verdict.dispute');
  const dispute = await d.inspections.openDispute(v, caller.principal.username, comment, windowDays);
  await caller.audit('verdict.dispute', { type: 'verdict', id: verdictId }, 'allowed', {
    reason: comment,
    details: { conversationId: v.conversationId, disputeId: dispute.id },
  });
  return dispute;
}

/**
 * Someone other than the person who raised it decides a dispute; accepted, the findings it names (which must belong
 * to the disputed verdict) are overturned with it.
 */
export async function decideDispute(
  d: ReviewDeps,
  caller: Caller,
  disputeId: string,
  decision: 'accepted' | 'rejected',
  comment: string,
  overturnFindings: string[] = [],
): Promise<DisputeRow> {
  const dispute = await d.inspections.dispute(disputeId);
  if (!dispute) throw notFound('dispute');
  await loadVisibleConversation(d.conversations, caller, dispute.conversationId, 'verdict.review');
  const who = caller.principal.username;
  if (dispute.raisedBy === who)
    throw conflict('own_dispute', 'a dispute is decided by someone other than the person who raised it');
  const own = new Set((await d.inspections.findings([dispute.verdictId])).map((f) => f.id));
  const strange = overturnFindings.filter((f) => !own.has(f));
  if (strange.length)
    throw invalid('invalid_findings', `finding(s) not in the disputed verdict: ${strange.join(', ')}`);
  await caller.audit('verdict.dispute.decide', { type: 'dispute', id: disputeId }, 'allowed', {
    reason: comment,
    details: { conversationId: dispute.conversationId, decision, overturned: overturnFindings.length },
  });
  const decided = await d.inspections.decideDispute(disputeId, decision, who, comment);
  if (decision === 'accepted')
    for (const f of overturnFindings)
      await d.inspections.review(f, 'overturned', who, `dispute ${disputeId} accepted: ${comment}`);
  return decided;
}

/**
 * The verdicts of a conversation in the caller's scope (current first) with their findings, disputes and the masked
 * utterances their evidence points into (none once the conversation was erased).
 */
export async function conversationVerdicts(
  d: ReviewDeps & TranscriptDeps,
  caller: Caller,
  id: string,
): Promise<{
  verdicts: VerdictRow[];
  findings: FindingRow[];
  disputes: DisputeRow[];
  utterances: Map<string, InspectUtterance>;
}> {
  const c = await loadVisibleConversation(d.conversations, caller, id, 'verdict.read');
  await caller.audit('verdict.read', { type: 'conversation', id }, 'allowed');
  const verdicts = await d.inspections.verdicts(id);
  const ids = verdicts.map((v) => v.id);
  const [findings, disputes, opened] = await Promise.all([
    d.inspections.findings(ids),
    d.inspections.disputes(ids),
    openMaskedTranscriptIfKept(d, c),
  ]);
  return { verdicts, findings, disputes, utterances: new Map(opened.map((u) => [u.id, toInspectUtterance(u)])) };
}

/** The caller's review queue: unreviewed failed findings in their scope, fatal first, newest first. */
export async function reviewQueue(d: Pick<ReviewDeps, 'inspections'>, caller: Caller, limit: number) {
  return d.inspections.reviewQueue(conversationScope(caller.principal), limit);
}
