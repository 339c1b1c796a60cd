import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cnIdValid, ibanValid, luhnValid } from '../../src/protection/pii/checksums';
import { detectPii } from '../../src/protection/pii/detect';
import { loadMaskingPolicy, maskText } from '../../src/protection/pii/mask';
import { protectTranscript } from '../../src/protection/protect-transcript';
import { mulberry32 } from '../../src/understanding/train/sparse-net';
import { CORPUS_DIR, scoreCorpus } from '../../src/eval/eval-pii';
import { readCorpus } from '../../src/lib/labelled-corpus';
import { maskedTexts as masked, shippedMasking as policy } from '../helpers/masking';
import { textTurns } from '../helpers/transcripts';

const mask = (t: string) => maskText(t, policy).masked;
const types = (t: string) => detectPii(t).map((f) => f.type);

describe('checksums', () => {
  it('Luhn, GB 11643 and IBAN mod 97', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(cnIdValid('11010519491231002X')).toBe(true);
    expect(cnIdValid('110105194912310021')).toBe(false);
    expect(ibanValid('GB82 WEST 1234 5698 7654 32')).toBe(true);
    expect(ibanValid('GB82 WEST 1234 5698 7654 33')).toBe(false);
  });
});

describe('masking golden table', () => {
  const cases: Array<[string, string]> = [
    ['my card is 4111 1111 1111 1111 thanks', 'my card is 411111******1111 thanks'],
    ['card 4111-1111-1111-1111', 'card 411111******1111'],
    ['yes it is four one one one one one one one one one one one one one one one', 'yes it is 411111******1111'],
    ['it is four double one one, one one one one, one one one one, one one one one.', 'it is 411111******1111.'],
    ['yes it is for one one one one one one one one one one one one one one one', 'yes it is 411111******1111'],
    ['the security code is seven three nine', 'the security code is [REDACTED]'],
    ['cvv 123', 'cvv [REDACTED]'],
    ['it expires 09/27', 'it expires **/**'],
    ['ID 11010519491231002X please', 'ID 110***********002X please'],
    ['call me on 13812341234', 'call me on 138****1234'],
    ['my number is +44 20 7946 0958', 'my number is 442*****0958'],
    ['reach me at (415) 555-2671', 'reach me at 415***2671'],
    ['mail anna.smith@example.com today', 'mail a***@example.com today'],
    ['it is john dot smith at example dot com', 'it is j***@example.com'],
    ['IBAN GB82 WEST 1234 5698 7654 32', 'IBAN GB82**************5432'],
    ['my account number is 12345678', 'my account number is ****5678'],
    ['SSN 536-90-4399', 'SSN *****4399'],
    ['my date of birth is the third of March nineteen eighty.', 'my date of birth is [DOB].'],
  ];
  it.each(cases)('%s', (input, want) => expect(mask(input)).toBe(want));
});

describe('look-alikes stay readable', () => {
  it.each([
    'your order number is 4111 1111 1111 1112',
    'the balance is four thousand two hundred dollars',
    'the transfer of 1250 euros arrives on 12/05',
    'case reference number seven five two nine one',
    'we opened in 1998 and have 2000 branches',
    'please call between 9 and 5',
    'i paid for two coffees and went to one shop',
    'the meeting is on the third of March nineteen eighty',
  ])('%s', (t) => {
    expect(types(t)).toEqual([]);
    expect(mask(t)).toBe(t);
  });
});

describe('no mask ever shows more digits than its format allows (property)', () => {
  // deterministic pseudo-random card numbers, written and spoken
  let seed = 42;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;
  const words = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
  function card(len: number): string {
    const d = [String(3 + rnd(4))];
    while (d.length < len - 1) d.push(String(rnd(10)));
    for (let c = 0; c < 10; c++) if (luhnValid(d.join('') + c)) return d.join('') + c;
    throw new Error('unreachable');
  }
  it('500 random cards in three forms', () => {
    for (let i = 0; i < 500; i++) {
      const c = card(13 + rnd(7));
      const forms = [
        c,
        c.replace(/(\d{4})(?=\d)/g, '$1 '),
        c
          .split('')
          .map((x) => words[Number(x)])
          .join(' '),
      ];
      const f = forms[i % 3];
      const m = mask(`the card number is ${f} okay`);
      const shown = m.replace(/[^0-9]/g, '');
      expect(shown.length, m).toBeLessThanOrEqual(10);
      expect(m).not.toContain(c);
      expect(m).toMatch(new RegExp(`${c.slice(0, 6)}\\*+${c.slice(-4)}`));
    }
  });
});

describe('masking policy file', () => {
  it('refuses formats that would show more than PCI DSS allows, and unknown keys, naming the path', async () => {
    const fs = await import('node:fs');
    const os = await import('node:os');
    const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mask-')), 'm.yaml');
    const src = fs.readFileSync(path.resolve(__dirname, '..', '..', '..', 'policies', 'masking.yaml'), 'utf8');
    fs.writeFileSync(
      f,
      src.replace('card_number: { keep_first: 6, keep_last: 4 }', 'card_number: { keep_first: 8, keep_last: 4 }'),
    );
    // file:line:column, then the field and what is wrong
    expect(() => loadMaskingPolicy(f)).toThrow(
      /m\.yaml:5:16: types\.card_number: PCI DSS allows at most the first 6 and last 4 digits/,
    );
    fs.writeFileSync(f, src.replace('cvv: { redact: true }', 'cvv: { keep_last: 3 }'));
    expect(() => loadMaskingPolicy(f)).toThrow(
      /m\.yaml:6:8: types\.cvv: sensitive authentication data must be redacted/,
    );
    fs.writeFileSync(f, src.replace('keep_first: 6', 'keep_frist: 6'));
    expect(() => loadMaskingPolicy(f)).toThrow(/m\.yaml:5:18: types\.card_number\.keep_frist: Unrecognized key/);
    fs.writeFileSync(f, src.replace('version: 1', 'version: 1\nversion: 2'));
    expect(() => loadMaskingPolicy(f)).toThrow(/m\.yaml:4:1: Map keys must be unique/);
    fs.writeFileSync(f, src.replace('version: 1', 'version: 2'));
    expect(() => loadMaskingPolicy(f)).toThrow(/m\.yaml:3:10: version: Invalid input: expected 1/);
  });
});

describe('detection in linear time (the bank review found a ReDoS on the API event loop)', () => {
  it('100,000 letters then "@" under 50 ms, "a dot " repeated under 500 ms; addresses still found', () => {
    const time = (t: string) => {
      const t0 = performance.now();
      detectPii(t);
      return performance.now() - t0;
    };
    time('warm up a@b.com');
    expect(time('a'.repeat(100_000) + '@')).toBeLessThan(50);
    expect(time('a dot '.repeat(20_000) + 'at b')).toBeLessThan(500);
    expect(time('a@'.repeat(50_000))).toBeLessThan(500);
    expect(detectPii('write to Jane.Doe+bank@mail.example.co.uk. Thanks').map((f) => f.value)).toEqual([
      'jane.doe+bank@mail.example.co.uk',
    ]);
    expect(detectPii('john dot smith at example dot com').map((f) => f.value)).toEqual(['john.smith@example.com']);
    expect(detectPii('the rate is 5 @ 3 percent, see a@b')).toEqual([]);
  });
});

const turns = textTurns;

describe('over the conversation: the answer in the next turn is protected', () => {
  const run = (...lines: string[]) => protectTranscript(turns(...lines), policy).utterances;

  it('a CVV, PIN and one-time code given after the question are removed, not masked', () => {
    const u = run(
      'A: And the three digits on the back please?',
      'C: 731',
      'A: Thanks. What is the code we just texted you?',
      'C: six oh four two one eight',
      'A: and your telephone banking pin',
      'C: for two oh ate',
    );
    expect(u.map((x) => x.masked.text)).toEqual([
      'And the three digits on the back please?',
      '[REDACTED]',
      'Thanks. What is the code we just texted you?',
      '[REDACTED]',
      'and your telephone banking pin',
      '[REDACTED]',
    ]);
    // removed from the encrypted original too (PCI DSS 3.3.1)
    expect(u[1].original.text).toBe('[REDACTED]');
    expect(u[5].original.text).toBe('[REDACTED]');
    expect(u.flatMap((x) => x.pii.map((m) => m.type))).toEqual(['cvv', 'otp', 'pin']);
  });

  it('fail-closed: a misheard card number (Luhn fails, 15 digits) after the question is still masked', () => {
    const u = run(
      'A: can i take the long number on the card',
      'C: four five three two one one one one two two two two three three three',
    );
    expect(u[1].pii.map((m) => m.type)).toEqual(['card_number']);
    expect(u[1].masked.text).not.toMatch(/two two two two/);
  });

  it('the expectation ends when the asker moves on: a later amount stays readable', () => {
    const u = run(
      'A: what is the one-time passcode?',
      'C: 604218',
      'A: Perfect, you are verified.',
      'C: please raise my limit to 2000',
    );
    expect(u[1].masked.text).toBe('[REDACTED]');
    expect(u[3].masked.text).toBe('please raise my limit to 2000');
  });

  it('a card number read out over two turns with a listening noise between is one card number', () => {
    const u = run('A: card number please', 'C: 4114 0519', 'A: mm-hm', 'C: 8675 5682');
    expect(u[1].pii.map((m) => m.type)).toEqual(['card_number']);
    expect(u[3].pii.map((m) => m.type)).toEqual(['card_number']);
    expect(u[3].masked.text).not.toMatch(/8675/);
  });

  it("a label earlier in the same turn counts; a question in the speaker's previous turn does not", () => {
    const u = run('C: I forgot my PIN. The old one was 1234.');
    expect(u[0].masked.text).toBe('I forgot my PIN. The old one was [REDACTED].');
    const v = run('A: What is the security code?', 'C: hold on', 'A: thanks, and your case number is 44218');
    expect(v[2].pii).toEqual([]);
  });

  it('on text channels the answer may come much later (an SMS reply after five minutes)', () => {
    const u = protectTranscript(
      [
        { ...turns('A: To unblock your card, reply with your date of birth')[0], startMs: 0, endMs: 0 },
        { ...turns('x', 'C: 15/03/1990')[1], startMs: 300_000, endMs: 300_000 },
      ],
      policy,
    ).utterances;
    expect(u[1].masked.text).toBe('[DOB]');
  });

  it('dates of birth in the usual forms; dates of payments stay readable', () => {
    for (const dob of [
      '14/07/1983',
      '07/22/1985',
      '1988-11-30',
      '12.05.1974',
      '3rd March 1979',
      'the 9th of January 1966',
      'March 3rd, 1979',
      '22 Feb 1990',
      'the fourteenth of august nineteen eighty two',
      'august the fifth nineteen seventy',
      'twenty third of november nineteen sixty eight',
      'third of march seventy nine',
    ]) {
      const u = run('A: can you confirm your date of birth', `C: ${dob}`);
      expect(u[1].masked.text, dob).toBe('[DOB]');
    }
    const u = run('C: I paid 49.99 on 05/11/2024 and again on 3 March 2024');
    expect(u[0].pii).toEqual([]);
  });
});

describe('labelled conversations (development sets; the held-out sets are reported by eval:pii, not asserted)', () => {
  it.each(['dev.txt', 'dev-2.txt'])('%s: every value protected, no look-alike masked', (file) => {
    const s = scoreCorpus(readCorpus(path.join(CORPUS_DIR, file)));
    expect(s.misses).toEqual([]);
    expect(s.decoys).toBeGreaterThan(5);
  });
});

describe('forms found at stop 28', () => {
  it('UK geographic numbers as people group them; not a group inside a card number written in fours', () => {
    expect(mask('call me back on 020 7946 0018 please')).toBe('call me back on 020****0018 please');
    expect(mask('my landline is 0121 496 0000')).toMatch(/012\*+0000$/);
    expect(detectPii('card 3498 0150 9449 022').map((f) => f.type)).toEqual(['card_number']);
    // organisations' numbers (03, 08) are not people's
    expect(mask('call us on 0345 600 7000')).toBe('call us on 0345 600 7000');
  });

  it('"the twelfth of the ninth sixty five": the month as an ordinal number is a date of birth where one is asked', () => {
    expect(masked('A: what is your date of birth', 'C: the twelfth of the ninth sixty five')[1]).toBe('[DOB]');
    expect(masked('A: and when were you born', 'C: 3rd of the 11th 1970')[1]).toBe('[DOB]');
    // not a date: the month must be one to twelve
    expect(masked('A: date of birth please', 'C: the fifth of the fifteenth')[1]).not.toBe('[DOB]');
    // held-out AA: a date joined to a date of birth is one too (a correction); a date in the next turn is not
    expect(mask('my date of birth on your records is wrong. It should be 1979-02-02, not 1979-02-20')).toMatch(
      /should be \[DOB\], not \[DOB\]$/,
    );
    expect(masked('A: your date of birth?', 'C: 1979-02-02', 'A: and when was the payment?', 'C: 1979-02-20')[3]).toBe(
      '1979-02-20',
    );
  });

  it('an expiry written MM/YY as the answer to "and the expiry?"', () => {
    expect(masked('A: And the expiry?', 'C: 11/27')[1]).toBe('**/**');
  });

  it('a label after a value counts in its own sentence only: a payment\'s date before "DOB …" stays readable', () => {
    expect(mask('I was charged twice on 12/03/2024. My details: DOB 4.8.1959')).toBe(
      'I was charged twice on 12/03/2024. My details: DOB [DOB]',
    );
    expect(mask('14/07/1961 is my date of birth')).toBe('[DOB] is my date of birth');
  });

  it('a phone number said with its "plus" is masked from the "plus"', () => {
    const u = masked('A: and your mobile number', 'C: plus four four seven seven double oh nine hundred four five six');
    expect(u[1]).not.toMatch(/plus|four four/);
  });
});

describe('forms found at stop 29 (held-out B and C misses, now development data)', () => {
  it('digits of a PIN or passcode asked for one by one are removed as one answer', () => {
    expect(masked('A: the first and third digits of your pin please', 'C: seven and two')[1]).toBe('[REDACTED]');
    expect(masked('A: I need the 2nd and 4th digits of your passcode', 'C: 4 and 9')[1]).toBe('[REDACTED]');
    expect(masked('A: the last digit of your PIN?', 'C: it is 3')[1]).toBe('it is [REDACTED]');
    // a number that is not an answer to the question stays readable
    expect(masked('A: the second digit of your pin', 'C: 5', 'A: thanks, that is 2 cards blocked')[2]).toMatch(
      /2 cards/,
    );
  });

  it('"to account" labels the digits right after it; a UK sort code and account number are masked', () => {
    const u = masked('C: Please change my standing order to account 20-00-55 71234567');
    expect(u[0]).not.toMatch(/20-00-55|71234567/);
    expect(mask('I want to close my account 2 days from now')).toBe('I want to close my account 2 days from now');
  });

  it('questions misheard on a call: a PIN\'s positions ("the first and last year the york"), "what day were you are"', () => {
    expect(
      masked('A: for the clear to the first and last year the york and please', 'C: first is to last us six')[1],
    ).not.toMatch(/six/);
    // "and the second and fifth digits of your passcode" heard as "… second then fifty digits of york tesco's"
    expect(masked("A: and the second then fifty digits of york tesco's please", 'C: for in nine')[1]).not.toMatch(
      /nine/,
    );
    // "what date were you born" with "born" lost
    expect(masked('A: what day were you are', 'C: the third of march seventy nine')[1]).toBe('[DOB]');
  });

  it('"the three digits on the signature strip" asks for the CVV', () => {
    expect(masked('A: and the last three digits on the signature strip', 'C: eight eight one')[1]).toBe('[REDACTED]');
    expect(masked('A: what are the little numbers next to where you sign?', 'C: 4 0 2')[1]).toBe('[REDACTED]');
    expect(masked('A: pop the digits from the back in here', 'C: 402')[1]).toBe('[REDACTED]');
    expect(masked('A: flip your card over and read me the last 3 on the signature stripe', 'C: 5 1 7')[1]).toBe(
      '[REDACTED]',
    );
    // words between the digits and "on the back": a CVV question, not a re-ask for the expiry before it
    const u = masked(
      'A: and the expiry date',
      'C: oh nine twenty eight',
      'A: and the three numbers printed on the back',
      'C: three five one',
    );
    expect(u[1]).toBe('**/**');
    expect(u[3]).toBe('[REDACTED]');
  });

  it('the last four digits of a card or phone ("ending 0143") stay readable', () => {
    const text = "please type the code we've sent to your phone ending 0143";
    expect(mask(text)).toBe(text);
    expect(masked('A: which card is it?', 'C: the one ending in 2851')[1]).toBe('the one ending in 2851');
    // the code itself is still removed
    expect(masked(`A: ${text}`, 'C: 519004')[1]).toBe('[REDACTED]');
  });
});

describe('forms found by held-out E (stop 29)', () => {
  it('expiry with a one-digit month, "sec code", "your code is", a social security number asked for, a phone said with "plus"', () => {
    expect(mask('card no. 5141 1151 0954 9415, exp 1/27, sec code 993')).not.toMatch(/1\/27|993/);
    expect(masked('A: Your code is 482910. Never share it.')[0]).toBe('Your code is [REDACTED]. Never share it.');
    expect(masked("A: and what's your social security number", 'C: 524 71 9036')[1]).toBe('*****9036');
    expect(mask('reach me on plus four four seven seven zero zero nine zero zero one two three')).not.toMatch(
      /seven seven zero/,
    );
    // not a date written with a one-digit month, not an error code, not the sort code's own label
    expect(mask('the payment on 1/27/2025 for 40 pounds')).toBe('the payment on 1/27/2025 for 40 pounds');
    expect(mask('the error code is 404')).toBe('the error code is 404');
  });
});

describe("detection never throws (a crash found by the demo's scan at stop 30)", () => {
  it('a number word cut off by a new line or a stop does not stop detection ("five" / "hundred pounds")', () => {
    for (const t of ['five\nhundred pounds', 'it was five; hundred', 'two\nthousand', 'five hundred\nand six'])
      expect(() => detectPii(t), t).not.toThrow();
    expect(mask('card 4111 1111 1111 1111\nhundred')).not.toMatch(/4111 1111/);
  });

  it('no sequence of number words, labels and breaks makes detection throw (seeded random texts)', () => {
    const words = ['one', 'five', 'oh', 'o', 'double', 'triple', 'hundred', 'thousand', 'and', 'or', 'ho', 'for', 'to'];
    words.push('ate', 'twenty', 'nineteen', '4111', '12', '\n', ';', ',', '-', 'card', 'pin', 'born', 'expires');
    words.push('march', 'the', 'of', 'first', 'at', 'dot', 'com', 'plus', "o'd", "o'", 'sort', 'code', 'account');
    // seeded (the training code's mulberry32): the same texts on every run
    const next = mulberry32(30);
    for (let i = 0; i < 5000; i++) {
      const t = Array.from(
        { length: 1 + Math.floor(next() * 14) },
        () => words[Math.floor(next() * words.length)],
      ).join(next() < 0.5 ? ' ' : '');
      expect(
        () => [detectPii(t), detectPii(t, { strict: true }), detectPii(t, { speech: true, digitStrings: true })],
        t,
      ).not.toThrow();
    }
  });
});

describe('forms left from held-out E and found by held-out F (stop 30)', () => {
  it('"553 201 is your code" names a one-time code after it; an order code does not', () => {
    expect(mask('Citybank: 553 201 is your code to approve a payment of 89.99')).toBe(
      'Citybank: [REDACTED] is your code to approve a payment of 89.99',
    );
    expect(mask('order 553201 - use the discount code SAVE10')).toBe('order 553201 - use the discount code SAVE10');
    // held-out H: a domain said in words
    expect(mask('it is r dot okonkwo at bt internet dot com thanks')).toBe('it is r***@btinternet.com thanks');
    // held-out G: the bank's name between "your" and "code"; a NANP number written with dots
    expect(mask('640 118 is your Bank of Sussex login code. Never share it.')).toBe(
      '[REDACTED] is your Bank of Sussex login code. Never share it.',
    );
    expect(mask('call me on 415.555.0142 please')).not.toMatch(/555/);
  });

  it('a date is said in one breath: the number ending the utterance before is not its day', () => {
    const t = protectTranscript(
      turns(
        "C: it's four two eight seven three one nine two three five six three nine oh oh two",
        'A: thank you and the expiry',
        'C: november twenty eight',
      ),
      policy,
    ).utterances;
    expect(t[2].pii.map((m) => m.type)).toEqual(['expiry_date']);
    expect(t[0].pii.map((m) => m.type)).toEqual(['card_number']);
  });

  it("an expiry said with the month's name is masked; a payment's date stays readable", () => {
    expect(mask('the card expires november twenty eight')).not.toMatch(/november|twenty eight/);
    expect(mask('valid until june 2029')).not.toMatch(/june|2029/);
    expect(mask('the payment on november twenty eight was 40 pounds')).toBe(
      'the payment on november twenty eight was 40 pounds',
    );
  });
});

describe('forms found by held-out I and J (stop 31)', () => {
  it('"good thru" names an expiry; a code named after it with a letter before it or a bank name between', () => {
    expect(mask('my card 4539 3775 9458 0791 (good thru 03/29) was charged')).not.toMatch(/03\/29/);
    expect(mask('G-582913 is your Bank of Sussex verification code.')).toBe(
      'G-[REDACTED] is your Bank of Sussex verification code.',
    );
    expect(mask('Your Bank of Sussex code: 291 774, is this real?')).toBe(
      'Your Bank of Sussex code: [REDACTED], is this real?',
    );
    // a reference with a letter before it, and codes that are not secrets, stay readable
    for (const t of [
      'ref FT-30918 is your case number',
      'your post code is NW1 6XE',
      'the product code 291774 is out of stock',
    ])
      expect(mask(t), t).toBe(t);
  });

  it('a question for the tracking code on a parcel asks for no secret', () => {
    expect(masked("A: what's the tracking code on the parcel?", 'C: 440918')[1]).toBe('440918');
  });

  it("a customer who names a secret without asking for it puts nothing on the agent's reply", () => {
    expect(masked('C: I need a new PIN sent out', "A: Done, it'll arrive in 5 working days.")[1]).toBe(
      "Done, it'll arrive in 5 working days.",
    );
    // the agent asking still does
    expect(masked('A: and your PIN?', 'C: 0911')[1]).toBe('[REDACTED]');
    // "a good number to reach you" asks for a phone
    expect(
      masked("A: what's a good number to reach you", 'C: oh two oh seven nine four six oh double oh one')[1],
    ).not.toMatch(/seven nine four/);
  });

  it('"my social is …" names a social security number; "social media" and "social worker" do not', () => {
    expect(mask('my us social is 531 72 4410? I was told I need it')).toBe(
      'my us social is *****4410? I was told I need it',
    );
    expect(mask('my social is 531-72-4410')).toBe('my social is *****4410');
    expect(mask('my social worker is on 3 days 72 hours 4410 cases')).toBe(
      'my social worker is on 3 days 72 hours 4410 cases',
    );
    expect(mask('our social media team replied to 531 72 4410 people')).toBe(
      'our social media team replied to 531 72 4410 people',
    );
  });
});

describe('forms found by held-out K (stop 32)', () => {
  it('a one-time code sent is awaited until it is given, past the agent\'s "it\'s on its way"', () => {
    const u = masked(
      'A: Which mobile number should we text the code to?',
      'C: 07700 900 461',
      "A: Done, it's on its way.",
      'C: got it: 55 80 12',
      'A: Perfect, you are through.',
      'C: can you raise my limit to 2000',
    );
    expect(u[3]).toBe('got it: [REDACTED]');
    // given, it is no longer awaited: the amount after stays readable
    expect(u[5]).toBe('can you raise my limit to 2000');
    // a question answered at once is not awaited further
    expect(
      masked("A: What's your phone number?", 'C: 07700 900 461', 'A: Thanks.', 'C: the 2000 limit please')[3],
    ).toBe('the 2000 limit please');
  });

  it('digits named a code that is no secret are not a one-time code ("20-45-77 is the sort code")', () => {
    expect(mask('20-45-77 is the sort code for the account')).not.toMatch(/REDACTED/);
    for (const t of ['440918 is your tracking code', '7781 is your booking code, see you on the 3rd'])
      expect(mask(t), t).toBe(t);
    expect(mask('882910 is your verification code')).toBe('[REDACTED] is your verification code');
    // a bank's name before "code" names its one-time code (held-out M)
    expect(mask('Your Sussex Bank code is 605 118. It expires in 10 minutes.')).toBe(
      'Your Sussex Bank code is [REDACTED]. It expires in 10 minutes.',
    );
  });

  it('"exp" names an expiry said with the month\'s name', () => {
    expect(mask('My card is 6011 4317 5715 1023, exp Nov 2027. Please call')).not.toMatch(/Nov 2027/);
    expect(mask('the export on Nov 2027 shipments')).toBe('the export on Nov 2027 shipments');
  });
});

describe('forms found by held-out L (stop 32)', () => {
  it('the asker waiting ("No rush.") keeps the question open; "what does it say?" asks for the code just sent', () => {
    expect(
      masked('A: What is the security code on the back of the card?', 'C: hang on', 'A: No rush.', 'C: 582')[3],
    ).toBe('[REDACTED]');
    const u = masked(
      'C: the app wants a code to log in',
      "A: We've just sent one to your phone ending 0118. What does it say?",
      'C: 730215',
    );
    expect(u[1]).toContain('ending 0118');
    expect(u[2]).toBe('[REDACTED]');
  });

  it('characters of a password asked for one by one are removed, letters too', () => {
    expect(masked('A: For security, can you give me characters 1, 3 and 6 of your password?', 'C: m, k, 7')[1]).toBe(
      '[REDACTED]',
    );
    // typed with spaces only (held-out U)
    expect(masked('A: Could you give me the 2nd, 4th and 5th characters of your password?', 'C: k 9 m')[1]).toBe(
      '[REDACTED]',
    );
    // a list of letters with no such question stays readable
    expect(masked('A: Which of the options suits you?', 'C: a, b and c')[1]).toBe('a, b and c');
    expect(masked('A: Which of the options suits you?', 'C: a b c')[1]).toBe('a b c');
  });

  it("a card number after a number word or a stray number ('my old one 2720 …') is still found", () => {
    expect(mask('my old one 2720 4566 4821 1687 still works')).not.toMatch(/4566 4821/);
    expect(mask('I paid 3 times 1234 5678 9012 3456')).toBe('I paid 3 times 1234 5678 9012 3456');
  });

  it("a customer asking for the fraud team's number asks for nobody's personal data", () => {
    expect(masked("C: what's the phone number for the fraud team?", "A: It's 0345 000 1234, open 24 hours.")[1]).toBe(
      "It's 0345 000 1234, open 24 hours.",
    );
    expect(masked('C: what phone number do you have for me?', "A: It's 0345 000 1234.")[1]).not.toMatch(/000 1234/);
  });

  it('held-out Y (stop 36): a code labelled "code is" by its sender; amounts, counts and the service\'s own numbers stay', () => {
    // a one-time code sent with "code is" and no determiner
    expect(masked('C: hi code is 550 118 pls confirm transfer')[0]).not.toMatch(/550|118/);
    // the reply after it: an amount, a count and a claim number are not codes
    expect(masked('C: hi code is 550 118 pls confirm', 'A: Your transfer of £300 is on hold.')[1]).toBe(
      'Your transfer of £300 is on hold.',
    );
    expect(masked('A: what are the three digits on the back?', 'C: 402')[0]).toBe(
      'what are the three digits on the back?',
    );
    expect(masked('A: your card number please', 'C: my claim number is 44120')[1]).toBe('my claim number is 44120');
    // "what's your of birth" (a call that lost "date") asks for the date of birth
    expect(masked("A: what's your of birth", 'C: 19 March 1982')[1]).not.toMatch(/1982/);
  });

  it("held-out Z (stop 36): a PIN's digits are awaited until digits are given, through a turn naming positions", () => {
    const u = masked(
      'A: Which characters of your passcode does the app ask for?',
      'C: 2nd, 4th and 6th',
      'A: Please type them here.',
      'C: 3, 9, 1',
      'A: Thank you, that is you verified. Your balance is 120.50.',
    );
    expect(u[1]).toBe('2nd, 4th and 6th');
    expect(u[3]).not.toMatch(/3|9|1/);
    // once digits are given the question is answered: the next answer is not a PIN
    const v = masked(
      'A: The second and fourth digits of your PIN?',
      'C: 4 and 7',
      'A: Thanks. How many cards?',
      'C: 2',
    );
    expect(v[3]).toBe('2');
  });
});
