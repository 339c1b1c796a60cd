/**
 * Is this error the infrastructure failing (database or Redis unreachable or restarting, connections dropped, disk
 * full) rather than the work itself? Such an error says nothing about the conversation: it delays the work and must
 * not use up its attempts. Follows `cause` chains.
 */
const NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOSPC',
  'EMFILE',
]);
/**
 * PostgreSQL SQLSTATEs: connection exceptions (08…), shutdown / cannot connect now (57P01–57P03), resources (53…),
 * serialization failure and deadlock (40001, 40P01), a lock not granted in time (55P03) and a session ended for
 * idling in a transaction (25P03)
 */
const PG_TRANSIENT = /^(08...|57P0[123]|53...|40001|40P01|55P03|25P03)$/;
const MESSAGES =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Connection is closed|Client has encountered a connection error|the database system is (starting up|shutting down|in recovery mode)|Reached the max retries per request limit|Driver not Connected/i;

export function isInfrastructureError(e: unknown, depth = 0): boolean {
  if (!e || typeof e !== 'object' || depth > 5) return false;
  const err = e as { code?: unknown; message?: unknown; cause?: unknown; name?: unknown; errors?: unknown };
  if (typeof err.code === 'string' && (NETWORK.has(err.code) || PG_TRANSIENT.test(err.code))) return true;
  if (err.name === 'MaxRetriesPerRequestError') return true;
  if (typeof err.message === 'string' && MESSAGES.test(err.message)) return true;
  if (Array.isArray(err.errors) && err.errors.some((x) => isInfrastructureError(x, depth + 1))) return true;
  return isInfrastructureError(err.cause, depth + 1);
}
