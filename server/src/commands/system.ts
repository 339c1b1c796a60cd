import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config';
import { appVersion } from '../lib/app-version';
import { Pki } from '../protection/pki';
import type { ConversationRepository } from '../repositories/conversations';
import type { InspectionRepository } from '../repositories/inspections';
import type { ObjectStore } from '../repositories/object-store';
import type { PipelineQueue } from '../repositories/queue';
import type { Vault } from '../repositories/vault';
import { coverageReport } from './coverage';
import { keyStatus, KeyStatus } from './keys';

export interface SystemStatus {
  version: string;
  node: string;
  at: string;
  queues: Awaited<ReturnType<PipelineQueue['depths']>>;
  /** stage run times over the last hour (ms) */
  stages: Array<{ stage: string; p50: number; p95: number; runs: number }>;
  speechModels: string[];
  conversations: Record<string, number>;
  coverage: { alarm: 'ok' | 'alarm'; pendingPastSla: number; oldestPendingAgeS: number | null; slaS: number };
  policies: Array<{ id: string; version: number }>;
  certificates: Array<{ name: string; kind: string; notAfter: string; daysLeft: number }>;
  keys: KeyStatus;
  objectStore: { recordingBytes: number; volumeTotalBytes: number; volumeFreeBytes: number };
}

export interface SystemDeps {
  config: Pick<Config, 'HOTLINE_VAR_DIR' | 'HOTLINE_INSPECTION_SLA_S'>;
  conversations: Pick<ConversationRepository, 'stateCounts' | 'stageDurations'>;
  inspections: Pick<InspectionRepository, 'coverage' | 'pendingAlarm' | 'activePolicies'>;
  queue: Pick<PipelineQueue, 'depths'>;
  vault: Vault;
  objects: Pick<ObjectStore, 'volume'>;
  /** the speech models live workers have loaded (their heartbeats) */
  speechModels: () => Promise<string[]>;
}

/**
 * What an operator checks first (`hotline status`, the console's system page, /metrics): versions, the queues per
 * stage with their oldest waiting job and connected workers, conversations per state, the coverage alarm, the
 * active policies, certificate expiries, key status and the object store's volume. No conversation content.
 */
export async function systemStatus(d: SystemDeps, now = new Date()): Promise<SystemStatus> {
  const [queues, stages, speechModels, counts, coverage, policies, keys] = await Promise.all([
    d.queue.depths(now.getTime()),
    d.conversations.stageDurations(new Date(now.getTime() - 3600_000)),
    d.speechModels(),
    d.conversations.stateCounts(),
    coverageReport(d, {}, d.config.HOTLINE_INSPECTION_SLA_S, now),
    d.inspections.activePolicies(),
    keyStatus(d),
  ]);
  const pkiDir = path.join(d.config.HOTLINE_VAR_DIR, 'pki');
  const certificates = fs.existsSync(pkiDir)
    ? new Pki(pkiDir, 'system:status')
        .list(now)
        .map((c) => ({ name: c.name, kind: c.kind, notAfter: c.notAfter.toISOString(), daysLeft: c.daysLeft }))
    : [];
  const vol = d.objects.volume();
  return {
    version: appVersion(),
    node: process.version,
    at: now.toISOString(),
    queues,
    stages,
    speechModels,
    conversations: counts.byStatus,
    coverage: {
      alarm: coverage.alarm.state,
      pendingPastSla: coverage.alarm.pendingPastSla,
      oldestPendingAgeS: coverage.alarm.oldestPendingAgeS,
      slaS: coverage.slaS,
    },
    policies: policies.map((p) => ({ id: p.doc.id, version: p.doc.version })),
    certificates,
    keys,
    objectStore: {
      recordingBytes: counts.recordingBytes,
      volumeTotalBytes: vol.totalBytes,
      volumeFreeBytes: vol.freeBytes,
    },
  };
}
