import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SpeechModelError } from '../../src/speech/engine';
import { chooseEngine } from '../../src/speech/engines';
import { resolvePocketsphinxModel } from '../../src/speech/engines/pocketsphinx';
import { libvoskPath, validateVoskModel } from '../../src/speech/engines/vosk';

const DIST = path.resolve(__dirname, '..', '..', 'dist');

function fakeVoskModel(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-vosk-'));
  for (const d of ['am', 'conf', 'graph']) fs.mkdirSync(path.join(dir, d));
  fs.writeFileSync(path.join(dir, 'am', 'final.mdl'), 'not a kaldi model');
  fs.writeFileSync(path.join(dir, 'conf', 'mfcc.conf'), '--sample-frequency=8000\n');
  fs.writeFileSync(path.join(dir, 'graph', 'HCLG.fst'), 'x');
  return dir;
}

describe('vosk model validation', () => {
  it('names what is missing before libvosk sees the directory', () => {
    expect(() => validateVoskModel('/nonexistent/vosk')).toThrow(SpeechModelError);
    expect(() => validateVoskModel('/nonexistent/vosk')).toThrow(/does not exist/);
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'empty-vosk-'));
    expect(() => validateVoskModel(empty)).toThrow(/missing am\/final\.mdl, conf\/mfcc\.conf, graph\/HCLG\.fst/);
    expect(validateVoskModel(fakeVoskModel())).toEqual({ sampleRate: 8000 });
  });

  it('libvosk ships inside the vosk npm package', () => {
    expect(fs.existsSync(libvoskPath())).toBe(true);
  });

  it('a model libvosk cannot load is a clear error, not a crashed process', () => {
    // run in a child process: if the binding ever let libvosk abort, the test (not vitest) dies
    const dir = fakeVoskModel();
    const r = spawnSync(
      process.execPath,
      [
        '-e',
        `const {VoskEngine}=require(${JSON.stringify(path.join(DIST, 'speech/engines/vosk.js'))});try{new VoskEngine(${JSON.stringify(dir)});console.log('LOADED')}catch(e){console.log(e.name+': '+e.message)}`,
      ],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(
      /^SpeechModelError: libvosk could not load the model at .* \(vosk_model_new returned null\)/,
    );
  });
});

describe('engine choice', () => {
  it('auto picks Vosk only when the model bundle holds one, else Debian pocketsphinx', () => {
    const bundle = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-'));
    const base = {
      engine: 'auto' as const,
      modelBundleDir: bundle,
      pocketsphinxModel: '/usr/share/pocketsphinx/model/en-us',
    };
    expect(chooseEngine(base).engine).toBe('pocketsphinx');
    fs.renameSync(fakeVoskModel(), path.join(bundle, 'vosk'));
    expect(chooseEngine(base)).toEqual({ engine: 'vosk', modelDir: path.join(bundle, 'vosk') });
    expect(() => chooseEngine({ ...base, engine: 'vosk', modelBundleDir: undefined })).toThrow(/HOTLINE_MODEL_DIR/);
  });

  it('auto picks the neural engine, with PocketSphinx beside it, when its model (with SHA256SUMS) is installed', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sherpa-'));
    const base = {
      engine: 'auto' as const,
      pocketsphinxModel: '/usr/share/pocketsphinx/model/en-us',
      sherpa: { modelDir: dir, decoding: 'greedy_search' as const, secondPass: true },
    };
    // a directory without checksums is not an installed model
    expect(chooseEngine(base).engine).toBe('pocketsphinx');
    fs.writeFileSync(path.join(dir, 'SHA256SUMS'), '');
    expect(chooseEngine(base)).toEqual({
      engine: 'sherpa',
      modelDir: dir,
      decoding: 'greedy_search',
      secondPass: { engine: 'pocketsphinx', modelDir: '/usr/share/pocketsphinx/model/en-us' },
    });
    expect(chooseEngine({ ...base, engine: 'pocketsphinx' }).engine).toBe('pocketsphinx');
  });

  it('a bad pocketsphinx model path is a clear error', () => {
    expect(() => resolvePocketsphinxModel({ modelDir: '/nope' })).toThrow(
      /pocketsphinx model incomplete under \/nope: missing \/nope\/en-us\/mdef/,
    );
  });
});

describe('pocketsphinx adaptation: interpolated domain model and keyphrase search', () => {
  const MODEL = '/usr/share/pocketsphinx/model/en-us';
  const DATA = process.env.HOTLINE_DATA_DIR ?? path.resolve(__dirname, '..', '..', '..', '..', 'shared');
  const DIGITS = path.join(DATA, 'audio', 'vosk-test', 'test.wav');

  it('refuses a keyphrase list with a word outside the dictionary, naming file and line', async () => {
    const { PocketsphinxEngine } = await import('../../src/speech/engines/pocketsphinx');
    const kw = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kw-')), 'k.txt');
    fs.writeFileSync(kw, 'security code /1e-5/\nblorfquux account /1e-5/\n');
    expect(() => new PocketsphinxEngine({ modelDir: MODEL, keyphrases: kw })).toThrow(
      /k\.txt:2: not in the pronouncing dictionary: blorfquux/,
    );
    fs.writeFileSync(kw, 'security code 1e-5\n');
    expect(() => new PocketsphinxEngine({ modelDir: MODEL, keyphrases: kw })).toThrow(
      /k\.txt:1: expected "phrase \/threshold\/"/,
    );
    expect(() => new PocketsphinxEngine({ modelDir: MODEL, domainLm: { path: '/nope.arpa', weight: 0.1 } })).toThrow(
      /domain language model \/nope\.arpa does not exist/,
    );
  });

  it.skipIf(!fs.existsSync(DIGITS))(
    'spots a spoken phrase with its time, finds nothing that was not said, and keeps decoding with the domain model',
    async () => {
      const { PocketsphinxEngine } = await import('../../src/speech/engines/pocketsphinx');
      const { prepareAudio } = await import('../../src/speech/transcribe');
      const { buildArpa, dictionaryWords } = await import('../../src/speech/lm/arpa');
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'adapt-'));
      fs.writeFileSync(path.join(dir, 'kw.txt'), 'zero one eight /1e-10/\ncard number /1e-5/\n');
      const vocab = dictionaryWords(fs.readFileSync(path.join(MODEL, 'cmudict-en-us.dict'), 'utf8'));
      fs.writeFileSync(
        path.join(dir, 'd.arpa'),
        buildArpa(['please block my card', 'what is my card number', 'one two three'], { vocabulary: vocab }).arpa,
      );
      const e = new PocketsphinxEngine({
        modelDir: MODEL,
        keyphrases: path.join(dir, 'kw.txt'),
        domainLm: { path: path.join(dir, 'd.arpa'), weight: 0.05 },
      });
      try {
        expect(e.modelId).toMatch(/\+domain\([0-9a-f]{12},w=0\.05\)\+kws\([0-9a-f]{12}\)$/);
        const segs = prepareAudio(fs.readFileSync(DIGITS), 16000).segments;
        const hits = segs.map((s) => e.spot(s.pcm));
        // the third digit string is "zero one eight zero three"
        expect(hits[2].map((h) => h.phrase)).toEqual(['zero one eight']);
        expect(hits[2][0].startMs).toBeLessThan(hits[2][0].endMs);
        expect(hits.flat().filter((h) => h.phrase === 'card number')).toEqual([]);
        expect(
          e
            .decode(segs[0].pcm)
            .map((w) => w.word)
            .join(' '),
        ).toBe('one zero zero zero one');
      } finally {
        e.close();
      }
    },
  );
});
