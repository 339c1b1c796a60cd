import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeWav, encodeWav, inspectWav } from '../../src/speech/audio/wav';
import { openStack, requestAs, Stack, uploadCall, useAuth, waitFor } from '../helpers/stack';

/**
 * Mandarin end to end: a call in `language: zh` is transcribed by the pinyin model and inspected by gov-hotline-zh;
 * a chat typed in characters is inspected by the same pack, its phrases matched through pinyin. Real models from
 * ../shared (the Mandarin model and its test recordings).
 */
const DATA = process.env.HOTLINE_DATA_DIR ?? path.resolve(__dirname, '..', '..', '..', '..', 'shared');
const ZH = path.join(DATA, 'models', 'sherpa-kws-zh-3.3M');
if (!fs.existsSync(ZH))
  throw new Error(`mandarin.test needs the model ${ZH} (../shared beside the checkout, or HOTLINE_DATA_DIR)`);

let stack: Stack;
beforeAll(async () => {
  stack = await openStack('mandarin', 5, { role: 'all', env: { HOTLINE_DATA_DIR: DATA } });
  useAuth(async (method) => (method === 'GET' ? stack.idp.tokenFor('quinn') : stack.idp.recorderToken()));
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

const mono = (file: string) => {
  const buf = fs.readFileSync(file);
  return decodeWav(buf, inspectWav(buf))[0];
};

async function settled(id: string) {
  return waitFor(
    `conversation ${id} to be inspected`,
    async () => {
      const r = await stack.pg.query('SELECT status, asr_engine, failure_reason FROM conversations WHERE id = $1', [
        id,
      ]);
      if (r.rows[0]?.status === 'failed') throw new Error(`failed: ${r.rows[0].failure_reason}`);
      return r.rows[0]?.status === 'inspected' && r.rows[0];
    },
    120_000,
  );
}

type Message = { speaker: 'agent' | 'customer'; at: string; text: string };
type Finding = { ruleId: string; result: string; evidence: Array<{ utteranceId: string }> };

/** a Mandarin chat on the complaints line, posted as the recorder and settled: its verdict, as a QA analyst reads it */
async function zhChatVerdict(messages: Message[]): Promise<{ passed: boolean; findings: Finding[] }> {
  const r = await requestAs(stack.proc.base, stack.idp, 'recorder', 'POST', '/api/v1/conversations', {
    channel: 'chat',
    agentId: 'dana',
    teamId: 'team-gov',
    queue: 'gov-complaints',
    language: 'zh',
    startedAt: messages[0].at,
    messages,
  });
  expect(r.status).toBe(201);
  const id = r.body.conversation.id as string;
  await settled(id);
  const v = await requestAs(stack.proc.base, stack.idp, 'quinn', 'GET', `/api/v1/conversations/${id}/verdicts`);
  const verdict = v.body.items[0];
  expect(verdict).toMatchObject({ outcome: 'inspected', policy: { id: 'gov-hotline-zh' } });
  return verdict;
}

describe('Mandarin conversations', () => {
  it('a zh call: the pinyin model transcribes it (syllables with times), gov-hotline-zh inspects it', async () => {
    // agent on the left: one of the model's own test recordings; the caller on the right: the AISHELL clip
    const agent = mono(path.join(ZH, 'test_wavs', '3.wav'));
    const caller = mono(path.join(DATA, 'audio', 'mandarin', 'BAC009S0764W0121.wav'));
    const gap = 8000;
    const len = agent.length + gap + caller.length;
    const left = new Int16Array(len);
    left.set(agent, 0);
    const right = new Int16Array(len);
    right.set(caller, agent.length + gap);
    const up = await uploadCall(stack.proc.base, encodeWav([left, right], 16000), {
      agentId: 'dana',
      teamId: 'team-gov',
      queue: 'gov-complaints',
      language: 'zh',
      channelMap: ['agent', 'customer'],
    });
    expect(up.status).toBe(202);
    const id = up.body.conversation.id as string;
    const row = await settled(id);
    expect(row.asr_engine).toMatch(/^sherpa:sherpa-kws-zh-3\.3M#/);
    const conv = await requestAs(stack.proc.base, stack.idp, 'quinn', 'GET', `/api/v1/conversations/${id}`);
    const customer = conv.body.utterances.filter((u: { speaker: string }) => u.speaker === 'customer');
    expect(customer.map((u: { text: string }) => u.text).join(' ')).toMatch(/jiāo y[ìí] .*q[íi]ng ku[àa]ng/);
    const v = await requestAs(stack.proc.base, stack.idp, 'quinn', 'GET', `/api/v1/conversations/${id}/verdicts`);
    const verdict = v.body.items[0];
    expect(verdict).toMatchObject({ outcome: 'inspected', policy: { id: 'gov-hotline-zh' } });
    // nothing of a hotline greeting was said: the notice is missing, a fatal finding
    expect(verdict.fatalRules).toContain('recording_notice');
    // the English intent and sentiment models are not applied to Mandarin
    expect(conv.body).toMatchObject({ intent: 'unknown' });
    expect(conv.body.utterances.every((u: { sentiment: unknown }) => u.sentiment == null)).toBe(true);
  }, 180_000);

  it('a zh chat typed in characters: the same pack, its phrases matched through pinyin', async () => {
    const at = (s: number) => new Date(Date.UTC(2026, 10, 20, 9, 0, s)).toISOString();
    const verdict = await zhChatVerdict([
      { speaker: 'agent', at: at(0), text: '您好，12345热线，工号1023为您服务。' },
      { speaker: 'customer', at: at(20), text: '我要投诉小区门口的垃圾一直没人清理。' },
      { speaker: 'agent', at: at(60), text: '已为您登记，工单号是 2026120300158，我们会在5个工作日内给您答复。' },
      { speaker: 'customer', at: at(90), text: '好的，谢谢。' },
      { speaker: 'agent', at: at(100), text: '请问还有其他需要吗？' },
    ]);
    expect(verdict.passed).toBe(true);
    const res = Object.fromEntries(verdict.findings.map((f) => [f.ruleId, f.result]));
    expect(res).toMatchObject({
      greeting_staff_number: 'pass',
      case_number_read_back: 'pass',
      response_time: 'pass',
      closing: 'pass',
      recording_notice: 'not_applicable',
    });
  }, 120_000);

  it('a refusal in words no phrase lists: refusal-zh reads it in the worker, and the case taken later clears it', async () => {
    const at = (s: number) => new Date(Date.UTC(2026, 10, 21, 9, 0, s)).toISOString();
    const chat = async (last: string | null) =>
      (
        await zhChatVerdict([
          { speaker: 'agent', at: at(0), text: '您好，工号3021为您服务。' },
          { speaker: 'customer', at: at(20), text: '暖气不热，找过供热公司了，说管道没问题。' },
          { speaker: 'agent', at: at(40), text: '供热公司说没问题那就是没问题，我们也不懂技术。' },
          ...(last
            ? [
                { speaker: 'customer' as const, at: at(60), text: '屋里才十五度。' },
                { speaker: 'agent' as const, at: at(80), text: last },
              ]
            : []),
        ])
      ).findings.find((f) => f.ruleId === 'shirking')!;
    const refused = await chat(null);
    expect(refused.result).toBe('fail');
    expect(refused.evidence).toHaveLength(1);
    const taken = await chat('十五度确实偏低。我给您登记供热投诉，工单号 GR-20261225-019，两天内上门测温。');
    expect(taken.result).toBe('pass');
  }, 120_000);
});
