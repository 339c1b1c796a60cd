import { AuditEvent } from './audit-event';
import { Conversation } from './conversation';
import { ProcessingEvent } from './processing-event';
import { Recording } from './recording';
import { StageRun } from './stage-run';
import { Utterance } from './utterance';
import { BlindIndexRow, DataKey, Subject } from './protection';

export { AuditEvent, BlindIndexRow, Conversation, DataKey, ProcessingEvent, Recording, StageRun, Subject, Utterance };
export const ENTITIES = [Conversation, Recording, Utterance, ProcessingEvent, StageRun, AuditEvent, DataKey, Subject, BlindIndexRow];
