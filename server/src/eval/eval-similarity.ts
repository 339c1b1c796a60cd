import fs from 'node:fs';
import path from 'node:path';
import { lexicalPhonetic, type SimilarityModel } from '../inspection/similarity';
import { tokenize } from '../inspection/transcript';

/**
 * `npm run eval:similarity`: precision and recall of the script-adherence similarity model on the project's
 * labelled pairs (policies/qa/eval/similarity-pairs.tsv), at the policies' default threshold and a sweep, overall
 * and by kind (verbatim, ASR errors, paraphrase, different meaning, unrelated).
 */
export interface Pair {
  kind: string;
  label: boolean;
  example: string;
  utterance: string;
}

export const PAIRS_FILE = path.resolve(__dirname, '..', '..', '..', 'policies', 'qa', 'eval', 'similarity-pairs.tsv');

export function loadPairs(file = PAIRS_FILE): Pair[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'))
    .map((l, i) => {
      const [kind, label, example, utterance] = l.split('\t');
      if (!utterance || (label !== '0' && label !== '1'))
        throw new Error(`${file}: line ${i + 1}: expected kind<TAB>0|1<TAB>example<TAB>utterance`);
      return { kind, label: label === '1', example, utterance };
    });
}

export function scorePairs(pairs: Pair[], model: SimilarityModel = lexicalPhonetic): number[] {
  return pairs.map((p) => model.best(model.prepare(p.example), tokenize(p.utterance)).score);
}

export function precisionRecall(pairs: Pair[], scores: number[], threshold: number) {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  pairs.forEach((p, i) => {
    const hit = scores[i] >= threshold;
    if (hit && p.label) tp++;
    else if (hit) fp++;
    else if (p.label) fn++;
  });
  const precision = tp + fp ? tp / (tp + fp) : 1;
  const recall = tp + fn ? tp / (tp + fn) : 1;
  return {
    precision,
    recall,
    f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0,
    tp,
    fp,
    fn,
  };
}

export function reportSimilarity(log: (s: string) => void = console.log) {
  const pairs = loadPairs();
  const scores = scorePairs(pairs);
  log(
    `similarity model ${lexicalPhonetic.id} on ${pairs.length} labelled pairs (${pairs.filter((p) => p.label).length} positive), ${path.relative(process.cwd(), PAIRS_FILE)}:`,
  );
  for (const t of [0.7, 0.75, 0.8, 0.85, 0.9]) {
    const r = precisionRecall(pairs, scores, t);
    log(
      `  threshold ${t.toFixed(2)}${t === 0.8 ? ' (policy default)' : '                 '}: precision ${(r.precision * 100).toFixed(1)} %  recall ${(r.recall * 100).toFixed(1)} %  F1 ${(r.f1 * 100).toFixed(1)} %  (tp ${r.tp}, fp ${r.fp}, fn ${r.fn})`,
    );
  }
  const kinds = [...new Set(pairs.map((p) => p.kind))];
  log('  at 0.80, by kind (share matched):');
  for (const k of kinds) {
    const idx = pairs.map((p, i) => (p.kind === k ? i : -1)).filter((i) => i >= 0);
    const hit = idx.filter((i) => scores[i] >= 0.8).length;
    log(`    ${k.padEnd(10)} ${hit}/${idx.length} matched${pairs[idx[0]].label ? '' : ' (should be 0)'}`);
  }
  return { pairs, scores };
}

if (require.main === module) reportSimilarity();
