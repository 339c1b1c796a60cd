import os from 'node:os';
import type { Actor } from '../repositories/audit-log';

/**
 * The person at the command line, as the audit trail names them: `HOTLINE_OPERATOR` when set (a named person, e.g.
 * from their login profile), else the account that ran sudo (`SUDO_USER`), else the OS account. Acting as root with
 * neither is recorded as a shared account, and said on stderr, so the trail never silently names "root".
 */
export function operator(): Actor & { actorName: string } {
  const named = process.env.HOTLINE_OPERATOR?.trim() || process.env.SUDO_USER?.trim();
  const account = os.userInfo().username;
  const user = named || account;
  const shared = !named && (account === 'root' || process.getuid?.() === 0);
  if (shared && !warned) {
    warned = true;
    console.error(
      'audit: acting as root without a named operator; run through sudo or set HOTLINE_OPERATOR=<your name>',
    );
  }
  return {
    actorId: `os:${user}`,
    actorName: `${user}${named && named !== account ? ` as ${account}` : ''}@${os.hostname()} (cli${shared ? ', shared account' : ''})`,
    roles: ['operator'],
    requestId: null,
  };
}
let warned = false;
