import path from 'node:path';
import { loadConfig } from '../../config';
import { buildDomainLm } from './build';

/** `npm run lm:build`: the domain language model for speech adaptation, from ../shared data and policies/asr. */
const c = loadConfig();
const repo = path.resolve(__dirname, '..', '..', '..', '..');
const out = c.HOTLINE_ASR_DOMAIN_LM ?? path.join(c.HOTLINE_VAR_DIR, 'lm', 'domain.arpa');
const info = buildDomainLm(
  {
    banking77Csv: path.join(c.HOTLINE_DATA_DIR, 'datasets', 'banking77', 'train.csv'),
    agentPhrases: path.join(repo, 'policies', 'asr', 'agent-phrases.txt'),
    dictionary: path.join(c.HOTLINE_POCKETSPHINX_MODEL, 'cmudict-en-us.dict'),
  },
  out,
);
console.log(`domain LM: ${info.path}\n  ${info.sentences} sentences, ${info.vocabulary} words, n-grams ${info.ngrams.join('/')}\n  sources: ${info.sources.join('; ')}\n  sha256 ${info.sha256}`);
