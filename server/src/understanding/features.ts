/**
 * Text → sparse TF-IDF features, shared by training and inference so both see the same numbers.
 *
 * Text is normalised the way a speech engine writes it (lower case, no punctuation), so a model trained on typed
 * queries and reviews reads unpunctuated ASR text the same way. Masked personal data ("[CARD]", "████", "***")
 * becomes one token. Features are word unigrams and bigrams, and character n-grams inside word boundaries (which
 * carry spelling variants and recognition errors), each weighted by sublinear term frequency × idf; the vector is
 * L2-normalised.
 */

export interface FeatureSpec {
  wordNgrams: number;
  charMin: number;
  charMax: number;
  /** a term seen in fewer training texts than this is dropped */
  minDf: number;
  /** character n-grams (this range) that span a word boundary, e.g. "d my c" in "card my card": word order at the
   * level of spelling, robust to a misrecognised word */
  crossChar?: [number, number];
  /** word pairs with one word between them ("my _ card") */
  skipBigrams?: boolean;
  /**
   * Chinese text: character n-grams (charMin–charMax) inside each stretch between punctuation, padded with a space so
   * a stretch's first and last characters are features of their own ("吧 " ends a sentence); no word features (the
   * text has no spaces to split words at). Latin letters and digits stay as characters, a masked span is one "Ｐ".
   */
  cjk?: boolean;
}

export interface Vocabulary {
  spec: FeatureSpec;
  terms: string[];
  idf: number[];
  /**
   * An optional valence lexicon (word → −4…4). Its words add two features, `l:neg` and `l:pos` (summed valence,
   * flipped after a negation within three words, scaled), outside the TF-IDF norm: they carry sentiment that does
   * not depend on the domain the model was trained on.
   */
  lexicon?: { scale: number; words: Record<string, number> };
}

export interface SparseVector {
  indices: Int32Array;
  values: Float32Array;
}

const MASKED = /\[[a-z_ ]+\]|█+|\*{2,}|x{4,}/gi;

/**
 * Lower case, masked spans → "pii", "debit card" → "card", "nicked"/"pinched" → "stolen", "cloned" → "compromised",
 * "dropped my" → "lost my", "my purse was taken" → "stolen", "copied my card" → "compromised", digits → "0", everything that is not a letter or digit → space. The kind of card is not
 * the request: BANKING77 says "debit card" five times (two of them direct debits), so a model that kept the word read
 * "I lost my debit card" as a direct debit not recognised (0.59) — version 2 reads it as a lost card.
 */
export function normalizeText(text: string): string {
  return (
    text
      .replace(MASKED, ' pii ')
      .toLowerCase()
      .replace(/\bdebit card/g, 'card')
      // the words callers use for a card lost, stolen or copied that BANKING77 never says (version 3)
      .replace(/\b(nicked|pinched|snatched|nabbed|robbed)\b/g, 'stolen')
      .replace(/\b(cloned|skimmed)\b/g, 'compromised')
      .replace(/\bmisplaced\b/g, 'lost')
      .replace(/\bdropped (my|the|our|a|his|her)\b/g, 'lost $1')
      // version 4: a wallet "taken", "taken from my bag" is stolen (a card "taken" by a machine is not); a card
      // "copied" is compromised
      .replace(
        /\b(wallet|purse|bag|handbag|backpack|rucksack|phone) ((?:was|were|got|has been|have been|had been) )?taken\b/g,
        '$1 $2stolen',
      )
      .replace(
        /\btaken (out )?(of|from) my (bag|handbag|pocket|car|coat|jacket|locker|desk|room|purse|wallet)\b/g,
        'stolen from my $3',
      )
      .replace(/\bcopied (my|the|our|his|her) card/g, 'compromised $1 card')
      .replace(/\bcard ((?:was|has been|got|had been) )?copied\b/g, 'card $1compromised')
      .replace(/['’]/g, '')
      .replace(/[0-9]/g, '0')
      .replace(/[^a-z0 ]+/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
  );
}

/** a Chinese text's stretches between punctuation and spaces: lower case, digits as 0, a masked span as one Ｐ */
export function cjkStretches(text: string): string[] {
  return text
    .toLowerCase()
    .replace(MASKED, 'Ｐ')
    .replace(/[0-9０-９]/g, '0')
    .split(/[^\p{Script=Han}a-z0Ｐ]+/u)
    .filter(Boolean);
}

export function words(text: string): string[] {
  const n = normalizeText(text);
  return n ? n.split(' ') : [];
}

/**
 * Term counts of one text: `w:` words, `b:` bigrams, `t:` trigrams, `c:` character n-grams of " word ", and when the
 * spec asks, `s:` skip-bigrams and `x:` character n-grams across a word boundary.
 */
export function termCounts(text: string, spec: FeatureSpec): Map<string, number> {
  const out = new Map<string, number>();
  const add = (t: string) => out.set(t, (out.get(t) ?? 0) + 1);
  if (spec.cjk) {
    for (const stretch of cjkStretches(text)) {
      const padded = ' ' + stretch + ' ';
      const cs = [...padded];
      for (let n = spec.charMin; n <= spec.charMax; n++)
        for (let j = 0; j + n <= cs.length; j++) if (n > 1 || cs[j] !== ' ') add('c:' + cs.slice(j, j + n).join(''));
    }
    return out;
  }
  const ws = words(text);
  for (let i = 0; i < ws.length; i++) {
    add('w:' + ws[i]);
    if (spec.wordNgrams >= 2 && i + 1 < ws.length) add('b:' + ws[i] + ' ' + ws[i + 1]);
    if (spec.wordNgrams >= 3 && i + 2 < ws.length) add('t:' + ws[i] + ' ' + ws[i + 1] + ' ' + ws[i + 2]);
    const padded = ' ' + ws[i] + ' ';
    for (let n = spec.charMin; n <= spec.charMax; n++)
      for (let j = 0; j + n <= padded.length; j++) add('c:' + padded.slice(j, j + n));
    if (spec.skipBigrams && i + 2 < ws.length) add('s:' + ws[i] + ' _ ' + ws[i + 2]);
  }
  if (spec.crossChar && ws.length > 1) {
    const line = ' ' + ws.join(' ') + ' ';
    const [lo, hi] = spec.crossChar;
    for (let n = lo; n <= hi; n++)
      for (let j = 0; j + n <= line.length; j++) {
        const g = line.slice(j, j + n);
        const inner = g.indexOf(' ', 1); // a space strictly inside the n-gram
        if (inner > 0 && inner < n - 1) add('x:' + g);
      }
  }
  return out;
}

/** Builds the vocabulary (terms sorted, so the order never depends on the data's order) and smooth idf. */
export function buildVocabulary(texts: string[], spec: FeatureSpec, lexicon?: Vocabulary['lexicon']): Vocabulary {
  const df = new Map<string, number>();
  for (const t of texts) for (const term of termCounts(t, spec).keys()) df.set(term, (df.get(term) ?? 0) + 1);
  const terms = [...df.entries()].filter(([, n]) => n >= spec.minDf).map(([t]) => t);
  if (lexicon) terms.push('l:neg', 'l:pos');
  terms.sort();
  const N = texts.length;
  const idf = terms.map((t) => (df.has(t) ? Math.fround(Math.log((1 + N) / (1 + df.get(t)!)) + 1) : 1));
  return lexicon ? { spec, terms, idf, lexicon } : { spec, terms, idf };
}

const NEGATIONS = new Set(
  'not no never nobody nothing nowhere neither nor none without hardly barely cannot cant dont doesnt didnt isnt wasnt arent werent wont wouldnt shouldnt couldnt aint hasnt havent hadnt'.split(
    ' ',
  ),
);

/**
 * Summed valence of a text's words under a lexicon (negative part, positive part), with VADER's negation flip and
 * its "but" rule (words before the last "but" count half, words after it one and a half times: "the food was good
 * but the service was slow" leans negative).
 */
export function lexiconValence(ws: string[], words: Record<string, number>): { neg: number; pos: number } {
  let neg = 0;
  let pos = 0;
  const but = ws.lastIndexOf('but');
  for (let i = 0; i < ws.length; i++) {
    let v = Object.prototype.hasOwnProperty.call(words, ws[i]) ? words[ws[i]] : 0;
    if (!v) continue;
    for (let j = Math.max(0, i - 3); j < i; j++) if (NEGATIONS.has(ws[j])) v *= -0.74;
    if (but >= 0) v *= i < but ? 0.5 : 1.5;
    if (v > 0) pos += v;
    else neg -= v;
  }
  return { neg, pos };
}

export class Featurizer {
  private index = new Map<string, number>();
  private lexNeg = -1;
  private lexPos = -1;
  constructor(readonly vocab: Vocabulary) {
    vocab.terms.forEach((t, i) => this.index.set(t, i));
    if (vocab.lexicon) {
      this.lexNeg = this.index.get('l:neg') ?? -1;
      this.lexPos = this.index.get('l:pos') ?? -1;
      if (this.lexNeg < 0 || this.lexPos < 0) throw new Error('vocabulary has a lexicon but no l:neg / l:pos terms');
    }
  }

  get size(): number {
    return this.vocab.terms.length;
  }

  vector(text: string): SparseVector {
    const pairs: Array<[number, number]> = [];
    let norm = 0;
    for (const [term, n] of termCounts(text, this.vocab.spec)) {
      const i = this.index.get(term);
      if (i === undefined) continue;
      const v = (1 + Math.log(n)) * this.vocab.idf[i];
      pairs.push([i, v]);
      norm += v * v;
    }
    const s = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (const p of pairs) p[1] *= s;
    const lex = this.vocab.lexicon;
    if (lex) {
      const { neg, pos } = lexiconValence(words(text), lex.words);
      if (neg) pairs.push([this.lexNeg, (neg * lex.scale) / 4]);
      if (pos) pairs.push([this.lexPos, (pos * lex.scale) / 4]);
    }
    pairs.sort((a, b) => a[0] - b[0]);
    return { indices: Int32Array.from(pairs, (p) => p[0]), values: Float32Array.from(pairs, (p) => p[1]) };
  }

  /** A batch as the models' inputs: indices [n, width] (padding points at row 0 with value 0) and values. */
  batch(texts: string[]): { indices: BigInt64Array; values: Float32Array; width: number } {
    const vectors = texts.map((t) => this.vector(t));
    const width = Math.max(1, ...vectors.map((v) => v.indices.length));
    const indices = new BigInt64Array(texts.length * width);
    const values = new Float32Array(texts.length * width);
    vectors.forEach((v, r) => {
      for (let j = 0; j < v.indices.length; j++) {
        indices[r * width + j] = BigInt(v.indices[j]);
        values[r * width + j] = v.values[j];
      }
    });
    return { indices, values, width };
  }
}
