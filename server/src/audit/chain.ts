import crypto from 'node:crypto';
import type { DigestId } from '../lib/digest';
import { canonicalJson } from '../lib/canonical';

export const GENESIS = '0'.repeat(64);

export interface AuditRow {
  seq: number;
  at: Date;
  actorId: string;
  actorName: string | null;
  roles: string[];
  action: string;
  objectType: string | null;
  objectId: string | null;
  reason: string | null;
  outcome: 'allowed' | 'denied' | 'error';
  requestId: string | null;
  details: Record<string, unknown> | null;
}

export interface StoredAuditRow extends AuditRow {
  prevHash: string;
  hash: string;
}

/** The row as hashed: every field, canonical JSON (sorted keys), time in ISO UTC with milliseconds. */
export function canonicalRow(r: AuditRow): string {
  return canonicalJson({
    seq: r.seq,
    at: r.at.toISOString(),
    actorId: r.actorId,
    actorName: r.actorName,
    roles: r.roles,
    action: r.action,
    objectType: r.objectType,
    objectId: r.objectId,
    reason: r.reason,
    outcome: r.outcome,
    requestId: r.requestId,
    details: r.details,
  });
}

/** Each row's hash covers the previous row's hash and this row: SHA-256, or SM3 in SM mode (GM/T 0004). */
export function chainHash(prevHash: string, r: AuditRow, digest: DigestId = 'sha256'): string {
  return crypto.createHash(digest).update(prevHash).update('\n').update(canonicalRow(r)).digest('hex');
}

export interface Checkpoint {
  seq: number;
  hash: string;
  at: string;
  keyId: string;
  signature: string;
}

export const checkpointPayload = (c: Pick<Checkpoint, 'seq' | 'hash' | 'at' | 'keyId'>) =>
  Buffer.from(canonicalJson({ seq: c.seq, hash: c.hash, at: c.at, keyId: c.keyId }));

export type ProblemKind =
  | 'altered'
  | 'broken_link'
  | 'missing'
  | 'out_of_order'
  | 'truncated'
  | 'checkpoint_mismatch'
  | 'bad_signature'
  | 'unknown_key'
  | 'checkpoint_missing';

export interface VerifyResult {
  ok: boolean;
  rows: number;
  lastSeq: number;
  lastHash: string;
  checkpointsVerified: number;
  problems: Array<{ seq: number; kind: ProblemKind; detail: string }>;
}

/**
 * Walks the trail in storage order and checks each row's hash, its link to the row before and the sequence; then
 * checks every signed checkpoint against the rows (a trail that ends before a checkpoint was truncated).
 */
export async function verifyChain(
  rows: AsyncIterable<StoredAuditRow> | Iterable<StoredAuditRow>,
  checkpoints: Checkpoint[] = [],
  publicKeys: Map<string, crypto.KeyObject> = new Map(),
  digest: DigestId = 'sha256',
): Promise<VerifyResult> {
  const problems: VerifyResult['problems'] = [];
  const hashAt = new Map<number, string>();
  let prevHash = GENESIS;
  let expectSeq = 1;
  let count = 0;
  let lastSeq = 0;
  for await (const r of rows) {
    count++;
    if (r.seq < expectSeq)
      problems.push({ seq: r.seq, kind: 'out_of_order', detail: `row ${r.seq} comes after row ${expectSeq - 1}` });
    else if (r.seq > expectSeq)
      problems.push({ seq: expectSeq, kind: 'missing', detail: `rows ${expectSeq}..${r.seq - 1} are missing` });
    if (r.prevHash !== prevHash)
      problems.push({
        seq: r.seq,
        kind: 'broken_link',
        detail: `row ${r.seq} does not follow the row before it (previous hash differs)`,
      });
    const h = chainHash(r.prevHash, r, digest);
    if (h !== r.hash)
      problems.push({
        seq: r.seq,
        kind: 'altered',
        detail: `row ${r.seq} was changed after it was written (hash differs)`,
      });
    hashAt.set(r.seq, r.hash);
    prevHash = r.hash;
    lastSeq = r.seq;
    expectSeq = Math.max(expectSeq, r.seq + 1);
  }
  let checkpointsVerified = 0;
  for (const c of checkpoints) {
    const key = publicKeys.get(c.keyId);
    if (!key) {
      problems.push({
        seq: c.seq,
        kind: 'unknown_key',
        detail: `checkpoint at row ${c.seq} is signed by unknown key ${c.keyId}`,
      });
      continue;
    }
    if (
      !crypto.verify(
        key.asymmetricKeyType === 'rsa' ? 'sha256' : null,
        checkpointPayload(c),
        key,
        Buffer.from(c.signature, 'base64'),
      )
    ) {
      problems.push({
        seq: c.seq,
        kind: 'bad_signature',
        detail: `checkpoint at row ${c.seq} has an invalid signature`,
      });
      continue;
    }
    checkpointsVerified++;
    const stored = hashAt.get(c.seq);
    if (stored === undefined) {
      if (c.seq > lastSeq)
        problems.push({
          seq: c.seq,
          kind: 'truncated',
          detail: `the trail ends at row ${lastSeq} but a signed checkpoint covers row ${c.seq}`,
        });
      else
        problems.push({
          seq: c.seq,
          kind: 'missing',
          detail: `row ${c.seq}, covered by a signed checkpoint, is missing`,
        });
    } else if (stored !== c.hash) {
      problems.push({
        seq: c.seq,
        kind: 'checkpoint_mismatch',
        detail: `row ${c.seq} differs from its signed checkpoint (the trail was rewritten up to here)`,
      });
    }
  }
  return { ok: problems.length === 0, rows: count, lastSeq, lastHash: prevHash, checkpointsVerified, problems };
}
