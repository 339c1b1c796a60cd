import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inspect } from '../../src/inspection/engine';
import { loadPolicyFile } from '../../src/inspection/qa-policy';
import { chatTranscript } from '../helpers/transcripts';

const RETAIL = loadPolicyFile(path.resolve(__dirname, '../../../policies/qa/bank-retail.yaml'));
const GOV = loadPolicyFile(path.resolve(__dirname, '../../../policies/qa/gov-hotline.yaml'));
const SMS = loadPolicyFile(path.resolve(__dirname, '../../../policies/qa/bank-sms.yaml'));

/** The result of `rule` on a conversation of `turns` in `channel` (chat unless it says otherwise). */
const onText = (
  policy: typeof RETAIL,
  rule: string,
  turns: Array<['agent' | 'customer', string]>,
  channel: 'chat' | 'sms' | 'email' | 'call' = 'chat',
  queue?: string,
) =>
  inspect([policy], { ...chatTranscript(turns, { queue }), channel }, {}).findings.find((f) => f.ruleId === rule)
    ?.result;

/** The result of `rule` on a call whose agent opens with `opening`, after the customer's first words. */
const onCall = (policy: typeof RETAIL, rule: string, opening: string, queue?: string) =>
  onText(
    policy,
    rule,
    [
      ['customer', 'hello I have a question'],
      ['agent', opening],
    ],
    'call',
    queue,
  );

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

describe('held-out 124: an officer named where they are, a check asked by text, help offered as "let me know"', () => {
  it('"Hi, Bea at the council." names the officer; "Hi, yes, the council website has it" does not', () => {
    const ask: ['customer', string] = ['customer', 'which party should I vote for?'];
    expect(
      onText(
        GOV,
        'officer_identified',
        [ask, ['agent', 'Hi, Bea at the council. I cannot advise on how to vote.']],
        'chat',
        'gov-info',
      ),
    ).toBe('pass');
    expect(
      onText(
        GOV,
        'officer_identified',
        [ask, ['agent', 'Hi, yes, the council website has the statements.']],
        'chat',
        'gov-info',
      ),
    ).toBe('fail');
  });

  it('an SMS check asked as "check it\'s you … reply with … your postcode" comes before the balance', () => {
    const turns: Array<['agent' | 'customer', string]> = [
      ['customer', 'whats my balance'],
      [
        'agent',
        "Halden Bank: To keep your account safe we need to check it's you first. Reply with the last 4 digits of your card and your postcode.",
      ],
      ['customer', '8027 LS6 2AB'],
      ['agent', 'Halden Bank: Thanks. Your balance is £312.45.'],
    ];
    expect(onText(SMS, 'identity_before_account', turns, 'sms')).toBe('pass');
    expect(
      onText(SMS, 'identity_before_account', [turns[0], ['agent', 'Halden Bank: Your balance is £1,004.10.']], 'sms'),
    ).toBe('fail');
  });

  it('"Let me know if you\'d like a breakdown." offers more help; "let me know when it arrives" does not', () => {
    const q: ['customer', string] = ['customer', 'which rate is right?'];
    expect(
      onText(
        RETAIL,
        'further_help',
        [q, ['agent', "The letter is right. Let me know if you'd like a breakdown."]],
        'email',
      ),
    ).toBe('pass');
    expect(
      onText(RETAIL, 'further_help', [q, ['agent', 'The letter is right. Let me know when it arrives.']], 'email'),
    ).toBe('fail');
  });
});

describe('a CVV request a call garbled (held-out 124 as calls)', () => {
  it('"the security go on the back of your card" asks for the code; the fraud line on the back of the card does not', () => {
    expect(
      onCall(
        RETAIL,
        'no_cvv_request',
        'my volved in bank alex speaking share floods the security go on the back of your card so i can verify you',
      ),
    ).toBe('fail');
    expect(onCall(RETAIL, 'no_cvv_request', 'you can ring our security line on the back of your card any time')).toBe(
      'pass',
    );
  });
});

describe('held-out 127: a recap of one thing done, offers of more help, a PIN warning by SMS', () => {
  const q: ['customer', string] = ['customer', 'the branch refused my power of attorney'];
  it('"To confirm: the power of attorney is registered …" recaps; "To confirm your identity, what\'s …" asks', () => {
    const recap = 'We have registered it. To confirm: the power of attorney is registered and active from today.';
    expect(onText(RETAIL, 'closing_summary', [q, ['agent', recap]], 'email')).toBe('pass');
    const asks = "To confirm your identity, what's your date of birth?";
    expect(onText(RETAIL, 'closing_summary', [q, ['agent', asks]], 'email')).toBe('fail');
  });

  it('"If you\'d like, I can book you a call" and "I can make the payment for you now if you\'d like?" offer more help', () => {
    for (const offer of [
      "I can't advise you. If you'd like, I can book you a free call with one of our advisers.",
      "It's fixed this afternoon. In the meantime I can make the payment for you now if you'd like?",
    ])
      expect(onText(RETAIL, 'further_help', [q, ['agent', offer]]), offer).toBe('pass');
    expect(onText(RETAIL, 'further_help', [q, ['agent', 'If you like the app, you can rate it.']])).toBe('fail');
  });

  it('"We will never text you your PIN." by SMS asks for nothing; "reply with your PIN" asks', () => {
    const pin: ['customer', string] = ['customer', 'pls send me a new pin'];
    const warn = 'Halden Bank: Your new PIN will arrive by post in 5 working days. We will never text you your PIN.';
    expect(onText(SMS, 'no_secret_request', [pin, ['agent', warn]], 'sms')).toBe('pass');
    const ask = 'Halden Bank: To unlock it, reply with your card number and your PIN.';
    expect(onText(SMS, 'no_secret_request', [pin, ['agent', ask]], 'sms')).toBe('fail');
  });
});
