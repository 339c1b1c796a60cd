import { describe, expect, it } from 'vitest';
import { ibanValid } from '../../src/protection/pii/checksums';
import { detectPii } from '../../src/protection/pii/detect';
import { maskText } from '../../src/protection/pii/mask';
import { maskedTexts as masked, shippedMasking as policy } from '../helpers/masking';

const mask = (t: string) => maskText(t, policy).masked;

/**
 * Written and spoken forms read since held-out PII sets AF and AG (stop 46): an IBAN typed in lower case, checked against
 * the ISO 13616 registry's length for its country; a date with its month as a word joined by one separator; a spoken
 * date whose month the recogniser lost. The rest of the forms are in pii.test.ts and pii-speech.test.ts.
 */
describe('IBANs', () => {
  it('IBAN: the registry length per country, and one typed in lower case only for a listed country', () => {
    // mod 97 holds for both, but a German IBAN has 22 characters
    expect(ibanValid('DE89370400440532013000')).toBe(true);
    expect(ibanValid('DE543704004405320130001')).toBe(false);
    expect(ibanValid('ZZ22370400440532013000')).toBe(true);
    expect(ibanValid('ZZ22370400440532013000', true)).toBe(false);
    const found = (t: string) =>
      detectPii(t)
        .filter((h) => h.type === 'iban')
        .map((h) => t.slice(h.start, h.end));
    expect(found('to our supplier, IBAN de89370400440532013000, BIC COBADEFFXXX')).toEqual(['de89370400440532013000']);
    expect(found('iban fr14 2004 1010 0505 0001 3m02 606 please')).toEqual(['fr14 2004 1010 0505 0001 3m02 606']);
    expect(found('my account ES91 2100 0418 4502 0005 1332 has not had it')).toEqual(['ES91 2100 0418 4502 0005 1332']);
    expect(found('order zz22370400440532013000 shipped')).toEqual([]);
    expect(found('order ZZ22370400440532013000 shipped')).toEqual(['ZZ22370400440532013000']);
  });
});

describe('dates', () => {
  it('a date with its month as a word joined by one separator, as forms and systems print it', () => {
    // held-out AG: "DOB 23-Apr-1979"
    for (const d of [
      '23-Apr-1979',
      '23/Apr/1979',
      '23.Apr.79',
      '23APR1979',
      'Apr-23-1979',
      '1979-Apr-23',
      '23-April-1979',
    ])
      expect(mask(`DOB ${d}, postcode is SW1A 1AA`), d).toBe('DOB [DOB], postcode is SW1A 1AA');
    // not a date: a 32nd day, a month and year alone, separators that differ
    for (const t of ['DOB 32-Apr-1979', 'since apr-1979', 'DOB 23-Apr/1979']) expect(mask(t), t).not.toContain('[DOB]');
    // and a date joined so is a date like any other where no date of birth is asked for: the payment date stays
    expect(masked('A: when was the payment?', 'C: 12-Mar-2026')[1]).toBe('12-Mar-2026');
  });

  it('a spoken date whose month the recogniser lost is a date of birth where one is asked', () => {
    // held-out S's s01 as this machine's recogniser heard "the twelfth of july nineteen eighty five"
    expect(
      masked('A: can i take your date of birth please', "C: yes it's a twelfth of jewel i nineteen eighty five")[1],
    ).toBe("yes it's [DOB]");
    // an ordinal, "of", a word or two and a full year; not a month-less phrase with no year, nor a cardinal day
    expect(masked('A: date of birth please', 'C: the third of those was fine')[1]).toBe('the third of those was fine');
    expect(masked('A: date of birth please', 'C: three of them in nineteen ninety')[1]).not.toMatch(/\[DOB\] in/);
    // where no date of birth is asked for, it is a date like any other and stays
    expect(masked('A: when did you open it?', 'C: the twelfth of jewel i nineteen eighty five')[1]).toBe(
      'the twelfth of jewel i nineteen eighty five',
    );
  });
});
