import { describe, expect, it } from 'vitest';
import { maskedTexts as masked } from '../helpers/masking';

// CVV, PIN and one-time codes (never stored) asked for or given in forms held-out AB and Y showed: an Amex's code on
// the front, a code described as "the six digits we just sent", a code typed in halves.

describe('a secret asked for in other words is removed', () => {
  it('an Amex\'s "four digits on the front" is its CVV, and "the six digits we just sent" a one-time code', () => {
    expect(masked('A: amex so i need the four digits on the front as well', 'C: one two oh four')[1]).toBe(
      '[REDACTED]',
    );
    expect(masked('A: the last four digits on the front of the card?', 'C: 1004')[1]).toBe('1004');
    const u = masked('A: I need the six digits we just sent to your phone.', 'C: ok one sec', 'C: 305 912');
    expect(u[2]).toBe('[REDACTED]');
  });

  it('a code typed in halves after the question is removed; "valid for 10 minutes" is a time', () => {
    const u = masked(
      "A: I've texted you a code, can you read it out?",
      "C: it's 471",
      'C: 992',
      'A: valid for 10 minutes',
    );
    expect(u.slice(1)).toEqual(["it's [REDACTED]", '[REDACTED]', 'valid for 10 minutes']);
  });
});
