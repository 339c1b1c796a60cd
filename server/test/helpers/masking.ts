import path from 'node:path';
import { loadMaskingPolicy } from '../../src/protection/pii/mask';
import { protectTranscript } from '../../src/protection/protect-transcript';
import { textTurns } from './transcripts';

/** The shipped masking policy (`policies/masking.yaml`). */
export const shippedMasking = loadMaskingPolicy(path.resolve(__dirname, '..', '..', '..', 'policies', 'masking.yaml'));

/** Each turn's masked view of a chat written as "A: …" / "C: …" lines, the conversation protected as a whole. */
export const maskedTexts = (...lines: string[]): string[] =>
  protectTranscript(textTurns(...lines), shippedMasking).utterances.map((u) => u.masked.text);
