import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The process's Prometheus registry (prom-client). Labels are route templates, stage names and states — never
 * ids, names or anything a conversation says. The cluster-wide gauges (queues, states, coverage, models) are
 * filled at scrape time by the /metrics route from PostgreSQL and Redis.
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'hotline_' });

export const httpDuration = new Histogram({
  name: 'hotline_http_request_duration_seconds',
  help: 'HTTP API latency by route template, method and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [registry],
});

export const egressRefused = new Counter({
  name: 'hotline_egress_refused_total',
  help: 'Outgoing connections and name lookups the egress guard refused',
  labelNames: ['via'] as const,
  registers: [registry],
});

export const rateLimited = new Counter({
  name: 'hotline_rate_limited_total',
  help: 'Requests refused because a person used up an allowance (unmask, identifier search)',
  labelNames: ['action'] as const,
  registers: [registry],
});

export const gauges = {
  queueJobs: new Gauge({
    name: 'hotline_queue_jobs',
    help: 'Jobs per pipeline stage and state',
    labelNames: ['stage', 'state'] as const,
    registers: [registry],
  }),
  queueOldestWaiting: new Gauge({
    name: 'hotline_queue_oldest_waiting_seconds',
    help: 'Age of the oldest job waiting in each stage (0 when none waits)',
    labelNames: ['stage'] as const,
    registers: [registry],
  }),
  queueWorkers: new Gauge({
    name: 'hotline_queue_workers',
    help: 'Workers connected to each stage queue',
    labelNames: ['stage'] as const,
    registers: [registry],
  }),
  conversations: new Gauge({
    name: 'hotline_conversations',
    help: 'Conversations by state',
    labelNames: ['status'] as const,
    registers: [registry],
  }),
  coverageAlarm: new Gauge({
    name: 'hotline_inspection_sla_alarm',
    help: '1 when a conversation waits for inspection past the SLA',
    registers: [registry],
  }),
  pendingPastSla: new Gauge({
    name: 'hotline_inspection_pending_past_sla',
    help: 'Conversations pending inspection for longer than the SLA',
    registers: [registry],
  }),
  stageDuration: new Gauge({
    name: 'hotline_stage_duration_seconds',
    help: 'Stage run time over the last hour, by stage and quantile',
    labelNames: ['stage', 'quantile'] as const,
    registers: [registry],
  }),
  speechModels: new Gauge({
    name: 'hotline_speech_model_loaded',
    help: '1 for each speech model a live worker has loaded',
    labelNames: ['model'] as const,
    registers: [registry],
  }),
  certificateDays: new Gauge({
    name: 'hotline_certificate_days_left',
    help: 'Days until each certificate of the internal PKI expires',
    labelNames: ['name'] as const,
    registers: [registry],
  }),
  objectVolumeFree: new Gauge({
    name: 'hotline_object_volume_free_bytes',
    help: "Free bytes on the object store's volume",
    registers: [registry],
  }),
};
