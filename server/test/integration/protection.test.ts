import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { Client } from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { getJson, MAIN, Proc, startProcess, TestEnv, openStack, Stack } from '../helpers/stack';

/**
 * Keys, erasure, retention and TLS on real PostgreSQL: rotation and rewrap keep every value readable, crypto-shredding
 * leaves nothing decryptable or findable, legal holds block deletion, and the API's HTTPS certificate from the
 * internal CA is trusted by a client that trusts the CA and refused by one that does not.
 */
let t: TestEnv;
let api: Proc;
let pg: Client;
let caller = 'cora';

const json = (method: string, body: unknown) => ({
  method,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});
const cli = (...args: string[]) =>
  spawnSync(process.execPath, [MAIN, ...args], {
    env: { ...process.env, ...t.env },
    encoding: 'utf8',
    timeout: 60_000,
  });

let seq = 0;
async function chat(customerRef: string | undefined, text: string, startedAt = '2026-11-04T09:00:00Z') {
  seq++;
  const body = {
    channel: 'chat',
    agentId: 'anna',
    teamId: 'team-cards',
    ...(customerRef ? { customerRef } : {}),
    externalId: `protection-${seq}`,
    startedAt,
    messages: [
      { speaker: 'customer', at: startedAt, text },
      { speaker: 'agent', at: startedAt.replace(':00Z', ':30Z'), text: 'Thank you, I have noted that.' },
    ],
  };
  const r = await getJson(`${api.base}/api/v1/conversations`, json('POST', body));
  expect(r.status).toBe(201);
  return r.body.conversation.id as string;
}

const detail = async (id: string) => (await getJson(`${api.base}/api/v1/conversations/${id}`)).body;
const unmask = (id: string) =>
  getJson(
    `${api.base}/api/v1/conversations/${id}/unmask`,
    json('POST', { reason: 'Complaint 88: customer disputes what was said' }),
  );

let stack: Stack;
beforeAll(async () => {
  stack = await openStack('protection', 10, {
    auth: (i) => async (method, url) =>
      method === 'POST' && /\/api\/v1\/conversations$/.test(url) ? i.recorderToken() : i.tokenFor(caller),
  });
  ({ t, proc: api, pg } = stack);
});

afterAll(() => stack?.close());

// a crashed API shows here with its last words, not only as "fetch failed" in the next test
afterEach(() => {
  if (api.child.exitCode !== null || api.child.signalCode !== null)
    console.error(`api exited (${api.child.exitCode ?? api.child.signalCode}):\n${api.logs.slice(-30).join('\n')}`);
});

describe('text channels are masked and encrypted at the door', () => {
  it('the masked view hides the card and drops the CVV; the original keeps the card but never the CVV', async () => {
    const id = await chat('CUST-700001', 'My card is 4111 1111 1111 1111, CVV 123, and my mobile is 13800138000.');
    const d = await detail(id);
    expect(d.utterances[0].text).toBe('My card is 411111******1111, CVV [REDACTED], and my mobile is 138****8000.');
    expect(d.utterances[0].pii.map((p: { type: string }) => p.type)).toEqual(['card_number', 'cvv', 'phone']);
    const o = await unmask(id);
    expect(o.body.utterances[0].text).toBe(
      'My card is 4111 1111 1111 1111, CVV [REDACTED], and my mobile is 13800138000.',
    );
    // a QA analyst's unmask keeps the card number masked (masking.yaml: full card numbers for compliance only)
    caller = 'quinn';
    const q = await unmask(id);
    caller = 'cora';
    expect(q.body.utterances[0].text).toBe(
      'My card is 411111******1111, CVV [REDACTED], and my mobile is 13800138000.',
    );
    const trail = await pg.query(
      `SELECT actor_name, details FROM audit_events WHERE action = 'transcript.unmask' AND object_id = $1 ORDER BY seq`,
      [id],
    );
    expect(trail.rows.map((r) => [r.actor_name, r.details.piiTypes, r.details.piiTypesKeptMasked ?? null])).toEqual([
      ['cora', ['card_number', 'cvv', 'phone'], null],
      ['quinn', ['cvv', 'phone'], ['card_number']],
    ]);
    const found = await getJson(
      `${api.base}/api/v1/conversations/search/identifier`,
      json('POST', { kind: 'phone', value: '+86 138 0013 8000', reason: 'caller asked about their calls' }),
    );
    expect(found.body.items.map((i: { id: string }) => i.id)).toEqual([id]);
  });

  it('a ciphertext moved to another row is refused, not served', async () => {
    const a = await chat(undefined, 'first message about my statement');
    const b = await chat(undefined, 'second message about my statement');
    await pg.query(
      `UPDATE utterances SET text = (SELECT text FROM utterances WHERE conversation_id = $1 AND seq = 0) WHERE conversation_id = $2 AND seq = 0`,
      [a, b],
    );
    const r = await getJson(`${api.base}/api/v1/conversations/${b}`);
    expect([r.status, r.body.error.code]).toEqual([500, 'integrity_error']);
    expect((await getJson(`${api.base}/api/v1/conversations/${a}`)).status).toBe(200);
  });
});

describe('key rotation', () => {
  it('rotate, rewrap (resumable, batch by batch), retire: every value stays readable and progress is visible', async () => {
    const ids = [
      await chat('CUST-700002', 'account 12345678 please'),
      await chat(undefined, 'hello there'),
      await chat(undefined, 'my e-mail is jane.doe@example.com'),
    ];
    const before = await Promise.all(ids.map(detail));
    expect(cli('keys', 'rotate').status).toBe(0);
    caller = 'adam';
    const st = await getJson(`${api.base}/api/v1/system/keys`);
    expect(st.body.activeVersion).toBe(2);
    expect(st.body.pendingRewrap).toBeGreaterThan(0);
    const total = st.body.pendingRewrap as number;
    // a conversation stored after the rotation is wrapped by the new version at once
    caller = 'cora';
    ids.push(await chat(undefined, 'written after the rotation'));
    const refused = cli('keys', 'retire', '--below', '2');
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/still wrapped by versions below 2/);
    const rewrap = cli('keys', 'rewrap', '--batch', '2');
    expect(rewrap.status).toBe(0);
    expect(
      rewrap.stdout
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('rewrapped')).length,
    ).toBe(Math.ceil(total / 2));
    expect(cli('keys', 'retire', '--below', '2').status).toBe(0);
    caller = 'adam';
    const after = await getJson(`${api.base}/api/v1/system/keys`);
    expect(after.body).toMatchObject({ activeVersion: 2, pendingRewrap: 0, dataKeysByKekVersion: [{ version: 2 }] });
    caller = 'cora';
    const again = await Promise.all(ids.slice(0, 3).map(detail));
    expect(again.map((d) => d.utterances.map((u: { text: string }) => u.text))).toEqual(
      before.map((d) => d.utterances.map((u: { text: string }) => u.text)),
    );
    expect((await unmask(ids[3])).body.utterances[0].text).toBe('written after the rotation');
    // version 1 is gone from the keyring file
    const ring = JSON.parse(fs.readFileSync(path.join(t.varDir, 'keys', 'keyring.json'), 'utf8'));
    expect(ring.versions.map((v: { version: number }) => v.version)).toEqual([2]);
    expect((fs.statSync(path.join(t.varDir, 'keys', 'keyring.json')).mode & 0o777).toString(8)).toBe('600');
    const audit = await pg.query(`SELECT action, outcome FROM audit_events WHERE action LIKE 'key.%' ORDER BY seq`);
    expect(audit.rows).toEqual([
      { action: 'key.rotate', outcome: 'allowed' },
      { action: 'key.retire', outcome: 'denied' },
      { action: 'key.rewrap', outcome: 'allowed' },
      { action: 'key.retire', outcome: 'allowed' },
    ]);
  });
});

describe('erasure by crypto-shredding, and legal hold', () => {
  it('a legal hold refuses erasure; once lifted, nothing of the subject is decryptable or findable', async () => {
    const ref = 'CUST-900009';
    const a = await chat(ref, 'Please call me back on 13912345678 about my loan.');
    const b = await chat(ref, 'My e-mail is sam.lee@example.org', '2026-11-05T09:00:00Z');
    const other = await chat('CUST-900010', 'Please call me back on 13912345678 as well.');
    const hold = await getJson(
      `${api.base}/api/v1/conversations/${b}/legal-hold`,
      json('PUT', { hold: true, reason: 'Litigation 2026-17 preserve records' }),
    );
    expect(hold.status).toBe(200);
    const refused = await getJson(
      `${api.base}/api/v1/subjects/erase`,
      json('POST', { customerRef: ref, reason: 'GDPR art. 17 request 5512' }),
    );
    expect([refused.status, refused.body.error.code]).toEqual([409, 'legal_hold']);
    expect((await unmask(a)).status).toBe(200); // still intact
    await getJson(
      `${api.base}/api/v1/conversations/${b}/legal-hold`,
      json('PUT', { hold: false, reason: 'Litigation 2026-17 closed' }),
    );
    const erased = await getJson(
      `${api.base}/api/v1/subjects/erase`,
      json('POST', { customerRef: ref, reason: 'GDPR art. 17 request 5512' }),
    );
    expect(erased.status).toBe(200);
    expect(erased.body.conversations).toBe(2);
    for (const id of [a, b]) {
      expect((await detail(id)).utterances).toEqual([]);
      expect((await unmask(id)).status).toBe(410);
    }
    // the keys are gone from the database: no backup of these rows can be decrypted either
    const keys = await pg.query(
      `SELECT count(*)::int AS n FROM data_keys k JOIN conversations c ON c.key_id = k.id WHERE c.id = ANY($1) AND k.wrapped IS NOT NULL`,
      [[a, b]],
    );
    expect(keys.rows[0].n).toBe(0);
    expect(
      (
        await pg.query(
          `SELECT count(*)::int AS n FROM data_keys k JOIN subjects s ON s.key_id = k.id WHERE s.erased_at IS NOT NULL AND k.wrapped IS NOT NULL`,
        )
      ).rows[0].n,
    ).toBe(0);
    // not findable: the shared phone number now finds only the other customer's conversation
    const found = await getJson(
      `${api.base}/api/v1/conversations/search/identifier`,
      json('POST', { kind: 'phone', value: '13912345678', reason: 'erasure check: still findable?' }),
    );
    expect(found.body.items.map((i: { id: string }) => i.id)).toEqual([other]);
    const byRef = await getJson(
      `${api.base}/api/v1/conversations/search/identifier`,
      json('POST', { kind: 'customer_ref', value: ref, reason: 'erasure check: still findable?' }),
    );
    expect(byRef.body.items).toEqual([]);
    expect((await unmask(other)).status).toBe(200);
    // new data for an erased subject is refused
    const again = await getJson(
      `${api.base}/api/v1/conversations`,
      json('POST', {
        channel: 'chat',
        agentId: 'anna',
        customerRef: ref,
        startedAt: '2026-11-06T09:00:00Z',
        messages: [{ speaker: 'customer', at: '2026-11-06T09:00:00Z', text: 'hi' }],
      }),
    );
    expect([again.status, again.body.error.code]).toEqual([409, 'subject_erased']);
    const ev = await pg.query(
      `SELECT actor_name, reason, outcome FROM audit_events WHERE action = 'subject.erase' ORDER BY seq`,
    );
    expect(ev.rows).toEqual([
      { actor_name: 'cora', reason: 'GDPR art. 17 request 5512', outcome: 'denied' },
      { actor_name: 'cora', reason: 'GDPR art. 17 request 5512', outcome: 'allowed' },
    ]);
  });
});

describe('retention', () => {
  it('removes expired originals, then masked copies with their key and verdicts; a held conversation keeps everything; every deletion is recorded', async () => {
    const old = await chat(undefined, 'my account number is 12345678', '2020-01-06T09:00:00Z');
    const held = await chat(undefined, 'my account number is 87654321', '2020-01-07T09:00:00Z');
    const fresh = await chat(undefined, 'my account number is 11223344', '2026-11-07T09:00:00Z');
    const pending = await chat(undefined, 'my account number is 99887766', '2020-01-08T09:00:00Z');
    // this api-only stack runs no pipeline: three conversations are marked done as the inspect stage leaves them;
    // `pending` stays where ingest left it, and retention must not take its data from under the pipeline
    await pg.query(`UPDATE conversations SET status = 'inspected' WHERE id = ANY($1)`, [[old, held, fresh]]);
    await getJson(
      `${api.base}/api/v1/conversations/${held}/legal-hold`,
      json('PUT', { hold: true, reason: 'Regulator inquiry 3 preserve' }),
    );
    // 2021-06: the originals (365 days) of the 2020 conversations have expired, the masked copies (5 years) not yet
    const r1 = cli('retention', 'run', '--now', '2021-06-01T00:00:00Z');
    expect(r1.status).toBe(0);
    expect(JSON.parse(r1.stdout.trim())).toMatchObject({ transcriptOriginal: 1, transcriptMasked: 0 });
    expect((await unmask(old)).body.utterances[0].text).toBeNull();
    expect((await detail(old)).utterances[0].text).toBe('my account number is ****5678');
    // the originals had a key of their own (a child of the conversation's), destroyed with them: a backup's copy of
    // the originals is unreadable, while the masked copy (the conversation's key) still opens
    const keys = await pg.query(
      `SELECT c.id, k.purpose, k.parent_id = c.key_id AS child, k.destroyed_at IS NOT NULL AS destroyed, k.wrapped IS NULL AS shredded
         FROM conversations c JOIN data_keys k ON k.id = c.original_text_key_id WHERE c.id = ANY($1) ORDER BY c.started_at`,
      [[old, held]],
    );
    expect(keys.rows).toEqual([
      { id: old, purpose: 'original_text', child: true, destroyed: true, shredded: true },
      { id: held, purpose: 'original_text', child: true, destroyed: false, shredded: false },
    ]);
    expect((await unmask(held)).body.utterances[0].text).toBe('my account number is 87654321');
    expect((await unmask(pending)).body.utterances[0].text).toBe('my account number is 99887766');
    // verdicts (this api-only stack runs no inspection: rows as the inspect stage writes them) expire with the masked copy
    for (const id of [old, held])
      await pg.query(
        `INSERT INTO verdicts (conversation_id, outcome, reason_code, reason, transcript_hash, models, verdict_hash, trigger) VALUES ($1, 'not_applicable', 'no_policy', 'fixture', repeat('0', 64), '{}', repeat('0', 64), 'pipeline')`,
        [id],
      );
    // 2026-12: the masked copies have expired too; the key is destroyed, the verdict deleted
    const r2 = cli('retention', 'run', '--now', '2026-12-01T00:00:00Z');
    expect(JSON.parse(r2.stdout.trim())).toMatchObject({ transcriptMasked: 1, verdicts: 1 });
    expect((await pg.query('SELECT conversation_id FROM verdicts')).rows).toEqual([{ conversation_id: held }]);
    expect((await detail(old)).utterances).toEqual([]);
    expect((await unmask(held)).body.utterances[0].text).toBe('my account number is 87654321');
    expect((await unmask(fresh)).body.utterances[0].text).toBe('my account number is 11223344');
    const ev = await pg.query(
      `SELECT object_id, details->>'dataClass' AS class FROM audit_events WHERE action = 'retention.delete' ORDER BY seq`,
    );
    expect(ev.rows).toEqual([
      { object_id: old, class: 'transcript_original' },
      { object_id: old, class: 'transcript_masked' },
      { object_id: old, class: 'verdicts' },
    ]);
  });

  it('a broken retention policy is a precise error', () => {
    const bad = path.join(t.varDir, 'retention-bad.yaml');
    fs.writeFileSync(
      bad,
      'version: 1\nclasses:\n  audio: { days: 4000 }\n  transcript_original: { days: 365 }\n  transcript_masked: { days: 1825 }\n  verdicts: { days: 1825 }\n',
    );
    const r = spawnSync(process.execPath, [MAIN, 'retention', 'run'], {
      env: { ...process.env, ...t.env, HOTLINE_RETENTION_POLICY: bad },
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/retention-bad\.yaml:3:10: classes\.audio: audio may not outlive the masked transcript/);
  });
});

describe('internal PKI and HTTPS', () => {
  it('a client trusting the appliance CA connects; one that does not is refused', async () => {
    const dir = path.join(t.varDir, 'pki');
    expect(cli('pki', 'init', '--dir', dir).status).toBe(0);
    expect(cli('pki', 'init', '--dir', dir).stderr).toMatch(/already exists/);
    const srv = cli(
      'pki',
      'issue-server',
      '--dir',
      dir,
      '--name',
      'api',
      '--san',
      'DNS:localhost',
      '--san',
      'IP:127.0.0.1',
    );
    expect(srv.status, srv.stderr).toBe(0);
    expect(cli('pki', 'issue-client', '--dir', dir, '--name', 'recorder-01', '--days', '10').status).toBe(0);
    expect((fs.statSync(path.join(dir, 'api.key.pem')).mode & 0o777).toString(8)).toBe('600');
    const list = cli('pki', 'list', '--dir', dir);
    expect(list.status).toBe(1); // the 10-day client certificate expires within the warning window
    expect(list.stdout).toMatch(/recorder-01\s+client .*EXPIRES SOON/);
    expect(list.stdout).toMatch(/api\s+server .*DNS:localhost,IP:127\.0\.0\.1/);
    const tls = await startProcess('api', t, {
      HOTLINE_TLS_CERT: path.join(dir, 'api.cert.pem'),
      HOTLINE_TLS_KEY: path.join(dir, 'api.key.pem'),
    });
    try {
      const get = (ca?: Buffer) =>
        new Promise<number>((resolve, reject) => {
          const req = https.get({ host: '127.0.0.1', port: tls.port, path: '/healthz', ca }, (res) => {
            res.resume();
            resolve(res.statusCode!);
          });
          req.on('error', reject);
        });
      expect(await get(fs.readFileSync(path.join(dir, 'ca.cert.pem')))).toBe(200);
      await expect(get()).rejects.toMatchObject({
        code: expect.stringMatching(
          /SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY/,
        ),
      });
    } finally {
      await tls.stop();
    }
    // renewal keeps name and SANs, with a new validity period
    const before = fs.readFileSync(path.join(dir, 'api.cert.pem'), 'utf8');
    expect(cli('pki', 'renew', '--dir', dir, '--name', 'api').status).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'api.cert.pem'), 'utf8')).not.toBe(before);
    expect(cli('pki', 'list', '--dir', dir).stdout).toMatch(/api\s+server .*DNS:localhost,IP:127\.0\.0\.1/);
  });
});
