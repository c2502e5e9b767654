import type { Manifest } from './generate.ts';
import type { Req } from './load.ts';

/** The p99 targets of issue 7 (ms), per scenario class. */
export const TARGET_P99_MS = { single: 25, complex: 50, stats: 100, analysis: 1500 } as const;
export type ScenarioClass = keyof typeof TARGET_P99_MS;

export interface Scenario {
  name: string;
  class: ScenarioClass;
  /** What the scenario measures, and the gap when it stands in for a missing endpoint. */
  note: string;
  next: (i: number) => Req | undefined;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const day = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10);

/** Request factories over the generated data. Takes use a shared cursor so no order is offered twice. */
/**
 * `takeFrom`: the first (order, courier) pair the take scenario offers. A take is a one-off: offering the
 * same pairs again measures "already yours" answers, so a second run on a reused dataset starts past the
 * pairs the first one used (`--take-from N`).
 */
export function scenarios(m: Manifest, opts: { opsToken?: string; takeFrom?: number } = {}) {
  if (!m.owners.length || !m.couriers.length) throw new Error('the dataset has no session users');
  const reads = m.couriers.flatMap((c) => c.unreadIds.map((id) => ({ token: c.token, id })));
  let takeCursor = opts.takeFrom ?? 0;
  const takePairs = Math.min(m.takeable.length, m.couriers.length);
  const now = Date.parse(m.now);

  const orderDetail: Scenario = {
    name: 'order_detail',
    class: 'single',
    note: 'GET /api/v1/orders/:id as the order’s owner',
    next: (i) => {
      const o = m.owners[i % m.owners.length]!;
      const id = o.orderIds[Math.floor(i / m.owners.length) % o.orderIds.length]!;
      return { method: 'GET', path: `/api/v1/orders/${id}`, headers: bearer(o.token), label: 'order_detail' };
    },
  };
  const walletBalance: Scenario = {
    name: 'wallet_balance',
    class: 'single',
    note: 'GET /api/v1/wallet as a courier (authenticated single-row read)',
    next: (i) => ({
      method: 'GET',
      path: '/api/v1/wallet',
      headers: bearer(m.couriers[i % m.couriers.length]!.token),
      label: 'wallet_balance',
    }),
  };
  const markRead: Scenario = {
    name: 'notification_read',
    class: 'single',
    note: 'POST /api/v1/notifications/:id/read (cycles over unread notifications; repeats re-mark, still a write path)',
    next: (i) => {
      const r = reads[i % Math.max(1, reads.length)];
      if (!r) return undefined;
      return { method: 'POST', path: `/api/v1/notifications/${r.id}/read`, headers: bearer(r.token), label: 'notification_read' };
    },
  };
  const accept: Scenario = {
    name: 'accept_order',
    class: 'single',
    note: 'POST /api/v1/orders/:id/take, each published order offered once, each courier takes one order',
    next: () => {
      if (takeCursor >= takePairs) return undefined;
      const k = takeCursor++;
      const id = m.takeable[k]!;
      const c = m.couriers[k]!;
      return { method: 'POST', path: `/api/v1/orders/${id}/take`, headers: bearer(c.token), label: 'accept_order' };
    },
  };
  const market: Scenario = {
    name: 'market_query',
    class: 'complex',
    note: 'GET /api/v1/orders/market: keyword + province + 30-day date range + within 5 km, sorted by distance',
    next: (i) => {
      const q = m.queryPoints[i % m.queryPoints.length]!;
      const c = m.couriers[i % m.couriers.length]!;
      const qs = new URLSearchParams({
        keyword: q.keyword,
        region: q.region,
        dateFrom: day(now),
        dateTo: day(now + 30 * 86_400_000),
        lat: q.lat.toFixed(5),
        lng: q.lng.toFixed(5),
        radiusM: '5000',
        sort: 'distance',
      });
      return { method: 'GET', path: `/api/v1/orders/market?${qs}`, headers: bearer(c.token), label: 'market_query' };
    },
  };
  const month = day(now).slice(0, 7);
  const ownerMonth: Scenario = {
    name: 'owner_month',
    class: 'stats',
    note: "GET /api/v1/stats/owner-month?month=<this month>: a store owner's orders, fill rate and spend",
    next: (i) => ({
      method: 'GET',
      path: `/api/v1/stats/owner-month?month=${month}`,
      headers: bearer(m.owners[i % m.owners.length]!.token),
      label: 'owner_month',
    }),
  };
  // Last week (Monday to Sunday, China time): the generated settlements lie in the past.
  const lastMonday = (() => {
    const d = Date.parse(`${day(now)}T00:00:00Z`);
    return new Date(d - (((new Date(d).getUTCDay() + 6) % 7) + 7) * 86_400_000).toISOString().slice(0, 10);
  })();
  const courierWeek: Scenario = {
    name: 'courier_week',
    class: 'stats',
    note: "GET /api/v1/stats/courier-week?weekStart=<last Monday>: a courier's earnings by day, from the ledger",
    next: (i) => ({
      method: 'GET',
      path: `/api/v1/stats/courier-week?weekStart=${lastMonday}`,
      headers: bearer(m.couriers[i % m.couriers.length]!.token),
      label: 'courier_week',
    }),
  };
  // Complex analysis over the last 12 months, as an ops staff member (from the rollups).
  const yearAgo = day(now - 365 * 86_400_000);
  const analysis = (name: string, path: string, note: string): Scenario => ({
    name,
    class: 'analysis',
    note,
    next: () => (opts.opsToken ? { method: 'GET', path, headers: bearer(opts.opsToken), label: name } : undefined),
  });
  const analysisFill = analysis(
    'analysis_fill',
    `/api/v1/stats/platform/fill?from=${yearAgo}&to=${day(now)}`,
    'fill rate and median time to fill by province × day, 12 months (≈ 12k rows of JSON)',
  );
  const analysisGmv = analysis('analysis_gmv', `/api/v1/stats/platform/gmv?from=${yearAgo}&to=${day(now)}`, 'GMV by month, 12 months');
  const analysisRetention = analysis('analysis_retention', '/api/v1/stats/platform/retention', 'courier retention cohorts');

  // Mixed workload: browsing dominates, writes are a minority (shares per 100 requests).
  const mixShares: [Scenario, number][] = [
    [market, 30],
    [orderDetail, 20],
    [walletBalance, 20],
    [markRead, 10],
    [courierWeek, 8],
    [ownerMonth, 7],
    [accept, 5],
  ];
  const wheel: Scenario[] = mixShares.flatMap(([s, n]) => Array.from({ length: n }, () => s));
  // A fixed interleaving (deterministic) rather than 30 market queries in a row.
  const order = wheel.map((s, k) => ({ s, key: (k * 37) % wheel.length })).sort((a, b) => a.key - b.key);
  const mixed: Scenario = {
    name: 'mixed',
    class: 'single',
    note: 'mix per 100: 30 market query, 20 order detail, 20 wallet, 10 mark read, 8 courier week, 7 owner month, 5 take (falls back to order detail when takes run out)',
    next: (i) => order[i % order.length]!.s.next(i) ?? orderDetail.next(i),
  };
  return {
    orderDetail,
    walletBalance,
    markRead,
    accept,
    market,
    ownerMonth,
    courierWeek,
    analysisFill,
    analysisGmv,
    analysisRetention,
    mixed,
    takePairs,
  };
}

/** The analysis computed straight from `orders` without the rollups (for comparison with the endpoints, which read rollups). */
export const ANALYSIS_QUERIES: { name: string; sql: string }[] = [
  {
    name: 'fill_rate_and_median_time_to_fill_by_province_day_12m',
    sql: `SELECT province_code, date_trunc('day', starts_at AT TIME ZONE 'Asia/Shanghai') AS day,
            count(*) FILTER (WHERE taken_at IS NOT NULL)::float8 / count(*) AS fill_rate,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM taken_at - published_at)) AS median_fill_s
          FROM orders WHERE published_at IS NOT NULL AND starts_at >= now() - interval '12 months'
          GROUP BY 1, 2`,
  },
  {
    name: 'gmv_by_month_12m',
    sql: `SELECT date_trunc('month', settled_at AT TIME ZONE 'Asia/Shanghai') AS month, sum(pay_fen) AS gmv_fen, count(*) AS orders
          FROM orders WHERE status = 'settled' AND settled_at >= now() - interval '12 months' GROUP BY 1 ORDER BY 1`,
  },
  {
    name: 'courier_retention_cohorts_12m',
    sql: `WITH work AS (
            SELECT courier_id, date_trunc('month', starts_at AT TIME ZONE 'Asia/Shanghai') AS month
            FROM orders WHERE status = 'settled' AND starts_at >= now() - interval '12 months' GROUP BY 1, 2),
          first AS (SELECT courier_id, min(month) AS cohort FROM work GROUP BY 1)
          SELECT f.cohort, (extract(year FROM age(w.month, f.cohort)) * 12 + extract(month FROM age(w.month, f.cohort)))::int AS months_after,
                 count(*) AS active
          FROM work w JOIN first f USING (courier_id) GROUP BY 1, 2 ORDER BY 1, 2`,
  },
];
