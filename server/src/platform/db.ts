import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { cube } from '@electric-sql/pglite/contrib/cube';
import { earthdistance } from '@electric-sql/pglite/contrib/earthdistance';
import type { DB } from '../db-schema.ts';
import { WriteObserver } from './dbchanges.ts';

// bigint (int8) columns hold money in fen and counts: read them as JS numbers when they are safe
// integers, and fail loudly rather than lose precision (2^53 fen is 90 trillion CNY).
pg.types.setTypeParser(pg.types.builtins.INT8, (v: string) => {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new Error(`int8 value ${v} exceeds the safe integer range`);
  return n;
});
// numeric stays a string (exact); dates stay Date (timestamptz).

export type Db = Kysely<DB>;
export type Tx = Transaction<DB>;
/** Anything queries can run on: the database or an open transaction. Repos take this first. */
export type Executor = Kysely<DB> | Transaction<DB>;

export interface Database {
  db: Db;
  pool: pg.Pool;
  kind: 'postgres' | 'pglite';
  /** Tables this process writes to (for cache read-your-writes, platform/dbchanges.ts). */
  writes: WriteObserver;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  databaseUrl?: string | undefined;
  /** For PGlite: folder of the data files, or `memory://` for a throw-away database. */
  dataDir: string;
  poolMax?: number;
  /** PostgreSQL: run parameterised statements as named prepared statements (default on; off behind a transaction-mode pooler). */
  preparedStatements?: boolean;
}

/** Named statements kept per connection; statements beyond it run unnamed, as before. */
const PREPARED_PER_CONNECTION = 1000;

/**
 * Makes a pooled PostgreSQL connection run each parameterised statement as a named (server-side
 * prepared) statement: the first execution parses and plans it once, later ones only bind and execute.
 * Without it PostgreSQL parses and plans every query again, and on a busy two-core machine that was the
 * larger part of a simple read (docs/performance.md, finding 8). Only statements with parameters are
 * named (scripts without parameters keep the simple protocol, where several statements may go
 * together); streaming and callback calls pass through. If a table changed shape under a prepared
 * `SELECT *` (a migration applied by a newer process during a rolling deploy), PostgreSQL answers
 * 0A000 "cached plan must not change result type" once: that text gets a fresh name next time.
 */
function prepareStatements(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const names = new Map<string, string>();
  let serial = 0;
  client.query = ((text: unknown, values?: unknown, callback?: unknown) => {
    if (typeof text !== 'string' || !Array.isArray(values) || values.length === 0 || callback !== undefined) {
      return query(text, values, callback);
    }
    let name = names.get(text);
    if (!name) {
      if (names.size >= PREPARED_PER_CONNECTION) return query(text, values);
      name = `dingban_${++serial}`;
      names.set(text, name);
    }
    return (query({ name, text, values }) as Promise<unknown>).catch((err: unknown) => {
      if ((err as { code?: unknown } | null)?.code === '0A000') names.delete(text);
      throw err;
    });
  }) as typeof client.query;
}

/** Opens the system of record: PostgreSQL when a URL is given, otherwise embedded PGlite. */
export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  let pool: pg.Pool;
  let pglite: PGlite | undefined;
  if (opts.databaseUrl) {
    pool = new pg.Pool({ connectionString: opts.databaseUrl, max: opts.poolMax ?? 20, application_name: 'dingban' });
  } else {
    let dir = opts.dataDir;
    if (!dir.startsWith('memory://')) {
      dir = join(opts.dataDir, 'pg');
      mkdirSync(dir, { recursive: true });
    }
    pglite = await PGlite.create(dir, { extensions: { btree_gist, pg_trgm, cube, earthdistance } });
    pool = new pg.Pool(createPgConfig(pglite) as unknown as pg.PoolConfig);
  }
  // An idle client erroring (server restart) must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  // Nor may a checked-out client between two statements (a transaction in progress, a pinned
  // connection) whose connection is terminated: pg-pool listens only while a client is idle, and an
  // 'error' without a listener would end the process. The statement in flight fails on its own; the
  // broken client is discarded when it is released.
  pool.on('connect', (client) => client.on('error', () => {}));
  if (!pglite && opts.preparedStatements !== false) pool.on('connect', (client) => prepareStatements(client));
  const writes = new WriteObserver();
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }), plugins: [writes] });
  return {
    db,
    pool,
    writes,
    kind: pglite ? 'pglite' : 'postgres',
    async close() {
      await db.destroy(); // ends the pool
      if (pglite) await pglite.close();
    },
  };
}
