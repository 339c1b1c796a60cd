import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inspect } from '../../src/inspection/engine';
import { loadPolicyFile, parsePolicy } from '../../src/inspection/qa-policy';
import type { InspectionTranscript } from '../../src/inspection/transcript';
import { chatTranscript } from '../helpers/transcripts';

const GOV = loadPolicyFile(path.resolve(__dirname, '../../../policies/qa/gov-hotline.yaml'));

/** a gov-info chat: [speaker, text, sentiment as the tone signal gives it] */
const chat = (turns: Array<['agent' | 'customer', string, number]>) => chatTranscript(turns, { queue: 'gov-info' });
const political = (t: InspectionTranscript) =>
  inspect([GOV], t, {}).findings.find((f) => f.ruleId === 'political_neutrality')!;
const OFFICER = 'Hi, Council Information, Kim speaking.';

describe('a view given where one was asked for (opinion)', () => {
  it('an answer the tone signal reads as clearly for or against, to a question about a party or a politician, fails', () => {
    const q = 'are the Conservatives going to win the council?';
    const f = political(
      chat([
        ['customer', q, 0],
        ['agent', `${OFFICER} God, I hope not, a disaster.`, -0.97],
      ]),
    );
    expect(f).toMatchObject({ result: 'fail', evidence: [{ utteranceId: 'u1' }] });
    expect(
      political(
        chat([
          ['customer', q, 0],
          ['agent', `${OFFICER} Oh, she is wonderful.`, 0.95],
        ]),
      ).result,
    ).toBe('fail');
    // a plain fact, or a lean short of the model's confident readings, is not one ("isn't" reads negative)
    expect(
      political(
        chat([
          ['customer', 'is the election count open to the public?', 0],
          ['agent', `${OFFICER} The count isn't open to the public, but results go online.`, -0.78],
        ]),
      ).result,
    ).toBe('pass');
    expect(
      political(
        chat([
          ['customer', q, 0],
          ['agent', `${OFFICER} The count is on Thursday night.`, 0.2],
        ]),
      ).result,
    ).toBe('pass');
    // declining, however warmly or coldly the model reads it, is what the rule asks
    for (const decline of [
      "I'm not able to give a view on that",
      'we stay neutral, but the results go online',
      "I'm not allowed to recommend candidates",
    ])
      expect(
        political(
          chat([
            ['customer', q, 0],
            ['agent', `${OFFICER} ${decline}.`, -0.95],
          ]),
        ).result,
      ).toBe('pass');
  });

  it("a view asked on a council or government policy is a view too (held-out 34); the policy's facts are not", () => {
    const q = 'honestly is the new low traffic scheme a good idea or not';
    expect(
      political(
        chat([
          ['customer', q, 0],
          ['agent', `${OFFICER} Between you and me it's a disaster.`, -0.96],
        ]),
      ).result,
    ).toBe('fail');
    expect(
      political(
        chat([
          ['customer', 'what do you make of the parking charges?', 0],
          ['agent', `${OFFICER} Brilliant, about time.`, 0.95],
        ]),
      ).result,
    ).toBe('fail');
    expect(
      political(
        chat([
          ['customer', q, 0],
          ['agent', `${OFFICER} It started in March; the consultation results are on our website.`, 0.3],
        ]),
      ).result,
    ).toBe('pass');
    // a question about a scheme that asks no view ("when does the scheme start?")
    expect(
      political(
        chat([
          ['customer', 'when does the low traffic scheme start?', 0],
          ['agent', `${OFFICER} Great question, it starts on Monday!`, 0.95],
        ]),
      ).result,
    ).toBe('pass');
  });

  it('the same words after a question that asks no view, or a complaint naming a politician, are not a view', () => {
    const warm = `${OFFICER} Thank you so much, that's brilliant, I'm really glad you told us.`;
    expect(
      political(
        chat([
          ['customer', 'when is the bin collection?', 0],
          ['agent', warm, 0.9],
        ]),
      ).result,
    ).toBe('pass');
    expect(
      political(
        chat([
          ['customer', 'the council leader ignored my letter about the bins', -0.5],
          ['agent', warm, 0.9],
        ]),
      ).result,
    ).toBe('pass');
  });

  it("the retail pack's promises: an investment asked about as safe, answered with a bare yes (stance alone)", () => {
    const RETAIL = loadPolicyFile(path.resolve(__dirname, '../../../policies/qa/bank-retail.yaml'));
    const promises = (q: string, a: string) => {
      const t = {
        ...chat([
          ['customer', q, 0],
          ['agent', a, 0.2],
        ]),
        queue: undefined,
      };
      return inspect([RETAIL], t, {}).findings.find((f) => f.ruleId === 'forbidden_promises')!.result;
    };
    expect(
      promises("is your crypto tracker safe? I can't afford to lose anything", 'Totally. Crypto is the future.'),
    ).toBe('fail');
    expect(promises('is the fund a safe bet?', 'Absolutely.')).toBe('fail');
    // a warning with the yes, a deposit's protection (a fact), a bare yes to a question that is not about safety
    expect(promises('is the fund safe?', 'Absolutely not risk free: the value can go down as well as up.')).toBe(
      'pass',
    );
    expect(promises('is my fixed rate bond protected?', 'Absolutely, up to £85,000 by the FSCS.')).toBe('pass');
    expect(promises('can I open the fund online?', 'Absolutely, it takes five minutes.')).toBe('pass');
  });

  it('the option is validated like a phrase set, its strength between 0.1 and 1', () => {
    const policy = (opinion: string) =>
      parsePolicy(
        `id: tp\nversion: 1\ntitle: test policy\nlanguage: en\napplies: { channels: [chat] }\npass_score: 80\nsections:\n  - id: s\n    title: section\n    rules:\n    - id: r\n      title: no views\n      type: phrase\n      speaker: agent\n      require: absent\n      match: { keywords: [you should vote] }\n      opinion: ${opinion}\n`,
      );
    expect(() => policy('{ after: { patterns: [vote] }, min_strength: 0.5 }')).not.toThrow();
    expect(() => policy('{ after: { patterns: [vote] }, min_strength: 2 }')).toThrow();
    expect(() => policy('{ after: { patterns: [vote] }, stance: { patterns: [brilliant] } }')).not.toThrow();
    // neither a strength nor a stance: nothing could count
    expect(() => policy('{ after: { patterns: [vote] } }')).toThrow(/min_strength, stance or both/);
    expect(() => policy("{ after: { patterns: ['(a)\\1'] } }")).toThrow(/must run in linear time/);
  });
});
