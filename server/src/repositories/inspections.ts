import { DataSource, EntityManager } from 'typeorm';
import { DomainError } from '../lib/errors';
import { DisputeRow, FindingRow, LabelledCase, QaPolicy, ReviewState, VerdictRow } from '../entities/inspection';
import { score, Verdict } from '../inspection/engine';
import { parsePolicy, Policy } from '../inspection/qa-policy';
import { refreshConversationKpis } from './kpi-rollups';

export class PolicyConflictError extends DomainError {
  constructor(message: string) {
    super('conflict', 'version_exists', message);
  }
}
const REVIEW_KIND = { 404: 'not_found', 409: 'conflict', 422: 'invalid' } as const;
export class ReviewError extends DomainError {
  constructor(status: keyof typeof REVIEW_KIND, code: string, message: string, details?: unknown) {
    super(REVIEW_KIND[status], code, message, details);
  }
}

export interface CoverageRow {
  day: string;
  queue: string | null;
  received: number;
  inspected: number;
  notApplicable: { count: number; reasons: Array<{ code: string; reason: string; count: number }> };
  failed: { count: number; errors: Array<{ stage: string; error: string; count: number }> };
  pending: { count: number; oldestAgeS: number | null };
}

/** Every database side effect of inspection: policy versions, verdicts and findings, reviews, disputes, coverage. */
export class InspectionRepository {
  private parsed = new Map<string, Policy>();

  constructor(private readonly db: DataSource) {}

  // ---- policies

  /** The active policy versions, parsed (each text parsed once per process). */
  async activePolicies(): Promise<Policy[]> {
    const rows = await this.db
      .getRepository(QaPolicy)
      .find({ where: { status: 'active' }, order: { policyId: 'ASC' } });
    return rows.map((r) => this.parse(r));
  }

  parse(r: Pick<QaPolicy, 'contentHash' | 'source' | 'policyId' | 'version'>): Policy {
    let p = this.parsed.get(r.contentHash);
    if (!p) {
      p = parsePolicy(r.source, `${r.policyId}@v${r.version}`);
      this.parsed.set(r.contentHash, p);
    }
    return p;
  }

  listPolicies(): Promise<QaPolicy[]> {
    return this.db.getRepository(QaPolicy).find({ order: { policyId: 'ASC', version: 'DESC' } });
  }

  getPolicy(policyId: string, version: number): Promise<QaPolicy | null> {
    return this.db.getRepository(QaPolicy).findOne({ where: { policyId, version } });
  }

  /**
   * Stores a policy version as a draft. The same id and version with the same text is a no-op; with other text it
   * is refused (a change needs a new version number, so verdicts keep meaning what they said).
   */
  async addPolicy(p: Policy, actor: string): Promise<{ row: QaPolicy; created: boolean }> {
    const inserted = await this.db
      .createQueryBuilder()
      .insert()
      .into(QaPolicy)
      .values({
        policyId: p.doc.id,
        version: p.doc.version,
        contentHash: p.hash,
        source: p.source,
        title: p.doc.title,
        status: 'draft',
        createdBy: actor,
      })
      .orIgnore()
      .returning('policy_id')
      .execute();
    const row = (await this.getPolicy(p.doc.id, p.doc.version))!;
    if (row.contentHash !== p.hash)
      throw new PolicyConflictError(
        `policy ${p.doc.id} version ${p.doc.version} already exists with other content: raise the version`,
      );
    return { row, created: inserted.raw.length > 0 };
  }

  /** Makes this version the active one of its policy; the previous active version is retired. */
  async activate(policyId: string, version: number, actor: string): Promise<{ previous: number | null }> {
    return this.db.transaction(async (m) => {
      const rows = (await m.query(`SELECT version, status FROM qa_policies WHERE policy_id = $1 FOR UPDATE`, [
        policyId,
      ])) as Array<{ version: number; status: string }>;
      const target = rows.find((r) => r.version === version);
      if (!target) throw new ReviewError(404, 'not_found', `no policy ${policyId} version ${version}`);
      if (target.status === 'active')
        throw new ReviewError(409, 'already_active', `policy ${policyId} version ${version} is already active`);
      const prev = rows.find((r) => r.status === 'active');
      if (prev) await m.update(QaPolicy, { policyId, version: prev.version }, { status: 'retired' });
      await m.update(
        QaPolicy,
        { policyId, version },
        { status: 'active', activatedBy: actor, activatedAt: new Date() },
      );
      return { previous: prev?.version ?? null };
    });
  }

  async hasActive(policyId: string): Promise<boolean> {
    return this.db.getRepository(QaPolicy).exists({ where: { policyId, status: 'active' } });
  }

  // ---- verdicts

  /**
   * Stores a verdict with its findings as the conversation's current one (the earlier current verdict stays, not
   * current) and moves the conversation's metrics and the daily rollups with it.
   */
  async saveVerdict(
    m: EntityManager,
    conversationId: string,
    v: Verdict,
    trigger: VerdictRow['trigger'],
  ): Promise<string> {
    await m.update(VerdictRow, { conversationId, current: true }, { current: false });
    const inserted = await m.insert(VerdictRow, {
      conversationId,
      outcome: v.outcome,
      reasonCode: v.reasonCode ?? null,
      reason: v.reason ?? null,
      policyId: v.policy?.id ?? null,
      policyVersion: v.policy?.version ?? null,
      policyHash: v.policy?.hash ?? null,
      transcriptHash: v.transcriptHash,
      models: v.models,
      score: v.score ?? null,
      passed: v.passed ?? null,
      fatalRules: v.fatal,
      sections: v.sections,
      finalScore: v.score ?? null,
      finalPassed: v.passed ?? null,
      verdictHash: v.hash,
      trigger,
      current: true,
    });
    const verdictId = (inserted.identifiers[0] as { id: string }).id;
    if (v.findings.length) {
      await m.insert(
        FindingRow,
        v.findings.map((f, ordinal) => ({
          verdictId,
          conversationId,
          ordinal,
          ruleId: f.ruleId,
          sectionId: f.sectionId,
          ruleType: f.type,
          title: f.title,
          result: f.result,
          fatal: f.fatal,
          weight: f.weight,
          message: f.message,
          evidence: f.evidence,
          measured: f.measured ?? null,
        })),
      );
    }
    await refreshConversationKpis(m, conversationId);
    return verdictId;
  }

  /** Adds a verdict as the current one unless it is identical to the current one (then nothing is written: false). */
  async replaceVerdict(conversationId: string, v: Verdict, trigger: VerdictRow['trigger']): Promise<boolean> {
    return this.db.transaction(async (m) => {
      await m.query('SELECT id FROM conversations WHERE id = $1 FOR UPDATE', [conversationId]);
      const cur = await m.findOne(VerdictRow, { where: { conversationId, current: true } });
      if (cur?.verdictHash === v.hash) return false;
      await this.saveVerdict(m, conversationId, v, trigger);
      return true;
    });
  }

  verdicts(conversationId: string): Promise<VerdictRow[]> {
    return this.db
      .getRepository(VerdictRow)
      .find({ where: { conversationId }, order: { current: 'DESC', createdAt: 'DESC' } });
  }

  findings(verdictIds: string[]): Promise<FindingRow[]> {
    if (!verdictIds.length) return Promise.resolve([]);
    return this.db
      .getRepository(FindingRow)
      .createQueryBuilder('f')
      .where('f.verdict_id IN (:...ids)', { ids: verdictIds })
      .orderBy('f.ordinal', 'ASC')
      .getMany();
  }

  disputes(verdictIds: string[]): Promise<DisputeRow[]> {
    if (!verdictIds.length) return Promise.resolve([]);
    return this.db
      .getRepository(DisputeRow)
      .createQueryBuilder('d')
      .where('d.verdict_id IN (:...ids)', { ids: verdictIds })
      .orderBy('d.created_at', 'ASC')
      .getMany();
  }

  finding(id: string): Promise<FindingRow | null> {
    return this.db.getRepository(FindingRow).findOne({ where: { id } });
  }

  verdict(id: string): Promise<VerdictRow | null> {
    return this.db.getRepository(VerdictRow).findOne({ where: { id } });
  }

  dispute(id: string): Promise<DisputeRow | null> {
    return this.db.getRepository(DisputeRow).findOne({ where: { id } });
  }

  // ---- review

  /**
   * A reviewer confirms or overturns a finding that passed or failed. The verdict's final score and pass/fail are
   * recomputed with the overturned results flipped, and the finding becomes a labelled case for policy regression.
   */
  async review(
    findingId: string,
    state: ReviewState,
    reviewer: string,
    comment: string,
  ): Promise<{ finding: FindingRow; verdict: VerdictRow }> {
    return this.db.transaction(async (m) => {
      const f = await m.findOne(FindingRow, { where: { id: findingId }, lock: { mode: 'pessimistic_write' } });
      if (!f) throw new ReviewError(404, 'not_found', 'no such finding');
      if (f.result !== 'pass' && f.result !== 'fail')
        throw new ReviewError(
          422,
          'not_reviewable',
          `a finding that is ${f.result} has nothing to confirm or overturn`,
        );
      const v = await m.findOneOrFail(VerdictRow, { where: { id: f.verdictId } });
      await m.update(
        FindingRow,
        { id: f.id },
        { reviewState: state, reviewedBy: reviewer, reviewedAt: new Date(), reviewComment: comment },
      );
      const flip = (r: 'pass' | 'fail') => (r === 'pass' ? 'fail' : 'pass');
      const expected = state === 'confirmed' ? f.result : flip(f.result);
      await m.query(
        `INSERT INTO labelled_cases (finding_id, conversation_id, policy_id, policy_version, rule_id, expected, source, labelled_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (finding_id) DO UPDATE SET expected = EXCLUDED.expected, source = EXCLUDED.source, labelled_by = EXCLUDED.labelled_by, created_at = now()`,
        [f.id, f.conversationId, v.policyId, v.policyVersion, f.ruleId, expected, state, reviewer],
      );
      const row =
        v.policyId && v.policyVersion
          ? await m.findOne(QaPolicy, { where: { policyId: v.policyId, version: v.policyVersion } })
          : null;
      const p = row ? this.parse(row) : undefined;
      if (p) {
        const all = await m.find(FindingRow, { where: { verdictId: v.id } });
        const effective = all.map((x) => ({
          ...x,
          result:
            x.reviewState === 'overturned' && (x.result === 'pass' || x.result === 'fail') ? flip(x.result) : x.result,
        }));
        const s = score(p, effective);
        await m.update(VerdictRow, { id: v.id }, { finalScore: s.score, finalPassed: s.passed });
      }
      await refreshConversationKpis(m, f.conversationId);
      return {
        finding: await m.findOneOrFail(FindingRow, { where: { id: f.id } }),
        verdict: await m.findOneOrFail(VerdictRow, { where: { id: v.id } }),
      };
    });
  }

  async openDispute(
    verdict: VerdictRow,
    raisedBy: string,
    comment: string,
    windowDays: number,
    now = new Date(),
  ): Promise<DisputeRow> {
    if (verdict.outcome !== 'inspected')
      throw new ReviewError(409, 'not_disputable', 'a verdict that is not applicable has nothing to dispute');
    if (!verdict.current)
      throw new ReviewError(
        409,
        'not_current',
        'this verdict has been replaced by a re-inspection; dispute the current one',
      );
    const age = (now.getTime() - verdict.createdAt.getTime()) / 86_400_000;
    if (age > windowDays)
      throw new ReviewError(
        409,
        'dispute_window_closed',
        `verdicts can be disputed within ${windowDays} days; this one is ${Math.floor(age)} days old`,
      );
    const r = await this.db
      .createQueryBuilder()
      .insert()
      .into(DisputeRow)
      .values({ verdictId: verdict.id, conversationId: verdict.conversationId, raisedBy, comment })
      .orIgnore()
      .returning('id')
      .execute();
    if (!r.raw.length) throw new ReviewError(409, 'dispute_open', 'this verdict already has an open dispute');
    return this.db.getRepository(DisputeRow).findOneOrFail({ where: { id: (r.raw[0] as { id: string }).id } });
  }

  async decideDispute(
    id: string,
    decision: 'accepted' | 'rejected',
    decidedBy: string,
    comment: string,
  ): Promise<DisputeRow> {
    const r = await this.db
      .createQueryBuilder()
      .update(DisputeRow)
      .set({ status: decision, decidedBy, decidedAt: new Date(), decisionComment: comment })
      .where("id = :id AND status = 'open'", { id })
      .execute();
    if (!r.affected) throw new ReviewError(409, 'dispute_closed', 'this dispute has already been decided');
    return this.db.getRepository(DisputeRow).findOneOrFail({ where: { id } });
  }

  /** The conversations most recently inspected under a policy (any version), newest first. */
  async recentlyInspected(policyId: string, limit: number): Promise<string[]> {
    const rows = (await this.db.query(
      `SELECT conversation_id AS id FROM verdicts WHERE current AND outcome = 'inspected' AND policy_id = $1 ORDER BY created_at DESC LIMIT $2`,
      [policyId, limit],
    )) as Array<{ id: string }>;
    return rows.map((r) => r.id);
  }

  labelledCases(policyId: string): Promise<LabelledCase[]> {
    return this.db.getRepository(LabelledCase).find({ where: { policyId }, order: { createdAt: 'ASC' } });
  }

  // ---- review queue

  /**
   * Failed findings of current verdicts nobody has reviewed yet, in the caller's scope (SQL condition on alias c):
   * fatal ones first, then the newest verdicts. Reviewed findings leave the queue.
   */
  async reviewQueue(
    scope: { sql: string; params: Record<string, unknown> },
    limit: number,
  ): Promise<
    Array<{
      finding: FindingRow;
      conversation: { id: string; startedAt: Date; agentId: string | null; teamId: string | null; channel: string };
      verdictAt: Date;
    }>
  > {
    const rows = await this.db
      .getRepository(FindingRow)
      .createQueryBuilder('f')
      .innerJoin(VerdictRow, 'v', 'v.id = f.verdict_id AND v.current')
      .innerJoin('conversations', 'c', 'c.id = f.conversation_id')
      .where("f.result = 'fail' AND f.review_state IS NULL")
      .andWhere(scope.sql, scope.params)
      .addSelect('c.id', 'q_conversation')
      .addSelect('c.started_at', 'q_started')
      .addSelect('c.agent_id', 'q_agent')
      .addSelect('c.team_id', 'q_team')
      .addSelect('c.channel', 'q_channel')
      .addSelect('v.created_at', 'q_verdict_at')
      .orderBy('f.fatal', 'DESC')
      .addOrderBy('v.created_at', 'DESC')
      .addOrderBy('f.id', 'ASC')
      .limit(limit)
      .getRawAndEntities();
    return rows.entities.map((finding, i) => {
      const r = rows.raw[i] as Record<string, unknown>;
      return {
        finding,
        conversation: {
          id: r.q_conversation as string,
          startedAt: new Date(r.q_started as string),
          agentId: (r.q_agent as string | null) ?? null,
          teamId: (r.q_team as string | null) ?? null,
          channel: r.q_channel as string,
        },
        verdictAt: new Date(r.q_verdict_at as string),
      };
    });
  }

  // ---- coverage

  /** Over all days: how many conversations wait for a verdict longer than the SLA, and the oldest one's age. */
  async pendingAlarm(slaS: number, now = new Date()): Promise<{ pastSla: number; oldestAgeS: number | null }> {
    const [r] = (await this.db.query(
      `SELECT count(*) FILTER (WHERE created_at < $1)::int AS past, min(created_at) AS oldest FROM conversations WHERE status NOT IN ('inspected', 'failed')`,
      [new Date(now.getTime() - slaS * 1000)],
    )) as Array<{ past: number; oldest: Date | null }>;
    return {
      pastSla: r.past,
      oldestAgeS: r.oldest ? Math.max(0, Math.round((now.getTime() - new Date(r.oldest).getTime()) / 1000)) : null,
    };
  }

  /**
   * Per day (UTC, by call start) and queue: received = inspected + not applicable + failed + pending. Nothing is
   * left out: a conversation is counted under exactly one of the four (one whose verdicts retention has deleted
   * still counts as inspected).
   */
  async coverage(from: Date, to: Date, now = new Date()): Promise<CoverageRow[]> {
    const rows = (await this.db.query(
      `SELECT to_char(c.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, c.queue,
              count(*)::int AS received,
              count(*) FILTER (WHERE c.status = 'inspected' AND (v.outcome = 'inspected' OR v.id IS NULL))::int AS inspected,
              count(*) FILTER (WHERE c.status = 'inspected' AND v.outcome = 'not_applicable')::int AS not_applicable,
              count(*) FILTER (WHERE c.status = 'failed')::int AS failed,
              count(*) FILTER (WHERE c.status NOT IN ('inspected', 'failed'))::int AS pending,
              min(c.created_at) FILTER (WHERE c.status NOT IN ('inspected', 'failed')) AS oldest_pending
         FROM conversations c LEFT JOIN verdicts v ON v.conversation_id = c.id AND v.current
        WHERE c.started_at >= $1 AND c.started_at < $2
        GROUP BY 1, 2 ORDER BY 1, 2`,
      [from, to],
    )) as Array<{
      day: string;
      queue: string | null;
      received: number;
      inspected: number;
      not_applicable: number;
      failed: number;
      pending: number;
      oldest_pending: Date | null;
    }>;
    const reasons = (await this.db.query(
      `SELECT to_char(c.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, c.queue, v.reason_code AS code, min(v.reason) AS reason, count(*)::int AS n
         FROM conversations c JOIN verdicts v ON v.conversation_id = c.id AND v.current
        WHERE c.started_at >= $1 AND c.started_at < $2 AND c.status = 'inspected' AND v.outcome = 'not_applicable'
        GROUP BY 1, 2, 3 ORDER BY 5 DESC, 3`,
      [from, to],
    )) as Array<{ day: string; queue: string | null; code: string; reason: string; n: number }>;
    const errors = (await this.db.query(
      `SELECT to_char(c.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, c.queue, c.failed_stage AS stage, left(c.failure_reason, 300) AS error, count(*)::int AS n
         FROM conversations c
        WHERE c.started_at >= $1 AND c.started_at < $2 AND c.status = 'failed'
        GROUP BY 1, 2, 3, 4 ORDER BY 5 DESC, 3`,
      [from, to],
    )) as Array<{ day: string; queue: string | null; stage: string; error: string; n: number }>;
    const same = (a: { day: string; queue: string | null }, b: { day: string; queue: string | null }) =>
      a.day === b.day && a.queue === b.queue;
    return rows.map((r) => ({
      day: r.day,
      queue: r.queue,
      received: r.received,
      inspected: r.inspected,
      notApplicable: {
        count: r.not_applicable,
        reasons: reasons.filter((x) => same(x, r)).map((x) => ({ code: x.code, reason: x.reason, count: x.n })),
      },
      failed: {
        count: r.failed,
        errors: errors.filter((x) => same(x, r)).map((x) => ({ stage: x.stage, error: x.error, count: x.n })),
      },
      pending: {
        count: r.pending,
        oldestAgeS: r.oldest_pending
          ? Math.max(0, Math.round((now.getTime() - new Date(r.oldest_pending).getTime()) / 1000))
          : null,
      },
    }));
  }
}
