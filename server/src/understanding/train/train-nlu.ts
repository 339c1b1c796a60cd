import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildVocabulary, Featurizer, type FeatureSpec, type Vocabulary } from '../features';
import { decideIntent, intentMetrics, polarity, SENTIMENT_LABELS, sentimentLabel, UNKNOWN_INTENT } from '../metrics';
import {
  dataDir,
  type Example,
  loadBanking77,
  loadClinc150,
  loadSentiment,
  loadValenceLexicon,
  stratifiedSplit,
} from './data';
import { json, pinned, roundWeightsToFloat16, sha256, writeModelDir } from './export';
import { loadModelDir, LOCK_FILE, readLock } from '../manifest';
import { REPLY_MODELS, trainReplyModel } from './reply-models';
import { mulberry32, type NetOptions, predict, shuffle, type SparseNet, trainNet } from './sparse-net';

/**
 * `npm run train:nlu`: trains the project's own language models from the open datasets and writes them to
 * `models/intent-banking77/` and `models/sentiment-en/` (ONNX + vocabulary + model card + manifest). Seeded and
 * sequential: two runs write byte-identical files.
 */

export const INTENT = {
  name: 'intent-banking77',
  version: 4,
  seed: 77,
  valFraction: 0.1,
  features: {
    wordNgrams: 2,
    charMin: 2,
    charMax: 5,
    minDf: 2,
    crossChar: [3, 5],
    skipBigrams: true,
  } satisfies FeatureSpec,
  net: { hidden: 0, epochs: 20, lr: 2, dropout: 0, l2: 0, seed: 1 } satisfies NetOptions,
  /** out-of-scope examples per CLINC150 intent outside banking and credit cards */
  unknownPerIntent: 20,
  /**
   * Out-of-scope calibration on the validation split (in-scope queries only; CLINC150's out-of-scope validation
   * queries are for measuring, never for choosing): the `unknown` logit is lowered by the smallest offset that costs
   * in-scope accuracy at most this much against the same model never answering `unknown`, then the largest
   * probability threshold that costs at most this much more.
   */
  maxAccuracyCost: 0.001,
};

export const SENTIMENT = {
  name: 'sentiment-en',
  version: 4,
  seed: 7,
  valFraction: 0.1,
  features: { wordNgrams: 2, charMin: 2, charMax: 5, minDf: 1 } satisfies FeatureSpec,
  lexiconScale: 1,
  net: { hidden: 0, epochs: 20, lr: 1, dropout: 0, l2: 1e-3, seed: 1 } satisfies NetOptions,
  /** neutral examples: task-oriented CLINC150 queries (requests without an opinion), this many */
  neutralExamples: 1000,
};

export const UNKNOWN = UNKNOWN_INTENT;

function fit(
  train: Example[],
  labels: string[],
  spec: FeatureSpec,
  net: NetOptions,
  lexicon?: Vocabulary['lexicon'],
): { vocab: Vocabulary; f: Featurizer; model: SparseNet } {
  const vocab = buildVocabulary(
    train.map((e) => e.text),
    spec,
    lexicon,
  );
  const f = new Featurizer(vocab);
  const xs = train.map((e) => f.vector(e.text));
  const ys = train.map((e) => {
    const i = labels.indexOf(e.label);
    if (i < 0) throw new Error(`unknown label ${e.label}`);
    return i;
  });
  return { vocab, f, model: roundWeightsToFloat16(trainNet(xs, ys, f.size, labels.length, net)) };
}

/** Accuracy of argmax decisions after lowering class `lowered`'s log-probability by `offset`. */
function offsetAccuracy(probs: Float64Array[], truth: number[], lowered: number, offset: number): number {
  let ok = 0;
  probs.forEach((p, i) => {
    let best = 0;
    let bestScore = -Infinity;
    for (let c = 0; c < p.length; c++) {
      const s = Math.log(p[c]) - (c === lowered ? offset : 0);
      if (s > bestScore) [best, bestScore] = [c, s];
    }
    if (best === truth[i]) ok++;
  });
  return ok / probs.length;
}

const pct = (x: number) => Math.round(x * 10000) / 100;

export function trainIntent(outDir: string, log: (s: string) => void) {
  const dir = dataDir();
  const banking = loadBanking77(dir);
  const clinc = loadClinc150(dir);
  const { train, val } = stratifiedSplit(banking, INTENT.valFraction, INTENT.seed);
  const bankDomains = new Set([...clinc.domains.banking, ...clinc.domains.credit_cards]);
  const rand = mulberry32(INTENT.seed);
  const byIntent = new Map<string, string[]>();
  for (const e of clinc.train)
    if (!bankDomains.has(e.label)) (byIntent.get(e.label) ?? byIntent.set(e.label, []).get(e.label)!).push(e.text);
  const unknown: Example[] = [];
  for (const intent of [...byIntent.keys()].sort())
    for (const text of shuffle([...byIntent.get(intent)!], rand).slice(0, INTENT.unknownPerIntent))
      unknown.push({ text, label: UNKNOWN });
  for (const text of clinc.oosTrain) unknown.push({ text, label: UNKNOWN });
  const labels = [...[...new Set(banking.map((e) => e.label))].sort(), UNKNOWN];
  log(
    `intent: ${train.length} banking77 + ${unknown.length} out-of-scope training examples, ${val.length} validation, ${labels.length} classes`,
  );
  const { vocab, f, model } = fit([...train, ...unknown], labels, INTENT.features, INTENT.net);

  // out-of-scope calibration: lower the unknown logit (baked into the bias) until in-scope accuracy is within
  // maxAccuracyCost of a model that never answers unknown, then the largest threshold within the same budget
  const U = labels.indexOf(UNKNOWN);
  const valVectors = val.map((e) => f.vector(e.text));
  const rawProbs = valVectors.map((x) => predict(model, x));
  const truth = val.map((e) => labels.indexOf(e.label));
  const closedSet = offsetAccuracy(rawProbs, truth, U, Infinity);
  let unknownOffset = 0;
  while (unknownOffset < 8 && offsetAccuracy(rawProbs, truth, U, unknownOffset) < closedSet - INTENT.maxAccuracyCost)
    unknownOffset += 0.25;
  model.b1[U] -= unknownOffset;
  const valProbs = valVectors.map((x) => predict(model, x));
  const valTruth = val.map((e) => e.label);
  const base = intentMetrics(valProbs, valTruth, labels, 0).accuracy;
  let threshold = 0;
  for (let t = 0.01; t < 0.9; t += 0.01) {
    const tt = Math.round(t * 100) / 100;
    if (intentMetrics(valProbs, valTruth, labels, tt).accuracy >= base - INTENT.maxAccuracyCost) threshold = tt;
  }
  const m = intentMetrics(valProbs, valTruth, labels, threshold);
  const oosProbs = clinc.oosVal.map((t) => predict(model, f.vector(t)));
  const flagged = (ps: Float64Array[]) =>
    ps.filter((p) => decideIntent(p, labels, threshold).intent === UNKNOWN).length;
  const oosHit = flagged(oosProbs);
  const inFlagged = m.predicted.filter((p) => p === UNKNOWN).length;
  const otherVal = clinc.val.filter((e) => !bankDomains.has(e.label));
  const otherHit = flagged(otherVal.map((e) => predict(model, f.vector(e.text))));
  const metrics = {
    val_accuracy: pct(m.accuracy),
    val_accuracy_without_threshold: pct(base),
    val_accuracy_closed_set: pct(closedSet),
    val_macro_f1: pct(m.macroF1),
    oos_recall_clinc150_val: pct(oosHit / clinc.oosVal.length),
    oos_precision_clinc150_val_vs_banking77_val: pct(oosHit / Math.max(1, oosHit + inFlagged)),
    out_of_domain_recall_clinc150_val: pct(otherHit / otherVal.length),
    threshold,
    unknown_logit_offset: unknownOffset,
  };
  log(`intent: ${JSON.stringify(metrics)}`);
  const data = [
    'datasets/banking77/train.csv',
    'datasets/clinc150/train_val.json',
    'datasets/clinc150/domains.json',
  ].map((p) => pinned(dir, p));
  const card = intentCard(metrics, train.length, val.length, unknown.length, f.size);
  return writeModelDir(
    join(outDir, INTENT.name),
    model,
    vocab,
    {
      name: INTENT.name,
      version: INTENT.version,
      task: 'intent',
      labels,
      thresholds: { unknown: threshold },
      training: {
        command: 'npm run train:nlu',
        seed: INTENT.seed,
        data,
        options: {
          features: INTENT.features,
          net: INTENT.net,
          valFraction: INTENT.valFraction,
          unknownPerIntent: INTENT.unknownPerIntent,
        },
      },
      metrics,
    },
    card,
  );
}

/**
 * The sentiment data as training and evaluation both split it: the review sentences by source, and neutral examples
 * (CLINC150 training queries: asking, not judging; a seeded sample), 10 % of each held out.
 */
export function sentimentSplits(dir = dataDir()): { neutral: Example[]; train: Example[]; val: Example[] } {
  const byDomain = loadSentiment(dir);
  const neutral = shuffle(
    loadClinc150(dir).train.map((e) => ({ text: e.text, label: 'neutral' })),
    mulberry32(SENTIMENT.seed),
  ).slice(0, SENTIMENT.neutralExamples);
  const splits = [
    ...Object.keys(byDomain)
      .sort()
      .map((d) => byDomain[d]),
    neutral,
  ].map((xs, i) => stratifiedSplit(xs, SENTIMENT.valFraction, SENTIMENT.seed + i));
  return { neutral, train: splits.flatMap((x) => x.train), val: splits.flatMap((x) => x.val) };
}

export function trainSentiment(outDir: string, log: (s: string) => void) {
  const dir = dataDir();
  const byDomain = loadSentiment(dir);
  const lexicon = { scale: SENTIMENT.lexiconScale, words: loadValenceLexicon() };
  const labels = SENTIMENT_LABELS;
  const { neutral, train, val } = sentimentSplits(dir);
  const polarityAcc = (f: Featurizer, model: SparseNet, xs: Example[]) =>
    xs.filter((e) => polarity(predict(model, f.vector(e.text))) === e.label).length / xs.length;
  // cross-domain: trained on one review source (and the neutral queries), measured on the other source
  const cross: Record<string, number> = {};
  for (const [a, b] of [
    ['amazon', 'yelp'],
    ['yelp', 'amazon'],
  ] as const) {
    const { f, model } = fit([...byDomain[a], ...neutral], labels, SENTIMENT.features, SENTIMENT.net, lexicon);
    cross[`cross_domain_${a}_to_${b}`] = pct(polarityAcc(f, model, byDomain[b]));
  }
  const { vocab, f, model } = fit(train, labels, SENTIMENT.features, SENTIMENT.net, lexicon);
  const valReviews = val.filter((e) => e.label !== 'neutral');
  const metrics = {
    val_accuracy_3_class: pct(
      val.filter((e) => sentimentLabel(predict(model, f.vector(e.text))) === e.label).length / val.length,
    ),
    val_polarity_accuracy_reviews: pct(polarityAcc(f, model, valReviews)),
    ...cross,
  };
  log(`sentiment: ${train.length} training, ${val.length} validation: ${JSON.stringify(metrics)}`);
  const data = [
    ...[
      'datasets/sentiment-en/amazon_cells_labelled.txt',
      'datasets/sentiment-en/yelp_labelled.txt',
      'datasets/clinc150/train_val.json',
    ].map((p) => pinned(dir, p)),
    {
      path: 'npm:vader-sentiment@1.1.3/vader_lexicon.txt',
      sha256: sha256(readFileSync(require.resolve('vader-sentiment/vader_lexicon.txt'))),
    },
  ];
  return writeModelDir(
    join(outDir, SENTIMENT.name),
    model,
    vocab,
    {
      name: SENTIMENT.name,
      version: SENTIMENT.version,
      task: 'sentiment',
      labels,
      thresholds: {},
      training: {
        command: 'npm run train:nlu',
        seed: SENTIMENT.seed,
        data,
        options: {
          features: SENTIMENT.features,
          net: SENTIMENT.net,
          lexiconScale: SENTIMENT.lexiconScale,
          valFraction: SENTIMENT.valFraction,
          neutralExamples: SENTIMENT.neutralExamples,
        },
      },
      metrics,
    },
    sentimentCard(metrics, train.length, val.length, f.size),
  );
}

function table(metrics: Record<string, number>): string {
  return Object.entries(metrics)
    .map(([k, v]) => `| ${k} | ${v} |`)
    .join('\n');
}

function intentCard(
  metrics: Record<string, number>,
  nTrain: number,
  nVal: number,
  nUnknown: number,
  nFeatures: number,
): string {
  return `# intent-banking77 (version ${INTENT.version})

Classifies what a caller or customer asks for into one of the 77 BANKING77 intents, or \`unknown\` when the request is
out of scope for a retail-bank hotline.

- **Model**: multinomial logistic regression (trained here with seeded SGD, ${INTENT.net.epochs} epochs) over ${nFeatures}
  TF-IDF features: word unigrams, bigrams and skip-bigrams ("my _ card"), character 2–5-grams inside words and
  character 3–5-grams across word boundaries, on lower-cased unpunctuated text (as a speech engine writes it).
  78 classes: the 77 intents and \`unknown\`. Weights stored as float16.
- **Out of scope**: \`unknown\` is learned from ${nUnknown} CLINC150 training queries (${INTENT.unknownPerIntent} per intent of
  the domains other than banking and credit cards, and CLINC150's out-of-scope training queries). Calibrated on the
  validation split's in-scope queries only: the \`unknown\` logit is lowered by ${metrics.unknown_logit_offset} (the smallest
  offset costing at most ${INTENT.maxAccuracyCost * 100} points against never answering \`unknown\`), and a top probability
  under ${metrics.threshold} also answers \`unknown\` (the largest threshold costing at most ${INTENT.maxAccuracyCost * 100} points more).
- **Runtime**: \`model.onnx\` (Gather → Cast → Mul → ReduceSum → Add → Softmax; input indices int64 [batch, terms],
  values float [batch, terms]; output probabilities [batch, 78]) with onnxruntime-node; features from \`vocab.json\`.

## Data and licences
- BANKING77 training set (Casanueva et al., 2020, *Efficient Intent Detection with Dual Sentence Encoders*),
  PolyAI, licensed **CC BY 4.0**. ${nTrain} queries trained on, ${nVal} held out as the validation split (10 % of each
  intent, seeded). The official test set is not used here.
- CLINC150 (Larson et al., 2019, *An Evaluation Dataset for Intent Classification and Out-of-Scope Prediction*),
  licensed **CC BY 3.0**: training queries as out-of-scope examples; its validation out-of-scope queries only for
  measurement.
- No changes were made to either dataset; the files used are pinned by sha256 in \`manifest.json\`.

## Training
\`npm run train:nlu\` (needs \`HOTLINE_DATA_DIR\` pointing at the folder holding \`datasets/\`). Deterministic: two runs
write byte-identical files.

## Metrics (validation split, measured by the training run; \`npm run eval:nlu\` re-measures through onnxruntime)
| metric | value |
|---|---|
${table(metrics)}

## Limits
- Below the 93.7 % target that a fine-tuned BERT sets; no pre-trained language knowledge is used (every weight comes
  from the data above), so paraphrases with words never seen in training are weak.
- Trained on typed English queries; ASR text from 8 kHz calls has recognition errors the features only partly absorb.
`;
}

function sentimentCard(metrics: Record<string, number>, nTrain: number, nVal: number, nFeatures: number): string {
  return `# sentiment-en (version ${SENTIMENT.version})

Sentiment of one utterance: negative / neutral / positive (the most probable of three classes), with a score in
[−1, 1] (p(positive) − p(negative)).

- **Model**: three-class logistic regression (seeded SGD, ${SENTIMENT.net.epochs} epochs, L2 ${SENTIMENT.net.l2}) over ${nFeatures} features:
  TF-IDF word uni/bigrams and character 2–5-grams on lower-cased unpunctuated text, plus two lexicon features
  (summed negative and positive valence of the words, flipped after a negation, weighted by VADER's "but" rule) that carry sentiment across domains.
- **Runtime**: \`model.onnx\` (same graph as intent-banking77, 3 classes) with onnxruntime-node; features and the
  lexicon's words from \`vocab.json\`.

## Data and licences
- UCI *Sentiment Labelled Sentences* (Kotzias, Denil, de Freitas, Smyth, KDD 2015), doi:10.24432/C57604, licensed
  **CC BY 4.0**: the amazon and yelp sentences. ${nTrain} trained on, ${nVal} held out (10 % per source and label, seeded).
  Unchanged; pinned by sha256 in \`manifest.json\`.
- Neutral: ${SENTIMENT.neutralExamples} CLINC150 training queries (Larson et al., 2019, **CC BY 3.0**), a seeded sample:
  requests that state no opinion, as most turns of a call do.
- VADER sentiment lexicon (Hutto & Gilbert, ICWSM 2014), MIT licence, as shipped in the npm package
  \`vader-sentiment\` 1.1.3 (Apache-2.0, © Comcast): word valences only.

## Training
\`npm run train:nlu\`. Deterministic: two runs write byte-identical files.

## Metrics
| metric | value |
|---|---|
${table(metrics)}

\`val_polarity_accuracy_reviews\` and \`cross_domain_a_to_b\` decide positive vs negative only (the test data has two
classes). \`cross_domain_a_to_b\`: a model trained the same way on source a only (plus the neutral queries), measured
on source b: the check for other domains; the shipped model is trained on both.

## Limits
- Neutral is learned from typed requests, not from calls; a plain statement with a strongly valenced word can still
  lean one way.
- Review sentences, not calls: the escalation signal adds call-specific anger words and trend rules on top.
`;
}

/**
 * `npm run models` (`--if-needed`): trains only when a model is missing or does not verify. After training into the
 * models folder, the manifests must match `models.lock.json` (what this code trains, byte for byte); `--update-lock`
 * rewrites the lock after an intended change.
 */
function main() {
  const args = process.argv.slice(2);
  const positional = args.filter((a) => !a.startsWith('--'));
  const out = resolve(positional[0] ?? join(__dirname, '../../../../models'));
  const log = (s: string) => console.log(s);
  if (args.includes('--if-needed')) {
    try {
      for (const name of [INTENT.name, SENTIMENT.name, ...REPLY_MODELS.map((s) => s.name)])
        loadModelDir(join(out, name));
      log(`models in ${out} verified against ${LOCK_FILE}; nothing to train`);
      return;
    } catch (e) {
      log(`${(e as Error).message}: training`);
    }
  }
  const t0 = Date.now();
  const trained = [
    trainIntent(out, log),
    trainSentiment(out, log),
    ...REPLY_MODELS.map((spec) => trainReplyModel(out, log, spec)),
  ];
  for (const m of trained) for (const f of m.files) log(`${m.name}/${f.path}  ${f.bytes} bytes  sha256 ${f.sha256}`);
  log(`trained in ${((Date.now() - t0) / 1000).toFixed(1)} s → ${out}`);
  const hashes = Object.fromEntries(
    trained.map((m) => [m.name, sha256(readFileSync(join(out, m.name, 'manifest.json')))]),
  );
  if (args.includes('--update-lock')) {
    writeFileSync(join(out, LOCK_FILE), json(hashes));
    log(`${LOCK_FILE} updated`);
    return;
  }
  if (positional[0]) return; // trained elsewhere (a test, a bundle build): the caller compares
  const lock = readLock(out);
  const off = Object.entries(hashes).filter(([n, h]) => lock[n] !== h);
  if (off.length) {
    console.error(
      `trained ${off.map(([n]) => n).join(', ')} differ from ${LOCK_FILE}; if the change is intended, run with --update-lock and commit the lock`,
    );
    process.exit(1);
  }
}

if (require.main === module) main();
