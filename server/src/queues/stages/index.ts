import type { InspectDeps } from '../../commands/inspect-conversation';
import type { RedactDeps } from '../../commands/redact-recording';
import type { TranscribeDeps } from '../../commands/transcribe-conversation';
import type { UnderstandDeps } from '../../commands/understand-conversation';
import type { StageRegistry } from '../stage-handler';
import { inspectStage } from './inspect';
import { redactStage } from './redact';
import { transcribeStage } from './transcribe';
import { understandStage } from './understand';

export interface StageDeps extends TranscribeDeps, RedactDeps, InspectDeps {
  /** the language models, or why they are not loaded (the understand stage then takes no jobs: they wait) */
  nlu: UnderstandDeps['nlu'] | { unavailable: string };
}

/** The handler of every pipeline stage (the type requires one per stage in `pipeline/stages.ts`). */
export function stageRegistry(d: StageDeps, speechThreads: number): StageRegistry {
  const nlu = d.nlu;
  return {
    // one job more than threads: while a call's last segment decodes, the next call's segments keep the others busy
    transcribe: transcribeStage(d, speechThreads + 1),
    redact: redactStage(d),
    understand:
      'unavailable' in nlu ? { stage: 'understand', unavailable: nlu.unavailable } : understandStage({ ...d, nlu }),
    inspect: inspectStage(d),
  };
}
