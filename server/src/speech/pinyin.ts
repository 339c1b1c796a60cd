import type { RecognizedWord } from './engine';
import { timedWords } from './words';

/**
 * Mandarin recognisers of the sherpa "ppinyin" family emit pinyin initials and finals as separate tokens ("j", "iāo",
 * "y", "ì"). Here they become syllables ("jiāo", "yì") with the time of their first token, and a run of three or
 * more spoken digits (yāo/yī, èr/liǎng, sān … líng, as phone, card and ID numbers are read out) becomes digits, so
 * personal data detection reads "yāo sān bā líng líng …" as the number it is. The transcript stays pinyin, and is
 * labelled as such where it is shown.
 */
export const INITIALS = new Set([
  'b',
  'p',
  'm',
  'f',
  'd',
  't',
  'n',
  'l',
  'g',
  'k',
  'h',
  'j',
  'q',
  'x',
  'zh',
  'ch',
  'sh',
  'r',
  'z',
  'c',
  's',
  'y',
  'w',
]);

/** toneless pinyin of the digits as they are read out (幺 for one in numbers, 两 for two) */
const DIGITS: Record<string, string> = {
  ling: '0',
  yao: '1',
  yi: '1',
  er: '2',
  liang: '2',
  san: '3',
  si: '4',
  wu: '5',
  liu: '6',
  qi: '7',
  ba: '8',
  jiu: '9',
};

/** A syllable without its tone marks (ü kept as u, as tokenize does for matching). */
export const toneless = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

export function pinyinWords(
  r: { tokens: string[]; timestamps: number[]; ys_probs: number[] },
  endSeconds: number,
): RecognizedWord[] {
  const syl: Array<{ text: string; start: number; logp: number[] }> = [];
  let open: { text: string; start: number; logp: number[] } | undefined;
  r.tokens.forEach((tok, i) => {
    const t = tok.trim();
    if (!t) return;
    const at = r.timestamps[i] ?? 0;
    const lp = r.ys_probs[i] ?? 0;
    if (INITIALS.has(t)) {
      if (open) syl.push(open); // an initial without a final: kept as it was heard
      open = { text: t, start: at, logp: [lp] };
      return;
    }
    if (open) {
      open.text += t;
      open.logp.push(lp);
      syl.push(open);
      open = undefined;
    } else syl.push({ text: t, start: at, logp: [lp] });
  });
  if (open) syl.push(open);
  // a syllable lasts at most 0.6 s
  const words = timedWords(syl, endSeconds, () => 0.6);
  // runs of three or more spoken digits → the digits
  for (let i = 0; i < words.length;) {
    let j = i;
    while (j < words.length && DIGITS[toneless(words[j].word)] !== undefined) j++;
    if (j - i >= 3) for (let k = i; k < j; k++) words[k].word = DIGITS[toneless(words[k].word)];
    i = Math.max(j, i + 1);
  }
  return words;
}
