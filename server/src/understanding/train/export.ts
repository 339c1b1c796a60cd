import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Vocabulary } from '../features';
import { fromFloat16, type Graph, toFloat16, writeModel } from '../onnx-writer';
import type { ModelManifest } from '../manifest';
import type { SparseNet } from './sparse-net';

/**
 * Rounds the weight matrix to half precision in place (how `model.onnx` stores it, half the bytes), so that the
 * metrics computed while training are those of the exported model.
 */
export function roundWeightsToFloat16(net: SparseNet): SparseNet {
  for (let i = 0; i < net.w1.length; i++) net.w1[i] = fromFloat16(toFloat16(net.w1[i]));
  return net;
}

/**
 * The linear sparse model as ONNX: the input is a batch of TF-IDF vectors as (indices, values) padded to one
 * width; Gather picks each term's weight row (stored as float16, cast to float), the values scale them, ReduceSum
 * adds them up (an embedding bag), then bias and Softmax. The vocabulary stays in `vocab.json`; the features are
 * computed in TypeScript.
 */
export function linearGraph(net: SparseNet, name: string): Graph {
  if (net.hidden) throw new Error('only linear models are exported');
  const C = net.classes;
  return {
    name,
    nodes: [
      { op: 'Gather', inputs: ['weights', 'indices'], outputs: ['rows16'], attributes: [{ name: 'axis', i: 0 }] },
      { op: 'Cast', inputs: ['rows16'], outputs: ['rows'], attributes: [{ name: 'to', i: 1 }] },
      { op: 'Unsqueeze', inputs: ['values', 'axis2'], outputs: ['values3'] },
      { op: 'Mul', inputs: ['rows', 'values3'], outputs: ['scaled'] },
      { op: 'ReduceSum', inputs: ['scaled', 'axis1'], outputs: ['summed'], attributes: [{ name: 'keepdims', i: 0 }] },
      { op: 'Add', inputs: ['summed', 'bias'], outputs: ['logits'] },
      { op: 'Softmax', inputs: ['logits'], outputs: ['probabilities'], attributes: [{ name: 'axis', i: -1 }] },
    ],
    initializers: [
      { name: 'weights', dtype: 'float16', dims: [net.inputs, C], data: Uint16Array.from(net.w1, toFloat16) },
      { name: 'bias', dtype: 'float', dims: [C], data: net.b1 },
      { name: 'axis1', dtype: 'int64', dims: [1], data: BigInt64Array.from([1n]) },
      { name: 'axis2', dtype: 'int64', dims: [1], data: BigInt64Array.from([2n]) },
    ],
    inputs: [
      { name: 'indices', dtype: 'int64', shape: ['batch', 'terms'] },
      { name: 'values', dtype: 'float', shape: ['batch', 'terms'] },
    ],
    outputs: [{ name: 'probabilities', dtype: 'float', shape: ['batch', C] }],
  };
}

export function sha256(b: Buffer | string): string {
  return createHash('sha256').update(b).digest('hex');
}

/** A data file as the manifest pins it: its path under `dir` and its sha256. */
export function pinned(dir: string, path: string): { path: string; sha256: string } {
  return { path, sha256: sha256(readFileSync(join(dir, path))) };
}

/** Stable JSON (keys in the order given, two-space indent, trailing newline) so files are byte-identical per run. */
export function json(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}

/** Writes model.onnx, vocab.json, the model card and the manifest (with every file's sha256) into `dir`. */
export function writeModelDir(
  dir: string,
  net: SparseNet,
  vocab: Vocabulary,
  manifest: Omit<ModelManifest, 'files' | 'format'>,
  card: string,
): ModelManifest {
  mkdirSync(dir, { recursive: true });
  const files: Record<string, Buffer> = {
    'model.onnx': writeModel(linearGraph(net, manifest.name), {
      producer: 'hotline-train-nlu',
      version: String(manifest.version),
    }),
    'vocab.json': Buffer.from(json(vocab)),
    'MODEL_CARD.md': Buffer.from(card),
  };
  const full: ModelManifest = {
    format: 1,
    ...manifest,
    files: Object.entries(files).map(([path, b]) => ({ path, bytes: b.length, sha256: sha256(b) })),
  };
  for (const [path, b] of Object.entries(files)) writeFileSync(join(dir, path), b);
  writeFileSync(join(dir, 'manifest.json'), json(full));
  return full;
}
