import { operator } from './operator';
import { loadConfig } from '../config';
import { createLogger } from '../lib/logger';
import type { ManagedKek } from '../protection/keyring';
import { openKek } from '../protection/kek';
import { keyStatus, retireKekVersions, rewrapDataKeys, rotateKek } from '../commands/keys';
import { applyRetention } from '../commands/retention';
import { DomainError } from '../lib/errors';
import { loadRetentionPolicy } from '../protection/retention-policy';
import { closeServices, createServices } from '../services';

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
  if (!['status', 'rotate', 'rewrap', 'retire'].includes(cmd)) {
    console.error('usage: hotline keys status | rotate | rewrap [--batch N] | retire --below N');
    return 2;
  }
  const below = num('--below');
  if (cmd === 'retire' && (!below || !Number.isInteger(below))) {
    console.error('usage: hotline keys retire --below <version>');
    return 2;
  }
  // the keyring file (or the HSM) is the source of truth; running api and workers pick a new version up on their next wrap
  const ring = cmd === 'rotate' ? openKek(config) : undefined;
  const s = await createServices(config, createLogger('warn'));
  try {
    switch (cmd) {
      case 'rotate': {
        const version = await rotateKek(s, ring!, operator());
        console.log(
          `${ring!.kekId}: version ${version} is now active. Run \`hotline keys rewrap\` to rewrap existing data keys.`,
        );
        return 0;
      }
      case 'status': {
        const st = await keyStatus(s);
        console.log(`kek ${st.kekId}, active version ${st.activeVersion}, cipher ${st.cipher}`);
        for (const c of st.dataKeysByKekVersion)
          console.log(
            `  version ${c.version}: ${c.keys} data key(s)${c.version < st.activeVersion ? ' (to rewrap)' : ''}`,
          );
        const total = st.dataKeysByKekVersion.reduce((a, c) => a + c.keys, 0);
        console.log(`pending rewrap: ${st.pendingRewrap} of ${total}`);
        return 0;
      }
      case 'rewrap': {
        const r = await rewrapDataKeys(s, operator(), num('--batch') ?? 500, (done, pending) =>
          console.log(`rewrapped ${done}/${pending}`),
        );
        console.log(
          `done: ${r.rewrapped} data key(s) rewrapped to version ${r.activeVersion}; ${r.remaining} left below it`,
        );
        return r.remaining === 0 ? 0 : 1;
      }
      default: {
        try {
          await retireKekVersions(s, s.vault.kek as ManagedKek, below!, operator());
        } catch (e) {
          if (!(e instanceof DomainError)) throw e;
          console.error(e.message);
          return 1;
        }
        console.log(`versions below ${below} retired: their key material is deleted from the keyring`);
        return 0;
      }
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
    const r = await applyRetention(s, policy, now, 500, operator());
    console.log(JSON.stringify(r));
    return 0;
  } finally {
    await closeServices(s);
  }
}
