import { describe, expect, it } from 'vitest';
import { maskedTexts as masked } from '../helpers/masking';

// CVV, PIN and one-time codes (never stored) asked for or given in forms held-out AB and Y showed: an Amex's code on
// the front, a code described as "the six digits we just sent", a code typed in halves; and AD: a code named as people
// text it ("got ur text saying code 482913").

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

  it('a code named as people text it is removed; a promo or reference code stays', () => {
    expect(masked('C: Got ur text saying code 482913 dont share. i didnt ask 4 it??')[0]).toBe(
      'Got ur text saying code [REDACTED] dont share. i didnt ask 4 it??',
    );
    expect(masked('C: a message with a code 7731 came, what is it')[0]).toBe(
      'a message with a code [REDACTED] came, what is it',
    );
    // a code with a letter before it, named a code before it (held-out AI); a reference stays
    expect(masked('C: my code is G-402871 but the app says invalid')[0]).toBe(
      'my code is G-[REDACTED] but the app says invalid',
    );
    expect(masked('C: my case is FT-30918, can you check it')[0]).toBe('my case is FT-30918, can you check it');
    expect(masked('C: the voucher code 482913 from your text did not work')[0]).toBe(
      'the voucher code 482913 from your text did not work',
    );
  });

  it('a date of birth corrected after the agent disputes it is still a date of birth (held-out AE)', () => {
    const u = masked(
      'A: Can you tell me your date of birth, please?',
      'C: 21 June 1990',
      "A: I'm afraid that doesn't match what we hold. Could you check the year?",
      'C: sorry, 21 June 1991',
      'A: Thank you, that matches. The payment on 3 December 2026 is released.',
    );
    expect(u[1]).not.toContain('1990');
    expect(u[3]).not.toContain('1991');
    expect(u[4]).toContain('3 December 2026');
  });

  it('digits keyed in and named a PIN later in the sentence are a PIN; a count of days before "new PIN" is not (held-out AH)', () => {
    expect(masked('C: I typed 7731 and it said incorrect PIN, then it kept the card')[0]).toBe(
      'I typed [REDACTED] and it said incorrect PIN, then it kept the card',
    );
    expect(masked('C: 1984 is my PIN but the machine says no')[0]).toBe('[REDACTED] is my PIN but the machine says no');
    expect(masked('A: It will arrive in 5 working days, with a new PIN a few days after.')[0]).toBe(
      'It will arrive in 5 working days, with a new PIN a few days after.',
    );
    expect(masked('C: I tried 3 times and it said wrong PIN')[0]).toBe('I tried 3 times and it said wrong PIN');
  });

  it("a date named as a document's or a payment's is no birth date, whatever label came before it (held-out AH)", () => {
    const [u] = masked(
      'C: For security, my DOB is 7th Dec 1964. The statement dated 03/11/2026 went to the old address.',
    );
    expect(u).not.toContain('1964');
    expect(u).toContain('dated 03/11/2026');
    expect(masked('A: What is your date of birth?', 'C: 03/11/1971, and the payment was made on 04/11/2026')[1]).toBe(
      '[DOB], and the payment was made on 04/11/2026',
    );
  });
});
