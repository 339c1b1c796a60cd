import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pinyin } from 'pinyin-pro';
import { describe, expect, it } from 'vitest';
import { mandarinClips, telephoneVersion } from '../../src/demo/real-audio';
import { wordErrors } from '../../src/lib/wer';
import { decodeWav, inspectWav } from '../../src/speech/audio/wav';
import { SherpaEngine } from '../../src/speech/engines/sherpa';
import { inspect } from '../../src/inspection/engine';
import { loadPolicyFile, selectPolicy } from '../../src/inspection/qa-policy';
import { loadRouting } from '../../src/inspection/routing';
import { toInspectUtterance, tokenize } from '../../src/inspection/transcript';
import { loadMaskingPolicy } from '../../src/protection/pii/mask';
import { protectTranscript, type PlainUtterance } from '../../src/protection/protect-transcript';
import { INITIALS as INITIAL_SET, pinyinWords, toneless } from '../../src/speech/pinyin';

const REPO = path.resolve(__dirname, '..', '..', '..');
const POLICIES = path.join(REPO, 'policies', 'qa');
const masking = loadMaskingPolicy(path.join(REPO, 'policies', 'masking.yaml'));
const routing = loadRouting(path.join(REPO, 'policies', 'routing.yaml'));
const packs = ['bank-retail', 'bank-sms', 'gov-hotline', 'gov-hotline-zh'].map((p) =>
  loadPolicyFile(path.join(POLICIES, `${p}.yaml`)),
);

// longest first: zh before z
const INITIALS = [...INITIAL_SET].sort((a, b) => b.length - a.length);
/** A sentence in toned pinyin as the Mandarin recogniser emits it: initials and finals as separate tokens. */
function recognised(sentence: string, startS: number) {
  const tokens: string[] = [];
  for (const syl of sentence.split(' ')) {
    const ini = INITIALS.find((i) => syl.startsWith(i) && syl.length > i.length);
    if (ini) tokens.push(ini, syl.slice(ini.length));
    else tokens.push(syl);
  }
  const timestamps = tokens.map((_, i) => startS + i * 0.12);
  return pinyinWords({ tokens, timestamps, ys_probs: tokens.map(() => -0.05) }, startS + tokens.length * 0.12 + 0.3);
}

function utterance(speaker: 'agent' | 'customer', startS: number, sentence: string): PlainUtterance {
  const words = recognised(sentence, startS);
  return {
    speaker,
    startMs: words[0].startMs,
    endMs: words[words.length - 1].endMs,
    text: words.map((w) => w.word).join(' '),
    words: words.map((w) => ({ w: w.word, s: w.startMs, e: w.endMs, c: w.confidence })),
    keyphrases: [],
    confidence: 0.9,
  };
}

/** A valid resident identity number (GB 11643 check character), read out digit by digit in pinyin. */
function idNumber(): { digits: string; spoken: string } {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  for (let seq = 10; ; seq++) {
    const body = `1101051985032${seq}3`.slice(0, 17);
    const check = '10X98765432'[[...body].reduce((a, d, i) => a + Number(d) * weights[i], 0) % 11];
    if (check === 'X') continue;
    const say = ['líng', 'yāo', 'èr', 'sān', 'sì', 'wǔ', 'liù', 'qī', 'bā', 'jiǔ'];
    return { digits: body + check, spoken: [...(body + check)].map((d) => say[Number(d)]).join(' ') };
  }
}

function inspectCall(us: PlainUtterance[]) {
  const p = protectTranscript(us, masking);
  const t = {
    conversationId: 'zh1',
    channel: 'call',
    queue: 'gov-complaints',
    language: 'zh',
    durationMs: Math.max(...us.map((u) => u.endMs)),
    utterances: p.utterances.map((u, i) =>
      toInspectUtterance({
        id: `u${i}`,
        seq: i,
        speaker: u.speaker,
        startMs: u.startMs,
        endMs: u.endMs,
        text: u.masked.text,
        words: u.masked.words,
        pii: u.pii,
      }),
    ),
  };
  return { verdict: inspect(packs, t, { asr: 'test' }, undefined, routing), protectedT: p };
}

const result = (v: ReturnType<typeof inspect>, id: string) => v.findings.find((f) => f.ruleId === id)?.result;

describe('Mandarin: pinyin from the recogniser, policies written in characters', () => {
  it('groups initials and finals into syllables timed by their first token, and reads digit runs as digits', () => {
    const w = recognised('gōng hào yāo líng èr sān wèi nín fú wù', 1);
    expect(w.map((x) => x.word)).toEqual(['gōng', 'hào', '1', '0', '2', '3', 'wèi', 'nín', 'fú', 'wù']);
    expect(w[1].startMs).toBe(1240);
    // fewer than three digit syllables stay words (一 as "one" in a sentence, 七 in 其他)
    expect(recognised('hái yǒu qí tā', 0).map((x) => x.word)).toEqual(['hái', 'yǒu', 'qí', 'tā']);
    expect(toneless('lǜ')).toBe('lu');
  });

  it('tokenizes characters and pinyin alike, so a phrase in characters matches the recogniser’s pinyin', () => {
    expect(tokenize('本次通话将被录音')).toEqual(['ben', 'ci', 'tong', 'hua', 'jiang', 'bei', 'lu', 'yin']);
    expect(tokenize('běn cì tōng huà jiāng bèi lù yīn')).toEqual(tokenize('本次通话将被录音'));
    expect(tokenize('您好，工号1023为您服务')).toEqual(['nin', 'hao', 'gong', 'hao', '1023', 'wei', 'nin', 'fu', 'wu']);
    expect(tokenize('Thank you, [card_number]!')).toEqual(['thank', 'you', '[card_number]']);
  });

  it('routes a Mandarin gov-* call to gov-hotline-zh and passes a compliant call', () => {
    expect(selectPolicy(packs, { channel: 'call', queue: 'gov-complaints', language: 'zh' }, routing)?.doc.id).toBe(
      'gov-hotline-zh',
    );
    expect(selectPolicy(packs, { channel: 'call', queue: 'anything', language: 'zh' }, routing)?.doc.id).toBe(
      'gov-hotline-zh',
    );
    const { verdict } = inspectCall([
      utterance(
        'agent',
        0,
        'nín hǎo shí èr sān sì wǔ rè xiàn gōng hào yāo líng èr sān wèi nín fú wù běn cì tōng huà jiāng bèi lù yīn',
      ),
      utterance('customer', 8, 'wǒ yào tóu sù wǒ jiā lóu xià de zào yīn tài dà le'),
      utterance(
        'agent',
        14,
        'hǎo de yǐ jīng wèi nín dēng jì nín de gōng dān hào shì èr líng èr liù yāo èr líng sān wǔ bā wǒ men huì zài wǔ gè gōng zuò rì nèi gěi nín dá fù',
      ),
      utterance('customer', 27, 'hǎo de xiè xiè'),
      utterance('agent', 29, 'qǐng wèn hái yǒu qí tā xū yào ma'),
      utterance('customer', 32, 'méi yǒu le zài jiàn'),
    ]);
    expect(verdict).toMatchObject({ outcome: 'inspected', policy: { id: 'gov-hotline-zh' }, passed: true });
    for (const r of ['greeting_staff_number', 'recording_notice', 'case_number_read_back', 'response_time', 'closing'])
      expect(result(verdict, r), r).toBe('pass');
  });

  it('fails a call without the recording notice, and one where the agent reads out the caller’s ID number', () => {
    const id = idNumber();
    const { verdict, protectedT } = inspectCall([
      utterance('agent', 0, 'nín hǎo gōng hào yāo líng èr sān wèi nín fú wù'),
      utterance('customer', 6, 'wǒ xiǎng chá xún wǒ de shè bǎo'),
      utterance('agent', 12, `nín de shēn fèn zhèng hào shì ${id.spoken} duì ma`),
      utterance('customer', 24, 'duì'),
    ]);
    expect(result(verdict, 'recording_notice')).toBe('fail');
    expect(result(verdict, 'no_id_read_out')).toBe('fail');
    expect(verdict.fatal).toEqual(expect.arrayContaining(['recording_notice', 'no_id_read_out']));
    // the number is masked in the stored copy: its digits are not in the masked text
    const masked = protectedT.utterances[2].masked.text.replace(/\s+/g, '');
    expect(masked).not.toContain(id.digits.slice(3, 14));
  });
});

describe('the Mandarin model on real speech (../shared)', () => {
  const DATA = process.env.HOTLINE_DATA_DIR ?? path.resolve(REPO, '..', 'shared');
  const MODEL = path.join(DATA, 'models', 'sherpa-kws-zh-3.3M');

  it('hears the AISHELL clip at 16 kHz and through the 8 kHz telephone band, as pinyin syllables with times', () => {
    if (!fs.existsSync(MODEL))
      throw new Error(`needs the model ${MODEL} (../shared beside the checkout, or HOTLINE_DATA_DIR)`);
    const clips = mandarinClips(DATA);
    expect(clips.length).toBeGreaterThan(0);
    const engine = new SherpaEngine({ modelDir: MODEL, language: 'zh' });
    expect(engine.modelId).toMatch(/^sherpa:sherpa-kws-zh-3\.3M#[0-9a-f]{12}\/greedy$/);
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'zh-'));
    for (const clip of clips) {
      const ref = pinyin(clip.reference, { type: 'array', toneType: 'none' });
      for (const file of [clip.wav, telephoneVersion(clip, work)]) {
        const buf = fs.readFileSync(file);
        const info = inspectWav(buf);
        const words = engine.decode(decodeWav(buf, info)[0], info.sampleRate);
        const e = wordErrors(
          ref,
          words.map((w) => toneless(w.word)),
        );
        expect(e.errors, `${path.basename(file)}: ${words.map((w) => w.word).join(' ')}`).toBeLessThanOrEqual(
          Math.ceil(ref.length * 0.1),
        );
        // syllables carry tone marks, times rise, confidences are probabilities
        expect(words.some((w) => /[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ]/.test(w.word))).toBe(true);
        for (let i = 1; i < words.length; i++) expect(words[i].startMs).toBeGreaterThanOrEqual(words[i - 1].startMs);
        expect(words.every((w) => w.confidence > 0 && w.confidence <= 1)).toBe(true);
      }
    }
  });
});
