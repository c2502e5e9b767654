import { sql, type Insertable, type Selectable, type Updateable } from 'kysely';
import type { Executor } from '../../platform/db.ts';
import { cachedTableRead } from '../../platform/dbchanges.ts';
import type { OrdersTables, OrderStatus } from './tables.ts';

export type OrderRow = Selectable<OrdersTables['orders']>;
export type OrderRules = Selectable<OrdersTables['order_rules']>;
export type OrderTypeRow = Selectable<OrdersTables['order_types']>;
export type OrderEventRow = Selectable<OrdersTables['order_events']>;

/** Outside a transaction, served from the in-process table cache (dropped on change, platform/dbchanges.ts). */
export async function getRules(db: Executor): Promise<OrderRules> {
  return cachedTableRead(db, 'order_rules', () => db.selectFrom('order_rules').selectAll().where('id', '=', 1).executeTakeFirstOrThrow());
}

export async function updateRules(db: Executor, patch: Updateable<OrdersTables['order_rules']>): Promise<OrderRules> {
  return db.updateTable('order_rules').set(patch).where('id', '=', 1).returningAll().executeTakeFirstOrThrow();
}

/** The order-type catalogue; outside a transaction from the table cache (dropped on change, migration 0070). */
export async function listTypes(db: Executor, includeRetired: boolean): Promise<OrderTypeRow[]> {
  return cachedTableRead(db, `order_types:${includeRetired ? 'all' : 'active'}`, () => {
    let q = db.selectFrom('order_types').selectAll().orderBy('sort').orderBy('code');
    if (!includeRetired) q = q.where('active', '=', true);
    return q.execute();
  });
}

export async function findType(db: Executor, code: string): Promise<OrderTypeRow | undefined> {
  return cachedTableRead(db, `order_types:code:${code}`, () =>
    db.selectFrom('order_types').selectAll().where('code', '=', code).executeTakeFirst(),
  );
}

export async function upsertType(db: Executor, row: Insertable<OrdersTables['order_types']>): Promise<OrderTypeRow> {
  return db
    .insertInto('order_types')
    .values(row)
    .onConflict((oc) =>
      oc.column('code').doUpdateSet((eb) => ({
        name_zh: eb.ref('excluded.name_zh'),
        name_en: eb.ref('excluded.name_en'),
        active: eb.ref('excluded.active'),
        sort: eb.ref('excluded.sort'),
      })),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function insertOrder(db: Executor, row: Insertable<OrdersTables['orders']>): Promise<OrderRow> {
  return db.insertInto('orders').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function findOrder(db: Executor, id: string): Promise<OrderRow | undefined> {
  return db.selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * The one way an order changes status: conditional on the expected statuses (and any extra
 * guard), so of several racing actors exactly one gets the row back.
 */
export async function transition(
  db: Executor,
  o: {
    id: string;
    from: readonly OrderStatus[];
    to: OrderStatus;
    set: Updateable<OrdersTables['orders']>;
    now: Date;
    guard?: { courierId?: string; ownerId?: string; version?: number };
  },
): Promise<OrderRow | undefined> {
  let q = db
    .updateTable('orders')
    .set((eb) => ({ ...o.set, status: o.to, updated_at: o.now, version: eb('version', '+', 1) }))
    .where('id', '=', o.id)
    .where('status', 'in', [...o.from]);
  if (o.guard?.courierId) q = q.where('courier_id', '=', o.guard.courierId);
  if (o.guard?.ownerId) q = q.where('owner_id', '=', o.guard.ownerId);
  if (o.guard?.version !== undefined) q = q.where('version', '=', o.guard.version);
  return q.returningAll().executeTakeFirst();
}

/** A field change without a status change, conditional on the version read (optimistic). */
export async function updateOrder(
  db: Executor,
  id: string,
  version: number,
  set: Updateable<OrdersTables['orders']>,
  now: Date,
): Promise<OrderRow | undefined> {
  return db
    .updateTable('orders')
    .set((eb) => ({ ...set, updated_at: now, version: eb('version', '+', 1) }))
    .where('id', '=', id)
    .where('version', '=', version)
    .returningAll()
    .executeTakeFirst();
}

export async function insertEvent(db: Executor, row: Insertable<OrdersTables['order_events']>): Promise<void> {
  await db.insertInto('order_events').values(row).execute();
}

export async function listEvents(db: Executor, orderId: string): Promise<OrderEventRow[]> {
  return db.selectFrom('order_events').selectAll().where('order_id', '=', orderId).orderBy('seq').execute();
}

/** Serialises one courier's takes (weekly cap check + claim) across processes, for this transaction. */
export async function lockCourier(db: Executor, courierId: string): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtextextended(${'orders.courier:' + courierId}, 0))`.execute(db);
}

/** The order, and the minutes of shifts the courier holds or worked that start in [from, to), in one round trip. */
export async function findOrderWithCourierMinutes(
  db: Executor,
  id: string,
  courierId: string,
  from: Date,
  to: Date,
): Promise<{ order: OrderRow; courierMinutes: number } | undefined> {
  const row = await db
    .selectFrom('orders')
    .selectAll()
    .select(heldMinutes(db, courierId, from, to).as('courier_minutes'))
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) return undefined;
  const { courier_minutes, ...order } = row;
  return { order, courierMinutes: Number(courier_minutes) };
}

/** Minutes of shifts the courier holds or worked that start in [from, to). */
export async function courierMinutesBetween(db: Executor, courierId: string, from: Date, to: Date): Promise<number> {
  const r = await heldMinutes(db, courierId, from, to).executeTakeFirstOrThrow();
  return Number(r.minutes);
}

/** Statuses in which an order counts against its courier's weekly hours. */
const HOLDING_STATUSES: OrderStatus[] = ['taken', 'checked_in', 'checked_out', 'completed', 'settled', 'disputed'];

/** The query summing those minutes: run on its own or as a scalar subquery. */
function heldMinutes(db: Executor, courierId: string, from: Date, to: Date) {
  return db
    .selectFrom('orders')
    .select(sql<number>`coalesce(sum(extract(epoch from (ends_at - starts_at)) / 60), 0)::float8`.as('minutes'))
    .where('courier_id', '=', courierId)
    .where('status', 'in', HOLDING_STATUSES)
    .where('starts_at', '>=', from)
    .where('starts_at', '<', to);
}

export async function listByOwner(
  db: Executor,
  ownerId: string,
  o: { statuses?: OrderStatus[]; after?: { createdAt: string; id: string }; limit: number },
): Promise<OrderRow[]> {
  let q = db.selectFrom('orders').selectAll().where('owner_id', '=', ownerId);
  if (o.statuses?.length) q = q.where('status', 'in', o.statuses);
  if (o.after) q = q.where(sql<boolean>`(created_at, id) < (${new Date(o.after.createdAt)}, ${o.after.id}::uuid)`);
  return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(o.limit).execute();
}

export async function listByCourier(
  db: Executor,
  courierId: string,
  o: { statuses?: OrderStatus[] | undefined; from?: Date; to?: Date; after?: { startsAt: string; id: string } | undefined; limit: number },
): Promise<OrderRow[]> {
  let q = db.selectFrom('orders').selectAll().where('courier_id', '=', courierId);
  if (o.statuses?.length) q = q.where('status', 'in', o.statuses);
  if (o.from) q = q.where('starts_at', '>=', o.from);
  if (o.after) q = q.where(sql<boolean>`(starts_at, id) > (${new Date(o.after.startsAt)}, ${o.after.id}::uuid)`);
  if (o.to) q = q.where('starts_at', '<', o.to);
  return q.orderBy('starts_at').orderBy('id').limit(o.limit).execute();
}

/** Ids of orders in a status whose deadline column is due, for the sweeps. */
export async function dueIds(
  db: Executor,
  o: {
    status: OrderStatus;
    column: 'pay_before' | 'starts_at' | 'confirm_hours_before';
    before: Date;
    extra?: 'unconfirmed' | 'unreminded';
    limit: number;
  },
): Promise<string[]> {
  let q = db.selectFrom('orders').select('id').where('status', '=', o.status).where(o.column, '<=', o.before);
  if (o.extra === 'unconfirmed') q = q.where('courier_confirmed_at', 'is', null);
  if (o.extra === 'unreminded') q = q.where('courier_confirmed_at', 'is', null).where('confirm_reminded_at', 'is', null);
  const rows = await q.orderBy(o.column).limit(o.limit).execute();
  return rows.map((r) => r.id);
}

export async function insertReliabilityEvent(db: Executor, row: Insertable<OrdersTables['order_reliability_events']>): Promise<void> {
  await db.insertInto('order_reliability_events').values(row).execute();
}

export async function upsertFeed(db: Executor, userId: string, tokenHash: string, now: Date): Promise<void> {
  await db
    .insertInto('order_calendar_feeds')
    .values({ user_id: userId, token_hash: tokenHash, created_at: now })
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ token_hash: tokenHash, created_at: now }))
    .execute();
}

export async function findFeed(db: Executor, tokenHash: string): Promise<{ user_id: string } | undefined> {
  return db.selectFrom('order_calendar_feeds').select('user_id').where('token_hash', '=', tokenHash).executeTakeFirst();
}

export async function insertReview(db: Executor, row: Insertable<OrdersTables['order_reviews']>): Promise<boolean> {
  const r = await db
    .insertInto('order_reviews')
    .values(row)
    .onConflict((oc) => oc.columns(['order_id', 'author_role']).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function reviewsOfOrder(db: Executor, orderId: string): Promise<Selectable<OrdersTables['order_reviews']>[]> {
  return db.selectFrom('order_reviews').selectAll().where('order_id', '=', orderId).orderBy('created_at').execute();
}

/** Average stars and count of reviews about a store or courier, plus the most recent ones. */
export async function ratingOf(
  db: Executor,
  subjectKind: 'courier' | 'store',
  subjectId: string,
  recent: number,
): Promise<{ avg: number | null; count: number; recent: Selectable<OrdersTables['order_reviews']>[] }> {
  const agg = await db
    .selectFrom('order_reviews')
    .select([sql<number | null>`avg(stars)::float8`.as('avg'), sql<number>`count(*)::int`.as('count')])
    .where('subject_kind', '=', subjectKind)
    .where('subject_id', '=', subjectId)
    .executeTakeFirstOrThrow();
  const rows =
    recent > 0
      ? await db
          .selectFrom('order_reviews')
          .selectAll()
          .where('subject_kind', '=', subjectKind)
          .where('subject_id', '=', subjectId)
          .orderBy('created_at', 'desc')
          .limit(recent)
          .execute()
      : [];
  return { avg: agg.avg, count: agg.count, recent: rows };
}

/** Unfinished orders of a user as owner or courier (S5.3b). */
export async function unfinishedOf(db: Executor, userId: string, statuses: readonly OrderStatus[]): Promise<OrderRow[]> {
  return db
    .selectFrom('orders')
    .selectAll()
    .where((eb) => eb.or([eb('owner_id', '=', userId), eb('courier_id', '=', userId)]))
    .where('status', 'in', [...statuses])
    .orderBy('starts_at')
    .limit(50)
    .execute();
}

/** The marketplace filters (S5.6a/b), already validated and normalised by the service. */
export interface MarketQuery {
  now: Date;
  terms: { term: string; grams: string[] }[];
  region?: { code: string; level: 'province' | 'city' | 'district' };
  startsFrom?: Date;
  startsBefore?: Date;
  types?: string[];
  payMinFen?: number;
  payMaxFen?: number;
  point?: { lat: number; lng: number };
  radiusM?: number;
  sort: 'distance' | 'start' | 'pay' | 'newest';
  after?: { k: number | string; id: string };
  limit: number;
  /** Only orders of these owners (the employer-risk filter); an empty list matches nothing. */
  ownerIds?: string[];
}

export type MarketRow = OrderRow & { distance_m: number | null; store_rating: number | null; store_rating_count: number };

/**
 * Published, untaken, not yet started orders matching the filters, in keyset order. Every filter
 * is a predicate one of the partial indexes of migration 0031 serves (grams GIN, earth_box GiST,
 * region/start btrees); tests EXPLAIN the main shapes.
 */
export function marketQuery(db: Executor, q: MarketQuery) {
  const dist = q.point
    ? sql<number>`earth_distance(ll_to_earth(${q.point.lat}, ${q.point.lng}), ll_to_earth(orders.lat, orders.lng))`
    : undefined;
  let s = db
    .selectFrom('orders')
    .selectAll('orders')
    .select([
      (dist ?? sql<number>`NULL::float8`).as('distance_m'),
      sql<
        number | null
      >`(SELECT avg(r.stars)::float8 FROM order_reviews r WHERE r.subject_kind = 'store' AND r.subject_id = orders.store_id)`.as(
        'store_rating',
      ),
      sql<number>`(SELECT count(*)::int FROM order_reviews r WHERE r.subject_kind = 'store' AND r.subject_id = orders.store_id)`.as(
        'store_rating_count',
      ),
    ])
    .where('orders.status', '=', 'published')
    .where('orders.starts_at', '>', q.now);
  for (const t of q.terms) {
    s = s
      .where(sql<boolean>`orders.search_grams @> ${sql.val(t.grams)}::text[]`)
      .where(sql<boolean>`strpos(orders.search_text, ${t.term}) > 0`);
  }
  if (q.region) {
    const col =
      q.region.level === 'district' ? 'orders.region_code' : q.region.level === 'city' ? 'orders.city_code' : 'orders.province_code';
    s = s.where(col, '=', q.region.code);
  }
  if (q.startsFrom) s = s.where('orders.starts_at', '>=', q.startsFrom);
  if (q.startsBefore) s = s.where('orders.starts_at', '<', q.startsBefore);
  if (q.types?.length) s = s.where('orders.type_code', 'in', q.types);
  if (q.payMinFen !== undefined) s = s.where('orders.pay_fen', '>=', q.payMinFen);
  if (q.payMaxFen !== undefined) s = s.where('orders.pay_fen', '<=', q.payMaxFen);
  if (q.ownerIds) s = q.ownerIds.length ? s.where('orders.owner_id', 'in', q.ownerIds) : s.where(sql<boolean>`false`);
  if (q.point && q.radiusM !== undefined) {
    s = s
      .where(sql<boolean>`earth_box(ll_to_earth(${q.point.lat}, ${q.point.lng}), ${q.radiusM}) @> ll_to_earth(orders.lat, orders.lng)`)
      .where(sql<boolean>`${dist!} <= ${q.radiusM}`);
  }
  const a = q.after;
  switch (q.sort) {
    case 'distance':
      // (distance, id) keeps keyset pages exact when several orders share a store. PostgreSQL 15 cannot
      // combine a GiST KNN scan with the id tie-break, so this is a top-N sort of the matching orders:
      // cheap with a radius (earth_box narrows them first), a scan of the published ones without.
      if (a) s = s.where(sql<boolean>`(${dist!}, orders.id) > (${Number(a.k)}::float8, ${a.id}::uuid)`);
      return s.orderBy(dist!).orderBy('orders.id').limit(q.limit);
    case 'start':
      if (a) s = s.where(sql<boolean>`(orders.starts_at, orders.id) > (${new Date(String(a.k))}::timestamptz, ${a.id}::uuid)`);
      return s.orderBy('orders.starts_at').orderBy('orders.id').limit(q.limit);
    case 'pay':
      if (a) s = s.where(sql<boolean>`(orders.pay_fen, orders.id) < (${Number(a.k)}::bigint, ${a.id}::uuid)`);
      return s.orderBy('orders.pay_fen', 'desc').orderBy('orders.id', 'desc').limit(q.limit);
    case 'newest':
      if (a) s = s.where(sql<boolean>`(orders.published_at, orders.id) < (${new Date(String(a.k))}::timestamptz, ${a.id}::uuid)`);
      return s.orderBy('orders.published_at', 'desc').orderBy('orders.id', 'desc').limit(q.limit);
  }
}

/** Owners with orders on the marketplace now (published, not started): candidates of the employer-risk filter. */
export async function marketOwnerIds(db: Executor, now: Date): Promise<string[]> {
  const rows = await db
    .selectFrom('orders')
    .select('owner_id')
    .distinct()
    .where('status', '=', 'published')
    .where('starts_at', '>', now)
    .execute();
  return rows.map((r) => r.owner_id);
}

export async function searchMarket(db: Executor, q: MarketQuery): Promise<MarketRow[]> {
  return (await marketQuery(db, q).execute()) as MarketRow[];
}

/** Orders the courier completed (completed or settled), for training's stage unlocking. */
export async function countCompletedByCourier(db: Executor, courierId: string): Promise<number> {
  const r = await db
    .selectFrom('orders')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('courier_id', '=', courierId)
    .where('status', 'in', ['completed', 'settled'])
    .executeTakeFirstOrThrow();
  return r.n;
}
