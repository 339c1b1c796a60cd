import fs from 'node:fs';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { loadYamlFile } from '../lib/yaml-file';
import { z } from 'zod';
import type { AuditLog } from '../audit/audit-log';
import type { ObjectStore } from '../repositories/object-store';
import type { Vault } from './vault';

const days = z.object({ days: z.number().int().positive().max(36_500) }).strict();
export const retentionPolicySchema = z
  .object({
    version: z.literal(1),
    classes: z.object({ audio: days, transcript_original: days, transcript_masked: days, verdicts: days }).strict(),
  })
  .strict()
  .superRefine((p, ctx) => {
    const c = p.classes;
    if (c.audio.days > c.transcript_masked.days)
      ctx.addIssue({
        code: 'custom',
        path: ['classes', 'audio'],
        message: 'audio may not outlive the masked transcript',
      });
    if (c.transcript_original.days > c.transcript_masked.days)
      ctx.addIssue({
        code: 'custom',
        path: ['classes', 'transcript_original'],
        message: 'the original may not outlive the masked transcript',
      });
  });
export type RetentionPolicy = z.infer<typeof retentionPolicySchema>;

export function loadRetentionPolicy(file: string): RetentionPolicy {
  return loadYamlFile(file, retentionPolicySchema);
}

const SYSTEM = { actorId: 'system:retention', actorName: 'retention job', roles: [] as string[], requestId: null };
const NOT_HELD = `c.legal_hold = false AND NOT EXISTS (SELECT 1 FROM subjects s WHERE s.id = c.subject_id AND s.legal_hold)`;

export interface RetentionDeps {
  db: DataSource;
  objects: ObjectStore;
  vault: Vault;
  audit: AuditLog;
}

export interface RetentionReport {
  audio: number;
  transcriptOriginal: number;
  transcriptMasked: number;
  verdicts: number;
  orphanObjects: number;
}

/**
 * Applies the retention policy once: expired audio objects are deleted, expired originals and masked copies are
 * cleared, and a conversation with no content left has its data key destroyed. Conversations under legal hold are
 * skipped. Every deletion is an audit event (data class, conversation, policy period).
 */
export async function applyRetention(
  d: RetentionDeps,
  policy: RetentionPolicy,
  now = new Date(),
  batch = 500,
): Promise<RetentionReport> {
  const before = (n: number) => new Date(now.getTime() - n * 86_400_000);
  const report: RetentionReport = {
    audio: 0,
    transcriptOriginal: 0,
    transcriptMasked: 0,
    verdicts: 0,
    orphanObjects: 0,
  };
  const record = (cls: string, conversationId: string, extra: Record<string, unknown> = {}) =>
    d.audit.append({
      ...SYSTEM,
      action: 'retention.delete',
      objectType: 'conversation',
      objectId: conversationId,
      reason: `retention policy: ${cls} kept ${policy.classes[cls as keyof RetentionPolicy['classes']].days} days`,
      outcome: 'allowed',
      details: { dataClass: cls, ...extra },
    });

  for (;;) {
    const rows = (await d.db.query(
      `SELECT r.conversation_id AS id, r.object_id FROM recordings r JOIN conversations c ON c.id = r.conversation_id
        WHERE r.object_id IS NOT NULL AND c.started_at < $1 AND ${NOT_HELD} LIMIT $2`,
      [before(policy.classes.audio.days), batch],
    )) as Array<{ id: string; object_id: string }>;
    for (const r of rows) {
      await d.db.query(`UPDATE recordings SET object_id = NULL, purged_at = now() WHERE conversation_id = $1`, [r.id]);
      await d.objects.delete(r.object_id);
      await record('audio', r.id);
      report.audio++;
    }
    if (rows.length < batch) break;
  }

  for (;;) {
    const rows = (await d.db.query(
      `SELECT DISTINCT u.conversation_id AS id FROM utterances u JOIN conversations c ON c.id = u.conversation_id
        WHERE u.text_original IS NOT NULL AND c.started_at < $1 AND ${NOT_HELD} LIMIT $2`,
      [before(policy.classes.transcript_original.days), batch],
    )) as Array<{ id: string }>;
    for (const r of rows) {
      const n = await d.db.query(
        `UPDATE utterances SET text_original = NULL, words_original = NULL, original_purged_at = now() WHERE conversation_id = $1 AND text_original IS NOT NULL`,
        [r.id],
      );
      await record('transcript_original', r.id, { utterances: (n as [unknown, number])[1] });
      report.transcriptOriginal++;
    }
    if (rows.length < batch) break;
  }

  for (;;) {
    const rows = (await d.db.query(
      `SELECT c.id, c.key_id FROM conversations c
        WHERE c.started_at < $1 AND ${NOT_HELD}
          AND EXISTS (SELECT 1 FROM data_keys k WHERE k.id = c.key_id AND k.destroyed_at IS NULL) LIMIT $2`,
      [before(policy.classes.transcript_masked.days), batch],
    )) as Array<{ id: string; key_id: string }>;
    for (const r of rows) {
      await d.db.transaction(async (m) => {
        await m.query(
          `UPDATE utterances SET text = NULL, words = NULL, text_original = NULL, words_original = NULL WHERE conversation_id = $1`,
          [r.id],
        );
        await m.query(`UPDATE conversations SET customer_ref = NULL WHERE id = $1`, [r.id]);
        await m.query(`DELETE FROM blind_index WHERE conversation_id = $1`, [r.id]);
        // nothing readable is left under the key: destroy it, so any copy in a backup is unreadable too
        await d.vault.destroy(m, r.key_id);
      });
      await record('transcript_masked', r.id, { keyDestroyed: true });
      report.transcriptMasked++;
    }
    if (rows.length < batch) break;
  }

  for (;;) {
    const rows = (await d.db.query(
      `SELECT DISTINCT v.conversation_id AS id FROM verdicts v JOIN conversations c ON c.id = v.conversation_id
        WHERE c.started_at < $1 AND ${NOT_HELD} LIMIT $2`,
      [before(policy.classes.verdicts.days), batch],
    )) as Array<{ id: string }>;
    for (const r of rows) {
      // findings and disputes go with their verdicts (ON DELETE CASCADE); the labelled cases built from them too
      const [, n] = (await d.db.query(`DELETE FROM verdicts WHERE conversation_id = $1`, [r.id])) as [unknown, number];
      await d.db.query(`DELETE FROM labelled_cases WHERE conversation_id = $1`, [r.id]);
      await record('verdicts', r.id, { verdicts: n });
      report.verdicts++;
    }
    if (rows.length < batch) break;
  }

  report.orphanObjects = await sweepOrphanObjects(d, now);
  return report;
}

/** Objects no recording points at (a crash between storing a redacted copy and deleting the original), older than an hour. */
async function sweepOrphanObjects(d: RetentionDeps, now: Date): Promise<number> {
  const root = d.objects.root;
  const files = fs.existsSync(root)
    ? fs
        .readdirSync(root, { recursive: true })
        .map(String)
        .filter((f) => /(^|\/)[0-9a-f]{64}$/.test(f))
    : [];
  let n = 0;
  for (const f of files) {
    const sha = path.basename(f);
    const st = fs.statSync(path.join(root, f));
    if (now.getTime() - st.mtimeMs < 3_600_000) continue;
    const used = (await d.db.query(`SELECT 1 FROM recordings WHERE object_id = $1 LIMIT 1`, [sha])) as unknown[];
    if (used.length) continue;
    await d.objects.delete(sha);
    await d.audit.append({
      ...SYSTEM,
      action: 'retention.delete',
      objectType: 'object',
      objectId: sha.slice(0, 16),
      reason: 'object referenced by no recording',
      outcome: 'allowed',
      details: { dataClass: 'orphan_object' },
    });
    n++;
  }
  return n;
}

export class LegalHoldError extends Error {}
export class UnknownSubjectError extends Error {}

/**
 * Right to erasure by crypto-shredding: the subject's key and the data keys of all its conversations are destroyed
 * (every encrypted copy, including backups, becomes unreadable), the audio objects are deleted and the subject's
 * blind-index rows removed. A legal hold on the subject or any of its conversations refuses the erasure.
 */
export async function eraseSubject(
  d: RetentionDeps,
  customerRef: string,
  actor: { actorId: string; actorName: string | null; roles: string[]; requestId: string | null },
  reason: string,
): Promise<{ subjectId: string; conversations: number }> {
  const refIndex = d.vault.blind.index('customer_ref', customerRef);
  const result = await d.db.transaction(async (m) => {
    const [subject] = (await m.query(
      `SELECT id, key_id, legal_hold, erased_at FROM subjects WHERE ref_index = $1 FOR UPDATE`,
      [refIndex],
    )) as Array<{ id: string; key_id: string; legal_hold: boolean; erased_at: Date | null }>;
    if (!subject) throw new UnknownSubjectError('no customer subject with this reference');
    const convs = (await m.query(`SELECT id, key_id, legal_hold FROM conversations WHERE subject_id = $1 FOR UPDATE`, [
      subject.id,
    ])) as Array<{ id: string; key_id: string; legal_hold: boolean }>;
    if (subject.legal_hold || convs.some((c) => c.legal_hold))
      throw new LegalHoldError(
        'a legal hold is in force on this subject or one of its conversations; erasure is refused until it is lifted',
      );
    const objects = (await m.query(
      `SELECT object_id FROM recordings WHERE conversation_id = ANY($1) AND object_id IS NOT NULL`,
      [convs.map((c) => c.id)],
    )) as Array<{ object_id: string }>;
    for (const c of convs) await d.vault.destroy(m, c.key_id);
    await d.vault.destroy(m, subject.key_id);
    await m.query(`DELETE FROM blind_index WHERE subject_id = $1 OR conversation_id = ANY($2)`, [
      subject.id,
      convs.map((c) => c.id),
    ]);
    await m.query(`UPDATE recordings SET object_id = NULL, purged_at = now() WHERE conversation_id = ANY($1)`, [
      convs.map((c) => c.id),
    ]);
    await m.query(`UPDATE conversations SET customer_ref = NULL WHERE subject_id = $1`, [subject.id]);
    await m.query(`UPDATE subjects SET erased_at = now() WHERE id = $1`, [subject.id]);
    return { subjectId: subject.id, conversations: convs.map((c) => c.id), objects: objects.map((o) => o.object_id) };
  });
  for (const o of result.objects) await d.objects.delete(o);
  await d.audit.append({
    ...actor,
    action: 'subject.erase',
    objectType: 'subject',
    objectId: result.subjectId,
    reason,
    outcome: 'allowed',
    details: {
      conversations: result.conversations,
      keysDestroyed: result.conversations.length + 1,
      objectsDeleted: result.objects.length,
    },
  });
  return { subjectId: result.subjectId, conversations: result.conversations.length };
}
