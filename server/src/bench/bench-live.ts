import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { loadConfig } from '../config';
import { startLocalIssuer } from '../dev-idp/local-issuer';
import { clientCredentialsToken, signInWithPkce } from '../dev-idp/pkce-client';
import { ulawChannelBytes } from '../speech/audio/wav';
import { metadataFor, renderCall } from '../synth/render';
import { CALL_SCRIPTS } from '../synth/scripts';
import { readEventStream } from '../lib/event-stream';
import { recreateBenchDatabase } from '../repositories/bench-seed';
import { startAppliance } from './appliance-process';

/**
 * `npm run bench:live`: how many live 8 kHz stereo calls one core sustains. The API runs pinned to one core
 * (`taskset`; its main thread and one streaming-recognition thread share it); this process, pinned to the other,
 * is BENCH_LIVE_LEVELS (default 10,20,25,30) recorders at a time, each streaming the synthetic calls back to back in
 * real time (G.711 µ-law, 100 ms frames per channel, over the WebSocket), and one supervisor watching the Server-Sent
 * Events. Partial-transcript latency = when the partial arrived − when the audio of its newest word had been sent;
 * p50/p95 per level over BENCH_LIVE_SECONDS (default 45) after a 5 s warm-up, with the API's CPU use. Target: p95 ≤
 * 1 s at ≥ 20 calls per core.
 */
const LEVELS = (process.env.BENCH_LIVE_LEVELS ?? '10,20,25,30').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_LIVE_SECONDS ?? 45);
const WARMUP_MS = 5000;

const pct = (xs: number[], p: number) =>
  xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] : NaN;

/** CPU seconds a process has used (user + system, all its threads), from /proc (clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

interface Sent {
  /** session → wall time its call's audio started being sent */
  start: Map<string, number>;
}

async function main() {
  const c = loadConfig();
  const cores = os.cpus().length;
  const pin = cores > 1 && fs.existsSync('/usr/bin/taskset');
  if (pin) execFileSync('taskset', ['-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });
  const calls = CALL_SCRIPTS.map((s) => ({
    script: s,
    channels: ulawChannelBytes(fs.readFileSync(renderCall(s, path.join(c.HOTLINE_VAR_DIR, 'synth')).wav8kUlaw)),
  }));
  const password = crypto.randomBytes(12).toString('base64url');
  const secret = crypto.randomBytes(24).toString('base64url');
  const idp = await startLocalIssuer({ password, clientSecrets: { 'hotline-recorder': secret } });
  const dbUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/hotline_bench_live';
  await recreateBenchDatabase(dbUrl);
  const varDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-live-'));
  const api = await startAppliance(
    'api',
    {
      ...process.env,
      HOTLINE_OIDC_ISSUER: idp.issuer,
      DATABASE_URL: dbUrl,
      HOTLINE_VAR_DIR: varDir,
      HOTLINE_QUEUE_PREFIX: 'benchlive',
      HOTLINE_LIVE_THREADS: '1',
      HOTLINE_LIVE_MAX_CALLS: '1000',
      HOTLINE_LOG_LEVEL: 'warn',
    },
    pin ? ['taskset', '-c', '1'] : [],
  );
  const base = `127.0.0.1:${api.port}`;
  try {
    const recorder = await clientCredentialsToken(idp.issuer, 'hotline-recorder', secret);
    const watcher = (await signInWithPkce(idp.issuer, 'quinn', password)).access_token;
    const sent: Sent = { start: new Map() };
    const latencies: Array<{ at: number; ms: number }> = [];
    const abort = new AbortController();
    const res = await fetch(`http://${base}/api/v1/live/events`, {
      headers: { authorization: `Bearer ${watcher}` },
      signal: abort.signal,
    });
    void readEventStream(res.body!, (type, data) => {
      if (type !== 'partial') return;
      const e = JSON.parse(data) as { sessionId: string; heardToMs: number };
      const t0 = sent.start.get(e.sessionId);
      if (t0 !== undefined) latencies.push({ at: Date.now(), ms: Date.now() - (t0 + e.heardToMs) });
    });

    let callSeq = 0;
    /** one recorder: calls back to back until `until` */
    const recorderLoop = async (n: number, until: number) => {
      let k = n;
      while (Date.now() < until) {
        const call = calls[k++ % calls.length];
        const ws = new WebSocket(`ws://${base}/api/v1/live/calls`, {
          headers: { authorization: `Bearer ${recorder}` },
        });
        await new Promise((r, j) => {
          ws.once('open', r);
          ws.once('error', j);
        });
        const replies: Array<Record<string, unknown>> = [];
        ws.on('message', (d: Buffer) => replies.push(JSON.parse(d.toString())));
        ws.send(
          JSON.stringify({
            type: 'start',
            callId: `bench-${process.pid}-${callSeq++}`,
            encoding: 'mulaw',
            sampleRate: 8000,
            channels: 2,
            metadata: { ...metadataFor(call.script, '8k'), channelMap: ['agent', 'customer'] },
          }),
        );
        while (!replies.some((r) => r.type === 'started')) await new Promise((r) => setTimeout(r, 20));
        const sessionId = replies.find((r) => r.type === 'started')!.sessionId as string;
        const t0 = Date.now();
        sent.start.set(sessionId, t0);
        const len = call.channels[0].length;
        for (let at = 0, frame = 0; at < len && Date.now() < until; at += 800, frame++) {
          // a frame is sent when its 100 ms of audio exist
          const due = t0 + (frame + 1) * 100;
          const wait = due - Date.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          for (let ch = 0; ch < 2; ch++)
            ws.send(Buffer.concat([Buffer.from([ch]), call.channels[ch].subarray(at, Math.min(at + 800, len))]));
        }
        // the call ends as a recorder ends it: the server hands the recording to ingest (no worker runs here)
        ws.send(JSON.stringify({ type: 'end' }));
        const end = Date.now() + 30_000;
        while (!replies.some((r) => r.type === 'ended' || r.type === 'error') && Date.now() < end)
          await new Promise((r) => setTimeout(r, 50));
        ws.terminate();
      }
    };

    console.log(
      `bench:live — ${pin ? 'API pinned to core 1, recorders to core 0' : `not pinned (${cores} core(s))`}; ${SECONDS} s per level`,
    );
    for (const level of LEVELS) {
      latencies.length = 0;
      const t0 = Date.now();
      const cpu0 = cpuSeconds(api.child.pid!);
      const until = t0 + WARMUP_MS + SECONDS * 1000;
      // recorders start spread over the first 2 s, as calls do not all begin at once
      await Promise.all(
        Array.from({ length: level }, async (_, i) => {
          await new Promise((r) => setTimeout(r, (i * 2000) / level));
          await recorderLoop(i, until);
        }),
      );
      const cpu = (cpuSeconds(api.child.pid!) - cpu0) / ((Date.now() - t0) / 1000);
      const measured = latencies.filter((l) => l.at >= t0 + WARMUP_MS).map((l) => l.ms);
      const p95 = pct(measured, 95);
      console.log(
        `${String(level).padStart(3)} calls (stereo): partials ${measured.length}, latency p50 ${pct(measured, 50)} ms, p95 ${p95} ms, max ${Math.max(...measured)} ms; API CPU ${(cpu * 100).toFixed(0)} % of a core — ${p95 <= 1000 ? 'sustained' : 'NOT sustained'} (p95 ≤ 1 s)`,
      );
      await new Promise((r) => setTimeout(r, 2000));
    }
    abort.abort();
  } finally {
    await api.stop();
    await idp.close();
    fs.rmSync(varDir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
