import type { ConversationState } from '../entities/conversation';

/**
 * The pipeline's stages in order. Each stage has its own BullMQ queue; a job carries ids only and is
 * idempotent on (conversation, stage, version). Text conversations enter at `understand` (they are protected at ingest).
 */
export const STAGES = {
  transcribe: { version: 1, from: 'received', running: 'transcribing', done: 'transcribed' },
  redact: { version: 1, from: 'transcribed', running: 'redacting', done: 'protected' },
  understand: { version: 1, from: 'protected', running: 'understanding', done: 'understood' },
  inspect: { version: 1, from: 'understood', running: 'inspecting', done: 'inspected' },
} as const satisfies Record<
  string,
  { version: number; from: ConversationState; running: ConversationState; done: ConversationState }
>;

export type StageName = keyof typeof STAGES;
export const PIPELINE: StageName[] = ['transcribe', 'redact', 'understand', 'inspect'];

export const isStageName = (s: string): s is StageName => s in STAGES;

/** The stage after this one, if any (each stage enqueues its successor when it completes). */
export function nextStage(stage: StageName): StageName | undefined {
  return PIPELINE[PIPELINE.indexOf(stage) + 1];
}

export interface StageJob {
  conversationId: string;
  stage: StageName;
  version: number;
  /** how often an infrastructure error has delayed this job (such delays use up no attempt) */
  infrastructureRetries?: number;
}

/** BullMQ custom job ids may not contain ':'; this one makes a second enqueue of the same work a no-op. */
export function jobIdFor(stage: StageName, conversationId: string): string {
  return `${conversationId}.${stage}.v${STAGES[stage].version}`;
}

/** Which stage a conversation in this state is waiting for (none when it is terminal). */
export function pendingStage(status: ConversationState): StageName | undefined {
  return PIPELINE.find((s) => STAGES[s].from === status || STAGES[s].running === status);
}

/** Re-inspection of a period (a background job beside the pipeline, not a stage). */
export const REINSPECT_QUEUE = 'reinspect';

export interface ReinspectJob {
  from: string;
  to: string;
  requestedBy: string;
}

/** Scheduled compliance reports: BullMQ job schedulers fire these (one scheduler per report schedule). */
export const REPORT_QUEUE = 'reports';

export interface ReportJob {
  scheduleId: string;
  /** run now (asked through the API), not fired by the scheduler */
  manual?: boolean;
}
