import os from 'node:os';
import { loadConfig } from '../config';
import { createLogger } from '../lib/logger';
import { FileKeyring } from '../protection/keyring';
import { applyRetention, loadRetentionPolicy } from '../protection/retention';
import { closeServices, createServices } from '../services';

const operator = () => ({
  actorId: `os:${os.userInfo().username}`,
  actorName: `${os.userInfo().username}@${os.hostname()} (cli)`,
  roles: ['operator'],
  requestId: null,
});

/**
 * `hotline keys status|rotate|rewrap [--batch N]|retire --below N` — KEK rotation with an online, resumable rewrap
 * of the data keys (the data itself is not touched). Every operation is written to the audit trail.
 */
export async function runKeysCli(args: string[]): Promise<number> {
  const config = loadConfig();
  const [cmd] = args;
  const num = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : undefined;
  };
  if (cmd === 'rotate') {
    // the keyring file is the source of truth; running api and workers pick the new version up on their next wrap
    const ring = FileKeyring.openOrCreate(config.keyringFile);
    const version = ring.rotate();
    const s = await createServices(config, createLogger('warn'));
    try {
      await s.audit.append({
        ...operator(),
        action: 'key.rotate',
        objectType: 'kek',
        objectId: `${ring.kekId}:v${version}`,
        reason: null,
        outcome: 'allowed',
        details: { version },
      });
    } finally {
      await closeServices(s);
    }
    console.log(
      `${ring.kekId}: version ${version} is now active. Run \`hotline keys rewrap\` to rewrap existing data keys.`,
    );
    return 0;
  }
  const s = await createServices(config, createLogger('warn'));
  try {
    const status = () => s.vault.keyStatus();
    switch (cmd) {
      case 'status': {
        const st = await status();
        console.log(`kek ${s.vault.kek.kekId}, active version ${st.active}, cipher ${s.vault.suite.id}`);
        for (const c of st.counts)
          console.log(`  version ${c.version}: ${c.keys} data key(s)${c.version < st.active ? ' (to rewrap)' : ''}`);
        console.log(`pending rewrap: ${st.pending} of ${st.total}`);
        return 0;
      }
      case 'rewrap': {
        const batch = num('--batch') ?? 500;
        const start = await status();
        let done = 0;
        for (;;) {
          const n = await s.vault.rewrapBatch(batch);
          if (n === 0) break;
          done += n;
          console.log(`rewrapped ${done}/${start.pending}`);
        }
        const end = await status();
        await s.audit.append({
          ...operator(),
          action: 'key.rewrap',
          objectType: 'kek',
          objectId: `${s.vault.kek.kekId}:v${end.active}`,
          reason: null,
          outcome: 'allowed',
          details: { rewrapped: done, remaining: end.pending },
        });
        console.log(`done: ${done} data key(s) rewrapped to version ${end.active}; ${end.pending} left below it`);
        return end.pending === 0 ? 0 : 1;
      }
      case 'retire': {
        const below = num('--below');
        if (!below || !Number.isInteger(below)) {
          console.error('usage: hotline keys retire --below <version>');
          return 2;
        }
        const st = await status();
        const still = st.below(below);
        if (still > 0) {
          await s.audit.append({
            ...operator(),
            action: 'key.retire',
            objectType: 'kek',
            objectId: `${s.vault.kek.kekId}:<v${below}`,
            reason: null,
            outcome: 'denied',
            details: { stillWrapped: still },
          });
          console.error(
            `refused: ${still} data key(s) are still wrapped by versions below ${below}; run \`hotline keys rewrap\` first`,
          );
          return 1;
        }
        (s.vault.kek as FileKeyring).retireBelow(below);
        await s.audit.append({
          ...operator(),
          action: 'key.retire',
          objectType: 'kek',
          objectId: `${s.vault.kek.kekId}:<v${below}`,
          reason: null,
          outcome: 'allowed',
          details: { minDecryptVersion: below },
        });
        console.log(`versions below ${below} retired: their key material is deleted from the keyring`);
        return 0;
      }
      default:
        console.error('usage: hotline keys status | rotate | rewrap [--batch N] | retire --below N');
        return 2;
    }
  } finally {
    await closeServices(s);
  }
}

/** `hotline retention run [--now ISO]` — apply the retention policy once and print what was removed. */
export async function runRetentionCli(args: string[]): Promise<number> {
  const config = loadConfig();
  if (args[0] !== 'run') {
    console.error('usage: hotline retention run [--now <ISO date>]');
    return 2;
  }
  const i = args.indexOf('--now');
  const now = i >= 0 ? new Date(args[i + 1]) : new Date();
  if (Number.isNaN(now.getTime())) {
    console.error('--now: not a date');
    return 2;
  }
  const policy = loadRetentionPolicy(config.HOTLINE_RETENTION_POLICY);
  const s = await createServices(config, createLogger('warn'));
  try {
    const r = await applyRetention(s, policy, now);
    console.log(JSON.stringify(r));
    return 0;
  } finally {
    await closeServices(s);
  }
}
