import fs from 'node:fs';
import { auditPaths } from '../audit/checkpoints';
import { makeBackup, restoreBackup } from '../commands/backup';
import { loadConfig } from '../config';
import { appVersion } from '../lib/app-version';
import { openKek } from '../protection/kek';
import { BackupIntegrityError } from '../repositories/backup-store';

const USAGE = 'usage: hotline backup --out DIR | hotline restore --from BACKUP-DIR';

function paths() {
  const c = loadConfig();
  const a = auditPaths(c.HOTLINE_VAR_DIR);
  return {
    c,
    p: {
      databaseUrl: c.DATABASE_URL,
      objectDir: c.objectDir,
      checkpointFile: a.checkpointFile,
      checkpointPublicKey: `${a.keyFile}.pub.pem`,
    },
  };
}

/** `hotline backup --out DIR`: an encrypted backup directory; says what to escrow apart. */
export async function runBackupCli(args: string[]): Promise<number> {
  const out = args[args.indexOf('--out') + 1];
  if (!args.includes('--out') || !out) {
    console.error(USAGE);
    return 2;
  }
  const { c, p } = paths();
  if (!fs.existsSync(c.keyringFile)) {
    console.error(`no keyring at ${c.keyringFile}: nothing to back up from this configuration`);
    return 1;
  }
  const t0 = Date.now();
  const { dir, manifest } = await makeBackup(openKek(c), p, out, appVersion());
  const bytes = manifest.parts.reduce((n, x) => n + x.bytes, 0);
  console.log(
    `backup ${dir}: ${manifest.parts.map((x) => x.name).join(', ')}; ${(bytes / 1024 ** 2).toFixed(1)} MB in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
  console.log(
    `counts: ${Object.entries(manifest.counts)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}`,
  );
  console.log(
    `not in the backup (escrow them apart, e.g. sealed with the bank's key custodians): the keyring ${c.keyringFile} — without it nothing in the backup can be read — and the audit checkpoint signing key ${auditPaths(c.HOTLINE_VAR_DIR).keyFile}`,
  );
  return 0;
}

/** `hotline restore --from DIR`: into the configured (empty) database and object store; the keyring must be back. */
export async function runRestoreCli(args: string[]): Promise<number> {
  const from = args[args.indexOf('--from') + 1];
  if (!args.includes('--from') || !from) {
    console.error(USAGE);
    return 2;
  }
  const { c, p } = paths();
  if (!fs.existsSync(c.keyringFile)) {
    console.error(`no keyring at ${c.keyringFile}: restore it from escrow first (mode 0600)`);
    return 1;
  }
  try {
    const t0 = Date.now();
    const r = await restoreBackup(openKek(c), from, p);
    console.log(
      `restored ${from} (made ${r.manifest.createdAt}) in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${Object.entries(
        r.counts,
      )
        .map(([k, n]) => `${k} ${n}`)
        .join(', ')}`,
    );
    console.log('next: hotline audit verify; then start the services (pending migrations run at start)');
    return 0;
  } catch (e) {
    if (!(e instanceof BackupIntegrityError)) throw e;
    console.error(`restore refused: ${e.message}`);
    return 1;
  }
}
