import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAIN, openStack, requestAs, Stack, startProcess } from '../helpers/stack';

/**
 * SM mode (HOTLINE_CIPHER=sm4-ctr-hmac-sm3), as a 密评 assessment checks it on a running appliance: every field
 * sealed with SM4 + HMAC-SM3, every data key wrapped with SM4 (by the KEK and by its parent key), blind indexes
 * HMAC-SM3, the audit chain SM3; nothing in the database made with AES or SHA-256. The installation's suite is fixed
 * by its keyring: a restart with another HOTLINE_CIPHER is refused.
 */
let stack: Stack;
const SM = { HOTLINE_CIPHER: 'sm4-ctr-hmac-sm3' };
beforeAll(async () => {
  stack = await openStack('smmode', 6, {
    env: SM,
  });
});
afterAll(() => stack?.close());

// as the recorder for ingest, as a compliance officer for reads
const as = (user: string, method: string, p: string, body?: unknown) =>
  requestAs(stack.proc.base, stack.idp, user, method, p, body);

describe('SM mode end to end', () => {
  it('fields, keys, indexes and the audit chain all use SM4/SM3; the appliance works as usual', async () => {
    const { pg, t } = stack;
    const r = await as('recorder', 'POST', '/api/v1/conversations', {
      channel: 'chat',
      agentId: 'anna',
      teamId: 'team-cards',
      customerRef: 'CUST-8817',
      startedAt: '2026-11-20T09:00:00Z',
      messages: [
        { speaker: 'customer', at: '2026-11-20T09:00:00Z', text: 'please call me back on 13800138000' },
        { speaker: 'agent', at: '2026-11-20T09:00:30Z', text: 'Certainly, we will call you today.' },
      ],
    });
    expect(r.status).toBe(201);
    const id = r.body.conversation.id as string;
    // fields: format 1, suite code 2 (SM4-CTR + HMAC-SM3)
    const fields = await pg.query(
      `SELECT get_byte(text, 1) AS a, get_byte(text_original, 1) AS b FROM utterances WHERE conversation_id = $1`,
      [id],
    );
    expect(fields.rows).toEqual([
      { a: 2, b: 2 },
      { a: 2, b: 2 },
    ]);
    const cref = await pg.query('SELECT get_byte(customer_ref, 1) AS s FROM conversations WHERE id = $1', [id]);
    expect(cref.rows[0].s).toBe(2);
    // keys: subject (KEK-wrapped), conversation and originals' key (parent-wrapped): all 80 bytes, i.e. SM4
    const keys = await pg.query(`SELECT purpose, length(wrapped) AS n FROM data_keys ORDER BY purpose`);
    expect(keys.rows.length).toBeGreaterThanOrEqual(3);
    expect(new Set(keys.rows.map((k) => k.n))).toEqual(new Set([80]));
    // blind index: HMAC-SM3 under the keyring's index key (HKDF-SM3 per column)
    const ring = JSON.parse(fs.readFileSync(path.join(t.varDir, 'keys', 'keyring.json'), 'utf8'));
    expect(ring.suite).toBe('sm4-ctr-hmac-sm3');
    const k = Buffer.from(
      crypto.hkdfSync('sm3', Buffer.from(ring.indexKey, 'base64'), Buffer.alloc(0), 'hotline/blind-index/phone', 32),
    );
    const digest = crypto.createHmac('sm3', k).update('13800138000').digest('hex');
    const idx = await pg.query(`SELECT digest FROM blind_index WHERE kind = 'phone' AND conversation_id = $1`, [id]);
    expect(idx.rows).toEqual([{ digest }]);
    // and it works as an index: the identifier search finds the conversation; the masked view reads
    const found = await as('cora', 'POST', '/api/v1/conversations/search/identifier', {
      kind: 'phone',
      value: '+86 138 0013 8000',
      reason: 'customer asked about their calls',
    });
    expect(found.body.items.map((i: { id: string }) => i.id)).toEqual([id]);
    const detail = await as('cora', 'GET', `/api/v1/conversations/${id}`);
    expect(detail.body.utterances[0].text).toMatch(/please call me back on \S*\*+\S*/);
    // the audit chain: each row's hash is SM3 over the previous hash and the row; `hotline audit verify` agrees
    const rows = await pg.query('SELECT seq, prev_hash, hash FROM audit_events ORDER BY seq');
    expect(rows.rows.length).toBeGreaterThan(2);
    const v = spawnSync(process.execPath, [MAIN, 'audit', 'verify'], {
      env: { ...process.env, ...t.env, ...SM },
      encoding: 'utf8',
    });
    expect(v.stdout).toMatch(/^OK: \d+ rows/m);
    // read as SHA-256 the same chain does not verify: it really is SM3
    const asSha = spawnSync(process.execPath, [MAIN, 'audit', 'verify'], {
      env: { ...process.env, ...t.env, HOTLINE_CIPHER: 'aes-256-gcm' },
      encoding: 'utf8',
    });
    expect(asSha.stdout).toMatch(/^TAMPERED/m);
  });

  it('a restart with another suite is refused with the reason (the keyring fixes it)', async () => {
    const e = await startProcess('worker', stack.t, { HOTLINE_CIPHER: 'aes-256-gcm' }).catch((x: Error) => x);
    expect(e).toBeInstanceOf(Error);
    expect((e as Error).message).toMatch(/was made for sm4-ctr-hmac-sm3; HOTLINE_CIPHER=aes-256-gcm cannot apply/);
  });
});
