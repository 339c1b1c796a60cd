import { align } from './align';

/** Word error rate by Levenshtein alignment over normalised words. */
export function normalizeWords(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/<\/?s>|\(\S+\)$/g, ' ')
    .replace(/[^a-z0-9' ]+/g, ' ')
    .replace(/'(?![a-z])|(?<![a-z])'/g, ' ')
    .split(/\s+/)
    .filter(Boolean);
}

/**
 * Written forms of one spoken word that a transcript may use either way, compared as one when scoring (as ASR
 * evaluations' text normalisers do, e.g. Whisper's English normaliser: titles spelled out, British spellings as
 * American): a recogniser trained on American text writes "mr" and "canceled" for what a British reference spells
 * "mister" and "cancelled". Scoring only; transcripts are never rewritten.
 */
const SAME_WORD: Record<string, string> = {
  mr: 'mister',
  mrs: 'missus',
  ...Object.fromEntries(
    [
      'cancel',
      'counsel',
      'travel',
      'label',
      'model',
      'signal',
      'total',
      'level',
      'fuel',
      'channel',
      'marvel',
      'quarrel',
      'equal',
      'dial',
      'jewel',
    ].flatMap((stem) => [
      [`${stem}led`, `${stem}ed`],
      [`${stem}ling`, `${stem}ing`],
      [`${stem}ler`, `${stem}er`],
    ]),
  ),
  ...Object.fromEntries(
    ['colour', 'favour', 'honour', 'behaviour', 'neighbour', 'labour', 'harbour', 'humour', 'rumour', 'savour'].flatMap(
      (w) => [
        [w, w.replace(/our$/, 'or')],
        [`${w}s`, `${w.replace(/our$/, 'or')}s`],
      ],
    ),
  ),
  centre: 'center',
  theatre: 'theater',
  metre: 'meter',
  litre: 'liter',
  organise: 'organize',
  organised: 'organized',
  realise: 'realize',
  realised: 'realized',
  recognise: 'recognize',
  recognised: 'recognized',
  apologise: 'apologize',
  apologised: 'apologized',
  authorise: 'authorize',
  authorised: 'authorized',
  enrol: 'enroll',
  enrolment: 'enrollment',
  licence: 'license',
  defence: 'defense',
  offence: 'offense',
};

/** The form a word is compared in when scoring (see SAME_WORD). */
export const scoringForm = (w: string) => SAME_WORD[w] ?? w;

export interface WerResult {
  errors: number;
  substitutions: number;
  deletions: number;
  insertions: number;
  refWords: number;
  wer: number;
}

export function wordErrors(reference: string | string[], hypothesis: string | string[]): WerResult {
  const r = (Array.isArray(reference) ? reference : normalizeWords(reference)).map(scoringForm);
  const h = (Array.isArray(hypothesis) ? hypothesis : normalizeWords(hypothesis)).map(scoringForm);
  const n = r.length;
  const m = h.length;
  let s = 0;
  let del = 0;
  let ins = 0;
  for (const step of align(n, m, (i, j) => r[i] === h[j])) {
    if (step.j === undefined) del++;
    else if (step.i === undefined) ins++;
    else if (r[step.i] !== h[step.j]) s++;
  }
  const errors = s + del + ins;
  return {
    errors,
    substitutions: s,
    deletions: del,
    insertions: ins,
    refWords: n,
    wer: n === 0 ? (m === 0 ? 0 : 1) : errors / n,
  };
}
