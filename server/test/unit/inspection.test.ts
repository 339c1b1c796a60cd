import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inspect } from '../../src/inspection/engine';
import { loadPolicyFile, parsePolicy, Policy, selectPolicy } from '../../src/inspection/qa-policy';
import { loadRouting, routingSchema } from '../../src/inspection/routing';
import { lexicalPhonetic, phoneticKey } from '../../src/inspection/similarity';
import { InspectionTranscript, InspectUtterance, tokenize, transcriptHash } from '../../src/inspection/transcript';
import { YamlFileError } from '../../src/lib/yaml-file';

const POLICIES = path.resolve(__dirname, '../../../policies/qa');

/** An utterance whose words are spread evenly from `startMs` at `msPerWord` (the last word ends at endMs). */
function utt(
  seq: number,
  speaker: InspectUtterance['speaker'],
  startMs: number,
  text: string,
  msPerWord = 300,
  extra: Partial<InspectUtterance> = {},
): InspectUtterance {
  const tokens = tokenize(text);
  const times = tokens.map((_, i) => [startMs + i * msPerWord, startMs + (i + 1) * msPerWord - 20] as [number, number]);
  return {
    id: `u${seq}`,
    seq,
    speaker,
    startMs,
    endMs: times.length ? times[times.length - 1][1] : startMs,
    tokens,
    times,
    pii: [],
    ...extra,
  };
}

function transcript(us: InspectUtterance[], extra: Partial<InspectionTranscript> = {}): InspectionTranscript {
  return {
    conversationId: 'c1',
    channel: 'call',
    queue: 'cards',
    language: 'en',
    durationMs: Math.max(...us.map((u) => u.endMs)),
    utterances: us,
    ...extra,
  };
}

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

describe('verdicts', () => {
  const bank = loadPolicyFile(path.join(POLICIES, 'bank-retail.yaml'));
  const gov = loadPolicyFile(path.join(POLICIES, 'gov-hotline.yaml'));
  const call = transcript([
    utt(0, 'agent', 0, 'thank you for calling city bank this call is recorded for quality and training purposes'),
    utt(1, 'customer', 5000, 'i would like a new debit card please mine is worn out'),
    // ordering a card acts on the account: the caller is verified first
    utt(2, 'agent', 9000, 'of course can you confirm your date of birth first'),
    utt(3, 'customer', 12000, 'the first of may nineteen eighty'),
    utt(4, 'agent', 15000, 'thank you i have ordered a replacement card it will arrive within five working days'),
    utt(5, 'agent', 21000, 'to summarize a new card is on its way is there anything else i can help you with today'),
    utt(6, 'customer', 27000, 'no that is all goodbye'),
  ]);

  it('the shipped packs load, and the most specific one applies', () => {
    expect(bank.doc.id).toBe('bank-retail');
    expect(selectPolicy([bank, gov], { channel: 'call', queue: 'gov-complaints', language: 'en' })?.doc.id).toBe(
      'gov-hotline',
    );
    expect(selectPolicy([bank, gov], { channel: 'call', queue: 'cards', language: 'en' })?.doc.id).toBe('bank-retail');
    expect(selectPolicy([bank, gov], { channel: 'call', queue: 'cards', language: 'zh' })).toBeUndefined();
  });

  it('a compliant call passes with every rule accounted for; a CVV request is fatal', () => {
    const v = inspect([bank, gov], call, { asr: 'test' });
    expect(v).toMatchObject({
      outcome: 'inspected',
      passed: true,
      fatal: [],
      policy: { id: 'bank-retail', version: bank.doc.version, hash: bank.hash },
    });
    expect(v.findings.length).toBe(bank.doc.sections.reduce((a, s) => a + s.rules.length, 0));
    expect(v.findings.filter((f) => f.result === 'fail')).toEqual([]);
    expect(v.findings.find((f) => f.ruleId === 'customer_sentiment')?.result).toBe('not_evaluated');
    const cvv = transcript([
      ...call.utterances,
      utt(7, 'agent', 30000, 'and the three digit security code on the back please'),
    ]);
    const bad = inspect([bank, gov], cvv, { asr: 'test' });
    expect(bad).toMatchObject({ passed: false, fatal: ['no_cvv_request'] });
    // asked in other words ("the three numbers on the reverse") it is still asking; a warning that names it is not
    const ask = (text: string) =>
      inspect([bank], transcript([...call.utterances, utt(7, 'agent', 30000, text)]), { asr: 'test' }).findings.find(
        (f) => f.ruleId === 'no_cvv_request',
      )?.result;
    expect(ask('for security please read me the three-digit number on the reverse of your card')).toBe('fail');
    expect(ask('i just need the 3 digit code by the signature strip')).toBe('fail');
    // words between the digits and where they are (a call's "the three digits goes from the save stric on the back")
    expect(ask('please read me the three digits goes from the save stric on the back of your card')).toBe('fail');
    // held-out 51 and 53: "from the back", "next to where you sign"
    expect(ask('just pop the 3 digits from the back in here and i will set it up')).toBe('fail');
    expect(ask('what are the little numbers next to where you sign on the card')).toBe('fail');
    // held-out 54: "the security bit on the back", "the three-digit verification number"
    expect(ask('i just need the security bit on the back now')).toBe('fail');
    expect(ask('just the three digit verification number and then it is done')).toBe('fail');
    // held-out 58: "stripe", the card flipped over, the "rear", an Amex's front; the shop's page to type it in is no request
    expect(ask('flip your card over for me and read out the last 3 numbers on the signature stripe')).toBe('fail');
    expect(ask("what's the verification value on the rear of the card")).toBe('fail');
    expect(ask('long number first then the expiry and lastly the 4 digit code on the front of your amex')).toBe('fail');
    expect(ask("it's the three numbers on the back, type them into the shop's checkout page")).toBe('pass');
    expect(ask("it's the three numbers on the back, tell me what they are and i'll check them")).toBe('fail');
    // held-out 60: "keep it to yourself and only enter it on sites you trust"
    expect(ask("it's printed on the back. keep it to yourself and only enter it on sites you trust")).toBe('pass');
    expect(ask('please call the number on the back of your card it is open twenty four hours')).toBe('pass');
    // held-out 56: a rule told, not a request; "I don't need the expiry, just the code on the back" still asks
    expect(ask("for your security we don't take the code on the back of the card by phone")).toBe('pass');
    expect(ask("i don't need the expiry, just the code on the back")).toBe('fail');
    expect(ask('remember never share your security code with anyone including us')).toBe('pass');
    expect(ask('the cvc is the code on the back of the card and we will never ask you for it')).toBe('pass');
    // only a turn that asks (`only_with`): an explanation in words no `unless` lists is not a request; a bare one is
    expect(ask('if anyone wants the numbers off the back of your card, ignore them and ring us')).toBe('pass');
    expect(ask('the three digits on the back?')).toBe('fail');
  });

  it('is deterministic: the same inputs give the identical verdict and hash; another transcript another hash', () => {
    const a = inspect([bank, gov], call, { asr: 'test' });
    const b = inspect([gov, bank], JSON.parse(JSON.stringify(call)) as InspectionTranscript, { asr: 'test' });
    expect(b).toEqual(a);
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    const other = { ...call, utterances: call.utterances.slice(0, 4) };
    expect(transcriptHash(other)).not.toBe(a.transcriptHash);
    expect(inspect([bank], other, { asr: 'test' }).hash).not.toBe(a.hash);
  });

  it('SMS conversations have a pack of their own: a request for the PIN by text is a fatal finding', () => {
    const sms = loadPolicyFile(path.join(POLICIES, 'bank-sms.yaml'));
    const t = transcript(
      [
        utt(0, 'customer', 0, 'hi my card is blocked'),
        utt(1, 'agent', 60000, 'to unblock it please reply with your pin number'),
        utt(2, 'customer', 120000, 'ok'),
      ],
      { channel: 'sms', queue: null },
    );
    expect(selectPolicy([bank, gov, sms], t)?.doc.id).toBe('bank-sms');
    const v = inspect([bank, gov, sms], t, {});
    expect(v).toMatchObject({ outcome: 'inspected', passed: false, policy: { id: 'bank-sms' } });
    expect(v.fatal).toContain('no_secret_request');
    const fine = transcript(
      [
        utt(0, 'customer', 0, 'hi my card is blocked'),
        utt(1, 'agent', 60000, 'to verify it is you please reply with your date of birth'),
      ],
      { channel: 'sms', queue: null },
    );
    expect(inspect([sms], fine, {}).fatal).toEqual([]);
  });

  it("the deployment routes packs: by queue, channel and team, then a default; the shipped routing keeps the packs' choice", () => {
    const sms = loadPolicyFile(path.join(POLICIES, 'bank-sms.yaml'));
    const all = [bank, gov, sms];
    const shipped = loadRouting(path.join(POLICIES, '..', 'routing.yaml'));
    for (const c of [
      { channel: 'call', queue: 'gov-complaints', language: 'en' },
      { channel: 'call', queue: 'cards', language: 'en' },
      { channel: 'chat', queue: null, language: 'en' },
      { channel: 'sms', queue: null, language: 'en' },
      { channel: 'call', queue: 'cards', language: 'zh' },
    ])
      expect(selectPolicy(all, c, shipped)?.doc.id, JSON.stringify(c)).toBe(selectPolicy(all, c)?.doc.id);
    // a government deployment: everything to the government pack, whatever the queue is called
    const govDefault = routingSchema.parse({ version: 1, default: 'gov-hotline' });
    expect(selectPolicy(all, { channel: 'call', queue: 'housing', language: 'en' }, govDefault)?.doc.id).toBe(
      'gov-hotline',
    );
    expect(selectPolicy(all, { channel: 'call', queue: null, language: 'en' }, govDefault)?.doc.id).toBe('gov-hotline');
    // by team; a routed pack that does not take the channel is passed over
    const byTeam = routingSchema.parse({ version: 1, routes: [{ teams: ['citizen-*'], policy: 'gov-hotline' }] });
    expect(
      selectPolicy(all, { channel: 'call', queue: 'x', teamId: 'citizen-east', language: 'en' }, byTeam)?.doc.id,
    ).toBe('gov-hotline');
    expect(
      selectPolicy(all, { channel: 'sms', queue: 'x', teamId: 'citizen-east', language: 'en' }, byTeam)?.doc.id,
    ).toBe('bank-sms');
    expect(selectPolicy(all, { channel: 'call', queue: 'x', teamId: 'retail', language: 'en' }, byTeam)?.doc.id).toBe(
      'bank-retail',
    );
    // a broken file is refused with what is wrong
    const bad = path.join(os.tmpdir(), `routing-${process.pid}.yaml`);
    fs.writeFileSync(bad, 'version: 1\nroutes:\n  - { channel: [call], policy: x }\n');
    expect(() => loadRouting(bad)).toThrow(/channel/);
    fs.rmSync(bad);
  });

  it('states why a conversation is not inspected: no policy, mono recording, too short, no speech', () => {
    expect(inspect([bank], { ...call, language: 'zh' }, {})).toMatchObject({
      outcome: 'not_applicable',
      reasonCode: 'no_policy',
    });
    const mono = { ...call, utterances: call.utterances.map((u) => ({ ...u, speaker: 'unknown' as const })) };
    expect(inspect([bank], mono, {})).toMatchObject({
      outcome: 'not_applicable',
      reasonCode: 'no_agent_channel',
      reason: expect.stringContaining('mono'),
    });
    expect(inspect([bank], { ...call, durationMs: 4000 }, {})).toMatchObject({
      outcome: 'not_applicable',
      reasonCode: 'too_short',
    });
    expect(inspect([bank], { ...call, utterances: [] }, {})).toMatchObject({
      outcome: 'not_applicable',
      reasonCode: 'no_speech',
    });
  });
});

describe('policy validation', () => {
  const err = (src: string) => {
    try {
      parsePolicy(src, 'pack.yaml');
    } catch (e) {
      expect(e).toBeInstanceOf(YamlFileError);
      return (e as Error).message;
    }
    throw new Error('accepted');
  };
  const head =
    'id: tp\nversion: 1\ntitle: test policy\nlanguage: en\napplies: { channels: [call] }\npass_score: 80\nsections:\n  - id: s\n    title: section\n    rules:\n';
  it('points at the line and column of what is wrong', () => {
    expect(err(`${head}      - id: ra\n        title: silence\n        type: silence\n        max_s: -3\n`)).toBe(
      'pack.yaml:14:16: sections.0.rules.0.max_s: Too small: expected number to be >0',
    );
    expect(err(`${head}      - id: ra\n        title: silence\n        type: silense\n        max_s: 3\n`)).toMatch(
      /^pack\.yaml:13:15: sections\.0\.rules\.0\.type: Invalid discriminator value/,
    );
    expect(
      err(
        `${head}      - id: ra\n        title: phrase\n        type: phrase\n        speaker: agent\n        require: present\n        match: { patterns: ['(unclosed'] }\n`,
      ),
    ).toBe('pack.yaml:16:29: sections.0.rules.0.match.patterns.0: not a valid regular expression');
    expect(
      err(
        `${head}      - id: ra\n        title: one\n        type: silence\n        max_s: 3\n      - id: ra\n        title: two\n        type: silence\n        max_s: 4\n`,
      ),
    ).toBe('pack.yaml:15:13: sections.0.rules.1.id: rule id "ra" is used twice');
    expect(
      err(`${head}      - id: ra\n        title: one\n        type: silence\n        max_s: 3\n        colour: red\n`),
    ).toMatch(/^pack\.yaml:15:9: sections\.0\.rules\.0\.colour: /);
    expect(err('id: t\nversion: 1\n  title: [\n')).toMatch(/^pack\.yaml:2:10: Nested mappings are not allowed/);
  });
});
