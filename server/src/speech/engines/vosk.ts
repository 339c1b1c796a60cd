import fs from 'node:fs';
import path from 'node:path';
import koffi from 'koffi';
import { RecognizedWord, SpeechEngine, SpeechModelError } from '../engine';

/**
 * Vosk (Kaldi) through libvosk.so as shipped inside the `vosk` npm package, bound with koffi.
 * The package's own binding needs ffi-napi (does not build on Node 20); we only use its shared library.
 * Models come from the offline model bundle (HOTLINE_MODEL_DIR/vosk).
 */
type Lib = ReturnType<typeof bind>;
let lib: Lib | undefined;

export function libvoskPath(): string {
  const pkg = path.dirname(require.resolve('vosk/package.json'));
  const p = path.join(pkg, 'lib', 'linux-x86_64', 'libvosk.so');
  if (!fs.existsSync(p))
    throw new SpeechModelError(`libvosk.so not found at ${p} (is the vosk npm package installed?)`);
  return p;
}

function bind() {
  const v = koffi.load(libvoskPath());
  return {
    vosk_set_log_level: v.func('void vosk_set_log_level(int level)'),
    vosk_model_new: v.func('void *vosk_model_new(const char *path)'),
    vosk_model_free: v.func('void vosk_model_free(void *model)'),
    vosk_recognizer_new: v.func('void *vosk_recognizer_new(void *model, float rate)'),
    vosk_recognizer_set_words: v.func('void vosk_recognizer_set_words(void *rec, int words)'),
    vosk_recognizer_accept_waveform_s: v.func(
      'int vosk_recognizer_accept_waveform_s(void *rec, const int16_t *data, int len)',
    ),
    vosk_recognizer_result: v.func('const char *vosk_recognizer_result(void *rec)'),
    vosk_recognizer_final_result: v.func('const char *vosk_recognizer_final_result(void *rec)'),
    vosk_recognizer_reset: v.func('void vosk_recognizer_reset(void *rec)'),
    vosk_recognizer_free: v.func('void vosk_recognizer_free(void *rec)'),
  };
}

/**
 * Checks a Vosk model directory before libvosk sees it: libvosk returns a null handle for a bad model
 * and a recognizer created on it kills the process.
 */
export function validateVoskModel(dir: string): { sampleRate: number } {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new SpeechModelError(
      `vosk model directory ${dir} does not exist (install the offline model bundle or set HOTLINE_MODEL_DIR)`,
    );
  }
  const need = [path.join('am', 'final.mdl'), path.join('conf', 'mfcc.conf')];
  const missing = need.filter((p) => !fs.existsSync(path.join(dir, p)));
  const hasGraph =
    fs.existsSync(path.join(dir, 'graph', 'HCLG.fst')) ||
    (fs.existsSync(path.join(dir, 'graph', 'HCLr.fst')) && fs.existsSync(path.join(dir, 'graph', 'Gr.fst')));
  if (!hasGraph) missing.push('graph/HCLG.fst (or graph/HCLr.fst + graph/Gr.fst)');
  if (missing.length) throw new SpeechModelError(`vosk model at ${dir} is incomplete: missing ${missing.join(', ')}`);
  const mfcc = fs.readFileSync(path.join(dir, 'conf', 'mfcc.conf'), 'utf8');
  const m = /--sample-frequency=(\d+)/.exec(mfcc);
  return { sampleRate: m ? Number(m[1]) : 16000 };
}

export class VoskEngine implements SpeechEngine {
  readonly name = 'vosk' as const;
  readonly modelId: string;
  readonly sampleRate: number;
  private model: unknown;
  private rec: unknown;

  constructor(modelDir: string) {
    const { sampleRate } = validateVoskModel(modelDir);
    lib ??= bind();
    lib.vosk_set_log_level(-1);
    this.model = lib.vosk_model_new(modelDir);
    if (!this.model)
      throw new SpeechModelError(`libvosk could not load the model at ${modelDir} (vosk_model_new returned null)`);
    this.rec = lib.vosk_recognizer_new(this.model, sampleRate);
    if (!this.rec) {
      lib.vosk_model_free(this.model);
      throw new SpeechModelError(`libvosk could not create a recognizer for ${modelDir} at ${sampleRate} Hz`);
    }
    lib.vosk_recognizer_set_words(this.rec, 1);
    this.sampleRate = sampleRate;
    this.modelId = `vosk:${path.basename(modelDir)}`;
  }

  decode(pcm: Int16Array): RecognizedWord[] {
    const l = lib!;
    const words: RecognizedWord[] = [];
    const collect = (json: string) => {
      const r = JSON.parse(json) as { result?: Array<{ word: string; start: number; end: number; conf: number }> };
      for (const w of r.result ?? []) {
        words.push({
          word: w.word,
          startMs: Math.round(w.start * 1000),
          endMs: Math.round(w.end * 1000),
          confidence: w.conf,
        });
      }
    };
    const step = this.sampleRate; // 1 s
    for (let i = 0; i < pcm.length; i += step) {
      const chunk = pcm.subarray(i, Math.min(pcm.length, i + step));
      if (l.vosk_recognizer_accept_waveform_s(this.rec, chunk, chunk.length))
        collect(l.vosk_recognizer_result(this.rec));
    }
    collect(l.vosk_recognizer_final_result(this.rec));
    l.vosk_recognizer_reset(this.rec);
    return words;
  }

  close(): void {
    if (this.rec) lib!.vosk_recognizer_free(this.rec);
    if (this.model) lib!.vosk_model_free(this.model);
    this.rec = this.model = undefined;
  }
}
