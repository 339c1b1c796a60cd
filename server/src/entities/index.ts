import { AuditEvent } from './audit-event';
import { Conversation } from './conversation';
import { ProcessingEvent } from './processing-event';
import { Recording } from './recording';
import { StageRun } from './stage-run';
import { Utterance } from './utterance';

export { AuditEvent, Conversation, ProcessingEvent, Recording, StageRun, Utterance };
export const ENTITIES = [Conversation, Recording, Utterance, ProcessingEvent, StageRun, AuditEvent];
