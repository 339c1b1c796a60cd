import type { Hit } from './match';
import { FUNCTION_WORDS } from './similarity';
import type { InspectUtterance } from './transcript';

/**
 * A recap in words no list has: a closing turn that repeats what the same speaker already told ("So I've done three
 * things for you today: the card's frozen, the £89 is being disputed, and a new card is on the way." after "I've frozen
 * the card, raised a dispute for the £89 and ordered you a new card"). A rule's `restates: N` counts a turn among the
 * speaker's last three that repeats at least N distinct content words (numbers included) of the speaker's earlier turns.
 * Words are compared as written, with a plural or possessive "s" taken off; English function words and a service
 * conversation's fillers are not counted, so "can you confirm …" asked twice is two words at most.
 */
// the similarity model's English function words, with contractions and a service conversation's fillers
const NOT_CONTENT = new Set([
  ...FUNCTION_WORDS,
  ...(
    "that's it's i'm i've i'll i'd we're we've we'll we'd you're you've you'll you'd yours they're there's being done " +
    "doing having yes into onto up down out over about also too really all any anything else some something what's " +
    'whose okay ok right great lovely perfect brilliant thanks thank please sorry well now today bye goodbye hello hi ' +
    "good let let's get got go going one ones sure fine confirm check need help"
  ).split(' '),
]);

function contentWords(u: InspectUtterance): Set<string> {
  const out = new Set<string>();
  for (const raw of u.tokens) {
    let w = raw.replace(/'s$/, '');
    if (NOT_CONTENT.has(w) || NOT_CONTENT.has(raw)) continue;
    if (!/[0-9]/.test(w) && w.length < 3) continue;
    if (w.length > 4 && w.endsWith('s') && !w.endsWith('ss')) w = w.slice(0, -1);
    out.add(w);
  }
  return out;
}

/** The turns among `speaker`'s last three that repeat at least `min` content words of the speaker's earlier turns. */
export function restatedHits(utterances: InspectUtterance[], speaker: 'agent' | 'customer', min: number): Hit[] {
  const own = utterances.filter((u) => u.speaker === speaker && u.tokens.length);
  const out: Hit[] = [];
  const said = new Set<string>();
  own.forEach((u, i) => {
    const words = contentWords(u);
    if (i >= own.length - 3 && i > 0) {
      let n = 0;
      for (const w of words) if (said.has(w)) n++;
      if (n >= min) out.push({ utterance: u, from: 0, to: u.tokens.length, how: 'restated', score: n });
    }
    for (const w of words) said.add(w);
  });
  return out;
}
