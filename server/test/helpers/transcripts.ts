import type { PlainUtterance } from '../../src/protection/protect-transcript';
import { type InspectionTranscript, toInspectUtterance } from '../../src/inspection/transcript';

/** A text conversation for protection: "A: …" lines are the agent's, the others the customer's, four seconds apart. */
export const textTurns = (...lines: string[]): PlainUtterance[] =>
  lines.map((l, k) => ({
    speaker: l.startsWith('A:') ? 'agent' : 'customer',
    startMs: k * 4000,
    endMs: k * 4000 + 3000,
    text: l.slice(3),
    words: [],
    keyphrases: [],
    confidence: null,
  }));

/**
 * A chat as inspection reads it: [speaker, text, sentiment as the tone signal gives it (0 if left out)], five seconds
 * apart, with the queue and intent the routing and the understanding stage would give.
 */
export function chatTranscript(
  turns: Array<['agent' | 'customer', string, number?]>,
  opts: { queue?: string; intent?: string } = {},
): InspectionTranscript {
  return {
    conversationId: 'c1',
    channel: 'chat',
    ...(opts.queue ? { queue: opts.queue } : {}),
    ...(opts.intent ? { intent: opts.intent } : {}),
    language: 'en',
    durationMs: turns.length * 5000,
    // (as a stored chat message is read: its tokens, and where its sentences start)
    utterances: turns.map(([speaker, text, sentiment], seq) => ({
      ...toInspectUtterance({
        id: `u${seq}`,
        seq,
        speaker,
        startMs: seq * 5000,
        endMs: seq * 5000,
        text,
        words: null,
        pii: [],
      }),
      sentiment: sentiment ?? 0,
    })),
  };
}
