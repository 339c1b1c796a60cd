import { Job, UnrecoverableError } from 'bullmq';
import { audioContext } from '../../commands/protect-ingest';
import type { Logger } from '../../lib/logger';
import { redactWav, spansFromMarks } from '../../protection/redact-audio';
import type { Vault } from '../../protection/vault';
import type { ConversationRepository } from '../../repositories/conversations';
import type { ObjectStore } from '../../repositories/object-store';
import { StageJob, STAGES } from '../stages';
import { beginStage } from './begin-stage';

export interface RedactDeps {
  conversations: ConversationRepository;
  objects: ObjectStore;
  vault: Vault;
  log: Logger;
}

/**
 * redact: the PII spans the transcribe stage found (time spans only) are overwritten with silence in every channel;
 * the redacted audio is stored encrypted and the unredacted original is deleted. From here on no stored audio holds
 * a card number, CVV or other personal data that was recognised.
 */
export async function processRedact(
  deps: RedactDeps,
  job: Job<StageJob>,
): Promise<{ outcome: string; spans?: number }> {
  const { conversationId } = job.data;
  const stage = STAGES.redact;
  const started = await beginStage(deps, job, 'redact');
  if (!started) return { outcome: 'already_done' };
  const { conv, log, attempt } = started;
  const rec = await deps.conversations.recording(conversationId);
  if (!rec?.objectId) throw new UnrecoverableError(`conversation ${conversationId} has no recording`);
  const t0 = performance.now();
  const spans = spansFromMarks(await deps.conversations.piiMarks(conversationId));
  const key = await deps.vault.open(conv.keyId);
  const ctx = audioContext(conversationId);
  const original = deps.vault.unseal(key, ctx, await deps.objects.get(rec.objectId));
  const redacted = spans.length ? redactWav(original, spans) : original;
  const stored = await deps.objects.put(deps.vault.seal(key, ctx, redacted));
  const ms = performance.now() - t0;
  const outcome = await deps.conversations.completeStage(
    {
      conversationId,
      stage: 'redact',
      version: stage.version,
      durationMs: ms,
      done: stage.done,
      jobId: job.id,
      attempt,
    },
    async (m) => {
      await deps.conversations.setRecordingObject(m, conversationId, stored.sha256, spans.length);
      return { protectedAt: new Date() };
    },
    { spans: spans.length, ms: Math.round(ms) },
  );
  if (outcome === 'completed' && stored.sha256 !== rec.objectId) await deps.objects.delete(rec.objectId);
  if (outcome === 'already_done' && stored.created) await deps.objects.delete(stored.sha256);
  log.info({ outcome, spans: spans.length, ms: Math.round(ms) }, 'redact finished');
  return { outcome, spans: spans.length };
}
