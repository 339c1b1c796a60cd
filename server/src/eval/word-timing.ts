import { decodeWav, inspectWav } from '../speech/audio/wav';
import type { GroundTruthTurn } from '../synth/render';

const FRAME_MS = 10;
/** mean absolute sample value of a 10 ms frame above which the frame carries voice (the calls have digital silence) */
const VOICED = 300;

/**
 * How far the transcript's word times sit from the voice in the audio: for each scripted turn, the first recognised
 * word's start on that channel minus the turn's voice onset (the first voiced 10 ms frame of the rendered turn).
 * Positive: the words are stamped late. Silencing, playback and evidence all stand on these times.
 */
export function onsetLags(
  wav: Buffer,
  turns: GroundTruthTurn[],
  utterances: Array<{ channel: number; startMs: number; endMs: number; words: Array<{ startMs: number }> }>,
): number[] {
  const info = inspectWav(wav);
  const pcm = decodeWav(wav, info);
  const perFrame = (info.sampleRate * FRAME_MS) / 1000;
  const voiced = (ch: number, f: number) => {
    let e = 0;
    for (let i = f * perFrame; i < (f + 1) * perFrame; i++) e += Math.abs(pcm[ch][i] ?? 0);
    return e / perFrame > VOICED;
  };
  const lags: number[] = [];
  for (const t of turns) {
    let onset: number | undefined;
    for (let f = Math.floor(t.startMs / FRAME_MS); f * FRAME_MS < t.endMs; f++)
      if (voiced(t.channel, f)) {
        onset = f * FRAME_MS;
        break;
      }
    const first = utterances.find(
      (u) => u.channel === t.channel && u.endMs > t.startMs - 300 && u.startMs < t.endMs + 300 && u.words.length,
    );
    if (onset !== undefined && first) lags.push(first.words[0].startMs - onset);
  }
  return lags;
}

/** p10 / p50 / p90 of a list, as text */
export function percentiles(xs: number[]): string {
  if (!xs.length) return 'n/a';
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.floor(p * (s.length - 1))];
  return `p10 ${q(0.1)} / p50 ${q(0.5)} / p90 ${q(0.9)} ms (${s.length} turns)`;
}
