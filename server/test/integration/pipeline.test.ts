import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wordErrors } from '../../src/lib/wer';
import { metadataFor } from '../../src/synth/render';
import { decodeWav, encodeWav, inspectWav } from '../../src/speech/audio/wav';
import { authedFetch, getJson, Proc, TestEnv, uploadCall, waitFor, openStack, Stack } from '../helpers/stack';
import { synthCalls } from '../helpers/synth';
import { Finding, scanDatabase, scanFiles, scanRedis } from '../../src/pii-scan/scan-at-rest';

/**
 * The walking path on real PostgreSQL, real Redis, the real speech engine and synthesized two-party calls:
 * upload → queue → worker thread decode → stored transcript → read API.
 */
let t: TestEnv;
let app: Proc;
let pg: Client;
const calls = synthCalls();

async function waitTranscribed(id: string) {
  return waitFor(`conversation ${id} to finish`, async () => {
    const r = await getJson(`${app.base}/api/v1/conversations/${id}`);
    return ['inspected', 'failed'].includes(r.body.status) ? r.body : undefined;
  });
}

let stack: Stack;
beforeAll(async () => {
  stack = await openStack('pipeline', 11, {
    role: 'all',
    procEnv: {
      HOTLINE_ASR_CONCURRENCY: '2',
      HOTLINE_ASR_KEYPHRASES: path.resolve(__dirname, '..', '..', '..', 'policies', 'asr', 'keyphrases.txt'),
    },
    auth: (i) => async (method, url) =>
      method === 'POST' && /\/api\/v1\/(calls|conversations)$/.test(url) ? i.recorderToken() : i.tokenFor('cora'),
  });
  ({ t, proc: app, pg } = stack);
});

afterAll(() => stack?.close());

describe('a synthesized call goes in, a transcript comes out', () => {
  let id16: string;
  it('16 kHz stereo PCM: agent and customer turns, with times that match the script', async () => {
    const { script, call } = calls.get('bank-compliant')!;
    const up = await uploadCall(app.base, fs.readFileSync(call.wav16k), metadataFor(script, '16k'));
    expect(up.status).toBe(202);
    expect(up.body.duplicate).toBe(false);
    expect(up.body.conversation).toMatchObject({
      channel: 'call',
      agentId: 'anna',
      teamId: 'team-cards',
      queue: 'cards',
    });
    id16 = up.body.conversation.id;
    const conv = await waitTranscribed(id16);
    expect(conv.status).toBe('inspected');
    expect(conv.asrEngine).toMatch(/^sherpa:/);
    expect(conv.recording).toMatchObject({
      codec: 'pcm16',
      sampleRate: 16000,
      channels: 2,
      channelMap: ['agent', 'customer'],
    });
    const us = conv.utterances as Array<{
      speaker: string;
      startMs: number;
      endMs: number;
      text: string;
      words: Array<{ s: number; e: number }>;
    }>;
    expect(us.length).toBeGreaterThanOrEqual(call.turns.length - 1);
    // each ground-truth turn is covered by an utterance of the same speaker that overlaps it
    for (const turn of call.turns) {
      const hit = us.find((u) => u.speaker === turn.speaker && u.startMs < turn.endMs && u.endMs > turn.startMs);
      expect(hit, `turn "${turn.text}" at ${turn.startMs} ms`).toBeDefined();
      expect(Math.abs(hit!.startMs - turn.startMs)).toBeLessThan(1200);
    }
    expect(us[0].speaker).toBe('agent');
    expect(us[0].text).toMatch(/recorded for quality and training/);
    // the phonetic keyphrase search found the recording notice inside the agent's first turn, and nothing unsaid
    const kws = (
      us as unknown as Array<{ speaker: string; keyphrases: Array<{ p: string; s: number; e: number }> }>
    ).flatMap((u) => u.keyphrases.map((k) => ({ ...k, speaker: u.speaker })));
    const notice = kws.find((k) => k.p === 'recorded for quality and training purposes');
    expect(notice?.speaker).toBe('agent');
    expect(notice!.s).toBeGreaterThanOrEqual(call.turns[0].startMs - 500);
    expect(notice!.e).toBeLessThanOrEqual(call.turns[0].endMs + 500);
    expect(
      kws.filter((k) =>
        ['not my problem', 'guaranteed return', 'case reference number', 'security code'].includes(k.p),
      ),
    ).toEqual([]);
    // the neural engine with its hotwords, PocketSphinx beside it (keyphrases, digits) and the Silero VAD, all named
    expect(conv.asrEngine).toMatch(/^sherpa:[^/]+\/beam\+hw\d+@2#[0-9a-f]{8}\/x5\+ps#[0-9a-f]{8}\+silero#[0-9a-f]{8}$/);
    // word timings are absolute, ordered and inside their utterance
    for (const u of us) for (const w of u.words) expect(w.s >= u.startMs && w.e <= u.endMs && w.s < w.e).toBe(true);
    const wer = wordErrors(call.turns.map((x) => x.text).join(' '), us.map((u) => u.text).join(' ')).wer;
    expect(wer).toBeLessThan(0.3);
    expect(conv.events.map((e: { stage: string; kind: string }) => `${e.stage}:${e.kind}`)).toEqual([
      'ingest:received',
      'transcribe:enqueued',
      'transcribe:started',
      'transcribe:completed',
      'redact:enqueued',
      'redact:started',
      'redact:completed',
      'understand:enqueued',
      'understand:started',
      'understand:completed',
      'inspect:enqueued',
      'inspect:started',
      'inspect:completed',
    ]);
    // the customer's date of birth, given after the agent asks for it, is masked and silenced (the one span)
    expect(conv.recording).toMatchObject({ redacted: true, redactedSpans: 1, available: true });
    const customerSaid = (
      us as unknown as Array<{ speaker: string; text: string; pii: Array<{ type: string }> }>
    ).filter((u) => u.speaker === 'customer');
    expect(customerSaid.flatMap((u) => u.pii.map((m) => m.type))).toEqual(['date_of_birth']);
    expect(customerSaid.map((u) => u.text).join(' ')).not.toMatch(/nineteen eighty/);
    // understanding: an intent with its confidence, sentiment on every turn, and the models' hashes
    expect(typeof conv.intent).toBe('string');
    expect(conv.intentConfidence).toBeGreaterThan(0);
    expect(conv.nluModels).toEqual({
      intent: expect.stringMatching(/^intent-banking77@4#[0-9a-f]{12}$/),
      sentiment: expect.stringMatching(/^sentiment-en@4#[0-9a-f]{12}$/),
      conduct: expect.stringMatching(/^conduct-en@1#[0-9a-f]{12}$/),
      promise: expect.stringMatching(/^promise-en@2#[0-9a-f]{12}$/),
      politics: expect.stringMatching(/^politics-en@2#[0-9a-f]{12}$/),
      refusal: expect.stringMatching(/^refusal-zh@1#[0-9a-f]{12}$/),
      tone: 'tone-15',
    });
    expect(conv.escalation).toMatchObject({ level: expect.stringMatching(/^(none|watch|escalate)$/) });
    for (const u of us as unknown as Array<{ sentiment: string; sentimentScore: number }>) {
      expect(['negative', 'neutral', 'positive']).toContain(u.sentiment);
      expect(Math.abs(u.sentimentScore)).toBeLessThanOrEqual(1);
    }
    // the verdict records the understanding models beside the speech engine
    const verdicts = await getJson(`${app.base}/api/v1/conversations/${conv.id}/verdicts`);
    expect(verdicts.status).toBe(200);
    expect(verdicts.body.items[0].models).toMatchObject({
      intent: conv.nluModels.intent,
      sentiment: conv.nluModels.sentiment,
    });
  });

  let cardCall: string;
  it('8 kHz µ-law stereo (as a recorder writes): resampled, transcribed, and the card number and CVV masked, silenced and never stored', async () => {
    const { script, call } = calls.get('bank-card-cvv')!;
    const up = await uploadCall(app.base, fs.readFileSync(call.wav8kUlaw), metadataFor(script, '8k'));
    expect(up.status).toBe(202);
    cardCall = up.body.conversation.id;
    const conv = await waitTranscribed(cardCall);
    expect(conv.status).toBe('inspected');
    expect(conv.recording).toMatchObject({ codec: 'mulaw', sampleRate: 8000, channels: 2, redacted: true });
    type U = { speaker: string; text: string; pii: Array<{ type: string; s?: number; e?: number }> };
    const customer = (conv.utterances as U[]).filter((u) => u.speaker === 'customer');
    const said = customer.map((u) => u.text).join(' ');
    // what ordinary views get: the card as at most first six + last four; the short answer to the agent's question
    // for the security code removed whole (fail closed: the recogniser may have heard only part of the digits)
    expect(said).toMatch(/\b411111\*{6}1111\b/);
    expect(said).toMatch(/\[REDACTED\]/);
    expect(said).not.toMatch(/one one one one one one|seven three nine/);
    const marks = customer.flatMap((u) => u.pii);
    expect(marks.map((m) => m.type)).toEqual(expect.arrayContaining(['card_number', 'cvv']));
    expect(conv.recording.redactedSpans).toBeGreaterThanOrEqual(2);
    // the stored audio is silent wherever personal data was spoken, in both channels
    const wav = Buffer.from(
      await (await authedFetch(`${app.base}/api/v1/conversations/${cardCall}/audio`)).arrayBuffer(),
    );
    const info = inspectWav(wav);
    const chans = decodeWav(wav, info);
    for (const m of marks) {
      const a = Math.floor((m.s! * info.sampleRate) / 1000);
      const b = Math.floor((m.e! * info.sampleRate) / 1000);
      for (const ch of chans)
        expect(
          ch.subarray(a, b).some((x) => x !== 0),
          `${m.type} at ${m.s}-${m.e} ms`,
        ).toBe(false);
    }
  });

  it('unmask: the original with a stated reason, audited before it is returned; the CVV exists in no form', async () => {
    const noReason = await getJson(`${app.base}/api/v1/conversations/${cardCall}/unmask`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect([noReason.status, noReason.body.error.code]).toEqual([422, 'invalid_request']);
    const reason = 'Dispute case 4471: customer contests a card transaction';
    const r = await getJson(`${app.base}/api/v1/conversations/${cardCall}/unmask`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reason }),
    });
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    const original = (r.body.utterances as Array<{ speaker: string; text: string }>)
      .filter((u) => u.speaker === 'customer')
      .map((u) => u.text)
      .join(' ');
    expect(original).toMatch(/one one one one one one/);
    expect(original).toMatch(/\[REDACTED\]/);
    expect(original).not.toMatch(/seven three nine/);
    const ev = await pg.query(
      "SELECT actor_name, reason, outcome, details FROM audit_events WHERE action = 'transcript.unmask' AND object_id = $1",
      [cardCall],
    );
    expect(ev.rows).toEqual([expect.objectContaining({ actor_name: 'cora', reason, outcome: 'allowed' })]);
    expect(ev.rows[0].details.piiTypes).toEqual(expect.arrayContaining(['card_number']));
  });

  it('at rest: transcripts, customer references and audio objects are ciphertext; identifiers are found through blind indexes', async () => {
    const plain = await pg.query(
      `SELECT count(*)::int AS n FROM utterances WHERE position(convert_to('quality', 'UTF8') in text) > 0 OR position(convert_to('quality', 'UTF8') in text_original) > 0
         OR position(convert_to('card', 'UTF8') in text_original) > 0`,
    );
    expect(plain.rows[0].n).toBe(0);
    expect(
      (await pg.query('SELECT count(*)::int AS n FROM utterances WHERE text IS NULL OR text_original IS NULL')).rows[0]
        .n,
    ).toBe(0);
    const names = await pg.query(
      `SELECT count(original_name)::int AS sealed, count(*) FILTER (WHERE position(convert_to('.wav', 'UTF8') in original_name) > 0)::int AS plain FROM recordings`,
    );
    expect(names.rows[0].sealed).toBeGreaterThan(0);
    expect(names.rows[0].plain).toBe(0);
    const refs = await pg.query('SELECT customer_ref FROM conversations WHERE customer_ref IS NOT NULL');
    expect(refs.rows.length).toBeGreaterThan(0);
    for (const row of refs.rows) expect(Buffer.from(row.customer_ref).toString('latin1')).not.toMatch(/CUST|cust-/);
    const files = fs
      .readdirSync(`${t.varDir}/objects`, { recursive: true })
      .filter((f) => /[0-9a-f]{64}$/.test(String(f)));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files)
      expect(
        fs
          .readFileSync(path.join(t.varDir, 'objects', String(f)))
          .subarray(0, 64)
          .includes(Buffer.from('RIFF')),
      ).toBe(false);
    // the unredacted originals are gone: one object per recording
    expect(files.length).toBe(Number((await pg.query('SELECT count(object_id)::int AS n FROM recordings')).rows[0].n));
    // and so are their keys: each upload was sealed under a key of its own, destroyed when the redacted copy replaced
    // it, so a copy of an original left on a disk or in an earlier backup cannot be decrypted (crypto-shredding)
    const originalKeys = await pg.query(
      `SELECT r.redacted_at IS NOT NULL AS redacted, k.purpose, k.parent_id = c.key_id AS under_conversation,
              k.wrapped IS NULL AS shredded, k.destroyed_at IS NOT NULL AS destroyed
         FROM recordings r JOIN conversations c ON c.id = r.conversation_id JOIN data_keys k ON k.id = r.original_key_id`,
    );
    expect(originalKeys.rows.length).toBe(
      Number((await pg.query('SELECT count(*)::int AS n FROM recordings')).rows[0].n),
    );
    for (const row of originalKeys.rows)
      expect(row).toEqual({
        redacted: true,
        purpose: 'original',
        under_conversation: true,
        shredded: true,
        destroyed: true,
      });
    const { script } = calls.get('bank-card-cvv')!;
    const byRef = await getJson(`${app.base}/api/v1/conversations/search/identifier`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        kind: 'customer_ref',
        value: metadataFor(script, '8k').customerRef,
        reason: 'customer complaint follow-up',
      }),
    });
    expect(byRef.status).toBe(200);
    expect(byRef.body.items.map((i: { id: string }) => i.id)).toContain(cardCall);
    const none = await getJson(`${app.base}/api/v1/conversations/search/identifier`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'phone', value: '+8613800000000', reason: 'customer complaint follow-up' }),
    });
    expect(none.body.items).toEqual([]);
  });

  it('the same recording with the same metadata is recognised and not processed twice', async () => {
    const { script, call } = calls.get('bank-compliant')!;
    const again = await uploadCall(app.base, fs.readFileSync(call.wav16k), metadataFor(script, '16k'));
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ duplicate: true, conversation: { id: id16 } });
    await new Promise((r) => setTimeout(r, 1500));
    const runs = await pg.query('SELECT count(*)::int AS n FROM stage_runs WHERE conversation_id = $1', [id16]);
    const starts = await pg.query(
      "SELECT count(*)::int AS n FROM processing_events WHERE conversation_id = $1 AND kind = 'started'",
      [id16],
    );
    const convs = await pg.query(
      'SELECT count(*)::int AS n FROM recordings WHERE sha256 = (SELECT sha256 FROM recordings WHERE conversation_id = $1)',
      [id16],
    );
    // one run and one start per stage (transcribe, redact, understand, inspect), one recording
    expect([runs.rows[0].n, starts.rows[0].n, convs.rows[0].n]).toEqual([4, 4, 1]);
    // same audio, different metadata: a different conversation
    const other = await uploadCall(app.base, fs.readFileSync(call.wav16k), {
      ...metadataFor(script, '16k'),
      externalId: 'another-call',
    });
    expect(other.status).toBe(202);
    expect(other.body.conversation.id).not.toBe(id16);
  });

  it('a chat goes through the same store and read API', async () => {
    const chat = {
      channel: 'chat',
      agentId: 'anna',
      teamId: 'team-cards',
      startedAt: '2026-11-02T10:00:00Z',
      messages: [
        { speaker: 'customer', at: '2026-11-02T10:00:00Z', text: 'Hi, my card was declined at the shop.' },
        { speaker: 'agent', at: '2026-11-02T10:00:42Z', text: 'Sorry to hear that. Let me check your card status.' },
      ],
    };
    const post = () =>
      getJson(`${app.base}/api/v1/conversations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(chat),
      });
    const first = await post();
    expect(first.status).toBe(201);
    expect(first.body.conversation).toMatchObject({ channel: 'chat', status: 'protected', durationMs: 42_000 });
    const detail = await getJson(`${app.base}/api/v1/conversations/${first.body.conversation.id}`);
    expect(detail.body.utterances.map((u: { speaker: string; startMs: number }) => [u.speaker, u.startMs])).toEqual([
      ['customer', 0],
      ['agent', 42_000],
    ]);
    expect(detail.body.recording).toBeNull();
    const second = await post();
    expect(second.status).toBe(200);
    expect(second.body.duplicate).toBe(true);
    // the chat is understood like a call: the customer's request is a declined card payment
    const id = first.body.conversation.id;
    let understood:
      | { intent: string; intentConfidence: number; status: string; utterances: Array<{ sentiment: string }> }
      | undefined;
    await waitFor('the chat to be understood and inspected', async () => {
      const d = await getJson(`${app.base}/api/v1/conversations/${id}`);
      understood = d.body;
      return d.body.status === 'inspected';
    });
    expect(understood!.intent).toBe('declined_card_payment');
    expect(understood!.intentConfidence).toBeGreaterThan(0.3);
    expect(understood!.utterances.map((u) => u.sentiment)).toHaveLength(2);
  });
});

describe('bad input gets a precise 4xx and loses nothing', () => {
  const meta = { agentId: 'agent-x', teamId: 'team-x' };
  const wav = () => encodeWav([new Int16Array(8000).map((_, i) => Math.round(3000 * Math.sin(i / 5)))], 8000);

  it('each malformed upload is refused with its own status and code, and nothing is written', async () => {
    const before = await pg.query(
      'SELECT (SELECT count(*) FROM conversations)::int AS c, (SELECT count(*) FROM recordings)::int AS r, (SELECT count(*) FROM utterances)::int AS u',
    );
    const snapshot = await getJson(`${app.base}/api/v1/conversations?limit=200`);
    const truncated = wav().subarray(0, 30);
    const mp3 = wav();
    mp3.writeUInt16LE(0x0055, 20);
    const rate = encodeWav([new Int16Array(441)], 44100);
    const cases: Array<[string, Buffer, unknown, number, string, RegExp]> = [
      ['zero length', Buffer.alloc(0), meta, 422, 'empty', /0 bytes/],
      ['truncated header', truncated, meta, 422, 'truncated_header', /truncated header/],
      ['unknown codec', mp3, meta, 415, 'unsupported_codec', /MPEG Layer 3/],
      ['44.1 kHz', rate, meta, 415, 'unsupported_rate', /44100 Hz/],
      ['not audio', Buffer.from('hello, this is a text file pretending'), meta, 415, 'not_wav', /RIFF\/WAVE/],
      ['missing agentId', wav(), { teamId: 'x' }, 422, 'invalid_metadata', /agentId/],
      ['metadata not JSON', wav(), '{agentId:', 422, 'invalid_metadata', /not valid JSON/],
      ['unknown metadata field', wav(), { ...meta, secret: 1 }, 422, 'invalid_metadata', /secret/],
      [
        'channel map mismatch',
        wav(),
        { ...meta, channelMap: ['agent', 'customer'] },
        422,
        'invalid_metadata',
        /2 speaker\(s\) for a 1-channel/,
      ],
    ];
    for (const [name, audio, m, status, code, msg] of cases) {
      const r = await uploadCall(app.base, audio, m);
      expect([name, r.status, r.body.error?.code]).toEqual([name, status, code]);
      expect(r.body.error.message, name).toMatch(msg);
      expect(r.body.error.requestId, name).toMatch(/.{8,}/);
    }
    const notMultipart = await getJson(`${app.base}/api/v1/calls`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect([notMultipart.status, notMultipart.body.error.code]).toEqual([415, 'unsupported_media_type']);
    const badJson = await getJson(`${app.base}/api/v1/conversations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"channel":',
    });
    expect([badJson.status, badJson.body.error.code]).toEqual([400, 'invalid_json']);
    const badChat = await getJson(`${app.base}/api/v1/conversations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'fax', agentId: 'a', startedAt: '2026-11-02T10:00:00Z', messages: [] }),
    });
    expect(badChat.status).toBe(422);
    expect(badChat.body.error.message).toMatch(/channel/);
    expect(badChat.body.error.message).toMatch(/messages/);
    const after = await pg.query(
      'SELECT (SELECT count(*) FROM conversations)::int AS c, (SELECT count(*) FROM recordings)::int AS r, (SELECT count(*) FROM utterances)::int AS u',
    );
    expect(after.rows[0]).toEqual(before.rows[0]);
    expect((await getJson(`${app.base}/api/v1/conversations?limit=200`)).body).toEqual(snapshot.body);
    // no orphan objects: every stored object belongs to a recording
    const objects = fs
      .readdirSync(`${t.varDir}/objects`, { recursive: true })
      .filter((f) => /[0-9a-f]{64}$/.test(String(f)));
    expect(objects.length).toBe(
      Number((await pg.query('SELECT count(DISTINCT object_id)::int AS n FROM recordings')).rows[0].n),
    );
  });

  it('unknown or malformed ids answer 404; bad query values 422', async () => {
    expect((await getJson(`${app.base}/api/v1/conversations/00000000-0000-4000-8000-000000000000`)).status).toBe(404);
    expect((await getJson(`${app.base}/api/v1/conversations/not-a-uuid`)).status).toBe(404);
    const q = await getJson(`${app.base}/api/v1/conversations?limit=0`);
    expect([q.status, q.body.error.code]).toEqual([422, 'invalid_request']);
    expect((await getJson(`${app.base}/api/v1/conversations?cursor=bm9wZQ`)).body.error.code).toBe('invalid_cursor');
  });
});

describe('read API', () => {
  it('lists with filters and cursor pagination', async () => {
    const all = await getJson(`${app.base}/api/v1/conversations?limit=200`);
    expect(all.body.items.length).toBeGreaterThanOrEqual(4);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof getJson>> = await getJson(
        `${app.base}/api/v1/conversations?limit=1${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...page.body.items.map((i: { id: string }) => i.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.body.items.map((i: { id: string }) => i.id));
    const chats = await getJson(`${app.base}/api/v1/conversations?channel=chat`);
    expect(chats.body.items.every((i: { channel: string }) => i.channel === 'chat')).toBe(true);
    const anna = await getJson(`${app.base}/api/v1/conversations?agentId=anna&status=inspected`);
    expect(anna.body.items.length).toBeGreaterThanOrEqual(2);
    expect(anna.body.items.every((i: { agentId: string }) => i.agentId === 'anna')).toBe(true);
    const window = await getJson(`${app.base}/api/v1/conversations?from=2026-11-02T10:00:00Z&to=2026-11-02T10:00:01Z`);
    expect(window.body.items.map((i: { channel: string }) => i.channel)).toEqual(['chat']);
  });

  it('serves the recording with HTTP Range', async () => {
    const list = await getJson(`${app.base}/api/v1/conversations?channel=call&status=inspected&limit=1`);
    const id = list.body.items[0].id;
    const full = await authedFetch(`${app.base}/api/v1/conversations/${id}/audio`);
    const bytes = Buffer.from(await full.arrayBuffer());
    expect(full.status).toBe(200);
    expect(full.headers.get('accept-ranges')).toBe('bytes');
    expect(bytes.toString('ascii', 0, 4)).toBe('RIFF');
    const part = await authedFetch(`${app.base}/api/v1/conversations/${id}/audio`, {
      headers: { range: 'bytes=8-15' },
    });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 8-15/${bytes.length}`);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(bytes.subarray(8, 16));
    const tail = await authedFetch(`${app.base}/api/v1/conversations/${id}/audio`, { headers: { range: 'bytes=-4' } });
    expect(Buffer.from(await tail.arrayBuffer())).toEqual(bytes.subarray(bytes.length - 4));
    const bad = await authedFetch(`${app.base}/api/v1/conversations/${id}/audio`, {
      headers: { range: `bytes=${bytes.length + 10}-` },
    });
    expect(bad.status).toBe(416);
    expect(bad.headers.get('content-range')).toBe(`bytes */${bytes.length}`);
  });

  it('health, readiness and the OpenAPI document', async () => {
    expect((await getJson(`${app.base}/healthz`)).body).toEqual({ status: 'ok' });
    const ready = await getJson(`${app.base}/readyz`);
    expect(ready.status).toBe(200);
    expect(ready.body.checks.speech.models[0]).toMatch(/^sherpa:/);
    const doc = (await getJson(`${app.base}/api/v1/openapi.json`)).body;
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/calls',
        '/api/v1/conversations',
        '/api/v1/conversations/{id}',
        '/api/v1/conversations/{id}/audio',
        '/readyz',
      ]),
    );
    expect(doc.components.schemas.CallMetadata.required).toContain('agentId');
    expect(doc.paths['/api/v1/conversations'].get.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['agentId', 'cursor', 'limit']),
    );
    expect(doc.paths['/api/v1/conversations'].post.requestBody.content['application/json'].schema.$ref).toBe(
      '#/components/schemas/TextConversation',
    );
  });
});

describe('logs', () => {
  it('are pino JSON with request and job ids and never contain transcript text or customer references', async () => {
    const lines = app.logs.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThan(10);
    expect(lines.some((l) => typeof l.requestId === 'string' && l.msg === 'request')).toBe(true);
    expect(lines.some((l) => typeof l.jobId === 'string' && l.msg === 'transcribe finished')).toBe(true);
    const all = app.logs.join('\n').toLowerCase();
    for (const phrase of [
      'recorded for quality',
      'debit card',
      'card was declined',
      'security code',
      'dispute case',
      'one one one one',
    ])
      expect(all).not.toContain(phrase);
    const { script } = calls.get('bank-card-cvv')!;
    expect(all).not.toContain(String(metadataFor(script, '8k').customerRef).toLowerCase());
  });
});

describe('evidence', () => {
  it('scan:pii finds no card number, CN ID or CVV in the database dump, Redis, the object store or the logs — and finds one planted', async () => {
    const logFile = path.join(t.varDir, 'app.log');
    fs.writeFileSync(logFile, app.logs.join('\n'));
    const findings: Finding[] = [];
    await scanDatabase(t.env.DATABASE_URL, findings);
    const keys = await scanRedis(t.redisUrl, findings);
    const files = scanFiles([path.join(t.varDir, 'objects'), logFile], findings);
    expect(keys).toBeGreaterThan(0);
    expect(files).toBeGreaterThan(2);
    expect(findings).toEqual([]);
    // the control: a card number stored in plaintext is found
    await pg.query('CREATE TABLE scan_control (v bytea)');
    await pg.query("INSERT INTO scan_control VALUES (convert_to('pan 4111 1111 1111 1111', 'UTF8'))");
    const planted: Finding[] = [];
    await scanDatabase(t.env.DATABASE_URL, planted);
    await pg.query('DROP TABLE scan_control');
    expect(planted.map((f) => [f.kind, f.source])).toEqual([['card_number', 'database dump (bytea)']]);
  });
});
