import crypto from 'node:crypto';
import type { Context } from 'koa';
import { z } from 'zod';
import type { SystemStatus } from '../../commands/system';
import { HttpError } from '../../lib/errors';
import { gauges, registry } from '../../lib/metrics';
import { statusOf } from '../../services';
import { defineRoute, RouteDef } from '../route';

type StatusServices = Parameters<typeof statusOf>[0];

const statusSchema = z
  .object({
    version: z.string(),
    node: z.string(),
    at: z.string(),
    queues: z.array(
      z.object({
        stage: z.string(),
        waiting: z.number(),
        active: z.number(),
        delayed: z.number(),
        failed: z.number(),
        oldestWaitingS: z.number().nullable(),
        workers: z.number(),
      }),
    ),
    stages: z.array(z.object({ stage: z.string(), p50: z.number(), p95: z.number(), runs: z.number() })),
    speechModels: z.array(z.string()),
    conversations: z.record(z.string(), z.number()),
    coverage: z.object({
      alarm: z.enum(['ok', 'alarm']),
      pendingPastSla: z.number(),
      oldestPendingAgeS: z.number().nullable(),
      slaS: z.number(),
    }),
    policies: z.array(z.object({ id: z.string(), version: z.number() })),
    certificates: z.array(z.object({ name: z.string(), kind: z.string(), notAfter: z.string(), daysLeft: z.number() })),
    keys: z
      .object({ kekId: z.string(), cipher: z.string(), activeVersion: z.number(), pendingRewrap: z.number() })
      .loose(),
    objectStore: z.object({ recordingBytes: z.number(), volumeTotalBytes: z.number(), volumeFreeBytes: z.number() }),
  })
  .meta({ id: 'SystemStatus' });

/** Sets the cluster-wide gauges from one status reading. */
function fill(st: SystemStatus) {
  gauges.queueJobs.reset();
  gauges.queueOldestWaiting.reset();
  gauges.queueWorkers.reset();
  for (const q of st.queues) {
    for (const state of ['waiting', 'active', 'delayed', 'failed'] as const)
      gauges.queueJobs.set({ stage: q.stage, state }, q[state]);
    gauges.queueOldestWaiting.set({ stage: q.stage }, q.oldestWaitingS ?? 0);
    gauges.queueWorkers.set({ stage: q.stage }, q.workers);
  }
  gauges.conversations.reset();
  for (const [status, n] of Object.entries(st.conversations)) gauges.conversations.set({ status }, n);
  gauges.coverageAlarm.set(st.coverage.alarm === 'alarm' ? 1 : 0);
  gauges.pendingPastSla.set(st.coverage.pendingPastSla);
  gauges.stageDuration.reset();
  for (const x of st.stages) {
    gauges.stageDuration.set({ stage: x.stage, quantile: '0.5' }, x.p50 / 1000);
    gauges.stageDuration.set({ stage: x.stage, quantile: '0.95' }, x.p95 / 1000);
  }
  gauges.speechModels.reset();
  for (const m of st.speechModels) gauges.speechModels.set({ model: m }, 1);
  gauges.certificateDays.reset();
  for (const c of st.certificates) gauges.certificateDays.set({ name: c.name }, c.daysLeft);
  gauges.objectVolumeFree.set(st.objectStore.volumeFreeBytes);
}

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

/** /metrics answers a Prometheus holding the configured token, or (no token configured) loopback only. */
function mayScrape(ctx: Context, token: string | undefined) {
  if (!token) {
    if (!LOOPBACK.test(ctx.ip))
      throw new HttpError(403, 'forbidden', 'set HOTLINE_METRICS_TOKEN to scrape /metrics from another host');
    return;
  }
  const given = /^Bearer (\S+)$/i.exec(ctx.get('authorization'))?.[1] ?? '';
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(token).digest();
  if (!crypto.timingSafeEqual(a, b)) {
    ctx.set('www-authenticate', 'Bearer');
    throw new HttpError(401, 'unauthorized', 'a bearer token is required to scrape /metrics');
  }
}

/** The operator's status page (admin) and Prometheus metrics. No conversation content in either. */
export function statusRoutes(s: StatusServices): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/system/status',
      summary:
        'Versions, queue depth and oldest job per stage, connected workers, stage times, states, coverage alarm, certificate expiries, keys, object store volume',
      tags: ['system'],
      auth: { action: 'system.admin', deny: 403 },
      responses: { 200: { description: 'status', schema: statusSchema } },
      handler: async (ctx) => {
        ctx.body = await statusOf(s);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/metrics',
      summary:
        'Prometheus metrics: HTTP latency by route, stage times, queue depths, conversations by state, coverage and SLA alarm, model and certificate state, process figures',
      tags: ['system'],
      auth: 'public',
      responses: {
        200: { description: 'text/plain; version=0.0.4' },
        401: { description: 'token required (HOTLINE_METRICS_TOKEN)' },
        403: { description: 'not from loopback and no token configured' },
      },
      handler: async (ctx) => {
        mayScrape(ctx, s.config.HOTLINE_METRICS_TOKEN);
        fill(await statusOf(s));
        ctx.type = registry.contentType;
        ctx.body = await registry.metrics();
      },
    }),
  ];
}
