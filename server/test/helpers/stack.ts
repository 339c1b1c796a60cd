import { ChildProcess, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { startTestIdp, TestIdp } from './auth';

export const SERVER_DIR = path.resolve(__dirname, '..', '..');
export const MAIN = path.join(SERVER_DIR, 'dist', 'main.js');

export function requireBuild() {
  if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing: run "npm run build" first (npm test does it)`);
}

export interface TestEnv {
  env: Record<string, string>;
  dbName: string;
  redisUrl: string;
  varDir: string;
  prefix: string;
}

/** A fresh database and a Redis key prefix per test file: real servers, no mocks. */
export async function makeTestEnv(
  name: string,
  redisDb: number,
  extra: Record<string, string> = {},
  idp?: { issuer: string },
): Promise<TestEnv> {
  requireBuild();
  const dbName = `hotline_test_${name}`;
  const admin = new Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
  // each file's keys and channels live under a prefix of its own: files may share a Redis db, and nothing is flushed
  // (a flush at one file's start would wipe the queues of another running beside it)
  const redisUrl = `redis://127.0.0.1:6379/${redisDb}`;
  const varDir = fs.mkdtempSync(path.join(os.tmpdir(), `hotline-${name}-`));
  const prefix = `t${crypto.randomBytes(3).toString('hex')}`;
  return {
    dbName,
    redisUrl,
    varDir,
    prefix,
    env: {
      NODE_ENV: 'test',
      DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${dbName}`,
      REDIS_URL: redisUrl,
      HOTLINE_QUEUE_PREFIX: prefix,
      HOTLINE_VAR_DIR: varDir,
      HOTLINE_PORT: '0',
      HOTLINE_LOG_LEVEL: 'info',
      HOTLINE_JOB_BACKOFF_MS: '200',
      HOTLINE_RECONCILE_INTERVAL_MS: '1000',
      HOTLINE_JOB_LOCK_MS: '4000',
      HOTLINE_PARENT_PID: String(process.pid),
      ...(idp ? { HOTLINE_OIDC_ISSUER: idp.issuer } : {}),
      ...extra,
    },
  };
}

export interface Proc {
  child: ChildProcess;
  port?: number;
  base: string;
  logs: string[];
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `hotline <role>` as its own OS process and waits until it says it started. */
export async function startProcess(
  role: 'api' | 'worker' | 'all',
  t: TestEnv,
  extra: Record<string, string> = {},
): Promise<Proc> {
  const child = spawn(process.execPath, [MAIN, role], {
    env: { ...process.env, ...t.env, ...extra },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  let port: number | undefined;
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${role} did not start in 60 s:\n${logs.join('\n')}`)), 60_000);
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        logs.push(line);
        const m = /"port":(\d+).*"msg":"api listening"/.exec(line);
        if (m) port = Number(m[1]);
        if (line.includes('"msg":"hotline started"')) {
          clearTimeout(timer);
          resolve();
        }
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => logs.push(d.toString()));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${role} exited with ${code} before starting:\n${logs.join('\n')}`));
    });
  });
  return {
    child,
    port,
    base: `http://127.0.0.1:${port}`,
    logs,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

export async function db(t: TestEnv): Promise<Client> {
  const c = new Client({ connectionString: t.env.DATABASE_URL });
  await c.connect();
  return c;
}

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 90_000,
  everyMs = 250,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * Where a test did not set an Authorization header itself, this supplies one: by default the recorder's token for
 * ingest and a compliance officer's token for reads (set per test file with `useAuth`).
 */
let defaultAuth: ((method: string, url: string) => Promise<string | undefined>) | undefined;
export function useAuth(fn: typeof defaultAuth) {
  defaultAuth = fn;
}
async function withAuth(url: string, init: RequestInit = {}): Promise<RequestInit> {
  const headers = new Headers(init.headers);
  if (!headers.has('authorization') && defaultAuth) {
    const token = await defaultAuth(init.method ?? 'GET', url);
    if (token) headers.set('authorization', `Bearer ${token}`);
  }
  return { ...init, headers };
}
export async function authedFetch(url: string, init: RequestInit = {}) {
  return fetch(url, await withAuth(url, init));
}

export async function uploadCall(base: string, audio: Buffer, metadata: unknown, filename = 'call.wav') {
  const form = new FormData();
  form.append('audio', new Blob([new Uint8Array(audio)], { type: 'audio/wav' }), filename);
  if (metadata !== undefined)
    form.append('metadata', typeof metadata === 'string' ? metadata : JSON.stringify(metadata));
  const res = await authedFetch(`${base}/api/v1/calls`, { method: 'POST', body: form });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are asserted field by field
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

export async function getJson(url: string, init?: RequestInit) {
  const res = await authedFetch(url, init);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are asserted field by field
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, any> };
}

/**
 * One request as a demo user (a code + PKCE token) or as the call recorder (client credentials); a JSON answer comes
 * back parsed, anything else as text.
 */
export async function requestAs(
  base: string,
  idp: Pick<TestIdp, 'tokenFor' | 'recorderToken'>,
  user: string,
  method: string,
  p: string,
  body?: unknown,
) {
  const res = await fetch(`${base}${p}`, {
    method,
    headers: {
      authorization: `Bearer ${user === 'recorder' ? await idp.recorderToken() : await idp.tokenFor(user)}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- bodies are asserted field by field
  return { status: res.status, headers: res.headers, body: (text.startsWith('{') ? JSON.parse(text) : text) as any };
}

export interface Stack {
  idp: TestIdp;
  t: TestEnv;
  proc: Proc;
  pg: Client;
  close(): Promise<void>;
}

/**
 * What most integration files start with: the local OpenID provider, a fresh environment, one appliance process and a
 * database client; `auth` sets the default Authorization of the file's requests. If a step fails, what was opened
 * before it is closed again.
 */
export async function openStack(
  name: string,
  redisDb: number,
  o: {
    role?: 'api' | 'all';
    env?: Record<string, string>;
    procEnv?: Record<string, string>;
    auth?: (idp: TestIdp) => typeof defaultAuth;
  } = {},
): Promise<Stack> {
  const idp = await startTestIdp();
  let proc: Proc | undefined;
  try {
    useAuth(o.auth?.(idp));
    const t = await makeTestEnv(name, redisDb, o.env ?? {}, idp);
    proc = await startProcess(o.role ?? 'api', t, o.procEnv);
    const pg = await db(t);
    const p = proc;
    return {
      idp,
      t,
      proc: p,
      pg,
      async close() {
        await pg.end();
        await p.stop();
        await idp.close();
      },
    };
  } catch (e) {
    await proc?.stop();
    await idp.close();
    throw e;
  }
}
