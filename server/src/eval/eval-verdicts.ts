import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inspect, type Finding } from '../inspection/engine';
import { loadPolicyDir, type Policy } from '../inspection/qa-policy';
import { loadRouting } from '../inspection/routing';
import { toInspectUtterance, type InspectUtterance } from '../inspection/transcript';
import { loadMaskingPolicy } from '../protection/pii/mask';
import { fromRecognised, PlainUtterance, protectTranscript } from '../protection/protect-transcript';
import { LanguageModels } from '../understanding/classifier';
import { readTurns } from '../understanding/read-turns';
import { TONE_SIGNAL } from '../understanding/tone';
import { SpeechPool } from '../speech/pool';
import { transcribeWav } from '../speech/transcribe';
import { fliteAvailable, renderCall } from '../synth/render';
import { evalSpeechPool, scriptFor } from './eval-pii-audio';
import { CorpusConversation, readCorpus } from '../lib/labelled-corpus';

/**
 * `npm run eval:verdicts`: labelled conversations (server/eval-data/verdicts) run as the text channels run — masked
 * over the conversation, understood by the shipped models (intent from the opening request, tone per turn), inspected
 * against the shipped packs — and each labelled rule's result compared with the analyst's: agreement per rule, the
 * rules never evaluated, and the disagreements.
 */
export interface VerdictContext {
  masking: ReturnType<typeof loadMaskingPolicy>;
  packs: Policy[];
  routing: ReturnType<typeof loadRouting> | undefined;
  nlu: LanguageModels;
}

export const VERDICTS_DIR = path.resolve(__dirname, '..', '..', 'eval-data', 'verdicts');
const REPO = path.resolve(__dirname, '..', '..', '..');

/** The shipped masking policy, QA packs, routing and language models, as the worker loads them. */
export async function verdictContext(): Promise<VerdictContext> {
  const masking = loadMaskingPolicy(path.join(REPO, 'policies', 'masking.yaml'));
  const packs = loadPolicyDir(path.join(REPO, 'policies', 'qa'));
  const routingFile = path.join(REPO, 'policies', 'routing.yaml');
  const routing = fs.existsSync(routingFile) ? loadRouting(routingFile) : undefined;
  const nlu = await LanguageModels.load(process.env.HOTLINE_MODELS_DIR ?? path.join(REPO, 'models'));
  return { masking, packs, routing, nlu };
}

/** The labelled sets in VERDICTS_DIR: held-out ones newest first (holdout-7, holdout-6 … holdout), then dev-N … dev. */
export function verdictSets(): string[] {
  const n = (f: string) => Number(/-(\d+)\.txt$/.exec(f)?.[1] ?? 1);
  const of = (kind: string) =>
    fs
      .readdirSync(VERDICTS_DIR)
      .filter((f) => new RegExp(`^${kind}(-\\d+)?\\.txt$`).test(f))
      .sort((a, b) => n(b) - n(a));
  return [...of('holdout'), ...of('dev')];
}

async function main() {
  const ctx = await verdictContext();
  // the newest held-out set first (the figure to quote), then the sets already read, then the development sets
  const files = process.env.EVAL_VERDICTS_FILE
    ? [process.env.EVAL_VERDICTS_FILE]
    : verdictSets().map((f) => path.join(VERDICTS_DIR, f));
  // EVAL_VERDICTS_CALLS=holdout-7.txt,dev-3.txt (or 1 for every file run): those sets again as synthesised calls
  const callSets = process.env.EVAL_VERDICTS_CALLS;
  const asCalls = (f: string) => callSets === '1' || (callSets ?? '').split(',').includes(path.basename(f));
  let calls: { pool: SpeechPool; workDir: string } | undefined;
  try {
    for (const file of files) {
      printScore(file, await scoreVerdicts(file, ctx), ctx);
      console.log('');
    }
    for (const file of files.filter(asCalls)) {
      if (!fliteAvailable()) {
        console.log(`${path.basename(file)} as calls: skipped — flite is not installed (apt-get install flite)`);
        continue;
      }
      calls ??= { pool: await evalSpeechPool(), workDir: fs.mkdtempSync(path.join(os.tmpdir(), 'eval-verdicts-')) };
      const score = await scoreVerdicts(file, ctx, calls);
      printScore(file, score, ctx, `as synthesised 8 kHz calls, engine ${calls.pool.modelId}`);
      console.log('');
    }
  } finally {
    await ctx.nlu.release();
    if (calls) {
      await calls.pool.close();
      fs.rmSync(calls.workDir, { recursive: true, force: true });
    }
  }
}

export interface VerdictScore {
  conversations: number;
  per: Map<string, { labels: number; agree: number; notEvaluated: number }>;
  /** disagreements, labels not evaluated and conversations not inspected, one line each */
  notes: string[];
  disagreements: number;
  noPolicy: number;
}

/** One conversation's utterances (text, or what the recogniser heard on a call) masked, understood and inspected. */
async function judge(c: CorpusConversation, plain: PlainUtterance[], channel: string, ctx: VerdictContext) {
  const { masking, packs, routing, nlu } = ctx;
  const prot = protectTranscript(plain, masking);
  const opened = prot.utterances.map((u, k) => ({ seq: k, speaker: u.speaker, text: u.masked.text }));
  const { picked, toned, reads } = await readTurns(nlu, opened);
  const transcript = {
    conversationId: c.id,
    channel,
    queue: c.queue,
    language: c.language,
    durationMs: Math.max(0, ...plain.map((u) => u.endMs)),
    intent: picked.intent,
    utterances: prot.utterances.map((u, k) => ({
      ...toInspectUtterance({
        id: `${c.id}-${k}`,
        seq: k,
        speaker: u.speaker,
        startMs: u.startMs,
        endMs: u.endMs,
        text: u.masked.text,
        words: u.masked.words.length ? u.masked.words : null,
        pii: u.pii,
        keyphrases: u.keyphrases,
      }),
      sentiment: toned[k].label === 'neutral' ? 0 : toned[k].score,
      attitude: toned[k].cue === 'attitude',
      readAs: reads[k],
    })),
  };
  const verdict = await inspect(packs, transcript, { ...nlu.ids, tone: TONE_SIGNAL }, undefined, routing);
  return { verdict, utterances: transcript.utterances };
}

/** The (masked) words a finding points at, for a disagreement's note: what the analyst should look at. */
function evidenceWords(f: Finding, utterances: InspectUtterance[]): string {
  const words = f.evidence
    .map((e) => {
      const u = utterances.find((x) => x.id === e.utteranceId);
      if (!u || !e.tokens) return null;
      const [a, b] = e.tokens;
      return b - a > 12 ? `${u.tokens.slice(a, a + 12).join(' ')} …` : u.tokens.slice(a, b).join(' ');
    })
    .filter((w): w is string => !!w);
  return words.length ? `; at "${words.slice(0, 2).join('", "')}"` : '';
}

/** A text conversation's turns five seconds apart, as the text channels store them. */
const asText = (c: CorpusConversation): PlainUtterance[] =>
  c.turns.map((t, k) => ({
    speaker: t.speaker,
    startMs: k * 5000,
    endMs: k * 5000,
    text: t.text,
    words: [],
    keyphrases: [],
    confidence: null,
  }));

/**
 * Each labelled conversation of a file run as the text channels run, its labelled rules compared. With `calls`, each
 * is instead synthesised as a stereo 8 kHz call (the two flite voices), transcribed by the engine the worker runs and
 * inspected as a call: the labels that hold for a call (a call has no SMS pack, so an SMS label is not evaluated).
 */
export async function scoreVerdicts(
  file: string,
  ctx: VerdictContext,
  calls?: { pool: SpeechPool; workDir: string },
): Promise<VerdictScore> {
  const convs = readCorpus(file);
  let disagreements = 0;
  const per = new Map<string, { labels: number; agree: number; notEvaluated: number }>();
  const notes: string[] = [];
  let noPolicy = 0;
  for (const c of convs) {
    let plain = asText(c);
    if (calls && c.language !== 'en') {
      // the Debian voices (flite) speak English only: a Mandarin conversation is scored as text
      notes.push(`${c.id}: not synthesised (no ${c.language} voice); scored as text only`);
      continue;
    }
    if (calls) {
      const call = renderCall(scriptFor(c), calls.workDir);
      const heard = await transcribeWav(fs.readFileSync(call.wav8kUlaw), ['agent', 'customer'], calls.pool);
      plain = heard.map(fromRecognised);
      if (process.env.EVAL_VERBOSE) for (const u of plain) console.error(`  ${c.id} ${u.speaker}: ${u.text}`);
    }
    const { verdict, utterances } = await judge(c, plain, calls ? 'call' : c.channel, ctx);
    if (verdict.outcome !== 'inspected') {
      noPolicy++;
      notes.push(`${c.id}: ${verdict.outcome} (${verdict.reasonCode}: ${verdict.reason})`);
    }
    for (const l of c.labels) {
      const r = per.get(l.ruleId) ?? { labels: 0, agree: 0, notEvaluated: 0 };
      r.labels++;
      const f = verdict.findings.find((x) => x.ruleId === l.ruleId);
      if (!f || (f.result !== 'pass' && f.result !== 'fail')) {
        r.notEvaluated++;
        notes.push(
          `${c.id}: ${l.ruleId} not evaluated (${f ? `${f.result}: ${f.message}` : 'not in the pack that applies'})`,
        );
      } else if (f.result === l.expected) r.agree++;
      else {
        disagreements++;
        notes.push(
          `${c.id}: ${l.ruleId} gives ${f.result}, the analyst ${l.expected} (${f.message}${evidenceWords(f, utterances)})`,
        );
      }
      per.set(l.ruleId, r);
    }
  }
  return { conversations: convs.length, per, notes, disagreements, noPolicy };
}

function printScore(file: string, score: VerdictScore, ctx: VerdictContext, how = 'as text') {
  const { per, notes, noPolicy } = score;
  const nlu = ctx.nlu;
  console.log(
    `${score.conversations} labelled conversations (${path.relative(REPO, file)}) ${how}, models ${JSON.stringify({ ...nlu.ids, tone: TONE_SIGNAL })}`,
  );
  console.log(['rule', 'labels', 'evaluated', 'agreement'].join('\t'));
  let labels = 0;
  let agree = 0;
  let evaluated = 0;
  for (const [rule, r] of [...per].sort()) {
    const ev = r.labels - r.notEvaluated;
    labels += r.labels;
    agree += r.agree;
    evaluated += ev;
    console.log([rule, r.labels, ev, ev ? `${((r.agree / ev) * 100).toFixed(1)}%` : '—'].join('\t'));
  }
  console.log(
    ['all', labels, evaluated, `${((agree / Math.max(1, evaluated)) * 100).toFixed(1)}%`].join('\t') +
      `  (${((evaluated / Math.max(1, labels)) * 100).toFixed(1)}% of labels evaluated; ${noPolicy} conversation(s) not inspected)`,
  );
  for (const n of notes) console.log(`  ${n}`);
}

if (require.main === module)
  main().catch((e) => {
    console.error(`eval:verdicts: ${(e as Error).message}`);
    process.exit(1);
  });
