import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inspect } from '../../src/inspection/engine';
import { loadPolicyFile } from '../../src/inspection/qa-policy';
import type { InspectionTranscript } from '../../src/inspection/transcript';
import { chatTranscript } from '../helpers/transcripts';

const RETAIL = loadPolicyFile(path.resolve(__dirname, '../../../policies/qa/bank-retail.yaml'));

const abusive = (t: InspectionTranscript) =>
  inspect([RETAIL], t, {}).findings.find((f) => f.ruleId === 'abusive_language')!;
const ASK = 'can I still pay in a cheque by post?';

describe('a turn the caller objects to (objected_to)', () => {
  it('an agent turn the tone signal reads as negative, that the caller answers with an objection, fails the rule', () => {
    // words no list of insults holds: the caller names the insult
    const cold = 'We stopped that last year. Not that anyone your age opens their post.';
    // ("I was only asking", "I'm doing my best": the caller defending themselves against a put-down)
    for (const objection of [
      "there's no need for that",
      "That's uncalled for.",
      'Charming.',
      "don't talk to me like that!",
      'I was only asking',
      "I'm doing my best",
    ])
      expect(
        abusive(
          chatTranscript([
            ['customer', ASK, 0],
            ['agent', cold, -0.8],
            ['customer', objection, -0.6],
          ]),
        ),
      ).toMatchObject({ result: 'fail', evidence: [{ utteranceId: 'u1' }] });
    // every utterance of the agent's turn before the objection that reads negative, not an earlier turn
    const f = abusive(
      chatTranscript([
        ['customer', ASK, 0],
        ['agent', 'Post Office, then.', -0.6],
        ['customer', 'ok', 0],
        ['agent', 'Hi, Sam here.', 0.2],
        ['agent', cold, -0.8],
        ['customer', 'how rude', -0.7],
      ]),
    );
    expect(f.evidence.map((e) => e.utteranceId)).toEqual(['u4']);
    // the objection in a later utterance of the caller's turn (a call's second segment, a chat's second message),
    // counted once when the turn objects twice
    const later = abusive(
      chatTranscript([
        ['customer', ASK, 0],
        ['agent', cold, -0.8],
        ['customer', 'sorry?', -0.2],
        ['customer', "there's no need for that", -0.6],
        ['customer', "that's uncalled for", -0.6],
      ]),
    );
    expect(later).toMatchObject({ result: 'fail', evidence: [{ utteranceId: 'u1' }] });
    expect(later.evidence).toHaveLength(1);
  });

  it('not where the agent turn reads neutral or positive, nor without an objection, nor an objection to the caller', () => {
    // "don't patronise me" said to a plain, kind answer
    const kind = 'We stopped that last year, but any Post Office counter will pay it in with your debit card.';
    expect(
      abusive(
        chatTranscript([
          ['customer', ASK, 0],
          ['agent', kind, 0],
          ['customer', "don't patronise me, I know what a post office is", -0.8],
        ]),
      ).result,
    ).toBe('pass');
    // the caller complaining about something else after a curt answer
    expect(
      abusive(
        chatTranscript([
          ['customer', ASK, 0],
          ['agent', 'No. Post Office.', -0.7],
          ['customer', 'that is ridiculous, the branch shut last month', -0.9],
        ]),
      ).result,
    ).toBe('pass');
    // the caller's own words first, then the objection: there is no agent turn before it to count
    expect(
      abusive(
        chatTranscript([
          ['customer', 'your colleague yesterday was so rude', -0.9],
          ['customer', "that's uncalled for, I want it noted", -0.9],
          ['agent', "I'm sorry to hear that, I'll note it.", 0],
        ]),
      ).result,
    ).toBe('pass');
  });
});
