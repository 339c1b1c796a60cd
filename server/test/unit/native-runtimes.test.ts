import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import koffi from 'koffi';
import { describe, expect, it } from 'vitest';

// The native libraries the appliance loads in process: what each may do beside its work.
const REPO = path.resolve(__dirname, '..', '..', '..');
const DIST = path.join(REPO, 'server', 'dist');
const MODELS = path.join(REPO, 'models');
const SPEECH_MODELS = path.join(process.env.HOTLINE_DATA_DIR ?? path.resolve(REPO, '..', 'shared'), 'models');
// strace present and allowed to trace here (a container may forbid ptrace)
const hasStrace = spawnSync('strace', ['-f', '-qq', '-o', '/dev/null', 'true']).status === 0;

/** every file under dir, relative */
function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .flatMap((e) => (e.isFile() ? [path.relative(dir, path.join(e.parentPath, e.name))] : []));
}

/**
 * Runs `body` (an async function's body that returns what it found) in a child node process with an empty home and no
 * word about telemetry in its environment (under strace where it may trace), keeps the child up while a library's own
 * threads would upload, and returns what the body returned, failing on a file written in that home or an internet socket.
 */
function runOffline(body: string): unknown {
  const script = `(async () => { ${body} })().then(
    (found) => { console.log(JSON.stringify(found)); setTimeout(() => process.exit(0), 2500); },
    (e) => { console.error(e.message); process.exit(3); })`;
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'hotline-native-home-'));
  const trace = `${home}.strace`;
  try {
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, XDG_CACHE_HOME: path.join(home, '.cache') };
    delete env.ORT_DISABLE_TELEMETRY;
    const [cmd, args] = hasStrace
      ? ['strace', ['-f', '-qq', '-e', 'trace=connect,sendto,sendmsg', '-o', trace, process.execPath, '-e', script]]
      : [process.execPath, ['-e', script]];
    const r = spawnSync(cmd, args as string[], { env, encoding: 'utf8', timeout: 90_000 });
    expect(r.status, r.stderr).toBe(0);
    // onnxruntime 1.29+ writes ~/.cache/Microsoft/DeveloperTools/.onnxruntime/{deviceid,onnxruntime.db} unless told not to
    expect(filesUnder(home)).toEqual([]);
    if (hasStrace) {
      // no socket to anywhere but a local one: no name server asked, nothing sent
      const inet = fs
        .readFileSync(trace, 'utf8')
        .split('\n')
        .filter((l) => /AF_INET6?\b/.test(l) && !/127\.0\.0\.1|::1/.test(l));
      expect(inet).toEqual([]);
    } else console.warn('strace cannot trace here: the connection check is skipped (scripts/setup.sh installs it)');
    return JSON.parse(r.stdout.trim().split('\n').pop()!);
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
    fs.rmSync(trace, { force: true });
  }
}

describe('onnxruntime-node (the language models)', () => {
  it.skipIf(!fs.existsSync(path.join(MODELS, 'models.lock.json')))(
    'loads and classifies with its telemetry off: no device id, no event cache, no connection from its threads',
    () => {
      // the child does what the worker does: load the shipped models and classify; the environment says nothing about
      // telemetry, the module has to
      const out = runOffline(`
        const { LanguageModels } = require(${JSON.stringify(path.join(DIST, 'understanding', 'classifier.js'))});
        const m = await LanguageModels.load(${JSON.stringify(MODELS)});
        const [i] = await m.intents(['I lost my card yesterday, can you block it?']);
        const [s] = await m.sentiments(['this is the third time I have called and nobody has helped']);
        return { intent: i.intent, sentiment: s.label };`);
      expect((out as { intent: string }).intent).toBe('lost_or_stolen_card');
    },
  );
});

describe('sherpa-onnx (the speech models, with an onnxruntime of their own)', () => {
  it.skipIf(!fs.existsSync(path.join(SPEECH_MODELS, 'sherpa-asr-en-gigaspeech-3.3M')))(
    'starts its speech threads alone (no language model loaded first) and writes or sends nothing',
    () => {
      const out = runOffline(`
        const { loadConfig } = require(${JSON.stringify(path.join(DIST, 'config.js'))});
        const { engineSpecFromConfig } = require(${JSON.stringify(path.join(DIST, 'speech', 'engines', 'index.js'))});
        const { SpeechPool } = require(${JSON.stringify(path.join(DIST, 'speech', 'pool.js'))});
        const spec = engineSpecFromConfig(loadConfig({ ...process.env, HOTLINE_ASR_ENGINE: 'sherpa' }));
        const pool = await SpeechPool.start(spec, 2);
        const r = await pool.decode(new Int16Array(16000));
        return { modelId: pool.modelId, words: r.words.length };`);
      expect((out as { modelId: string }).modelId).toMatch(/^sherpa:sherpa-asr-en-gigaspeech-3\.3M#/);
    },
  );
});

describe('pocketsphinx (the fallback engine and second pass)', () => {
  it('leaves sphinxbase logging off for the process, so no decoder swaps the one shared log file', async () => {
    // sphinxbase's `-logfn` makes ps_init fopen a new log file and fclose the old one, a process global, without a
    // lock: two speech threads starting together closed the same FILE twice (a native abort, "free(): invalid size",
    // or a deadlock in stdio). The engine turns logging off once instead; a log file set again would show here.
    const { PocketsphinxEngine } = await import('../../src/speech/engines/pocketsphinx');
    const engine = new PocketsphinxEngine({ modelDir: '/usr/share/pocketsphinx/model/en-us' });
    try {
      const sb = koffi.load('libsphinxbase.so.3');
      expect(sb.func('void *err_get_logfp()')()).toBeNull();
    } finally {
      engine.close();
    }
  });
});
