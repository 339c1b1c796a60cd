import type { Actor, AuditLog } from '../repositories/audit-log';
import type { Vault } from '../repositories/vault';
import { conflict } from '../lib/errors';
import type { ManagedKek } from '../protection/keyring';

/**
 * KEK rotation, as commands the CLI and the API share: a new version (running processes pick it up at their next
 * wrap), an online, resumable rewrap of the data keys wrapped below it (the data itself is not touched), and the
 * retirement of old versions once nothing is wrapped by them. Every operation is in the audit trail.
 */
export interface KeyDeps {
  vault: Vault;
  audit: AuditLog;
}

export interface KeyStatus {
  kekId: string;
  cipher: string;
  activeVersion: number;
  dataKeysByKekVersion: Array<{ version: number; keys: number }>;
  pendingRewrap: number;
  subjectKeys: number;
  destroyedKeys: number;
}

export async function keyStatus(d: Pick<KeyDeps, 'vault'>): Promise<KeyStatus> {
  const [st, counts] = await Promise.all([d.vault.keyStatus(), d.vault.keyCounts()]);
  return {
    kekId: d.vault.kek.kekId,
    cipher: d.vault.suite.id,
    activeVersion: st.active,
    dataKeysByKekVersion: st.counts,
    pendingRewrap: st.pending,
    subjectKeys: counts.subjects,
    destroyedKeys: counts.destroyed,
  };
}

/** A new KEK version in the keyring file or the HSM (the source of truth for every process). */
export async function rotateKek(d: Pick<KeyDeps, 'audit'>, ring: ManagedKek, actor: Actor): Promise<number> {
  const version = ring.rotate();
  await d.audit.append({
    ...actor,
    action: 'key.rotate',
    objectType: 'kek',
    objectId: `${ring.kekId}:v${version}`,
    reason: null,
    outcome: 'allowed',
    details: { version },
  });
  return version;
}

/** Rewraps every data key below the active version, in batches (`progress` after each); returns what it did. */
export async function rewrapDataKeys(
  d: KeyDeps,
  actor: Actor,
  batch = 500,
  progress?: (done: number, pendingAtStart: number) => void,
): Promise<{ rewrapped: number; remaining: number; activeVersion: number }> {
  const start = await d.vault.keyStatus();
  let done = 0;
  for (;;) {
    const n = await d.vault.rewrapBatch(batch);
    if (n === 0) break;
    done += n;
    progress?.(done, start.pending);
  }
  const end = await d.vault.keyStatus();
  await d.audit.append({
    ...actor,
    action: 'key.rewrap',
    objectType: 'kek',
    objectId: `${d.vault.kek.kekId}:v${end.active}`,
    reason: null,
    outcome: 'allowed',
    details: { rewrapped: done, remaining: end.pending },
  });
  return { rewrapped: done, remaining: end.pending, activeVersion: end.active };
}

/** Deletes the key material of versions below `below`; refused (conflict, audited) while a data key still needs it. */
export async function retireKekVersions(d: KeyDeps, ring: ManagedKek, below: number, actor: Actor): Promise<void> {
  const still = (await d.vault.keyStatus()).below(below);
  const entry = {
    ...actor,
    action: 'key.retire',
    objectType: 'kek',
    objectId: `${ring.kekId}:<v${below}`,
    reason: null,
  };
  if (still > 0) {
    await d.audit.append({ ...entry, outcome: 'denied', details: { stillWrapped: still } });
    throw conflict(
      'still_wrapped',
      `refused: ${still} data key(s) are still wrapped by versions below ${below}; run \`hotline keys rewrap\` first`,
    );
  }
  ring.retireBelow(below);
  await d.audit.append({ ...entry, outcome: 'allowed', details: { minDecryptVersion: below } });
}
