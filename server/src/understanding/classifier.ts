import { type InferenceSession, ort } from './onnx-runtime';
import { join } from 'node:path';
import type { Reading } from '../entities/utterance';
import { conductInput, readable, readableAny, readableZh, type Reply, replies } from './conduct';
import { Featurizer, type Vocabulary } from './features';
import { loadModelDir, type ModelManifest, ModelIntegrityError } from './manifest';
import { decideIntent, sentimentLabel, type SentimentLabel, sentimentScore } from './metrics';

/**
 * One verified text classifier on onnxruntime-node. The session is created once (per worker) from the bytes the
 * manifest check read, single-threaded (the worker runs jobs side by side), and texts go through it in batches.
 */
export class TextClassifier {
  private constructor(
    readonly manifest: ModelManifest,
    /** sha256 of the manifest, which pins every file */
    readonly hash: string,
    private readonly featurizer: Featurizer,
    private readonly session: InferenceSession,
  ) {}

  static async load(dir: string, threads = 1): Promise<TextClassifier> {
    const m = loadModelDir(dir);
    let vocab: Vocabulary;
    try {
      vocab = JSON.parse(m.files['vocab.json'].toString('utf8')) as Vocabulary;
    } catch (e) {
      throw new ModelIntegrityError(m.manifest.name, `vocab.json is not JSON: ${(e as Error).message}`);
    }
    const featurizer = new Featurizer(vocab);
    let session: InferenceSession;
    try {
      session = await ort.InferenceSession.create(m.files['model.onnx'], {
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
      });
    } catch (e) {
      throw new ModelIntegrityError(m.manifest.name, `onnxruntime cannot load model.onnx: ${(e as Error).message}`);
    }
    return new TextClassifier(m.manifest, m.hash, featurizer, session);
  }

  /** `name@version#hash12`: what a result records as the model that produced it */
  get id(): string {
    return `${this.manifest.name}@${this.manifest.version}#${this.hash.slice(0, 12)}`;
  }

  /** Class probabilities per text, `batchSize` texts per session run. */
  async probabilities(texts: string[], batchSize = 64): Promise<Float32Array[]> {
    const C = this.manifest.labels.length;
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += batchSize) {
      const chunk = texts.slice(i, i + batchSize);
      const b = this.featurizer.batch(chunk);
      const res = await this.session.run({
        indices: new ort.Tensor('int64', b.indices, [chunk.length, b.width]),
        values: new ort.Tensor('float32', b.values, [chunk.length, b.width]),
      });
      const p = res.probabilities.data as Float32Array;
      for (let r = 0; r < chunk.length; r++) out.push(p.slice(r * C, (r + 1) * C));
    }
    return out;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

export interface IntentResult {
  intent: string;
  confidence: number;
}

export interface SentimentResult {
  label: SentimentLabel;
  /** p(positive) − p(negative), in [−1, 1] */
  score: number;
}

/** The conduct model's reading of one agent reply (consecutive agent utterances, `at`). */
export interface ConductResult {
  at: number[];
  /** the reply's words, joined */
  text: string;
  /** the reply reads as negative or dismissive towards the caller */
  dismissive: boolean;
  /** p(dismissive) */
  p: number;
}

/** A reply model's reading of one agent reply (consecutive agent utterances, `at`) at or over its threshold. */
export interface ReadResult {
  at: number[];
  read: Reading;
  p: number;
}

export const MODEL_NAMES = {
  intent: 'intent-banking77',
  sentiment: 'sentiment-en',
  conduct: 'conduct-en',
  promise: 'promise-en',
  politics: 'politics-en',
  refusal: 'refusal-zh',
} as const;

async function loadTask(modelsDir: string, name: string, task: string): Promise<TextClassifier> {
  const m = await TextClassifier.load(join(modelsDir, name));
  if (m.manifest.task !== task) {
    await m.release();
    throw new ModelIntegrityError(m.manifest.name, `is not a${/^[aeiou]/.test(task) ? 'n' : ''} ${task} model`);
  }
  return m;
}

/**
 * The worker's language models: intent, sentiment, the agent's conduct and the two reply readers (promise, politics),
 * verified and loaded once.
 */
export class LanguageModels {
  private constructor(
    readonly intentModel: TextClassifier,
    readonly sentimentModel: TextClassifier,
    readonly conductModel: TextClassifier,
    readonly readers: ReadonlyArray<{ read: Reading; model: TextClassifier; reads: (r: Reply) => boolean }>,
  ) {}

  static async load(modelsDir: string): Promise<LanguageModels> {
    // a model that fails its check leaves no session open behind it: those loaded before it are released
    const loaded: TextClassifier[] = [];
    const take = async (name: string, task: string) => {
      const m = await loadTask(modelsDir, name, task);
      loaded.push(m);
      return m;
    };
    try {
      const intent = await take(MODEL_NAMES.intent, 'intent');
      const sentiment = await take(MODEL_NAMES.sentiment, 'sentiment');
      const conduct = await take(MODEL_NAMES.conduct, 'conduct');
      const promise = await take(MODEL_NAMES.promise, 'promise');
      const politics = await take(MODEL_NAMES.politics, 'politics');
      const refusal = await take(MODEL_NAMES.refusal, 'refusal');
      // the English readers read a reply of two words or more, the Mandarin one a reply of four characters or more
      return new LanguageModels(intent, sentiment, conduct, [
        { read: 'promise', model: promise, reads: readableAny },
        { read: 'political', model: politics, reads: readableAny },
        { read: 'refusal', model: refusal, reads: readableZh },
      ]);
    } catch (e) {
      await Promise.allSettled(loaded.map((m) => m.release()));
      throw e;
    }
  }

  /** model name → id with hash, recorded with every result */
  get ids(): Record<string, string> {
    return {
      intent: this.intentModel.id,
      sentiment: this.sentimentModel.id,
      conduct: this.conductModel.id,
      ...Object.fromEntries(this.readers.map((r) => [r.model.manifest.task, r.model.id])),
    };
  }

  async intents(texts: string[], batchSize = 64): Promise<IntentResult[]> {
    const m = this.intentModel.manifest;
    const t = m.thresholds.unknown ?? 0;
    return (await this.intentModel.probabilities(texts, batchSize)).map((p) => {
      const d = decideIntent(p, m.labels, t);
      return { intent: d.intent, confidence: Math.round(d.confidence * 10000) / 10000 };
    });
  }

  async sentiments(texts: string[], batchSize = 64): Promise<SentimentResult[]> {
    return (await this.sentimentModel.probabilities(texts, batchSize)).map((p) => ({
      label: sentimentLabel(p),
      score: sentimentScore(p),
    }));
  }

  /**
   * The conduct model's reading of each agent reply (consecutive agent utterances joined, read with the customer's
   * turn before): dismissive where p(dismissive) reaches the threshold its training chose. A reply too short, or one
   * that tells a fact or confirms, is not read (`readable`).
   */
  async agentConduct(us: ReadonlyArray<{ speaker: string; text: string }>): Promise<ConductResult[]> {
    const m = this.conductModel.manifest;
    const t = m.thresholds.dismissive ?? 0.5;
    const k = m.labels.indexOf('dismissive');
    const rs = replies(us).filter(readable);
    const ps = await this.conductModel.probabilities(rs.map(conductInput));
    return rs.map((r, i) => ({
      at: r.at,
      text: r.text,
      dismissive: ps[i][k] >= t,
      p: Math.round(ps[i][k] * 10000) / 10000,
    }));
  }

  /**
   * What each agent reply is read as by the reply models (each reads the replies it was trained on: the English ones a
   * reply of two words or more, the Mandarin one a reply of four Chinese characters or more): a reading where p reaches
   * the threshold its training chose (never under 0.5).
   */
  async agentReads(us: ReadonlyArray<{ speaker: string; text: string }>): Promise<ReadResult[]> {
    const all = replies(us);
    // the readers in parallel, their readings in the readers' order
    const read = await Promise.all(
      this.readers.map(async ({ read: as, model, reads }) => {
        const rs = all.filter(reads);
        if (!rs.length) return [];
        const ps = await model.probabilities(rs.map(conductInput));
        const k = model.manifest.labels.length - 1;
        const t = model.manifest.thresholds[model.manifest.labels[k]] ?? 0.5;
        return rs.flatMap((r, i) =>
          ps[i][k] >= t ? [{ at: r.at, read: as, p: Math.round(ps[i][k] * 10000) / 10000 }] : [],
        );
      }),
    );
    return read.flat();
  }

  async release(): Promise<void> {
    await this.intentModel.release();
    await this.sentimentModel.release();
    await this.conductModel.release();
    for (const r of this.readers) await r.model.release();
  }
}

/** Verifies the model folders without loading a session (for /readyz in a process that runs no models). */
export function verifyLanguageModels(modelsDir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [task, name] of Object.entries(MODEL_NAMES)) {
    const m = loadModelDir(join(modelsDir, name));
    out[task] = `${m.manifest.name}@${m.manifest.version}#${m.hash.slice(0, 12)}`;
  }
  return out;
}
