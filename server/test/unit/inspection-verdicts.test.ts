import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inspect } from '../../src/inspection/engine';
import { loadPolicyFile, parsePolicy, selectPolicy } from '../../src/inspection/qa-policy';
import { loadRouting, routingSchema } from '../../src/inspection/routing';
import { transcriptHash } from '../../src/inspection/transcript';
import { YamlFileError } from '../../src/lib/yaml-file';
import { transcript, utt } from '../helpers/inspection';

// The shipped packs and routing on whole conversations, the verdicts they give, and how a pack's errors are told. Rule
// types one by one are in inspection.test.ts.

const POLICIES = path.resolve(__dirname, '../../../policies/qa');

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
