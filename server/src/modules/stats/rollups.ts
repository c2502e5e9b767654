import { sql } from 'kysely';
import type { Platform } from '../../platform/platform.ts';

/** Advisory lock key of the rollup refresh (one refresh at a time across processes). */
const REFRESH_LOCK = 0x57a75;
/** Orders whose change committed a little after its updated_at (long transactions) are still picked up. */
const WATERMARK_OVERLAP = '5 minutes';

export const STATS_REFRESH_JOB = 'stats.refresh-rollups';

/**
 * Brings the analysis rollups up to date with the orders table, incrementally: every shift day (China
 * time) holding an order changed since the last run is recomputed whole from `orders` (so the result
 * is exact, whatever the change was), couriers' active months are added, and the retention matrix is
 * recomputed when they changed. Idempotent; runs every minute as a job and on demand. The first run on
 * an existing database computes everything once.
 *
 * Known limit: when an order's shift moves to another day, the day it left is recomputed only when
 * another order of that day changes (or by `full: true`).
 */
export async function refreshRollups(p: Platform, opts: { full?: boolean } = {}): Promise<{ days: number; newCourierMonths: number }> {
  return p.db.transaction().execute(async (tx) => {
    await sql`SELECT pg_advisory_xact_lock(${REFRESH_LOCK})`.execute(tx);
    const state = (
      await sql<{ watermark: Date; now: Date }>`
        SELECT orders_watermark AS watermark, now() AS now FROM stats_state WHERE id = 1 FOR UPDATE`.execute(tx)
    ).rows[0]!;
    const since = opts.full ? sql`'-infinity'::timestamptz` : sql`${state.watermark}::timestamptz - ${WATERMARK_OVERLAP}::interval`;
    const dayRows = await sql<{ day: string }>`
      SELECT DISTINCT to_char(starts_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') AS day
      FROM orders WHERE updated_at >= ${since}`.execute(tx);
    const days = dayRows.rows.map((r) => r.day);
    let newCourierMonths = 0;
    if (days.length) {
      // [from, to) of each China-time day, so each day is an index range scan on orders_starts_idx.
      const from = days.map((d) => new Date(Date.parse(`${d}T00:00:00+08:00`)));
      const to = from.map((f) => new Date(f.getTime() + 86_400_000));
      const ranges = sql`unnest(${from}::timestamptz[], ${to}::timestamptz[]) AS r(f, t) JOIN orders o ON o.starts_at >= r.f AND o.starts_at < r.t`;
      await sql`DELETE FROM stats_order_daily WHERE day = ANY(${days}::date[])`.execute(tx);
      await sql`
        INSERT INTO stats_order_daily (day, province_code, posted, filled, median_fill_s, settled, gmv_fen)
        SELECT (o.starts_at AT TIME ZONE 'Asia/Shanghai')::date, o.province_code,
          count(*) FILTER (WHERE o.published_at IS NOT NULL),
          count(*) FILTER (WHERE o.taken_at IS NOT NULL),
          percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM o.taken_at - o.published_at))
            FILTER (WHERE o.taken_at IS NOT NULL AND o.published_at IS NOT NULL),
          count(*) FILTER (WHERE o.status = 'settled'),
          coalesce(sum(o.pay_fen) FILTER (WHERE o.status = 'settled'), 0)
        FROM ${ranges}
        GROUP BY 1, 2`.execute(tx);
      const added = await sql`
        INSERT INTO stats_courier_months (courier_id, month)
        SELECT DISTINCT o.courier_id, date_trunc('month', o.starts_at AT TIME ZONE 'Asia/Shanghai')::date
        FROM ${ranges}
        WHERE o.status = 'settled' AND o.courier_id IS NOT NULL
        ON CONFLICT DO NOTHING`.execute(tx);
      newCourierMonths = Number(added.numAffectedRows ?? 0);
    }
    if (newCourierMonths > 0 || opts.full) {
      await sql`DELETE FROM stats_retention`.execute(tx);
      await sql`
        INSERT INTO stats_retention (cohort, months_after, active)
        SELECT f.cohort,
          ((extract(year FROM m.month) - extract(year FROM f.cohort)) * 12 + extract(month FROM m.month) - extract(month FROM f.cohort))::int,
          count(*)
        FROM stats_courier_months m
        JOIN (SELECT courier_id, min(month) AS cohort FROM stats_courier_months GROUP BY 1) f USING (courier_id)
        GROUP BY 1, 2`.execute(tx);
    }
    await sql`UPDATE stats_state SET orders_watermark = ${state.now}, refreshed_at = ${state.now} WHERE id = 1`.execute(tx);
    return { days: days.length, newCourierMonths };
  });
}

export interface FillRow {
  day: string;
  provinceCode: string;
  posted: number;
  filled: number;
  fillRate: number | null;
  medianFillSeconds: number | null;
}

async function asOf(p: Platform): Promise<string | null> {
  const r = await sql<{ at: Date | null }>`SELECT refreshed_at AS at FROM stats_state WHERE id = 1`.execute(p.db);
  return r.rows[0]?.at?.toISOString() ?? null;
}

/** Fill rate and median time to fill by province × shift day (from the rollup). */
export async function fillByProvinceDay(p: Platform, q: { from: string; to: string; provinceCode?: string | undefined }) {
  const rows = await sql<{ day: string; province_code: string; posted: number; filled: number; median_fill_s: number | null }>`
    SELECT to_char(day, 'YYYY-MM-DD') AS day, province_code, posted, filled, median_fill_s
    FROM stats_order_daily
    WHERE day >= ${q.from}::date AND day <= ${q.to}::date ${q.provinceCode ? sql`AND province_code = ${q.provinceCode}` : sql``}
    ORDER BY day, province_code`.execute(p.db);
  const items: FillRow[] = rows.rows.map((r) => ({
    day: r.day,
    provinceCode: r.province_code,
    posted: r.posted,
    filled: r.filled,
    fillRate: r.posted ? Math.round((r.filled / r.posted) * 1000) / 1000 : null,
    medianFillSeconds: r.median_fill_s === null ? null : Math.round(r.median_fill_s),
  }));
  return { asOf: await asOf(p), from: q.from, to: q.to, items };
}

/** GMV (pay of settled shifts) and settled shifts by month of the shift (from the rollup). */
export async function gmvByMonth(p: Platform, q: { from: string; to: string }) {
  const rows = await sql<{ month: string; gmv_fen: number; settled: number; posted: number; filled: number }>`
    SELECT to_char(date_trunc('month', day), 'YYYY-MM') AS month, sum(gmv_fen)::bigint AS gmv_fen, sum(settled)::int AS settled,
      sum(posted)::int AS posted, sum(filled)::int AS filled
    FROM stats_order_daily WHERE day >= ${q.from}::date AND day <= ${q.to}::date
    GROUP BY 1 ORDER BY 1`.execute(p.db);
  return {
    asOf: await asOf(p),
    from: q.from,
    to: q.to,
    items: rows.rows.map((r) => ({ month: r.month, gmvFen: Number(r.gmv_fen), settled: r.settled, posted: r.posted, filled: r.filled })),
  };
}

/** Courier retention: of the couriers whose first settled shift was in month M, how many worked k months later. */
export async function retentionCohorts(p: Platform) {
  const rows = await sql<{ cohort: string; months_after: number; active: number }>`
    SELECT to_char(cohort, 'YYYY-MM') AS cohort, months_after, active FROM stats_retention ORDER BY cohort, months_after`.execute(p.db);
  return {
    asOf: await asOf(p),
    items: rows.rows.map((r) => ({ cohort: r.cohort, monthsAfter: r.months_after, active: r.active })),
  };
}
