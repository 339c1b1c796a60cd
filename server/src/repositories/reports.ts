import crypto from 'node:crypto';
import type { PoolClient } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { DataSource } from 'typeorm';
import type { ObjectStore } from './object-store';
import type { Vault } from './vault';
import type { CoverageGroup } from '../reporting/compliance';
import { KPI_MEASURES, KpiMeasure, RULE_MEASURES, RuleMeasure } from '../reporting/kpis';

/** What a KPI query or a report may be grouped by. */
export const KPI_GROUPS = [
  'day',
  'week',
  'month',
  'team',
  'agent',
  'queue',
  'channel',
  'policy',
  'intent',
  'rule',
] as const;
export type KpiGroup = (typeof KPI_GROUPS)[number];

const GROUP_SQL: Record<KpiGroup, string> = {
  day: `to_char(k.day, 'YYYY-MM-DD')`,
  week: `to_char(date_trunc('week', k.day), 'YYYY-MM-DD')`,
  month: `to_char(k.day, 'YYYY-MM')`,
  team: 'k.team_id',
  agent: 'k.agent_id',
  queue: 'k.queue',
  channel: 'k.channel',
  policy: 'k.policy_id',
  intent: 'k.intent',
  rule: 'k.rule_id',
};

/**
 * Which rows a report or KPI query covers: UTC days [from, to] (inclusive), optional filters (each a list of values,
 * any of which matches), and the caller's scope (all, or a union of teams and agents).
 */
export interface ReportFilter {
  from: string;
  to: string;
  teams?: string[];
  agents?: string[];
  queues?: string[];
  channels?: string[];
  policies?: string[];
  intents?: string[];
  scope: 'all' | { teams: string[]; agents: string[] };
}

/** A WHERE clause over an alias with columns team_id, agent_id, queue, channel (+ policy_id, intent where present). */
function where(
  f: ReportFilter,
  alias: string,
  cols: { day?: string; startedAt?: string; policy?: string; intent?: string },
  params: unknown[],
): string {
  const p = (v: unknown) => (params.push(v), `$${params.length}`);
  const parts = cols.day
    ? [`${cols.day} >= ${p(f.from)}::date`, `${cols.day} < (${p(f.to)}::date + 1)`]
    : // a range on the timestamp itself, so the (started_at, id) index serves it
      [
        `${cols.startedAt} >= (${p(f.from)}::date::timestamp AT TIME ZONE 'UTC')`,
        `${cols.startedAt} < ((${p(f.to)}::date + 1)::timestamp AT TIME ZONE 'UTC')`,
      ];
  const anyOf = (col: string, vs?: string[]) => {
    if (vs?.length) parts.push(`coalesce(${col}, '') = ANY(${p(vs)})`);
  };
  anyOf(`${alias}.team_id`, f.teams);
  anyOf(`${alias}.agent_id`, f.agents);
  anyOf(`${alias}.queue`, f.queues);
  anyOf(`${alias}.channel`, f.channels);
  if (cols.policy) anyOf(cols.policy, f.policies);
  if (cols.intent) anyOf(cols.intent, f.intents);
  if (f.scope !== 'all') {
    const s: string[] = [];
    if (f.scope.teams.length) s.push(`${alias}.team_id = ANY(${p(f.scope.teams)})`);
    if (f.scope.agents.length) s.push(`${alias}.agent_id = ANY(${p(f.scope.agents)})`);
    parts.push(s.length ? `(${s.join(' OR ')})` : 'FALSE');
  }
  return parts.join(' AND ');
}

export interface KpiRow {
  group: Partial<Record<KpiGroup, string>>;
  sums: Record<KpiMeasure, number>;
}
export interface RuleRow {
  group: Partial<Record<KpiGroup, string>>;
  sums: Record<RuleMeasure, number>;
}

export interface CoverageClassCounts {
  received: number;
  inspected: number;
  notApplicable: number;
  failed: number;
  pending: number;
}

const ACCOUNTED = `CASE WHEN c.status = 'failed' THEN 'failed'
                        WHEN c.status <> 'inspected' THEN 'pending'
                        WHEN v.outcome = 'not_applicable' THEN 'not_applicable'
                        ELSE 'inspected' END`;

export interface StoredReport {
  id: string;
  kind: string;
  periodFrom: string;
  periodTo: string;
  scope: { kind: string; values: string[] };
  languages: string[];
  status: 'pending' | 'ready' | 'failed';
  error: string | null;
  sha256: string | null;
  sizeBytes: number | null;
  summary: Record<string, unknown> | null;
  scheduleId: string | null;
  requestedBy: string;
  /** whose figures: 'all' or the teams/agents of the person who asked */
  callerScope: string;
  createdAt: Date;
  readyAt: Date | null;
}

const reportRow = (r: Record<string, unknown>): StoredReport => ({
  id: r.id as string,
  kind: r.kind as string,
  periodFrom: r.period_from as string,
  periodTo: r.period_to as string,
  scope: (r.scope as { spec: StoredReport['scope'] }).spec,
  callerScope: (r.scope as { caller: string }).caller,
  languages: r.languages as string[],
  status: r.status as StoredReport['status'],
  error: r.error as string | null,
  sha256: r.sha256 as string | null,
  sizeBytes: r.size_bytes === null ? null : Number(r.size_bytes),
  summary: r.summary as Record<string, unknown> | null,
  scheduleId: r.schedule_id as string | null,
  requestedBy: r.requested_by as string,
  createdAt: new Date(r.created_at as string),
  readyAt: r.ready_at ? new Date(r.ready_at as string) : null,
});
const REPORT_COLUMNS = `id, kind, to_char(period_from, 'YYYY-MM-DD') AS period_from, to_char(period_to, 'YYYY-MM-DD') AS period_to,
  scope, languages, status, error, sha256, size_bytes, summary, schedule_id, requested_by, created_at, ready_at`;
const packContext = (id: string) => ({ table: 'reports', column: 'pack', rowId: id });

interface RawGroup {
  day: string;
  cls: CoverageGroup['cls'];
  code: string;
  policy_id: string | null;
  policy_version: number | null;
  policy_hash: string | null;
  models: string | null;
  n: number;
  first_created: Date | string;
  detail: string;
}
const toGroup = (r: RawGroup): CoverageGroup => ({
  day: r.day,
  cls: r.cls,
  code: r.code,
  policyId: r.policy_id,
  policyVersion: r.policy_version,
  policyHash: r.policy_hash,
  models: r.models,
  count: Number(r.n),
  firstCreated: new Date(r.first_created).toISOString(),
  detail: r.detail,
});
/** the grouping columns over conversations `c` and their current verdict `v` */
const DAY_SQL = `to_char(c.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')`;
const CODE_SQL = `CASE WHEN c.status = 'failed' THEN coalesce(c.failed_stage, '') ELSE coalesce(v.reason_code, '') END`;
const GROUP_COLUMNS = `${DAY_SQL} AS day, ${ACCOUNTED} AS cls, ${CODE_SQL} AS code,
  v.policy_id, v.policy_version, v.policy_hash, v.models::text AS models`;
const GROUP_DETAIL = `left(coalesce(min(CASE WHEN c.status = 'failed' THEN c.failure_reason ELSE v.reason END), ''), 300)`;

/** Reads for KPIs and compliance reports: rollups first, conversations only where a report must account for each. */
export class ReportRepository {
  constructor(private readonly db: DataSource) {}

  // ---- schedules

  async saveSchedule(x: {
    id: string;
    cadence: string;
    scope: { spec: { kind: string; values: string[] }; caller: unknown };
    languages: string[];
    createdBy: string;
  }): Promise<void> {
    await this.db.query(
      `INSERT INTO report_schedules (id, cadence, scope, languages, created_by) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (id) DO UPDATE SET cadence = EXCLUDED.cadence, scope = EXCLUDED.scope, languages = EXCLUDED.languages,
                                      created_by = EXCLUDED.created_by, created_at = now()`,
      [x.id, x.cadence, JSON.stringify(x.scope), JSON.stringify(x.languages), x.createdBy],
    );
  }

  async schedules(createdBy?: string): Promise<
    Array<{
      id: string;
      cadence: string;
      scope: { spec: { kind: string; values: string[] }; caller: unknown };
      languages: string[];
      createdBy: string;
      createdAt: Date;
    }>
  > {
    const rows = (await this.db.query(
      `SELECT id, cadence, scope, languages, created_by, created_at FROM report_schedules ${createdBy ? 'WHERE created_by = $1' : ''} ORDER BY id`,
      createdBy ? [createdBy] : [],
    )) as Array<{
      id: string;
      cadence: string;
      scope: { spec: { kind: string; values: string[] }; caller: unknown };
      languages: string[];
      created_by: string;
      created_at: Date;
    }>;
    return rows.map((r) => ({
      id: r.id,
      cadence: r.cadence,
      scope: r.scope,
      languages: r.languages,
      createdBy: r.created_by,
      createdAt: new Date(r.created_at),
    }));
  }

  async deleteSchedule(id: string): Promise<boolean> {
    const r = (await this.db.query(`DELETE FROM report_schedules WHERE id = $1 RETURNING id`, [id])) as unknown[];
    return (Array.isArray(r[0]) ? (r[0] as unknown[]) : r).length > 0;
  }

  // ---- generated reports: the pack is stored encrypted under a data key of its own (purpose `report`)

  /** Stores a generated pack, sealed, and its row; the object is content-addressed by the sealed bytes. */
  async saveReport(
    vault: Vault,
    objects: ObjectStore,
    r: {
      kind: string;
      periodFrom: string;
      periodTo: string;
      scope: StoredReport['scope'];
      callerScope: string;
      languages: string[];
      requestedBy: string;
      scheduleId?: string;
      zip: Buffer;
      sha256: string;
      summary: Record<string, unknown>;
    },
  ): Promise<StoredReport> {
    const id = crypto.randomUUID();
    let objectId: string | undefined;
    try {
      await this.db.transaction(async (m) => {
        const key = await vault.createKey(m, 'report');
        objectId = (await objects.put(vault.seal(key, packContext(id), r.zip))).sha256;
        await m.query(
          `INSERT INTO reports (id, kind, period_from, period_to, scope, languages, status, object_id, key_id, sha256, size_bytes, summary, schedule_id, requested_by, ready_at)
           VALUES ($1, $2, $3, $4, $5, $6, 'ready', $7, $8, $9, $10, $11, $12, $13, now())`,
          [
            id,
            r.kind,
            r.periodFrom,
            r.periodTo,
            JSON.stringify({ spec: r.scope, caller: r.callerScope }),
            JSON.stringify(r.languages),
            objectId,
            key.id,
            r.sha256,
            r.zip.length,
            JSON.stringify(r.summary),
            r.scheduleId ?? null,
            r.requestedBy,
          ],
        );
      });
    } catch (e) {
      if (objectId) await objects.delete(objectId); // nothing half-stored
      throw e;
    }
    return (await this.getReport(id))!;
  }

  async getReport(id: string): Promise<StoredReport | null> {
    const [r] = (await this.db.query(`SELECT ${REPORT_COLUMNS} FROM reports WHERE id = $1`, [id])) as Array<
      Record<string, unknown>
    >;
    return r ? reportRow(r) : null;
  }

  /** Newest first; `requestedBy` limits the list to one person's reports. */
  async listReports(limit: number, requestedBy?: string): Promise<StoredReport[]> {
    const rows = (await this.db.query(
      `SELECT ${REPORT_COLUMNS} FROM reports ${requestedBy ? 'WHERE requested_by = $2' : ''} ORDER BY created_at DESC LIMIT $1`,
      requestedBy ? [limit, requestedBy] : [limit],
    )) as Array<Record<string, unknown>>;
    return rows.map(reportRow);
  }

  /** The pack's bytes, decrypted (and checked against the hash recorded when it was made). */
  async readPack(vault: Vault, objects: ObjectStore, id: string): Promise<Buffer | null> {
    const [r] = (await this.db.query(
      `SELECT object_id, key_id, sha256 FROM reports WHERE id = $1 AND status = 'ready'`,
      [id],
    )) as Array<{ object_id: string; key_id: string; sha256: string }>;
    if (!r) return null;
    const zip = vault.unseal(await vault.open(r.key_id), packContext(id), await objects.get(r.object_id));
    if (crypto.createHash('sha256').update(zip).digest('hex') !== r.sha256)
      throw new Error(`report ${id}: the stored pack does not match its recorded hash`);
    return zip;
  }

  /** Deletes reports generated before `before` (their retention class): the row, the stored pack and its data key. */
  async purgeReports(objects: ObjectStore, before: Date): Promise<number> {
    const rows = (await this.db.query(`SELECT id, object_id, key_id FROM reports WHERE created_at < $1`, [
      before,
    ])) as Array<{
      id: string;
      object_id: string | null;
      key_id: string | null;
    }>;
    for (const r of rows) {
      await this.db.transaction(async (m) => {
        await m.query(`DELETE FROM reports WHERE id = $1`, [r.id]);
        if (r.key_id)
          await m.query(`UPDATE data_keys SET wrapped = NULL, destroyed_at = now() WHERE id = $1`, [r.key_id]);
      });
      if (r.object_id) await objects.delete(r.object_id);
    }
    return rows.length;
  }

  /** Summed measures of one rollup, grouped as asked; groups whose count measure sums to 0 are left out. */
  private async sumRollup<M extends string>(
    table: 'kpi_daily' | 'kpi_rule_daily',
    measures: readonly M[],
    f: ReportFilter,
    groupBy: KpiGroup[],
  ): Promise<Array<{ group: Partial<Record<KpiGroup, string>>; sums: Record<M, number> }>> {
    const params: unknown[] = [];
    const cols =
      table === 'kpi_daily'
        ? { day: 'k.day', policy: 'k.policy_id', intent: 'k.intent' }
        : { day: 'k.day', policy: 'k.policy_id' };
    const w = where(f, 'k', cols, params);
    const g = groupBy.map((x) => `${GROUP_SQL[x]} AS "${x}"`);
    const ordinals = groupBy.map((_, i) => i + 1).join(', ');
    const rows = (await this.db.query(
      `SELECT ${[...g, ...measures.map((m) => `sum(k.${m})::float8 AS ${m}`)].join(', ')}
         FROM ${table} k WHERE ${w}
        ${groupBy.length ? `GROUP BY ${ordinals} ORDER BY ${ordinals}` : ''}`,
      params,
    )) as Array<Record<string, string | number | null>>;
    const count = measures[0];
    return rows
      .filter((r) => r[count] !== null && Number(r[count]) !== 0)
      .map((r) => ({
        group: Object.fromEntries(groupBy.map((x) => [x, String(r[x])])),
        sums: Object.fromEntries(measures.map((m) => [m, Number(r[m] ?? 0)])) as Record<M, number>,
      }));
  }

  /** Summed conversation KPI measures (kpi_daily), grouped as asked. */
  kpis(f: ReportFilter, groupBy: KpiGroup[]): Promise<KpiRow[]> {
    return this.sumRollup('kpi_daily', KPI_MEASURES, f, groupBy);
  }

  /** Summed per-rule measures (kpi_rule_daily), grouped as asked. */
  ruleKpis(f: ReportFilter, groupBy: KpiGroup[]): Promise<RuleRow[]> {
    return this.sumRollup('kpi_rule_daily', RULE_MEASURES, f, groupBy);
  }

  private convWhere(f: ReportFilter, params: unknown[]) {
    return where(f, 'c', { startedAt: 'c.started_at', policy: 'v.policy_id', intent: 'c.intent' }, params);
  }

  /**
   * The period's conversations in a few hundred groups (day × class × code × policy version × models): what
   * coverage, its reasons and the versions in force are summed from (`coverageFromGroups`). One hash aggregate.
   */
  async coverageGroups(f: ReportFilter): Promise<CoverageGroup[]> {
    const params: unknown[] = [];
    const w = this.convWhere(f, params);
    const rows = (await this.db.query(
      `SELECT ${GROUP_COLUMNS}, count(*)::int AS n, min(c.created_at) AS first_created, ${GROUP_DETAIL} AS detail
         FROM conversations c LEFT JOIN verdicts v ON v.conversation_id = c.id AND v.current
        WHERE ${w}
        GROUP BY 1, 2, 3, 4, 5, 6, 7`,
      params,
    )) as RawGroup[];
    return rows.map(toGroup);
  }

  /**
   * The ledger: every conversation of the period with what it is accounted as, written as CSV by PostgreSQL's COPY
   * (a month can be a million lines; COPY streams them in a couple of seconds and quotes as RFC 4180 asks). COPY
   * takes no bind parameters, so the filter's values are inlined as escaped literals.
   */
  async ledgerCsv(f: ReportFilter, now = new Date()): Promise<Buffer> {
    const params: unknown[] = [];
    const w = this.convWhere(f, params);
    params.push(now);
    const sql = `SELECT c.id, to_char(c.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), c.channel, c.team_id,
                        c.agent_id, c.queue, ${ACCOUNTED}, v.policy_id || '@v' || v.policy_version, v.final_score::text,
                        v.final_passed::text, ${CODE_SQL},
                        CASE WHEN c.status = 'failed' THEN left(c.failure_reason, 300) END,
                        CASE WHEN c.status NOT IN ('inspected', 'failed')
                             THEN greatest(0, extract(epoch FROM $${params.length}::timestamptz - c.created_at)::int) END
                   FROM conversations c LEFT JOIN verdicts v ON v.conversation_id = c.id AND v.current
                  WHERE ${w}
                  ORDER BY c.started_at, c.id`;
    const runner = this.db.createQueryRunner();
    try {
      const client = (await runner.connect()) as PoolClient;
      const lit = (v: unknown): string => {
        if (v instanceof Date) return `${client.escapeLiteral(v.toISOString())}::timestamptz`;
        if (Array.isArray(v)) return `ARRAY[${v.map((x) => client.escapeLiteral(String(x))).join(', ')}]::text[]`;
        return client.escapeLiteral(String(v));
      };
      const inlined = sql.replace(/\$(\d+)(?!\d)/g, (_, n: string) => lit(params[Number(n) - 1]));
      const chunks: Buffer[] = [];
      const stream = client.query(copyTo(`COPY (${inlined}) TO STDOUT WITH (FORMAT csv)`));
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    } finally {
      await runner.release();
    }
  }

  /** Failed fatal rules of the period's current verdicts (after reviews: an overturned one is listed as such). */
  async fatalFindings(
    f: ReportFilter,
    limit: number,
  ): Promise<
    Array<{
      conversationId: string;
      startedAt: Date;
      teamId: string | null;
      agentId: string | null;
      ruleId: string;
      title: string;
      evidence: Array<{ startMs: number; endMs: number }>;
      reviewState: string | null;
    }>
  > {
    const params: unknown[] = [];
    const w = this.convWhere(f, params);
    params.push(limit);
    const rows = (await this.db.query(
      `SELECT f.conversation_id, c.started_at, c.team_id, c.agent_id, f.rule_id, f.title, f.evidence, f.review_state
         FROM findings f JOIN verdicts v ON v.id = f.verdict_id AND v.current JOIN conversations c ON c.id = f.conversation_id
        WHERE f.fatal AND f.result = 'fail' AND ${w}
        ORDER BY c.started_at, c.id, f.ordinal LIMIT $${params.length}`,
      params,
    )) as Array<{
      conversation_id: string;
      started_at: Date;
      team_id: string | null;
      agent_id: string | null;
      rule_id: string;
      title: string;
      evidence: Array<{ startMs: number; endMs: number }>;
      review_state: string | null;
    }>;
    return rows.map((r) => ({
      conversationId: r.conversation_id,
      startedAt: new Date(r.started_at),
      teamId: r.team_id,
      agentId: r.agent_id,
      ruleId: r.rule_id,
      title: r.title,
      evidence: r.evidence.map((e) => ({ startMs: e.startMs, endMs: e.endMs })),
      reviewState: r.review_state,
    }));
  }

  /** Review outcomes on the period's current verdicts, and the period's disputes by status. */
  async reviewOutcomes(
    f: ReportFilter,
  ): Promise<{ confirmed: number; overturned: number; disputes: Record<string, number> }> {
    const params: unknown[] = [];
    const w = this.convWhere(f, params);
    const [r] = (await this.db.query(
      `SELECT count(*) FILTER (WHERE f.review_state = 'confirmed')::int AS confirmed,
              count(*) FILTER (WHERE f.review_state = 'overturned')::int AS overturned
         FROM findings f JOIN verdicts v ON v.id = f.verdict_id AND v.current JOIN conversations c ON c.id = f.conversation_id
        WHERE f.review_state IS NOT NULL AND ${w}`,
      params,
    )) as Array<{ confirmed: number; overturned: number }>;
    const p2: unknown[] = [];
    const w2 = where(f, 'c', { startedAt: 'c.started_at' }, p2);
    const ds = (await this.db.query(
      `SELECT d.status, count(*)::int AS n FROM disputes d JOIN conversations c ON c.id = d.conversation_id WHERE ${w2} GROUP BY 1`,
      p2,
    )) as Array<{ status: string; n: number }>;
    return { ...r, disputes: Object.fromEntries(ds.map((d) => [d.status, d.n])) };
  }

  /** Policy sources by (id, version), for rule titles and severities. */
  async policySources(
    keys: Array<{ policyId: string; version: number }>,
  ): Promise<Array<{ policyId: string; version: number; source: string; contentHash: string }>> {
    if (!keys.length) return [];
    const rows = (await this.db.query(
      `SELECT policy_id, version, source, content_hash FROM qa_policies WHERE (policy_id, version) IN (SELECT * FROM unnest($1::text[], $2::int[]))`,
      [keys.map((k) => k.policyId), keys.map((k) => k.version)],
    )) as Array<{ policy_id: string; version: number; source: string; content_hash: string }>;
    return rows.map((r) => ({
      policyId: r.policy_id,
      version: r.version,
      source: r.source,
      contentHash: r.content_hash,
    }));
  }
}
