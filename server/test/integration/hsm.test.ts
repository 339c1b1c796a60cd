import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAIN, openStack, requestAs, Stack } from '../helpers/stack';
import { softHsmToken } from '../helpers/softhsm';

/**
 * The appliance with its KEKs in an HSM (HOTLINE_KEK_PROVIDER=pkcs11; SoftHSM2 here): no key-encryption key on the
 * appliance's disks, data keys wrapped in the HSM, and the key life cycle (rotate, rewrap, retire) run against it.
 */
let stack: Stack;
const token = softHsmToken();
beforeAll(async () => {
  stack = await openStack('hsm', 6, {
    env: token.env,
  });
});
afterAll(() => stack?.close());

// as the recorder for ingest, as a compliance officer for reads
const as = (user: string, method: string, p: string, body?: unknown) =>
  requestAs(stack.proc.base, stack.idp, user, method, p, body);
const cli = (...args: string[]) =>
  spawnSync(process.execPath, [MAIN, ...args], {
    env: { ...process.env, ...stack.t.env, ...token.env, HOTLINE_OPERATOR: 'kim' },
    encoding: 'utf8',
  });

describe('KEKs in an HSM', () => {
  it('conversations are stored and read with keys wrapped in the HSM; rotate, rewrap and retire run against it', async () => {
    const { pg, t } = stack;
    const r = await as('recorder', 'POST', '/api/v1/conversations', {
      channel: 'chat',
      agentId: 'anna',
      teamId: 'team-cards',
      customerRef: 'CUST-4410',
      startedAt: '2026-11-21T09:00:00Z',
      messages: [{ speaker: 'customer', at: '2026-11-21T09:00:00Z', text: 'my account number is 31926819' }],
    });
    expect(r.status).toBe(201);
    const id = r.body.conversation.id as string;
    // no KEK file: the keyring directory holds nothing (the index key is derived in the HSM too)
    const keysDir = path.join(t.varDir, 'keys');
    expect(fs.existsSync(path.join(keysDir, 'keyring.json'))).toBe(false);
    const top = await pg.query(
      `SELECT kek_id, kek_version, length(wrapped) AS n FROM data_keys WHERE parent_id IS NULL`,
    );
    expect(top.rows.length).toBeGreaterThan(0);
    for (const k of top.rows) expect(k).toEqual({ kek_id: 'hotline-kek', kek_version: 1, n: 60 });
    const read = async () => (await as('cora', 'GET', `/api/v1/conversations/${id}`)).body.utterances[0].text;
    expect(await read()).toBe('my account number is ****6819');
    // the life cycle, as an operator runs it
    expect(cli('keys', 'rotate').stdout).toMatch(/hotline-kek: version 2 is now active/);
    const rewrap = cli('keys', 'rewrap');
    expect(rewrap.stdout).toMatch(/done: \d+ data key\(s\) rewrapped to version 2; 0 left below it/);
    expect(cli('keys', 'retire', '--below', '2').status).toBe(0);
    const after = await pg.query(
      `SELECT DISTINCT kek_version FROM data_keys WHERE parent_id IS NULL AND wrapped IS NOT NULL`,
    );
    expect(after.rows).toEqual([{ kek_version: 2 }]);
    // the running API opens the rewrapped keys from the HSM's version 2
    expect(await read()).toBe('my account number is ****6819');
    const found = await as('cora', 'POST', '/api/v1/conversations/search/identifier', {
      kind: 'customer_ref',
      value: 'CUST-4410',
      reason: 'customer asked about their chats',
    });
    expect(found.body.items.map((i: { id: string }) => i.id)).toEqual([id]);
    const ev = await pg.query(`SELECT action, actor_id FROM audit_events WHERE action LIKE 'key.%' ORDER BY seq`);
    expect(ev.rows).toEqual([
      { action: 'key.rotate', actor_id: 'os:kim' },
      { action: 'key.rewrap', actor_id: 'os:kim' },
      { action: 'key.retire', actor_id: 'os:kim' },
    ]);
  });
});
