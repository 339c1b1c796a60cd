import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { ENTITIES } from '../entities';
import { MIGRATIONS } from '../migrations';
import { processRole } from '../lib/logger';

export function createDataSource(url: string): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
    extra: { max: 10, application_name: `hotline-${processRole}` },
  });
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

export async function openDatabase(url: string, { migrate = true } = {}): Promise<DataSource> {
  await ensureDatabase(url);
  const ds = createDataSource(url);
  await ds.initialize();
  if (migrate) await ds.runMigrations({ transaction: 'each' });
  return ds;
}
