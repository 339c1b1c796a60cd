import { RedactDeps, redactRecording, RedactResult } from '../../commands/redact-recording';
import type { StageHandler } from '../stage-handler';

/**
 * redact: every PII span is silenced in the stored audio, and the unredacted upload's key is destroyed in the same
 * commit. After the commit the unredacted original is deleted (or,
 * when another delivery won, the copy this one stored), so from here on no stored audio holds what was recognised.
 */
export function redactStage(d: RedactDeps): StageHandler<'redact', RedactResult> {
  return {
    stage: 'redact',
    concurrency: 2,
    run: ({ conv }) => redactRecording(d, conv),
    async save(tx, r, { conv }) {
      await d.conversations.setRecordingObject(tx, conv.id, r.stored.sha256, r.spans);
      // crypto-shredding: with its key gone, no copy of the unredacted upload (disk blocks, backups) can be read
      if (r.originalKeyId) await d.vault.destroy(tx, r.originalKeyId);
      return { protectedAt: new Date() };
    },
    summary: (r) => ({ spans: r.spans }),
    async afterCommit(r, outcome) {
      if (outcome === 'completed' && r.stored.sha256 !== r.original) await d.objects.delete(r.original);
      if (outcome === 'already_done' && r.stored.created) await d.objects.delete(r.stored.sha256);
    },
  };
}
