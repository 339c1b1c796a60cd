import fs from 'node:fs';
import path from 'node:path';
import koffi from 'koffi';
import { RecognizedWord, SpeechEngine, SpeechModelError } from '../engine';

/**
 * CMU PocketSphinx (Debian's libpocketsphinx3, 5prealpha API) bound in process with koffi.
 *
 * Bound rather than run as `pocketsphinx_continuous`: one model load per worker instead of per file, word
 * segments with posterior confidences straight from `ps_seg_*`, and the n-gram API (`ngram_model_set_init`)
 * is reachable for interpolated domain language models.
 */
type Lib = ReturnType<typeof bind>;
let lib: Lib | undefined;

function bind() {
  const ps = koffi.load('libpocketsphinx.so.3');
  const sb = koffi.load('libsphinxbase.so.3');
  return {
    ps_args: ps.func('void *ps_args()'),
    cmd_ln_parse_r: sb.func('void *cmd_ln_parse_r(void *inout, void *defn, int argc, const char **argv, int strict)'),
    cmd_ln_free_r: sb.func('int cmd_ln_free_r(void *cmdln)'),
    ps_init: ps.func('void *ps_init(void *config)'),
    ps_free: ps.func('int ps_free(void *ps)'),
    ps_start_stream: ps.func('int ps_start_stream(void *ps)'),
    ps_start_utt: ps.func('int ps_start_utt(void *ps)'),
    ps_process_raw: ps.func('int ps_process_raw(void *ps, const int16_t *data, size_t n, int no_search, int full_utt)'),
    ps_end_utt: ps.func('int ps_end_utt(void *ps)'),
    ps_get_hyp: ps.func('const char *ps_get_hyp(void *ps, _Out_ int32_t *score)'),
    ps_get_logmath: ps.func('void *ps_get_logmath(void *ps)'),
    ps_seg_iter: ps.func('void *ps_seg_iter(void *ps)'),
    ps_seg_next: ps.func('void *ps_seg_next(void *seg)'),
    ps_seg_word: ps.func('const char *ps_seg_word(void *seg)'),
    ps_seg_frames: ps.func('void ps_seg_frames(void *seg, _Out_ int *sf, _Out_ int *ef)'),
    ps_seg_prob: ps.func('int32_t ps_seg_prob(void *seg, _Out_ int32_t *ascr, _Out_ int32_t *lscr, _Out_ int32_t *lback)'),
    ps_seg_free: ps.func('void ps_seg_free(void *seg)'),
    logmath_exp: sb.func('double logmath_exp(void *lmath, int logb_p)'),
  };
}

export interface PocketsphinxOptions {
  /** model root, e.g. /usr/share/pocketsphinx/model/en-us (holds en-us/, en-us.lm.bin, cmudict-en-us.dict) */
  modelDir: string;
  lmPath?: string;
  dictPath?: string;
  /** batch (default): normalise each segment by its own mean, so a transcript does not depend on what the thread decoded before; live: running estimate */
  cmn?: 'batch' | 'live';
}

export function resolvePocketsphinxModel(opts: PocketsphinxOptions) {
  const hmm = path.join(opts.modelDir, 'en-us');
  const lm = opts.lmPath ?? path.join(opts.modelDir, 'en-us.lm.bin');
  const dict = opts.dictPath ?? path.join(opts.modelDir, 'cmudict-en-us.dict');
  const required = [path.join(hmm, 'mdef'), path.join(hmm, 'means'), path.join(hmm, 'feat.params'), lm, dict];
  const missing = required.filter((p) => !fs.existsSync(p));
  if (missing.length) {
    throw new SpeechModelError(
      `pocketsphinx model incomplete under ${opts.modelDir}: missing ${missing.join(', ')} (install Debian's pocketsphinx-en-us, or set HOTLINE_POCKETSPHINX_MODEL)`,
    );
  }
  return { hmm, lm, dict };
}

const FILLER = /^(<s>|<\/s>|<sil>|\[.*\]|\+\+.*\+\+)$/;

export class PocketsphinxEngine implements SpeechEngine {
  readonly name = 'pocketsphinx' as const;
  readonly sampleRate = 16000;
  readonly modelId: string;
  private decoder: unknown;
  private config: unknown;
  private logmath: unknown;
  private batch: boolean;

  constructor(opts: PocketsphinxOptions) {
    const { hmm, lm, dict } = resolvePocketsphinxModel(opts);
    lib ??= bind();
    this.batch = (opts.cmn ?? 'batch') === 'batch';
    const argv = ['-hmm', hmm, '-lm', lm, '-dict', dict, '-logfn', '/dev/null', '-samprate', '16000', '-bestpath', 'yes', '-cmn', opts.cmn ?? 'batch'];
    this.config = lib.cmd_ln_parse_r(null, lib.ps_args(), argv.length, argv, 1);
    if (!this.config) throw new SpeechModelError(`pocketsphinx rejected its configuration (${argv.join(' ')})`);
    this.decoder = lib.ps_init(this.config);
    if (!this.decoder) throw new SpeechModelError(`pocketsphinx could not load the model at ${opts.modelDir}`);
    this.logmath = lib.ps_get_logmath(this.decoder);
    this.modelId = `pocketsphinx:en-us+${path.basename(lm)}`;
  }

  decode(pcm: Int16Array): RecognizedWord[] {
    const l = lib!;
    // A new stream per utterance: segment times are stream-wide in this API, and resetting the channel
    // normalisation makes a segment's transcript independent of what the thread decoded before.
    if (l.ps_start_stream(this.decoder) < 0) throw new Error('pocketsphinx: ps_start_stream failed');
    if (l.ps_start_utt(this.decoder) < 0) throw new Error('pocketsphinx: ps_start_utt failed');
    // the whole segment at once (full_utt): cepstral mean normalisation is computed over this segment only
    if (l.ps_process_raw(this.decoder, pcm, pcm.length, 0, this.batch ? 1 : 0) < 0) throw new Error('pocketsphinx: ps_process_raw failed');
    if (l.ps_end_utt(this.decoder) < 0) throw new Error('pocketsphinx: ps_end_utt failed');
    const words: RecognizedWord[] = [];
    for (let seg = l.ps_seg_iter(this.decoder); seg; seg = l.ps_seg_next(seg)) {
      const raw = l.ps_seg_word(seg) as string;
      if (FILLER.test(raw)) continue;
      const sf = [0];
      const ef = [0];
      l.ps_seg_frames(seg, sf, ef);
      const prob = l.ps_seg_prob(seg, [0], [0], [0]) as number;
      const confidence = Math.max(0, Math.min(1, l.logmath_exp(this.logmath, prob) as number));
      words.push({
        word: raw.replace(/\(\d+\)$/, ''),
        startMs: sf[0] * 10,
        endMs: (ef[0] + 1) * 10,
        confidence: Math.round(confidence * 1000) / 1000,
      });
    }
    return words;
  }

  close(): void {
    if (this.decoder) lib!.ps_free(this.decoder);
    if (this.config) lib!.cmd_ln_free_r(this.config);
    this.decoder = undefined;
    this.config = undefined;
  }
}
