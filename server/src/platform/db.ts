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
