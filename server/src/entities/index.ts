import { AuditEvent } from './audit-event';
import { Conversation } from './conversation';
import { ProcessingEvent } from './processing-event';
import { Recording } from './recording';
import { StageRun } from './stage-run';
import { Utterance } from './utterance';
import { BlindIndexRow, DataKey, Subject } from './protection';
import { DisputeRow, FindingRow, LabelledCase, QaPolicy, VerdictRow } from './inspection';

export { DisputeRow, FindingRow, LabelledCase, QaPolicy, VerdictRow };
export { AuditEvent, BlindIndexRow, Conversation, DataKey, ProcessingEvent, Recording, StageRun, Subject, Utterance };
export const ENTITIES = [
  Conversation,
  Recording,
  Utterance,
  ProcessingEvent,
  StageRun,
  AuditEvent,
  DataKey,
  Subject,
  BlindIndexRow,
  QaPolicy,
  VerdictRow,
  FindingRow,
  DisputeRow,
  LabelledCase,
];
