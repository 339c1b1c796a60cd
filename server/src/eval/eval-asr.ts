import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config';
import { realClips, telephoneVersion } from '../demo/real-audio';
import { normalizeWords, wordErrors } from '../lib/wer';
import { inspectWav } from '../speech/audio/wav';
import { readKeyphrases } from '../speech/engines/pocketsphinx';
import { ensureDomainLm } from '../speech/lm/build';
import { EngineSpec } from '../speech/engine';
import { sherpaFromConfig } from '../speech/engines';
import { SpeechPool } from '../speech/pool';
import { transcribeWav } from '../speech/transcribe';
import { renderCall } from '../synth/render';
import { CALL_SCRIPTS } from '../synth/scripts';

/**
 * `npm run eval:asr`: WER per file and overall, per engine, on the real recordings in ../shared/audio and on the
 * synthetic calls, at 16 kHz and through an 8 kHz telephone band (300–3400 Hz, G.711 µ-law).
 */
interface Item {
  set: 'real' | 'synthetic';
  id: string;
  band: '16k' | '8k-tel';
  wav: string;
  reference: string;
  channelMap: Array<'agent' | 'customer' | 'unknown'>;
}

async function main() {
  const c = loadConfig();
  const work = path.join(c.HOTLINE_VAR_DIR, 'eval');
  const { clips, notes } = realClips(c.HOTLINE_DATA_DIR, path.join(work, 'real'));
  const items: Item[] = [];
  for (const clip of clips) {
    items.push({
      set: 'real',
      id: clip.id,
      band: '16k',
      wav: clip.wav,
      reference: clip.reference,
      channelMap: ['unknown'],
    });
    items.push({
      set: 'real',
      id: clip.id,
      band: '8k-tel',
      wav: telephoneVersion(clip, work),
      reference: clip.reference,
      channelMap: ['unknown'],
    });
  }
  for (const s of CALL_SCRIPTS) {
    const r = renderCall(s, path.join(c.HOTLINE_VAR_DIR, 'synth'));
    const reference = r.turns.map((t) => t.text).join(' ');
    items.push({
      set: 'synthetic',
      id: s.id,
      band: '16k',
      wav: r.wav16k,
      reference,
      channelMap: ['agent', 'customer'],
    });
    items.push({
      set: 'synthetic',
      id: s.id,
      band: '8k-tel',
      wav: r.wav8kUlaw,
      reference,
      channelMap: ['agent', 'customer'],
    });
  }
  const repo = path.resolve(__dirname, '..', '..', '..');
  const general: EngineSpec = {
    engine: 'pocketsphinx',
    modelDir: c.HOTLINE_POCKETSPHINX_MODEL,
    lmPath: c.HOTLINE_POCKETSPHINX_LM,
  };
  const engines: Array<{ label: string; spec: EngineSpec }> = [{ label: 'pocketsphinx', spec: general }];
  // domain adaptation: the general model interpolated with a model of bank-hotline text, at several weights
  const domainLm = ensureDomainLm(c).path;
  const weights = (process.env.EVAL_DOMAIN_WEIGHTS ?? '0.05,0.1,0.2').split(',').map(Number);
  for (const weight of weights)
    engines.push({
      label: `pocketsphinx+domain w=${weight}`,
      spec: { ...general, domainLm: { path: domainLm, weight } },
    });
  const vosk = c.HOTLINE_MODEL_DIR ? path.join(c.HOTLINE_MODEL_DIR, 'vosk') : undefined;
  if (vosk && fs.existsSync(vosk)) engines.push({ label: 'vosk', spec: { engine: 'vosk', modelDir: vosk } });
  else
    notes.push(
      `vosk: skipped — no Vosk model in ${vosk ?? 'HOTLINE_MODEL_DIR/vosk (HOTLINE_MODEL_DIR unset)'}; Vosk models come from the offline model bundle`,
    );
  // the neural engine (sherpa-onnx), with the energy VAD and with Silero VAD, greedy and beam search
  const sherpa = sherpaFromConfig(c);
  if (fs.existsSync(sherpa.modelDir)) {
    engines.push({ label: 'sherpa', spec: { engine: 'sherpa', modelDir: sherpa.modelDir, decoding: 'greedy_search' } });
    engines.push({
      label: 'sherpa beam',
      spec: { engine: 'sherpa', modelDir: sherpa.modelDir, decoding: 'modified_beam_search' },
    });
    if (sherpa.vadDir) {
      engines.push({ label: 'sherpa+silero', spec: { ...sherpa, engine: 'sherpa', decoding: 'greedy_search' } });
      engines.push({
        label: 'sherpa+silero beam',
        spec: { ...sherpa, engine: 'sherpa', decoding: 'modified_beam_search' },
      });
    } else notes.push('silero VAD: skipped — no model (HOTLINE_VAD_MODEL, or silero-vad beside the speech model)');
  } else notes.push(`sherpa: skipped — no model at ${sherpa.modelDir} (HOTLINE_SHERPA_MODEL or ../shared/models)`);
  // keyphrase spotting rides along with the general engine
  const keyphrases = c.HOTLINE_ASR_KEYPHRASES ?? path.join(repo, 'policies', 'asr', 'keyphrases.txt');
  engines[0].spec = { ...general, keyphrases };
  const phraseList = readKeyphrases(keyphrases, path.join(c.HOTLINE_POCKETSPHINX_MODEL, 'cmudict-en-us.dict'));
  const kws = { hits: 0, misses: 0, falseSynthetic: 0, falseReal: 0, realMinutes: 0, detail: [] as string[] };

  const threads = c.HOTLINE_ASR_CONCURRENCY;
  const summary: string[] = [];
  // EVAL_ENGINES=label,label… picks engines by label (default: all); EVAL_SETS=real|synthetic likewise
  const only = process.env.EVAL_ENGINES?.split(',').map((x) => x.trim());
  const sets = process.env.EVAL_SETS?.split(',').map((x) => x.trim());
  const chosen = engines.filter((e) => !only || only.includes(e.label));
  const evalItems = items.filter((it) => !sets || sets.includes(it.set));
  for (const e of chosen) {
    const pool = await SpeechPool.start(e.spec, threads);
    console.log(`\n== ${e.label} (${pool.modelId}), ${threads} thread(s)`);
    console.log(['set', 'band', 'file', 'ref words', 'errors', 'WER', 'RTF'].join('\t'));
    const totals = new Map<string, { errors: number; words: number; audioMs: number; wallMs: number }>();
    for (const it of evalItems) {
      const wav = fs.readFileSync(it.wav);
      const cpu0 = pool.decodeMs;
      const us = await transcribeWav(wav, it.channelMap, pool);
      const decodeMs = pool.decodeMs - cpu0;
      const audioMs = inspectWav(wav).durationMs * inspectWav(wav).channels;
      const w = wordErrors(it.reference, us.map((u) => u.text).join(' '));
      if (e.spec.keyphrases) {
        const found = us.flatMap((u) => u.keyphrases.map((k) => k.phrase));
        const ref = ` ${normalizeWords(it.reference).join(' ')} `;
        if (it.set === 'real') kws.realMinutes += inspectWav(wav).durationMs / 60000;
        for (const p of phraseList) {
          const truth = ref.split(` ${p} `).length - 1;
          const got = found.filter((f) => f === p).length;
          if (it.set === 'synthetic') {
            kws.hits += Math.min(truth, got);
            kws.misses += Math.max(0, truth - got);
            kws.falseSynthetic += Math.max(0, got - truth);
          } else kws.falseReal += Math.max(0, got - truth);
          if (got !== truth) kws.detail.push(`${it.set}/${it.band}/${it.id}: "${p}" spoken ${truth}, found ${got}`);
        }
      }
      console.log(
        [
          it.set,
          it.band,
          it.id,
          w.refWords,
          w.errors,
          `${(w.wer * 100).toFixed(1)}%`,
          (decodeMs / audioMs).toFixed(3),
        ].join('\t'),
      );
      const key = `${it.set} ${it.band}`;
      const t = totals.get(key) ?? { errors: 0, words: 0, audioMs: 0, wallMs: 0 };
      t.errors += w.errors;
      t.words += w.refWords;
      t.audioMs += audioMs;
      t.wallMs += decodeMs;
      totals.set(key, t);
    }
    await pool.close();
    for (const [k, t] of totals) {
      summary.push(
        `${e.label.padEnd(20)} ${k.padEnd(16)} WER ${((t.errors / t.words) * 100).toFixed(1).padStart(5)}%  (${t.errors}/${t.words} words)  RTF ${(t.wallMs / t.audioMs).toFixed(3)}`,
      );
    }
  }
  console.log(
    `\n== keyphrase spotting (${path.relative(repo, keyphrases)}, ${phraseList.length} phrases, general model)`,
  );
  console.log(
    `synthetic calls: ${kws.hits} of ${kws.hits + kws.misses} spoken phrases found (recall ${((kws.hits / Math.max(1, kws.hits + kws.misses)) * 100).toFixed(1)}%), ${kws.falseSynthetic} false alarm(s)`,
  );
  console.log(
    `real recordings: ${kws.falseReal} false alarm(s) in ${kws.realMinutes.toFixed(1)} min of audio (16 kHz + telephone band)`,
  );
  for (const d of kws.detail) console.log(`  ${d}`);
  console.log(
    '\n== overall (RTF = decode thread time / audio time, per channel; the first engine also runs keyphrase search)',
  );
  for (const s of summary) console.log(s);
  for (const n of notes) console.log(`note: ${n}`);
}

main().catch((e) => {
  console.error(`eval:asr: ${(e as Error).message}`);
  process.exit(1);
});
