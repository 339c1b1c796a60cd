import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../../config';
import { parseCsv } from '../../lib/csv';
import { spellNumbers } from '../../lib/numbers';
import { buildArpa, dictionaryWords } from './arpa';

export interface DomainLmSources {
  /** ../shared/datasets/banking77/train.csv (customer requests, CC BY 4.0) */
  banking77Csv?: string;
  /** policies/asr/agent-phrases.txt (agent lines, the project's own) */
  agentPhrases: string;
  dictionary: string;
}

export interface DomainLmInfo {
  path: string;
  sha256: string;
  sentences: number;
  vocabulary: number;
  ngrams: number[];
  sources: string[];
}

export function domainSentences(src: DomainLmSources): { lines: string[]; sources: string[] } {
  const lines: string[] = [];
  const sources: string[] = [];
  if (src.banking77Csv && fs.existsSync(src.banking77Csv)) {
    const rows = parseCsv(fs.readFileSync(src.banking77Csv, 'utf8'));
    const header = rows.shift() ?? [];
    const col = Math.max(0, header.indexOf('text'));
    for (const r of rows) if (r[col]) lines.push(spellNumbers(r[col]));
    sources.push(`banking77 train (${rows.length} customer requests, CC BY 4.0, PolyAI)`);
  }
  const agent = fs
    .readFileSync(src.agentPhrases, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  // agent lines are few beside 10k customer requests: repeat them so agent phrasing carries weight
  for (let i = 0; i < 20; i++) lines.push(...agent);
  sources.push(`${path.basename(src.agentPhrases)} (${agent.length} agent lines ×20)`);
  return { lines, sources };
}

/** Builds the domain ARPA model deterministically (same sources → same bytes). */
export function buildDomainLm(src: DomainLmSources, outFile: string): DomainLmInfo {
  const { lines, sources } = domainSentences(src);
  const vocabulary = dictionaryWords(fs.readFileSync(src.dictionary, 'utf8'));
  const r = buildArpa(lines, { vocabulary });
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  fs.writeFileSync(outFile, r.arpa);
  const info: DomainLmInfo = {
    path: outFile,
    sha256: crypto.createHash('sha256').update(r.arpa).digest('hex'),
    sentences: r.sentences,
    vocabulary: r.vocabulary,
    ngrams: r.counts,
    sources,
  };
  fs.writeFileSync(`${outFile}.json`, JSON.stringify(info, null, 2));
  return info;
}

const REPO = path.resolve(__dirname, '..', '..', '..', '..');

/** Where the domain model comes from: Banking77 in the shared data, the project's agent lines, the engine's dictionary. */
export function domainLmSources(c: Pick<Config, 'HOTLINE_DATA_DIR' | 'HOTLINE_POCKETSPHINX_MODEL'>): DomainLmSources {
  return {
    banking77Csv: path.join(c.HOTLINE_DATA_DIR, 'datasets', 'banking77', 'train.csv'),
    agentPhrases: path.join(REPO, 'policies', 'asr', 'agent-phrases.txt'),
    dictionary: path.join(c.HOTLINE_POCKETSPHINX_MODEL, 'cmudict-en-us.dict'),
  };
}

/** The configured domain model file (default var/lm/domain.arpa), built first if it is not there. */
export function ensureDomainLm(
  c: Pick<Config, 'HOTLINE_DATA_DIR' | 'HOTLINE_POCKETSPHINX_MODEL' | 'HOTLINE_VAR_DIR' | 'HOTLINE_ASR_DOMAIN_LM'>,
): { path: string; built?: DomainLmInfo } {
  const file = c.HOTLINE_ASR_DOMAIN_LM ?? path.join(c.HOTLINE_VAR_DIR, 'lm', 'domain.arpa');
  if (fs.existsSync(file)) return { path: file };
  return { path: file, built: buildDomainLm(domainLmSources(c), file) };
}
