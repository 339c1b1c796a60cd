import { Client, type PoolClient } from 'pg';
import { describe, expect, it } from 'vitest';
import { createDataSource, initializeDataSource } from '../../src/repositories/database';

/**
 * The server dropping a connection (an outage, a restart, `pg_terminate_backend`) must not end the process: a worker
 * that died mid-outage left conversations unfinished (CI, stop 31). pg reports it as an 'error' event on the client,
 * and a client checked out of the pool has no listener of pg-pool's or, once released, of TypeORM's.
 */
describe('a connection the server drops', () => {
  it('does not end the process, and the pool serves again', async () => {
    const ds = await initializeDataSource(createDataSource('postgres://postgres@127.0.0.1:5432/postgres'));
    const admin = new Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
    await admin.connect();
    try {
      const pool = (ds.driver as unknown as { master: { connect(): Promise<PoolClient> } }).master;
      // checked out and between queries, as a job holds it while it works
      const held = await pool.connect();
      const { rows } = await held.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      await admin.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
      // the FATAL message arrives on the held client; an 'error' event with no listener would be an uncaught
      // exception here, and the test run fails on it
      await new Promise((r) => setTimeout(r, 500));
      held.release(true);
      expect(await ds.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    } finally {
      await admin.end();
      await ds.destroy();
    }
  });
});
