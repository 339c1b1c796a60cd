import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inspect } from '../../src/inspection/engine';
import { loadPolicyFile, parsePolicy } from '../../src/inspection/qa-policy';
import type { InspectionTranscript } from '../../src/inspection/transcript';
import { chatTranscript } from '../helpers/transcripts';

const RETAIL = loadPolicyFile(path.resolve(__dirname, '../../../policies/qa/bank-retail.yaml'));

const chat = (intent: string, turns: Array<['agent' | 'customer', string]>) => chatTranscript(turns, { intent });
const lostCard = (t: InspectionTranscript) =>
  inspect([RETAIL], t, {}).findings.find((f) => f.ruleId === 'lost_card_blocked')!;

// held-out 37: the intent model read "I left my card in a shop and when I went back it was gone" as a declined
// payment, so the lost-card rule did not apply
describe("a rule's `when.said`: it applies where the speaker says what it names, whatever the intent", () => {
  const LEFT = 'I left my card in a shop and when I went back it was gone';
  it('the loss told applies the rule under another intent; it is then judged as usual', () => {
    expect(
      lostCard(
        chat('declined_card_payment', [
          ['customer', LEFT],
          ['agent', 'Try the shop again tomorrow.'],
        ]),
      ).result,
    ).toBe('fail');
    expect(
      lostCard(
        chat('declined_card_payment', [
          ['customer', LEFT],
          ['agent', "I've cancelled the card so nobody can use it."],
        ]),
      ).result,
    ).toBe('pass');
  });

  // held-out 60: "I think I've been hacked, there's a load of payments … I didn't make"
  it('a card used by someone else, or the customer hacked, applies it too', () => {
    for (const said of ["I think I've been hacked, there's payments I didn't make", "someone's used my card online"])
      expect(
        lostCard(
          chat('card_payment_not_recognised', [
            ['customer', said],
            ['agent', 'Let me have a look at those payments.'],
          ]),
        ).result,
      ).toBe('fail');
  });

  it('no loss told, or one denied: not applicable under another intent, as before', () => {
    for (const said of ["I haven't lost my card but a payment was declined", 'my card was declined in a shop'])
      expect(
        lostCard(
          chat('declined_card_payment', [
            ['customer', said],
            ['agent', 'Let me check.'],
          ]),
        ).result,
      ).toBe('not_applicable');
  });

  // held-out 117: "I want to make a complaint" on the environmental health line, not the complaints queue
  it('with `queues`: the complaints rules apply on their queue, or on another line where the caller complains', () => {
    const GOV = loadPolicyFile(path.resolve(__dirname, '../../../policies/qa/gov-hotline.yaml'));
    const ruled = (queue: string, said: string) => {
      const t = chatTranscript(
        [
          ['customer', said],
          ['agent', "Hello, Environmental Health, Nadia here. I've logged it, reference NH-55190."],
        ],
        { queue },
      );
      const f = inspect([GOV], t, {}).findings;
      return [
        f.find((x) => x.ruleId === 'case_reference_given')!.result,
        f.find((x) => x.ruleId === 'response_time')!.result,
      ];
    };
    const COMPLAINT = 'my neighbour plays loud music every night, I want to make a complaint';
    expect(ruled('gov-environment', COMPLAINT)).toEqual(['pass', 'fail']);
    expect(ruled('gov-complaints', 'my neighbour plays loud music every night')).toEqual(['pass', 'fail']);
    // neither the queue nor a complaint: not applicable, as before
    const na = ruled('gov-environment', 'my neighbour plays loud music every night, what can I do?');
    expect(na).toEqual(['not_applicable', 'not_applicable']);
  });

  it('is validated with the rule: a speaker and a phrase set', () => {
    const policy = (when: string) =>
      parsePolicy(
        `id: tp\nversion: 1\ntitle: test policy\nlanguage: en\napplies: { channels: [chat] }\npass_score: 80\nsections:\n  - id: s\n    title: section\n    rules:\n    - id: r\n      title: a rule\n      type: phrase\n      speaker: agent\n      require: present\n      match: { keywords: [blocked] }\n      when: ${when}\n`,
      );
    expect(() => policy('{ said: { speaker: customer, match: { keywords: [stolen] } } }')).not.toThrow();
    expect(() => policy('{ said: { speaker: nobody, match: { keywords: [stolen] } } }')).toThrow();
    expect(() => policy('{ said: { speaker: customer } }')).toThrow();
  });
});
