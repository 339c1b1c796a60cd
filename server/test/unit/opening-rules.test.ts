import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inspect } from '../../src/inspection/engine';
import { loadPolicyFile } from '../../src/inspection/qa-policy';
import { chatTranscript } from '../helpers/transcripts';

const RETAIL = loadPolicyFile(path.resolve(__dirname, '../../../policies/qa/bank-retail.yaml'));
const GOV = loadPolicyFile(path.resolve(__dirname, '../../../policies/qa/gov-hotline.yaml'));

/** The result of `rule` on a call whose agent opens with `opening`, after the customer's first words. */
const onCall = (policy: typeof RETAIL, rule: string, opening: string, queue?: string) =>
  inspect(
    [policy],
    {
      ...chatTranscript(
        [
          ['customer', 'hello I have a question', 0],
          ['agent', opening, 0],
        ],
        { queue },
      ),
      channel: 'call',
    },
    {},
  ).findings.find((f) => f.ruleId === rule)?.result;

describe('how the agent opens a call (held-out 123 as calls)', () => {
  it('the greeting: the bank or the agent named after a greeting, also as a recogniser writes it', () => {
    for (const opening of [
      "Hi, you're through to Halden Bank, I'm Sam. Let's get that sorted.",
      // "Hi, you're through to Halden Bank, I'm Sam" as this machine's recogniser heard it
      'by year through the molden bank i am simplets that sort of first can you confirm your date of birth',
      'Good morning, welcome to Halden. How can I help?',
      'hello this is sam at halden',
    ])
      expect(onCall(RETAIL, 'greeting', opening), opening).toBe('pass');
    for (const opening of ['can you confirm your date of birth', "yes what is it, you're welcome to try the app"])
      expect(onCall(RETAIL, 'greeting', opening), opening).toBe('fail');
  });

  it('the officer named with their service, "I\'m" written "i am" and the greeting lost', () => {
    expect(
      onCall(GOV, 'officer_identified', 'i am joe from parking services you can apply on the website', 'gov-parking'),
    ).toBe('pass');
    expect(onCall(GOV, 'officer_identified', 'you can apply on the council website', 'gov-parking')).toBe('fail');
  });
});
