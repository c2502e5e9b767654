import { Kysely, PostgresDialect, sql } from 'kysely';
import type pg from 'pg';
import { pathToFileURL } from 'node:url';
import { openDatabase, type Db } from '../../server/src/platform/db.ts';
import { migrate } from '../../server/src/platform/migrate.ts';
import type { RefreshOptions } from '../../server/src/modules/stats/rollups.ts';
import type { Platform } from '../../server/src/platform/platform.ts';

/**
 * `node bench/src/stats-timing.ts <database-url> [--refresh-only] [--reset] [--touch-days N] [--impl FILE]`:
 * migrates the database, then times a full and an incremental rollup refresh (nothing changed, then
 * after touching 10 orders on each of N days spread over the dataset; default 30) and a minute-job run
 * (its time budget) after touching them again, and reports for each the longest transaction (a pooled
 * connection held) and the longest statement, with EXPLAIN (ANALYZE, BUFFERS) of its slowest
 * statements (replayed in a transaction that is rolled back). `--reset` empties the rollups first so
 * the full refresh is a first run; `--impl` times another module's `refreshRollups` (a copy of an
 * earlier version, for before/after). Then, unless `--refresh-only`, EXPLAIN ANALYZE of the statistics
 * queries for a busy owner and courier of the dataset.
 */
const url = process.argv[2];
if (!url) throw new Error('usage: stats-timing.ts <database-url> [--refresh-only] [--reset] [--touch-days N] [--impl FILE]');
const flag = (name: string) => process.argv.includes(name);
const option = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const touchDays = Number(option('--touch-days') ?? 30);
const impl = option('--impl');
const rollups = (await import(
  impl ? pathToFileURL(impl).href : '../../server/src/modules/stats/rollups.ts'
)) as typeof import('../../server/src/modules/stats/rollups.ts');
const refreshRollups = rollups.refreshRollups as (p: Platform, o?: RefreshOptions) => Promise<unknown>;
const database = await openDatabase({ databaseUrl: url, dataDir: '/nonexistent', poolMax: 2 });
await migrate(database.db);

interface Statement {
  sql: string;
  parameters: readonly unknown[];
  ms: number;
}
let statements: Statement[] = [];
let holds: number[] = [];
const heldSince = new Map<pg.PoolClient, number>();
database.pool.on('acquire', (client) => heldSince.set(client, performance.now()));
database.pool.on('release', (_err, client) => {
  const since = heldSince.get(client);
  if (since !== undefined) holds.push(performance.now() - since);
  heldSince.delete(client);
});
// The same pool, with every statement's duration logged.
const db = new Kysely({
  dialect: new PostgresDialect({ pool: database.pool }),
  log: (e) => {
    if (e.level === 'query') statements.push({ sql: e.query.sql, parameters: e.query.parameters, ms: e.queryDurationMillis });
  },
}) as unknown as Db;
const p = { db } as unknown as Platform;

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

/** Statements replayed, not explained: transaction control and the refresh's advisory lock. */
const control = /^\s*(begin|commit|rollback|start transaction|select pg_(try_)?advisory)/i;

/**
 * Replays a run's statements in order inside one transaction that is rolled back, with EXPLAIN
 * (ANALYZE, BUFFERS) on the given ones, so each sees the state its predecessors left.
 */
async function explainRun(run: Statement[], which: Set<Statement>, setup: readonly string[]): Promise<string[]> {
  const client = await database.pool.connect();
  const plans: string[] = [];
  try {
    await client.query('BEGIN');
    for (const s of setup) await client.query(s);
    const last = Math.max(...run.map((s, i) => (which.has(s) ? i : -1)));
    for (const s of run.slice(0, last + 1)) {
      if (control.test(s.sql)) continue;
      if (!which.has(s)) {
        await client.query(s.sql, s.parameters as unknown[]);
        continue;
      }
      const r = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${s.sql}`, s.parameters as unknown[]);
      plans.push(
        `## plan (${Math.round(s.ms)} ms in the run): ${oneLine(s.sql).slice(0, 100)}\n${r.rows.map((x) => x['QUERY PLAN']).join('\n')}`,
      );
    }
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
  return plans;
}

/**
 * Runs one refresh and prints its wall time, its transactions and statements, and plans of the slowest
 * (replayed after `setup`, the statements that brought the database to the state the run started from).
 */
async function measure(label: string, f: () => Promise<unknown>, setup: readonly string[] = [], explainTop = 3) {
  statements = [];
  holds = [];
  const t = performance.now();
  const r = await f();
  const wall = performance.now() - t;
  const ms = (x: number) => `${Math.round(x)} ms`;
  const run = statements;
  const sorted = [...run].sort((a, b) => b.ms - a.ms);
  console.log(`\n# ${label}: ${ms(wall)} ${JSON.stringify(r)}`);
  console.log(
    `  transactions/connections: ${holds.length}, longest ${ms(Math.max(0, ...holds))}, sum ${ms(holds.reduce((a, b) => a + b, 0))}`,
  );
  console.log(`  statements: ${run.length}, longest ${ms(sorted[0]?.ms ?? 0)}, sum ${ms(run.reduce((a, b) => a + b.ms, 0))}`);
  for (const s of sorted.slice(0, 6)) console.log(`    ${ms(s.ms)}  ${oneLine(s.sql).slice(0, 140)}`);
  const top = new Set(sorted.filter((x) => !control.test(x.sql)).slice(0, explainTop));
  if (top.size) for (const plan of await explainRun(run, top, setup)) console.log(`\n${plan}`);
}

/** Marks 10 orders on each of `n` days spread over the dataset as changed (updated_at = now()). */
async function touch(n: number): Promise<number> {
  const r = await sql<{ days: number }>`
    WITH span AS (SELECT min(starts_at) AS lo, max(starts_at) AS hi FROM orders),
    picked AS (
      SELECT o.id, o.starts_at FROM span, generate_series(0, ${n - 1}) g(i)
      CROSS JOIN LATERAL (
        SELECT id, starts_at FROM orders WHERE starts_at >= span.lo + (span.hi - span.lo) * g.i / ${n} ORDER BY starts_at LIMIT 10) o),
    upd AS (UPDATE orders SET updated_at = now() FROM picked WHERE orders.id = picked.id RETURNING orders.starts_at)
    SELECT count(DISTINCT (starts_at AT TIME ZONE 'Asia/Shanghai')::date)::int AS days FROM upd`.execute(database.db);
  return r.rows[0]!.days;
}

/** Empties the rollups and their watermark, as before the first run. */
const RESET = [
  'TRUNCATE stats_order_daily, stats_courier_months, stats_retention, stats_pending_days',
  `UPDATE stats_state SET orders_watermark = '-infinity', refreshed_at = NULL`,
];

try {
  if (flag('--reset')) for (const s of RESET) await database.pool.query(s);
  await measure(
    flag('--reset') ? 'refresh (first run)' : 'refresh (full)',
    () => refreshRollups(p, { full: true }),
    flag('--reset') ? RESET : [],
  );
  await measure('refresh (incremental, nothing changed)', () => refreshRollups(p));
  let touched = await touch(touchDays);
  await measure(`refresh (incremental, after touching 10 orders on each of ${touched} days)`, () => refreshRollups(p));
  touched = await touch(touchDays);
  await measure(`minute job (budget ${rollups.JOB_BUDGET_MS ?? '-'} ms), after touching ${touched} days`, () =>
    refreshRollups(p, { budgetMs: rollups.JOB_BUDGET_MS }),
  );
  if (!flag('--refresh-only')) await statisticsPlans();
} finally {
  await database.close();
}

async function statisticsPlans() {
  const owner = (
    await sql<{ owner_id: string }>`SELECT owner_id FROM orders GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`.execute(database.db)
  ).rows[0]!;
  const month = (
    await sql<{
      f: Date;
      t: Date;
    }>`SELECT m AS f, m + interval '1 month' AS t FROM (SELECT date_trunc('month', starts_at) AS m FROM orders
         WHERE owner_id = ${owner.owner_id} GROUP BY 1 ORDER BY count(*) DESC LIMIT 1) x`.execute(database.db)
  ).rows[0]!;
  const courier = (
    await sql<{
      courier_id: string;
    }>`SELECT courier_id FROM orders WHERE status = 'settled' GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`.execute(database.db)
  ).rows[0]!;
  const plans: [string, ReturnType<typeof sql>][] = [
    [
      'owner month',
      sql`SELECT store_id, count(*) FILTER (WHERE published_at IS NOT NULL), sum(pay_fen) FILTER (WHERE status = 'settled')
          FROM orders WHERE owner_id = ${owner.owner_id} AND starts_at >= ${month.f} AND starts_at < ${month.t} GROUP BY store_id`,
    ],
    [
      'courier week',
      sql`SELECT to_char(p.created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), t.kind = 'escrow_release', count(*), sum(p.amount_fen)
          FROM ledger_accounts a JOIN ledger_postings p ON p.account_id = a.id JOIN ledger_transfers t ON t.id = p.transfer_id
          WHERE a.code = ${`user:${courier.courier_id}:available`} AND p.created_at >= now() - interval '400 days' AND p.amount_fen > 0
            AND t.kind NOT IN ('topup', 'payout_void', 'reversal') GROUP BY 1, 2`,
    ],
    ['fill 12 months', sql`SELECT * FROM stats_order_daily WHERE day >= current_date - 366 ORDER BY day, province_code`],
    [
      'gmv 12 months',
      sql`SELECT date_trunc('month', day), sum(gmv_fen) FROM stats_order_daily WHERE day >= current_date - 366 GROUP BY 1 ORDER BY 1`,
    ],
    ['retention', sql`SELECT * FROM stats_retention ORDER BY cohort, months_after`],
  ];
  for (const [name, q] of plans) {
    const r = await sql<{ 'QUERY PLAN': string }>`EXPLAIN (ANALYZE, BUFFERS) ${q}`.execute(database.db);
    console.log(`\n## ${name}\n${r.rows.map((x) => x['QUERY PLAN']).join('\n')}`);
  }
}
