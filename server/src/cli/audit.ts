import fs from 'node:fs';
import { auditPaths, CheckpointSigner, readCheckpoints, readPublicKeys } from '../audit/checkpoints';
import { AuditLog, expectedCheckpointGapMs } from '../repositories/audit-log';
import { dbAppRole, loadConfig } from '../config';
import { openDatabase } from '../repositories/database';
import { digestOf } from '../lib/digest';
import { forwardCheckpoint } from '../repositories/siem';

/**
 * `hotline audit verify [--checkpoints F] [--public-key F ...] [--ca F]` — exit 0 when the trail is intact, 1 with each
 * problem otherwise. `hotline audit checkpoint` — signs the current head and appends it to the checkpoint file.
 */
export async function runAuditCli(args: string[]): Promise<number> {
  const c = loadConfig();
  const opt = (name: string) => args.flatMap((a, i) => (a === name && args[i + 1] ? [args[i + 1]] : []));
  const paths = auditPaths(c.HOTLINE_VAR_DIR);
  const checkpointFile = opt('--checkpoints')[0] ?? paths.checkpointFile;
  const keyFile = paths.keyFile;
  const db = await openDatabase(c.DATABASE_URL, {
    migrate: c.HOTLINE_DB_MIGRATE === 'on',
    appRole: dbAppRole(c),
  });
  try {
    const log = new AuditLog(db, digestOf(c.HOTLINE_CIPHER));
    if (args[0] === 'checkpoint') {
      const cp = await log.checkpoint(CheckpointSigner.forConfig(c), checkpointFile);
      if (cp) await forwardCheckpoint(c, cp);
      console.log(
        cp
          ? `checkpoint at row ${cp.seq} (${cp.hash.slice(0, 16)}…) signed by ${cp.keyId}, appended to ${checkpointFile}`
          : 'no new rows since the last checkpoint',
      );
      return 0;
    }
    if (args[0] === 'verify') {
      const keys = opt('--public-key');
      const defaults = [`${keyFile}.pub.pem`, c.HOTLINE_AUDIT_SIGNING_CERT ?? ''].filter((f) => f && fs.existsSync(f));
      const gapMin = opt('--max-gap-minutes')[0];
      if (gapMin !== undefined && !(Number(gapMin) >= 0)) {
        console.error('--max-gap-minutes: a number of minutes (0: do not expect checkpoints)');
        return 2;
      }
      const r = await log.verify(
        readCheckpoints(checkpointFile),
        readPublicKeys(keys.length ? keys : defaults, opt('--ca')[0]),
        gapMin !== undefined ? Number(gapMin) * 60_000 : expectedCheckpointGapMs(c),
      );
      for (const p of r.problems) console.log(`row ${p.seq}: ${p.kind}: ${p.detail}`);
      console.log(
        `${r.ok ? 'OK' : 'TAMPERED'}: ${r.rows} rows, last row ${r.lastSeq}, ${r.checkpointsVerified} signed checkpoint(s) verified`,
      );
      return r.ok ? 0 : 1;
    }
    console.error(
      'usage: hotline audit verify [--checkpoints file] [--public-key key-or-cert.pem ...] [--ca ca.cert.pem] [--max-gap-minutes N] | hotline audit checkpoint',
    );
    return 2;
  } finally {
    await db.destroy();
  }
}
