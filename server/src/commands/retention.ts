import { conversationScope } from '../authz/permissions';
import type { Caller } from '../authz/visible';
import type { Actor, AuditLog } from '../repositories/audit-log';
import type { ConversationRepository } from '../repositories/conversations';
import type { ObjectStore } from '../repositories/object-store';
import { RetentionRepository } from '../repositories/retention';
import type { ReportRepository } from '../repositories/reports';
import type { Vault } from '../repositories/vault';
import { DomainError, notFound } from '../lib/errors';
import type { RetentionPolicy } from '../protection/retention-policy';

const SYSTEM: Actor = { actorId: 'system:retention', actorName: 'retention job', roles: [], requestId: null };

export interface RetentionDeps {
  retention: RetentionRepository;
  objects: ObjectStore;
  vault: Vault;
  audit: AuditLog;
  /** generated reports have a retention class of their own */
  reports?: ReportRepository;
}

export interface RetentionReport {
  audio: number;
  transcriptOriginal: number;
  transcriptMasked: number;
  verdicts: number;
  orphanObjects: number;
  reports: number;
}

/** Runs `each` over batches from `next` until a batch comes back short; returns how many rows it handled. */
async function inBatches<R>(
  batch: number,
  next: () => Promise<R[]>,
  each: (r: R) => Promise<unknown>,
): Promise<number> {
  let n = 0;
  for (;;) {
    const rows = await next();
    for (const r of rows) await each(r);
    n += rows.length;
    if (rows.length < batch) return n;
  }
}

/**
 * Applies the retention policy once: expired audio objects are deleted, expired originals and masked copies are
 * cleared, and a conversation with no content left has its data key destroyed. Conversations under legal hold are
 * skipped. Every deletion is an audit event (data class, conversation, policy period), under the actor who ran it:
 * the worker's daily job, or the operator at the command line (whose run, and any clock they gave it, is recorded too).
 */
export async function applyRetention(
  d: RetentionDeps,
  policy: RetentionPolicy,
  now = new Date(),
  batch = 500,
  actor: Actor = SYSTEM,
): Promise<RetentionReport> {
  if (actor !== SYSTEM)
    await d.audit.append({
      ...actor,
      action: 'retention.run',
      objectType: null,
      objectId: null,
      reason: null,
      outcome: 'allowed',
      details: { now: now.toISOString(), shiftedClockMs: now.getTime() - Date.now() },
    });
  const before = (cls: keyof RetentionPolicy['classes']) =>
    new Date(now.getTime() - policy.classes[cls].days * 86_400_000);
  const record = (cls: keyof RetentionPolicy['classes'], conversationId: string, extra: Record<string, unknown> = {}) =>
    d.audit.append({
      ...actor,
      action: 'retention.delete',
      objectType: 'conversation',
      objectId: conversationId,
      reason: `retention policy: ${cls} kept ${policy.classes[cls].days} days`,
      outcome: 'allowed',
      details: { dataClass: cls, ...extra },
    });
  const r = d.retention;
  const audio = await inBatches(
    batch,
    () => r.expiredAudio(before('audio'), batch),
    async (row) => {
      await r.markAudioPurged(row.id);
      await d.objects.delete(row.object_id);
      await record('audio', row.id);
    },
  );
  const transcriptOriginal = await inBatches(
    batch,
    () => r.expiredOriginals(before('transcript_original'), batch),
    async (row) => record('transcript_original', row.id, { utterances: await r.clearOriginals(row.id) }),
  );
  const transcriptMasked = await inBatches(
    batch,
    () => r.expiredMasked(before('transcript_masked'), batch),
    async (row) => {
      await r.shredConversation(row.id, row.key_id);
      await record('transcript_masked', row.id, { keyDestroyed: true });
    },
  );
  const verdicts = await inBatches(
    batch,
    () => r.expiredVerdicts(before('verdicts'), batch),
    // findings and disputes go with their verdicts (ON DELETE CASCADE); the labelled cases built from them too
    async (row) => record('verdicts', row.id, { verdicts: await r.deleteVerdicts(row.id) }),
  );
  const reports = d.reports ? await d.reports.purgeReports(d.objects, before('reports')) : 0;
  if (reports)
    await d.audit.append({
      ...actor,
      action: 'retention.delete',
      objectType: 'report',
      objectId: null,
      reason: `retention policy: reports kept ${policy.classes.reports.days} days`,
      outcome: 'allowed',
      details: { dataClass: 'reports', reports },
    });
  const orphanObjects = await sweepOrphanObjects(d, now, actor);
  return { audio, transcriptOriginal, transcriptMasked, verdicts, orphanObjects, reports };
}

/** Objects no recording points at (a crash between storing a redacted copy and deleting the original), older than an hour. */
async function sweepOrphanObjects(d: RetentionDeps, now: Date, actor: Actor): Promise<number> {
  let n = 0;
  for (const sha of d.objects.listOlderThan(new Date(now.getTime() - 3_600_000))) {
    if (await d.retention.objectReferenced(sha)) continue;
    await d.objects.delete(sha);
    await d.audit.append({
      ...actor,
      action: 'retention.delete',
      objectType: 'object',
      objectId: sha.slice(0, 16),
      reason: 'object referenced by no recording',
      outcome: 'allowed',
      details: { dataClass: 'orphan_object' },
    });
    n++;
  }
  return n;
}

/**
 * Right to erasure by crypto-shredding: the subject's key and the data keys of all its conversations are destroyed
 * (every encrypted copy, including backups, becomes unreadable), the audio objects are deleted and the subject's
 * blind-index rows removed. A legal hold on the subject or any of its conversations refuses the erasure (conflict);
 * an unknown reference is not found. Refusals are audited too.
 */
export async function eraseSubject(
  d: RetentionDeps,
  customerRef: string,
  actor: Actor,
  reason: string,
): Promise<{ subjectId: string; conversations: number }> {
  let result;
  try {
    result = await d.retention.eraseSubject(d.vault.blind.index('customer_ref', customerRef));
  } catch (e) {
    if (e instanceof DomainError)
      await d.audit.append({
        ...actor,
        action: 'subject.erase',
        objectType: null,
        objectId: null,
        reason,
        outcome: 'denied',
        details: { why: e.code === 'legal_hold' ? 'legal hold' : 'unknown subject' },
      });
    throw e;
  }
  for (const o of result.objects) await d.objects.delete(o);
  await d.audit.append({
    ...actor,
    action: 'subject.erase',
    objectType: 'subject',
    objectId: result.subjectId,
    reason,
    outcome: 'allowed',
    details: {
      conversations: result.conversations,
      keysDestroyed: result.conversations.length + 1,
      objectsDeleted: result.objects.length,
    },
  });
  return { subjectId: result.subjectId, conversations: result.conversations.length };
}

/** Places or lifts a legal hold on a customer subject (blocks retention and erasure of all its conversations); audited. */
export async function setSubjectLegalHold(
  d: Pick<RetentionDeps, 'retention' | 'vault' | 'audit'>,
  customerRef: string,
  hold: boolean,
  actor: Actor,
  reason: string,
): Promise<{ subjectId: string; hold: boolean }> {
  const id = await d.retention.setSubjectHold(d.vault.blind.index('customer_ref', customerRef), hold);
  await d.audit.append({
    ...actor,
    action: hold ? 'legal_hold.place' : 'legal_hold.lift',
    objectType: id ? 'subject' : null,
    objectId: id ?? null,
    reason,
    outcome: id ? 'allowed' : 'denied',
    details: null,
  });
  if (!id) throw new DomainError('not_found', 'not_found', 'no customer subject with this reference');
  return { subjectId: id, hold };
}

/** Places or lifts a legal hold on one conversation in the caller's scope (otherwise: audited denial, not found). */
export async function setConversationLegalHold(
  d: Pick<RetentionDeps, 'retention'> & { conversations: Pick<ConversationRepository, 'findVisible'> },
  caller: Caller,
  conversationId: string,
  hold: boolean,
  reason: string,
): Promise<{ conversationId: string; hold: boolean }> {
  const c = await d.conversations.findVisible(conversationId, conversationScope(caller.principal));
  await caller.audit(
    hold ? 'legal_hold.place' : 'legal_hold.lift',
    { type: 'conversation', id: conversationId },
    c ? 'allowed' : 'denied',
    { reason },
  );
  if (!c) throw notFound('conversation');
  await d.retention.setConversationHold(conversationId, hold);
  return { conversationId, hold };
}
