import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config';
import { loadPolicyDir } from '../inspection/qa-policy';
import { loadMaskingPolicy } from '../protection/pii/mask';
import { fromRecognised, protectTranscript } from '../protection/protect-transcript';
import { redactWav, spansFromMarks } from '../protection/redact-audio';
import { decodeWav, inspectWav } from '../speech/audio/wav';
import { EngineSpec } from '../speech/engine';
import { engineSpecFromConfig } from '../speech/engines';
import { ensureDomainLm } from '../speech/lm/build';
import { SpeechPool } from '../speech/pool';
import { withPolicyHotwords } from '../runtime/worker-runtime';
import { transcribeWav } from '../speech/transcribe';
import { fliteAvailable, renderCall } from '../synth/render';
import type { CallScript } from '../synth/scripts';
import type { CorpusConversation } from '../lib/labelled-corpus';

/**
 * The labelled conversations written as calls (`spoken`), synthesised as stereo 8 kHz µ-law recordings (agent and
 * customer in the two flite voices, each labelled value spoken as its own part so its time is known), then run as the
 * worker runs them: transcribed by the configured engine, protected over the conversation, and the recording
 * redacted from the marks. A value counts as silenced when at least 95 % of its speech (10 ms frames that carried
 * voice in the rendered call) is silent in the redacted recording; look-alikes report how much of them was silenced.
 */
export interface AudioScore {
  calls: number;
  per: Map<string, { spans: number; silenced: number }>;
  decoys: number;
  decoysSilenced: number;
  misses: string[];
  engine: string;
}

const FRAME_MS = 10;

function frameEnergy(pcm: Int16Array, rate: number, startMs: number, endMs: number): number[] {
  const n = (rate * FRAME_MS) / 1000;
  const out: number[] = [];
  for (let ms = startMs; ms + FRAME_MS <= endMs; ms += FRAME_MS) {
    const a = Math.floor((ms * rate) / 1000);
    let e = 0;
    for (let i = a; i < a + n && i < pcm.length; i++) e += Math.abs(pcm[i]);
    out.push(e / n);
  }
  return out;
}

/** A turn cut at its labelled spans: the pieces the renderer speaks one after another. */
function partsOf(t: CorpusConversation['turns'][number]): Array<{ start: number; text: string }> {
  const cuts = [0, ...t.spans.flatMap((s) => [s.start, s.end]), t.text.length];
  return cuts.slice(0, -1).map((start, k) => ({ start, text: t.text.slice(start, cuts[k + 1]) }));
}

export function scriptFor(c: CorpusConversation): CallScript {
  return {
    id: `pii-${c.id}`,
    title: c.id,
    queue: 'eval',
    teamId: 'eval',
    agentId: 'eval',
    expect: [],
    turns: c.turns.map((t) => ({ speaker: t.speaker, text: t.text, parts: partsOf(t).map((p) => p.text) })),
  };
}

const REPO = path.resolve(__dirname, '..', '..', '..');

/**
 * The engine the worker runs, adapted as the demo runs it (domain model, keyphrase list) unless configured otherwise,
 * biased as the worker biases it: towards the keyphrases and what the shipped QA packs listen for.
 */
export async function evalSpeechPool(): Promise<SpeechPool> {
  process.env.HOTLINE_ASR_DOMAIN_LM ??= ensureDomainLm(loadConfig()).path;
  process.env.HOTLINE_ASR_DOMAIN_WEIGHT ??= '0.05';
  process.env.HOTLINE_ASR_KEYPHRASES ??= path.join(REPO, 'policies', 'asr', 'keyphrases.txt');
  const c = loadConfig();
  const spec: EngineSpec = withPolicyHotwords(engineSpecFromConfig(c), loadPolicyDir(c.HOTLINE_QA_POLICY_DIR));
  return SpeechPool.start(spec, c.HOTLINE_ASR_CONCURRENCY);
}

export async function scoreAudio(convs: CorpusConversation[], workDir: string): Promise<AudioScore | string> {
  if (!fliteAvailable()) return 'flite is not installed (apt-get install flite): no synthesised calls';
  const policy = loadMaskingPolicy(path.join(REPO, 'policies', 'masking.yaml'));
  const pool = await evalSpeechPool();
  const score: AudioScore = {
    calls: 0,
    per: new Map(),
    decoys: 0,
    decoysSilenced: 0,
    misses: [],
    engine: pool.modelId,
  };
  try {
    for (const conv of convs.filter((x) => x.spoken)) {
      if (process.env.EVAL_VERBOSE) console.error(`call ${conv.id}`);
      const call = renderCall(scriptFor(conv), workDir);
      const wav = fs.readFileSync(call.wav8kUlaw);
      const utterances = await transcribeWav(wav, ['agent', 'customer'], pool);
      const prot = protectTranscript(utterances.map(fromRecognised), policy);
      if (process.env.EVAL_VERBOSE)
        prot.utterances.forEach((u, k) =>
          console.error(`  ${u.speaker} ${u.startMs}-${u.endMs}: ${utterances[k].text}  →  ${u.masked.text}`),
        );
      const redacted = redactWav(wav, spansFromMarks(prot.utterances.flatMap((u) => u.pii)));
      const info = inspectWav(wav);
      const before = decodeWav(wav, info);
      const after = decodeWav(redacted, inspectWav(redacted));
      score.calls++;
      conv.turns.forEach((t, k) => {
        const truth = call.turns[k];
        // the renderer speaks the parts with a word in them, in order: their times are truth.parts
        const timeOf = new Map(
          partsOf(t)
            .filter((p) => /\w/.test(p.text))
            .map((p, n) => [p.start, truth.parts![n]]),
        );
        for (const sp of t.spans) {
          const when = timeOf.get(sp.start)!;
          const ch = truth.channel;
          const voiced = frameEnergy(before[ch], info.sampleRate, when.startMs, when.endMs).map((e) => e > 60);
          const left = frameEnergy(after[ch], info.sampleRate, when.startMs, when.endMs);
          const speech = voiced.filter(Boolean).length;
          const quiet = left.filter((e, f) => voiced[f] && e < 1).length;
          const ok = speech > 0 && quiet / speech >= 0.95;
          const words = t.text.slice(sp.start, sp.end);
          if (sp.type === '~') {
            score.decoys++;
            if (quiet / Math.max(1, speech) > 0.5) {
              score.decoysSilenced++;
              score.misses.push(`${conv.id}: look-alike "${words}" silenced`);
            }
            continue;
          }
          const r = score.per.get(sp.type) ?? { spans: 0, silenced: 0 };
          r.spans++;
          if (ok) r.silenced++;
          else {
            const heard = utterances
              .filter((u) => u.channel === ch && u.endMs >= when.startMs - 500 && u.startMs <= when.endMs + 500)
              .map((u) => u.text)
              .join(' / ');
            // where the speech left audible is: before the silence, inside it, or after it (10 ms frames)
            const loud = voiced.map((v, f) => v && left[f] >= 1);
            const firstQuiet = left.findIndex((e, f) => voiced[f] && e < 1);
            const lastQuiet =
              left.length - 1 - [...left].reverse().findIndex((e, f) => voiced[left.length - 1 - f] && e < 1);
            const ms = (from: number, to: number) => loud.slice(from, to).filter(Boolean).length * 10;
            const where =
              firstQuiet < 0
                ? `${ms(0, loud.length)} ms audible`
                : `audible ${ms(0, firstQuiet)} ms before, ${ms(firstQuiet, lastQuiet + 1)} inside, ${ms(lastQuiet + 1, loud.length)} after`;
            score.misses.push(
              `${conv.id}: ${sp.type} "${words}" ${Math.round((quiet / Math.max(1, speech)) * 100)}% silenced (${where}); heard "${heard}"`,
            );
          }
          score.per.set(sp.type, r);
        }
      });
    }
  } finally {
    await pool.close();
  }
  return score;
}

export function printAudio(title: string, s: AudioScore | string) {
  if (typeof s === 'string') {
    console.log(`\n${title}: skipped — ${s}`);
    return;
  }
  console.log(`\n${title}: ${s.calls} synthesised 8 kHz µ-law calls, engine ${s.engine}`);
  console.log(['type', 'values', 'silenced'].join('\t'));
  let n = 0;
  let ok = 0;
  for (const [t, r] of [...s.per].sort()) {
    n += r.spans;
    ok += r.silenced;
    console.log([t, r.spans, `${((r.silenced / r.spans) * 100).toFixed(1)}%`].join('\t'));
  }
  console.log(['all', n, `${((ok / Math.max(1, n)) * 100).toFixed(1)}%`].join('\t'));
  console.log(`look-alikes silenced: ${s.decoysSilenced} of ${s.decoys}`);
  for (const m of s.misses) console.log(`  ${m}`);
}
