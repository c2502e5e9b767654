import { sql } from 'kysely';
import { openDatabase } from '../../server/src/platform/db.ts';
import { refreshRollups } from '../../server/src/modules/stats/rollups.ts';
import type { Platform } from '../../server/src/platform/platform.ts';

/**
 * `node bench/src/stats-timing.ts <database-url>`: times a full and an incremental rollup refresh and
 * prints EXPLAIN ANALYZE of the statistics queries for a busy owner and courier of the dataset.
 */
const url = process.argv[2];
if (!url) throw new Error('usage: stats-timing.ts <database-url>');
const database = await openDatabase({ databaseUrl: url, dataDir: '/nonexistent', poolMax: 2 });
const p = { db: database.db } as unknown as Platform;
const time = async <T>(label: string, f: () => Promise<T>) => {
  const t = performance.now();
  const r = await f();
  console.log(`${label}: ${Math.round(performance.now() - t)} ms ${JSON.stringify(r)}`);
  return r;
};
try {
  await time('refresh (full)', () => refreshRollups(p, { full: true }));
  await time('refresh (incremental, nothing changed)', () => refreshRollups(p));
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
} finally {
  await database.close();
}
