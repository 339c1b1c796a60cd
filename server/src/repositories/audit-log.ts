import type crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import {
  AuditRow,
  chainHash,
  Checkpoint,
  checkpointPayload,
  GENESIS,
  StoredAuditRow,
  verifyChain,
  VerifyResult,
} from '../audit/chain';
import type { CheckpointSigner } from '../audit/checkpoints';
import type { DigestId } from '../lib/digest';

export type AuditEntry = Omit<AuditRow, 'seq' | 'at'> & { at?: Date };
/** Who acts: a signed-in person (from the token), an operator at the command line, or a system job. */
export type Actor = Pick<AuditEntry, 'actorId' | 'actorName' | 'roles' | 'requestId'>;

interface DbRow {
  seq: string;
  at: Date;
  actor_id: string;
  actor_name: string | null;
  roles: string[];
  action: string;
  object_type: string | null;
  object_id: string | null;
  reason: string | null;
  outcome: AuditRow['outcome'];
  request_id: string | null;
  details: Record<string, unknown> | null;
  prev_hash: string;
  hash: string;
}

const fromDb = (r: DbRow): StoredAuditRow => ({
  seq: Number(r.seq),
  at: r.at,
  actorId: r.actor_id,
  actorName: r.actor_name,
  roles: r.roles,
  action: r.action,
  objectType: r.object_type,
  objectId: r.object_id,
  reason: r.reason,
  outcome: r.outcome,
  requestId: r.request_id,
  details: r.details,
  prevHash: r.prev_hash,
  hash: r.hash,
});

/**
 * How old a row may be before a signed checkpoint must cover it: two checkpoint intervals and ten minutes' grace
 * (0 when checkpoints are off: nothing is expected).
 */
export const expectedCheckpointGapMs = (c: { HOTLINE_AUDIT_CHECKPOINT_INTERVAL_MS: number }) =>
  c.HOTLINE_AUDIT_CHECKPOINT_INTERVAL_MS > 0 ? c.HOTLINE_AUDIT_CHECKPOINT_INTERVAL_MS * 2 + 600_000 : 0;

/** Appends to and verifies the hash-chained audit trail. Appends are serialised by a transaction-scoped advisory lock. */
export class AuditLog {
  constructor(
    private readonly db: DataSource,
    /** the chain's digest: SHA-256, or SM3 in SM mode */
    private readonly digest: DigestId = 'sha256',
  ) {}

  async append(e: AuditEntry): Promise<StoredAuditRow> {
    return this.db.transaction(async (m) => {
      await m.query(`SELECT pg_advisory_xact_lock(hashtext('hotline.audit_events'))`);
      const last: Array<{ seq: string; hash: string }> = await m.query(
        'SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1',
      );
      const prevHash = last[0]?.hash ?? GENESIS;
      const row: AuditRow = {
        seq: last[0] ? Number(last[0].seq) + 1 : 1,
        at: new Date(Math.floor((e.at ?? new Date()).getTime())),
        actorId: e.actorId,
        actorName: e.actorName,
        roles: [...e.roles].sort(),
        action: e.action,
        objectType: e.objectType,
        objectId: e.objectId,
        reason: e.reason,
        outcome: e.outcome,
        requestId: e.requestId,
        details: e.details,
      };
      const hash = chainHash(prevHash, row, this.digest);
      await m.query(
        `INSERT INTO audit_events (seq, at, actor_id, actor_name, roles, action, object_type, object_id, reason, outcome, request_id, details, prev_hash, hash)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)`,
        [
          row.seq,
          row.at,
          row.actorId,
          row.actorName,
          JSON.stringify(row.roles),
          row.action,
          row.objectType,
          row.objectId,
          row.reason,
          row.outcome,
          row.requestId,
          row.details === null ? null : JSON.stringify(row.details),
          prevHash,
          hash,
        ],
      );
      return { ...row, prevHash, hash };
    });
  }

  /** Rows in storage order (by seq), streamed in pages. */
  async *rows(pageSize = 5000): AsyncIterable<StoredAuditRow> {
    let after = 0;
    for (;;) {
      const page: DbRow[] = await this.db.query('SELECT * FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT $2', [
        after,
        pageSize,
      ]);
      for (const r of page) yield fromDb(r);
      if (page.length < pageSize) return;
      after = Number(page[page.length - 1].seq);
    }
  }

  /** Events newest first, filtered (actor id or name, action prefix, object id, time), below `beforeSeq` when paging. */
  async search(f: {
    actor?: string;
    action?: string;
    objectId?: string;
    from?: Date;
    to?: Date;
    beforeSeq?: number;
    limit: number;
  }): Promise<StoredAuditRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown) => (params.push(v), `$${params.length}`);
    if (f.actor) where.push(`(actor_id = ${p(f.actor)} OR actor_name = $${params.length})`);
    if (f.action) where.push(`action LIKE ${p(`${f.action.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)}`);
    if (f.objectId) where.push(`object_id = ${p(f.objectId)}`);
    if (f.from) where.push(`at >= ${p(f.from)}`);
    if (f.to) where.push(`at < ${p(f.to)}`);
    if (f.beforeSeq) where.push(`seq < ${p(f.beforeSeq)}`);
    const rows: DbRow[] = await this.db.query(
      `SELECT * FROM audit_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ${p(f.limit)}`,
      params,
    );
    return rows.map(fromDb);
  }

  /** The newest event of an action whose details hold the given values (e.g. the last start of a role). */
  async lastEvent(action: string, details: Record<string, string>): Promise<StoredAuditRow | undefined> {
    const rows: DbRow[] = await this.db.query(
      'SELECT * FROM audit_events WHERE action = $1 AND details @> $2::jsonb ORDER BY seq DESC LIMIT 1',
      [action, JSON.stringify(details)],
    );
    return rows[0] ? fromDb(rows[0]) : undefined;
  }

  /** Journal entries (the PKI's) already carried into the trail. */
  async importedJournalIds(): Promise<Set<string>> {
    const rows: Array<{ id: string }> = await this.db.query(
      `SELECT details->>'journalId' AS id FROM audit_events WHERE action LIKE 'pki.%' AND details ? 'journalId'`,
    );
    return new Set(rows.map((r) => r.id));
  }

  /** The newest row written before `at` (what a checkpoint should cover by now), if any. */
  async lastSeqBefore(at: Date): Promise<number | undefined> {
    const rows: Array<{ seq: string }> = await this.db.query(
      'SELECT seq FROM audit_events WHERE at < $1 ORDER BY seq DESC LIMIT 1',
      [at],
    );
    return rows[0] ? Number(rows[0].seq) : undefined;
  }

  /**
   * The chain, the signed checkpoints, and (with `maxGapMs`) that checkpoints were kept: a row written longer ago
   * than that which no checkpoint covers means the checkpoints stopped or were taken out of the file.
   */
  async verify(checkpoints: Checkpoint[], keys: Map<string, crypto.KeyObject>, maxGapMs = 0): Promise<VerifyResult> {
    const r = await verifyChain(this.rows(), checkpoints, keys, this.digest);
    if (maxGapMs > 0) {
      const due = await this.lastSeqBefore(new Date(Date.now() - maxGapMs));
      const covered = Math.max(0, ...checkpoints.map((cp) => cp.seq));
      if (due !== undefined && covered < due) {
        r.ok = false;
        r.problems.push({
          seq: due,
          kind: 'checkpoint_missing',
          detail: `no signed checkpoint covers row ${due}, written more than ${Math.round(maxGapMs / 60_000)} minutes ago (last checkpoint: ${covered ? `row ${covered}` : 'none'})`,
        });
      }
    }
    return r;
  }

  /** Signs the current head and appends it to the checkpoint file a third party keeps (and to the database). */
  async checkpoint(signer: CheckpointSigner, file: string): Promise<Checkpoint | undefined> {
    const last: Array<{ seq: string; hash: string }> = await this.db.query(
      'SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1',
    );
    if (!last[0]) return undefined;
    const base = { seq: Number(last[0].seq), hash: last[0].hash, at: new Date().toISOString(), keyId: signer.keyId };
    const c: Checkpoint = { ...base, signature: signer.sign(checkpointPayload(base)) };
    const done: unknown[] = await this.db.query('SELECT 1 FROM audit_checkpoints WHERE seq = $1', [c.seq]);
    if (done.length) return undefined; // nothing new since the last checkpoint
    await this.db.query('INSERT INTO audit_checkpoints (seq, hash, at, key_id, signature) VALUES ($1,$2,$3,$4,$5)', [
      c.seq,
      c.hash,
      c.at,
      c.keyId,
      c.signature,
    ]);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.appendFileSync(file, `${JSON.stringify(c)}\n`);
    return c;
  }
}
