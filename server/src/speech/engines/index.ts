import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../../config';
import { EngineSpec, SpeechEngine } from '../engine';
import { PocketsphinxEngine, readKeyphrases } from './pocketsphinx';
import { CombinedEngine } from './combined';
import { SherpaEngine, SileroSegmenter } from './sherpa';
import { VoskEngine } from './vosk';

export function createEngine(spec: EngineSpec): SpeechEngine {
  if (spec.engine === 'vosk') return new VoskEngine(spec.modelDir);
  if (spec.engine === 'sherpa') {
    const sherpa = new SherpaEngine({
      modelDir: spec.modelDir,
      decoding: spec.decoding,
      hotwords: spec.hotwords,
      language: spec.language,
      phases: spec.phases,
    });
    return spec.secondPass ? new CombinedEngine(sherpa, createEngine(spec.secondPass)) : sherpa;
  }
  return new PocketsphinxEngine({
    modelDir: spec.modelDir,
    lmPath: spec.lmPath,
    domainLm: spec.domainLm,
    keyphrases: spec.keyphrases,
  });
}

/** The neural voice-activity detector that cuts segments where the sherpa engine runs (with its model). */
export function createSegmenter(spec: EngineSpec): SileroSegmenter | undefined {
  return spec.engine === 'sherpa' && spec.vadDir ? new SileroSegmenter(spec.vadDir) : undefined;
}

/**
 * `auto`: the neural sherpa engine when its model is installed (a directory with SHA256SUMS, from the offline model
 * bundle or ../shared), with PocketSphinx beside it; else Vosk when the bundle holds a Vosk model
 * (HOTLINE_MODEL_DIR/vosk); else Debian's PocketSphinx alone.
 */
export function chooseEngine(opts: {
  engine: 'auto' | 'pocketsphinx' | 'vosk' | 'sherpa';
  modelBundleDir?: string;
  sherpa?: {
    modelDir: string;
    decoding: EngineSpec['decoding'];
    phases?: number;
    vadDir?: string;
    hotwords?: EngineSpec['hotwords'];
    secondPass?: boolean;
  };
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
  const pocketsphinx: EngineSpec = {
    engine: 'pocketsphinx',
    modelDir: opts.pocketsphinxModel,
    lmPath: opts.pocketsphinxLm,
    domainLm: opts.domainLm,
    keyphrases: opts.keyphrases,
  };
  const sherpaInstalled = opts.sherpa && fs.existsSync(path.join(opts.sherpa.modelDir, 'SHA256SUMS'));
  if (opts.engine === 'sherpa' || (opts.engine === 'auto' && sherpaInstalled)) {
    if (!opts.sherpa) throw new Error('config: HOTLINE_ASR_ENGINE=sherpa needs HOTLINE_SHERPA_MODEL');
    const { secondPass, ...sherpa } = opts.sherpa;
    return { engine: 'sherpa', ...sherpa, ...(secondPass ? { secondPass: pocketsphinx } : {}) };
  }
  if (opts.engine === 'auto' && voskDir && fs.existsSync(path.join(voskDir, 'am', 'final.mdl'))) {
    return { engine: 'vosk', modelDir: voskDir };
  }
  return pocketsphinx;
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
    sherpa: sherpaFromConfig(c),
  });
}

/**
 * The Mandarin engine for `language: zh` conversations: the pinyin streaming model (configured, in the bundle or in
 * ../shared) with the Silero VAD, where present; undefined otherwise.
 */
export function mandarinSpecFromConfig(c: Config): EngineSpec | undefined {
  if (c.HOTLINE_SHERPA_MODEL_ZH === 'none') return undefined;
  const base = c.HOTLINE_MODEL_DIR ?? path.join(c.HOTLINE_DATA_DIR, 'models');
  const modelDir = c.HOTLINE_SHERPA_MODEL_ZH ?? path.join(base, 'sherpa-kws-zh-3.3M');
  if (!fs.existsSync(path.join(modelDir, 'SHA256SUMS'))) return undefined;
  const vad = sherpaFromConfig(c).vadDir;
  return { engine: 'sherpa', language: 'zh', modelDir, decoding: 'greedy_search', ...(vad ? { vadDir: vad } : {}) };
}

/** Where the sherpa model and the Silero VAD are: configured, or in the offline model bundle, or in ../shared. */
export function sherpaFromConfig(c: Config): NonNullable<Parameters<typeof chooseEngine>[0]['sherpa']> {
  const base = c.HOTLINE_MODEL_DIR ?? path.join(c.HOTLINE_DATA_DIR, 'models');
  const modelDir = c.HOTLINE_SHERPA_MODEL ?? path.join(base, 'sherpa-asr-en-gigaspeech-3.3M');
  const vad = c.HOTLINE_VAD_MODEL ?? path.join(base, 'silero-vad');
  return {
    modelDir,
    decoding: c.HOTLINE_SHERPA_DECODING,
    phases: c.HOTLINE_SHERPA_PHASES,
    vadDir: vad === 'none' || !fs.existsSync(vad) ? undefined : vad,
    secondPass: c.HOTLINE_ASR_SECOND_PASS === 'pocketsphinx',
    ...(c.HOTLINE_SHERPA_HOTWORDS_SCORE > 0
      ? {
          hotwords: {
            // the worker adds the active QA policies' phrases
            phrases: c.HOTLINE_ASR_KEYPHRASES ? readKeyphrases(c.HOTLINE_ASR_KEYPHRASES) : [],
            score: c.HOTLINE_SHERPA_HOTWORDS_SCORE,
            workDir: path.join(c.HOTLINE_VAR_DIR, 'asr'),
          },
        }
      : {}),
  };
}
