import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * A model folder (`models/<name>/`) holds model.onnx, vocab.json, MODEL_CARD.md and manifest.json. The manifest
 * names every file with its size and sha256; `loadModelDir` reads each file once, checks it against the manifest and
 * hands back the bytes it checked (so what runs is what was verified). The model's hash, recorded with every result,
 * is the sha256 of the manifest, which pins all the files.
 */
export const manifestSchema = z.object({
  format: z.literal(1),
  name: z.string().regex(/^[a-z0-9-]+$/),
  version: z.number().int().positive(),
  task: z.enum(['intent', 'sentiment']),
  labels: z.array(z.string()).min(2),
  thresholds: z.record(z.string(), z.number()),
  training: z.object({
    command: z.string(),
    seed: z.number().int(),
    data: z.array(z.object({ path: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/) })),
    options: z.record(z.string(), z.unknown()),
  }),
  metrics: z.record(z.string(), z.number()),
  files: z.array(z.object({ path: z.string().regex(/^[A-Za-z0-9_.-]+$/), bytes: z.number().int().nonnegative(), sha256: z.string().regex(/^[0-9a-f]{64}$/) })),
});
export type ModelManifest = z.infer<typeof manifestSchema>;

export class ModelIntegrityError extends Error {
  constructor(
    readonly model: string,
    message: string,
  ) {
    super(`model ${model}: ${message}`);
    this.name = 'ModelIntegrityError';
  }
}

export interface LoadedModelDir {
  dir: string;
  manifest: ModelManifest;
  /** sha256 of manifest.json */
  hash: string;
  files: Record<string, Buffer>;
}

const REQUIRED = ['model.onnx', 'vocab.json'];

export function loadModelDir(dir: string): LoadedModelDir {
  const name = dir.split('/').filter(Boolean).pop() ?? dir;
  const manifestPath = join(dir, 'manifest.json');
  if (!existsSync(manifestPath)) throw new ModelIntegrityError(name, `missing ${manifestPath} (run npm run train:nlu, or install the model bundle)`);
  const raw = readFileSync(manifestPath);
  let manifest: ModelManifest;
  try {
    manifest = manifestSchema.parse(JSON.parse(raw.toString('utf8')));
  } catch (e) {
    throw new ModelIntegrityError(name, `manifest.json is not a valid manifest: ${(e as Error).message.split('\n')[0]}`);
  }
  const files: Record<string, Buffer> = {};
  for (const f of manifest.files) {
    const path = join(dir, f.path);
    if (!existsSync(path)) throw new ModelIntegrityError(manifest.name, `file ${f.path} named in the manifest is missing`);
    const b = readFileSync(path);
    const sum = createHash('sha256').update(b).digest('hex');
    if (b.length !== f.bytes || sum !== f.sha256)
      throw new ModelIntegrityError(manifest.name, `file ${f.path} does not match its manifest (sha256 ${sum.slice(0, 12)}…, expected ${f.sha256.slice(0, 12)}…): tampered or damaged`);
    files[f.path] = b;
  }
  for (const r of REQUIRED) if (!files[r]) throw new ModelIntegrityError(manifest.name, `manifest does not list ${r}`);
  return { dir, manifest, hash: createHash('sha256').update(raw).digest('hex'), files };
}
