import 'reflect-metadata';
import type { EventEmitter } from 'node:events';
import { DataSource } from 'typeorm';
import { ENTITIES } from '../entities';
import { MIGRATIONS } from '../migrations';
import { processRole } from '../lib/logger';

export function createDataSource(url: string, role?: string): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
    extra: {
      max: 10,
      application_name: `hotline-${processRole}`,
      // waiting for a free connection fails after 15 s (an infrastructure error: the job is delayed, not failed)
      // instead of waiting for ever, and a dead peer is noticed by TCP keep-alive
      connectionTimeoutMillis: 15_000,
      keepAlive: true,
      options: sessionOptions(role),
    },
  });
}

/**
 * Per-session settings: the application's queries run as `role` (hotline_app: table DML, and only SELECT/INSERT on
 * the audit trail); no lock is waited for longer than a minute (55P03, retried like any transient error) and a
 * session left idle inside a transaction for two minutes is ended by the server, so a client that stalls while
 * holding row locks cannot hold up every other worker behind it.
 */
function sessionOptions(role?: string): string {
  return [
    ...(role ? [`-c role=${role}`] : []),
    '-c lock_timeout=60000',
    '-c idle_in_transaction_session_timeout=120000',
  ].join(' ');
}

/**
 * Connects, and gives every connection of the pool an 'error' listener for its whole life. The server dropping a
 * connection (an outage, a restart, `pg_terminate_backend`) is an 'error' event on its client; pg-pool removes its own
 * listener while a client is checked out and TypeORM removes its one when it releases a broken client, so an event
 * arriving then (the FATAL "terminating connection" after the query's own error) had no listener and ended the
 * process — a worker gone for good in the middle of a PostgreSQL outage. The query in flight fails on its own (the
 * job is retried) and the pool discards the client: the event needs nothing more.
 */
export async function initializeDataSource(ds: DataSource): Promise<DataSource> {
  await ds.initialize();
  const pool = (ds.driver as unknown as { master?: EventEmitter & { _clients?: EventEmitter[] } }).master;
  const guard = (client: EventEmitter) => client.on('error', () => undefined);
  pool?._clients?.forEach(guard);
  pool?.on('connect', guard);
  return ds;
}

/** Creates the database named in the URL when it does not exist (on-prem first start). */
export async function ensureDatabase(url: string): Promise<void> {
  const u = new URL(url);
  const name = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (!/^[a-zA-Z0-9_]+$/.test(name)) throw new Error(`database name ${JSON.stringify(name)} must be [a-zA-Z0-9_]+`);
  u.pathname = '/postgres';
  const admin = new DataSource({ type: 'postgres', url: u.toString(), logging: false });
  await admin.initialize();
  try {
    const rows = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rows.length === 0) {
      try {
        await admin.query(`CREATE DATABASE "${name}"`);
      } catch (e) {
        if ((e as { code?: string }).code !== '42P04') throw e; // created concurrently
      }
    }
  } finally {
    await admin.destroy();
  }
}

/**
 * With `migrate`, creates and migrates the database as the login user, then (with `appRole`) reconnects with the
 * application role, so that what the process does at run time is limited by that role's grants. Without `migrate`
 * (the installed appliance, whose login may not change the schema) it only connects, and refuses to go on while a
 * migration is pending: `hotline migrate`, as the migration owner, comes first.
 */
export async function openDatabase(
  url: string,
  { migrate = true, appRole }: { migrate?: boolean; appRole?: string } = {},
): Promise<DataSource> {
  if (appRole && !/^[a-z_][a-z0-9_]*$/.test(appRole))
    throw new Error(`database role ${JSON.stringify(appRole)} must be [a-z_][a-z0-9_]*`);
  if (!migrate) {
    const ds = await initializeDataSource(createDataSource(url, appRole));
    if (await ds.showMigrations()) {
      await ds.destroy();
      throw new Error('the database schema is behind this version: run `hotline migrate` as the migration owner');
    }
    return ds;
  }
  await ensureDatabase(url);
  const admin = await initializeDataSource(createDataSource(url));
  await admin.runMigrations({ transaction: 'each' });
  if (!appRole) return admin;
  await admin.destroy();
  return initializeDataSource(createDataSource(url, appRole));
}

/** `hotline migrate`: creates the database if it may and brings its schema up to this version; nothing else. */
export async function migrateDatabase(url: string): Promise<string[]> {
  await ensureDatabase(url);
  const ds = await initializeDataSource(createDataSource(url));
  try {
    return (await ds.runMigrations({ transaction: 'each' })).map((m) => m.name);
  } finally {
    await ds.destroy();
  }
}

/** Readiness: the database answers a trivial query. */
export async function pingDatabase(db: DataSource): Promise<void> {
  await db.query('SELECT 1');
}
