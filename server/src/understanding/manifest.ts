import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';

/**
 * A model folder (`models/<name>/`) holds model.onnx, vocab.json, MODEL_CARD.md and manifest.json. The manifest
 * names every file with its size and sha256; `loadModelDir` reads each file once, checks it against the manifest and
 * hands back the bytes it checked (so what runs is what was verified). The model's hash, recorded with every result,
 * is the sha256 of the manifest, which pins all the files; the manifest itself is pinned by `models.lock.json` beside
 * the model folders (committed: the models are trained from ../shared by `npm run models`, never committed).
 */
export const manifestSchema = z.object({
  format: z.literal(1),
  name: z.string().regex(/^[a-z0-9-]+$/),
  version: z.number().int().positive(),
  task: z.enum(['intent', 'sentiment', 'conduct', 'promise', 'politics', 'refusal']),
  labels: z.array(z.string()).min(2),
  thresholds: z.record(z.string(), z.number()),
  training: z.object({
    command: z.string(),
    seed: z.number().int(),
    data: z.array(z.object({ path: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/) })),
    options: z.record(z.string(), z.unknown()),
  }),
  metrics: z.record(z.string(), z.number()),
  files: z.array(
    z.object({
      path: z.string().regex(/^[A-Za-z0-9_.-]+$/),
      bytes: z.number().int().nonnegative(),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
    }),
  ),
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
export const LOCK_FILE = 'models.lock.json';

/** model name → sha256 of its manifest.json, as this version of the code trains it */
export function readLock(modelsDir: string): Record<string, string> {
  const path = join(modelsDir, LOCK_FILE);
  if (!existsSync(path)) throw new Error(`missing ${path}: the pinned hashes of the models`);
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>;
}

export function loadModelDir(dir: string): LoadedModelDir {
  const name = dir.split('/').filter(Boolean).pop() ?? dir;
  const manifestPath = join(dir, 'manifest.json');
  if (!existsSync(manifestPath))
    throw new ModelIntegrityError(name, `missing ${manifestPath} (run npm run models, or install the model bundle)`);
  const raw = readFileSync(manifestPath);
  let manifest: ModelManifest;
  try {
    manifest = manifestSchema.parse(JSON.parse(raw.toString('utf8')));
  } catch (e) {
    throw new ModelIntegrityError(
      name,
      `manifest.json is not a valid manifest: ${(e as Error).message.split('\n')[0]}`,
    );
  }
  const hash = createHash('sha256').update(raw).digest('hex');
  let pinned: string | undefined;
  try {
    pinned = readLock(dirname(dir))[manifest.name];
  } catch (e) {
    throw new ModelIntegrityError(manifest.name, (e as Error).message);
  }
  if (pinned !== hash)
    throw new ModelIntegrityError(
      manifest.name,
      `manifest.json (sha256 ${hash.slice(0, 12)}…) is not the one ${LOCK_FILE} pins (${pinned ? `${pinned.slice(0, 12)}…` : 'none'}): tampered, or trained by other code (npm run models)`,
    );
  const files: Record<string, Buffer> = {};
  for (const f of manifest.files) {
    const path = join(dir, f.path);
    if (!existsSync(path))
      throw new ModelIntegrityError(manifest.name, `file ${f.path} named in the manifest is missing`);
    const b = readFileSync(path);
    const sum = createHash('sha256').update(b).digest('hex');
    if (b.length !== f.bytes || sum !== f.sha256)
      throw new ModelIntegrityError(
        manifest.name,
        `file ${f.path} does not match its manifest (sha256 ${sum.slice(0, 12)}…, expected ${f.sha256.slice(0, 12)}…): tampered or damaged`,
      );
    files[f.path] = b;
  }
  for (const r of REQUIRED) if (!files[r]) throw new ModelIntegrityError(manifest.name, `manifest does not list ${r}`);
  return { dir, manifest, hash, files };
}
