import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, openStack, Stack, uploadCall } from '../helpers/stack';
import { synthCalls } from '../helpers/synth';
import fs from 'node:fs';
import http from 'node:http';
import { metadataFor } from '../../src/synth/render';

/**
 * Input the schema let through and the database then refused (a 500 each, in the bank's fuzzing): now a precise 4xx
 * before anything is stored, or accepted and stored whole.
 */
let stack: Stack;
beforeAll(async () => {
  stack = await openStack('badinput', 4, {
    env: { HOTLINE_UPLOAD_CONCURRENCY: '1' },
    auth: (i) => async (method, url) =>
      method === 'POST' && /\/api\/v1\/(conversations|calls)$/.test(url)
        ? i.recorderToken()
        : /\/policies/.test(url) && !/\/activate$/.test(url)
          ? i.tokenFor('quinn')
          : i.tokenFor('cora'),
  });
});
afterAll(() => stack?.close());

const base = () => stack.proc.base;
let n = 0;
function chat(over: Record<string, unknown> = {}, messages?: unknown[]) {
  n++;
  return {
    channel: 'chat',
    agentId: 'anna',
    teamId: 'team-cards',
    externalId: `bad-input-${n}`,
    startedAt: '2026-11-06T09:00:00Z',
    messages: messages ?? [{ speaker: 'customer', at: '2026-11-06T09:00:01Z', text: 'hello' }],
    ...over,
  };
}
const post = (path: string, body: unknown) =>
  getJson(`${base()}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('text conversations', () => {
  it('5,000 messages (more than one INSERT can bind) are stored whole', async () => {
    const messages = Array.from({ length: 5000 }, (_, i) => ({
      speaker: i % 2 ? 'agent' : 'customer',
      at: new Date(Date.UTC(2026, 10, 6, 9, 0, 0) + i * 1000).toISOString(),
      text: `message ${i}`,
    }));
    const r = await post('/api/v1/conversations', chat({}, messages));
    expect(r.status).toBe(201);
    const rows = await stack.pg.query('SELECT count(*)::int AS n FROM utterances WHERE conversation_id = $1', [
      r.body.conversation.id,
    ]);
    expect(rows.rows[0].n).toBe(5000);
  });

  it('refuses a span over 14 days, dates outside 2000…tomorrow, NUL, control and bidi characters: 422 each', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [chat({}, [{ speaker: 'customer', at: '2026-11-26T09:00:00Z', text: 'late' }]), /at most 14 days/],
      [
        chat({ startedAt: '0000-01-01T00:00:00Z' }, [{ speaker: 'customer', at: '0000-01-01T00:00:01Z', text: 'x' }]),
        /2000-01-01/,
      ],
      [
        chat({ startedAt: '9999-01-01T00:00:00Z' }, [{ speaker: 'customer', at: '9999-01-01T00:00:01Z', text: 'x' }]),
        /one day from now/,
      ],
      [chat({ queue: 'cards\r\nX-Injected: 1' }), /control and bidirectional-override/],
      [chat({ queue: 'cards\u202Egnp.exe' }), /control and bidirectional-override/],
      [chat({}, [{ speaker: 'customer', at: '2026-11-06T09:00:01Z', text: 'a\u0000b' }]), /NUL/],
    ];
    for (const [body, why] of cases) {
      const r = await post('/api/v1/conversations', body);
      expect(r.status, JSON.stringify(body).slice(0, 120)).toBe(422);
      expect(r.body.error.message).toMatch(why);
    }
  });
});

describe('queries and cursors', () => {
  it('a NUL in a filter and cursors this API never issued are 422, not 500', async () => {
    const nul = await getJson(`${base()}/api/v1/conversations?agentId=a%00b`);
    expect([nul.status, nul.body.error.message]).toEqual([422, 'invalid query: NUL characters are not allowed']);
    for (const raw of [
      `2026-11-06T09:00:00.000Z|${'-'.repeat(36)}`,
      `+275760-09-13T00:00:00.000Z|00000000-0000-4000-8000-000000000000`,
      `2026-11-06T09:00:00.000Z|zzzzzzzz-0000-4000-8000-000000000000`,
    ]) {
      const r = await getJson(`${base()}/api/v1/conversations?cursor=${Buffer.from(raw).toString('base64url')}`);
      expect([r.status, r.body.error.code]).toEqual([422, 'invalid_cursor']);
    }
  });
});

describe('policies', () => {
  it('a version beyond int4 and a YAML alias bomb are refused with their reason', async () => {
    const big = await post('/api/v1/policies/validate', {
      source:
        'id: x\nversion: 3000000000\ntitle: too big\nlanguage: en\napplies: { channels: [call] }\npass_score: 50\nsections: []\n',
    });
    expect(big.status).toBe(200);
    expect(big.body.valid).toBe(false);
    expect(big.body.error.field).toBe('version');
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 8; i++)
      bomb.push(
        `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9)
          .fill(`*${String.fromCharCode(97 + i)}`)
          .join(', ')}]`,
      );
    const stored = await post('/api/v1/policies', { source: bomb.join('\n') });
    expect(stored.status).toBe(422);
    expect(stored.body.error.message).toMatch(/alias/i);
    const act = await post('/api/v1/policies/bank-retail/versions/3000000000/activate', {
      reason: 'activate a version that cannot exist',
    });
    expect(act.status).toBe(404);
  });
});

describe('call uploads', () => {
  it('metadata over 64 KiB is 413 with that reason, not a JSON error at position 65536', async () => {
    const { call } = synthCalls().get('bank-compliant')!;
    const meta = JSON.stringify({ agentId: 'anna', externalId: 'x'.repeat(70 * 1024) });
    const r = await uploadCall(base(), fs.readFileSync(call.wav8kUlaw), meta);
    expect([r.status, r.body.error.code]).toEqual([413, 'metadata_too_large']);
  });

  it('uploads held in memory at once are bounded (HOTLINE_UPLOAD_CONCURRENCY=1 here): the next one gets 429 + Retry-After', async () => {
    const { script, call } = synthCalls().get('gov-complaint')!;
    const audio = fs.readFileSync(call.wav8kUlaw);
    // a recorder that sends slowly: the headers and half of its body, the rest later
    const boundary = 'x-slow-upload';
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="metadata"\r\n\r\n${JSON.stringify({ ...metadataFor(script, '8k'), externalId: 'slow-1' })}\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="audio"; filename="call.wav"\r\nContent-Type: audio/wav\r\n\r\n`,
    );
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    const url = new URL(`${base()}/api/v1/calls`);
    const token = await stack.idp.recorderToken();
    const slow = http.request({
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'content-length': head.length + audio.length + tail.length,
      },
    });
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      slow.on('response', (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      slow.on('error', reject);
    });
    slow.write(head);
    slow.write(audio.subarray(0, audio.length >> 1));
    await new Promise((r) => setTimeout(r, 500));
    const second = await uploadCall(base(), fs.readFileSync(synthCalls().get('bank-compliant')!.call.wav8kUlaw), {
      agentId: 'anna',
      externalId: 'while-busy',
    });
    expect([second.status, second.body.error.code]).toEqual([429, 'busy']);
    slow.write(audio.subarray(audio.length >> 1));
    slow.end(tail);
    const first = await answer;
    expect(first.status).toBe(202);
    // and once it is in, the next upload is taken
    const third = await uploadCall(base(), fs.readFileSync(synthCalls().get('bank-compliant')!.call.wav8kUlaw), {
      agentId: 'anna',
      externalId: 'after-busy',
    });
    expect(third.status).toBe(202);
  });
});
