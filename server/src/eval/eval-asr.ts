import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config';
import { realClips, telephoneVersion } from '../demo/real-audio';
import { wordErrors } from '../lib/wer';
import { EngineSpec } from '../speech/engine';
import { chooseEngine } from '../speech/engines';
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
    items.push({ set: 'real', id: clip.id, band: '16k', wav: clip.wav, reference: clip.reference, channelMap: ['unknown'] });
    items.push({ set: 'real', id: clip.id, band: '8k-tel', wav: telephoneVersion(clip, work), reference: clip.reference, channelMap: ['unknown'] });
  }
  for (const s of CALL_SCRIPTS) {
    const r = renderCall(s, path.join(c.HOTLINE_VAR_DIR, 'synth'));
    const reference = r.turns.map((t) => t.text).join(' ');
    items.push({ set: 'synthetic', id: s.id, band: '16k', wav: r.wav16k, reference, channelMap: ['agent', 'customer'] });
    items.push({ set: 'synthetic', id: s.id, band: '8k-tel', wav: r.wav8kUlaw, reference, channelMap: ['agent', 'customer'] });
  }
  const engines: Array<{ label: string; spec: EngineSpec }> = [
    { label: 'pocketsphinx', spec: chooseEngine({ engine: 'pocketsphinx', pocketsphinxModel: c.HOTLINE_POCKETSPHINX_MODEL }) },
  ];
  const domainLm = path.join(c.HOTLINE_VAR_DIR, 'lm', 'domain-interp.lm');
  if (c.HOTLINE_POCKETSPHINX_LM || fs.existsSync(domainLm)) {
    engines.push({ label: 'pocketsphinx+domain', spec: { engine: 'pocketsphinx', modelDir: c.HOTLINE_POCKETSPHINX_MODEL, lmPath: c.HOTLINE_POCKETSPHINX_LM ?? domainLm } });
  }
  const vosk = c.HOTLINE_MODEL_DIR ? path.join(c.HOTLINE_MODEL_DIR, 'vosk') : undefined;
  if (vosk && fs.existsSync(vosk)) engines.push({ label: 'vosk', spec: { engine: 'vosk', modelDir: vosk } });
  else notes.push(`vosk: skipped — no Vosk model in ${vosk ?? 'HOTLINE_MODEL_DIR/vosk (HOTLINE_MODEL_DIR unset)'}; Vosk models come from the offline model bundle`);

  const threads = c.HOTLINE_ASR_CONCURRENCY;
  const summary: string[] = [];
  for (const e of engines) {
    const pool = await SpeechPool.start(e.spec, threads);
    console.log(`\n== ${e.label} (${pool.modelId}), ${threads} thread(s)`);
    console.log(['set', 'band', 'file', 'ref words', 'errors', 'WER', 'RTF'].join('\t'));
    const totals = new Map<string, { errors: number; words: number; audioMs: number; wallMs: number }>();
    for (const it of items) {
      const wav = fs.readFileSync(it.wav);
      const t0 = performance.now();
      const cpu0 = pool.decodeMs;
      const us = await transcribeWav(wav, it.channelMap, pool);
      const wall = performance.now() - t0;
      const decodeMs = pool.decodeMs - cpu0;
      const { inspectWav } = await import('../speech/audio/wav');
      const audioMs = inspectWav(wav).durationMs * inspectWav(wav).channels;
      const w = wordErrors(it.reference, us.map((u) => u.text).join(' '));
      console.log([it.set, it.band, it.id, w.refWords, w.errors, `${(w.wer * 100).toFixed(1)}%`, (decodeMs / audioMs).toFixed(3)].join('\t'));
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
      summary.push(`${e.label.padEnd(20)} ${k.padEnd(16)} WER ${((t.errors / t.words) * 100).toFixed(1).padStart(5)}%  (${t.errors}/${t.words} words)  RTF ${(t.wallMs / t.audioMs).toFixed(3)}`);
    }
  }
  console.log('\n== overall (RTF = decode thread time / audio time, per channel)');
  for (const s of summary) console.log(s);
  for (const n of notes) console.log(`note: ${n}`);
}

main().catch((e) => {
  console.error(`eval:asr: ${(e as Error).message}`);
  process.exit(1);
});
