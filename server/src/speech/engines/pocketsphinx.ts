import fs from 'node:fs';
import path from 'node:path';
import koffi from 'koffi';
import crypto from 'node:crypto';
import { KeyphraseHit, RecognizedWord, SpeechEngine, SpeechModelError } from '../engine';
import { dictionaryWords } from '../lm/arpa';

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
  // Logging off for the process, once, instead of a `-logfn` per decoder: sphinxbase keeps the log file in one global
  // that `ps_init` swaps without a lock (fopen the new one, fclose the old one), so two speech threads starting
  // together closed the same FILE twice: a native abort ("free(): invalid size") or a deadlock in stdio at start.
  // A null log file is a plain store of the same two values from any thread.
  sb.func('void err_set_logfp(void *stream)')(null);
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
    ps_seg_prob: ps.func(
      'int32_t ps_seg_prob(void *seg, _Out_ int32_t *ascr, _Out_ int32_t *lscr, _Out_ int32_t *lback)',
    ),
    ps_seg_free: ps.func('void ps_seg_free(void *seg)'),
    logmath_exp: sb.func('double logmath_exp(void *lmath, int logb_p)'),
    ngram_model_read: sb.func('void *ngram_model_read(void *config, const char *file, int type, void *lmath)'),
    ngram_model_set_init: sb.func(
      'void *ngram_model_set_init(void *config, void **models, const char **names, const float *weights, int n)',
    ),
    ps_get_lm: ps.func('void *ps_get_lm(void *ps, const char *name)'),
    ps_set_lm: ps.func('int ps_set_lm(void *ps, const char *name, void *lm)'),
    ps_set_kws: ps.func('int ps_set_kws(void *ps, const char *name, const char *keyfile)'),
    ps_set_search: ps.func('int ps_set_search(void *ps, const char *name)'),
    ps_get_search: ps.func('const char *ps_get_search(void *ps)'),
  };
}

export interface PocketsphinxOptions {
  /** model root, e.g. /usr/share/pocketsphinx/model/en-us (holds en-us/, en-us.lm.bin, cmudict-en-us.dict) */
  modelDir: string;
  lmPath?: string;
  dictPath?: string;
  /** domain ARPA model interpolated with the general model (never used alone) */
  domainLm?: { path: string; weight: number };
  /** keyphrase file: `phrase /threshold/` per line; every word must be in the dictionary */
  keyphrases?: string;
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
    const argv = [
      '-hmm',
      hmm,
      '-lm',
      lm,
      '-dict',
      dict,
      '-samprate',
      '16000',
      '-bestpath',
      'yes',
      '-cmn',
      opts.cmn ?? 'batch',
    ];
    this.config = lib.cmd_ln_parse_r(null, lib.ps_args(), argv.length, argv, 1);
    if (!this.config) throw new SpeechModelError(`pocketsphinx rejected its configuration (${argv.join(' ')})`);
    this.decoder = lib.ps_init(this.config);
    if (!this.decoder) throw new SpeechModelError(`pocketsphinx could not load the model at ${opts.modelDir}`);
    this.logmath = lib.ps_get_logmath(this.decoder);
    this.lmSearch = lib.ps_get_search(this.decoder) as string;
    let id = `pocketsphinx:en-us+${path.basename(lm)}`;
    if (opts.domainLm) {
      const { path: domainPath, weight } = opts.domainLm;
      if (!fs.existsSync(domainPath))
        throw new SpeechModelError(
          `domain language model ${domainPath} does not exist (run npm run lm:build, or unset HOTLINE_ASR_DOMAIN_LM)`,
        );
      if (!(weight > 0 && weight < 1))
        throw new SpeechModelError(`domain language model weight must be between 0 and 1 (got ${weight})`);
      const general = lib.ps_get_lm(this.decoder, this.lmSearch);
      const domain = lib.ngram_model_read(this.config, domainPath, 0, this.logmath);
      if (!general || !domain)
        throw new SpeechModelError(`pocketsphinx could not read the domain language model ${domainPath}`);
      const set = lib.ngram_model_set_init(
        this.config,
        [general, domain],
        ['general', 'domain'],
        [1 - weight, weight],
        2,
      );
      if (
        !set ||
        lib.ps_set_lm(this.decoder, 'interpolated', set) < 0 ||
        lib.ps_set_search(this.decoder, 'interpolated') < 0
      ) {
        throw new SpeechModelError('pocketsphinx could not interpolate the domain language model');
      }
      this.lmSearch = 'interpolated';
      const sha = crypto.createHash('sha256').update(fs.readFileSync(domainPath)).digest('hex').slice(0, 12);
      id += `+domain(${sha},w=${weight})`;
    }
    if (opts.keyphrases) {
      this.phrases = readKeyphrases(opts.keyphrases, dict);
      if (lib.ps_set_kws(this.decoder, 'kws', opts.keyphrases) < 0)
        throw new SpeechModelError(`pocketsphinx rejected the keyphrase list ${opts.keyphrases}`);
      lib.ps_set_search(this.decoder, this.lmSearch);
      const sha = crypto.createHash('sha256').update(fs.readFileSync(opts.keyphrases)).digest('hex').slice(0, 12);
      id += `+kws(${sha})`;
    }
    this.modelId = id;
  }

  private lmSearch: string;
  private phrases?: string[];

  /** Phonetic keyphrase search over one segment: finds policy phrases even where the transcript garbles them. */
  spot(pcm: Int16Array): KeyphraseHit[] {
    if (!this.phrases) return [];
    const l = lib!;
    l.ps_set_search(this.decoder, 'kws');
    try {
      const hits: KeyphraseHit[] = [];
      for (const seg of this.run(pcm))
        hits.push({ phrase: seg.word.trim(), startMs: seg.startMs, endMs: seg.endMs, confidence: seg.confidence });
      return hits;
    } finally {
      l.ps_set_search(this.decoder, this.lmSearch);
    }
  }

  decode(pcm: Int16Array): RecognizedWord[] {
    return this.run(pcm)
      .filter((seg) => !FILLER.test(seg.word))
      .map((seg) => ({ ...seg, word: seg.word.replace(/\(\d+\)$/, '') }));
  }

  private run(pcm: Int16Array): RecognizedWord[] {
    const l = lib!;
    // A new stream per utterance: segment times are stream-wide in this API.
    if (l.ps_start_stream(this.decoder) < 0) throw new Error('pocketsphinx: ps_start_stream failed');
    if (l.ps_start_utt(this.decoder) < 0) throw new Error('pocketsphinx: ps_start_utt failed');
    // the whole segment at once (full_utt): cepstral mean normalisation is computed over this segment only
    if (l.ps_process_raw(this.decoder, pcm, pcm.length, 0, this.batch ? 1 : 0) < 0)
      throw new Error('pocketsphinx: ps_process_raw failed');
    if (l.ps_end_utt(this.decoder) < 0) throw new Error('pocketsphinx: ps_end_utt failed');
    const out: RecognizedWord[] = [];
    for (let seg = l.ps_seg_iter(this.decoder); seg; seg = l.ps_seg_next(seg)) {
      const sf = [0];
      const ef = [0];
      l.ps_seg_frames(seg, sf, ef);
      const prob = l.ps_seg_prob(seg, [0], [0], [0]) as number;
      const confidence = Math.max(0, Math.min(1, l.logmath_exp(this.logmath, prob) as number));
      out.push({
        word: l.ps_seg_word(seg) as string,
        startMs: sf[0] * 10,
        endMs: (ef[0] + 1) * 10,
        confidence: Math.round(confidence * 1000) / 1000,
      });
    }
    return out;
  }

  close(): void {
    if (this.decoder) lib!.ps_free(this.decoder);
    if (this.config) lib!.cmd_ln_free_r(this.config);
    this.decoder = undefined;
    this.config = undefined;
  }
}

/** Reads a keyphrase list and checks every word is pronounceable: an unknown word makes the search fail. */
export function readKeyphrases(file: string, dictPath?: string): string[] {
  if (!fs.existsSync(file)) throw new SpeechModelError(`keyphrase list ${file} does not exist`);
  // PocketSphinx spells every word from its dictionary; sherpa's hotwords need no dictionary
  const dict = dictPath ? dictionaryWords(fs.readFileSync(dictPath, 'utf8')) : undefined;
  const phrases: string[] = [];
  fs.readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (!line.trim() || line.trim().startsWith('#')) return;
      const m = /^([a-z' ]+?)\s*(\/[0-9.e+-]+\/)?\s*$/.exec(line.trim());
      if (!m)
        throw new SpeechModelError(`${file}:${i + 1}: expected "phrase /threshold/", got ${JSON.stringify(line)}`);
      const unknown = dict ? m[1].split(' ').filter((w) => !dict.has(w)) : [];
      if (unknown.length)
        throw new SpeechModelError(`${file}:${i + 1}: not in the pronouncing dictionary: ${unknown.join(', ')}`);
      phrases.push(m[1]);
    });
  if (!phrases.length) throw new SpeechModelError(`keyphrase list ${file} has no phrases`);
  return phrases;
}
