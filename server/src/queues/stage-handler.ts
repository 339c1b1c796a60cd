import type { Conversation } from '../entities/conversation';
import type { Logger } from '../lib/logger';
import type { StageName } from '../pipeline/stages';
import type { Tx } from '../repositories/conversations';

/** What a stage's work is handed: the conversation as it was when the stage began. */
export interface StageContext {
  conv: Conversation;
  log: Logger;
  attempt: number;
  jobId?: string;
}

export type StageOutcome = 'completed' | 'already_done';

/**
 * One pipeline stage. `runStage` runs every stage the same way: skip a redelivered job whose stage already
 * completed, mark the conversation running, `run` the work (outside any transaction), then in ONE transaction under
 * the conversation's row lock `save` the result, write the stage_runs row and move the state on, and finally
 * `afterCommit` (e.g. delete what the result replaced). A new stage is one handler file plus its row in
 * `pipeline/stages.ts`; the registry's type refuses a stage without a handler.
 */
export interface StageHandler<S extends StageName = StageName, R = unknown> {
  stage: S;
  /** jobs of this stage one worker process runs at once */
  concurrency: number;
  run(ctx: StageContext): Promise<R>;
  /** inside the stage's transaction: write the result through repositories; returns the conversation's patch */
  save(tx: Tx, result: R, ctx: StageContext): Promise<Partial<Conversation>>;
  /** what the stage_runs row, the `completed` event and the log line say (ids, counts and timings; never content) */
  summary(result: R): Record<string, unknown>;
  /** the part of the work the stage's recorded duration covers, when not all of `run` (default: all of it) */
  durationMs?(result: R): number;
  afterCommit?(result: R, outcome: StageOutcome, ctx: StageContext): Promise<void>;
}

/** A stage this process cannot run, and why (its jobs wait in the queue; nothing is lost). */
export interface UnavailableStage<S extends StageName = StageName> {
  stage: S;
  unavailable: string;
}

/** Every stage has a handler or a stated reason: a stage missing here does not compile. */
export type StageRegistry = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  [S in StageName]: StageHandler<S, any> | UnavailableStage<S>;
};
