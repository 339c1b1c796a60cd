import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inspect } from '../../src/inspection/engine';
import { loadPolicyFile } from '../../src/inspection/qa-policy';
import { toInspectUtterance } from '../../src/inspection/transcript';
import { chatTranscript } from '../helpers/transcripts';

const RETAIL = loadPolicyFile(path.resolve(__dirname, '../../../policies/qa/bank-retail.yaml'));

const identityFirst = (turns: Array<['agent' | 'customer', string]>) =>
  inspect([RETAIL], chatTranscript(turns), {}).findings.find((f) => f.ruleId === 'identity_before_account')!.result;

// held-out 74's z07 and 63's y10: the account acted on, then the check asked, in one typed turn
describe('a phrase before an anchor in the anchor’s own typed turn', () => {
  it('an earlier sentence that acts on the account, then the check: not before', () => {
    expect(
      identityFirst([
        ['customer', 'I moved house, I need to change my address'],
        [
          'agent',
          "Done. I've updated your address to 12 Bell Lane. Can you confirm your date of birth for our records?",
        ],
      ]),
    ).toBe('fail');
    expect(
      identityFirst([
        ['customer', "I'd like to move my mortgage payment date to the 28th"],
        ['agent', "I've moved it to the 28th from next month. What's your date of birth?"],
      ]),
    ).toBe('fail');
  });

  // held-out 106's t02: a payment told with its day is the account's details
  it('a payment amount told with its day, then the check: not before; the check first: before', () => {
    const disputed = 'hi, there is a charge from somewhere called GLOBALSTORE that I did not make';
    expect(
      identityFirst([
        ['customer', disputed],
        ['agent', "It's £64.99 from yesterday, looks like an online shop. Did you forget a purchase?"],
        ['customer', 'no'],
        ['agent', 'Can I take your full name and date of birth please?'],
      ]),
    ).toBe('fail');
    expect(
      identityFirst([
        ['customer', disputed],
        ['agent', 'Can I take your full name and date of birth please?'],
        ['customer', 'Peter Hale, 3rd of May 1979'],
        ['agent', "Thanks. It's £64.99 from yesterday, looks like an online shop."],
      ]),
    ).toBe('pass');
  });

  it('the check in the same sentence, or in an earlier one, is before, as it was', () => {
    expect(
      identityFirst([
        ['customer', 'what did I spend last month?'],
        ['agent', 'Before I look at the payments, can you confirm your date of birth?'],
      ]),
    ).toBe('pass');
    expect(
      identityFirst([
        ['customer', 'I moved house, I need to change my address'],
        ['agent', "Can you confirm your date of birth? Thanks. I've updated your address to 12 Bell Lane."],
      ]),
    ).toBe('pass');
  });

  it('a later sentence that puts the check ahead ("First, …") is before', () => {
    expect(
      identityFirst([
        ['customer', 'my phone was stolen and my banking app is on it'],
        ['agent', "I'll lock your online banking now so nobody can get in. First, what's your date of birth?"],
      ]),
    ).toBe('pass');
    expect(
      identityFirst([
        ['customer', 'my phone was stolen and my banking app is on it'],
        ['agent', "I'll lock your online banking now. Can I check your date of birth first?"],
      ]),
    ).toBe('pass');
  });

  it("a message's sentences: at . ! ? before a space and at a Chinese full stop; none in a call's words", () => {
    const typed = (text: string) =>
      toInspectUtterance({ id: 'u', seq: 0, speaker: 'agent', startMs: 0, endMs: 0, text, words: null, pii: [] });
    expect(typed("Done. I've paid £2,340.18 in! What's next?").sentenceStarts).toEqual([1, 5]);
    expect(typed('好的。我已经登记了！还有别的吗？').sentenceStarts).toEqual([2, 8]);
    expect(typed('one sentence, with a comma').sentenceStarts).toBeUndefined();
    const heard = toInspectUtterance({
      id: 'u',
      seq: 0,
      speaker: 'agent',
      startMs: 0,
      endMs: 1000,
      text: 'done. what is your date of birth',
      words: [
        { w: 'done.', s: 0, e: 300 },
        { w: 'what', s: 400, e: 500 },
      ],
      pii: [],
    });
    expect(heard.sentenceStarts).toBeUndefined();
  });
});

// a phrase set's `by_sentence`: its patterns' `$` also holds at the end of a typed sentence (held-out 85: "…呗。…")
describe('patterns read by sentence', () => {
  const ZH = loadPolicyFile(path.resolve(__dirname, '../../../policies/qa/gov-hotline-zh.yaml'));
  const abusive = (reply: string) =>
    inspect(
      [ZH],
      {
        ...chatTranscript([
          ['customer', '我家门口的路灯坏了'],
          ['agent', reply],
        ]),
        language: 'zh',
        queue: 'gov-complaints',
      },
      {},
    ).findings.find((f) => f.ruleId === 'abusive_language')!.result;
  it('呗 ending a sentence that is not the message’s last is read; inside a sentence it is not', () => {
    expect(abusive('您好，工号1234。那就等着呗。明天再说。')).toBe('fail');
    expect(abusive('您好，工号1234。那就等着呗明天再说。')).toBe('pass');
    expect(abusive('您好，工号1234为您服务。我已经登记，明天再说。')).toBe('pass');
  });
});
