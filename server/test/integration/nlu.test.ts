import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, openStack, Stack, waitFor } from '../helpers/stack';

/**
 * A worker whose language model was tampered with: the model is refused at start with a clear error, /readyz says
 * so, and conversations wait before the understand stage (never failed, never inspected without understanding).
 */
const models = fs.mkdtempSync(path.join(os.tmpdir(), 'hotline-tampered-'));
let stack: Stack;

beforeAll(async () => {
  fs.cpSync(path.resolve(__dirname, '..', '..', '..', 'models'), models, { recursive: true });
  const vocab = path.join(models, 'sentiment-en', 'vocab.json');
  fs.writeFileSync(vocab, fs.readFileSync(vocab, 'utf8').replace('"l:neg"', '"l:nag"'));
  stack = await openStack('nlu', 8, {
    role: 'all',
    procEnv: { HOTLINE_MODELS_DIR: models },
    auth: (i) => async (method, url) =>
      method === 'POST' && /\/api\/v1\/conversations$/.test(url) ? i.recorderToken() : i.tokenFor('cora'),
  });
});

afterAll(async () => {
  await stack?.close();
  fs.rmSync(models, { recursive: true, force: true });
});

describe('a tampered language model', () => {
  it('makes /readyz answer 503 naming the model and file, and holds conversations before understanding', async () => {
    const base = stack.proc.base;
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(503);
    const body = (await ready.json()) as { ready: boolean; checks: { understanding: { ok: boolean; error: string } } };
    expect(body.ready).toBe(false);
    expect(body.checks.understanding.ok).toBe(false);
    expect(body.checks.understanding.error).toMatch(
      /model sentiment-en: file vocab\.json does not match its manifest .*tampered or damaged/,
    );

    const chat = {
      channel: 'chat',
      agentId: 'anna',
      teamId: 'team-cards',
      startedAt: '2026-11-03T09:00:00Z',
      messages: [
        { speaker: 'customer', at: '2026-11-03T09:00:00Z', text: 'My card was declined again, this is ridiculous.' },
        { speaker: 'agent', at: '2026-11-03T09:00:30Z', text: 'I am sorry, let me look at it.' },
      ],
    };
    const post = await getJson(`${base}/api/v1/conversations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(chat),
    });
    expect(post.status).toBe(201);
    const id = post.body.conversation.id;
    // the job is queued for the understand stage, which this worker does not run: the conversation waits, intact
    await waitFor(
      'the understand job to be queued',
      async () =>
        (
          await stack.pg.query(
            "SELECT count(*)::int AS n FROM processing_events WHERE conversation_id = $1 AND stage = 'understand' AND kind = 'enqueued'",
            [id],
          )
        ).rows[0].n === 1,
    );
    await new Promise((r) => setTimeout(r, 3000));
    const row = (await stack.pg.query('SELECT status, failed_stage, intent FROM conversations WHERE id = $1', [id]))
      .rows[0];
    expect(row).toEqual({ status: 'protected', failed_stage: null, intent: null });
    expect(
      (await stack.pg.query('SELECT count(*)::int AS n FROM verdicts WHERE conversation_id = $1', [id])).rows[0].n,
    ).toBe(0);
    const detail = await getJson(`${base}/api/v1/conversations/${id}`);
    expect(detail.body.utterances.map((u: { text: string }) => u.text)).toEqual([
      'My card was declined again, this is ridiculous.',
      'I am sorry, let me look at it.',
    ]);
  });
});
