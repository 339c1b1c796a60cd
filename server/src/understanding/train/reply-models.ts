import { join, resolve } from 'node:path';
import { type CorpusConversation, readCorpus } from '../../lib/labelled-corpus';
import {
  CONDUCT_MIN_WORDS,
  conductInput,
  hasHan,
  readable,
  readableAny,
  readableZh,
  type Reply,
  replies,
  ZH_MIN_CHARS,
} from '../conduct';
import { buildVocabulary, Featurizer, type FeatureSpec } from '../features';
import { pinned, roundWeightsToFloat16, writeModelDir } from './export';
import { type NetOptions, predict, type SparseNet, trainNet } from './sparse-net';

/**
 * The reply models: each reads an agent's reply with the customer's turn it answers (`../conduct.ts`) and is trained on
 * QA analysts' labels of the verdict sets rather than on a list of phrases — `conduct-en` (a reply negative or
 * dismissive towards the caller), `promise-en` (a promise of returns or of no risk) and `politics-en` (a political
 * view). A conversation labelled fail on the model's rules holds at least one such reply, one labelled pass none: every
 * agent reply of a pass conversation is an `ok` example, every agent reply of a fail conversation a positive one
 * (multiple-instance labels, taken as they are: most of these conversations have one agent reply). The agent's replies
 * in the PII corpora (ordinary service: asking for details, reading them back, confirming) are `ok` examples too, but
 * for two sets kept to measure how often an ordinary reply is read as positive.
 */
/**
 * A model that reads an agent's reply (with the customer's turn it answers) for what QA analysts label against one or
 * more rules: trained on those labels, every reply of a failing conversation a positive example and every reply of a
 * passing one (or of one the analyst passed on every rule) an ok example.
 */
export interface ReplyModelSpec {
  name: string;
  version: number;
  seed: number;
  task: 'conduct' | 'promise' | 'politics' | 'refusal';
  /** the language of the conversations it is trained on and reads (en when not given) */
  language?: 'en' | 'zh';
  /**
   * Multiple-instance rounds: after the first fit, a failing conversation keeps as its positive example only the reply
   * the model reads highest (its other replies, a greeting, a question, are left out), and the model is fitted
   * again; 0 or not given takes every reply of a failing conversation as positive.
   */
  mil?: number;
  /** ['ok', what a positive reply is] */
  labels: [string, string];
  features: FeatureSpec;
  net: NetOptions;
  rules: string[];
  sets: string[];
  ordinary: string[];
  ordinaryHeldOut: string[];
  thresholds: number[];
  /** which replies the model reads (the others are 0) */
  reads: (r: Reply) => boolean;
  /** manifest options beyond the features, the net and the rules */
  options?: Record<string, unknown>;
  /** its model card: what it reads and how (given the threshold), which replies it skips, the sets after it, limits */
  card: { intro: (threshold: number) => string; read: string; after: string; limits: string };
}

/** `conduct-en`: a snub, a brush-off, blame, sarcasm (`agent_negativity`, `dismissive_language`) */
export const CONDUCT = {
  name: 'conduct-en',
  version: 1,
  seed: 11,
  features: { wordNgrams: 2, charMin: 2, charMax: 4, minDf: 2 } satisfies FeatureSpec,
  net: { hidden: 0, epochs: 20, lr: 1, dropout: 0, l2: 1e-4, seed: 1, classWeights: [1, 2] } satisfies NetOptions,
  /** the rules whose labels say how the agent spoke */
  rules: ['agent_negativity', 'dismissive_language'],
  /**
   * The verdict sets trained on: the development sets and the held-out sets up to 25 (each was read, run and fixed
   * against before this model). Sets written after it (held-out 26 on) are not trained on: they measure it.
   */
  sets: ['dev.txt', 'dev-3.txt', 'holdout.txt', ...Array.from({ length: 24 }, (_, i) => `holdout-${i + 2}.txt`)],
  /** PII corpora (`server/eval-data/pii`) whose agent replies are ok examples (a set added later is not) */
  ordinary: [
    'dev-2.txt',
    'dev.txt',
    ...'bcdefghijkl'.split('').map((x) => `holdout-${x}.txt`),
    'holdout.txt',
    'optional-dev.txt',
    'optional-holdout.txt',
  ],
  /** PII corpora whose agent replies are not trained on: they measure false alarms */
  ordinaryHeldOut: ['holdout-m.txt', 'holdout-n.txt'],
  /** decision thresholds tried on the leave-one-set-out predictions; the best is shipped */
  thresholds: [0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7],
  task: 'conduct',
  labels: ['ok', 'dismissive'],
  reads: readable,
  options: { minWords: CONDUCT_MIN_WORDS },
  card: {
    intro: (
      th: number,
    ) => `How likely an agent's reply is to be one a QA analyst marks as negative or dismissive towards the caller:
p(dismissive) of two classes (ok, dismissive). The tone signal reads a reply at or over the threshold
(${th}) as the agent's attitude, beside the phrases it lists, unless the reply shows understanding and acts on it.`,
    after: 'held-out 26 on',
    read: `a reply of fewer than ${CONDUCT_MIN_WORDS} words ("okay", "right", "good afternoon"), one that tells a
  fact (a number, a date, a day, an amount) or one that confirms ("yes, that's right") is not read.`,
    limits: `a brush-off in words
  and a shape none of them has is missed, and a short plain reply to a complaint can read as one. The labels are per
  conversation, so a polite opening in a failing conversation is learned as dismissive too.
- English text only; the tone signal does not use it for other languages.`,
  },
} satisfies ReplyModelSpec;

export const CONDUCT_LABELS = CONDUCT.labels;

/** every verdict set up to held-out `n` (the newer ones measure the model) */
const setsUpTo = (n: number) => [
  'dev.txt',
  'dev-3.txt',
  'holdout.txt',
  ...Array.from({ length: n - 1 }, (_, i) => `holdout-${i + 2}.txt`),
];

/** the fatal phrase rules' models: a false alarm fails a conversation, so a threshold under 0.5 is not tried */
const FATAL_THRESHOLDS = [0.5, 0.55, 0.6, 0.65, 0.7];

/**
 * `promise-en`: an agent's reply that promises a return or no risk ("it'll have doubled", "it always bounces back")
 * as QA analysts label `forbidden_promises` (FCA COBS 4.2: a financial promotion must be fair, clear and not
 * misleading, and must not hide risk), read beside the retail pack's phrases.
 */
export const PROMISE: ReplyModelSpec = {
  name: 'promise-en',
  version: 2,
  seed: 12,
  task: 'promise',
  labels: ['ok', 'promise'],
  features: CONDUCT.features,
  net: CONDUCT.net,
  rules: ['forbidden_promises'],
  // dev-4: promises and views in more shapes, each paired with a reply that declines, warns or tells a fact; dev-5:
  // views paired with replies that inform without declining or giving a number (held-out 46's false alarms); dev-6:
  // warnings about a risky asset and declines that name the vote, each paired with a violation (held-out 48's)
  sets: [...setsUpTo(50), 'dev-4.txt', 'dev-5.txt', 'dev-6.txt'],
  ordinary: CONDUCT.ordinary,
  ordinaryHeldOut: CONDUCT.ordinaryHeldOut,
  thresholds: FATAL_THRESHOLDS,
  reads: readableAny,
  card: {
    intro: (
      th: number,
    ) => `How likely an agent's reply is to be one a QA analyst marks as a promise of returns or of no risk
(\`forbidden_promises\`): p(promise) of two classes (ok, promise). A phrase set with \`read_as: [promise]\` (the retail
pack's \`forbidden_promises\`) matches an agent reply at or over the threshold (${th}), beside the phrases it lists.`,
    after: 'held-out 51 on',
    read: `a reply of one word is not read.`,
    limits: `a promise in words
  and a shape none of them has is missed. The labels are per conversation (most have one agent reply).
- English text only.`,
  },
};

/**
 * `politics-en`: an agent's reply that gives a political view — a party, politician, vote or policy judged — as QA
 * analysts label `political_neutrality` (the Civil Service Code's political impartiality), read beside the
 * government pack's phrases and stance.
 */
export const POLITICS: ReplyModelSpec = {
  ...PROMISE,
  name: 'politics-en',
  seed: 13,
  task: 'politics',
  labels: ['ok', 'political'],
  rules: ['political_neutrality'],
  card: {
    intro: (
      th: number,
    ) => `How likely an agent's reply is to be one a QA analyst marks as a political view (\`political_neutrality\`):
p(political) of two classes (ok, political). A phrase set with \`read_as: [political]\` (the government pack's
\`political_neutrality\`) matches an agent reply at or over the threshold (${th}), beside the phrases and stance it lists.`,
    after: PROMISE.card.after,
    read: PROMISE.card.read,
    limits: `a view in words
  and a shape none of them has is missed. The labels are per conversation (most have one agent reply).
- English text only.`,
  },
};

/** the repository: the manifest pins the sets by their paths in it */
const REPO = resolve(__dirname, '..', '..', '..', '..');
const VERDICTS = 'server/eval-data/verdicts';
const PII = 'server/eval-data/pii';
const VERDICTS_DIR = join(REPO, VERDICTS);
const PII_DIR = join(REPO, PII);

interface Labelled {
  set: string;
  fail: boolean;
  /** the agent's replies */
  turns: Reply[];
  /** no label says how the agent spoke, but the analyst passed every rule labelled: an ok example */
  passedAll?: boolean;
}

/** the agent replies of the PII corpora: all but the held-out ones, or only those */
function ordinaryReplies(spec: ReplyModelSpec, heldOut: boolean): { files: string[]; replies: Reply[] } {
  const files = heldOut ? spec.ordinaryHeldOut : spec.ordinary;
  // the PII corpora name no language: a Mandarin model takes the conversations with Chinese characters (the English
  // models, trained before it, take every conversation: their features hold no Chinese)
  const zh = (c: CorpusConversation) => c.turns.some((t) => hasHan(t.text));
  return {
    files,
    replies: files.flatMap((f) =>
      readCorpus(join(PII_DIR, f))
        .filter((c) => spec.language !== 'zh' || zh(c))
        .flatMap((c) => replies(c.turns)),
    ),
  };
}

/**
 * The labelled conversations of the training sets that carry one of the model's rules, and those with no such label
 * that the analyst passed on every rule labelled (ok examples: an analyst who read the conversation found nothing
 * wrong), with their agent replies.
 */
export function replyConversations(dir = VERDICTS_DIR, spec: ReplyModelSpec = CONDUCT): Labelled[] {
  const out: Labelled[] = [];
  for (const set of spec.sets)
    for (const c of readCorpus(join(dir, set))) {
      if (c.language !== (spec.language ?? 'en')) continue;
      const fail = verdictOf(spec, c);
      const turns = replies(c.turns);
      if (!turns.length) continue;
      if (fail !== undefined) out.push({ set, fail, turns });
      else if (c.labels.length && c.labels.every((l) => l.expected === 'pass'))
        out.push({ set, fail: false, turns, passedAll: true });
    }
  return out;
}

function verdictOf(spec: ReplyModelSpec, c: CorpusConversation): boolean | undefined {
  const l = c.labels.find((x) => spec.rules.includes(x.ruleId));
  return l ? l.expected === 'fail' : undefined;
}

/** fitted on the conversations' replies (`fitOnce`), then again with `mil` rounds of multiple-instance labels */
function fit(
  spec: ReplyModelSpec,
  convs: Labelled[],
  ordinary: Reply[],
): { f: Featurizer; model: SparseNet; vocab: ReturnType<typeof buildVocabulary> } {
  let m = fitOnce(spec, convs, ordinary);
  for (let round = 0; round < (spec.mil ?? 0); round++) {
    const { f, model } = m;
    const keep = convs.map((c) => {
      if (!c.fail || c.turns.length < 2) return c;
      const ps = c.turns.map((t) => predict(model, f.vector(conductInput(t)))[1]);
      return { ...c, turns: [c.turns[ps.indexOf(Math.max(...ps))]] };
    });
    m = fitOnce(spec, keep, ordinary);
  }
  return m;
}

function fitOnce(
  spec: ReplyModelSpec,
  convs: Labelled[],
  ordinary: Reply[],
): { f: Featurizer; model: SparseNet; vocab: ReturnType<typeof buildVocabulary> } {
  const texts = [...convs.flatMap((c) => c.turns), ...ordinary].map(conductInput);
  const ys = [...convs.flatMap((c) => c.turns.map(() => (c.fail ? 1 : 0))), ...ordinary.map(() => 0)];
  const vocab = buildVocabulary(texts, spec.features);
  const f = new Featurizer(vocab);
  const model = roundWeightsToFloat16(
    trainNet(
      texts.map((t) => f.vector(t)),
      ys,
      f.size,
      2,
      spec.net,
    ),
  );
  return { f, model, vocab };
}

/** p(positive) of a reply; a reply the model does not read (too short; for conduct, a fact, a confirmation) is 0 */
const read = (spec: ReplyModelSpec, f: Featurizer, model: SparseNet, r: Reply) =>
  spec.reads(r) ? predict(model, f.vector(conductInput(r)))[1] : 0;

const pct = (x: number) => Math.round(x * 10000) / 100;

export function trainReplyModel(outDir: string, log: (s: string) => void, spec: ReplyModelSpec) {
  const convs = replyConversations(VERDICTS_DIR, spec);
  const ordinary = ordinaryReplies(spec, false);
  const check = ordinaryReplies(spec, true);
  const label = spec.labels[1];
  // leave one set out: each set's conversations scored by a model trained on the others (the figure for a set the
  // model never saw), and the threshold chosen on those scores
  const scored: Array<{ fail: boolean; top: number; passedAll?: boolean }> = [];
  for (const set of spec.sets) {
    const test = convs.filter((x) => x.set === set);
    if (!test.length) continue;
    const { f, model } = fit(
      spec,
      convs.filter((c) => c.set !== set),
      ordinary.replies,
    );
    for (const c of test)
      scored.push({
        fail: c.fail,
        passedAll: c.passedAll,
        top: Math.max(...c.turns.map((t) => read(spec, f, model, t))),
      });
  }
  // the threshold: the best agreement over every conversation scored (the passed-all ones count as ok)
  const agree = (xs: typeof scored, th: number) => xs.filter((s) => s.top >= th === s.fail).length / xs.length;
  const threshold = spec.thresholds.reduce((a, b) => (agree(scored, b) > agree(scored, a) ? b : a));
  const labelled = scored.filter((s) => !s.passedAll);
  const agreement = (th: number) => agree(labelled, th);
  const missed = labelled.filter((s) => s.fail && s.top < threshold).length;
  const falseAlarms = labelled.filter((s) => !s.fail && s.top >= threshold).length;
  const passedAll = scored.filter((s) => s.passedAll);
  const { f, model, vocab } = fit(spec, convs, ordinary.replies);
  const metrics = {
    leave_one_set_out_agreement: pct(agreement(threshold)),
    leave_one_set_out_missed: missed,
    leave_one_set_out_false_alarms: falseAlarms,
    conversations: labelled.length,
    conversations_fail: labelled.filter((c) => c.fail).length,
    passed_all_conversations: passedAll.length,
    [`passed_all_read_${label}_leaving_one_set_out`]: passedAll.filter((s) => s.top >= threshold).length,
    ordinary_replies_trained: ordinary.replies.length,
    ordinary_replies_held_out: check.replies.length,
    [`ordinary_replies_read_${label}`]: check.replies.filter((r) => read(spec, f, model, r) >= threshold).length,
    threshold,
  };
  log(
    `${spec.task}: ${convs.flatMap((c) => c.turns).length} agent replies of ${convs.length} conversations: ${JSON.stringify(metrics)}`,
  );
  const data = [...spec.sets.map((s) => `${VERDICTS}/${s}`), ...ordinary.files.map((s) => `${PII}/${s}`)].map((f) =>
    pinned(REPO, f),
  );
  return writeModelDir(
    join(outDir, spec.name),
    model,
    vocab,
    {
      name: spec.name,
      version: spec.version,
      task: spec.task,
      labels: spec.labels,
      thresholds: { [label]: threshold },
      training: {
        command: 'npm run train:nlu',
        seed: spec.seed,
        data,
        options: {
          features: spec.features,
          net: spec.net,
          rules: spec.rules,
          ordinaryHeldOut: spec.ordinaryHeldOut,
          ...spec.options,
        },
      },
      metrics,
    },
    card(spec, metrics, f.size),
  );
}

function card(spec: ReplyModelSpec, metrics: Record<string, number>, nFeatures: number): string {
  const label = spec.labels[1];
  const zh = spec.language === 'zh';
  return `# ${spec.name} (version ${spec.version})

${spec.card.intro(metrics.threshold)}

- **Input**: ${
    zh
      ? `the agent's reply (consecutive agent turns joined) with its opening formula (greeting, the line's name, staff
  number, 为您服务) taken off; a reply that only asks is not read, and`
      : `the agent's reply (consecutive agent turns joined) and the words of the customer's turn it answers, marked
  as features of their own;`
  } ${spec.card.read}
- **Model**: two-class logistic regression (seeded SGD, ${spec.net.epochs} epochs, L2 ${spec.net.l2}, the ${label} class
  weighted ×${spec.net.classWeights![1]}) over ${nFeatures} TF-IDF features: ${
    spec.features.cjk
      ? `characters and character ${spec.features.charMin}–${spec.features.charMax}-grams inside each stretch between
  punctuation (its first and last characters marked)`
      : `word uni/bigrams and character 2–4-grams inside words, on
  lower-cased unpunctuated text (as a speech engine writes it)`
  }.${
    spec.mil
      ? ` Multiple-instance labels: after a first fit, a failing conversation keeps only the reply the model
  reads highest as its ${label} example, and the model is fitted again (${spec.mil} round).`
      : ''
  }
- **Runtime**: \`model.onnx\` (the graph of intent-banking77, 2 classes) with onnxruntime-node.

## Data
The project's own labelled sets (\`server/eval-data\`, written for this project, under the project's licence):
- verdict sets ${spec.sets.join(', ')}: ${zh ? 'their Mandarin ' : ''}conversations with an ${spec.rules.map((r) => `\`${r}\``).join(' or ')}
  label, ${metrics.conversations}, ${metrics.conversations_fail} of them fail. Every agent reply of a fail conversation is a ${label} example${spec.mil ? ' (in the first fit)' : ''},
  every agent reply of a pass conversation an ok one; and the ${metrics.passed_all_conversations} conversations with no such label that the analyst
  passed on every rule labelled (${zh ? 'a case taken, a question answered' : 'a political question declined, an officer named'}), ok examples;
- the agent replies of the PII corpora but ${spec.ordinaryHeldOut.join(' and ')} (${metrics.ordinary_replies_trained} replies of ordinary service: asking
  for details, reading them back, confirming) as ok examples.
Pinned by sha256 in \`manifest.json\`. Verdict sets written after this model (${spec.card.after}) are not trained on.

## Metrics
Leave one verdict set out: each set scored by a model trained on the others, a conversation read as failing when one
of its agent replies reaches the threshold (chosen on these scores, the passed-all conversations counted as ok;
\`passed_all_read_${label}_leaving_one_set_out\` the false alarms among them). Ordinary replies: the agent replies of
${spec.ordinaryHeldOut.join(' and ')} (not trained on) read as ${label} by the shipped model.
| metric | value |
|---|---|
${Object.entries(metrics)
  .map(([k, v]) => `| ${k} | ${v} |`)
  .join('\n')}

## Limits
- ${metrics.conversations} conversations written by the project's own hands, most with a single agent reply: ${spec.card.limits}
`;
}

/**
 * `refusal-zh`: a Mandarin agent's reply that refuses responsibility — sends the caller elsewhere, hands the work back,
 * says it cannot be done, and takes no case — as QA analysts label `shirking` (不得推诿: 首问负责制, the first agent
 * who takes the call answers for it), read beside the Mandarin pack's phrases. Rude replies in the sets mostly refuse
 * too, so the model also reads many of them; it is not used for the fatal abusive-language rule, whose false alarm
 * fails a conversation.
 */
export const REFUSAL_ZH: ReplyModelSpec = {
  name: 'refusal-zh',
  version: 1,
  seed: 14,
  task: 'refusal',
  language: 'zh',
  mil: 1,
  labels: ['ok', 'refusal'],
  features: { wordNgrams: 1, charMin: 1, charMax: 3, minDf: 2, cjk: true },
  net: CONDUCT.net,
  rules: ['shirking'],
  // every Mandarin verdict set up to held-out 101 (dev-7 and dev-8: the published service taboo phrases); 102 on
  // measure it
  sets: [...setsUpTo(101), 'dev-7.txt', 'dev-8.txt'],
  // the PII corpora with Mandarin conversations; ac and ad (the most Mandarin service) measure false alarms
  ordinary: [
    'dev-2.txt',
    ...'bcdefghijklmnopqrstuwxz'.split('').map((x) => `holdout-${x}.txt`),
    'holdout-aa.txt',
    'holdout-ab.txt',
    'holdout-ae.txt',
  ],
  ordinaryHeldOut: ['holdout-ac.txt', 'holdout-ad.txt'],
  // a weighted rule, not a fatal one, but a false alarm costs a polite agent points: no threshold under 0.5
  thresholds: FATAL_THRESHOLDS,
  reads: readableZh,
  options: { minChars: ZH_MIN_CHARS },
  card: {
    intro: (
      th: number,
    ) => `How likely a Mandarin agent's reply is to be one a QA analyst marks as refusing responsibility (\`shirking\`,
不得推诿): p(refusal) of two classes (ok, refusal). A phrase set with \`read_as: [refusal]\` (the Mandarin government
pack's \`shirking\`) matches an agent reply at or over the threshold (${th}), beside the phrases it lists.`,
    after: 'held-out 102 on',
    read: `a reply of fewer than ${ZH_MIN_CHARS} Chinese characters is not read, nor one without any (a call's pinyin, English).`,
    limits: `a refusal in
  characters and a shape none of them has is missed, and a plain question or a short informal reply can read as one.
  Rudeness and refusal go together in these sets, so a rude reply that takes the case can read as a refusal.
- Mandarin typed text only: a Mandarin call, which the recogniser writes in pinyin, is read by the phrases alone.`,
  },
};

/** the reply models `npm run models` trains, in this order */
export const REPLY_MODELS: ReplyModelSpec[] = [CONDUCT, PROMISE, POLITICS, REFUSAL_ZH];
