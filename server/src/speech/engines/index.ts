import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../../config';
import { EngineSpec, SpeechEngine } from '../engine';
import { PocketsphinxEngine } from './pocketsphinx';
import { VoskEngine } from './vosk';

export function createEngine(spec: EngineSpec): SpeechEngine {
  if (spec.engine === 'vosk') return new VoskEngine(spec.modelDir);
  return new PocketsphinxEngine({
    modelDir: spec.modelDir,
    lmPath: spec.lmPath,
    domainLm: spec.domainLm,
    keyphrases: spec.keyphrases,
  });
}

/**
 * `auto`: Vosk when the offline model bundle holds a Vosk model (HOTLINE_MODEL_DIR/vosk), else Debian's PocketSphinx.
 */
export function chooseEngine(opts: {
  engine: 'auto' | 'pocketsphinx' | 'vosk';
  modelBundleDir?: string;
  pocketsphinxModel: string;
  pocketsphinxLm?: string;
  domainLm?: { path: string; weight: number };
  keyphrases?: string;
}): EngineSpec {
  const voskDir = opts.modelBundleDir ? path.join(opts.modelBundleDir, 'vosk') : undefined;
  if (opts.engine === 'vosk') {
    if (!voskDir)
      throw new Error(
        'config: HOTLINE_ASR_ENGINE=vosk needs HOTLINE_MODEL_DIR (the offline model bundle holding vosk/)',
      );
    return { engine: 'vosk', modelDir: voskDir };
  }
  if (opts.engine === 'auto' && voskDir && fs.existsSync(path.join(voskDir, 'am', 'final.mdl'))) {
    return { engine: 'vosk', modelDir: voskDir };
  }
  return {
    engine: 'pocketsphinx',
    modelDir: opts.pocketsphinxModel,
    lmPath: opts.pocketsphinxLm,
    domainLm: opts.domainLm,
    keyphrases: opts.keyphrases,
  };
}

/** The engine the worker runs, from configuration (the worker and the benchmark share it). */
export function engineSpecFromConfig(c: Config): EngineSpec {
  return chooseEngine({
    engine: c.HOTLINE_ASR_ENGINE,
    modelBundleDir: c.HOTLINE_MODEL_DIR,
    pocketsphinxModel: c.HOTLINE_POCKETSPHINX_MODEL,
    pocketsphinxLm: c.HOTLINE_POCKETSPHINX_LM,
    domainLm: c.HOTLINE_ASR_DOMAIN_LM
      ? { path: c.HOTLINE_ASR_DOMAIN_LM, weight: c.HOTLINE_ASR_DOMAIN_WEIGHT }
      : undefined,
    keyphrases: c.HOTLINE_ASR_KEYPHRASES,
  });
}
