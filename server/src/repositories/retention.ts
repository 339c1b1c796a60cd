import type { DataSource } from 'typeorm';
import { DomainError } from '../lib/errors';
import type { Vault } from './vault';

/**
 * What retention may touch: conversations not under a legal hold (their own or their subject's) and done with
 * processing (inspected or failed): data the pipeline still has to read is never deleted under it.
 */
const NOT_HELD = `c.legal_hold = false AND NOT EXISTS (SELECT 1 FROM subjects s WHERE s.id = c.subject_id AND s.legal_hold)
  AND c.status IN ('inspected', 'failed')`;

export class LegalHoldError extends DomainError {
  constructor() {
    super(
      'conflict',
      'legal_hold',
      'a legal hold is in force on this subject or one of its conversations; erasure is refused until it is lifted',
    );
  }
}
export class UnknownSubjectError extends DomainError {
  constructor() {
    super('not_found', 'not_found', 'no customer subject with this reference');
  }
}

/**
 * The SQL of retention, erasure and legal holds. Each "expired" query skips conversations under a legal hold (their
 * own or their subject's) and returns at most `limit` rows, so callers work in batches until fewer come back.
 */
export class RetentionRepository {
  constructor(
    private readonly db: DataSource,
    private readonly vault: Vault,
  ) {}

  /** Recordings of conversations that started before `before` whose audio object is still stored. */
  expiredAudio(before: Date, limit: number): Promise<Array<{ id: string; object_id: string }>> {
    return this.db.query(
      `SELECT r.conversation_id AS id, r.object_id FROM recordings r JOIN conversations c ON c.id = r.conversation_id
        WHERE r.object_id IS NOT NULL AND c.started_at < $1 AND ${NOT_HELD} LIMIT $2`,
      [before, limit],
    );
  }

  async markAudioPurged(conversationId: string): Promise<void> {
    await this.db.transaction(async (m) => {
      // an original never redacted (transcription failed for good) goes with its key
      await m.query(
        `UPDATE data_keys SET wrapped = NULL, destroyed_at = now()
          WHERE destroyed_at IS NULL AND id = (SELECT original_key_id FROM recordings WHERE conversation_id = $1)`,
        [conversationId],
      );
      await m.query(`UPDATE recordings SET object_id = NULL, purged_at = now() WHERE conversation_id = $1`, [
        conversationId,
      ]);
    });
  }

  /** Conversations with an original (unmasked) transcript still stored. */
  expiredOriginals(before: Date, limit: number): Promise<Array<{ id: string }>> {
    return this.db.query(
      `SELECT DISTINCT u.conversation_id AS id FROM utterances u JOIN conversations c ON c.id = u.conversation_id
        WHERE u.text_original IS NOT NULL AND c.started_at < $1 AND ${NOT_HELD} LIMIT $2`,
      [before, limit],
    );
  }

  /**
   * Clears the originals of one conversation and destroys their key (crypto-shredding the class: a backup's copy of
   * the originals is unreadable too), in one transaction; returns how many utterances held one.
   */
  async clearOriginals(conversationId: string): Promise<number> {
    return this.db.transaction(async (m) => {
      const [, n] = (await m.query(
        `UPDATE utterances SET text_original = NULL, words_original = NULL, original_purged_at = now()
          WHERE conversation_id = $1 AND text_original IS NOT NULL`,
        [conversationId],
      )) as [unknown, number];
      await m.query(
        `UPDATE data_keys SET wrapped = NULL, destroyed_at = now()
          WHERE destroyed_at IS NULL AND id = (SELECT original_text_key_id FROM conversations WHERE id = $1)`,
        [conversationId],
      );
      return n;
    });
  }

  /** Conversations whose data key still exists. */
  expiredMasked(before: Date, limit: number): Promise<Array<{ id: string; key_id: string }>> {
    return this.db.query(
      `SELECT c.id, c.key_id FROM conversations c
        WHERE c.started_at < $1 AND ${NOT_HELD}
          AND EXISTS (SELECT 1 FROM data_keys k WHERE k.id = c.key_id AND k.destroyed_at IS NULL) LIMIT $2`,
      [before, limit],
    );
  }

  /** Clears every encrypted field of a conversation and destroys its data key, in one transaction. */
  async shredConversation(conversationId: string, keyId: string): Promise<void> {
    await this.db.transaction(async (m) => {
      await m.query(
        `UPDATE utterances SET text = NULL, words = NULL, text_original = NULL, words_original = NULL WHERE conversation_id = $1`,
        [conversationId],
      );
      await m.query(`UPDATE conversations SET customer_ref = NULL WHERE id = $1`, [conversationId]);
      await m.query(`DELETE FROM blind_index WHERE conversation_id = $1`, [conversationId]);
      // nothing readable is left under the key: destroy it, so any copy in a backup is unreadable too
      await this.vault.destroy(m, keyId);
    });
  }

  /** Conversations with verdicts. */
  expiredVerdicts(before: Date, limit: number): Promise<Array<{ id: string }>> {
    return this.db.query(
      `SELECT DISTINCT v.conversation_id AS id FROM verdicts v JOIN conversations c ON c.id = v.conversation_id
        WHERE c.started_at < $1 AND ${NOT_HELD} LIMIT $2`,
      [before, limit],
    );
  }

  /** Deletes a conversation's verdicts (findings and disputes cascade) and the labelled cases built from them. */
  async deleteVerdicts(conversationId: string): Promise<number> {
    const [, n] = (await this.db.query(`DELETE FROM verdicts WHERE conversation_id = $1`, [conversationId])) as [
      unknown,
      number,
    ];
    await this.db.query(`DELETE FROM labelled_cases WHERE conversation_id = $1`, [conversationId]);
    return n;
  }

  async objectReferenced(sha256: string): Promise<boolean> {
    // recordings and stored report packs are the two owners of objects
    const used = (await this.db.query(
      `SELECT 1 FROM recordings WHERE object_id = $1 UNION ALL SELECT 1 FROM reports WHERE object_id = $1 LIMIT 1`,
      [sha256],
    )) as unknown[];
    return used.length > 0;
  }

  /**
   * Right to erasure, in one transaction: the subject's key and the data keys of all its conversations destroyed,
   * blind-index rows removed, recordings marked purged, the subject marked erased. Returns the audio objects to
   * delete. A legal hold on the subject or any of its conversations refuses it (LegalHoldError).
   */
  eraseSubject(refIndex: string): Promise<{ subjectId: string; conversations: string[]; objects: string[] }> {
    return this.db.transaction(async (m) => {
      const [subject] = (await m.query(
        `SELECT id, key_id, legal_hold, erased_at FROM subjects WHERE ref_index = $1 FOR UPDATE`,
        [refIndex],
      )) as Array<{ id: string; key_id: string; legal_hold: boolean; erased_at: Date | null }>;
      if (!subject) throw new UnknownSubjectError();
      const convs = (await m.query(
        `SELECT id, key_id, legal_hold FROM conversations WHERE subject_id = $1 FOR UPDATE`,
        [subject.id],
      )) as Array<{ id: string; key_id: string; legal_hold: boolean }>;
      if (subject.legal_hold || convs.some((c) => c.legal_hold)) throw new LegalHoldError();
      const ids = convs.map((c) => c.id);
      const objects = (await m.query(
        `SELECT object_id FROM recordings WHERE conversation_id = ANY($1) AND object_id IS NOT NULL`,
        [ids],
      )) as Array<{ object_id: string }>;
      for (const c of convs) await this.vault.destroy(m, c.key_id);
      await this.vault.destroy(m, subject.key_id);
      await m.query(`DELETE FROM blind_index WHERE subject_id = $1 OR conversation_id = ANY($2)`, [subject.id, ids]);
      await m.query(`UPDATE recordings SET object_id = NULL, purged_at = now() WHERE conversation_id = ANY($1)`, [ids]);
      await m.query(`UPDATE conversations SET customer_ref = NULL WHERE subject_id = $1`, [subject.id]);
      await m.query(`UPDATE subjects SET erased_at = now() WHERE id = $1`, [subject.id]);
      return { subjectId: subject.id, conversations: ids, objects: objects.map((o) => o.object_id) };
    });
  }

  /** Places or lifts a legal hold on a (not erased) subject; its id, or undefined when there is none. */
  async setSubjectHold(refIndex: string, hold: boolean): Promise<string | undefined> {
    const [rows] = (await this.db.query(
      `UPDATE subjects SET legal_hold = $2 WHERE ref_index = $1 AND erased_at IS NULL RETURNING id`,
      [refIndex, hold],
    )) as [Array<{ id: string }>, number];
    return rows[0]?.id;
  }

  async setConversationHold(conversationId: string, hold: boolean): Promise<void> {
    await this.db.query(`UPDATE conversations SET legal_hold = $2 WHERE id = $1`, [conversationId, hold]);
  }
}
