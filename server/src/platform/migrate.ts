import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { Db } from './db.ts';

/** Where the numbered SQL migrations live: `NNNN_<module>_<what>.sql`, applied in order, never edited. */
export const migrationsDir = fileURLToPath(new URL('../../migrations', import.meta.url));

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function listMigrations(dir = migrationsDir): Migration[] {
  const files = readdirSync(dir)
    .filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f))
    .sort();
  const seen = new Set<number>();
  return files.map((f) => {
    const version = Number(f.slice(0, 4));
    if (seen.has(version)) throw new Error(`two migrations share version ${version}`);
    seen.add(version);
    return { version, name: f.replace(/\.sql$/, ''), sql: readFileSync(join(dir, f), 'utf8') };
  });
}

// Arbitrary constant: the advisory lock that serialises migrators across processes.
const MIGRATION_LOCK = 0x0d1b4a;

/**
 * Applies every migration not yet applied, each in its own transaction, under an advisory lock so
 * several processes starting at once migrate exactly once. Forward-only: there is no "down".
 * Returns the names applied.
 */
export async function migrate(db: Db, migrations = listMigrations()): Promise<string[]> {
  await sql`CREATE TABLE IF NOT EXISTS schema_migrations (
    version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`.execute(db);
  const applied: string[] = [];
  for (const m of migrations) {
    const done = await db.transaction().execute(async (tx) => {
      await sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`.execute(tx);
      const row = await sql<{ version: number }>`SELECT version FROM schema_migrations WHERE version = ${m.version}`.execute(tx);
      if (row.rows.length) return false;
      await sql.raw(m.sql).execute(tx);
      await sql`INSERT INTO schema_migrations (version, name) VALUES (${m.version}, ${m.name})`.execute(tx);
      return true;
    });
    if (done) applied.push(m.name);
  }
  return applied;
}
