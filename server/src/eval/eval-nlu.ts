import path from 'node:path';
import { LanguageModels } from '../understanding/classifier';
import { reportSimilarity } from './eval-similarity';
import { intentMetrics, polarity, sentimentLabel, UNKNOWN_INTENT } from '../understanding/metrics';
import { INTENT, sentimentSplits } from '../understanding/train/train-nlu';
import { loadBanking77, loadClinc150, stratifiedSplit } from '../understanding/train/data';

/**
 * `npm run eval:nlu`: the shipped models (verified, through onnxruntime-node, as the worker runs them) on the
 * validation splits the training held out: intent accuracy, macro-F1 and the most frequent confusions on BANKING77;
 * out-of-scope precision/recall on CLINC150 val (its out-of-scope queries, against the BANKING77 validation queries
 * as in-scope); sentiment accuracy. HOTLINE_DATA_DIR names the datasets' folder.
 */
async function main() {
  const modelsDir = process.env.HOTLINE_MODELS_DIR ?? path.resolve(__dirname, '..', '..', '..', 'models');
  const nlu = await LanguageModels.load(modelsDir);
  console.log(`models: ${JSON.stringify(nlu.ids)}`);
  const im = nlu.intentModel.manifest;
  const threshold = im.thresholds.unknown ?? 0;

  const { val } = stratifiedSplit(loadBanking77(), INTENT.valFraction, INTENT.seed);
  const probs = await nlu.intentModel.probabilities(val.map((e) => e.text));
  const m = intentMetrics(
    probs,
    val.map((e) => e.label),
    im.labels,
    threshold,
  );
  const m0 = intentMetrics(
    probs,
    val.map((e) => e.label),
    im.labels,
    0,
  );
  console.log(`\nintent (BANKING77 validation split, ${val.length} queries, ${im.labels.length - 1} intents):`);
  console.log(
    `  accuracy ${(m.accuracy * 100).toFixed(2)} %   macro-F1 ${(m.macroF1 * 100).toFixed(2)} %   (threshold ${threshold}; without it: accuracy ${(m0.accuracy * 100).toFixed(2)} %)`,
  );
  const unknownIn = m.predicted.filter((p) => p === UNKNOWN_INTENT).length;
  console.log(`  in-scope queries answered unknown: ${unknownIn}`);
  console.log('  most frequent confusions (true → predicted: count):');
  for (const c of m.confusions.slice(0, 10)) console.log(`    ${c.truth} → ${c.predicted}: ${c.count}`);
  const worst = Object.entries(m.perClassF1)
    .sort((a, b) => a[1] - b[1])
    .slice(0, 5);
  console.log(`  weakest intents (F1): ${worst.map(([k, v]) => `${k} ${(v * 100).toFixed(1)}`).join(', ')}`);

  const clinc = loadClinc150();
  const oos = await nlu.intents(clinc.oosVal);
  const tp = oos.filter((r) => r.intent === UNKNOWN_INTENT).length;
  const recall = tp / clinc.oosVal.length;
  const precision = tp / Math.max(1, tp + unknownIn);
  console.log(
    `\nout of scope (CLINC150 val: ${clinc.oosVal.length} out-of-scope queries vs the ${val.length} in-scope validation queries):`,
  );
  console.log(
    `  recall ${(recall * 100).toFixed(1)} %   precision ${(precision * 100).toFixed(1)} %   F1 ${(((2 * precision * recall) / Math.max(1e-9, precision + recall)) * 100).toFixed(1)} %`,
  );
  const bank = new Set([...clinc.domains.banking, ...clinc.domains.credit_cards]);
  const other = clinc.val.filter((e) => !bank.has(e.label));
  const otherR = await nlu.intents(other.map((e) => e.text));
  console.log(
    `  other CLINC150 domains' val queries (${other.length}) answered unknown: ${((otherR.filter((r) => r.intent === UNKNOWN_INTENT).length / other.length) * 100).toFixed(1)} %`,
  );

  const sval = sentimentSplits().val;
  const sp = await nlu.sentimentModel.probabilities(sval.map((e) => e.text));
  const acc3 = sval.filter((e, i) => sentimentLabel(sp[i]) === e.label).length / sval.length;
  const reviews = sval.map((e, i) => ({ e, p: sp[i] })).filter((x) => x.e.label !== 'neutral');
  const accPol = reviews.filter((x) => polarity(x.p) === x.e.label).length / reviews.length;
  const lower = await nlu.sentimentModel.probabilities(
    reviews.map((x) => x.e.text.toLowerCase().replace(/[^a-z0-9' ]+/g, ' ')),
  );
  const accLower = reviews.filter((x, i) => polarity(lower[i]) === x.e.label).length / reviews.length;
  console.log(
    `\nsentiment (validation split: ${reviews.length} review sentences + ${sval.length - reviews.length} neutral queries):`,
  );
  console.log(
    `  3-class accuracy ${(acc3 * 100).toFixed(1)} %   polarity accuracy on reviews ${(accPol * 100).toFixed(1)} %   same, lower-cased and unpunctuated ${(accLower * 100).toFixed(1)} %`,
  );
  const sm = nlu.sentimentModel.manifest.metrics;
  console.log(
    `  cross-domain (from the training run, model card): amazon→yelp ${sm.cross_domain_amazon_to_yelp} %, yelp→amazon ${sm.cross_domain_yelp_to_amazon} %`,
  );
  console.log('');
  reportSimilarity();
  await nlu.release();
}

main().catch((e) => {
  console.error((e as Error).message);
  process.exit(1);
});
