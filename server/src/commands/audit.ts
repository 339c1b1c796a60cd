import fs from 'node:fs';
import { auditPaths, readCheckpoints, readPublicKeys } from '../audit/checkpoints';
import type { Caller } from '../authz/visible';
import { expectedCheckpointGapMs, type AuditLog } from '../repositories/audit-log';

export interface AuditDeps {
  audit: AuditLog;
  config: {
    HOTLINE_VAR_DIR: string;
    HOTLINE_AUDIT_SIGNING_CERT?: string;
    HOTLINE_AUDIT_CHECKPOINT_INTERVAL_MS: number;
  };
}

/** Searching the trail is itself in the trail (who looked for what). */
export async function searchAudit(
  d: AuditDeps,
  caller: Caller,
  f: {
    actor?: string;
    action?: string;
    objectId?: string;
    from?: string;
    to?: string;
    beforeSeq?: number;
    limit: number;
  },
) {
  const rows = await d.audit.search({
    ...f,
    from: f.from ? new Date(f.from) : undefined,
    to: f.to ? new Date(f.to) : undefined,
  });
  await caller.audit('audit.search', null, 'allowed', {
    details: Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined)),
  });
  return rows;
}

/**
 * Verifies the whole chain and the signed checkpoints with the appliance's own verification keys (the Ed25519 public
 * key beside the signing key, or the signer certificate), as `hotline audit verify` does.
 */
export async function verifyAudit(d: AuditDeps, caller: Caller) {
  const paths = auditPaths(d.config.HOTLINE_VAR_DIR);
  const keys = [`${paths.keyFile}.pub.pem`, d.config.HOTLINE_AUDIT_SIGNING_CERT ?? ''].filter(
    (f) => f && fs.existsSync(f),
  );
  const r = await d.audit.verify(
    readCheckpoints(paths.checkpointFile),
    readPublicKeys(keys),
    expectedCheckpointGapMs(d.config),
  );
  await caller.audit('audit.verify', null, 'allowed', {
    details: { ok: r.ok, rows: r.rows, checkpoints: r.checkpointsVerified, problems: r.problems.length },
  });
  return r;
}

/** The signed checkpoints file a third party keeps (JSON lines), as it is on disk. */
export async function auditCheckpoints(d: AuditDeps, caller: Caller): Promise<Buffer> {
  const file = auditPaths(d.config.HOTLINE_VAR_DIR).checkpointFile;
  await caller.audit('audit.checkpoints.download', null, 'allowed');
  return fs.existsSync(file) ? fs.readFileSync(file) : Buffer.alloc(0);
}
