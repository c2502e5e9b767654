import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { openDatabase, type Database } from '../src/platform/db.ts';
import { createTestDatabase, testDatabaseUrl } from './helpers.ts';

/** Named prepared statements on PostgreSQL (platform/db.ts; docs/performance.md finding 8). */
describe('platform/db: prepared statements', { skip: !testDatabaseUrl && 'needs TEST_DATABASE_URL' }, () => {
  let created: { url: string; drop: () => Promise<void> };
  let database: Database;
  before(async () => {
    created = await createTestDatabase(testDatabaseUrl!);
    // One connection, so every statement below runs on the same session.
    database = await openDatabase({ databaseUrl: created.url, dataDir: 'memory://', poolMax: 1 });
  });
  after(async () => {
    await database.close();
    await created.drop();
  });

  it('S6.2: a parameterised statement is parsed and planned once per connection, then only bound and executed', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await sql<{ v: number }>`SELECT ${i}::int + 1 AS v /* prepared-marker */`.execute(database.db);
      assert.equal(r.rows[0]!.v, i + 1);
    }
    const prepared = await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM pg_prepared_statements WHERE statement LIKE '%prepared-marker%'`.execute(database.db);
    assert.equal(prepared.rows[0]!.n, 1, 'one named statement for three executions');
    // Statements without parameters keep the simple protocol: several commands may go together.
    await sql`CREATE TEMP TABLE multi (a int); INSERT INTO multi VALUES (1)`.execute(database.db);
    const multi = await sql<{ n: number }>`SELECT count(*)::int AS n FROM multi WHERE a = ${1}`.execute(database.db);
    assert.equal(multi.rows[0]!.n, 1);
  });

  it('S6.2: a table that changed shape under a prepared SELECT * fails that statement once, then it is prepared again', async () => {
    await sql`CREATE TABLE reshaped (a int)`.execute(database.db);
    await sql`INSERT INTO reshaped VALUES (1)`.execute(database.db);
    const read = () => sql<Record<string, unknown>>`SELECT * FROM reshaped WHERE a = ${1}`.execute(database.db);
    assert.deepEqual((await read()).rows, [{ a: 1 }]);
    await sql`ALTER TABLE reshaped ADD COLUMN b int DEFAULT 7`.execute(database.db);
    const once = await read().then(
      () => null,
      (err: { code?: string }) => err.code,
    );
    // PostgreSQL may re-plan by itself (then no error at all); when it refuses, it says 0A000.
    assert.ok(once === null || once === '0A000', `unexpected ${String(once)}`);
    assert.deepEqual((await read()).rows, [{ a: 1, b: 7 }]);
  });
});
