import crypto from 'node:crypto';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { DataKey, Subject } from '../entities/protection';
import { DomainError } from '../lib/errors';
import { BlindIndexer } from '../protection/blind-index';
import { CipherSuite, DecryptError, wrapSuiteOf } from '../protection/cipher';
import { decryptField, encryptField, FieldContext, keyRefOf } from '../protection/field-crypto';
import type { KekProvider } from '../protection/keyring';
import type { OpenKey } from '../protection/sealed-transcript';

export class KeyDestroyedError extends DecryptError {
  constructor(keyId: string) {
    super(`data key ${keyId} was destroyed (crypto-shredded); the value is unreadable`);
    this.name = 'KeyDestroyedError';
  }
}

/** A data key in memory for the length of one request or job. */
export type { OpenKey };

const kekContext = (k: Pick<DataKey, 'id' | 'purpose'>) => `data_key|${k.id}|${k.purpose}`;
const parentAad = (k: Pick<DataKey, 'id' | 'parentId'>) => Buffer.from(`data_key|${k.id}|parent|${k.parentId}`);

/**
 * Envelope encryption over PostgreSQL: data keys are generated here, stored only wrapped, and unwrapped on demand
 * (no cross-request cache, so a destroyed key stops working everywhere at once). Field values are sealed with the
 * configured suite and bound to (table, column, row id).
 */
export class Vault {
  constructor(
    private readonly db: DataSource,
    readonly kek: KekProvider,
    readonly suite: CipherSuite,
    readonly blind: BlindIndexer,
  ) {}

  /** A new data key, wrapped by the subject's key when there is a subject, else by the KEK. */
  async createKey(m: EntityManager, purpose: DataKey['purpose'], parent?: OpenKey): Promise<OpenKey> {
    const id = crypto.randomUUID();
    const bytes = crypto.randomBytes(32);
    const row: Partial<DataKey> = { id, purpose };
    if (parent) {
      row.parentId = parent.id;
      // wrapped with the installation's suite (SM4 in SM mode); the wrapped length says which, for opening
      row.wrapped = this.suite.seal(parent.bytes, bytes, parentAad({ id, parentId: parent.id }));
    } else {
      const w = this.kek.wrap(bytes, kekContext({ id, purpose }));
      Object.assign(row, { kekId: w.kekId, kekVersion: w.version, wrapped: w.wrapped });
    }
    await m.insert(DataKey, row);
    return { id, bytes };
  }

  /** Unwraps a data key (following its parent). A destroyed key, or one whose parent is destroyed, is an error. */
  async open(keyId: string, m: EntityManager = this.db.manager): Promise<OpenKey> {
    const row = await m.findOne(DataKey, { where: { id: keyId } });
    if (!row) throw new DecryptError(`data key ${keyId} does not exist`);
    if (!row.wrapped) throw new KeyDestroyedError(keyId);
    if (row.parentId) {
      const parent = await this.open(row.parentId, m);
      try {
        return { id: row.id, bytes: wrapSuiteOf(row.wrapped).open(parent.bytes, row.wrapped, parentAad(row)) };
      } catch {
        throw new DecryptError(`data key ${keyId} failed authentication under its subject key`);
      }
    }
    return {
      id: row.id,
      bytes: this.kek.unwrap({ kekId: row.kekId!, version: row.kekVersion!, wrapped: row.wrapped }, kekContext(row)),
    };
  }

  /** The customer subject for a reference, created with its own key on first sight. */
  async subjectFor(m: EntityManager, customerRef: string): Promise<{ subject: Subject; key: OpenKey }> {
    const refIndex = this.blind.index('customer_ref', customerRef);
    await m.query('SELECT pg_advisory_xact_lock(hashtext($1))', [refIndex]);
    const existing = await m.findOne(Subject, { where: { refIndex } });
    if (existing) {
      if (existing.erasedAt) throw new SubjectErasedError();
      return { subject: existing, key: await this.open(existing.keyId, m) };
    }
    const key = await this.createKey(m, 'subject');
    const subject = {
      id: crypto.randomUUID(),
      refIndex,
      keyId: key.id,
      legalHold: false,
      erasedAt: null,
      createdAt: new Date(),
    };
    await m.insert(Subject, subject);
    return { subject, key };
  }

  seal(key: OpenKey, ctx: FieldContext, plaintext: Buffer | string): Buffer {
    return encryptField(this.suite, { ref: key.id, bytes: key.bytes }, ctx, plaintext);
  }

  /** Opens a value sealed under `key` (the value's own header must name that key). */
  unseal(key: OpenKey, ctx: FieldContext, value: Buffer): Buffer {
    const ref = keyRefOf(value);
    if (ref !== key.id) throw new DecryptError(`value was sealed under data key ${ref}, not ${key.id}`);
    return decryptField(value, () => key.bytes, ctx);
  }

  unsealText(key: OpenKey, ctx: FieldContext, value: Buffer): string {
    return this.unseal(key, ctx, value).toString('utf8');
  }

  /**
   * Data keys wrapped directly by the KEK, per KEK version (what rotation and retirement look at); `below(v)` counts
   * those a retirement of versions below v would strand, `pending` those still to rewrap to the active version.
   */
  async keyStatus(): Promise<{
    active: number;
    counts: Array<{ version: number; keys: number }>;
    total: number;
    pending: number;
    below: (version: number) => number;
  }> {
    const counts = (await this.db.query(
      `SELECT kek_version AS version, count(*)::int AS keys FROM data_keys WHERE parent_id IS NULL AND destroyed_at IS NULL GROUP BY kek_version ORDER BY kek_version`,
    )) as Array<{ version: number; keys: number }>;
    const active = this.kek.activeVersion();
    const below = (version: number) => counts.filter((c) => c.version < version).reduce((a, c) => a + c.keys, 0);
    return { active, counts, total: below(Infinity), pending: below(active), below };
  }

  /** How many subject keys are live and how many keys were destroyed (crypto-shredded). */
  async keyCounts(): Promise<{ subjects: number; destroyed: number }> {
    const [row] = (await this.db.query(
      `SELECT count(*) FILTER (WHERE purpose = 'subject' AND destroyed_at IS NULL)::int AS subjects,
              count(*) FILTER (WHERE destroyed_at IS NOT NULL)::int AS destroyed FROM data_keys`,
    )) as Array<{ subjects: number; destroyed: number }>;
    return row;
  }

  /**
   * Rewraps up to `batch` KEK-wrapped data keys below the active KEK version with the active version. The data
   * itself is not touched. Returns how many it rewrapped; call until 0 (resumable: it starts from whatever is left).
   */
  async rewrapBatch(batch = 500): Promise<number> {
    const active = this.kek.activeVersion();
    return this.db.transaction(async (m) => {
      const rows = (await m.query(
        `SELECT id FROM data_keys WHERE parent_id IS NULL AND destroyed_at IS NULL AND kek_version < $1 ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [active, batch],
      )) as Array<{ id: string }>;
      for (const { id } of rows) {
        const row = await m.findOneOrFail(DataKey, { where: { id } });
        const ctx = kekContext(row);
        const bytes = this.kek.unwrap({ kekId: row.kekId!, version: row.kekVersion!, wrapped: row.wrapped! }, ctx);
        const w = this.kek.wrap(bytes, ctx);
        await m.update(
          DataKey,
          { id },
          { kekId: w.kekId, kekVersion: w.version, wrapped: w.wrapped, rewrappedAt: new Date() },
        );
      }
      return rows.length;
    });
  }

  /** Crypto-shredding: the wrapped key material is deleted; every value under it (and under its children) is unreadable. */
  async destroy(m: EntityManager, keyId: string): Promise<void> {
    await m.update(DataKey, { id: keyId, destroyedAt: IsNull() }, { wrapped: null, destroyedAt: new Date() });
  }
}

export class SubjectErasedError extends DomainError {
  constructor() {
    super(
      'conflict',
      'subject_erased',
      'this customer reference belongs to an erased subject; new data for it is refused',
    );
    this.name = 'SubjectErasedError';
  }
}
