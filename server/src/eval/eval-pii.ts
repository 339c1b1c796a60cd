import { detectPii } from '../protection/pii/detect';
import { labelledSet } from '../protection/pii/labelled-set';

/** `npm run eval:pii`: recall and precision per PII type on the labelled set (a finding counts when it overlaps a span of its type). */
export function scorePii(n = 1200) {
  const set = labelledSet(n);
  const per = new Map<string, { tp: number; fn: number; fp: number }>();
  const row = (t: string) => per.get(t) ?? (per.set(t, { tp: 0, fn: 0, fp: 0 }), per.get(t)!);
  const misses: string[] = [];
  for (const s of set) {
    const found = detectPii(s.text);
    for (const span of s.spans) {
      const hit = found.some(
        (f) =>
          f.type === span.type &&
          f.start < span.end &&
          f.end > span.start &&
          f.start <= span.start &&
          f.end >= span.end,
      );
      if (hit) row(span.type).tp++;
      else {
        row(span.type).fn++;
        misses.push(`miss ${span.type} (${s.form})`);
      }
    }
    for (const f of found) {
      if (!s.spans.some((sp) => sp.type === f.type && f.start < sp.end && f.end > sp.start)) {
        row(f.type).fp++;
        misses.push(`false ${f.type} (${s.form})`);
      }
    }
  }
  return { per, misses, sentences: set.length };
}

if (require.main === module) {
  const { per, misses, sentences } = scorePii();
  console.log(`${sentences} labelled sentences (written, grouped, spoken, look-alikes)`);
  console.log(['type', 'spans', 'recall', 'precision'].join('\t'));
  let tp = 0;
  let fn = 0;
  let fp = 0;
  for (const [t, r] of [...per].sort()) {
    tp += r.tp;
    fn += r.fn;
    fp += r.fp;
    console.log(
      [
        t,
        r.tp + r.fn,
        `${((r.tp / Math.max(1, r.tp + r.fn)) * 100).toFixed(1)}%`,
        `${((r.tp / Math.max(1, r.tp + r.fp)) * 100).toFixed(1)}%`,
      ].join('\t'),
    );
  }
  console.log(`all\t${tp + fn}\t${((tp / (tp + fn)) * 100).toFixed(2)}%\t${((tp / (tp + fp)) * 100).toFixed(2)}%`);
  const counts = new Map<string, number>();
  for (const m of misses) counts.set(m, (counts.get(m) ?? 0) + 1);
  for (const [m, c] of counts) console.log(`  ${c}× ${m}`);
}
