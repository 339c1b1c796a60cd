import { DataSource, EntityManager, In } from 'typeorm';
import { Conversation, ConversationState, TERMINAL_STATES } from '../entities/conversation';
import { ProcessingEvent, ProcessingEventKind } from '../entities/processing-event';
import { Recording } from '../entities/recording';
import { StageRun } from '../entities/stage-run';
import { Utterance } from '../entities/utterance';

export type NewConversation = Omit<
  Conversation,
  'id' | 'createdAt' | 'updatedAt' | 'status' | 'failedStage' | 'failureReason' | 'asrEngine' | 'transcribedAt'
> & { status?: ConversationState };
export type NewRecording = Omit<Recording, 'id' | 'conversationId' | 'createdAt'>;
export type NewUtterance = Omit<Utterance, 'id' | 'conversationId' | 'seq'>;

export interface ListFilter {
  from?: Date;
  to?: Date;
  agentId?: string;
  teamId?: string;
  channel?: string;
  status?: string;
  limit: number;
  cursor?: { startedAt: Date; id: string };
  /** the caller's data scope, a SQL condition on alias c (authz/policy.ts) */
  scope: { sql: string; params: Record<string, unknown> };
}

/** Every database side effect on conversations goes through here. */
export class ConversationRepository {
  constructor(private readonly db: DataSource) {}

  /** Inserts the conversation (and its recording or utterances) in one transaction; on a dedupe-key clash returns the existing one. */
  async create(
    conv: NewConversation,
    extra: { recording?: NewRecording; utterances?: NewUtterance[] },
  ): Promise<{ conversation: Conversation; duplicate: boolean }> {
    return this.db.transaction(async (m) => {
      const existing = await m.findOne(Conversation, { where: { dedupeKey: conv.dedupeKey } });
      if (existing) return { conversation: existing, duplicate: true };
      const inserted = await m
        .createQueryBuilder()
        .insert()
        .into(Conversation)
        .values(conv)
        .orIgnore()
        .returning('*')
        .execute();
      if (inserted.raw.length === 0) {
        // a concurrent upload of the same recording won the race
        const winner = await m.findOneOrFail(Conversation, { where: { dedupeKey: conv.dedupeKey } });
        return { conversation: winner, duplicate: true };
      }
      const conversation = await m.findOneOrFail(Conversation, { where: { id: (inserted.raw[0] as { id: string }).id } });
      if (extra.recording) await m.insert(Recording, { ...extra.recording, conversationId: conversation.id });
      if (extra.utterances?.length) {
        await m.insert(Utterance, extra.utterances.map((u, seq) => ({ ...u, conversationId: conversation.id, seq })));
      }
      await this.event(m, conversation.id, 'ingest', 'received', { detail: { source: conv.source } });
      return { conversation, duplicate: false };
    });
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

  recordEvent(conversationId: string, stage: string, kind: ProcessingEventKind, extra: Parameters<ConversationRepository['event']>[4] = {}) {
    return this.event(this.db.manager, conversationId, stage, kind, extra);
  }

  /** The conversation if it exists and lies in the scope; forbidden and missing look the same. */
  findVisible(id: string, scope: { sql: string; params: Record<string, unknown> }): Promise<Conversation | null> {
    return this.db.getRepository(Conversation).createQueryBuilder('c').where('c.id = :id', { id }).andWhere(scope.sql, scope.params).getOne();
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
    if (f.cursor) {
      qb.andWhere('(c.started_at, c.id) < (:cs, :ci)', { cs: f.cursor.startedAt, ci: f.cursor.id });
    }
    return qb.orderBy('c.started_at', 'DESC').addOrderBy('c.id', 'DESC').limit(f.limit).getMany();
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

  async markFailed(id: string, stage: string, reason: string, extra: { attempt?: number; jobId?: string } = {}): Promise<void> {
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

  stageDone(conversationId: string, stage: string, version: number): Promise<boolean> {
    return this.db.getRepository(StageRun).exists({ where: { conversationId, stage, version } });
  }

  /**
   * Stores a stage's output exactly once: under a row lock, a second delivery of the same (conversation, stage,
   * version) finds the stage_runs row and writes nothing.
   */
  async completeStage(
    args: { conversationId: string; stage: string; version: number; durationMs: number; done: ConversationState; jobId?: string; attempt?: number },
    write: (m: EntityManager) => Promise<Partial<Conversation>>,
    detail: Record<string, unknown> = {},
  ): Promise<'completed' | 'already_done'> {
    return this.db.transaction(async (m) => {
      await m.query('SELECT id FROM conversations WHERE id = $1 FOR UPDATE', [args.conversationId]);
      const done = await m.exists(StageRun, { where: { conversationId: args.conversationId, stage: args.stage, version: args.version } });
      if (done) return 'already_done';
      const patch = await write(m);
      await m.update(Conversation, { id: args.conversationId }, { ...patch, status: args.done, failedStage: null, failureReason: null });
      await m.insert(StageRun, {
        conversationId: args.conversationId,
        stage: args.stage,
        version: args.version,
        completedAt: new Date(),
        durationMs: Math.round(args.durationMs),
        detail: detail as never,
      });
      await this.event(m, args.conversationId, args.stage, 'completed', { attempt: args.attempt, jobId: args.jobId, detail });
      return 'completed';
    });
  }

  async replaceUtterances(m: EntityManager, conversationId: string, utterances: NewUtterance[]): Promise<void> {
    await m.delete(Utterance, { conversationId });
    if (utterances.length) await m.insert(Utterance, utterances.map((u, seq) => ({ ...u, conversationId, seq })));
  }

  /** Conversations not in a terminal state: what the reconciler must make sure has a job. */
  unfinished(limit = 1000): Promise<Pick<Conversation, 'id' | 'status'>[]> {
    return this.db.getRepository(Conversation).find({
      select: { id: true, status: true },
      where: { status: In(['received', 'transcribing'] satisfies ConversationState[]) },
      order: { createdAt: 'ASC' },
      take: limit,
    });
  }
}
