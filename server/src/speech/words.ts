import type { RecognizedWord } from './engine';

/**
 * Words from a streaming recogniser's units (BPE pieces joined into words, pinyin initials and finals joined into
 * syllables): a word starts at its first token; it ends where the next begins (less a token's hop), or at most
 * `maxSeconds(text)` after it began; its confidence is the mean token probability.
 */
export function timedWords(
  units: Array<{ text: string; start: number; logp: number[] }>,
  endSeconds: number,
  maxSeconds: (text: string) => number,
): RecognizedWord[] {
  return units.map((w, i) => {
    const next = units[i + 1]?.start ?? endSeconds;
    const end = Math.min(Math.max(w.start + 0.08, next - 0.04), w.start + maxSeconds(w.text));
    const meanLogp = w.logp.reduce((a, b) => a + b, 0) / w.logp.length;
    return {
      word: w.text.toLowerCase(),
      startMs: Math.round(w.start * 1000),
      endMs: Math.round(Math.min(end, endSeconds) * 1000),
      confidence: Math.round(Math.exp(meanLogp) * 1000) / 1000,
    };
  });
}
