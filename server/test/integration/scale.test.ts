import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metadataFor } from '../../src/synth/render';
import { getJson, openStack, Proc, Stack, startProcess, uploadCall, waitFor } from '../helpers/stack';
import { synthCalls } from '../helpers/synth';

/**
 * Horizontal scale as the playbook deploys it: two worker processes with var directories of their own (as on two
 * hosts), sharing PostgreSQL, Redis, the object store and the keyring. Every conversation is processed once per
 * stage — nothing lost, nothing done twice — and both workers take part.
 */
let stack: Stack;
const workers: Proc[] = [];
const POLICY_DIR = path.resolve(__dirname, '..', '..', '..', 'policies', 'qa');

beforeAll(async () => {
  stack = await openStack('scale', 1, {
    env: { HOTLINE_QA_POLICY_DIR: POLICY_DIR },
    auth: (i) => async (method) => (method === 'POST' ? i.recorderToken() : i.tokenFor('cora')),
  });
}, 180_000);
afterAll(async () => {
  for (const w of workers) await w.stop();
  await stack?.close();
});

describe('two worker hosts on one database', () => {
  it('every conversation is inspected with each stage run exactly once, by both workers together', async () => {
    const { t, proc, pg } = stack;
    const shared = {
      HOTLINE_OBJECT_DIR: path.join(t.varDir, 'objects'),
      HOTLINE_KEYRING_FILE: path.join(t.varDir, 'keys', 'keyring.json'),
    };
    for (const n of [1, 2]) {
      const own = fs.mkdtempSync(path.join(os.tmpdir(), `hotline-scale-worker${n}-`));
      workers.push(await startProcess('worker', t, { ...shared, HOTLINE_VAR_DIR: own, HOTLINE_ASR_CONCURRENCY: '1' }));
    }
    const ids: string[] = [];
    const calls = synthCalls();
    for (const id of ['bank-compliant', 'gov-complaint']) {
      const { script, call } = calls.get(id)!;
      const up = await uploadCall(proc.base, fs.readFileSync(call.wav8kUlaw), metadataFor(script, '8k'));
      expect(up.status).toBe(202);
      ids.push(up.body.conversation.id);
    }
    for (let n = 0; n < 40; n++) {
      const at = new Date(Date.UTC(2026, 10, 10, 9, n)).toISOString();
      const r = await getJson(`${proc.base}/api/v1/conversations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          channel: n % 3 === 0 ? 'email' : 'chat',
          agentId: `agent-${n % 4}`,
          teamId: 'team-cards',
          queue: 'cards',
          externalId: `scale-${n}`,
          startedAt: at,
          messages: [
            { speaker: 'agent', at, text: 'Thank you for contacting City Bank, how can I help?' },
            { speaker: 'customer', at, text: `I was charged twice for order ${n}, please refund one.` },
          ],
        }),
      });
      expect(r.status).toBe(201);
      ids.push(r.body.conversation.id);
    }
    await waitFor(
      'every conversation to be inspected',
      async () =>
        (
          await pg.query(`SELECT count(*)::int AS n FROM conversations WHERE id = ANY($1) AND status = 'inspected'`, [
            ids,
          ])
        ).rows[0].n === ids.length,
      150_000,
      500,
    );
    const twice = await pg.query(
      `SELECT conversation_id, stage, count(*)::int AS n FROM stage_runs WHERE conversation_id = ANY($1) GROUP BY 1, 2 HAVING count(*) > 1`,
      [ids],
    );
    expect(twice.rows).toEqual([]);
    const verdicts = await pg.query(
      `SELECT count(*)::int AS n, count(DISTINCT conversation_id)::int AS d FROM verdicts WHERE conversation_id = ANY($1)`,
      [ids],
    );
    expect(verdicts.rows[0]).toEqual({ n: ids.length, d: ids.length });
    expect((await pg.query(`SELECT count(*)::int AS n FROM processing_events WHERE kind = 'failed'`)).rows[0].n).toBe(
      0,
    );
    // both took part: each worker's log has inspections, and together exactly one per conversation
    const inspected = workers.map((w) => w.logs.filter((l) => l.includes('"msg":"inspect finished"')).length);
    console.log(`scale: ${ids.length} conversations, inspections per worker ${inspected.join(' + ')}`);
    expect(inspected.every((n) => n > 0)).toBe(true);
    expect(inspected[0] + inspected[1]).toBe(ids.length);
    // the calls' audio lives in the one shared object store, never in a worker's own directory
    const redacted = await pg.query(
      `SELECT count(*)::int AS n FROM recordings WHERE conversation_id = ANY($1) AND redacted_at IS NOT NULL`,
      [ids],
    );
    expect(redacted.rows[0].n).toBe(2);
  }, 240_000);
});
