import { sql } from 'kysely';
import type { Actor } from '../../platform/auth.ts';
import { can } from '../../platform/auth.ts';
import { AppError } from '../../platform/errors.ts';
import type { Platform } from '../../platform/platform.ts';

/** Statistics speak China time: a day, week or month starts at 00:00 Asia/Shanghai (UTC+8, no DST). */
const CN_OFFSET_MS = 8 * 3600_000;
const DAY_MS = 86_400_000;

/** Staff permissions that may look at any owner's / courier's statistics, and the platform analysis. */
export const STATS_PERMISSIONS = { anyOwner: 'orders:read', anyCourier: 'finance:read', platform: 'ops:read' } as const;

/** `YYYY-MM` (China time) → [start, end) instants; defaults to the month `now` is in. */
export function monthRange(month: string | undefined, now: Date): { month: string; from: Date; to: Date } {
  const cn = new Date(now.getTime() + CN_OFFSET_MS);
  const [y, m] = month ? month.split('-').map(Number) : [cn.getUTCFullYear(), cn.getUTCMonth() + 1];
  const from = new Date(Date.UTC(y!, m! - 1, 1) - CN_OFFSET_MS);
  const to = new Date(Date.UTC(y!, m!, 1) - CN_OFFSET_MS);
  return { month: `${y}-${String(m).padStart(2, '0')}`, from, to };
}

/** Week starting on the Monday `weekStart` (YYYY-MM-DD, China time), default the current week. */
export function weekRange(weekStart: string | undefined, now: Date): { weekStart: string; from: Date; to: Date } {
  let startCn: number;
  if (weekStart) {
    startCn = Date.parse(`${weekStart}T00:00:00Z`);
    if (new Date(startCn).getUTCDay() !== 1) throw new AppError('VALIDATION_FAILED', { detail: 'weekStart must be a Monday' });
  } else {
    const cn = new Date(now.getTime() + CN_OFFSET_MS);
    const day = Date.UTC(cn.getUTCFullYear(), cn.getUTCMonth(), cn.getUTCDate());
    startCn = day - ((new Date(day).getUTCDay() + 6) % 7) * DAY_MS;
  }
  return {
    weekStart: new Date(startCn).toISOString().slice(0, 10),
    from: new Date(startCn - CN_OFFSET_MS),
    to: new Date(startCn + 7 * DAY_MS - CN_OFFSET_MS),
  };
}

/** Whose statistics: the caller's own, or — for staff holding `perm` — anyone's. */
function subjectOf(actor: Actor, requested: string | undefined, perm: string): string {
  if (!requested || requested === actor.userId) return actor.userId;
  if (!can(actor, perm)) throw new AppError('FORBIDDEN');
  return requested;
}

export interface OwnerMonthStore {
  storeId: string;
  storeName: string;
  posted: number;
  filled: number;
  cancelled: number;
  settled: number;
  spendFen: number;
  committedFen: number;
}

/**
 * A store owner's month (S6.2 general statistics): the orders whose shift starts in the month, per store
 * and in total — posted (paid and published), filled (taken by a courier at some point), fill rate,
 * cancelled, settled — and the money: spent (pay of settled shifts plus compensation paid on late
 * cancellations) and committed (paid into escrow for shifts not settled yet). One indexed query
 * (orders_owner_start_idx).
 */
export async function ownerMonth(p: Platform, actor: Actor, q: { month?: string | undefined; ownerId?: string | undefined }) {
  if (actor.kind === 'staff' ? !can(actor, STATS_PERMISSIONS.anyOwner) : !can(actor, 'orders:post')) throw new AppError('FORBIDDEN');
  const ownerId = subjectOf(actor, q.ownerId, STATS_PERMISSIONS.anyOwner);
  const r = monthRange(q.month, p.clock.now());
  const rows = await sql<{
    store_id: string;
    store_name: string;
    posted: number;
    filled: number;
    cancelled: number;
    settled: number;
    spend_fen: number;
    committed_fen: number;
  }>`
    SELECT store_id, max(store_name) AS store_name,
      count(*) FILTER (WHERE published_at IS NOT NULL)::int AS posted,
      count(*) FILTER (WHERE taken_at IS NOT NULL)::int AS filled,
      count(*) FILTER (WHERE status = 'cancelled')::int AS cancelled,
      count(*) FILTER (WHERE status = 'settled')::int AS settled,
      (coalesce(sum(pay_fen) FILTER (WHERE status = 'settled'), 0) + coalesce(sum(courier_comp_fen) FILTER (WHERE status = 'cancelled'), 0))::bigint AS spend_fen,
      coalesce(sum(pay_fen) FILTER (WHERE paid_at IS NOT NULL AND status NOT IN ('settled', 'cancelled', 'closed')), 0)::bigint AS committed_fen
    FROM orders
    WHERE owner_id = ${ownerId} AND starts_at >= ${r.from} AND starts_at < ${r.to}
    GROUP BY store_id
    ORDER BY 2, 1`.execute(p.db);
  const stores: OwnerMonthStore[] = rows.rows.map((x) => ({
    storeId: x.store_id,
    storeName: x.store_name,
    posted: x.posted,
    filled: x.filled,
    cancelled: x.cancelled,
    settled: x.settled,
    spendFen: Number(x.spend_fen),
    committedFen: Number(x.committed_fen),
  }));
  const sum = (k: keyof Omit<OwnerMonthStore, 'storeId' | 'storeName'>) => stores.reduce((n, s) => n + s[k], 0);
  const posted = sum('posted');
  const filled = sum('filled');
  return {
    ownerId,
    month: r.month,
    from: r.from.toISOString(),
    to: r.to.toISOString(),
    posted,
    filled,
    fillRate: posted ? Math.round((filled / posted) * 1000) / 1000 : null,
    cancelled: sum('cancelled'),
    settled: sum('settled'),
    spendFen: sum('spendFen'),
    committedFen: sum('committedFen'),
    stores,
  };
}

/**
 * A courier's weekly earnings (Monday to Sunday, China time), from the ledger — what actually reached
 * their wallet: per day the pay of settled shifts (escrow releases, net of the platform fee, with the
 * fee shown) and any other credit (compensation, adjustments); top-ups and returned withdrawals are
 * not earnings. One indexed query (ledger_postings_account_time_idx).
 */
export async function courierWeek(p: Platform, actor: Actor, q: { weekStart?: string | undefined; courierId?: string | undefined }) {
  if (actor.kind === 'staff' ? !can(actor, STATS_PERMISSIONS.anyCourier) : !can(actor, 'orders:take')) throw new AppError('FORBIDDEN');
  const courierId = subjectOf(actor, q.courierId, STATS_PERMISSIONS.anyCourier);
  const r = weekRange(q.weekStart, p.clock.now());
  const rows = await sql<{ day: string; shift: boolean; n: number; fen: number; fee_fen: number }>`
    SELECT to_char(p.created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') AS day,
      t.kind = 'escrow_release' AS shift,
      count(*)::int AS n, sum(p.amount_fen)::bigint AS fen,
      coalesce(sum((t.memo->>'feeFen')::bigint) FILTER (WHERE t.kind = 'escrow_release'), 0)::bigint AS fee_fen
    FROM ledger_accounts a
    JOIN ledger_postings p ON p.account_id = a.id
    JOIN ledger_transfers t ON t.id = p.transfer_id
    WHERE a.code = ${`user:${courierId}:available`}
      AND p.created_at >= ${r.from} AND p.created_at < ${r.to}
      AND p.amount_fen > 0
      AND t.kind NOT IN ('topup', 'payout_void', 'reversal')
    GROUP BY 1, 2`.execute(p.db);
  const days = Array.from({ length: 7 }, (_, i) => ({
    date: new Date(r.from.getTime() + CN_OFFSET_MS + i * DAY_MS).toISOString().slice(0, 10),
    shifts: 0,
    shiftEarningsFen: 0,
    feeFen: 0,
    otherCreditsFen: 0,
  }));
  for (const x of rows.rows) {
    const d = days.find((e) => e.date === x.day);
    if (!d) continue;
    if (x.shift) {
      d.shifts += x.n;
      d.shiftEarningsFen += Number(x.fen);
      d.feeFen += Number(x.fee_fen);
    } else d.otherCreditsFen += Number(x.fen);
  }
  const total = (k: 'shifts' | 'shiftEarningsFen' | 'feeFen' | 'otherCreditsFen') => days.reduce((n, d) => n + d[k], 0);
  return {
    courierId,
    weekStart: r.weekStart,
    from: r.from.toISOString(),
    to: r.to.toISOString(),
    shifts: total('shifts'),
    shiftEarningsFen: total('shiftEarningsFen'),
    feeFen: total('feeFen'),
    otherCreditsFen: total('otherCreditsFen'),
    totalFen: total('shiftEarningsFen') + total('otherCreditsFen'),
    days,
  };
}
