/** Decisions and metrics shared by training, `eval:nlu` and the runtime, so all three decide the same way. */

export const UNKNOWN_INTENT = 'unknown';

/** The intent for one probability row: the top class, or `unknown` when it is under the threshold. */
export function decideIntent(
  p: ArrayLike<number>,
  labels: string[],
  threshold: number,
): { intent: string; confidence: number } {
  let best = 0;
  for (let c = 1; c < labels.length; c++) if (p[c] > p[best]) best = c;
  const confidence = p[best];
  return { intent: confidence < threshold ? UNKNOWN_INTENT : labels[best], confidence };
}

export type SentimentLabel = 'negative' | 'neutral' | 'positive';

export const SENTIMENT_LABELS: SentimentLabel[] = ['negative', 'neutral', 'positive'];

/** Probabilities [negative, neutral, positive] → the most probable label. */
export function sentimentLabel(p: ArrayLike<number>): SentimentLabel {
  return p[0] >= p[1] && p[0] >= p[2] ? 'negative' : p[2] >= p[1] ? 'positive' : 'neutral';
}

/** Polarity only (for two-class test data): positive unless negative is more probable. */
export function polarity(p: ArrayLike<number>): 'negative' | 'positive' {
  return p[0] > p[2] ? 'negative' : 'positive';
}

/** p(positive) − p(negative), in [−1, 1] */
export function sentimentScore(p: ArrayLike<number>): number {
  return Math.round((p[2] - p[0]) * 10000) / 10000;
}

export interface IntentMetrics {
  accuracy: number;
  macroF1: number;
  predicted: string[];
  /** the most frequent confusions, true → predicted */
  confusions: Array<{ truth: string; predicted: string; count: number }>;
  perClassF1: Record<string, number>;
}

export function intentMetrics(
  probs: ArrayLike<number>[],
  truth: string[],
  labels: string[],
  threshold: number,
): IntentMetrics {
  const predicted = probs.map((p) => decideIntent(p, labels, threshold).intent);
  const classes = [...new Set([...truth, ...predicted])].sort();
  const tp = new Map<string, number>();
  const fp = new Map<string, number>();
  const fn = new Map<string, number>();
  const conf = new Map<string, number>();
  let ok = 0;
  predicted.forEach((p, i) => {
    const t = truth[i];
    if (p === t) {
      ok++;
      tp.set(t, (tp.get(t) ?? 0) + 1);
    } else {
      fp.set(p, (fp.get(p) ?? 0) + 1);
      fn.set(t, (fn.get(t) ?? 0) + 1);
      const k = `${t}\u0000${p}`;
      conf.set(k, (conf.get(k) ?? 0) + 1);
    }
  });
  const perClassF1: Record<string, number> = {};
  const inTruth = new Set(truth);
  for (const c of classes) {
    if (!inTruth.has(c)) continue;
    const a = tp.get(c) ?? 0;
    const prec = a + (fp.get(c) ?? 0) ? a / (a + (fp.get(c) ?? 0)) : 0;
    const rec = a / (a + (fn.get(c) ?? 0));
    perClassF1[c] = prec + rec ? (2 * prec * rec) / (prec + rec) : 0;
  }
  const f1s = Object.values(perClassF1);
  const confusions = [...conf.entries()]
    .map(([k, count]) => {
      const [t, p] = k.split('\u0000');
      return { truth: t, predicted: p, count };
    })
    .sort((a, b) => b.count - a.count || (a.truth < b.truth ? -1 : a.truth > b.truth ? 1 : 0));
  return {
    accuracy: ok / truth.length,
    macroF1: f1s.reduce((s, x) => s + x, 0) / Math.max(1, f1s.length),
    predicted,
    confusions,
    perClassF1,
  };
}
