import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { normalizeText } from '../features';
import { parseCsv } from '../../lib/csv';
import { mulberry32, shuffle } from './sparse-net';

/**
 * The open datasets the project's models are trained from, read from `HOTLINE_DATA_DIR/datasets` (never copied into
 * the repository). A missing file is a clear error naming the path.
 */
export interface Example {
  text: string;
  label: string;
}

export function dataDir(): string {
  return process.env.HOTLINE_DATA_DIR ?? join(__dirname, '../../../../../shared');
}

function need(path: string): string {
  if (!existsSync(path))
    throw new Error(`training data missing: ${path} (set HOTLINE_DATA_DIR to the folder that holds datasets/)`);
  return readFileSync(path, 'utf8');
}

export function loadBanking77(dir = dataDir()): Example[] {
  const rows = parseCsv(need(join(dir, 'datasets/banking77/train.csv')));
  if (rows[0]?.[0] !== 'text' || rows[0]?.[1] !== 'category')
    throw new Error('banking77/train.csv: expected header text,category');
  return rows
    .slice(1)
    .filter((r) => r.length >= 2 && r[0].trim())
    .map((r) => ({ text: r[0], label: r[1] }));
}

export interface Clinc150 {
  train: Example[];
  val: Example[];
  oosTrain: string[];
  oosVal: string[];
  domains: Record<string, string[]>;
}

export function loadClinc150(dir = dataDir()): Clinc150 {
  const d = JSON.parse(need(join(dir, 'datasets/clinc150/train_val.json'))) as Record<string, Array<[string, string]>>;
  const domains = JSON.parse(need(join(dir, 'datasets/clinc150/domains.json'))) as Record<string, string[]>;
  const ex = (k: string) => (d[k] ?? []).map(([text, label]) => ({ text, label }));
  return {
    train: ex('train'),
    val: ex('val'),
    oosTrain: ex('oos_train').map((e) => e.text),
    oosVal: ex('oos_val').map((e) => e.text),
    domains,
  };
}

/** UCI sentiment labelled sentences: one file per source domain, `sentence<TAB>0|1`, read without quoting. */
export function loadSentiment(dir = dataDir()): Record<string, Example[]> {
  const out: Record<string, Example[]> = {};
  for (const [domain, file] of [
    ['amazon', 'amazon_cells_labelled.txt'],
    ['yelp', 'yelp_labelled.txt'],
  ] as const) {
    out[domain] = need(join(dir, 'datasets/sentiment-en', file))
      .split(/\r?\n/)
      .map((l) => l.split('\t'))
      .filter((p) => p.length >= 2 && (p[1].trim() === '0' || p[1].trim() === '1'))
      .map((p) => ({ text: p[0].trim(), label: p[1].trim() === '1' ? 'positive' : 'negative' }));
  }
  return out;
}

/** A stratified split: `fraction` of every label to validation, chosen by a seeded shuffle. */
export function stratifiedSplit(xs: Example[], fraction: number, seed: number): { train: Example[]; val: Example[] } {
  const by = new Map<string, Example[]>();
  for (const x of xs) (by.get(x.label) ?? by.set(x.label, []).get(x.label)!).push(x);
  const rand = mulberry32(seed);
  const train: Example[] = [];
  const val: Example[] = [];
  for (const label of [...by.keys()].sort()) {
    const group = shuffle([...by.get(label)!], rand);
    const k = Math.round(group.length * fraction);
    val.push(...group.slice(0, k));
    train.push(...group.slice(k));
  }
  return { train, val };
}

/**
 * The VADER valence lexicon (Hutto & Gilbert 2014, MIT licence), as shipped by the npm package vader-sentiment
 * (Apache-2.0): words only (emoticons dropped), in the form `normalizeText` writes them, sorted.
 */
export function loadValenceLexicon(): Record<string, number> {
  const file = join(dirname(require.resolve('vader-sentiment/package.json')), 'vader_lexicon.txt');
  const out: Record<string, number> = {};
  const entries: Array<[string, number]> = [];
  for (const line of readFileSync(file, 'utf8').split(/\r?\n/)) {
    const [word, mean] = line.split('\t');
    if (!word || !/^[a-z][a-z'-]*$/.test(word)) continue;
    const v = Number(mean);
    const w = normalizeText(word);
    if (!Number.isFinite(v) || !v || !w || w.includes(' ')) continue;
    entries.push([w, v]);
  }
  entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  for (const [w, v] of entries) if (!(w in out)) out[w] = v;
  return out;
}
