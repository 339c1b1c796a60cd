import crypto from 'node:crypto';
import { auditPaths, CheckpointSigner } from '../audit/checkpoints';
import type { Checkpoint } from '../audit/chain';
import { forwardCheckpoint } from '../repositories/siem';
import type { Worker } from 'bullmq';
import { LanguageModels } from '../understanding/classifier';
import { policyPhrases, type Policy } from '../inspection/qa-policy';
import type { EngineSpec } from '../speech/engine';
import { startReinspectWorker } from '../queues/reinspect';
import { startReportWorker } from '../queues/reports';
import { importPolicyDir } from '../commands/qa-policies';
import { reconcile } from '../queues/reconciler';
import { startStageWorker } from '../queues/worker';
import { stageRegistry } from '../queues/stages';
import { PIPELINE } from '../pipeline/stages';
import { engineSpecFromConfig, mandarinSpecFromConfig } from '../speech/engines';
import { SpeechPool } from '../speech/pool';
import { Services, WORKER_HEARTBEAT_TTL_MS, workerHeartbeatKey } from '../services';
import { DropFolderWatcher } from '../ingest/drop-folder';
import { applyRetention } from '../commands/retention';
import { loadRetentionPolicy } from '../protection/retention-policy';

export interface WorkerRuntime {
  pool: SpeechPool;
  /** the language models, or why they are not loaded (the understand stage then takes no jobs: they wait) */
  nlu: { ok: true; models: Record<string, string> } | { ok: false; error: string };
  stop(): Promise<void>;
}

/** Contextual biasing: the keyphrase list and what the given QA policies listen for (the worker's engine, and the benchmark's). */
export function withPolicyHotwords(configured: EngineSpec, policies: Policy[]): EngineSpec {
  return configured.hotwords
    ? {
        ...configured,
        hotwords: { ...configured.hotwords, phrases: [...configured.hotwords.phrases, ...policyPhrases(policies)] },
      }
    : configured;
}

/** The worker role: QA policy import, speech threads, one BullMQ worker per stage, re-inspection, the reconciler, the drop-folder watcher. */
export async function startWorkerRuntime(s: Services): Promise<WorkerRuntime> {
  const c = s.config;
  // a broken retention policy file stops the worker at boot, before the speech models load
  const retentionPolicy = loadRetentionPolicy(c.HOTLINE_RETENTION_POLICY);
  // QA policy packs: new versions become drafts, a policy's first version is activated; a broken file is logged and skipped
  const imported = await importPolicyDir(s, c.HOTLINE_QA_POLICY_DIR);
  s.log.info({ policies: imported.map((r) => `${r.policy ?? r.file}: ${r.outcome}`) }, 'QA policies imported');
  // language models: verified against their manifests and loaded once; a tampered or missing model is logged and the
  // understand stage does not start (its jobs wait in the queue, nothing is lost), the other stages run
  let nlu: LanguageModels | { unavailable: string };
  let nluStatus: WorkerRuntime['nlu'];
  try {
    const models = await LanguageModels.load(c.HOTLINE_MODELS_DIR);
    nlu = models;
    nluStatus = { ok: true, models: models.ids };
    s.log.info({ models: models.ids }, 'language models loaded');
  } catch (e) {
    nlu = { unavailable: (e as Error).message };
    nluStatus = { ok: false, error: nlu.unavailable };
    s.log.error(
      { err: (e as Error).message },
      'language models not loaded: the understand stage is stopped until they are fixed',
    );
  }
  const spec = withPolicyHotwords(engineSpecFromConfig(c), await s.inspections.activePolicies());
  const pool = await SpeechPool.start(spec, c.HOTLINE_ASR_CONCURRENCY);
  s.log.info({ engine: spec.engine, modelId: pool.modelId, threads: pool.size }, 'speech model loaded');
  // Mandarin conversations: the pinyin model, where it is installed (one thread: a small model, fewer calls)
  const zhSpec = mandarinSpecFromConfig(c);
  const zh = zhSpec ? await SpeechPool.start(zhSpec, 1) : undefined;
  if (zh) s.log.info({ modelId: zh.modelId }, 'Mandarin speech model loaded');

  const workerId = `${process.pid}-${crypto.randomBytes(3).toString('hex')}`;
  const beat = () =>
    s.redis
      .hset(
        workerHeartbeatKey(c.HOTLINE_QUEUE_PREFIX),
        workerId,
        JSON.stringify({
          modelId: pool.modelId,
          engine: spec.engine,
          threads: pool.size,
          expiresAt: Date.now() + WORKER_HEARTBEAT_TTL_MS,
        }),
      )
      .catch(() => undefined);
  await beat();
  const heartbeat = setInterval(beat, 10_000);

  const stages = stageRegistry({ ...s, decoder: pool, ...(zh ? { decoders: { zh } } : {}), nlu }, pool.size);
  const settings = {
    redisUrl: c.REDIS_URL,
    prefix: c.HOTLINE_QUEUE_PREFIX,
    lockDurationMs: c.HOTLINE_JOB_LOCK_MS,
    backoffMs: c.HOTLINE_JOB_BACKOFF_MS,
    maxStalledCount: c.HOTLINE_JOB_MAX_STALLED,
  };
  const workers: Worker[] = [
    ...PIPELINE.flatMap((stage) => {
      const h = stages[stage];
      return 'unavailable' in h ? [] : [startStageWorker(h, s, settings)];
    }),
    startReinspectWorker(s, c.REDIS_URL, c.HOTLINE_QUEUE_PREFIX),
    startReportWorker(s),
  ];

  let reconciling = false;
  const runReconcile = async () => {
    if (reconciling) return;
    reconciling = true;
    try {
      await reconcile(s);
    } catch (e) {
      s.log.warn({ err: (e as Error).message }, 'reconciler pass failed');
    } finally {
      reconciling = false;
    }
  };
  await runReconcile();
  const reconcileTimer = setInterval(runReconcile, c.HOTLINE_RECONCILE_INTERVAL_MS);

  // signed checkpoints of the audit trail, on a schedule, into the file a third party keeps
  const paths = auditPaths(c.HOTLINE_VAR_DIR);
  const signer = CheckpointSigner.forConfig(c);
  // each checkpoint also goes to the bank's log collector when one is set; one that could not be sent is sent with the
  // next tick (the newest checkpoint covers everything before it)
  let unsent: Checkpoint | undefined;
  const checkpoint = () =>
    s.audit
      .checkpoint(signer, paths.checkpointFile)
      .then(async (cp) => {
        if (cp) s.log.info({ seq: cp.seq, keyId: cp.keyId }, 'audit checkpoint signed');
        unsent = cp ?? unsent;
        if (unsent && (await forwardCheckpoint(c, unsent)))
          s.log.info({ seq: unsent.seq }, 'audit checkpoint forwarded to the log collector');
        unsent = undefined;
      })
      .catch((e: Error) => s.log.warn({ err: e.message }, 'audit checkpoint failed or not forwarded'));
  const checkpointTimer = c.HOTLINE_AUDIT_CHECKPOINT_INTERVAL_MS
    ? setInterval(checkpoint, c.HOTLINE_AUDIT_CHECKPOINT_INTERVAL_MS)
    : undefined;

  // the retention policy, daily (and once at start)
  const retention = () =>
    applyRetention(s, retentionPolicy)
      .then(
        (r) =>
          (r.audio || r.transcriptOriginal || r.transcriptMasked || r.verdicts || r.orphanObjects || r.reports) &&
          s.log.info(r, 'retention applied'),
      )
      .catch((e: Error) => s.log.warn({ err: e.message }, 'retention pass failed'));
  const retentionTimer = c.HOTLINE_RETENTION_INTERVAL_MS
    ? setInterval(retention, c.HOTLINE_RETENTION_INTERVAL_MS)
    : undefined;
  if (c.HOTLINE_RETENTION_INTERVAL_MS) void retention();

  const drop = c.HOTLINE_DROP_DIR
    ? new DropFolderWatcher(s, c.HOTLINE_DROP_DIR, {
        completion: c.HOTLINE_DROP_COMPLETION,
        settleMs: c.HOTLINE_DROP_SETTLE_MS,
        sidecarWaitMs: c.HOTLINE_DROP_SIDECAR_WAIT_MS,
      })
    : undefined;
  drop?.start();

  return {
    pool,
    nlu: nluStatus,
    async stop() {
      clearInterval(heartbeat);
      clearInterval(reconcileTimer);
      clearInterval(checkpointTimer);
      clearInterval(retentionTimer);
      await drop?.stop();
      await Promise.all(workers.map((w) => w.close()));
      await s.redis.hdel(workerHeartbeatKey(c.HOTLINE_QUEUE_PREFIX), workerId).catch(() => undefined);
      await pool.close();
      await zh?.close();
      if (nlu instanceof LanguageModels) await nlu.release();
    },
  };
}
