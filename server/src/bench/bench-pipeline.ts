import { AES_256_GCM } from '../protection/cipher';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import IORedis from 'ioredis';
import { RunReport } from '../repositories/run-report';
import { startLocalIssuer } from '../dev-idp/local-issuer';
import { startAppliance } from './appliance-process';
import { clientCredentialsToken } from '../dev-idp/pkce-client';
import { loadConfig } from '../config';
import { engineSpecFromConfig } from '../speech/engines';
import { loadPolicyDir } from '../inspection/qa-policy';
import { withPolicyHotwords } from '../runtime/worker-runtime';
import { inspectWav } from '../speech/audio/wav';
import { SpeechPool } from '../speech/pool';
import { transcribeWav } from '../speech/transcribe';
import { metadataFor, renderCall } from '../synth/render';
import { CALL_SCRIPTS } from '../synth/scripts';

/**
 * `npm run bench:pipeline`: on the same audio, in one run,
 *   bare engine  — the speech pool decoding every call in process (decode + resample + segmentation), and
 *   pipeline     — `hotline all` as its own process: HTTP upload → PostgreSQL → BullMQ → worker threads → stored transcript,
 * each as audio seconds per wall second with the same number of speech threads, and their ratio (target ≥ 90%).
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);

async function main() {
  const c = loadConfig();
  const threads = Number(process.env.BENCH_THREADS ?? os.cpus().length);
  const synthDir = path.join(c.HOTLINE_VAR_DIR, 'synth');
  const calls = CALL_SCRIPTS.map((s) => ({ script: s, call: renderCall(s, synthDir) }));
  // telephone recordings as a recorder writes them, ROUNDS times (distinct metadata so each is a new conversation)
  const work = calls.flatMap(({ script, call }) =>
    Array.from({ length: ROUNDS }, (_, round) => ({
      script,
      wav: fs.readFileSync(call.wav8kUlaw),
      meta: { ...metadataFor(script, '8k'), externalId: `bench-${script.id}-${round}-${Date.now()}` },
    })),
  );
  const audioSeconds = work.reduce((a, w) => a + inspectWav(w.wav).durationMs / 1000, 0);
  console.log(
    `audio: ${work.length} calls, ${audioSeconds.toFixed(0)} s (8 kHz µ-law stereo); speech threads: ${threads}; CPUs: ${os.cpus().length}`,
  );

  // --- bare engine ---
  // the engine the worker will run: biased towards the same phrases (the shipped packs it imports into a new database)
  const spec = withPolicyHotwords(engineSpecFromConfig(c), loadPolicyDir(c.HOTLINE_QA_POLICY_DIR));
  const pool = await SpeechPool.start(spec, threads);
  let t0 = performance.now();
  await Promise.all(work.map((w) => transcribeWav(w.wav, ['agent', 'customer'], pool)));
  const bareWall = (performance.now() - t0) / 1000;
  await pool.close();
  const bare = audioSeconds / bareWall;
  console.log(`bare engine:  ${bareWall.toFixed(1)} s wall → ${bare.toFixed(2)} audio s per wall s`);

  // --- full pipeline in its own process, on a fresh database ---
  const dbName = 'hotline_bench';
  await RunReport.dropDatabase(c.DATABASE_URL, dbName);
  const redisUrl = c.REDIS_URL.replace(/\/\d*$/, '/14');
  const r = new IORedis(redisUrl);
  await r.flushdb();
  r.disconnect();
  const dbUrl = c.DATABASE_URL.replace(/\/[^/]*$/, `/${dbName}`);
  const varDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hotline-bench-'));
  const secret = crypto.randomBytes(24).toString('base64url');
  const idp = await startLocalIssuer({
    password: crypto.randomBytes(12).toString('base64url'),
    clientSecrets: { 'hotline-recorder': secret },
  });
  const token = await clientCredentialsToken(idp.issuer, 'hotline-recorder', secret);
  const env = {
    ...process.env,
    HOTLINE_OIDC_ISSUER: idp.issuer,
    DATABASE_URL: dbUrl,
    REDIS_URL: redisUrl,
    HOTLINE_QUEUE_PREFIX: 'bench',
    HOTLINE_VAR_DIR: varDir,
    HOTLINE_PORT: '0',
    HOTLINE_ASR_CONCURRENCY: String(threads),
    HOTLINE_LOG_LEVEL: 'warn',
  };
  const appliance = await startAppliance('all', env);
  const port = appliance.port;
  const report = await RunReport.open(dbUrl);
  try {
    t0 = performance.now();
    const ids = await Promise.all(
      work.map(async (w) => {
        // as a recorder does: uploads past HOTLINE_UPLOAD_CONCURRENCY are told to come back (429 + Retry-After)
        for (;;) {
          const form = new FormData();
          form.append('audio', new Blob([new Uint8Array(w.wav)]), `${w.script.id}.wav`);
          form.append('metadata', JSON.stringify(w.meta));
          const res = await fetch(`http://127.0.0.1:${port}/api/v1/calls`, {
            method: 'POST',
            body: form,
            headers: { authorization: `Bearer ${token}` },
          });
          if (res.status === 429) {
            await res.arrayBuffer();
            const wait = Math.min(2, Number(res.headers.get('retry-after') ?? 1));
            await new Promise((r) => setTimeout(r, wait * 1000 * (0.5 + Math.random())));
            continue;
          }
          const body = (await res.json()) as { conversation: { id: string } };
          if (res.status !== 202) throw new Error(`upload answered ${res.status}`);
          return body.conversation.id;
        }
      }),
    );
    const uploaded = (performance.now() - t0) / 1000;
    for (;;) {
      if ((await report.finished(ids)) === ids.length) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    const pipeWall = (performance.now() - t0) / 1000;
    const failed = await report.failed(ids);
    const lat = { queue_wait: await report.meanQueueWait(ids) };
    const pipe = audioSeconds / pipeWall;
    console.log(
      `pipeline:     ${pipeWall.toFixed(1)} s wall (all ${ids.length} uploads accepted in ${uploaded.toFixed(2)} s; ${failed} failed) → ${pipe.toFixed(2)} audio s per wall s`,
    );
    console.log(`ratio pipeline / bare engine: ${((pipe / bare) * 100).toFixed(1)}% (target ≥ 90%)`);
    console.log(`mean wait from received to started: ${JSON.stringify(lat.queue_wait)}`);
    // what protection adds per conversation: audio encryption at ingest (measured here on the same files), PII
    // detection + masking + sealing of the transcript (inside the transcribe job), and the redact stage
    const prot = await report.protectionCosts(ids);
    const key = crypto.randomBytes(32);
    const e0 = performance.now();
    for (const w of work) AES_256_GCM.seal(key, w.wav, Buffer.from('bench'));
    const sealMs = (performance.now() - e0) / work.length;
    const added = sealMs + prot.mask_ms + prot.redact_ms;
    console.log(
      `protection per conversation: ${added.toFixed(1)} ms = audio encryption ${sealMs.toFixed(1)} ms + transcript masking/sealing ${prot.mask_ms.toFixed(1)} ms + redact stage ${prot.redact_ms.toFixed(1)} ms ` +
        `(decrypt, silence PII spans, re-encrypt); ${((added / (prot.transcribe_ms + prot.redact_ms)) * 100).toFixed(1)}% of the per-conversation processing time`,
    );
  } finally {
    await report.close();
    await appliance.stop();
    fs.rmSync(varDir, { recursive: true, force: true });
    await idp.close();
  }
}

main().catch((e) => {
  console.error(`bench:pipeline: ${(e as Error).message}`);
  process.exit(1);
});
