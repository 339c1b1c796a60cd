import os from 'node:os';
import type { Actor } from '../repositories/audit-log';

/** The person at the command line, as the audit trail names them (the OS account on this host). */
export function operator(): Actor & { actorName: string } {
  const user = os.userInfo().username;
  return { actorId: `os:${user}`, actorName: `${user}@${os.hostname()} (cli)`, roles: ['operator'], requestId: null };
}
