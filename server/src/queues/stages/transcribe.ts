import { TranscribeDeps, transcribeConversation, TranscribeResult } from '../../commands/transcribe-conversation';
import type { StageHandler } from '../stage-handler';

/**
 * transcribe: recording → utterances with word timings, protected before they are written (masked copy, original
 * without CVV/PIN/OTP, both sealed) with their blind-index rows. Its duration is the decoding time.
 */
export function transcribeStage(d: TranscribeDeps, concurrency: number): StageHandler<'transcribe', TranscribeResult> {
  return {
    stage: 'transcribe',
    concurrency,
    run: ({ conv }) => transcribeConversation(d, conv),
    async save(tx, r, { conv }) {
      await d.conversations.replaceUtterances(tx, conv.id, r.utterances);
      await d.conversations.replaceBlindIndex(tx, conv.id, r.blindIndex);
      return { asrEngine: r.engine, transcribedAt: new Date() };
    },
    durationMs: (r) => r.decodeMs,
    summary: (r) => ({
      engine: r.engine,
      utterances: r.utterances.length,
      wordCount: r.words,
      audioMs: r.audioMs,
      protectMs: Math.round(r.protectMs * 10) / 10,
      pii: r.pii,
    }),
  };
}
