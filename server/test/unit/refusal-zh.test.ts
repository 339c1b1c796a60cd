import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspect } from '../../src/inspection/engine';
import { loadPolicyFile } from '../../src/inspection/qa-policy';
import { LanguageModels } from '../../src/understanding/classifier';
import { readableZh, zhContent } from '../../src/understanding/conduct';
import { termCounts } from '../../src/understanding/features';
import { loadModelDir } from '../../src/understanding/manifest';
import { readTurns } from '../../src/understanding/read-turns';
import { REFUSAL_ZH, replyConversations } from '../../src/understanding/train/reply-models';
import { tokenizeHan } from '../../src/inspection/transcript';
import { chatTranscript } from '../helpers/transcripts';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const MODELS = path.join(ROOT, 'models');
const VERDICTS = path.join(ROOT, 'server', 'eval-data', 'verdicts');
const ZH = loadPolicyFile(path.join(ROOT, 'policies', 'qa', 'gov-hotline-zh.yaml'));

describe('Mandarin text as the reply models read it', () => {
  it('character n-grams inside each stretch between punctuation, its ends marked; digits as 0, a masked span one Ｐ', () => {
    const t = termCounts('你找物业吧。工号 2419，[phone]', {
      wordNgrams: 1,
      charMin: 1,
      charMax: 2,
      minDf: 1,
      cjk: true,
    });
    for (const k of ['c:你', 'c:吧', 'c:物业', 'c:吧 ', 'c: 你', 'c:工号', 'c:00', 'c:Ｐ'])
      expect(t.has(k), k).toBe(true);
    // no n-gram runs across the full stop, and no word features
    expect(t.has('c:吧工')).toBe(false);
    expect([...t.keys()].some((k) => !k.startsWith('c:'))).toBe(false);
    // the English features keep reading English only (what the models trained before refusal-zh see)
    expect([...termCounts('你找物业吧 ok', { wordNgrams: 1, charMin: 2, charMax: 2, minDf: 1 }).keys()]).toEqual([
      'w:ok',
      'c: o',
      'c:ok',
      'c:k ',
    ]);
  });

  it('the opening formula is taken off: a greeting said alone is not read, one said with the answer reads the answer', () => {
    expect(zhContent('您好，工号3388。')).toBe('');
    expect(zhContent('您好，12345热线，工号1023为您服务。')).toBe('');
    expect(zhContent('喂？你好，3号话务员为您服务，这个您得去找物业。')).toBe('这个您得去找物业。');
    expect(readableZh({ text: '您好，工号3388。' })).toBe(false);
    expect(readableZh({ text: '你好，工号1180。号码您自己查。' })).toBe(true);
    // a reply that only asks for what the case needs is not read (a rhetorical refusal is left to the phrases)
    expect(readableZh({ text: '您好，工号6120为您服务。老人家多大年纪了？' })).toBe(false);
    expect(readableZh({ text: '老人家多大年纪了？我帮您查查能领哪些补贴。' })).toBe(true);
    // English is not read by the Mandarin model
    expect(readableZh({ text: 'Please find the number yourself.' })).toBe(false);
  });
});

describe('refusal-zh, the reply reader of the Mandarin refusal rule', () => {
  let nlu: LanguageModels;
  beforeAll(async () => {
    nlu = await LanguageModels.load(MODELS);
  });
  afterAll(async () => {
    await nlu?.release();
  });

  it('trained on the Mandarin sets up to held-out 101 (102 on measure it); figures measured, threshold ≥ 0.5', () => {
    const m = loadModelDir(path.join(MODELS, REFUSAL_ZH.name)).manifest;
    expect(m.task).toBe('refusal');
    const trained = m.training.data.filter((d) => d.path.includes('/verdicts/')).map((d) => path.basename(d.path));
    expect(trained).toEqual(REFUSAL_ZH.sets);
    const untrained = fs.readdirSync(VERDICTS).filter((f) => f.endsWith('.txt') && !trained.includes(f));
    expect(untrained).toEqual(expect.arrayContaining(['holdout-102.txt', 'holdout-105.txt']));
    const convs = replyConversations(VERDICTS, REFUSAL_ZH).filter((c) => !c.passedAll);
    expect(m.metrics.conversations).toBe(convs.length);
    // Mandarin conversations only
    expect(convs.length).toBeGreaterThan(250);
    expect(convs.filter((c) => c.fail).length).toBeGreaterThan(100);
    expect(m.thresholds.refusal).toBeGreaterThanOrEqual(0.5);
    expect(m.metrics.leave_one_set_out_agreement).toBeGreaterThanOrEqual(90);
    expect(m.metrics.ordinary_replies_held_out).toBeGreaterThan(20);
    expect(m.metrics.ordinary_replies_read_refusal).toBe(0);
  });

  it('reads a refusal in words the pack does not list; the case taken, an answer and a greeting are not', async () => {
    const us = (
      [
        ['agent', '您好，工号3021为您服务。'],
        ['customer', '暖气不热，找过供热公司了，说管道没问题'],
        ['agent', '供热公司说没问题那就是没问题，我们也不懂技术。'],
        ['customer', '暖气不热，屋里才十五度'],
        ['agent', '十五度确实偏低。我给您登记供热投诉，转市供热办，要求供热公司两天内上门测温。'],
      ] as const
    ).map(([speaker, text], seq) => ({ seq, speaker, text }));
    const r = await nlu.agentReads(us);
    expect(r.map((x) => [x.at, x.read])).toEqual([[[2], 'refusal']]);
    const { reads } = await readTurns(nlu, us);
    expect(reads.map((x) => x.includes('refusal'))).toEqual([false, false, true, false, false]);
  });
});

describe('a Mandarin refusal cleared by the case taken anywhere in the conversation (unless_anywhere)', () => {
  const shirking = (turns: Array<['agent' | 'customer', string]>) =>
    inspect([ZH], { ...chatTranscript(turns, { queue: 'gov-complaints' }), language: 'zh' }, {}).findings.find(
      (f) => f.ruleId === 'shirking',
    )!.result;

  it('a reply the model reads as a refusal fails the rule; the same reply unread passes it (no phrase lists it)', () => {
    const t = {
      ...chatTranscript(
        [
          ['customer', '暖气不热，找过供热公司了，说管道没问题'],
          ['agent', '供热公司说没问题那就是没问题，我们也不懂技术。'],
        ],
        { queue: 'gov-complaints' },
      ),
      language: 'zh',
    };
    const rule = (readAs: string[]) =>
      inspect(
        [ZH],
        { ...t, utterances: t.utterances.map((u, i) => (i === 1 ? { ...u, readAs } : u)) },
        {},
      ).findings.find((f) => f.ruleId === 'shirking')!.result;
    expect(rule([])).toBe('pass');
    expect(rule(['refusal'])).toBe('fail');
  });

  it('sent elsewhere and never taken: a refusal', () => {
    expect(
      shirking([
        ['customer', '医院投诉办不理我'],
        ['agent', '您好，工号1902。医院的事我们不受理，您去找卫健委吧。'],
      ]),
    ).toBe('fail');
  });

  it('the same words, then the case registered with its number: not a refusal', () => {
    expect(
      shirking([
        ['customer', '医院投诉办不理我'],
        ['agent', '您好，工号1902。医院的事我们不受理，您去找卫健委吧。'],
        ['customer', '卫健委电话打不通'],
        ['agent', '那我来帮您。我登记下来，工单号 WJ-1224-133，转卫健委，五个工作日内联系您。'],
      ]),
    ).toBe('pass');
  });
});

describe('a keyword written in characters, in a typed Mandarin message', () => {
  const abusive = (text: string, typed = true) => {
    const t = {
      ...chatTranscript([['agent', text]], { queue: 'gov-complaints' }),
      language: 'zh',
    };
    // a call: the recogniser's pinyin, read by sound (no characters to compare)
    if (!typed) t.utterances = t.utterances.map((u) => ({ ...u, han: undefined }));
    return inspect([ZH], t, {}).findings.find((f) => f.ruleId === 'abusive_language')!.result;
  };

  it('matches the characters, not a homophone across two words ("记下车牌" holds the syllables of 瞎扯)', () => {
    expect(abusive('您好，工号4139。记下车牌号了吗？')).toBe('pass');
    expect(abusive('您好，工号4139。你别瞎扯了。')).toBe('fail');
  });

  it('read by sound where there are no characters to compare (a call)', () => {
    expect(abusive('您好，工号4139。你别瞎扯了。', false)).toBe('fail');
    expect(abusive('ni bie xia che le', false)).toBe('fail');
  });

  it('a token read from a character keeps it; a word or a number keeps none', () => {
    expect(tokenizeHan('工号4139 ok')).toEqual({ tokens: ['gong', 'hao', '4139', 'ok'], han: ['工', '号', '', ''] });
  });
});
