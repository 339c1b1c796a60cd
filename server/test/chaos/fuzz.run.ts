import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/understanding/train/sparse-net';
import { metadataFor } from '../../src/synth/render';
import { openStack, Proc, Stack, startProcess, waitFor } from '../helpers/stack';
import { synthCalls } from '../helpers/synth';

/**
 * `npm run fuzz`: seeded mutations against a running appliance (its own database, the shared PostgreSQL and Redis):
 * every operation of the API's own OpenAPI document with generated and then mutated path parameters, queries and
 * bodies, as every role; call uploads with mutated WAV files and metadata; byte ranges on the audio; mutated QA policy
 * YAML; raw bodies that are not what their content type says. Bounded by FUZZ_CASES (default 3000) and FUZZ_S
 * (default 300 s).
 *
 * The bar: no answer is a 5xx, neither the API nor the worker crashes, /healthz answers between the batches, and every
 * upload that was accepted settles (inspected, or failed with a reason: a mutated recording may hold nothing to hear).
 * The counts per kind and status are printed; a 5xx prints the request that caused it (FUZZ_SEED repeats the run).
 */
const SEED = Number(process.env.FUZZ_SEED ?? 1);
const CASES = Number(process.env.FUZZ_CASES ?? 3000);
const LIMIT_S = Number(process.env.FUZZ_S ?? 300);

// seeded (the training code's mulberry32), so a run can be repeated exactly
const rand = mulberry32(SEED);
const int = (n: number) => Math.floor(rand() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
const chance = (p: number) => rand() < p;

/** Values that have broken parsers, databases and range checks before. */
const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\r\nX-Injected: 1',
  '\u202egnp.exe',
  '\ud800',
  '😀'.repeat(50),
  'a'.repeat(70_000),
  '../../../../etc/passwd',
  "' OR 1=1 --",
  '<script>alert(1)</script>',
  '%00',
  '%',
  '-1',
  '0',
  '2147483648',
  '9'.repeat(40),
  '1e309',
  'NaN',
  'null',
  'true',
  '[]',
  '{}',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '0000-01-01T00:00:00Z',
  '9999-12-31T23:59:59Z',
  '2026-13-45T99:99:99Z',
  '294277-01-01T00:00:00Z',
  'ZZZZ',
  'eyJ0IjoiMjk5OTk5LTAxLTAxIiwiaWQiOiJ4In0',
  Buffer.from(JSON.stringify({ t: '-271821-04-20T00:00:00Z', id: '1' })).toString('base64url'),
];
const NASTY_VALUES: unknown[] = [
  ...NASTY_STRINGS,
  -1,
  0,
  -0,
  0.5,
  2 ** 31,
  2 ** 53 + 2,
  1e308,
  -1e308,
  true,
  false,
  null,
  [],
  {},
  [null],
  { __proto__: { polluted: true } },
  JSON.parse('{"constructor":{"prototype":{"polluted":true}}}'),
];
const nasty = (): unknown => {
  if (chance(0.05)) {
    // deep nesting
    let v: unknown = 1;
    for (let i = 0; i < 500 + int(5000); i++) v = chance(0.5) ? [v] : { a: v };
    return v;
  }
  // many short values (the 70,000-letter one stays single: a body of them would only test the client's upload)
  if (chance(0.05)) return Array.from({ length: 1 + int(20_000) }, () => pick(NASTY_STRINGS.slice(0, 8)));
  return pick(NASTY_VALUES);
};

type Schema = Record<string, unknown>;
interface Op {
  method: string;
  path: string;
  params: Array<{ name: string; in: string; schema?: Schema; required?: boolean }>;
  body?: Schema;
  bodyType?: string;
}

/** A value that satisfies a (simple) JSON schema, or comes close. */
function sample(schema: Schema | undefined, defs: Record<string, Schema>, depth = 0): unknown {
  if (!schema || depth > 8) return null;
  if (typeof schema.$ref === 'string') return sample(defs[schema.$ref.split('/').pop()!], defs, depth + 1);
  const alts = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (alts?.length) return sample(pick(alts), defs, depth + 1);
  if (Array.isArray(schema.allOf) && schema.allOf.length) return sample(schema.allOf[0] as Schema, defs, depth + 1);
  if (Array.isArray(schema.enum)) return pick(schema.enum);
  if ('const' in schema) return schema.const;
  if ('default' in schema && chance(0.3)) return schema.default;
  const type = Array.isArray(schema.type) ? pick(schema.type as string[]) : (schema.type as string | undefined);
  switch (type) {
    case 'object': {
      const props = (schema.properties ?? {}) as Record<string, Schema>;
      const required = new Set((schema.required ?? []) as string[]);
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(props))
        if (required.has(k) || chance(0.6)) out[k] = sample(v, defs, depth + 1);
      return out;
    }
    case 'array': {
      const n = Math.max(Number(schema.minItems ?? 0), int(4));
      return Array.from({ length: n }, () => sample(schema.items as Schema, defs, depth + 1));
    }
    case 'integer':
    case 'number': {
      const min = Number(schema.minimum ?? 0);
      const max = Number(schema.maximum ?? min + 100);
      const v = min + rand() * Math.max(0, Math.min(max, min + 1000) - min);
      return type === 'integer' ? Math.floor(v) : v;
    }
    case 'boolean':
      return chance(0.5);
    case 'string': {
      if (schema.format === 'date-time') return new Date(Date.UTC(2026, 10, 1) + int(20) * 86_400_000).toISOString();
      if (schema.format === 'date') return '2026-11-01';
      if (schema.format === 'uuid') return crypto.randomUUID();
      if (schema.format === 'email') return 'someone@example.org';
      const len = Math.max(Number(schema.minLength ?? 1), 1 + int(12));
      return 'x'.repeat(len);
    }
    default:
      return null;
  }
}

/** Changes a JSON value in place here and there: values swapped for nasty ones, keys removed or added. */
function mutate(v: unknown, depth = 0): unknown {
  if (chance(depth === 0 ? 0.15 : 0.1)) return nasty();
  if (Array.isArray(v)) {
    const out = v.map((x) => mutate(x, depth + 1));
    if (chance(0.1) && out.length && (JSON.stringify(out[0]) ?? '').length < 1000)
      out.push(...Array.from({ length: int(3000) }, () => out[0]));
    return out;
  }
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (!chance(0.08)) out[k] = mutate(x, depth + 1);
    if (chance(0.08)) out[pick(['extra', '__proto__', 'constructor', 'a'.repeat(300), ''])] = nasty();
    return out;
  }
  return v;
}

/** Mutations of a WAV file: header fields, chunk sizes, truncation, byte flips, junk chunks. */
function mutateWav(wav: Buffer): Buffer {
  const b = Buffer.from(wav);
  switch (int(9)) {
    case 0:
      return b.subarray(0, int(b.length));
    case 1:
      for (let i = 0; i < 1 + int(50); i++) b[int(Math.min(b.length, 200))] = int(256);
      return b;
    case 2:
      b.writeUInt32LE(pick([0, 0xffffffff, 1, b.length * 2, 36]), 40); // data size
      return b;
    case 3:
      b.writeUInt16LE(pick([0, 1, 2, 3, 6, 7, 0xfffe, 0xffff]), 20); // format
      return b;
    case 4:
      b.writeUInt16LE(pick([0, 1, 2, 3, 8, 255, 65535]), 22); // channels
      return b;
    case 5:
      b.writeUInt32LE(pick([0, 1, 8000, 16000, 44100, 192000, 0xffffffff]), 24); // sample rate
      return b;
    case 6:
      b.writeUInt16LE(pick([0, 1, 4, 8, 12, 16, 24, 32, 64, 65535]), 34); // bits per sample
      return b;
    case 7: {
      // a junk chunk before the data, its size a lie
      const junk = Buffer.alloc(8 + int(64));
      junk.write('LIST', 0);
      junk.writeUInt32LE(pick([junk.length - 8, 0xfffffff0, 3]), 4);
      return Buffer.concat([b.subarray(0, 36), junk, b.subarray(36)]);
    }
    default:
      for (let i = 0; i < 1 + int(2000); i++) b[44 + int(b.length - 44)] = int(256);
      return b;
  }
}

/** Mutations of a QA policy file as text: lines dropped or repeated, anchors and aliases, tags, deep nesting. */
function mutateYaml(y: string): string {
  const lines = y.split('\n');
  switch (int(7)) {
    case 0:
      lines.splice(int(lines.length), 1 + int(5));
      return lines.join('\n');
    case 1: {
      const i = int(lines.length);
      lines.splice(i, 0, ...lines.slice(i, i + 1 + int(10)));
      return lines.join('\n');
    }
    case 2:
      return `a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n${y}`;
    case 3:
      lines[int(lines.length)] += pick([
        ' !!binary AAAA',
        ' !!js/function "x"',
        ' !!python/object:os.system x',
        ' &x',
        ' *nope',
      ]);
      return lines.join('\n');
    case 4:
      return `${'['.repeat(5000)}${']'.repeat(5000)}\n${y}`;
    case 5:
      return y.replace(/version: \d+/, `version: ${pick(['99999999999', '-1', '1.5', '"1"', 'null', '0x10'])}`);
    default:
      return y.replace(/pattern: .*/, `pattern: "${pick(['(a+)+$', '(', '(?<=a)b', '\\\\', '[z-a]', '(x*)*y'])}"`);
  }
}

/** a path segment; a lone surrogate goes out as the invalid UTF-8 it would be */
const enc = (v: string) => {
  try {
    return encodeURIComponent(v);
  } catch {
    return '%ED%A0%80';
  }
};

const RANGES = [
  'bytes=0-0',
  'bytes=-1',
  'bytes=0-',
  'bytes=5-2',
  'bytes=99999999999-',
  'bytes=-0',
  'bytes=0-1,2-3',
  'bytes=a-b',
  'items=0-1',
  'bytes=',
  'bytes=-99999999999999999999',
  'bytes=1e3-',
];

let stack: Stack;
let worker: Proc;
beforeAll(async () => {
  stack = await openStack('fuzz', 13, {});
  worker = await startProcess('worker', stack.t, { HOTLINE_ASR_CONCURRENCY: '1' });
}, 180_000);
afterAll(async () => {
  await worker?.stop();
  await stack?.close();
});

describe(`fuzz (seed ${SEED}, at most ${CASES} cases or ${LIMIT_S} s)`, () => {
  it(
    'no 5xx, no crash, and every accepted upload settles',
    async () => {
      const { idp, proc: api, pg } = stack;
      const base = api.base;
      const users = ['cora', 'quinn', 'sara', 'adam', 'otto', 'anna', 'recorder'];
      const tokens = new Map<string, string>();
      for (const u of users) tokens.set(u, u === 'recorder' ? await idp.recorderToken() : await idp.tokenFor(u));
      const auth = (u = pick(users)) => ({ authorization: `Bearer ${tokens.get(u)}` });

      // something real to point at: a call and a chat, inspected
      const calls = [...synthCalls().values()];
      // three seconds of each call (mutated uploads are transcribed too): 16-bit PCM with the canonical 44-byte
      // header, so the header mutations hit the fields they name, and µ-law as recorders send it
      const short = (src: string, pcm: boolean) => {
        const out = path.join(stack.t.varDir, `${path.basename(src, '.wav')}-${pcm ? 'pcm' : 'ulaw'}-3s.wav`);
        execFileSync('sox', [src, ...(pcm ? ['-e', 'signed-integer', '-b', '16'] : []), out, 'trim', '0', '3']);
        return fs.readFileSync(out);
      };
      const wavs = calls.flatMap((c) => [short(c.call.wav8kUlaw, true), short(c.call.wav8kUlaw, false)]);
      const form = (audio: Buffer, meta: unknown) => {
        const f = new FormData();
        f.append('audio', new Blob([new Uint8Array(audio)], { type: 'audio/wav' }), 'call.wav');
        if (meta !== undefined) f.append('metadata', typeof meta === 'string' ? meta : JSON.stringify(meta));
        return f;
      };
      const seeded = await fetch(`${base}/api/v1/calls`, {
        method: 'POST',
        headers: auth('recorder'),
        body: form(wavs[0], metadataFor(calls[0].script, '8k')),
      });
      expect(seeded.status).toBe(202);
      const callId = ((await seeded.json()) as { conversation: { id: string } }).conversation.id;
      await waitFor(
        'the seeded call to be inspected',
        async () =>
          (await pg.query('SELECT status FROM conversations WHERE id = $1', [callId])).rows[0].status === 'inspected',
        120_000,
        500,
      );
      const ids = [callId, crypto.randomUUID(), '00000000-0000-0000-0000-000000000000'];

      const doc = (await (await fetch(`${base}/api/v1/openapi.json`)).json()) as {
        paths: Record<
          string,
          Record<string, { parameters?: Op['params']; requestBody?: { content: Record<string, { schema: Schema }> } }>
        >;
        components?: { schemas?: Record<string, Schema> };
      };
      const defs = doc.components?.schemas ?? {};
      const ops: Op[] = [];
      for (const [p, methods] of Object.entries(doc.paths))
        for (const [method, op] of Object.entries(methods)) {
          if (p === '/api/v1/live/events') continue; // a stream that stays open: the live tests cover it
          const [bodyType, content] = Object.entries(op.requestBody?.content ?? {})[0] ?? [];
          ops.push({
            method: method.toUpperCase(),
            path: p,
            params: op.parameters ?? [],
            body: content?.schema,
            bodyType,
          });
        }
      const policyYaml = fs
        .readdirSync(path.resolve(__dirname, '../../../policies/qa'))
        .filter((f) => f.endsWith('.yaml'))
        .map((f) => fs.readFileSync(path.resolve(__dirname, '../../../policies/qa', f), 'utf8'));

      const counts = new Map<string, number>();
      const count = (k: string) => counts.set(k, (counts.get(k) ?? 0) + 1);
      const fives: string[] = [];
      const accepted: string[] = [];
      const t0 = Date.now();
      const pathValue = (name: string) =>
        name === 'id'
          ? pick(ids)
          : name === 'policyId'
            ? pick(['bank-retail', 'gov-hotline', 'nope', ...NASTY_STRINGS.slice(0, 12)])
            : name === 'version'
              ? pick(['1', '2', '0', '-1', '2147483648', 'x'])
              : pick([crypto.randomUUID(), ...NASTY_STRINGS.slice(0, 16)]);

      let n = 0;
      for (; n < CASES && Date.now() - t0 < LIMIT_S * 1000; n++) {
        const kind = pick(['openapi', 'openapi', 'openapi', 'wav', 'metadata', 'range', 'yaml', 'raw']);
        let url = base;
        const init: RequestInit & { headers: Record<string, string> } = { method: 'GET', headers: auth() };
        let label = kind;
        if (kind === 'openapi') {
          const op = pick(ops);
          label = `${op.method} ${op.path}`;
          let p = op.path;
          const q = new URLSearchParams();
          for (const prm of op.params) {
            if (prm.in === 'path') p = p.replace(`{${prm.name}}`, enc(pathValue(prm.name)));
            else if (prm.in === 'query' && (prm.required || chance(0.5))) {
              const v = chance(0.5) ? sample(prm.schema, defs) : nasty();
              // a query value of up to 12,000 characters (a longer URL is refused by the HTTP parser, see below)
              q.set(prm.name, (typeof v === 'string' ? v : (JSON.stringify(v) ?? '')).slice(0, 12_000));
            }
          }
          p = p.replace(/:(\w+)/g, (_, name: string) => enc(pathValue(name)));
          url += p + (q.size ? `?${q}` : '');
          init.method = op.method;
          if (op.body) {
            const v = mutate(sample(op.body, defs));
            init.headers['content-type'] = op.bodyType ?? 'application/json';
            init.body = op.bodyType?.includes('yaml') && typeof v === 'string' ? v : JSON.stringify(v);
          }
        } else if (kind === 'wav' || kind === 'metadata') {
          const i = int(calls.length);
          const w = int(wavs.length);
          let meta: unknown = { ...metadataFor(calls[i].script, '8k'), externalId: `fuzz-${SEED}-${n}` };
          if (kind === 'metadata') meta = chance(0.2) ? JSON.stringify(meta).slice(0, int(200)) : mutate(meta);
          url += '/api/v1/calls';
          init.method = 'POST';
          init.headers = auth(chance(0.9) ? 'recorder' : undefined);
          init.body = form(kind === 'wav' ? mutateWav(wavs[w]) : wavs[w], chance(0.05) ? undefined : meta);
        } else if (kind === 'range') {
          url += `/api/v1/conversations/${callId}/audio`;
          init.headers = {
            ...auth(pick(['cora', 'quinn', 'sara', 'adam'])),
            range: chance(0.8) ? pick(RANGES) : `bytes=${int(1e6)}-${int(1e6)}`,
          };
        } else if (kind === 'yaml') {
          url += pick(['/api/v1/policies/validate', '/api/v1/policies']);
          init.method = 'POST';
          init.headers = {
            ...auth(pick(['quinn', 'adam', 'cora'])),
            'content-type': pick(['application/yaml', 'text/yaml', 'application/json']),
          };
          init.body = mutateYaml(pick(policyYaml));
        } else {
          // a body that is not what its content type says, or an encoding that is not there
          url += pick([
            '/api/v1/conversations',
            '/api/v1/calls',
            '/api/v1/policies/validate',
            `/api/v1/conversations/${callId}/unmask`,
            '/api/v1/reports',
          ]);
          init.method = 'POST';
          init.headers = {
            ...auth(),
            'content-type': pick([
              'application/json',
              'multipart/form-data; boundary=x',
              'multipart/form-data',
              'text/plain',
              'application/x-www-form-urlencoded',
              'application/json; charset=utf-16',
            ]),
            ...(chance(0.3) ? { 'content-encoding': pick(['gzip', 'deflate', 'br', 'zstd', 'x-nope']) } : {}),
          };
          init.body = crypto.randomBytes(int(4096));
        }
        let status: number;
        try {
          const res = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
          status = res.status;
          const text = await res.text();
          if ((kind === 'wav' || kind === 'metadata') && status === 202)
            accepted.push(JSON.parse(text).conversation.id);
          if (status >= 500)
            fives.push(`${label} → ${status}: ${text.slice(0, 300)} (case ${n}, url ${url.slice(0, 200)})`);
        } catch (e) {
          status = -1;
          const cause = (e as { cause?: { code?: string; message?: string } }).cause;
          if (url.length > 16_384 && cause?.code === 'ECONNRESET') {
            // Node's HTTP parser answers 431 to a request line over 16 KiB and closes the connection while the
            // client is still sending: a refusal, not a failure
            count(`${kind} 4xx`);
            continue;
          }
          const body = typeof init.body === 'string' ? init.body.slice(0, 300) : '';
          fives.push(
            `${label} → no answer: ${(e as Error).message} ${cause?.code ?? cause?.message ?? ''} (case ${n}, url ${url.length} chars ${url.slice(0, 160)}, body ${body})`,
          );
        }
        count(`${kind} ${status >= 500 || status < 0 ? 'FAIL' : `${Math.floor(status / 100)}xx`}`);
        if (n % 250 === 249) {
          expect(api.child.exitCode, 'the API crashed').toBeNull();
          expect(worker.child.exitCode, 'the worker crashed').toBeNull();
          expect((await fetch(`${base}/healthz`)).status).toBe(200);
        }
      }
      expect(api.child.exitCode, 'the API crashed').toBeNull();
      expect(worker.child.exitCode, 'the worker crashed').toBeNull();
      const secs = Math.round((Date.now() - t0) / 1000);
      const table = [...counts.entries()].sort().map(([k, v]) => `${k}: ${v}`);
      console.log(
        `fuzz: seed ${SEED}, ${n} cases in ${secs} s; ${fives.length} 5xx or unanswered\n  ${table.join('\n  ')}`,
      );
      for (const f of fives.slice(0, 30)) console.error(`5xx: ${f}`);
      // what was accepted is worked through: inspected, or failed with its reason (nothing is left hanging)
      const settled = async () =>
        (
          await pg.query(
            `SELECT status, failure_reason IS NOT NULL AS reason, count(*)::int AS n FROM conversations WHERE id = ANY($1) GROUP BY 1, 2 ORDER BY 1, 2`,
            [accepted],
          )
        ).rows as Array<{ status: string; reason: boolean; n: number }>;
      let outcomes = await settled();
      await waitFor(
        'every accepted upload to settle',
        async () => {
          outcomes = await settled();
          return outcomes.every((o) => o.status === 'inspected' || o.status === 'failed');
        },
        600_000,
        2000,
      ).catch((e) => {
        console.error(`unsettled: ${JSON.stringify(outcomes)}`);
        throw e;
      });
      expect(worker.child.exitCode, 'the worker crashed').toBeNull();
      console.log(`fuzz: accepted uploads ${accepted.length} → ${JSON.stringify(outcomes)}; crashes 0`);
      expect(fives).toEqual([]);
      expect(outcomes.filter((o) => o.status === 'failed' && !o.reason)).toEqual([]);
    },
    (LIMIT_S + 900) * 1000,
  );
});
