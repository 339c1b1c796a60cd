import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  scoreVerdicts,
  VERDICTS_DIR,
  verdictContext,
  verdictSets,
  type VerdictContext,
} from '../../src/eval/eval-verdicts';

/**
 * The labelled verdict sets whose disagreements have been read (the development set and the held-out sets after their
 * first run): a regression check, not acceptance — the held-out figure is each set's first run, in the stop notes.
 * Run as eval:verdicts runs them: masked, understood by the shipped models, inspected against the shipped packs.
 */
describe('labelled verdict sets already read (regression)', () => {
  let ctx: VerdictContext;
  beforeAll(async () => {
    ctx = await verdictContext();
  });
  afterAll(async () => {
    await ctx?.nlu.release();
  });

  // disagreements left standing, each read: a promise's "no way you can lose money" reads as negative to the model;
  // "Fine. Done." blocks the card without a word the rule knows
  const known: Record<string, string[]> = {
    'holdout-4.txt': ['y05: agent_negativity gives fail', 'y20: lost_card_blocked gives fail'],
    // "No. Fees are fees, you should have…": the analyst read blame, not a brush-off; negative_with reads the cold "No"
    'holdout-3.txt': ['x07: dismissive_language gives fail'],
    // "you can do it in the app under Payments, or I can set it up here": a menu's name read as account details
    'holdout-9.txt': ['n26: identity_before_account gives fail'],
    // "Me, unfortunately." (sarcasm with a word of redress), "It's on the list." (to a missed bin): brush-offs with no
    // word or shape the signal reads; listing them would read "It's on the list of countries" too
    // "Well, something happened." (a shrug after the customer's "no"): vague, with no word or shape the signal reads
    'holdout-22.txt': ['s04: dismissive_language gives pass'],
    // written last at stop 32, after all of its changes, and run once; its misses left as they are, the figure for the
    // stop's final state ("You must have paid late. Happens a lot.", "Well, I'm the fourth", "Deleted or did you
    // delete them?", "you can take that to the bank", "stopped your debit and credit cards", "Please contact the
    // merchant directly", "Lots of people are waiting for bins.", "Worst mayor we've ever had", "I could, but what
    // would be the point?", "Yeah, well.", "To confirm what we did", "There are videos on YouTube.")
    'holdout-25.txt': [
      'p02: agent_negativity gives pass',
      'p02: dismissive_language gives pass',
      'p05: agent_negativity gives pass',
      'p05: dismissive_language gives pass',
      'p07: agent_negativity gives pass',
      'p07: dismissive_language gives pass',
      'p08: forbidden_promises gives pass',
      'p10: lost_card_blocked gives fail',
      'p18: agent_negativity gives pass',
      'p18: dismissive_language gives pass',
      'p20: dismissive_language gives pass',
      'p22: political_neutrality gives pass',
      'p24: agent_negativity gives pass',
      'p24: dismissive_language gives pass',
      'p28: agent_negativity gives pass',
      'p28: dismissive_language gives pass',
      'p29: closing_summary gives fail',
      'p30: agent_negativity gives pass',
      'p30: dismissive_language gives pass',
    ],
    // "Complaints are answered in order of receipt. Thank you for your patience." to ten weeks' wait: a brush-off in
    // the words of a form letter, thanked
    'holdout-23.txt': ['r19: agent_negativity gives pass', 'r19: dismissive_language gives pass'],
    'holdout-21.txt': [
      'u06: agent_negativity gives pass',
      'u06: dismissive_language gives pass',
      'u22: dismissive_language gives pass',
    ],
  };
  // every set in the folder: a set added later is read here too, its disagreements named above
  it.each(verdictSets())(
    '%s: every evaluated rule agrees with the analyst but the known cases; every conversation inspected',
    async (file) => {
      const s = await scoreVerdicts(path.join(VERDICTS_DIR, file), ctx);
      const gives = s.notes.filter((n) => / gives /.test(n)).map((n) => n.replace(/, the analyst.*$/, ''));
      expect(gives).toEqual(known[file] ?? []);
      expect(s.disagreements).toBe(gives.length);
      expect(s.noPolicy).toBe(0);
      const labels = [...s.per.values()].reduce((n, r) => n + r.labels, 0);
      const unevaluated = [...s.per.values()].reduce((n, r) => n + r.notEvaluated, 0);
      expect(labels).toBeGreaterThan(20);
      // a rule that applies nowhere would pass this test by never being evaluated: at most 10 % may be not applicable
      expect(unevaluated / labels).toBeLessThanOrEqual(0.1);
    },
  );
});
