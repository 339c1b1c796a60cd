import { DataSource, EntityManager, In } from 'typeorm';
import { Conversation, CONVERSATION_STATES, ConversationState, TERMINAL_STATES } from '../entities/conversation';
import { ProcessingEvent, ProcessingEventKind } from '../entities/processing-event';
import { Recording } from '../entities/recording';
import { StageRun } from '../entities/stage-run';
import { PiiMark, Utterance } from '../entities/utterance';
import { BlindIndexRow } from '../entities/protection';

export type NewConversation = Omit<
  Conversation,
  | 'createdAt'
  | 'updatedAt'
  | 'status'
  | 'failedStage'
  | 'failureReason'
  | 'asrEngine'
  | 'transcribedAt'
  | 'legalHold'
  | 'protectedAt'
  | 'intent'
  | 'intentConfidence'
  | 'escalation'
  | 'nluModels'
> & { status?: ConversationState; protectedAt?: Date };
export type NewRecording = Omit<
  Recording,
  'id' | 'conversationId' | 'createdAt' | 'redactedAt' | 'redactedSpans' | 'purgedAt'
>;
export type NewUtterance = Omit<
  Utterance,
  'conversationId' | 'seq' | 'sentiment' | 'sentimentScore' | 'toneCue' | 'reads'
>;

/** What a new conversation consists of; built inside the creating transaction (data keys are created there too). */
export interface ConversationDraft {
  conversation: NewConversation;
  recording?: NewRecording;
  utterances?: NewUtterance[];
  blindIndex?: Array<{ kind: string; digest: string; subjectId: string | null }>;
}

class LostRace extends Error {}

/**
 * One INSERT per batch: PostgreSQL takes at most 65,535 bind parameters in a statement (a text conversation may have
 * 10,000 messages of 16 columns each).
 */
async function insertInBatches<T extends object>(
  m: EntityManager,
  entity: new () => T,
  rows: Array<Partial<T>>,
  batch = 1000,
): Promise<void> {
  for (let i = 0; i < rows.length; i += batch) await m.insert(entity, rows.slice(i, i + batch) as never);
}

/** The transaction a stage writes its result in (with its stage_runs row); only repositories use what is inside. */
export type Tx = EntityManager;

export interface ListFilter {
  from?: Date;
  to?: Date;
  agentId?: string;
  teamId?: string;
  channel?: string;
  status?: string;
  queue?: string;
  intent?: string;
  /** the current verdict passed (true) or failed (false), after reviews */
  passed?: boolean;
  /** a fatal rule failed in the current verdict (after reviews) */
  fatal?: boolean;
  /** this rule failed in the current verdict (after reviews) */
  failedRule?: string;
  /** how the customer's last turns felt (conversation metrics' sentimentEnd: < 0, 0, > 0) */
  sentiment?: 'negative' | 'neutral' | 'positive';
  limit: number;
  cursor?: { startedAt: Date; id: string };
  /** the caller's data scope, a SQL condition on alias c (authz/permissions.ts) */
  scope: { sql: string; params: Record<string, unknown> };
}

/**
 * A finding (alias f) failed after reviews: failed and not overturned, or passed and overturned (as the rollups count
 * it); written exactly as the partial index findings_failed_after_review states it, so each conversation is one probe.
 */
const FAILED_AFTER_REVIEW = `((f.result = 'fail') <> (f.review_state IS NOT DISTINCT FROM 'overturned'))`;

/** Every database side effect on conversations goes through here. */
export class ConversationRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Inserts the conversation with everything it consists of in one transaction. `build` runs inside the transaction
   * (so the data keys it creates roll back with it). On a dedupe-key clash returns the existing conversation and
   * calls `abandon` so that the caller can remove what it stored outside the database.
   */
  async create(
    dedupeKey: string,
    build: (m: EntityManager) => Promise<ConversationDraft>,
    abandon?: () => Promise<void>,
  ): Promise<{ conversation: Conversation; duplicate: boolean }> {
    const existing = await this.db.getRepository(Conversation).findOne({ where: { dedupeKey } });
    if (existing) return { conversation: existing, duplicate: true };
    try {
      return await this.db.transaction(async (m) => {
        const d = await build(m);
        const inserted = await m
          .createQueryBuilder()
          .insert()
          .into(Conversation)
          .values(d.conversation)
          .orIgnore()
          .returning('id')
          .execute();
        if (inserted.raw.length === 0) throw new LostRace(); // a concurrent upload of the same content won
        const id = d.conversation.id;
        if (d.recording) await m.insert(Recording, { ...d.recording, conversationId: id });
        if (d.utterances?.length)
          await insertInBatches(
            m,
            Utterance,
            d.utterances.map((u, seq) => ({ ...u, conversationId: id, seq })),
          );
        if (d.blindIndex?.length)
          await insertInBatches(
            m,
            BlindIndexRow,
            d.blindIndex.map((b) => ({ ...b, conversationId: id })),
          );
        await this.event(m, id, 'ingest', 'received', { detail: { source: d.conversation.source } });
        return { conversation: await m.findOneOrFail(Conversation, { where: { id } }), duplicate: false };
      });
    } catch (e) {
      await abandon?.();
      if (!(e instanceof LostRace)) throw e;
      return {
        conversation: await this.db.getRepository(Conversation).findOneOrFail({ where: { dedupeKey } }),
        duplicate: true,
      };
    }
  }

  event(
    m: EntityManager,
    conversationId: string,
    stage: string,
    kind: ProcessingEventKind,
    extra: { attempt?: number; jobId?: string; detail?: Record<string, unknown> } = {},
  ) {
    return m.insert(ProcessingEvent, {
      conversationId,
      stage,
      kind,
      attempt: extra.attempt ?? null,
      jobId: extra.jobId ?? null,
      detail: (extra.detail ?? null) as never,
    });
  }

  recordEvent(
    conversationId: string,
    stage: string,
    kind: ProcessingEventKind,
    extra: Parameters<ConversationRepository['event']>[4] = {},
  ) {
    return this.event(this.db.manager, conversationId, stage, kind, extra);
  }

  /** The conversation if it exists and lies in the scope; forbidden and missing look the same. */
  findVisible(id: string, scope: { sql: string; params: Record<string, unknown> }): Promise<Conversation | null> {
    return this.db
      .getRepository(Conversation)
      .createQueryBuilder('c')
      .where('c.id = :id', { id })
      .andWhere(scope.sql, scope.params)
      .getOne();
  }

  get(id: string): Promise<Conversation | null> {
    return this.db.getRepository(Conversation).findOne({ where: { id } });
  }

  /** Replaces the blind-index rows a stage derived (kind `customer_ref` comes from ingest and stays). */
  async replaceBlindIndex(
    m: EntityManager,
    conversationId: string,
    rows: Array<{ kind: string; digest: string; subjectId: string | null }>,
  ): Promise<void> {
    await m.query(`DELETE FROM blind_index WHERE conversation_id = $1 AND kind <> 'customer_ref'`, [conversationId]);
    if (rows.length)
      await m.insert(
        BlindIndexRow,
        rows.map((r) => ({ ...r, conversationId })),
      );
  }

  /** Where personal data was found (types and spans only), in utterance order. */
  async piiMarks(conversationId: string): Promise<PiiMark[]> {
    const rows = await this.db
      .getRepository(Utterance)
      .find({ select: { pii: true, seq: true }, where: { conversationId }, order: { seq: 'ASC' } });
    return rows.flatMap((r) => r.pii);
  }

  async setRecordingObject(m: EntityManager, conversationId: string, objectId: string, spans: number): Promise<void> {
    await m.update(Recording, { conversationId }, { objectId, redactedAt: new Date(), redactedSpans: spans });
  }

  /** Conversations with a blind-index row (kind, digest), within the scope. */
  findByBlindIndex(
    kind: string,
    digest: string,
    scope: { sql: string; params: Record<string, unknown> },
    limit: number,
  ): Promise<Conversation[]> {
    return this.db
      .getRepository(Conversation)
      .createQueryBuilder('c')
      .where('c.id IN (SELECT b.conversation_id FROM blind_index b WHERE b.kind = :kind AND b.digest = :digest)', {
        kind,
        digest,
      })
      .andWhere(scope.sql, scope.params)
      .orderBy('c.started_at', 'DESC')
      .limit(limit)
      .getMany();
  }

  recording(conversationId: string): Promise<Recording | null> {
    return this.db.getRepository(Recording).findOne({ where: { conversationId } });
  }

  utterances(conversationId: string): Promise<Utterance[]> {
    return this.db.getRepository(Utterance).find({ where: { conversationId }, order: { seq: 'ASC' } });
  }

  events(conversationId: string): Promise<ProcessingEvent[]> {
    return this.db.getRepository(ProcessingEvent).find({ where: { conversationId }, order: { id: 'ASC' } });
  }

  async list(f: ListFilter): Promise<Conversation[]> {
    const qb = this.db.getRepository(Conversation).createQueryBuilder('c').where(f.scope.sql, f.scope.params);
    if (f.from) qb.andWhere('c.started_at >= :from', { from: f.from });
    if (f.to) qb.andWhere('c.started_at < :to', { to: f.to });
    if (f.agentId) qb.andWhere('c.agent_id = :agentId', { agentId: f.agentId });
    if (f.teamId) qb.andWhere('c.team_id = :teamId', { teamId: f.teamId });
    if (f.channel) qb.andWhere('c.channel = :channel', { channel: f.channel });
    if (f.status) qb.andWhere('c.status = :status', { status: f.status });
    if (f.queue) qb.andWhere('c.queue = :queue', { queue: f.queue });
    if (f.intent) qb.andWhere('c.intent = :intent', { intent: f.intent });
    if (f.passed !== undefined)
      qb.andWhere(
        'EXISTS (SELECT 1 FROM verdicts v WHERE v.conversation_id = c.id AND v.current AND v.final_passed = :passed)',
        { passed: f.passed },
      );
    if (f.fatal !== undefined)
      qb.andWhere(
        `${f.fatal ? '' : 'NOT '}EXISTS (SELECT 1 FROM findings f JOIN verdicts v ON v.id = f.verdict_id AND v.current
           WHERE f.conversation_id = c.id AND f.fatal AND f.result IN ('pass', 'fail') AND ${FAILED_AFTER_REVIEW})`,
      );
    if (f.failedRule)
      qb.andWhere(
        `EXISTS (SELECT 1 FROM findings f JOIN verdicts v ON v.id = f.verdict_id AND v.current
           WHERE f.conversation_id = c.id AND f.rule_id = :rule AND f.result IN ('pass', 'fail') AND ${FAILED_AFTER_REVIEW})`,
        { rule: f.failedRule },
      );
    if (f.sentiment)
      qb.andWhere(
        `EXISTS (SELECT 1 FROM conversation_metrics m WHERE m.conversation_id = c.id
           AND sign((m.metrics->>'sentimentEnd')::real) = :sign)`,
        { sign: { negative: -1, neutral: 0, positive: 1 }[f.sentiment] },
      );
    if (f.cursor) {
      qb.andWhere('(c.started_at, c.id) < (:cs, :ci)', { cs: f.cursor.startedAt, ci: f.cursor.id });
    }
    return qb.orderBy('c.started_at', 'DESC').addOrderBy('c.id', 'DESC').limit(f.limit).getMany();
  }

  /** How many conversations are in each state, and the recordings' stored bytes (for status and metrics). */
  async stateCounts(): Promise<{ byStatus: Record<string, number>; recordingBytes: number }> {
    const rows = (await this.db.query(
      `SELECT status, count(*)::bigint AS n FROM conversations GROUP BY status`,
    )) as Array<{ status: string; n: string }>;
    const [r] = (await this.db.query(
      `SELECT coalesce(sum(size_bytes), 0)::bigint AS b FROM recordings WHERE purged_at IS NULL`,
    )) as Array<{ b: string }>;
    return { byStatus: Object.fromEntries(rows.map((x) => [x.status, Number(x.n)])), recordingBytes: Number(r.b) };
  }

  /** Each stage's run time over the runs completed since `since`: median and 95th percentile (ms), and how many. */
  async stageDurations(since: Date): Promise<Array<{ stage: string; p50: number; p95: number; runs: number }>> {
    const rows = (await this.db.query(
      `SELECT stage, percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms) AS p50,
              percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) AS p95, count(*)::int AS runs
         FROM stage_runs WHERE completed_at >= $1 GROUP BY stage ORDER BY stage`,
      [since],
    )) as Array<{ stage: string; p50: number; p95: number; runs: number }>;
    return rows.map((r) => ({ stage: r.stage, p50: Number(r.p50), p95: Number(r.p95), runs: r.runs }));
  }

  /** The current verdicts of these conversations in brief (pass, score, a fatal rule failed), for list pages. */
  async verdictBriefs(
    ids: string[],
  ): Promise<Map<string, { outcome: string; passed: boolean | null; score: number | null; fatal: boolean }>> {
    if (!ids.length) return new Map();
    const rows = (await this.db.query(
      `SELECT v.conversation_id AS id, v.outcome, v.final_passed AS passed, v.final_score AS score,
              EXISTS (SELECT 1 FROM findings f WHERE f.verdict_id = v.id AND f.fatal AND f.result IN ('pass', 'fail')
                        AND ${FAILED_AFTER_REVIEW}) AS fatal
         FROM verdicts v WHERE v.current AND v.conversation_id = ANY($1)`,
      [ids],
    )) as Array<{ id: string; outcome: string; passed: boolean | null; score: number | null; fatal: boolean }>;
    return new Map(rows.map((r) => [r.id, { outcome: r.outcome, passed: r.passed, score: r.score, fatal: r.fatal }]));
  }

  /** Moves a conversation into a stage's running state unless it is already past it. */
  async markRunning(id: string, from: ConversationState, running: ConversationState): Promise<void> {
    await this.db
      .createQueryBuilder()
      .update(Conversation)
      .set({ status: running })
      .where('id = :id AND status IN (:...s)', { id, s: [from, running] })
      .execute();
  }

  async markFailed(
    id: string,
    stage: string,
    reason: string,
    extra: { attempt?: number; jobId?: string } = {},
  ): Promise<void> {
    await this.db.transaction(async (m) => {
      await m
        .createQueryBuilder()
        .update(Conversation)
        .set({ status: 'failed', failedStage: stage, failureReason: reason.slice(0, 2000) })
        .where('id = :id AND status NOT IN (:...t)', { id, t: TERMINAL_STATES })
        .execute();
      await this.event(m, id, stage, 'failed', { ...extra, detail: { error: reason.slice(0, 2000) } });
    });
  }

  /** Failed conversations, oldest first: id, the stage that failed and why (ids and reasons only). */
  failed(limit = 1000): Promise<Pick<Conversation, 'id' | 'failedStage' | 'failureReason' | 'updatedAt'>[]> {
    return this.db.getRepository(Conversation).find({
      select: { id: true, failedStage: true, failureReason: true, updatedAt: true },
      where: { status: 'failed' },
      order: { updatedAt: 'ASC' },
      take: limit,
    });
  }

  /**
   * Puts a failed conversation back in front of the stage that failed (`from` state), clearing the failure, with a
   * `retrying` event. Returns false when it was not failed (nothing changed).
   */
  async reopenFailed(
    id: string,
    stage: string,
    from: ConversationState,
    detail: Record<string, unknown>,
  ): Promise<boolean> {
    return this.db.transaction(async (m) => {
      const r = await m
        .createQueryBuilder()
        .update(Conversation)
        .set({ status: from, failedStage: null, failureReason: null })
        .where("id = :id AND status = 'failed' AND failed_stage = :stage", { id, stage })
        .execute();
      if (!r.affected) return false;
      await this.event(m, id, stage, 'retrying', { detail });
      return true;
    });
  }

  stageDone(conversationId: string, stage: string, version: number): Promise<boolean> {
    return this.db.getRepository(StageRun).exists({ where: { conversationId, stage, version } });
  }

  /**
   * Stores a stage's output exactly once: under a row lock, a second delivery of the same (conversation, stage,
   * version) finds the stage_runs row and writes nothing.
   */
  async completeStage(
    args: {
      conversationId: string;
      stage: string;
      version: number;
      durationMs: number;
      done: ConversationState;
      jobId?: string;
      attempt?: number;
    },
    write: (m: EntityManager) => Promise<Partial<Conversation>>,
    detail: Record<string, unknown> = {},
  ): Promise<'completed' | 'already_done'> {
    return this.db.transaction(async (m) => {
      await m.query('SELECT id FROM conversations WHERE id = $1 FOR UPDATE', [args.conversationId]);
      const done = await m.exists(StageRun, {
        where: { conversationId: args.conversationId, stage: args.stage, version: args.version },
      });
      if (done) return 'already_done';
      const patch = await write(m);
      await m.update(
        Conversation,
        { id: args.conversationId },
        { ...patch, status: args.done, failedStage: null, failureReason: null },
      );
      await m.insert(StageRun, {
        conversationId: args.conversationId,
        stage: args.stage,
        version: args.version,
        completedAt: new Date(),
        durationMs: Math.round(args.durationMs),
        detail: detail as never,
      });
      await this.event(m, args.conversationId, args.stage, 'completed', {
        attempt: args.attempt,
        jobId: args.jobId,
        detail,
      });
      return 'completed';
    });
  }

  /** Sentiment per utterance, in one statement (inside the understand stage's transaction). */
  async saveSentiments(
    m: Tx,
    conversationId: string,
    sentiments: Array<{ seq: number; label: string; score: number; cue?: string; reads?: string[] }>,
  ): Promise<void> {
    if (!sentiments.length) return;
    await m.query(
      `UPDATE utterances t SET sentiment = v.label, sentiment_score = v.score, tone_cue = v.cue, reads = v.reads
         FROM unnest($2::int[], $3::varchar[], $4::real[], $5::varchar[], $6::varchar[]) AS v(seq, label, score, cue, reads)
        WHERE t.conversation_id = $1 AND t.seq = v.seq`,
      [
        conversationId,
        sentiments.map((x) => x.seq),
        sentiments.map((x) => x.label),
        sentiments.map((x) => x.score),
        sentiments.map((x) => x.cue ?? null),
        sentiments.map((x) => (x.reads?.length ? x.reads.join(',') : null)),
      ],
    );
  }

  /** what the reply models read agent utterances as, for a conversation with no tone (another language) */
  async saveReads(m: Tx, conversationId: string, reads: Array<{ seq: number; reads: string[] }>): Promise<void> {
    if (!reads.length) return;
    await m.query(
      `UPDATE utterances t SET reads = v.reads
         FROM unnest($2::int[], $3::varchar[]) AS v(seq, reads)
        WHERE t.conversation_id = $1 AND t.seq = v.seq`,
      [conversationId, reads.map((x) => x.seq), reads.map((x) => x.reads.join(','))],
    );
  }

  async replaceUtterances(m: EntityManager, conversationId: string, utterances: NewUtterance[]): Promise<void> {
    await m.delete(Utterance, { conversationId });
    if (utterances.length)
      await insertInBatches(
        m,
        Utterance,
        utterances.map((u, seq) => ({ ...u, conversationId, seq })),
      );
  }

  /** Ids of conversations that started in [from, to), optionally in one state, oldest first. */
  idsStartedBetween(from: Date, to: Date, status?: ConversationState): Promise<Array<{ id: string }>> {
    const qb = this.db
      .getRepository(Conversation)
      .createQueryBuilder('c')
      .select('c.id', 'id')
      .where('c.started_at >= :from AND c.started_at < :to', { from, to });
    if (status) qb.andWhere('c.status = :status', { status });
    return qb.orderBy('c.started_at', 'ASC').addOrderBy('c.id', 'ASC').getRawMany();
  }

  /** Conversations not in a terminal state: what the reconciler must make sure has a job. */
  unfinished(limit = 1000): Promise<Pick<Conversation, 'id' | 'status'>[]> {
    return this.db.getRepository(Conversation).find({
      select: { id: true, status: true },
      where: { status: In(CONVERSATION_STATES.filter((st) => !TERMINAL_STATES.includes(st))) },
      order: { createdAt: 'ASC' },
      take: limit,
    });
  }
}
