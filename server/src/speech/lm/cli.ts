import path from 'node:path';
import { loadConfig } from '../../config';
import { buildDomainLm, domainLmSources } from './build';

/** `npm run lm:build`: the domain language model for speech adaptation, from ../shared data and policies/asr. */
const c = loadConfig();
const info = buildDomainLm(
  domainLmSources(c),
  c.HOTLINE_ASR_DOMAIN_LM ?? path.join(c.HOTLINE_VAR_DIR, 'lm', 'domain.arpa'),
);
console.log(
  `domain LM: ${info.path}\n  ${info.sentences} sentences, ${info.vocabulary} words, n-grams ${info.ngrams.join('/')}\n  sources: ${info.sources.join('; ')}\n  sha256 ${info.sha256}`,
);
