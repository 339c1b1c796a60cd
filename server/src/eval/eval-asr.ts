import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config';
import { pinyin } from 'pinyin-pro';
import { mandarinClips, realClips, telephoneVersion } from '../demo/real-audio';
import { toneless } from '../speech/pinyin';
import { normalizeWords, wordErrors } from '../lib/wer';
import { inspectWav } from '../speech/audio/wav';
import { readKeyphrases } from '../speech/engines/pocketsphinx';
import { ensureDomainLm } from '../speech/lm/build';
import { EngineSpec } from '../speech/engine';
import { mandarinSpecFromConfig, sherpaFromConfig } from '../speech/engines';
import { loadPolicyDir, policyPhrases } from '../inspection/qa-policy';
import { SpeechPool } from '../speech/pool';
import { transcribeWav } from '../speech/transcribe';
import { GroundTruthTurn, renderCall } from '../synth/render';
import { CALL_SCRIPTS } from '../synth/scripts';
import { onsetLags, percentiles } from './word-timing';

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
  /** synthetic calls: where each turn was spoken (for word timing) */
  turns?: GroundTruthTurn[];
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
      turns: r.turns,
    });
    items.push({
      set: 'synthetic',
      id: s.id,
      band: '8k-tel',
      wav: r.wav8kUlaw,
      reference,
      channelMap: ['agent', 'customer'],
      turns: r.turns,
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
  // keyphrase spotting rides along with the general engine
  const keyphrases = c.HOTLINE_ASR_KEYPHRASES ?? path.join(repo, 'policies', 'asr', 'keyphrases.txt');
  engines[0].spec = { ...general, keyphrases };
  const phraseList = readKeyphrases(keyphrases, path.join(c.HOTLINE_POCKETSPHINX_MODEL, 'cmudict-en-us.dict'));
  // the neural engine (sherpa-onnx): energy VAD or Silero VAD, greedy or beam search, alone or with PocketSphinx
  // (domain model + keyphrase spotting) beside it for digit-dense segments, and with contextual biasing (hotwords)
  const sherpa = sherpaFromConfig(c);
  if (fs.existsSync(sherpa.modelDir)) {
    const base: EngineSpec = { engine: 'sherpa', modelDir: sherpa.modelDir };
    const second: EngineSpec = { ...general, domainLm: { path: domainLm, weight: 0.1 }, keyphrases };
    // biased towards what the worker would bias towards: the keyphrase list and the shipped QA packs' phrases
    const packs = loadPolicyDir(path.join(repo, 'policies', 'qa'));
    const hotwords = {
      phrases: [...phraseList, ...policyPhrases(packs)],
      score: Number(process.env.EVAL_HOTWORDS_SCORE ?? (c.HOTLINE_SHERPA_HOTWORDS_SCORE || 2)),
      workDir: path.join(work, 'asr'),
    };
    engines.push({ label: 'sherpa', spec: { ...base, decoding: 'greedy_search' } });
    engines.push({ label: 'sherpa beam', spec: { ...base, decoding: 'modified_beam_search' } });
    if (sherpa.vadDir) {
      const v = { ...base, vadDir: sherpa.vadDir };
      engines.push({ label: 'sherpa+silero', spec: { ...v, decoding: 'greedy_search' } });
      engines.push({ label: 'sherpa+silero beam', spec: { ...v, decoding: 'modified_beam_search' } });
      engines.push({ label: 'sherpa+silero+ps', spec: { ...v, decoding: 'greedy_search', secondPass: second } });
      engines.push({
        label: 'sherpa+silero+ps hotwords',
        spec: { ...v, decoding: 'modified_beam_search', secondPass: second, hotwords },
      });
      // the default engine: each segment decoded in several phases of the encoder's chunk, words voted
      const phases = sherpa.phases ?? 1;
      if (phases > 1)
        engines.push({
          label: `sherpa+silero+ps hotwords x${phases}`,
          spec: { ...v, decoding: 'modified_beam_search', secondPass: second, hotwords, phases },
        });
    } else notes.push('silero VAD: skipped — no model (HOTLINE_VAD_MODEL, or silero-vad beside the speech model)');
  } else notes.push(`sherpa: skipped — no model at ${sherpa.modelDir} (HOTLINE_SHERPA_MODEL or ../shared/models)`);

  const threads = c.HOTLINE_ASR_CONCURRENCY;
  const summary: string[] = [];
  const phraseSummary: string[] = [];
  // EVAL_ENGINES=label,label… picks engines by label (default: all); EVAL_SETS=real|synthetic|mandarin likewise
  const only = process.env.EVAL_ENGINES?.split(',').map((x) => x.trim());
  const sets = process.env.EVAL_SETS?.split(',').map((x) => x.trim());
  const chosen = engines.filter((e) => !only || only.includes(e.label));
  const evalItems = items.filter((it) => !sets || sets.includes(it.set));
  for (const e of evalItems.length ? chosen : []) {
    const pool = await SpeechPool.start(e.spec, threads);
    console.log(`\n== ${e.label} (${pool.modelId}), ${threads} thread(s)`);
    console.log(['set', 'band', 'file', 'ref words', 'errors', 'WER', 'RTF'].join('\t'));
    const totals = new Map<
      string,
      {
        errors: number;
        words: number;
        audioMs: number;
        wallMs: number;
        digitStrings: number;
        digitsRight: number;
        lags: number[];
      }
    >();
    const phrases = {
      spoken: 0,
      text: 0,
      spot: 0,
      either: 0,
      falseSynthetic: 0,
      falseReal: 0,
      realMinutes: 0,
      detail: [] as string[],
    };
    for (const it of evalItems) {
      const wav = fs.readFileSync(it.wav);
      const cpu0 = pool.decodeMs;
      const us = await transcribeWav(wav, it.channelMap, pool);
      const decodeMs = pool.decodeMs - cpu0;
      const audioMs = inspectWav(wav).durationMs * inspectWav(wav).channels;
      const w = wordErrors(it.reference, us.map((u) => u.text).join(' '));
      // the policy phrases: heard in the transcript text, and (engines that spot) found by keyphrase search
      const ref = ` ${normalizeWords(it.reference).join(' ')} `;
      const hyp = ` ${normalizeWords(us.map((u) => u.text).join(' ')).join(' ')} `;
      const spotted = us.flatMap((u) => u.keyphrases.map((k) => k.phrase));
      if (it.set === 'real') phrases.realMinutes += inspectWav(wav).durationMs / 60000;
      for (const p of phraseList) {
        const truth = ref.split(` ${p} `).length - 1;
        const inText = hyp.split(` ${p} `).length - 1;
        const got = spotted.filter((f) => f === p).length;
        const either = Math.max(inText, got);
        if (it.set === 'synthetic') {
          phrases.spoken += truth;
          phrases.text += Math.min(truth, inText);
          phrases.spot += Math.min(truth, got);
          phrases.either += Math.min(truth, either);
          phrases.falseSynthetic += Math.max(0, either - truth);
        } else phrases.falseReal += Math.max(0, either - truth);
        if (either !== truth)
          phrases.detail.push(`${it.set}/${it.band}/${it.id}: "${p}" spoken ${truth}, text ${inText}, spotted ${got}`);
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
      // EVAL_WORDS=1: the reference and what was heard, for reading the errors (eval data only: no personal data)
      if (process.env.EVAL_WORDS) console.log(`  ref: ${ref.trim()}\n  hyp: ${hyp.trim()}`);
      const key = `${it.set} ${it.band}`;
      const t = totals.get(key) ?? {
        errors: 0,
        words: 0,
        audioMs: 0,
        wallMs: 0,
        digitStrings: 0,
        digitsRight: 0,
        lags: [],
      };
      if (it.turns) t.lags.push(...onsetLags(wav, it.turns, us));
      const ds = digitStrings(it.reference, us.map((u) => u.text).join(' '));
      t.digitStrings += ds.total;
      t.digitsRight += ds.right;
      t.errors += w.errors;
      t.words += w.refWords;
      t.audioMs += audioMs;
      t.wallMs += decodeMs;
      totals.set(key, t);
    }
    await pool.close();
    const pct = (n: number) => `${((n / Math.max(1, phrases.spoken)) * 100).toFixed(1)}%`;
    phraseSummary.push(
      `${e.label.padEnd(26)} synthetic: ${phrases.spoken} spoken, in text ${phrases.text} (${pct(phrases.text)}), spotted ${phrases.spot}, either ${phrases.either} (${pct(phrases.either)}), ${phrases.falseSynthetic} false; real: ${phrases.falseReal} false in ${phrases.realMinutes.toFixed(1)} min`,
    );
    if (process.env.EVAL_PHRASE_DETAIL) for (const d of phrases.detail) console.log(`  ${d}`);
    for (const [k, t] of totals) {
      summary.push(
        `${e.label.padEnd(20)} ${k.padEnd(16)} WER ${((t.errors / t.words) * 100).toFixed(1).padStart(5)}%  (${t.errors}/${t.words} words)  digit strings ${t.digitsRight}/${t.digitStrings}  RTF ${(t.wallMs / t.audioMs).toFixed(3)}${t.lags.length ? `  first word − voice onset ${percentiles(t.lags)}` : ''}`,
      );
    }
  }
  console.log(
    `\n== policy phrases (${path.relative(repo, keyphrases)}, ${phraseList.length} phrases): recall on the synthetic calls (transcript text, keyphrase spotting, either) and false alarms (either) on both sets`,
  );
  for (const p of phraseSummary) console.log(p);
  console.log(
    '\n== overall (RTF = decode thread time / audio time, per channel, including keyphrase search and second passes)',
  );
  for (const s of summary) console.log(s);
  if (!sets || sets.includes('mandarin')) await mandarin(c, work);
  for (const n of notes) console.log(`note: ${n}`);
}

const DIGIT_WORDS = new Set(['zero', 'oh', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine']);

/**
 * Digit-string accuracy: the reference's runs of three or more spoken digits (card numbers, codes, case numbers), and
 * how many of them the hypothesis holds word for word, in order ("oh" and "zero" count as the same digit).
 */
function digitStrings(reference: string, hypothesis: string): { total: number; right: number } {
  const norm = (t: string) => normalizeWords(t).map((w) => (w === 'oh' ? 'zero' : w));
  const runs: string[] = [];
  let cur: string[] = [];
  for (const w of [...norm(reference), '']) {
    if (DIGIT_WORDS.has(w)) cur.push(w);
    else {
      if (cur.length >= 3) runs.push(cur.join(' '));
      cur = [];
    }
  }
  const hyp = ` ${norm(hypothesis).join(' ')} `;
  return { total: runs.length, right: runs.filter((r) => hyp.includes(` ${r} `)).length };
}

/**
 * Mandarin: the pinyin model on ../shared/audio/mandarin at 16 kHz and through the 8 kHz telephone band. The
 * reference (characters) is turned into pinyin with pinyin-pro; errors are counted per syllable, without tones and
 * with them. Spoken digit runs come out as digits and are compared as such.
 */
async function mandarin(c: ReturnType<typeof loadConfig>, work: string) {
  const spec = mandarinSpecFromConfig(c);
  const clips = mandarinClips(c.HOTLINE_DATA_DIR);
  console.log(`\n== Mandarin (${spec ? path.basename(spec.modelDir) : 'no model'}): syllable error rate`);
  if (!spec || !clips.length) {
    console.log(`skipped: ${!spec ? 'no Mandarin model (HOTLINE_SHERPA_MODEL_ZH)' : 'no clips in audio/mandarin'}`);
    return;
  }
  const pool = await SpeechPool.start(spec, 1);
  const tot = { '16k': [0, 0, 0], '8k-tel': [0, 0, 0] } as Record<string, number[]>;
  try {
    for (const clip of clips) {
      for (const band of ['16k', '8k-tel'] as const) {
        const wav = fs.readFileSync(band === '16k' ? clip.wav : telephoneVersion(clip, work));
        const us = await transcribeWav(wav, ['unknown'], pool);
        const hyp = us.flatMap((u) => u.words.map((w) => w.word));
        const ref = pinyin(clip.reference, { type: 'array', toneType: 'symbol' });
        const plain = wordErrors(ref.map(toneless), hyp.map(toneless));
        const toned = wordErrors(ref, hyp);
        tot[band][0] += plain.errors;
        tot[band][1] += toned.errors;
        tot[band][2] += ref.length;
        console.log(
          `${band}\t${clip.id}\t${ref.length} syllables\twithout tones ${plain.errors} errors\twith tones ${toned.errors}\theard: ${hyp.join(' ')}`,
        );
      }
    }
  } finally {
    await pool.close();
  }
  for (const [band, [plain, toned, n]] of Object.entries(tot))
    console.log(
      `mandarin ${band.padEnd(7)} syllable error ${((plain / n) * 100).toFixed(1)}% without tones, ${((toned / n) * 100).toFixed(1)}% with tones (${n} syllables, ${clips.length} clip(s))`,
    );
  console.log(
    'note: Mandarin can be measured here on real speech only (no Mandarin voice for synthetic calls: espeak-ng cmn is not recognisable), and on few syllables',
  );
}

main().catch((e) => {
  console.error(`eval:asr: ${(e as Error).message}`);
  process.exit(1);
});
