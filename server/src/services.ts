import { RateLimits } from './repositories/rate-limits';
import { systemStatus } from './commands/system';
import fs from 'node:fs';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import IORedis from 'ioredis';
import { dbAppRole, type Config } from './config';
import type { Logger } from './lib/logger';
import { ConversationRepository } from './repositories/conversations';
import { AgentAccounts } from './repositories/agent-accounts';
import { UnmaskApprovals } from './repositories/unmask-approvals';
import { InspectionRepository } from './repositories/inspections';
import { ObjectStore } from './repositories/object-store';
import { PipelineQueue } from './repositories/queue';
import { RetentionRepository } from './repositories/retention';
import { ReportRepository } from './repositories/reports';
import { openDatabase } from './repositories/database';
import { AuditLog } from './repositories/audit-log';
import { openKek } from './protection/kek';
import { Vault } from './repositories/vault';
import { SUITES } from './protection/cipher';
import { digestOf } from './lib/digest';
import { BlindIndexer } from './protection/blind-index';
import { loadMaskingPolicy, MaskingPolicy } from './protection/pii/mask';
import { ProtectionPool } from './protection/protect-pool';
import { loadRouting, PolicyRouting } from './inspection/routing';
import { LiveEventBus } from './repositories/live-events';
import { LiveCalls } from './live/live-calls';
import { mandarinSpecFromConfig, sherpaFromConfig } from './speech/engines';
import { readKeyphrases } from './speech/engines/pocketsphinx';

/** The process's side-effect owners, built once at boot and handed to routes, commands and processors. */
export interface Services {
  config: Config;
  audit: AuditLog;
  log: Logger;
  db: DataSource;
  redis: IORedis;
  conversations: ConversationRepository;
  inspections: InspectionRepository;
  reports: ReportRepository;
  objects: ObjectStore;
  queue: PipelineQueue;
  /** per-person allowances (unmask, identifier search) */
  limits: RateLimits;
  vault: Vault;
  retention: RetentionRepository;
  masking: MaskingPolicy;
  /** masking threads with a deadline (text ingest); they start on first use */
  protector: ProtectionPool;
  /** policies/routing.yaml: which QA pack inspects which conversation (absent: the packs' own `applies`) */
  routing?: PolicyRouting;
  /** second persons' approvals of unmasking (HOTLINE_UNMASK_APPROVAL=two-person) */
  approvals: UnmaskApprovals;
  /** which sign-in account (`sub`) is which agent */
  agents: AgentAccounts;
  /** events of calls in progress (Redis pub/sub), for the supervisors watching */
  liveEvents: LiveEventBus;
}

export async function createServices(config: Config, log: Logger): Promise<Services> {
  // policy and keys first: a broken masking file or an unreadable keyring stops the process before it takes work
  const masking = loadMaskingPolicy(config.HOTLINE_MASKING_POLICY);
  const routing =
    config.HOTLINE_QA_ROUTING !== 'none' && fs.existsSync(config.HOTLINE_QA_ROUTING)
      ? loadRouting(config.HOTLINE_QA_ROUTING)
      : undefined;
  // the keyring fixes the installation's suite: HOTLINE_CIPHER cannot change under data it already protects
  const keyring = openKek(config);
  const digest = digestOf(config.HOTLINE_CIPHER);
  const db = await openDatabase(config.DATABASE_URL, {
    migrate: config.HOTLINE_DB_MIGRATE === 'on',
    appRole: dbAppRole(config),
  });
  const redis = new IORedis(config.REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: false });
  redis.on('error', (e) => log.warn({ err: e.message }, 'redis connection error'));
  const vault = new Vault(db, keyring, SUITES[config.HOTLINE_CIPHER], new BlindIndexer(keyring.indexKey(), digest));
  return {
    config,
    audit: new AuditLog(db, digest),
    log,
    db,
    redis,
    conversations: new ConversationRepository(db),
    agents: new AgentAccounts(db),
    inspections: new InspectionRepository(db),
    reports: new ReportRepository(db),
    vault,
    retention: new RetentionRepository(db, vault),
    masking,
    protector: new ProtectionPool(masking, {
      threads: config.HOTLINE_PROTECT_THREADS,
      deadlineMs: config.HOTLINE_PROTECT_DEADLINE_MS,
      maxQueue: 64,
    }),
    ...(routing ? { routing } : {}),
    objects: new ObjectStore(config.objectDir),
    limits: new RateLimits(redis, config.HOTLINE_QUEUE_PREFIX),
    approvals: new UnmaskApprovals(redis, config.HOTLINE_QUEUE_PREFIX),
    liveEvents: new LiveEventBus(redis, config.HOTLINE_QUEUE_PREFIX),
    queue: new PipelineQueue({
      redisUrl: config.REDIS_URL,
      prefix: config.HOTLINE_QUEUE_PREFIX,
      attempts: config.HOTLINE_JOB_ATTEMPTS,
      backoffMs: config.HOTLINE_JOB_BACKOFF_MS,
    }),
  };
}

export async function closeServices(s: Services): Promise<void> {
  await s.liveEvents.close();
  await s.protector.close();
  await s.queue.close();
  s.redis.disconnect();
  await s.db.destroy();
}

/**
 * Live monitoring of calls in progress (an API process's), where it is on and the streaming model is installed;
 * otherwise undefined and the reason.
 */
export function liveCallsFor(s: Services): { live?: LiveCalls; reason?: string } {
  if (s.config.HOTLINE_LIVE === 'off') return { reason: 'HOTLINE_LIVE=off' };
  const modelDir = sherpaFromConfig(s.config).modelDir;
  if (!fs.existsSync(path.join(modelDir, 'SHA256SUMS')))
    return { reason: `no streaming speech model at ${modelDir} (HOTLINE_SHERPA_MODEL)` };
  const zh = mandarinSpecFromConfig(s.config);
  return {
    live: new LiveCalls({
      config: s.config,
      ingest: { ...s, log: s.log },
      kek: s.vault.kek,
      suite: s.vault.suite,
      events: s.liveEvents,
      audit: s.audit,
      policies: () => s.inspections.activePolicies(),
      ...(s.routing ? { routing: s.routing } : {}),
      modelDir,
      ...(zh ? { modelDirZh: zh.modelDir } : {}),
      hotwords: {
        phrases: s.config.HOTLINE_ASR_KEYPHRASES ? readKeyphrases(s.config.HOTLINE_ASR_KEYPHRASES) : [],
        score: s.config.HOTLINE_LIVE_HOTWORDS_SCORE,
      },
      log: s.log,
    }),
  };
}

/**
 * Speech workers announce themselves in one Redis hash (field = worker id, value = model and expiry), so an api-only
 * process can tell whether a model is loaded without scanning the keyspace.
 */
export const WORKER_HEARTBEAT_TTL_MS = 30_000;
export const workerHeartbeatKey = (prefix: string) => `${prefix}:speech-workers`;

export async function liveSpeechModels(redis: IORedis, prefix: string, now = Date.now()): Promise<string[]> {
  const all = await redis.hgetall(workerHeartbeatKey(prefix));
  const models = new Set<string>();
  for (const v of Object.values(all)) {
    const beat = JSON.parse(v) as { modelId: string; expiresAt: number };
    if (beat.expiresAt > now) models.add(beat.modelId);
  }
  return [...models];
}

/** The operator's status reading (`hotline status`, the admin's status route, /metrics), with the workers' models. */
export const statusOf = (
  s: Pick<Services, 'config' | 'conversations' | 'inspections' | 'queue' | 'vault' | 'objects' | 'redis'>,
) => systemStatus({ ...s, speechModels: () => liveSpeechModels(s.redis, s.config.HOTLINE_QUEUE_PREFIX) });
