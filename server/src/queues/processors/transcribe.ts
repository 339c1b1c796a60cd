import { Job, UnrecoverableError } from 'bullmq';
import type { Logger } from '../../lib/logger';
import type { ConversationRepository } from '../../repositories/conversations';
import type { ObjectStore } from '../../repositories/object-store';
import { AudioFormatError } from '../../speech/audio/errors';
import { Decoder, transcribeWav } from '../../speech/transcribe';
import { StageJob, STAGES } from '../stages';
import type { Vault } from '../../protection/vault';
import type { MaskingPolicy } from '../../protection/pii/mask';
import { protectTranscript } from '../../protection/protect-transcript';
import { sealUtterances } from '../../protection/sealed-transcript';
import { audioContext, blindRows } from '../../commands/protect-ingest';
import { beginStage } from './begin-stage';

export interface TranscribeDeps {
  conversations: ConversationRepository;
  objects: ObjectStore;
  vault: Vault;
  masking: MaskingPolicy;
  decoder: Decoder & { modelId: string; engine: string };
  log: Logger;
}

/**
 * transcribe: recording → utterances with word timings. The transcript is protected before it is written (personal
 * data masked, sensitive authentication data dropped, both copies encrypted): plaintext exists only in this job's
 * memory. Idempotent on (conversation, 'transcribe', version).
 */
export async function processTranscribe(
  deps: TranscribeDeps,
  job: Job<StageJob>,
): Promise<{ outcome: string; utterances?: number }> {
  const { conversationId } = job.data;
  const stage = STAGES.transcribe;
  const started = await beginStage(deps, job, 'transcribe');
  if (!started) return { outcome: 'already_done' };
  const { conv, log, attempt } = started;
  const recording = await deps.conversations.recording(conversationId);
  if (!recording?.objectId) throw new UnrecoverableError(`conversation ${conversationId} has no recording`);
  const key = await deps.vault.open(conv.keyId);
  const t0 = performance.now();
  let audio: Buffer;
  try {
    audio = await deps.objects.get(recording.objectId);
  } catch (e) {
    // may be a passing storage fault: retried with backoff, then the conversation is marked failed
    throw new Error(`recording object unreadable: ${(e as Error).message}`, { cause: e });
  }
  audio = deps.vault.unseal(key, audioContext(conversationId), audio);
  let utterances;
  try {
    utterances = await transcribeWav(audio, recording.channelMap, deps.decoder);
  } catch (e) {
    if (e instanceof AudioFormatError) throw new UnrecoverableError(`audio: ${e.message}`);
    throw e;
  }
  const ms = performance.now() - t0;
  const words = utterances.reduce((a, u) => a + u.words.length, 0);
  const p0 = performance.now();
  const prot = protectTranscript(
    utterances.map((u) => ({
      speaker: u.speaker,
      startMs: u.startMs,
      endMs: u.endMs,
      text: u.text,
      words: u.words.map((w) => ({ w: w.word, s: w.startMs, e: w.endMs, c: w.confidence })),
      keyphrases: u.keyphrases.map((k) => ({ p: k.phrase, s: k.startMs, e: k.endMs, c: k.confidence })),
      confidence: u.confidence,
    })),
    deps.masking,
  );
  const sealed = sealUtterances(deps.vault, key, prot.utterances);
  const protectMs = performance.now() - p0;
  const outcome = await deps.conversations.completeStage(
    {
      conversationId,
      stage: 'transcribe',
      version: stage.version,
      durationMs: ms,
      done: stage.done,
      jobId: job.id,
      attempt,
    },
    async (m) => {
      await deps.conversations.replaceUtterances(m, conversationId, sealed);
      await deps.conversations.replaceBlindIndex(
        m,
        conversationId,
        blindRows(deps.vault, prot.identifiers, conv.subjectId),
      );
      return { asrEngine: deps.decoder.modelId, transcribedAt: new Date() };
    },
    {
      engine: deps.decoder.modelId,
      utterances: utterances.length,
      wordCount: words,
      audioMs: recording.durationMs,
      ms: Math.round(ms),
      protectMs: Math.round(protectMs * 10) / 10,
      pii: prot.counts,
    },
  );
  log.info(
    { outcome, utterances: utterances.length, wordCount: words, ms: Math.round(ms), audioMs: recording.durationMs },
    'transcribe finished',
  );
  return { outcome, utterances: utterances.length };
}
