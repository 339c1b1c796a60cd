import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inspect } from '../../src/inspection/engine';
import { loadPolicyFile, parsePolicy } from '../../src/inspection/qa-policy';
import { restatedHits } from '../../src/inspection/restates';
import { tokenize } from '../../src/inspection/transcript';
import { chatTranscript } from '../helpers/transcripts';

const RETAIL = loadPolicyFile(path.resolve(__dirname, '../../../policies/qa/bank-retail.yaml'));
const summary = (turns: Array<['agent' | 'customer', string]>) =>
  inspect([RETAIL], chatTranscript(turns, { intent: 'compromised_card' }), {}).findings.find(
    (f) => f.ruleId === 'closing_summary',
  )!;

const VERIFY: Array<['agent' | 'customer', string]> = [
  ['customer', "someone's taken £89 from my card at a shop I've never heard of"],
  ['agent', 'Can I take your date of birth?'],
  ['customer', '29/02/1988'],
  ['agent', "Thank you. I've frozen the card, raised a dispute for the £89 and ordered you a new card."],
];

// held-out 59 (stop 37): recaps in words no phrase list had ("So I've done three things for you today: …")
describe("a rule's `restates`: a closing turn that repeats what the speaker already told counts as said", () => {
  it('a recap in other words passes the closing summary; the same call closed without one fails', () => {
    const recap = summary([
      ...VERIFY,
      [
        'agent',
        "Here's the lot: the card's frozen, the £89 is being disputed, and a new card is on the way. Anything else?",
      ],
    ]);
    expect(recap.result).toBe('pass');
    expect(recap.evidence[0].seq).toBe(4);
    expect(summary([...VERIFY, ['agent', 'Is there anything else I can help with today?']]).result).toBe('fail');
    expect(summary(VERIFY).result).toBe('fail');
  });

  it('counts content words of the same speaker only, among the last three turns; a question asked again is not one', () => {
    const u = (speaker: 'agent' | 'customer', text: string, seq: number) => ({
      id: `u${seq}`,
      seq,
      speaker,
      startMs: seq * 1000,
      endMs: seq * 1000 + 900,
      text,
      tokens: tokenize(text),
    });
    // the customer's words read back are not a recap of the agent's own
    const readBack = [
      u('customer', 'L Ortiz, £650, the 1st of each month', 0),
      u('agent', 'Thanks. £650 to L Ortiz on the 1st of each month?', 1),
    ];
    expect(restatedHits(readBack, 'agent', 3)).toEqual([]);
    // "can you confirm your date of birth?" asked twice: confirm is not counted, date and birth are two
    const again = [
      u('agent', 'Can you confirm your date of birth?', 0),
      u('agent', 'Sorry, can you confirm your date of birth again?', 1),
    ];
    expect(restatedHits(again, 'agent', 3)).toEqual([]);
    const told = [
      u('agent', 'The transfer from your old provider can take up to 15 working days.', 0),
      // old, provider, take(s), 15, working, day(s)
      u('agent', 'So the request is with your old provider and it takes up to 15 working days.', 1),
    ];
    expect(restatedHits(told, 'agent', 3)).toMatchObject([{ utterance: { seq: 1 }, how: 'restated', score: 6 }]);
    // a turn long before the end is not a closing one
    const early = [...told, ...[2, 3, 4].map((i) => u('agent', `Anything else at all, number ${i}?`, i))];
    expect(restatedHits(early, 'agent', 3)).toEqual([]);
  });

  it('is validated: a whole number from 2, only where the phrase must be present', () => {
    const policy = (require: string, restates: string) =>
      parsePolicy(
        `id: tp\nversion: 1\ntitle: test policy\nlanguage: en\napplies: { channels: [chat] }\npass_score: 80\nsections:\n  - id: s\n    title: section\n    rules:\n    - id: r\n      title: a rule\n      type: phrase\n      speaker: agent\n      require: ${require}\n      match: { keywords: [to recap] }\n      restates: ${restates}\n`,
      );
    expect(() => policy('present', '3')).not.toThrow();
    expect(() => policy('present', '1')).toThrow();
    expect(() => policy('present', '2.5')).toThrow();
    expect(() => policy('absent', '3')).toThrow(/only for a phrase that must be present/);
  });
});
