import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cnIdValid, ibanValid, luhnValid } from '../../src/protection/pii/checksums';
import { detectPii } from '../../src/protection/pii/detect';
import { loadMaskingPolicy, maskText } from '../../src/protection/pii/mask';

const policy = loadMaskingPolicy(path.resolve(__dirname, '..', '..', '..', 'policies', 'masking.yaml'));
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
