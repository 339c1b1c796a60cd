import { describe, expect, it } from 'vitest';
import { inspect } from '../../src/inspection/engine';
import { parsePolicy, Policy } from '../../src/inspection/qa-policy';
import { lexicalPhonetic, phoneticKey } from '../../src/inspection/similarity';
import { InspectionTranscript, tokenize } from '../../src/inspection/transcript';
import { transcript, utt } from '../helpers/inspection';

// Rule types and phrase matching, each on a one-rule policy with exact edges. The shipped packs, routing, verdicts and
// policy validation are in inspection-verdicts.test.ts.

/** A one-rule policy around the given rule YAML (indented for the rules list). */
function onePolicy(rule: string, extra = ''): Policy {
  const body = rule
    .trim()
    .split('\n')
    .map((l) => `      ${l}`)
    .join('\n');
  return parsePolicy(
    `id: tp\nversion: 1\ntitle: test policy\nlanguage: en\napplies: { channels: [call, chat] }\npass_score: 80\n${extra}sections:\n  - id: s\n    title: section\n    rules:\n${body.replace(/^ {6}/, '    - ')}\n`,
  );
}

const finding = (p: Policy, t: InspectionTranscript) => {
  const v = inspect([p], t, {});
  expect(v.outcome).toBe('inspected');
  return v.findings[0];
};

const silence = (ms: number) =>
  transcript(
    [
      utt(0, 'agent', 0, 'hello this is the bank how can i help'),
      utt(1, 'customer', 0, 'hi'),
      utt(2, 'agent', 2680 + ms, 'thank you for waiting'),
    ].map((u, i) => (i === 1 ? { ...u, startMs: 2700, endMs: 2680, times: [], tokens: [] } : u)),
  );

describe('rule types, with exact edges', () => {
  it('silence: a pause of N−1 ms and of N ms passes, N+1 ms fails, with the span as evidence', () => {
    const p = onePolicy('id: dead_air\ntitle: no dead air\ntype: silence\nmax_s: 10');
    // the agent's first utterance ends at 8 × 300 + 280 = 2680 ms
    expect(finding(p, silence(9_999)).result).toBe('pass');
    expect(finding(p, silence(10_000)).result).toBe('pass');
    const f = finding(p, silence(10_001));
    expect(f.result).toBe('fail');
    expect(f.evidence).toEqual([{ startMs: 2680, endMs: 12_681 }]);
    expect(f.measured).toEqual({ count: 1, longestMs: 10_001 });
  });

  it('silence after an announced hold is a hold, judged by the hold rule', () => {
    const pSil = onePolicy(
      'id: dead_air\ntitle: no dead air\ntype: silence\nmax_s: 10\nexcept_after: { keywords: [please hold] }',
    );
    const pHold = onePolicy(
      'id: hold\ntitle: short holds\ntype: hold\nmax_s: 60\nannounce: { keywords: [please hold] }',
    );
    const t = (gap: number) =>
      transcript([utt(0, 'agent', 0, 'one moment please hold'), utt(1, 'agent', 1180 + gap, 'thanks for holding')]);
    expect(finding(pSil, t(30_000)).result).toBe('pass');
    expect(finding(pHold, t(60_000)).result).toBe('pass');
    expect(finding(pHold, t(60_001))).toMatchObject({ result: 'fail', measured: { count: 1, longestMs: 60_001 } });
    expect(finding(pHold, transcript([utt(0, 'agent', 0, 'hello how can i help')])).result).toBe('not_applicable');
  });

  it('phrase within the first N seconds: starting at N s passes, N s + 1 ms fails; never said fails', () => {
    const p = onePolicy(
      "id: notice\ntitle: recording notice\ntype: phrase\nspeaker: agent\nrequire: present\nwithin_first_s: 30\nmatch: { keywords: ['call is recorded'] }",
    );
    const t = (at: number) =>
      transcript([utt(0, 'agent', 0, 'hello'), utt(1, 'agent', at - 300, 'this call is recorded')]);
    expect(finding(p, t(30_000))).toMatchObject({ result: 'pass', measured: { atMs: 30_000 } });
    expect(finding(p, t(30_001))).toMatchObject({ result: 'fail', measured: { atMs: 30_001 } });
    expect(finding(p, transcript([utt(0, 'agent', 0, 'hello there')]))).toMatchObject({
      result: 'fail',
      message: 'never said by agent',
    });
    // the customer saying it does not count for the agent
    expect(
      finding(p, transcript([utt(0, 'customer', 0, 'is this call is recorded'), utt(1, 'agent', 400, 'yes')])).result,
    ).toBe('fail');
  });

  it('phrase within the last N seconds', () => {
    const p = onePolicy(
      "id: close\ntitle: closing\ntype: phrase\nspeaker: agent\nrequire: present\nwithin_last_s: 10\nmatch: { keywords: ['anything else'] }",
    );
    const t = (gap: number) =>
      transcript([utt(0, 'agent', 0, 'is there anything else'), utt(1, 'customer', 1180 + gap, 'no')]);
    // the phrase ends at 1180 ms; the call ends with the customer's "no", 280 ms long: 10 s before the end is gap − 9720
    expect(finding(p, t(9_720)).result).toBe('pass');
    expect(finding(p, t(9_721)).result).toBe('fail');
  });

  it('phrase absent: every occurrence is evidence, with the matched tokens', () => {
    const p = onePolicy(
      "id: promise\ntitle: no promises\ntype: phrase\nspeaker: agent\nrequire: absent\nmatch: { keywords: ['risk free'], patterns: ['guaranteed (return|profit)s?'] }",
    );
    const f = finding(
      p,
      transcript([
        utt(0, 'agent', 0, 'this fund is risk free'),
        utt(1, 'customer', 2000, 'risk free really'),
        utt(2, 'agent', 4000, 'yes with guaranteed returns'),
      ]),
    );
    expect(f.result).toBe('fail');
    expect(f.evidence.map((e) => [e.utteranceId, e.tokens])).toEqual([
      ['u0', [3, 5]],
      ['u2', [2, 4]],
    ]);
    expect(f.evidence[0]).toMatchObject({ startMs: 900, endMs: 1480 });
    expect(finding(p, transcript([utt(0, 'agent', 0, 'there is always some risk')])).result).toBe('pass');
  });

  it('phrase before an anchor: identity verified before account details; no anchor → not applicable', () => {
    const p = onePolicy(
      "id: idv\ntitle: identity first\ntype: phrase\nspeaker: agent\nrequire: present\nmatch: { keywords: ['date of birth'] }\nbefore: { speaker: agent, match: { keywords: [balance] } }",
    );
    expect(
      finding(
        p,
        transcript([
          utt(0, 'agent', 0, 'your date of birth please'),
          utt(1, 'agent', 3000, 'your balance is ten dollars'),
        ]),
      ).result,
    ).toBe('pass');
    const f = finding(
      p,
      transcript([
        utt(0, 'agent', 0, 'your balance is ten dollars'),
        utt(1, 'agent', 3000, 'your date of birth please'),
      ]),
    );
    expect(f).toMatchObject({ result: 'fail', message: 'not said before the anchor at 0.3 s' });
    expect(finding(p, transcript([utt(0, 'agent', 0, 'hello how can i help')])).result).toBe('not_applicable');
    // in the anchor's own utterance it is before, in a call's word times as in a chat line
    const one = transcript([utt(0, 'agent', 0, 'before i check the balance can i have your date of birth')]);
    expect(finding(p, one).result).toBe('pass');
  });

  it('over-talk: overlaps of at least min_ms are counted against max_count', () => {
    const p = onePolicy('id: ot\ntitle: over-talk\ntype: overtalk\nmin_ms: 1000\nmax_count: 0');
    // customer speaks 0–2980; the agent starts at 2980 − overlap
    const t = (overlap: number) =>
      transcript([
        utt(0, 'customer', 0, 'one two three four five six seven eight nine ten'),
        utt(1, 'agent', 2980 - overlap, 'sorry but that is the rule'),
      ]);
    expect(finding(p, t(999))).toMatchObject({ result: 'pass', measured: { count: 0 } });
    expect(finding(p, t(1000))).toMatchObject({ result: 'fail', measured: { count: 1 } });
  });

  it('interruption: the agent starting while the customer speaks, overlapping min_overlap_ms or more', () => {
    const p = onePolicy('id: intr\ntitle: no interrupting\ntype: interruption\nspeaker: agent\nmin_overlap_ms: 500');
    const t = (overlap: number) =>
      transcript([
        utt(0, 'customer', 0, 'one two three four five six seven eight nine ten'),
        utt(1, 'agent', 2980 - overlap, 'sorry but that is the rule'),
      ]);
    expect(finding(p, t(499)).result).toBe('pass');
    expect(finding(p, t(500))).toMatchObject({ result: 'fail', evidence: [{ startMs: 2480, endMs: 2980 }] });
    // the customer talking over the agent is not the agent interrupting
    const reverse = transcript([
      utt(0, 'agent', 0, 'one two three four five six seven eight nine ten'),
      utt(1, 'customer', 1980, 'sorry but that is the rule'),
    ]);
    expect(finding(p, reverse).result).toBe('pass');
  });

  it('speech rate: words per minute of talk time within bounds; too few words → not applicable', () => {
    const p = onePolicy(
      'id: rate\ntitle: pace\ntype: speech_rate\nspeaker: agent\nmin_wpm: 100\nmax_wpm: 200\nmin_words: 10',
    );
    const words = 'a b c d e f g h i j k l m n o p q r s t'; // 20 words
    // 20 words at 300 ms each = 5980 ms of talk → 201 wpm; at 360 ms → 167 wpm; at 720 ms → 83 wpm
    expect(finding(p, transcript([utt(0, 'agent', 0, words, 300)]))).toMatchObject({
      result: 'fail',
      measured: { wpm: 201 },
    });
    expect(finding(p, transcript([utt(0, 'agent', 0, words, 360)]))).toMatchObject({
      result: 'pass',
      measured: { wpm: 167 },
    });
    expect(finding(p, transcript([utt(0, 'agent', 0, words, 720)]))).toMatchObject({
      result: 'fail',
      measured: { wpm: 83 },
    });
    expect(finding(p, transcript([utt(0, 'agent', 0, 'a b c')])).result).toBe('not_applicable');
  });

  it('talk ratio', () => {
    const p = onePolicy('id: ratio\ntitle: ratio\ntype: talk_ratio\nspeaker: agent\nmax: 0.8');
    const t = (agentWords: number) =>
      transcript([
        utt(0, 'agent', 0, Array(agentWords).fill('w').join(' ')),
        utt(1, 'customer', 100_000, 'a b c d e f g h i j'),
      ]);
    expect(finding(p, t(39)).result).toBe('pass'); // 11680 / (11680 + 2980) = 0.797
    expect(finding(p, t(40)).result).toBe('fail'); // 11980 / (11980 + 2980) = 0.801
  });

  it('sentiment: not evaluated without scores; falling and ending negative with them', () => {
    const p = onePolicy('id: mood\ntitle: mood\ntype: sentiment\nspeaker: customer\ncondition: falling\ndrop: 0.5');
    const us = (scores: Array<number | null>) => [
      utt(0, 'agent', 0, 'hello'),
      ...scores.map((s, i) => utt(i + 1, 'customer', 1000 * (i + 1), 'words here', 300, { sentiment: s })),
    ];
    expect(finding(p, transcript(us([null, null, null]))).result).toBe('not_evaluated');
    expect(finding(p, transcript(us([0.5, 0.2, 0.0]))).result).toBe('fail');
    expect(finding(p, transcript(us([0.5, 0.4, 0.1]))).result).toBe('pass');
    const end = onePolicy('id: mood\ntitle: mood\ntype: sentiment\nspeaker: customer\ncondition: ends_negative');
    expect(finding(end, transcript(us([0.5, 0.4, -0.1]))).result).toBe('fail');
    // ends_below: a fall counts only into the negative (from delighted to a plain "ok" is no fall)
    const into = onePolicy(
      'id: mood\ntitle: mood\ntype: sentiment\nspeaker: customer\ncondition: falling\ndrop: 0.5\nends_below: 0',
    );
    expect(finding(into, transcript(us([0.97, 0.5, 0.0]))).result).toBe('pass');
    expect(finding(into, transcript(us([0.2, 0.0, -0.5]))).result).toBe('fail');
  });

  it('negative_with matches only in a turn the tone signal reads as negative; it must run in linear time', () => {
    const p = onePolicy(
      "id: cold\ntitle: no brush-off\ntype: phrase\nspeaker: agent\nrequire: absent\nmatch:\n  negative_with: ['\\b(no|not|won''t)\\b']",
    );
    const said = (sentiment: number | null) =>
      transcript([utt(0, 'agent', 0, "No. Fixed means fixed, it won't be changed.", 300, { sentiment })]);
    expect(finding(p, said(-0.7))).toMatchObject({ result: 'fail' });
    // the same words said kindly, or with no tone at all, are not matched
    expect(finding(p, said(0)).result).toBe('pass');
    expect(finding(p, said(null)).result).toBe('pass');
    expect(() =>
      onePolicy(
        "id: cold\ntitle: no brush-off\ntype: phrase\nspeaker: agent\nrequire: absent\nmatch:\n  negative_with: ['(no)\\1']",
      ),
    ).toThrow(/must run in linear time/);
  });

  it("attitude: true matches a turn the tone signal read as the agent's attitude, whatever its words", () => {
    const p = onePolicy(
      'id: brush\ntitle: no brush-off\ntype: phrase\nspeaker: agent\nrequire: absent\nmatch:\n  attitude: true',
    );
    const said = (attitude: boolean | undefined, speaker: InspectUtterance['speaker'] = 'agent') =>
      transcript([
        utt(0, 'agent', 0, 'Good morning.'),
        utt(1, speaker, 2000, "Like I said, it's being replaced.", 300, { sentiment: -0.5, attitude }),
      ]);
    expect(finding(p, said(true))).toMatchObject({ result: 'fail' });
    // a turn the model alone read as negative, or one with no tone reading, is not the agent's attitude
    expect(finding(p, said(false)).result).toBe('pass');
    expect(finding(p, said(undefined)).result).toBe('pass');
    // the rule's speaker still decides
    expect(finding(p, said(true, 'customer')).result).toBe('pass');
    // a set with nothing to match by is refused; attitude alone is something
    expect(() =>
      onePolicy(
        'id: brush\ntitle: no brush-off\ntype: phrase\nspeaker: agent\nrequire: absent\nmatch:\n  attitude: false',
      ),
    ).toThrow(/give keywords, patterns or similar phrases/);
  });

  it('PII spoken by a speaker: types from the protection marks, never the values', () => {
    const p = onePolicy('id: card\ntitle: no card read back\ntype: pii\nspeaker: agent\ntypes: [card_number]');
    const mark = { type: 'card_number', start: 3, end: 19, s: 1000, e: 4000 };
    expect(finding(p, transcript([utt(0, 'agent', 0, 'it is 411111******1111', 300, { pii: [mark] })]))).toMatchObject({
      result: 'fail',
      evidence: [{ utteranceId: 'u0', startMs: 1000, endMs: 4000 }],
    });
    expect(
      finding(
        p,
        transcript([
          utt(0, 'customer', 0, 'x'),
          utt(1, 'agent', 0, 'thanks'),
          { ...utt(2, 'customer', 0, 'it is 411111******1111'), pii: [mark] },
        ]),
      ).result,
    ).toBe('pass');
  });

  it('when: queues, channels and intents; timing rules do not apply to chats', () => {
    const p = onePolicy(
      "id: dc\ntitle: disclosure\ntype: phrase\nspeaker: agent\nrequire: present\nwhen: { queues: ['collections*'] }\nmatch: { keywords: ['collect a debt'] }",
    );
    expect(finding(p, transcript([utt(0, 'agent', 0, 'hello')], { queue: 'cards' })).result).toBe('not_applicable');
    expect(finding(p, transcript([utt(0, 'agent', 0, 'hello')], { queue: 'collections-east' })).result).toBe('fail');
    const i = onePolicy(
      'id: lost\ntitle: block\ntype: phrase\nspeaker: agent\nrequire: present\nwhen: { intents: [lost_or_stolen_card] }\nmatch: { keywords: [block] }',
    );
    expect(finding(i, transcript([utt(0, 'agent', 0, 'hello')])).result).toBe('not_evaluated');
    expect(finding(i, transcript([utt(0, 'agent', 0, 'hello')], { intent: 'card_arrival' })).result).toBe(
      'not_applicable',
    );
    expect(
      finding(i, transcript([utt(0, 'agent', 0, 'i have blocked it now block')], { intent: 'lost_or_stolen_card' }))
        .result,
    ).toBe('pass');
    const s = onePolicy('id: dead_air\ntitle: no dead air\ntype: silence\nmax_s: 10');
    expect(
      finding(s, transcript([utt(0, 'agent', 0, 'hello'), utt(1, 'customer', 60_000, 'hi')], { channel: 'chat' }))
        .result,
    ).toBe('not_applicable');
  });
});

describe('phrase matching', () => {
  it('keywords are whole-word token sequences, found at the start, middle and end; the earliest wins', () => {
    const p = onePolicy(
      "id: kw\ntitle: keywords\ntype: phrase\nspeaker: agent\nrequire: absent\nmatch: { keywords: ['risk free', 'free', 'no risk at all'] }",
    );
    const ev = (text: string) => finding(p, transcript([utt(0, 'agent', 0, text)])).evidence.map((e) => e.tokens);
    expect(ev('risk free it is')).toEqual([[0, 2]]);
    expect(ev('it is free')).toEqual([[2, 3]]);
    expect(ev('there is no risk at all')).toEqual([[2, 6]]);
    expect(ev('freedom and risky freely')).toEqual([]);
    expect(ev('Risk-free!')).toEqual([]); // "risk-free" is one token; the pack lists that spelling separately
  });

  it('a phrase the speech engine spotted acoustically counts when the transcript garbled it, marked as spotted', () => {
    const p = onePolicy(
      "id: notice\ntitle: notice\ntype: phrase\nspeaker: agent\nrequire: present\nwithin_first_s: 30\nmatch: { keywords: ['call is recorded'] }",
    );
    const garbled = utt(0, 'agent', 0, 'and good for calling the band that college recorded for quality');
    expect(finding(p, transcript([garbled])).result).toBe('fail');
    const spotted = { ...garbled, keyphrases: [{ p: 'this call is recorded', s: 1800, e: 3100 }] };
    expect(finding(p, transcript([spotted]))).toMatchObject({
      result: 'pass',
      evidence: [{ utteranceId: 'u0', startMs: 1800, endMs: 3100, spotted: true }],
    });
    // a spotted phrase that contains none of the keywords does not count
    expect(
      finding(p, transcript([{ ...garbled, keyphrases: [{ p: 'security code', s: 1800, e: 3100 }] }])).result,
    ).toBe('fail');
  });
});

describe('similar phrases (lexical-phonetic similarity)', () => {
  const sim = (example: string, said: string) =>
    lexicalPhonetic.best(lexicalPhonetic.prepare(example), tokenize(said)).score;
  it('matches recognition errors, fillers and reordering; not other sentences', () => {
    expect(
      sim(
        'this call is recorded for quality and training purposes',
        'this call is recorded for quality and training purposes',
      ),
    ).toBe(1);
    expect(
      sim(
        'this call is recorded for quality and training purposes',
        'uh this call is record it for quality in training purpose',
      ),
    ).toBeGreaterThanOrEqual(0.8);
    expect(
      sim('is there anything else i can help you with today', 'anything else today i can help you with'),
    ).toBeGreaterThanOrEqual(0.8);
    expect(
      sim('this call is recorded for quality and training purposes', 'the weather is nice for walking today'),
    ).toBeLessThan(0.5);
    expect(
      sim('and the three digit security code on the back of the card', 'the card will arrive in three working days'),
    ).toBeLessThan(0.7);
    expect(phoneticKey('recorded')).toBe(phoneticKey('recordid'));
  });
});
