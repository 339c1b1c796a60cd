import type { Conversation } from '../entities/conversation';
import { DomainError } from '../lib/errors';
import { blindRows } from '../protection/contexts';
import { unsealRecording } from './recording-audio';
import type { MaskingPolicy } from '../protection/pii/mask';
import { fromRecognised, protectTranscript } from '../protection/protect-transcript';
import { SealedUtterance, sealUtterances } from '../protection/sealed-transcript';
import type { ConversationRepository } from '../repositories/conversations';
import type { ObjectStore } from '../repositories/object-store';
import type { Vault } from '../repositories/vault';
import { Decoder, transcribeWav } from '../speech/transcribe';

export interface TranscribeDeps {
  conversations: ConversationRepository;
  objects: ObjectStore;
  vault: Vault;
  masking: MaskingPolicy;
  decoder: Decoder & { modelId: string; engine: string };
  /** engines for other languages, by language code (zh: the Mandarin pinyin model) */
  decoders?: Record<string, Decoder & { modelId: string; engine: string }>;
}

export interface TranscribeResult {
  utterances: SealedUtterance[];
  blindIndex: Array<{ kind: string; digest: string; subjectId: string | null }>;
  engine: string;
  words: number;
  audioMs: number | null;
  /** decoding time, then masking and sealing time */
  decodeMs: number;
  protectMs: number;
  pii: Record<string, number>;
}

/**
 * recording → utterances with word timings, protected before anything is written: personal data masked, sensitive
 * authentication data dropped from the original, both copies sealed under the conversation's key. Plaintext exists
 * only in this function's memory. A recording that cannot be decoded is a permanent refusal (AudioFormatError).
 */
export async function transcribeConversation(d: TranscribeDeps, conv: Conversation): Promise<TranscribeResult> {
  const recording = await d.conversations.recording(conv.id);
  if (!recording?.objectId)
    throw new DomainError('not_found', 'no_recording', `conversation ${conv.id} has no recording`);
  const lang = conv.language.slice(0, 2);
  const decoder = lang === 'en' ? d.decoder : d.decoders?.[lang];
  if (!decoder)
    // a configuration matter, not the recording's: the conversation waits as failed until a model is installed and
    // `hotline jobs retry` puts it back
    throw new DomainError(
      'invalid',
      'no_speech_model',
      `no speech model for language ${conv.language} is installed (Mandarin: HOTLINE_SHERPA_MODEL_ZH)`,
    );
  const key = await d.vault.open(conv.keyId);
  const t0 = performance.now();
  let audio: Buffer;
  try {
    audio = await d.objects.get(recording.objectId);
  } catch (e) {
    // may be a passing storage fault: retried with backoff, then the conversation is marked failed
    throw new Error(`recording object unreadable: ${(e as Error).message}`, { cause: e });
  }
  audio = await unsealRecording(d.vault, conv, recording, audio);
  const utterances = await transcribeWav(audio, recording.channelMap, decoder);
  const decodeMs = performance.now() - t0;
  const p0 = performance.now();
  const prot = protectTranscript(utterances.map(fromRecognised), d.masking);
  const originalKey = conv.originalTextKeyId ? await d.vault.open(conv.originalTextKeyId) : key;
  const sealed = sealUtterances(d.vault, key, prot.utterances, originalKey);
  return {
    utterances: sealed,
    blindIndex: blindRows(d.vault.blind, prot.identifiers, conv.subjectId),
    engine: decoder.modelId,
    words: utterances.reduce((a, u) => a + u.words.length, 0),
    audioMs: recording.durationMs,
    decodeMs,
    protectMs: performance.now() - p0,
    pii: prot.counts,
  };
}
