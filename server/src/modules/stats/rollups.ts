import { sql, type RawBuilder } from 'kysely';
import type { Tx } from '../../platform/db.ts';
import type { Platform } from '../../platform/platform.ts';

/** Advisory lock key of the rollup refresh: every step holds it, so two processes' steps never interleave. */
const REFRESH_LOCK = 0x57a75;
/** Orders whose change committed a little after its updated_at (long transactions) are still picked up. */
const WATERMARK_OVERLAP = '5 minutes';
/** A shift's day in China time (`o` is the orders row). */
const SHIFT_DAY = sql`(o.starts_at AT TIME ZONE 'Asia/Shanghai')::date`;
const DAY_MS = 86_400_000;

export const STATS_REFRESH_JOB = 'stats.refresh-rollups';
/** Calendar days one step recomputes at most: the oldest queued day and the queued days of the next ones. */
export const MAX_DAYS_PER_STEP = 7;
/** The work a step aims at: the days per step follow the last step's time per day (at least one day). */
export const STEP_TARGET_MS = 50;
/** Wall time (steps and pauses) one run of the minute job may take; the days left wait for the next run. */
export const JOB_BUDGET_MS = 20_000;
/** Pause after each step as a multiple of its duration: 1 leaves the refresh at most half of one core. */
export const PAUSE_RATIO = 1;

export interface RefreshOptions {
  /** Recompute every day from the first shift to the last (and drop rows of days outside), not only changed days. */
  full?: boolean;
  /** Start no step after this many ms of the run; the days left stay queued. Default: run until current. */
  budgetMs?: number;
  maxDaysPerStep?: number;
  stepTargetMs?: number;
  pauseRatio?: number;
  /** Clock in ms and sleep for the budget and the pauses (tests inject both). */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Called after each committed step (tests inject failures between steps here). */
  afterStep?: (step: RefreshStep) => void | Promise<void>;
}

/** What one step did: `queue` finds the days to recompute, `days` recomputes a few of them. */
export interface RefreshStep {
  kind: 'queue' | 'days';
  days: number;
  newCourierMonths: number;
  /** Days still queued after the step. */
  pendingDays: number;
  ms: number;
}

export interface RefreshResult {
  /** Days recomputed by this run. */
  days: number;
  newCourierMonths: number;
  steps: number;
  /** Days still queued: left for the next run when the budget ran out (0 when current). */
  pendingDays: number;
  /** True when nothing was left queued: the rollups include every change up to this run's start. */
  current: boolean;
}

/**
 * Brings the analysis rollups up to date with the orders table in small steps, each its own short
 * transaction under the refresh's advisory lock, with a pause after each so a busy server keeps its
 * cores for live traffic. The first step queues every shift day (China time) holding an order changed
 * since the last run — all days from the first shift to the last on the first run or with `full` — and
 * advances the watermark in the same transaction; each further step recomputes a few queued days whole
 * from `orders` (exact, whatever the change was), adds couriers' new active months and applies their
 * difference to the retention matrix, and unqueues those days. A step takes as many days as the last
 * one's time per day fits in `STEP_TARGET_MS` (1 to `MAX_DAYS_PER_STEP`). A run stopped between steps (failure,
 * `budgetMs`) leaves its days queued for the next one. Idempotent; the minute job runs it with a budget,
 * the ops endpoint until current.
 *
 * Known limit: when an order's shift moves to another day, the day it left is recomputed only when
 * another order of that day changes (or by `full: true`).
 */
export async function refreshRollups(p: Platform, opts: RefreshOptions = {}): Promise<RefreshResult> {
  const now = opts.now ?? (() => performance.now());
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const pauseRatio = opts.pauseRatio ?? PAUSE_RATIO;
  const maxDays = opts.maxDaysPerStep ?? MAX_DAYS_PER_STEP;
  const targetMs = opts.stepTargetMs ?? STEP_TARGET_MS;
  const started = now();
  const total: RefreshResult = { days: 0, newCourierMonths: 0, steps: 0, pendingDays: 0, current: false };
  const step = async (kind: RefreshStep['kind'], work: (tx: Tx) => Promise<StepOutcome>): Promise<RefreshStep> => {
    const t0 = now();
    const r = await inStep(p, work);
    const done = { kind, ...r, ms: now() - t0 };
    total.steps++;
    total.days += r.days;
    total.newCourierMonths += r.newCourierMonths;
    total.pendingDays = r.pendingDays;
    await opts.afterStep?.(done);
    return done;
  };
  let last = await step('queue', (tx) => queueDays(tx, opts.full ?? false));
  let days = 1;
  while (total.pendingDays > 0) {
    const pause = last.ms * pauseRatio;
    if (opts.budgetMs !== undefined && now() - started + pause >= opts.budgetMs) break;
    await sleep(pause);
    last = await step('days', (tx) => recomputeQueuedDays(tx, days));
    days = nextStepDays(last, targetMs, maxDays);
  }
  total.current = total.pendingDays === 0;
  return total;
}

type StepOutcome = Omit<RefreshStep, 'kind' | 'ms'>;

/** Calendar days for the next step: as many as the last step's time per day fits in the target, 1 to `max`. */
function nextStepDays(last: RefreshStep, targetMs: number, max: number): number {
  if (last.days === 0 || last.ms <= 0) return max;
  return Math.max(1, Math.min(max, Math.floor((targetMs * last.days) / last.ms)));
}

/**
 * Runs one step as its own transaction holding the refresh lock (so steps of concurrent runs, in this
 * or another process, queue up one after another), without JIT compilation: a step's statements are
 * small and compiling them would cost more than running them.
 */
async function inStep(p: Platform, work: (tx: Tx) => Promise<StepOutcome>): Promise<StepOutcome> {
  return p.db.transaction().execute(async (tx) => {
    await sql`SELECT pg_advisory_xact_lock(${REFRESH_LOCK})`.execute(tx);
    await sql`SET LOCAL jit = off`.execute(tx);
    return work(tx);
  });
}

/**
 * Queues the days to recompute and advances the watermark to this transaction's start, atomically:
 * changed days (index on `updated_at`, from the last watermark minus the overlap), or on the first run
 * and with `full` every day from the first shift to the last (rows of days outside that span go).
 */
async function queueDays(tx: Tx, full: boolean): Promise<StepOutcome> {
  const state = (
    await sql<{ first: boolean }>`SELECT orders_watermark = '-infinity' AS first FROM stats_state WHERE id = 1 FOR UPDATE`.execute(tx)
  ).rows[0]!;
  if (full || state.first) {
    await sql`
      WITH span AS (
        SELECT (min(starts_at) AT TIME ZONE 'Asia/Shanghai')::date AS lo, (max(starts_at) AT TIME ZONE 'Asia/Shanghai')::date AS hi
        FROM orders),
      dropped AS (
        DELETE FROM stats_order_daily s WHERE NOT EXISTS (SELECT 1 FROM span WHERE s.day BETWEEN span.lo AND span.hi))
      INSERT INTO stats_pending_days (day, queued_at)
      SELECT d::date, now() FROM span, generate_series(span.lo::timestamp, span.hi::timestamp, interval '1 day') d
      ON CONFLICT (day) DO NOTHING`.execute(tx);
  } else {
    await sql`
      INSERT INTO stats_pending_days (day, queued_at)
      SELECT DISTINCT ${SHIFT_DAY}, now() FROM orders o
      WHERE o.updated_at >= (SELECT orders_watermark FROM stats_state WHERE id = 1) - ${WATERMARK_OVERLAP}::interval
      ON CONFLICT (day) DO NOTHING`.execute(tx);
  }
  await sql`UPDATE stats_state SET orders_watermark = now() WHERE id = 1`.execute(tx);
  return { days: 0, newCourierMonths: 0, pendingDays: await markCurrent(tx) };
}

/**
 * Takes the oldest queued day and the queued days among the next `daysPerStep - 1` calendar days off
 * the queue and recomputes them: their rows of `stats_order_daily`, couriers' months and retention.
 */
async function recomputeQueuedDays(tx: Tx, daysPerStep: number): Promise<StepOutcome> {
  const days = (
    await sql<{ day: string }>`
      DELETE FROM stats_pending_days WHERE day IN (
        SELECT d.day FROM stats_pending_days d, (SELECT day FROM stats_pending_days ORDER BY queued_at, day LIMIT 1) first
        WHERE d.day >= first.day AND d.day < first.day + ${daysPerStep}::int)
      RETURNING to_char(day, 'YYYY-MM-DD') AS day`.execute(tx)
  ).rows
    .map((r) => r.day)
    .sort();
  if (!days.length) return { days: 0, newCourierMonths: 0, pendingDays: await markCurrent(tx) };
  const shifts = shiftsOfDays(days);
  await recomputeDaily(tx, days, shifts);
  const newCourierMonths = await addCourierMonths(tx, shifts);
  return { days: days.length, newCourierMonths, pendingDays: await markCurrent(tx) };
}

/**
 * The orders (`o`) whose shift falls on one of `days` (sorted, China time): a range scan of
 * `orders_starts_idx` over at most `daysPerStep` days, filtered to the queued ones.
 */
function shiftsOfDays(days: string[]): RawBuilder<unknown> {
  const from = new Date(Date.parse(`${days[0]}T00:00:00+08:00`));
  const to = new Date(Date.parse(`${days[days.length - 1]}T00:00:00+08:00`) + DAY_MS);
  return sql`o.starts_at >= ${from} AND o.starts_at < ${to} AND ${SHIFT_DAY} = ANY(${days}::date[])`;
}

/** Replaces the rows of `days` in `stats_order_daily` by their recomputation from `orders`. */
async function recomputeDaily(tx: Tx, days: string[], shifts: RawBuilder<unknown>): Promise<void> {
  await sql`DELETE FROM stats_order_daily WHERE day = ANY(${days}::date[])`.execute(tx);
  await sql`
    INSERT INTO stats_order_daily (day, province_code, posted, filled, median_fill_s, settled, gmv_fen)
    SELECT ${SHIFT_DAY}, o.province_code,
      count(*) FILTER (WHERE o.published_at IS NOT NULL),
      count(*) FILTER (WHERE o.taken_at IS NOT NULL),
      percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM o.taken_at - o.published_at))
        FILTER (WHERE o.taken_at IS NOT NULL AND o.published_at IS NOT NULL),
      count(*) FILTER (WHERE o.status = 'settled'),
      coalesce(sum(o.pay_fen) FILTER (WHERE o.status = 'settled'), 0)
    FROM orders o WHERE ${shifts}
    GROUP BY 1, 2`.execute(tx);
}

/** Whole months from month `a` to month `b` (both first days of a month). */
const monthsBetween = (a: RawBuilder<unknown>, b: RawBuilder<unknown>) =>
  sql`((extract(year FROM ${b}) - extract(year FROM ${a})) * 12 + extract(month FROM ${b}) - extract(month FROM ${a}))::int`;

/**
 * Adds the months of the settled shifts among `shifts` to the couriers' active months and applies the
 * difference to the retention matrix: for each courier with a new month, their cells after the change
 * (cohort = first month, possibly earlier now) minus their cells before. The matrix so stays equal to
 * its recomputation from `stats_courier_months` (cells that fall to 0 go) without reading the couriers
 * who did not change (their months are read through the primary key). One statement: its CTEs all see
 * the months before the insert.
 */
async function addCourierMonths(tx: Tx, shifts: RawBuilder<unknown>): Promise<number> {
  const r = await sql<{ added: number }>`
    WITH added AS (
      INSERT INTO stats_courier_months (courier_id, month)
      SELECT DISTINCT o.courier_id, date_trunc('month', o.starts_at AT TIME ZONE 'Asia/Shanghai')::date
      FROM orders o WHERE ${shifts} AND o.status = 'settled' AND o.courier_id IS NOT NULL
      ON CONFLICT DO NOTHING
      RETURNING courier_id, month),
    before AS (SELECT courier_id, month FROM stats_courier_months WHERE courier_id = ANY(ARRAY(SELECT DISTINCT courier_id FROM added))),
    after AS (SELECT courier_id, month FROM before UNION ALL SELECT courier_id, month FROM added),
    cells AS (
      SELECT c.cohort, ${monthsBetween(sql`c.cohort`, sql`a.month`)} AS months_after, 1 AS n
      FROM after a JOIN (SELECT courier_id, min(month) AS cohort FROM after GROUP BY 1) c USING (courier_id)
      UNION ALL
      SELECT c.cohort, ${monthsBetween(sql`c.cohort`, sql`b.month`)}, -1
      FROM before b JOIN (SELECT courier_id, min(month) AS cohort FROM before GROUP BY 1) c USING (courier_id)),
    applied AS (
      INSERT INTO stats_retention AS r (cohort, months_after, active)
      SELECT cohort, months_after, sum(n) FROM cells GROUP BY 1, 2 HAVING sum(n) <> 0
      ON CONFLICT (cohort, months_after) DO UPDATE SET active = r.active + excluded.active)
    SELECT count(*)::int AS added FROM added`.execute(tx);
  const added = r.rows[0]!.added;
  if (added > 0) await sql`DELETE FROM stats_retention WHERE active = 0`.execute(tx);
  return added;
}

/** Days still queued; when none, the rollups hold every change up to the watermark, which becomes `asOf`. */
async function markCurrent(tx: Tx): Promise<number> {
  const pending = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM stats_pending_days`.execute(tx)).rows[0]!.n;
  if (pending === 0) await sql`UPDATE stats_state SET refreshed_at = orders_watermark WHERE id = 1`.execute(tx);
  return pending;
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
