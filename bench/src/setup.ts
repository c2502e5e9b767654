import { createHash } from 'node:crypto';
import pg from 'pg';
import { Keyring } from '../../server/src/platform/crypto.ts';
import { openDatabase } from '../../server/src/platform/db.ts';
import { migrate } from '../../server/src/platform/migrate.ts';

/** The PostgreSQL server the harness uses; the bench database lives beside the others and is recreated per run. */
export const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export function benchDatabaseUrl(adminUrl: string, name: string): string {
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * Bench-only encryption keys, derived from the seed: the generator seals L3 columns with them and the
 * server under test is started with the same DATA_KEYS / INDEX_KEY. Never use these anywhere else.
 */
export function benchKeys(seed: number): { DATA_KEYS: string; INDEX_KEY: string; keyring: Keyring } {
  const d = createHash('sha256').update(`dingban-bench-data-key:${seed}`).digest('base64');
  const i = createHash('sha512').update(`dingban-bench-index-key:${seed}`).digest('base64');
  const DATA_KEYS = `bench1:${d}`;
  return { DATA_KEYS, INDEX_KEY: i, keyring: Keyring.fromConfig(DATA_KEYS, i) };
}

/** Drops and recreates the bench database, then applies the platform's migrations to it. */
export async function recreateDatabase(adminUrl: string, name: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]{0,40}$/.test(name)) throw new Error(`bad database name ${name}`);
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = benchDatabaseUrl(adminUrl, name);
  const database = await openDatabase({ databaseUrl: url, dataDir: 'memory://' });
  try {
    await migrate(database.db);
  } finally {
    await database.close();
  }
  return url;
}

/** Drops the bench database (end of a CI smoke run). */
export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
