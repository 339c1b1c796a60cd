import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { maskingPolicyWithOptionalTypes } from '../../src/eval/eval-pii';
import { detectPii } from '../../src/protection/pii/detect';
import { loadMaskingPolicy } from '../../src/protection/pii/mask';
import { protectTranscript } from '../../src/protection/protect-transcript';

/**
 * Names, postcodes and addresses: found only where the deployment's masking policy lists them. Values below are
 * made up in the published formats (Royal Mail postcodes, USPS street suffixes), in the words callers use.
 */
const shipped = path.resolve(__dirname, '..', '..', '..', 'policies', 'masking.yaml');
const policy = loadMaskingPolicy(shipped);
const withOptional = () => loadMaskingPolicy(maskingPolicyWithOptionalTypes());
const all = new Set(['person_name', 'postcode', 'address'] as const);
const found = (text: string, expectName = false) =>
  detectPii(text, { optional: all, expected: () => new Set(expectName ? ['person_name' as const] : []) }).map(
    (f) => `${f.type}:${text.slice(f.start, f.end)}`,
  );
const chat = (turns: Array<[string, string]>) =>
  turns.map(([speaker, text], k) => ({
    speaker,
    startMs: k * 5000,
    endMs: k * 5000 + 4000,
    text,
    words: [],
    keyphrases: [],
    confidence: 1,
  }));

describe('optional personal data: names, postcodes, addresses', () => {
  it('names from introductions and honorifics, written and as a recogniser writes them', () => {
    expect(found('Hi, my name is Priya Raman and I need help with my card')).toEqual(['person_name:Priya Raman']);
    expect(found("hello my name's tom okafor calling about a payment")).toEqual(['person_name:tom okafor']);
    expect(found('this is anna from the card services team')).toEqual(['person_name:anna']);
    expect(found('Thank you Mrs Whitfield, one moment')).toEqual(['person_name:Whitfield']);
    expect(found('the name on the card is Jane Smith')).toEqual(['person_name:Jane Smith']);
  });

  it('not names: "I\'m calling", "this is urgent", "I am afraid"', () => {
    expect(found("I'm calling about my statement")).toEqual([]);
    expect(found('this is urgent, my card was taken')).toEqual([]);
    expect(found('i am afraid the payment failed')).toEqual([]);
    expect(found('I am not sure')).toEqual([]);
    // (held-out AE: "I am writing from Dublin" read as a name "writing")
    expect(found('Dear team, I am writing from Dublin about my mortgage')).toEqual([]);
    expect(found("i'm emailing from work, my card is blocked")).toEqual([]);
    expect(found("hi i'm ling from the accounts team")).toEqual(['person_name:ling']);
  });

  it('an answer to "can I take your name?" in the next turn, or spelled letter by letter', () => {
    expect(found('yes it is Daniel Kowalski', true)).toEqual(['person_name:Daniel Kowalski']);
    expect(found('k o w a l s k i', true)).toEqual(['person_name:k o w a l s k i']);
    const p = withOptional();
    const u = protectTranscript(
      chat([
        ['agent', 'Before we go on, can I take your full name please?'],
        ['customer', 'sure, Margaret Oyelaran'],
        ['agent', 'Thanks. And how can I help today?'],
        ['customer', 'my direct debit to Thames Water failed'],
      ]),
      p,
    ).utterances;
    expect(u[1].masked.text).toBe('sure, [NAME]');
    // the question was answered: later turns are not names
    expect(u[3].masked.text).toBe('my direct debit to Thames Water failed');
  });

  it('the name that signs an e-mail, and a postcode given as the answer to "and your postcode?"', () => {
    expect(found('Please update my address.\nKind regards,\nSamira Okoye')).toEqual(['person_name:Samira Okoye']);
    expect(found('Thanks, Oliver Grant')).toEqual(['person_name:Oliver Grant']);
    // "thanks" inside a sentence is not a sign-off
    expect(found('Thanks, I will call the branch tomorrow about it')).toEqual([]);
    const u = protectTranscript(
      chat([
        ['agent', 'and what is the zip code there?'],
        ['customer', '30309'],
        ['agent', 'and the postcode of the old address?'],
        ['customer', 'it was ls6 2qt'],
      ]),
      withOptional(),
    ).utterances;
    expect([u[1].masked.text, u[3].masked.text]).toEqual(['[POSTCODE]', 'it was [POSTCODE]']);
    // not asked for: a five-digit number stays readable
    expect(
      protectTranscript(chat([['customer', 'order 30309 never came']]), withOptional()).utterances[0].masked.text,
    ).toBe('order 30309 never came');
  });

  it('postcodes in the UK format (written in capitals) and ZIP or Chinese ones after their label', () => {
    expect(found('I moved to SW1A 1AA last month')).toEqual(['postcode:SW1A 1AA']);
    expect(found('the new one is M1 1AE')).toEqual(['postcode:M1 1AE']);
    expect(found('zip code is 94105-1804')).toEqual(['postcode:94105-1804']);
    expect(found('邮编 200120')).toEqual(['postcode:200120']);
    // look-alikes: a reference, a flight, a product code, a bare five-digit amount
    expect(found('reference AB12 and flight BA117, model X5 2AB? no, 42000 pounds')).toEqual([]);
  });

  it('street addresses: house number, street words and a street type, written or spoken; not quantities', () => {
    expect(found('I live at 14 Elm Road, Leeds')).toEqual(['address:14 Elm Road']);
    expect(found('its flat 3, 221b Baker Street')).toEqual(['address:flat 3, 221b Baker Street']);
    expect(found('twelve high street in bristol')).toEqual(['address:twelve high street']);
    // "Dr" after a street's name is the drive, not a doctor; before a name it is the doctor
    expect(found('send it to 7 Juniper Dr, Leeds please')).toEqual(['address:7 Juniper Dr']);
    expect(found('I saw Dr Okafor about it')).toEqual(['person_name:Okafor']);
    expect(found('it is a 3 hour drive from here')).toEqual([]);
    expect(found('two more close calls this week')).toEqual([]);
    expect(found('one way or another')).toEqual([]);
  });

  it('the shipped policy lists none of them: names and addresses stay readable, nothing is asked for names', () => {
    const u = protectTranscript(
      chat([
        ['agent', 'can I take your full name please?'],
        ['customer', 'my name is Priya Raman, 14 Elm Road, SW1A 1AA'],
      ]),
      policy,
    ).utterances;
    expect(u[1].masked.text).toBe('my name is Priya Raman, 14 Elm Road, SW1A 1AA');
    const p = withOptional();
    const v = protectTranscript(
      chat([
        ['agent', 'can I take your full name please?'],
        ['customer', 'my name is Priya Raman, 14 Elm Road, SW1A 1AA'],
      ]),
      p,
    ).utterances;
    expect(v[1].masked.text).toBe('my name is [NAME], [ADDRESS], [POSTCODE]');
    expect(v[1].pii.map((m) => m.type).sort()).toEqual(['address', 'person_name', 'postcode']);
  });
});
