import { align } from '../lib/align';
import type { RecognizedWord } from './engine';

/**
 * Word-level voting between several transcripts of the same audio (ROVER, Fiscus 1997): the hypotheses are aligned
 * one after another into a network of slots (a slot holds each hypothesis's word there, or nothing), and each slot
 * keeps the word most hypotheses agree on — nothing, where most heard nothing. A tie goes to the earliest hypothesis
 * among those tied. The kept word takes its times from the first hypothesis that voted for it; its confidence is
 * the voters' summed confidence over the number of hypotheses (agreement and certainty in one figure).
 */
export function voteWords(hyps: RecognizedWord[][]): RecognizedWord[] {
  const n = hyps.length;
  if (n === 0) return [];
  if (n === 1) return hyps[0];
  type Slot = Array<RecognizedWord | null>;
  let slots: Slot[] = hyps[0].map((w) => [w, ...Array<null>(n - 1).fill(null)]);
  for (let k = 1; k < n; k++) {
    const h = hyps[k];
    // a word matches a slot where any earlier hypothesis put the same word
    const steps = align(slots.length, h.length, (i, j) => slots[i].some((x) => x?.word === h[j].word));
    slots = steps.map((step) => {
      if (step.j === undefined) return slots[step.i];
      const s: Slot = step.i === undefined ? Array<null>(n).fill(null) : slots[step.i].slice();
      s[k] = h[step.j];
      return s;
    });
  }
  const result: RecognizedWord[] = [];
  for (const slot of slots) {
    const votes = new Map<string, number>();
    for (const w of slot) votes.set(w?.word ?? '', (votes.get(w?.word ?? '') ?? 0) + 1);
    // the first hypothesis's choice wins ties: candidates are visited in hypothesis order
    let best = slot[0]?.word ?? '';
    for (const w of slot) {
      const key = w?.word ?? '';
      if ((votes.get(key) ?? 0) > (votes.get(best) ?? 0)) best = key;
    }
    if (!best) continue;
    const voters = slot.filter((w): w is RecognizedWord => w?.word === best);
    const confidence = voters.reduce((a, w) => a + w.confidence, 0) / n;
    result.push({ ...voters[0], confidence: Math.round(confidence * 1000) / 1000 });
  }
  // times from different hypotheses: keep them in order
  for (let i = 1; i < result.length; i++)
    if (result[i].startMs < result[i - 1].startMs) result[i] = { ...result[i], startMs: result[i - 1].startMs };
  return result;
}
