import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { detectPii } from '../protection/pii/detect';
import { labelledSet } from '../protection/pii/labelled-set';
import { loadMaskingPolicy } from '../protection/pii/mask';
import { protectTranscript, SAD_TYPES } from '../protection/protect-transcript';
import { loadConfig } from '../config';
import { printAudio, scoreAudio } from './eval-pii-audio';
import { CorpusConversation, readCorpus } from '../lib/labelled-corpus';

const ROOT = path.resolve(__dirname, '..', '..', '..');
export const CORPUS_DIR = path.join(ROOT, 'server', 'eval-data', 'pii');

interface Row {
  spans: number;
  protectedSpans: number;
  marks: number;
  falseMarks: number;
}

export interface CorpusScore {
  per: Map<string, Row>;
  decoys: number;
  decoysMasked: number;
  misses: string[];
}

/**
 * Runs labelled conversations through the masking stage as the text channels do (protectTranscript over the whole
 * conversation) and scores it: a labelled value is protected when every letter and digit of it is inside a mark —
 * for CVV, PIN and one-time codes a mark that removes it (one of those types). A mark that touches no labelled value
 * is a false mark of its type; look-alikes must stay readable.
 */
export function scoreCorpus(convs: CorpusConversation[], policyFile = path.join(ROOT, 'policies', 'masking.yaml')) {
  const policy = loadMaskingPolicy(policyFile);
  const per = new Map<string, Row>();
  const row = (t: string) =>
    per.get(t) ?? (per.set(t, { spans: 0, protectedSpans: 0, marks: 0, falseMarks: 0 }), per.get(t)!);
  const score: CorpusScore = { per, decoys: 0, decoysMasked: 0, misses: [] };
  for (const c of convs) {
    const prot = protectTranscript(
      c.turns.map((t, k) => ({
        speaker: t.speaker,
        startMs: k * 5000,
        endMs: k * 5000 + 4000,
        text: t.text,
        words: [],
        keyphrases: [],
        confidence: null,
      })),
      policy,
    );
    c.turns.forEach((t, k) => {
      const marks = prot.utterances[k].pii;
      for (const sp of t.spans) {
        const touching = marks.filter((m) => m.start < sp.end && m.end > sp.start);
        if (sp.type === '~') {
          score.decoys++;
          if (touching.length) {
            score.decoysMasked++;
            score.misses.push(`${c.id}: look-alike "${t.text.slice(sp.start, sp.end)}" masked as ${touching[0].type}`);
          }
          continue;
        }
        const r = row(sp.type);
        r.spans++;
        const strong = SAD_TYPES.has(sp.type) ? touching.filter((m) => SAD_TYPES.has(m.type)) : touching;
        let ok = true;
        for (let i = sp.start; i < sp.end; i++)
          if (/[A-Za-z0-9]/.test(t.text[i]) && !strong.some((m) => m.start <= i && m.end > i)) ok = false;
        if (ok) r.protectedSpans++;
        else
          score.misses.push(
            `${c.id}: ${sp.type} missed (${touching.map((m) => m.type).join(',') || 'no mark'}) in "${t.text}"`,
          );
      }
      for (const m of marks) {
        const r = row(m.type);
        r.marks++;
        if (!t.spans.some((sp) => sp.type !== '~' && m.start < sp.end && m.end > sp.start)) {
          r.falseMarks++;
          if (!t.spans.some((sp) => m.start < sp.end && m.end > sp.start))
            score.misses.push(`${c.id}: false ${m.type} "${t.text.slice(m.start, m.end)}"`);
        }
      }
    });
  }
  return score;
}

const pct = (a: number, b: number) => (b ? `${((a / b) * 100).toFixed(1)}%` : '—');

export function printScore(title: string, s: CorpusScore, conversations: number) {
  console.log(`\n${title}: ${conversations} conversations`);
  console.log(['type', 'values', 'recall', 'marks', 'precision'].join('\t'));
  let spans = 0;
  let prot = 0;
  let marks = 0;
  let fm = 0;
  for (const [t, r] of [...s.per].sort()) {
    spans += r.spans;
    prot += r.protectedSpans;
    marks += r.marks;
    fm += r.falseMarks;
    console.log([t, r.spans, pct(r.protectedSpans, r.spans), r.marks, pct(r.marks - r.falseMarks, r.marks)].join('\t'));
  }
  console.log(['all', spans, pct(prot, spans), marks, pct(marks - fm, marks)].join('\t'));
  console.log(`look-alikes masked: ${s.decoysMasked} of ${s.decoys}`);
  for (const m of s.misses) console.log(`  ${m}`);
}

/** The project's generated sentences (a regression check of the detector's own forms, not acceptance). */
export function scorePii(n = 1200) {
  const set = labelledSet(n);
  const per = new Map<string, { tp: number; fn: number; fp: number }>();
  const row = (t: string) => per.get(t) ?? (per.set(t, { tp: 0, fn: 0, fp: 0 }), per.get(t)!);
  for (const s of set) {
    const found = detectPii(s.text);
    for (const span of s.spans) {
      const hit = found.some((f) => f.type === span.type && f.start <= span.start && f.end >= span.end);
      row(span.type)[hit ? 'tp' : 'fn']++;
      if (!hit && process.env.EVAL_VERBOSE) console.log(`generated miss ${span.type}: ${s.text}`);
    }
    for (const f of found)
      if (!s.spans.some((sp) => sp.type === f.type && f.start < sp.end && f.end > sp.start)) row(f.type).fp++;
  }
  return { per, sentences: set.length };
}

/**
 * The shipped masking policy with its optional types (names, postcodes, addresses) listed as the file's comments show
 * them, written to a temporary file: what a deployment that opts in would run.
 */
export function maskingPolicyWithOptionalTypes(): string {
  const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'masking-optional-')), 'masking.yaml');
  fs.writeFileSync(
    f,
    fs
      .readFileSync(path.join(ROOT, 'policies', 'masking.yaml'), 'utf8')
      .replace(/^ {2}# (person_name|postcode|address): \{/gm, '  $1: {'),
  );
  return f;
}

async function main() {
  const all: Array<[string, string]> = [
    ['holdout-aj', 'HELD OUT AJ (written at stop 47 after AI and its changes, mostly spoken, run once)'],
    ['holdout-ai', 'held out AI (written at stop 47 after AH and its changes, run once; its miss fixed)'],
    ['holdout-ah', 'held out AH (written at stop 47 before any change for it, run once; its misses fixed)'],
    ['holdout-ag', 'held out AG (written at stop 46 after AF and its changes, run once; its misses fixed)'],
    ['holdout-af', 'held out AF (written at stop 46 before any change for it, run once; its text miss fixed)'],
    ['holdout-ae', 'HELD OUT AE (written at stop 40 before any change for it, run once)'],
    [
      'holdout-ad',
      'HELD OUT AD (English and Mandarin, 6 spoken, written at stop 39 after verdict set 74; its one text miss fixed)',
    ],
    ['holdout-ac', 'HELD OUT AC (Mandarin, written at stop 38 after held-out 65, run once)'],
    ['holdout-ab', 'held out AB (written at stop 38 after held-out 63; its two text misses fixed)'],
    ['holdout-aa', 'held out AA (written at stop 37 after its verdict changes; its text miss fixed)'],
    ['holdout-z', 'held out Z (written last at stop 36 after every change, run once; its PIN miss fixed after)'],
    ['holdout-y', 'held out Y (written at stop 36 after X; its first-run misses fixed but two)'],
    ['holdout-x', 'held out X (written at the start of stop 36; its call miss fixed)'],
    ['holdout-w', 'HELD OUT W (written last at stop 35 after every change, run once, left as it is)'],
    ['holdout-v', 'HELD OUT V (written last at stop 34 after every change, run once)'],
    [
      'holdout-u',
      'held out U (written at stop 34 after all its verdict changes; two of its misses fixed after its run)',
    ],
    ['holdout-t', "held out T (written at stop 34 after S; its first run's misses fixed)"],
    ['holdout-s', "held out S (written at the start of stop 34; its first run's misses fixed)"],
    ['holdout-r', 'held out R (written last at stop 33 after all its changes; two of its misses fixed after its run)'],
    ['holdout-q', "held out Q (written at stop 33 after P's fix; its first run's miss fixed)"],
    ['holdout-p', "held out P (written at stop 33 after all O's changes; its text miss fixed)"],
    ['holdout-o', "held out O (written at stop 33 after N's fix; its first run's misses fixed)"],
    ['holdout-n', 'HELD OUT N (written last at stop 32 after all its changes; its code fixed at stop 33)'],
    ['holdout-m', "held out M (written at stop 32; its first run's miss fixed)"],
    ['holdout-l', "held out L (written at stop 32; its first run's misses fixed)"],
    ['holdout-k', "held out K (written at stop 32 after its verdict changes; its first run's misses fixed)"],
    ['holdout-j', 'held out J (written at stop 31 after its changes; its first-run misses fixed)'],
    ['holdout-i', 'held out I (written at the start of stop 31; its first-run misses fixed)'],
    ['holdout-h', 'held out H (written last at stop 30; its one first-run miss fixed)'],
    ['holdout-g', 'held out G (written at the end of stop 30; first run in the README, its misses since fixed)'],
    ['holdout-f', "held out F (written at stop 30; its first run's misses fixed)"],
    ['holdout-e', 'held out E (written at stop 29 after its detector changes; its misses fixed at stops 29 and 30)'],
    ['holdout-d', 'held out D (written at stop 29 before its detector changes, nothing tuned on it)'],
    ['holdout-c', 'HELD OUT C (written at stop 28 after its detector changes, nothing tuned on it)'],
    ['holdout-b', 'held out B (its misses were printed from stop 27 on; two of its formats fixed at stop 28)'],
    ['holdout', 'held out A (written before the detector; its first run guided fixes, see README)'],
    ['dev', 'development set'],
    ['dev-2', 'development set 2 (stop 28: the forms of each type, channels, next-turn answers)'],
  ];
  // EVAL_PII_SETS=dev,dev-2 runs those sets only (development without looking at a held-out set)
  const only = process.env.EVAL_PII_SETS?.split(',').map((x) => x.trim());
  const sets = only ? all.filter(([name]) => only.includes(name)) : all;
  for (const [name, title] of sets) {
    const convs = readCorpus(path.join(CORPUS_DIR, `${name}.txt`));
    printScore(`${title} — text`, scoreCorpus(convs), convs.length);
  }
  // names, postcodes and addresses: scored under the shipped policy with its optional types listed
  const optionalPolicy = maskingPolicyWithOptionalTypes();
  for (const [name, title] of [
    ['optional-holdout', 'OPTIONAL TYPES, HELD OUT (written after the detector, run once, nothing tuned on it)'],
    ['optional-dev', 'optional types, development set'],
  ]) {
    if (only && !only.includes(name)) continue;
    const convs = readCorpus(path.join(CORPUS_DIR, `${name}.txt`));
    printScore(
      `${title} — text, policy listing person_name, postcode, address`,
      scoreCorpus(convs, optionalPolicy),
      convs.length,
    );
  }
  if (process.env.EVAL_PII_AUDIO !== '0') {
    const work = path.join(loadConfig().HOTLINE_VAR_DIR, 'eval', 'pii-calls');
    for (const [name, title] of sets) {
      const convs = readCorpus(path.join(CORPUS_DIR, `${name}.txt`));
      printAudio(`${title} — audio`, await scoreAudio(convs, work));
    }
  }
  const { per, sentences } = scorePii();
  let tp = 0;
  let fn = 0;
  let fp = 0;
  for (const r of per.values()) {
    tp += r.tp;
    fn += r.fn;
    fp += r.fp;
  }
  console.log(
    `\ngenerated sentences (regression of the detector's own forms): ${sentences}, recall ${pct(tp, tp + fn)}, precision ${pct(tp, tp + fp)}`,
  );
}

if (require.main === module) {
  main().catch((e) => {
    console.error(`eval:pii: ${(e as Error).message}`);
    process.exit(1);
  });
}
