/**
 * Digits as people say them and recognisers write them: "4111", "4111-1111", "four one one one", "oh", "double five",
 * compounds ("six thousand eight hundred eleven", "twenty one", "nineteen eighty four") and the homophones a
 * recogniser writes for digits ("for", "to", "won", "ate"). A run is a stretch of such tokens with nothing but
 * spaces, commas, periods or dashes between them; its digits are what a listener would key in.
 */

export interface Tok {
  text: string;
  /** lower case, trailing punctuation removed */
  w: string;
  start: number;
  end: number;
}

/** Words and numbers, with hyphenated number words ("twenty-one") split into their parts. */
export function tokenize(text: string): Tok[] {
  const out: Tok[] = [];
  const re = /[A-Za-z0-9@._+'-]+/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const word = m[0];
    if (/^[A-Za-z]+(-[A-Za-z]+)+[.,]*$/.test(word) && word.split('-').some((p) => classify(p.toLowerCase()))) {
      let at = m.index;
      for (const part of word.split('-')) {
        out.push(tok(part, at));
        at += part.length + 1;
      }
    } else out.push(tok(word, m.index));
  }
  return out;
}

function tok(text: string, start: number): Tok {
  const trimmed = text.replace(/[.,]+$/, '');
  return { text, w: trimmed.toLowerCase(), start, end: start + trimmed.length };
}

export const UNITS: Record<string, number> = {
  zero: 0,
  oh: 0,
  o: 0,
  nought: 0,
  nil: 0,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
};
export const TEENS: Record<string, number> = {
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  seventeen: 17,
  eighteen: 18,
  nineteen: 19,
};
const TENS: Record<string, number> = {
  twenty: 20,
  thirty: 30,
  forty: 40,
  fourty: 40,
  fifty: 50,
  sixty: 60,
  seventy: 70,
  eighty: 80,
  ninety: 90,
};
const REPEAT: Record<string, number> = { double: 2, triple: 3 };
/** what recognisers write for digits they heard: counted only next to other digits */
const HOMOPHONES: Record<string, number> = { for: 4, fore: 4, to: 2, too: 2, won: 1, ate: 8 };

/** words after which "one" is a pronoun ("the second one", "that one", "the new one") */
const ONE_PRONOUN_AFTER =
  /^(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|last|next|other|another|that|this|which|each|every|no|any|new|old|same|only|right|wrong|little|big|main|other's)$/;

type Kind = 'num' | 'unit' | 'teen' | 'tens' | 'hundred' | 'thousand' | 'and' | 'repeat' | 'homophone';

function classify(w: string): Kind | undefined {
  if (/^\d+(-\d+)*$/.test(w)) return 'num';
  if (w in UNITS) return 'unit';
  if (w in TEENS) return 'teen';
  if (w in TENS) return 'tens';
  if (w === 'hundred') return 'hundred';
  if (w === 'thousand') return 'thousand';
  if (w === 'and') return 'and';
  if (w in REPEAT) return 'repeat';
  if (w in HOMOPHONES) return 'homophone';
  return undefined;
}

const digitish = (w: string | undefined) => {
  const k = w === undefined ? undefined : classify(w);
  return k === 'num' || k === 'unit' || k === 'teen' || k === 'tens' || k === 'repeat';
};

export interface DigitRun {
  digits: string;
  /** char offset of the token that produced each digit */
  at: number[];
  start: number;
  end: number;
  firstTok: number;
  lastTok: number;
  /** spoken with number words (not written digits) */
  spoken: boolean;
  /** has a quantity word (twenty, hundred, thousand…): not read out digit by digit */
  compound: boolean;
}

interface Chunk {
  total: number;
  cur: number;
  last: Kind;
  text?: string;
  tok: number;
}

/**
 * The digit runs of a token list. A compound is read as its value ("six thousand eight hundred eleven" → 6811); digit
 * words and compounds in a row are concatenated ("nineteen eighty four" → 1984, "oh nine twenty six" → 0926).
 */
export function digitRuns(toks: Tok[], text: string): DigitRun[] {
  const runs: DigitRun[] = [];
  let run: DigitRun | undefined;
  let chunk: Chunk | undefined;
  const chunkDigits = (c: Chunk) => c.text ?? String(c.total + c.cur);
  const flush = () => {
    if (!chunk || !run) return;
    const s = chunkDigits(chunk);
    run.digits += s;
    for (let k = 0; k < s.length; k++) run.at.push(toks[chunk.tok].start);
    chunk = undefined;
  };
  const close = () => {
    flush();
    if (run && run.digits.length) runs.push(run);
    run = undefined;
  };
  const open = (i: number, spoken: boolean) => {
    // anything but spaces, commas, periods or dashes ends a run; so does a new line (the next utterance)
    if (run && /[^\s,.-]|\n/.test(text.slice(run.end, toks[i].start))) close();
    run ??= {
      digits: '',
      at: [],
      start: toks[i].start,
      end: toks[i].end,
      firstTok: i,
      lastTok: i,
      spoken: false,
      compound: false,
    };
    run.spoken ||= spoken;
  };
  const extend = (i: number) => {
    run!.end = toks[i].end;
    run!.lastTok = i;
  };
  for (let i = 0; i < toks.length; i++) {
    const w = toks[i].w;
    let kind = classify(w);
    if (kind === 'unit' && w === 'o' && !run) kind = undefined;
    // "one" as a pronoun ("the second one is six", "that one", "the old one"), not a digit
    if (w === 'one' && ONE_PRONOUN_AFTER.test(toks[i - 1]?.w ?? '')) kind = undefined;
    // recognisers write "oh" as "or" inside a digit string ("six two three one nine or two"), or as "ho" where the
    // digit before ran into it ("for two ho ate"); "one or two days" is a choice, so at least two digits must come
    // before it
    const next = toks[i + 1]?.w;
    const leads = digitish(next) || (w === 'ho' && next !== undefined && classify(next) === 'homophone');
    if (!kind && (w === 'or' || w === 'ho') && run && run.lastTok === i - 1 && leads) {
      const before = run.digits.length + (chunk ? chunkDigits(chunk).length : 0);
      if (before >= 2) kind = 'unit';
    }
    // and run "oh" into the next sound as a contraction ("four two o'd", "nine o've seven"), or cut it short ("six o'
    // one six"): inside a digit string only, after two digits (one, before another digit); "o'clock" and names
    // ("O'Neill") are longer than three letters after the apostrophe
    if (!kind && /^o'[a-z]{0,3}$/.test(w) && w !== "o'er" && run && run.lastTok === i - 1) {
      const before = run.digits.length + (chunk ? chunkDigits(chunk).length : 0);
      if (before >= 2 || (w === "o'" && before >= 1 && digitish(next))) kind = 'unit';
    }
    if (kind === 'homophone') {
      // "for to four": a chain of homophones counts when it leads into a digit
      let n = i + 1;
      while (toks[n] && classify(toks[n].w) === 'homophone') n++;
      const after = toks[n]?.w;
      const inRun = !!run && run.lastTok === i - 1 && run.digits.length + (chunk ? 1 : 0) >= 2;
      if (digitish(after) || (inRun && (w === 'ate' || w === 'won' || w === 'fore' || after === undefined)))
        kind = 'unit';
      else kind = undefined;
    }
    if (kind === 'and' && !(chunk && (chunk.last === 'hundred' || chunk.last === 'thousand'))) kind = undefined;
    if ((kind === 'hundred' || kind === 'thousand') && !chunk) kind = undefined;
    if (kind === 'repeat' && !(toks[i + 1] && classify(toks[i + 1].w) === 'unit')) kind = undefined;
    if (!kind) {
      close();
      continue;
    }
    open(i, kind !== 'num');
    // a new line or a stop before "hundred", "thousand" or "and" ended the number they would have carried on
    // ("… five" / "hundred pounds"): on their own they are words
    if ((kind === 'hundred' || kind === 'thousand' || kind === 'and') && !chunk) {
      close();
      continue;
    }
    const value = UNITS[w] ?? TEENS[w] ?? TENS[w] ?? HOMOPHONES[w] ?? 0;
    if (kind === 'teen' || kind === 'tens' || kind === 'hundred' || kind === 'thousand') run!.compound = true;
    switch (kind) {
      case 'num':
        flush();
        chunk = { total: 0, cur: 0, last: 'num', text: w.replace(/-/g, ''), tok: i };
        break;
      case 'unit':
        if (
          chunk &&
          !chunk.text &&
          (chunk.last === 'tens' || chunk.last === 'hundred' || chunk.last === 'thousand' || chunk.last === 'and') &&
          chunk.cur % 10 === 0 &&
          value > 0
        ) {
          chunk.cur += value;
          chunk.last = 'unit';
        } else {
          flush();
          // a lone digit word is a digit; it becomes a number only if "hundred" or "thousand" follows
          chunk = { total: 0, cur: value, last: 'unit', tok: i };
        }
        break;
      case 'teen':
      case 'tens':
        if (
          chunk &&
          !chunk.text &&
          (chunk.last === 'hundred' || chunk.last === 'thousand' || chunk.last === 'and') &&
          chunk.cur % 100 === 0
        ) {
          chunk.cur += value;
        } else {
          flush();
          chunk = { total: 0, cur: value, last: kind, tok: i };
        }
        chunk.last = kind;
        break;
      case 'hundred':
        if (!chunk!.text && chunk!.cur > 0 && chunk!.cur < 100 && chunk!.last !== 'hundred') {
          chunk!.cur *= 100;
          chunk!.last = 'hundred';
        } else {
          close();
          continue;
        }
        break;
      case 'thousand':
        if (!chunk!.text && chunk!.total === 0 && chunk!.cur > 0) {
          chunk!.total = chunk!.cur * 1000;
          chunk!.cur = 0;
          chunk!.last = 'thousand';
        } else {
          close();
          continue;
        }
        break;
      case 'and':
        chunk!.last = 'and';
        // "and" is part of the number only if a number word follows it
        if (!digitish(toks[i + 1]?.w)) {
          close();
          continue;
        }
        break;
      case 'repeat': {
        flush();
        const unit = UNITS[toks[i + 1].w];
        chunk = { total: 0, cur: 0, last: 'repeat', text: String(unit).repeat(REPEAT[w]), tok: i };
        i++;
        break;
      }
    }
    extend(i);
  }
  close();
  return runs;
}
