import { Foundation1763900000000 } from './1763900000000-foundation';
import { UtteranceKeyphrases1763900100000 } from './1763900100000-utterance-keyphrases';

import { AuditTrail1763900200000 } from './1763900200000-audit-trail';
import { Protection1763900300000 } from './1763900300000-protection';
import { Inspection1763900400000 } from './1763900400000-inspection';
import { Understanding1763900500000 } from './1763900500000-understanding';
import { Reporting1763900600000 } from './1763900600000-reporting';
import { Operations1763900700000 } from './1763900700000-operations';
import { LeastPrivilege1763900800000 } from './1763900800000-least-privilege';
import { OriginalAudioKey1763900900000 } from './1763900900000-original-audio-key';
import { OriginalTextKey1763901000000 } from './1763901000000-original-text-key';
import { AgentAccounts1763901100000 } from './1763901100000-agent-accounts';
import { ToneCue1763901200000 } from './1763901200000-tone-cue';
import { Reads1763901300000 } from './1763901300000-reads';
import { RefusalReads1763901400000 } from './1763901400000-refusal-reads';

export const MIGRATIONS = [
  Foundation1763900000000,
  UtteranceKeyphrases1763900100000,
  AuditTrail1763900200000,
  Protection1763900300000,
  Inspection1763900400000,
  Understanding1763900500000,
  Reporting1763900600000,
  Operations1763900700000,
  LeastPrivilege1763900800000,
  OriginalAudioKey1763900900000,
  OriginalTextKey1763901000000,
  AgentAccounts1763901100000,
  ToneCue1763901200000,
  Reads1763901300000,
  RefusalReads1763901400000,
];
