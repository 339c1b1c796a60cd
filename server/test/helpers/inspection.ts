import { InspectionTranscript, InspectUtterance, tokenize } from '../../src/inspection/transcript';

/** An utterance whose words are spread evenly from `startMs` at `msPerWord` (the last word ends at endMs). */
export function utt(
  seq: number,
  speaker: InspectUtterance['speaker'],
  startMs: number,
  text: string,
  msPerWord = 300,
  extra: Partial<InspectUtterance> = {},
): InspectUtterance {
  const tokens = tokenize(text);
  const times = tokens.map((_, i) => [startMs + i * msPerWord, startMs + (i + 1) * msPerWord - 20] as [number, number]);
  return {
    id: `u${seq}`,
    seq,
    speaker,
    startMs,
    endMs: times.length ? times[times.length - 1][1] : startMs,
    tokens,
    times,
    pii: [],
    ...extra,
  };
}

export function transcript(us: InspectUtterance[], extra: Partial<InspectionTranscript> = {}): InspectionTranscript {
  return {
    conversationId: 'c1',
    channel: 'call',
    queue: 'cards',
    language: 'en',
    durationMs: Math.max(...us.map((u) => u.endMs)),
    utterances: us,
    ...extra,
  };
}
