import { can, type Actor } from '../../platform/auth.ts';
import type { Executor, Tx } from '../../platform/db.ts';
import type { OutboxEvent } from '../../platform/jobs.ts';
import { AppError } from '../../platform/errors.ts';
import type { Bilingual } from '../../platform/i18n.ts';
import { idempotent } from '../../platform/idempotency.ts';
import { hashToken, safeEqual } from '../../platform/crypto.ts';
import { newHumanNumber, newId, newNumericCode, newToken } from '../../platform/ids.ts';
import type { Platform } from '../../platform/platform.ts';
import { decodeCursor } from '../../platform/schemas.ts';
import { notificationEvent, notify } from '../messages/index.ts';
import { findMaskedRealName } from '../identity/index.ts';
import { findCertificateSummary } from '../training/index.ts';
import { findOwnedStore, findRegion, regionPath } from '../stores/index.ts';
import { distanceM } from './geo.ts';
import { marketChangeEvent, publishMarketChange } from './market-live.ts';
import { TRANSITIONS, UNFINISHED, type OrderAction, type OrderRole } from './lifecycle.ts';
import {
  DISPUTE_PERMISSION,
  READ_ANY_PERMISSION,
  assertCanManage,
  assertCanPost,
  assertCanTake,
  assertCourier,
  assertOwner,
  viewerOf,
  type Viewer,
} from './policy.ts';
import type { OrdersPorts } from './ports.ts';
import * as repo from './repo.ts';
import type { MarketRow, OrderRow, OrderRules } from './repo.ts';
import { gramsOf, keywordTerms, searchText } from './search.ts';
import { EMPLOYER_RISK_LEVELS, employerCompanyOf, employerRiskOf, type EmployerRiskLevel } from './employer-risk.ts';
import { openOrderHold } from '../risk/index.ts';
import { closeOrderPaymentsAtChannel } from '../wallet/index.ts';
import type { OrderStatus } from './tables.ts';

type CertLevel = 'bronze' | 'silver' | 'gold';
import './errors.ts';

/** What every use case receives: the platform and the other modules' functions it may call. */
export interface Deps {
  p: Platform;
  ports: OrdersPorts;
}

const MIN = 60_000;
const addMin = (d: Date, m: number) => new Date(d.getTime() + m * MIN);
const WEEK_MIN = 7 * 24 * 60;
const yuan = (fen: number) => (fen / 100).toFixed(2);

/** Runs a command once per Idempotency-Key (when given) in one transaction. */
function command<T>(d: Deps, scope: string, key: string | undefined, body: unknown, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return idempotent(d.p.db, { scope, key, body }, fn);
}

// ─── Transitions: audit, event and notifications in the command's transaction ─────────────────────

const STATUS_TEXT: Record<OrderStatus, Bilingual> = {
  pending_payment: { zh: '待支付', en: 'awaiting payment' },
  published: { zh: '已发布', en: 'published' },
  taken: { zh: '已接单', en: 'taken' },
  checked_in: { zh: '已签到', en: 'checked in' },
  checked_out: { zh: '已签退', en: 'checked out' },
  completed: { zh: '已完成', en: 'completed' },
  settled: { zh: '已结算', en: 'settled' },
  closed: { zh: '已关闭', en: 'closed' },
  cancelled: { zh: '已取消', en: 'cancelled' },
  no_show: { zh: '接单人未到岗', en: 'no-show' },
  disputed: { zh: '工时有争议', en: 'hours disputed' },
  held_for_review: { zh: '待风控审核', en: 'held for risk review' },
};

/** What each transition tells the parties (S5.8b). `{orderNo}`, `{storeName}` are filled in. */
const ACTION_TEXT: Record<OrderAction, Bilingual> = {
  pay: { zh: '订单 {orderNo}（{storeName}）已支付并发布。', en: 'Order {orderNo} ({storeName}) is paid and published.' },
  hold: {
    zh: '订单 {orderNo}（{storeName}）已支付，但贵企业近期劳动仲裁风险评估为高风险，订单须经风控人员审核后才会发布，款项暂存平台担保账户。您可以在订单页向审核人员说明情况；开始时间前仍未审核的订单将自动关闭并全额退款。',
    en: 'Order {orderNo} ({storeName}) is paid, but your company is currently at high labor-arbitration risk, so risk staff review the order before it is published; the pay stays in escrow. You can explain the situation to the reviewers on the order page. An order not reviewed before it starts is closed and fully refunded.',
  },
  release_hold: {
    zh: '订单 {orderNo}（{storeName}）已通过风控审核并发布。审核说明：{note}',
    en: 'Order {orderNo} ({storeName}) passed the risk review and is published. Reviewer’s note: {note}',
  },
  reject_hold: {
    zh: '订单 {orderNo}（{storeName}）未通过风控审核，已取消并全额退款。原因：{note}',
    en: 'Order {orderNo} ({storeName}) did not pass the risk review; it is cancelled and fully refunded. Reason: {note}',
  },
  expire_hold: {
    zh: '订单 {orderNo}（{storeName}）在开始时间前未完成风控审核，已关闭并全额退款。',
    en: 'The risk review of order {orderNo} ({storeName}) did not finish before it started; it is closed and fully refunded.',
  },
  close_unpaid: {
    zh: '订单 {orderNo}（{storeName}）未在支付期限内支付，已自动关闭。',
    en: 'Order {orderNo} ({storeName}) was not paid in time and has been closed.',
  },
  expire: {
    zh: '订单 {orderNo}（{storeName}）到开始时间仍无人接单，已关闭并全额退款。',
    en: 'Nobody took order {orderNo} ({storeName}) before it started; it is closed and fully refunded.',
  },
  cancel: { zh: '订单 {orderNo}（{storeName}）已被店主取消。', en: 'Order {orderNo} ({storeName}) was cancelled by the store owner.' },
  take: { zh: '订单 {orderNo}（{storeName}）已被接单。', en: 'Order {orderNo} ({storeName}) has been taken.' },
  release: {
    zh: '接单人已放弃订单 {orderNo}（{storeName}），订单已重新发布。',
    en: 'The courier released order {orderNo} ({storeName}); it is back in the marketplace.',
  },
  release_unconfirmed: {
    zh: '接单人未按时确认到岗，订单 {orderNo}（{storeName}）已重新发布。',
    en: 'The courier did not confirm in time; order {orderNo} ({storeName}) is back in the marketplace.',
  },
  check_in: { zh: '订单 {orderNo}（{storeName}）接单人已签到。', en: 'The courier checked in for order {orderNo} ({storeName}).' },
  no_show: {
    zh: '订单 {orderNo}（{storeName}）接单人开始后 30 分钟仍未签到，记为未到岗。店主可重新发布或退款。',
    en: 'The courier did not check in for order {orderNo} ({storeName}); recorded as a no-show. The owner may re-publish or be refunded.',
  },
  republish: {
    zh: '订单 {orderNo}（{storeName}）已按新的时间重新发布。',
    en: 'Order {orderNo} ({storeName}) is published again for a new time.',
  },
  expire_no_show: {
    zh: '订单 {orderNo}（{storeName}）未到岗后店主未在期限内重新发布或取消，报酬已全额退回店主。',
    en: 'After the no-show on order {orderNo} ({storeName}) the owner neither re-published nor cancelled in time; the pay is refunded in full.',
  },
  check_out: {
    zh: '订单 {orderNo}（{storeName}）接单人已签退，请在 24 小时内确认工时。',
    en: 'The courier checked out of order {orderNo} ({storeName}); please confirm the hours within 24 h.',
  },
  confirm_hours: {
    zh: '订单 {orderNo}（{storeName}）工时已确认，订单完成。',
    en: 'Hours of order {orderNo} ({storeName}) confirmed; the order is complete.',
  },
  auto_confirm: {
    zh: '订单 {orderNo}（{storeName}）店主未在期限内确认，工时已自动确认。',
    en: 'The owner did not respond in time; hours of order {orderNo} ({storeName}) are confirmed automatically.',
  },
  dispute: {
    zh: '订单 {orderNo}（{storeName}）的工时有争议，客服将介入处理。',
    en: 'The hours of order {orderNo} ({storeName}) are disputed; support will step in.',
  },
  resolve_dispute: {
    zh: '订单 {orderNo}（{storeName}）的工时争议已处理：按已签到签退的工时结算给接单人。',
    en: 'The dispute on order {orderNo} ({storeName}) is resolved: the courier is paid for the recorded hours.',
  },
  resolve_dispute_refund: {
    zh: '订单 {orderNo}（{storeName}）的工时争议已处理：报酬退回店主。',
    en: 'The dispute on order {orderNo} ({storeName}) is resolved: the pay is refunded to the owner.',
  },
  settle: {
    zh: '订单 {orderNo}（{storeName}）已结算，报酬已转入接单人钱包。',
    en: 'Order {orderNo} ({storeName}) is settled; the pay went to the courier’s wallet.',
  },
};

interface By {
  id: string | null;
  role: OrderRole;
}

const system: By = { id: null, role: 'system' };
const asOwner = (a: Actor): By => ({ id: a.userId, role: 'owner' });
const asCourier = (a: Actor): By => ({ id: a.userId, role: 'courier' });

/**
 * Applies one row of the transition table: conditional update, audit entry, domain event and a
 * notification to each party — all on the caller's transaction. Returns undefined when the order
 * was no longer in an expected status (someone else won).
 */
export async function transition(
  d: Deps,
  tx: Executor,
  order: OrderRow,
  action: OrderAction,
  by: By,
  set: Parameters<typeof repo.transition>[1]['set'] = {},
  opts: { note?: string | null; data?: Record<string, unknown>; guard?: { courierId?: string; ownerId?: string; version?: number } } = {},
): Promise<OrderRow | undefined> {
  const t = TRANSITIONS[action];
  const now = d.p.clock.now();
  const row = await repo.transition(tx, { id: order.id, from: t.from, to: t.to, set, now, guard: opts.guard });
  if (!row) return undefined;
  await repo.insertEvent(tx, {
    id: newId(),
    order_id: order.id,
    action,
    from_status: order.status,
    to_status: t.to,
    actor_id: by.id,
    actor_role: by.role,
    note: opts.note ?? null,
    data: JSON.stringify(opts.data ?? {}),
    at: now,
  });
  const courierId = row.courier_id ?? order.courier_id;
  const events: OutboxEvent[] = [
    {
      type: `orders.order.${t.to}`,
      payload: {
        orderId: row.id,
        orderNo: row.order_no,
        action,
        from: order.status,
        to: t.to,
        ownerId: row.owner_id,
        courierId,
        at: now.toISOString(),
      },
    },
  ];
  // The marketplace changed (an order entered or left it): open market lists update live (market-live.ts).
  if (order.status === 'published' || t.to === 'published') events.push(marketChangeEvent(d.p, row, order.status));
  const params = { orderNo: row.order_no, storeName: row.store_name, note: opts.note ?? '—' };
  const title = { zh: `订单{orderNo}${STATUS_TEXT[t.to].zh}`, en: `Order {orderNo} ${STATUS_TEXT[t.to].en}` };
  for (const userId of new Set([row.owner_id, courierId].filter((x): x is string => !!x))) {
    events.push(notificationEvent({ userId, category: 'order', title, body: ACTION_TEXT[action], params, link: `/orders/${row.id}` }));
  }
  // All of it in three round trips (outbox rows, then the jobs of each subscriber queue), not one per row.
  await d.p.jobs.publishAll(tx, events);
  return row;
}

/** Like transition() but the caller is sure of its right to act: losing the race is an error. */
async function mustTransition(...args: Parameters<typeof transition>): Promise<OrderRow> {
  const row = await transition(...args);
  if (!row) {
    const now = await repo.findOrder(args[1], args[2].id);
    throw new AppError('ORDER_INVALID_TRANSITION', { status: now?.status ?? 'unknown' });
  }
  return row;
}

async function loadOrder(db: Executor, id: string): Promise<OrderRow> {
  const row = await repo.findOrder(db, id);
  if (!row) throw new AppError('ORDER_NOT_FOUND');
  return row;
}

// ─── Catalogue and rules ───────────────────────────────────────────────────────────────────────────

/** The published rules (limits, deadlines, penalties, compensation) — what the code enforces. */
export const getRules = (d: Deps): Promise<OrderRules> => repo.getRules(d.p.db);

/** Ops change the published rules; what the API publishes is what the code enforces from then on. */
export async function updateRules(d: Deps, actor: Actor, patch: Partial<Record<RuleKey, number>>): Promise<OrderRules> {
  assertCanManage(actor);
  const set: Partial<Record<RuleKey, number>> = {};
  for (const [k, v] of Object.entries(patch) as [RuleKey, number | undefined][]) if (v !== undefined) set[k] = v;
  if (!Object.keys(set).length) return repo.getRules(d.p.db);
  return d.p.db.transaction().execute(async (tx) => {
    const before = await repo.getRules(tx);
    const min = set.min_shift_minutes ?? before.min_shift_minutes;
    const max = set.max_shift_minutes ?? before.max_shift_minutes;
    if (min > max) throw new AppError('VALIDATION_FAILED', { detail: 'minShiftMinutes > maxShiftMinutes' });
    const after = await repo.updateRules(tx, { ...set, updated_at: d.p.clock.now() });
    await d.p.jobs.publish(tx, 'orders.rules.changed', { by: actor.userId, changes: set });
    return after;
  });
}

/** The rule columns ops may change (all integers). */
export type RuleKey = Exclude<keyof OrderRules, 'id' | 'updated_at'>;

/** Staff look an order up by its number (phone complaints, support). */
export async function findOrderByNo(d: Deps, actor: Actor, orderNo: string): Promise<OrderRow> {
  if (!can(actor, READ_ANY_PERMISSION)) throw new AppError('FORBIDDEN');
  const row = await d.p.db.selectFrom('orders').selectAll().where('order_no', '=', orderNo).executeTakeFirst();
  if (!row) throw new AppError('ORDER_NOT_FOUND');
  return row;
}

export const listOrderTypes = (d: Deps, includeRetired = false) => repo.listTypes(d.p.db, includeRetired);

/** Ops add, rename or retire an order type of the managed catalogue. */
export async function upsertOrderType(
  d: Deps,
  actor: Actor,
  code: string,
  body: { nameZh: string; nameEn: string; active?: boolean; sort?: number },
) {
  assertCanManage(actor);
  return repo.upsertType(d.p.db, { code, name_zh: body.nameZh, name_en: body.nameEn, active: body.active ?? true, sort: body.sort ?? 100 });
}

// ─── Post and pay (S5.5) ───────────────────────────────────────────────────────────────────────────

export interface PostOrderInput {
  storeId: string;
  typeCode: string;
  startsAt: string;
  endsAt: string;
  payFen: number;
  description?: string | undefined;
  minCertLevel?: CertLevel | undefined;
  brands?: string[] | undefined;
  /** People needed: an order is for one person (S5.5a); anything but 1 is refused with its own code. */
  headcount?: number | undefined;
}

/** Checks the S5.5a rules on time and pay; each violation has its own code. */
export function validateShift(rules: OrderRules, now: Date, startsAt: Date, endsAt: Date, payFen: number): void {
  if (!(startsAt.getTime() > now.getTime())) throw new AppError('ORDER_START_NOT_IN_FUTURE');
  const minutes = (endsAt.getTime() - startsAt.getTime()) / MIN;
  if (!(minutes >= rules.min_shift_minutes && minutes <= rules.max_shift_minutes)) {
    throw new AppError('ORDER_DURATION_OUT_OF_RANGE', { minHours: rules.min_shift_minutes / 60, maxHours: rules.max_shift_minutes / 60 });
  }
  if (!Number.isSafeInteger(payFen) || payFen <= 0) throw new AppError('ORDER_PAY_INVALID');
  const minFen = Math.ceil((rules.min_hourly_pay_fen * minutes) / 60);
  if (payFen < minFen) throw new AppError('ORDER_PAY_BELOW_FLOOR', { minYuan: yuan(minFen), hourlyYuan: yuan(rules.min_hourly_pay_fen) });
}

function parseTime(s: string): Date {
  const t = new Date(s);
  if (Number.isNaN(t.getTime())) throw new AppError('VALIDATION_FAILED', { detail: `bad time ${s}` });
  return t;
}

/**
 * A store owner posts a shift order for one of their stores. It starts `pending_payment` with a
 * `payBefore` deadline; only paying publishes it (S5.5b). The owner must be real-name verified (S5.2).
 */
export async function postOrder(d: Deps, actor: Actor, body: PostOrderInput, idemKey?: string): Promise<OrderRow> {
  assertCanPost(actor);
  // S5.2: only a real-name verified owner (person or enterprise) may post.
  await d.ports.assertCanPost(d.p, d.p.db, { userId: actor.userId });
  const id = await command(d, `orders.post:${actor.userId}`, idemKey, body, async (tx) => {
    const now = d.p.clock.now();
    const rules = await repo.getRules(tx);
    const type = await repo.findType(tx, body.typeCode);
    if (!type || !type.active) throw new AppError('ORDER_TYPE_UNKNOWN', { code: body.typeCode });
    const startsAt = parseTime(body.startsAt);
    const endsAt = parseTime(body.endsAt);
    validateShift(rules, now, startsAt, endsAt, body.payFen);
    if (body.headcount !== undefined && body.headcount !== 1) throw new AppError('ORDER_HEADCOUNT_UNSUPPORTED');
    const store = await findOwnedStore(tx, actor.userId, body.storeId);
    if (!store) throw new AppError('STORE_NOT_FOUND');
    const path = regionPath(store.region_code);
    if (!path) throw new AppError('STORE_REGION_INVALID', { code: store.region_code });
    const text = searchText([store.name, store.address, body.description]);
    const row = await repo.insertOrder(tx, {
      id: newId(),
      order_no: newHumanNumber('DB', now),
      owner_id: actor.userId,
      store_id: store.id,
      type_code: type.code,
      status: 'pending_payment',
      store_name: store.name,
      region_code: store.region_code,
      city_code: path.city.code,
      province_code: path.province.code,
      address: store.address,
      lat: store.lat,
      lng: store.lng,
      starts_at: startsAt,
      ends_at: endsAt,
      pay_fen: body.payFen,
      description: body.description?.trim() || null,
      min_cert_level: body.minCertLevel ?? null,
      brands: [...new Set((body.brands ?? store.brands).map((b) => b.trim()).filter(Boolean))],
      search_text: text,
      search_grams: gramsOf(text),
      checkin_code: newNumericCode(6),
      pay_before: addMin(now, rules.pay_window_minutes),
      paid_at: null,
      published_at: null,
      courier_id: null,
      taken_at: null,
      courier_confirmed_at: null,
      confirm_reminded_at: null,
      checked_in_at: null,
      checked_out_at: null,
      confirm_hours_before: null,
      completed_at: null,
      settled_at: null,
      closed_at: null,
      cancelled_at: null,
      courier_comp_fen: null,
      created_at: now,
      updated_at: now,
    });
    await repo.insertEvent(tx, {
      id: newId(),
      order_id: row.id,
      action: 'post',
      from_status: null,
      to_status: 'pending_payment',
      actor_id: actor.userId,
      actor_role: 'owner',
      note: null,
      data: JSON.stringify({ payBefore: row.pay_before.toISOString() }),
      at: now,
    });
    await d.p.jobs.publish(tx, 'orders.order.pending_payment', { orderId: row.id, orderNo: row.order_no, ownerId: row.owner_id });
    return row.id;
  });
  return loadOrder(d.p.db, id);
}

/**
 * Pays an order from the owner's wallet balance into escrow and publishes it. Past `payBefore` the
 * order is (or is about to be) closed: nothing is charged. The escrow hold and the status change
 * commit together, so money never moves for an order that did not publish.
 */
export async function payOrder(d: Deps, actor: Actor, id: string, idemKey?: string): Promise<OrderRow> {
  assertCanPost(actor);
  // S5.2: an owner whose verification expired since posting does not publish (nothing is charged).
  await d.ports.assertCanPost(d.p, d.p.db, { userId: actor.userId });
  // S5.9b: a live WeChat Pay / Alipay payment for this order is closed at the channel first, so the pay
  // cannot arrive twice; one paid at the last moment is confirmed instead (and this payment is refused).
  const pre = await repo.findOrder(d.p.db, id);
  if (pre?.owner_id === actor.userId && pre.status === 'pending_payment') {
    await closeOrderPaymentsAtChannel(d.p, id).catch((err: unknown) =>
      d.p.logger.warn({ err: (err as Error).message, orderId: id }, 'could not close the live channel payment; paying from the balance'),
    );
  }
  await command(d, `orders.pay:${actor.userId}`, idemKey, { id }, async (tx) => {
    const order = await loadOrder(tx, id);
    assertOwner(actor, order);
    const now = d.p.clock.now();
    if (order.status === 'closed' || (order.status === 'pending_payment' && now.getTime() > order.pay_before.getTime())) {
      throw new AppError('ORDER_PAYMENT_DEADLINE_PASSED');
    }
    if (order.status !== 'pending_payment') throw new AppError('ORDER_INVALID_TRANSITION', { status: order.status });
    if (order.starts_at.getTime() <= now.getTime()) throw new AppError('ORDER_START_NOT_IN_FUTURE');
    await d.ports.holdEscrow(d.p, tx, { orderId: order.id, payerId: actor.userId, amountFen: order.pay_fen });
    if (!(await markOrderPaid(d, tx, order, actor.userId))) {
      throw new AppError('ORDER_INVALID_TRANSITION', { status: (await repo.findOrder(tx, order.id))?.status ?? 'unknown' });
    }
    return order.id;
  });
  return loadOrder(d.p.db, id);
}

/**
 * The order's pay is in its escrow (from the balance, or through a payment channel): publish it — or,
 * for a company at high labor-arbitration risk (issue 6), hold it for risk staff with the escrow kept.
 * On the caller's transaction; undefined when the order was no longer `pending_payment` at this version.
 */
export async function markOrderPaid(d: Deps, tx: Executor, order: OrderRow, payerId: string): Promise<OrderRow | undefined> {
  const now = d.p.clock.now();
  const by: By = { id: payerId, role: 'owner' };
  const company = await employerCompanyOf(d.p, order.owner_id, tx);
  if (company?.level === 'high') {
    const held = await transition(d, tx, order, 'hold', by, { paid_at: now }, { guard: { version: order.version } });
    if (held) await openOrderHold(d.p, tx, { order, creditCode: company.creditCode });
    return held;
  }
  return transition(d, tx, order, 'pay', by, { paid_at: now, published_at: now }, { guard: { version: order.version } });
}

export interface EditOrderInput {
  typeCode?: string | undefined;
  startsAt?: string | undefined;
  endsAt?: string | undefined;
  payFen?: number | undefined;
  description?: string | null | undefined;
  minCertLevel?: CertLevel | null | undefined;
  brands?: string[] | undefined;
}

/** The last moment the owner may change the order (S5.7a); null when it can no longer change. */
export function modifiableUntil(order: OrderRow): Date | null {
  return ['pending_payment', 'published', 'taken'].includes(order.status) ? order.starts_at : null;
}

/**
 * The last moment the owner may cancel (S5.7a); null when it can no longer be cancelled. After a no-show the
 * owner decides (re-publish or refund) within the published `no_show_decision_days`; then the sweep refunds.
 */
export function cancellableUntil(order: OrderRow, rules: Pick<OrderRules, 'no_show_decision_days'>): Date | null {
  if (['pending_payment', 'published', 'taken', 'held_for_review'].includes(order.status)) return order.starts_at;
  if (order.status === 'no_show') return noShowDecideBefore(order, rules);
  return null;
}

/** After a no-show: the owner re-publishes or cancels (refund) before this; then the sweep refunds (S5.7b). */
export const noShowDecideBefore = (order: OrderRow, rules: Pick<OrderRules, 'no_show_decision_days'>): Date =>
  addMin(order.starts_at, rules.no_show_decision_days * 24 * 60);

/**
 * The owner edits an order. Before it is taken anything may change (pay only while unpaid: once
 * paid the escrow holds that amount); after it is taken only the description, since time and pay
 * changes need the courier's consent.
 */
export async function editOrder(d: Deps, actor: Actor, id: string, body: EditOrderInput): Promise<OrderRow> {
  assertCanPost(actor);
  await d.p.db.transaction().execute(async (tx) => {
    const order = await loadOrder(tx, id);
    assertOwner(actor, order);
    const now = d.p.clock.now();
    const until = modifiableUntil(order);
    if (!until || now.getTime() >= until.getTime()) throw new AppError('ORDER_NOT_MODIFIABLE');
    const startsAt = body.startsAt !== undefined ? parseTime(body.startsAt) : order.starts_at;
    const endsAt = body.endsAt !== undefined ? parseTime(body.endsAt) : order.ends_at;
    const payFen = body.payFen ?? order.pay_fen;
    const timeChanged = startsAt.getTime() !== order.starts_at.getTime() || endsAt.getTime() !== order.ends_at.getTime();
    const payChanged = payFen !== order.pay_fen;
    if (order.status === 'taken' && (timeChanged || payChanged || body.typeCode !== undefined))
      throw new AppError('ORDER_CHANGE_NEEDS_CONSENT');
    if (timeChanged || payChanged) validateShift(await repo.getRules(tx), now, startsAt, endsAt, payFen);
    // A paid order's escrow follows its pay (S5.7a): the difference moves between the owner's balance and the
    // escrow in this transaction (INSUFFICIENT_FUNDS when the balance cannot cover a raise).
    const escrowDeltaFen =
      payChanged && order.status !== 'pending_payment'
        ? await d.ports.adjustEscrow(d.p, tx, {
            orderId: order.id,
            newAmountFen: payFen,
            key: `orders.pay-change:${order.id}:v${order.version}`,
          })
        : 0;
    if (body.typeCode !== undefined) {
      const type = await repo.findType(tx, body.typeCode);
      if (!type || !type.active) throw new AppError('ORDER_TYPE_UNKNOWN', { code: body.typeCode });
    }
    const description = body.description !== undefined ? body.description?.trim() || null : order.description;
    const store = { name: order.store_name, address: order.address };
    const text = searchText([store.name, store.address, description]);
    const row = await repo.updateOrder(
      tx,
      order.id,
      order.version,
      {
        starts_at: startsAt,
        ends_at: endsAt,
        pay_fen: payFen,
        description,
        search_text: text,
        search_grams: gramsOf(text),
        ...(body.typeCode !== undefined ? { type_code: body.typeCode } : {}),
        ...(body.minCertLevel !== undefined ? { min_cert_level: body.minCertLevel } : {}),
        ...(body.brands !== undefined ? { brands: body.brands } : {}),
      },
      now,
    );
    if (!row) throw new AppError('CONFLICT');
    await repo.insertEvent(tx, {
      id: newId(),
      order_id: order.id,
      action: 'edit',
      from_status: order.status,
      to_status: order.status,
      actor_id: actor.userId,
      actor_role: 'owner',
      note: null,
      data: JSON.stringify({
        fields: Object.keys(body),
        ...(payChanged ? { payFromFen: order.pay_fen, payToFen: payFen, escrowDeltaFen } : {}),
      }),
      at: now,
    });
    if (row.status === 'published') await publishMarketChange(d.p, tx, row, row.status);
    if (row.courier_id) {
      await notify(d.p, tx, {
        userId: row.courier_id,
        category: 'order',
        title: { zh: '订单{orderNo}已修改', en: 'Order {orderNo} changed' },
        body: { zh: '店主修改了订单 {orderNo} 的说明。', en: 'The owner changed the description of order {orderNo}.' },
        params: { orderNo: row.order_no },
        link: `/orders/${row.id}`,
      });
    }
  });
  return loadOrder(d.p.db, id);
}

/** Compensation the courier gets if the owner cancels the taken order now (published rule). */
export function cancellationCompensationFen(rules: OrderRules, order: OrderRow, now: Date): number {
  if (order.status !== 'taken') return 0;
  const cutoff = addMin(order.starts_at, -rules.cancel_cutoff_minutes);
  const pct = now.getTime() < cutoff.getTime() ? rules.compensation_before_cutoff_pct : rules.compensation_after_cutoff_pct;
  return Math.floor((order.pay_fen * pct) / 100);
}

/**
 * The owner cancels. Unpaid: nothing to refund. Published or no-show: full refund. Taken: the
 * courier gets the published compensation (larger after the cutoff) and the rest is refunded.
 */
export async function cancelOrder(d: Deps, actor: Actor, id: string, reason: string | undefined, idemKey?: string): Promise<OrderRow> {
  assertCanPost(actor);
  await command(d, `orders.cancel:${actor.userId}`, idemKey, { id, reason }, async (tx) => {
    const order = await loadOrder(tx, id);
    assertOwner(actor, order);
    const now = d.p.clock.now();
    const rules = await repo.getRules(tx);
    const until = cancellableUntil(order, rules);
    if (!until || now.getTime() >= until.getTime()) throw new AppError('ORDER_NOT_CANCELLABLE');
    let comp = 0;
    if (order.status === 'published' || order.status === 'no_show' || order.status === 'held_for_review') {
      await d.ports.refundEscrow(d.p, tx, { orderId: order.id });
    } else if (order.status === 'taken') {
      comp = cancellationCompensationFen(rules, order, now);
      await d.ports.compensateAndRefund(d.p, tx, {
        orderId: order.id,
        payerId: order.owner_id,
        courierId: order.courier_id!,
        courierFen: comp,
      });
      if (now.getTime() >= addMin(order.starts_at, -rules.cancel_cutoff_minutes).getTime()) {
        await repo.insertReliabilityEvent(tx, {
          id: newId(),
          subject_kind: 'store',
          subject_id: order.store_id,
          order_id: order.id,
          kind: 'late_cancel',
          at: now,
        });
      }
    }
    await mustTransition(
      d,
      tx,
      order,
      'cancel',
      asOwner(actor),
      { cancelled_at: now, courier_comp_fen: comp || null },
      { note: reason ?? null, data: { compensationFen: comp }, guard: { version: order.version } },
    );
    return order.id;
  });
  return loadOrder(d.p.db, id);
}

/**
 * After a no-show the owner puts the order back on the marketplace for a new shift time (S5.7b): the old
 * start has passed by then (no-show is recorded 30 min after it). The pay and its escrow stay; the new time
 * obeys the posting rules (future start, length, pay floor). The other choice is cancelling (full refund).
 */
export async function republishOrder(
  d: Deps,
  actor: Actor,
  id: string,
  body: { startsAt?: string; endsAt?: string } = {},
): Promise<OrderRow> {
  assertCanPost(actor);
  await d.p.db.transaction().execute(async (tx) => {
    const order = await loadOrder(tx, id);
    assertOwner(actor, order);
    if (order.status !== 'no_show') throw new AppError('ORDER_INVALID_TRANSITION', { status: order.status });
    if (body.startsAt === undefined || body.endsAt === undefined) throw new AppError('ORDER_REPUBLISH_NEEDS_TIME');
    const now = d.p.clock.now();
    const rules = await repo.getRules(tx);
    if (now.getTime() >= noShowDecideBefore(order, rules).getTime()) throw new AppError('ORDER_NOT_MODIFIABLE');
    const startsAt = parseTime(body.startsAt);
    const endsAt = parseTime(body.endsAt);
    validateShift(rules, now, startsAt, endsAt, order.pay_fen);
    await mustTransition(
      d,
      tx,
      order,
      'republish',
      asOwner(actor),
      {
        starts_at: startsAt,
        ends_at: endsAt,
        courier_id: null,
        taken_at: null,
        courier_confirmed_at: null,
        confirm_reminded_at: null,
        published_at: now,
      },
      {
        data: { fromStartsAt: order.starts_at.toISOString(), startsAt: startsAt.toISOString(), endsAt: endsAt.toISOString() },
        guard: { version: order.version },
      },
    );
  });
  return loadOrder(d.p.db, id);
}

// ─── Take (S5.6c) ──────────────────────────────────────────────────────────────────────────────────

/** Monday 00:00 Asia/Shanghai of the week containing t, as a UTC instant. */
export function weekStartShanghai(t: Date): Date {
  const local = new Date(t.getTime() + 8 * 3600_000);
  const dow = (local.getUTCDay() + 6) % 7; // Monday = 0
  const day = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate() - dow);
  return new Date(day - 8 * 3600_000);
}

/**
 * A verified, certified courier takes a published order. Of any number of racing couriers (on any
 * number of processes) exactly one wins: the claim is `UPDATE … WHERE status = 'published'`. The
 * database refuses overlapping shifts for one courier (exclusion constraint); the weekly cap is
 * checked under a per-courier advisory lock so two concurrent takes cannot both slip under it.
 */
export async function takeOrder(d: Deps, actor: Actor, id: string, idemKey?: string): Promise<OrderRow> {
  assertCanTake(actor);
  const peek = await loadOrder(d.p.db, id);
  if (peek.owner_id === actor.userId) throw new AppError('ORDER_OWN_ORDER');
  await d.ports.assertCanTake(d.p, d.p.db, { userId: actor.userId, minCertLevel: peek.min_cert_level });
  // The published rules from the table cache (dropped on change): one round trip fewer inside the transaction.
  const rules = await repo.getRules(d.p.db);
  let taken: OrderRow | undefined;
  await command(d, `orders.take:${actor.userId}`, idemKey, { id }, async (tx) => {
    const now = d.p.clock.now();
    await repo.lockCourier(tx, actor.userId);
    // The order and the courier's minutes in its week, read together after the lock. The week comes from
    // the start seen before; if the owner moved the shift to another week since, it is summed again.
    const week = weekStartShanghai(peek.starts_at);
    const found = await repo.findOrderWithCourierMinutes(tx, id, actor.userId, week, addMin(week, WEEK_MIN));
    if (!found) throw new AppError('ORDER_NOT_FOUND');
    const { order } = found;
    if (order.status !== 'published') {
      if (order.courier_id === actor.userId) return order.id; // already mine
      throw new AppError(order.courier_id ? 'ORDER_ALREADY_TAKEN' : 'ORDER_NOT_AVAILABLE');
    }
    if (order.starts_at.getTime() <= now.getTime()) throw new AppError('ORDER_NOT_AVAILABLE');
    const shiftWeek = weekStartShanghai(order.starts_at);
    const held =
      shiftWeek.getTime() === week.getTime()
        ? found.courierMinutes
        : await repo.courierMinutesBetween(tx, actor.userId, shiftWeek, addMin(shiftWeek, WEEK_MIN));
    const mine = (order.ends_at.getTime() - order.starts_at.getTime()) / MIN;
    if (held + mine > rules.weekly_hours_cap * 60) throw new AppError('ORDER_WEEKLY_HOURS_CAP', { cap: rules.weekly_hours_cap });
    // Taking within the reminder window counts as confirming attendance.
    const confirmed = now.getTime() >= addMin(order.starts_at, -rules.confirm_reminder_minutes).getTime() ? now : null;
    let row: OrderRow | undefined;
    try {
      row = await transition(d, tx, order, 'take', asCourier(actor), {
        courier_id: actor.userId,
        taken_at: now,
        courier_confirmed_at: confirmed,
      });
    } catch (err) {
      if ((err as { code?: string }).code === '23P01') throw new AppError('ORDER_SCHEDULE_CONFLICT');
      throw err;
    }
    if (!row) throw new AppError('ORDER_ALREADY_TAKEN');
    taken = row;
    return row.id;
  });
  // The row the claim returned is the committed order; a replayed Idempotency-Key reads it again.
  return taken ?? loadOrder(d.p.db, id);
}

/** The last moment the courier may release without it counting against their reliability. */
export function releaseFreeUntil(rules: OrderRules, order: OrderRow): Date | null {
  if (order.status !== 'taken' || !order.taken_at) return null;
  const grace = addMin(order.taken_at, rules.release_grace_minutes).getTime();
  const cutoff = addMin(order.starts_at, -rules.cancel_cutoff_minutes).getTime();
  return new Date(Math.min(grace, cutoff));
}

/** The courier gives a taken order back; it returns to the marketplace. Late releases are recorded. */
export async function releaseOrder(d: Deps, actor: Actor, id: string): Promise<OrderRow> {
  await d.p.db.transaction().execute(async (tx) => {
    const order = await loadOrder(tx, id);
    assertCourier(actor, order);
    const now = d.p.clock.now();
    if (order.starts_at.getTime() <= now.getTime()) throw new AppError('ORDER_NOT_CANCELLABLE');
    const rules = await repo.getRules(tx);
    const free = releaseFreeUntil(rules, order);
    const late = !free || now.getTime() > free.getTime();
    await mustTransition(
      d,
      tx,
      order,
      'release',
      asCourier(actor),
      { courier_id: null, taken_at: null, courier_confirmed_at: null, confirm_reminded_at: null },
      { data: { late }, guard: { courierId: actor.userId } },
    );
    if (late) {
      await repo.insertReliabilityEvent(tx, {
        id: newId(),
        subject_kind: 'courier',
        subject_id: actor.userId,
        order_id: order.id,
        kind: 'late_release',
        at: now,
      });
    }
  });
  return loadOrder(d.p.db, id);
}

/** The courier confirms they will come (asked 12 h before start). */
export async function confirmAttendance(d: Deps, actor: Actor, id: string): Promise<OrderRow> {
  await d.p.db.transaction().execute(async (tx) => {
    const order = await loadOrder(tx, id);
    assertCourier(actor, order);
    if (order.status !== 'taken') throw new AppError('ORDER_INVALID_TRANSITION', { status: order.status });
    if (order.courier_confirmed_at) return;
    const now = d.p.clock.now();
    const row = await repo.updateOrder(tx, order.id, order.version, { courier_confirmed_at: now }, now);
    if (!row) throw new AppError('CONFLICT');
    await repo.insertEvent(tx, {
      id: newId(),
      order_id: order.id,
      action: 'confirm_attendance',
      from_status: 'taken',
      to_status: 'taken',
      actor_id: actor.userId,
      actor_role: 'courier',
      note: null,
      data: '{}',
      at: now,
    });
  });
  return loadOrder(d.p.db, id);
}

// ─── Work (S5.7b) ──────────────────────────────────────────────────────────────────────────────────

export interface PresenceProof {
  lat?: number | undefined;
  lng?: number | undefined;
  code?: string | undefined;
}

/** The courier is at the store: within the geofence, or typed the code the store shows. */
function assertPresent(rules: OrderRules, order: OrderRow, proof: PresenceProof): Record<string, unknown> {
  if (proof.code !== undefined) {
    if (!safeEqual(proof.code, order.checkin_code)) throw new AppError('ORDER_CHECKIN_CODE_WRONG');
    return { by: 'code' };
  }
  if (proof.lat === undefined || proof.lng === undefined) throw new AppError('ORDER_CHECKIN_PROOF_MISSING');
  const dist = Math.round(distanceM({ lat: proof.lat, lng: proof.lng }, order));
  if (dist > rules.geofence_m) throw new AppError('ORDER_OUTSIDE_GEOFENCE', { distanceM: dist, limitM: rules.geofence_m });
  return { by: 'location', distanceM: dist };
}

export async function checkIn(d: Deps, actor: Actor, id: string, proof: PresenceProof): Promise<OrderRow> {
  await d.p.db.transaction().execute(async (tx) => {
    const order = await loadOrder(tx, id);
    assertCourier(actor, order);
    if (order.status !== 'taken') throw new AppError('ORDER_INVALID_TRANSITION', { status: order.status });
    const rules = await repo.getRules(tx);
    const now = d.p.clock.now();
    const opensAt = addMin(order.starts_at, -rules.checkin_open_minutes);
    if (now.getTime() < opensAt.getTime()) throw new AppError('ORDER_CHECKIN_TOO_EARLY', { opensAt: opensAt.toISOString() });
    if (now.getTime() > addMin(order.starts_at, rules.no_show_after_minutes).getTime()) {
      throw new AppError('ORDER_INVALID_TRANSITION', { status: 'no_show' });
    }
    const data = assertPresent(rules, order, proof);
    await mustTransition(d, tx, order, 'check_in', asCourier(actor), { checked_in_at: now }, { data, guard: { courierId: actor.userId } });
  });
  return loadOrder(d.p.db, id);
}

export async function checkOut(d: Deps, actor: Actor, id: string, proof: PresenceProof): Promise<OrderRow> {
  await d.p.db.transaction().execute(async (tx) => {
    const order = await loadOrder(tx, id);
    assertCourier(actor, order);
    if (order.status !== 'checked_in') throw new AppError('ORDER_INVALID_TRANSITION', { status: order.status });
    const rules = await repo.getRules(tx);
    const now = d.p.clock.now();
    const data = assertPresent(rules, order, proof);
    await mustTransition(
      d,
      tx,
      order,
      'check_out',
      asCourier(actor),
      { checked_out_at: now, confirm_hours_before: addMin(now, rules.confirm_hours_window_minutes) },
      { data, guard: { courierId: actor.userId } },
    );
  });
  return loadOrder(d.p.db, id);
}

/** The owner confirms the hours (→ completed, which settles) or disputes them, within the window. */
export async function confirmHours(d: Deps, actor: Actor, id: string, verdict: 'confirm' | 'dispute', note?: string): Promise<OrderRow> {
  await d.p.db.transaction().execute(async (tx) => {
    const order = await loadOrder(tx, id);
    assertOwner(actor, order);
    if (order.status !== 'checked_out') throw new AppError('ORDER_INVALID_TRANSITION', { status: order.status });
    const now = d.p.clock.now();
    if (order.confirm_hours_before && now.getTime() > order.confirm_hours_before.getTime())
      throw new AppError('ORDER_CONFIRM_WINDOW_PASSED');
    if (verdict === 'confirm') {
      await mustTransition(d, tx, order, 'confirm_hours', asOwner(actor), { completed_at: now }, { guard: { version: order.version } });
    } else {
      await mustTransition(d, tx, order, 'dispute', asOwner(actor), {}, { note: note ?? null, guard: { version: order.version } });
    }
  });
  return loadOrder(d.p.db, id);
}

/**
 * Support decides a disputed order: pay the courier (→ completed, then settled from the outbox) or
 * refund the owner (→ cancelled). The losing side gets a `dispute_lost` reliability event.
 */
export async function resolveDispute(
  d: Deps,
  staff: Actor,
  id: string,
  body: { outcome: 'pay_courier' | 'refund_owner'; note: string },
): Promise<OrderRow> {
  if (!can(staff, DISPUTE_PERMISSION)) throw new AppError('FORBIDDEN');
  await d.p.db.transaction().execute(async (tx) => {
    const order = await loadOrder(tx, id);
    if (order.status !== 'disputed') throw new AppError('ORDER_INVALID_TRANSITION', { status: order.status });
    const now = d.p.clock.now();
    const by: By = { id: staff.userId, role: 'staff' };
    if (body.outcome === 'pay_courier') {
      await mustTransition(
        d,
        tx,
        order,
        'resolve_dispute',
        by,
        { completed_at: now },
        { note: body.note, guard: { version: order.version } },
      );
    } else {
      await d.ports.refundEscrow(d.p, tx, { orderId: order.id });
      await mustTransition(
        d,
        tx,
        order,
        'resolve_dispute_refund',
        by,
        { cancelled_at: now },
        { note: body.note, guard: { version: order.version } },
      );
    }
    const loser =
      body.outcome === 'pay_courier' ? { kind: 'store' as const, id: order.store_id } : { kind: 'courier' as const, id: order.courier_id! };
    await repo.insertReliabilityEvent(tx, {
      id: newId(),
      subject_kind: loser.kind,
      subject_id: loser.id,
      order_id: order.id,
      kind: 'dispute_lost',
      at: now,
    });
  });
  return loadOrder(d.p.db, id);
}

/**
 * Settles a completed order: the escrow goes to the courier minus the platform fee, and the order
 * becomes `settled` in the same transaction. Runs from the outbox after completion; idempotent.
 */
export async function settleOrder(d: Deps, tx: Executor, orderId: string): Promise<void> {
  const order = await repo.findOrder(tx, orderId);
  if (!order || order.status !== 'completed' || !order.courier_id) return;
  const rules = await repo.getRules(tx);
  const feeFen = Math.floor((order.pay_fen * rules.platform_fee_pct) / 100);
  await d.ports.releaseEscrow(d.p, tx, { orderId: order.id, courierId: order.courier_id, feeFen });
  await mustTransition(d, tx, order, 'settle', system, { settled_at: d.p.clock.now() }, { data: { feeFen } });
}

// ─── Sweeps: deadlines enforced by a job (S5.5b, S5.7b) ───────────────────────────────────────────

/**
 * One pass over every deadline due at the clock's now: unpaid orders close, untaken orders expire
 * (refunded), couriers are reminded to confirm and unconfirmed ones released, no-shows recorded,
 * silent owners' hours confirmed. Each order is its own transaction; each transition conditional.
 */
export async function runSweeps(d: Deps, limit = 500): Promise<Record<string, number>> {
  const now = d.p.clock.now();
  const rules = await repo.getRules(d.p.db);
  const counts: Record<string, number> = {};
  const each = async (name: string, ids: string[], fn: (tx: Tx, order: OrderRow) => Promise<unknown>) => {
    counts[name] = 0;
    for (const id of ids) {
      const done = await d.p.db.transaction().execute(async (tx) => {
        const order = await repo.findOrder(tx, id);
        return order ? fn(tx, order) : undefined;
      });
      if (done) counts[name]!++;
    }
  };
  await each('closed', await repo.dueIds(d.p.db, { status: 'pending_payment', column: 'pay_before', before: now, limit }), (tx, o) =>
    transition(d, tx, o, 'close_unpaid', system, { closed_at: now }, { guard: { version: o.version } }),
  );
  await each('expired', await repo.dueIds(d.p.db, { status: 'published', column: 'starts_at', before: now, limit }), async (tx, o) => {
    await d.ports.refundEscrow(d.p, tx, { orderId: o.id });
    return transition(d, tx, o, 'expire', system, { closed_at: now }, { guard: { version: o.version } });
  });
  await each(
    'hold_expired',
    await repo.dueIds(d.p.db, { status: 'held_for_review', column: 'starts_at', before: now, limit }),
    async (tx, o) => {
      await d.ports.refundEscrow(d.p, tx, { orderId: o.id });
      return transition(d, tx, o, 'expire_hold', system, { closed_at: now }, { guard: { version: o.version } });
    },
  );
  const remindBefore = addMin(now, rules.confirm_reminder_minutes);
  await each(
    'reminded',
    await repo.dueIds(d.p.db, { status: 'taken', column: 'starts_at', before: remindBefore, extra: 'unreminded', limit }),
    async (tx, o) => {
      const row = await repo.updateOrder(tx, o.id, o.version, { confirm_reminded_at: now }, now);
      if (!row || !o.courier_id) return false;
      await notify(d.p, tx, {
        userId: o.courier_id,
        category: 'order',
        title: { zh: '请确认到岗：订单{orderNo}', en: 'Please confirm: order {orderNo}' },
        body: {
          zh: '您接的订单 {orderNo}（{storeName}）将于 {startsAt} 开始，请在开始前 2 小时确认到岗，否则订单将重新发布。',
          en: 'Your order {orderNo} ({storeName}) starts at {startsAt}; confirm at least 2 h before or it returns to the marketplace.',
        },
        params: { orderNo: o.order_no, storeName: o.store_name, startsAt: o.starts_at.toISOString() },
        link: `/orders/${o.id}`,
      });
      return true;
    },
  );
  const releaseBefore = addMin(now, rules.confirm_deadline_minutes);
  await each(
    'released',
    await repo.dueIds(d.p.db, { status: 'taken', column: 'starts_at', before: releaseBefore, extra: 'unconfirmed', limit }),
    async (tx, o) => {
      const row = await transition(
        d,
        tx,
        o,
        'release_unconfirmed',
        system,
        { courier_id: null, taken_at: null, confirm_reminded_at: null },
        { guard: { version: o.version } },
      );
      if (row && o.courier_id) {
        await repo.insertReliabilityEvent(tx, {
          id: newId(),
          subject_kind: 'courier',
          subject_id: o.courier_id,
          order_id: o.id,
          kind: 'unconfirmed',
          at: now,
        });
      }
      return row;
    },
  );
  await each(
    'no_show',
    await repo.dueIds(d.p.db, { status: 'taken', column: 'starts_at', before: addMin(now, -rules.no_show_after_minutes), limit }),
    async (tx, o) => {
      const row = await transition(d, tx, o, 'no_show', system, {}, { guard: { version: o.version } });
      if (row && o.courier_id) {
        await repo.insertReliabilityEvent(tx, {
          id: newId(),
          subject_kind: 'courier',
          subject_id: o.courier_id,
          order_id: o.id,
          kind: 'no_show',
          at: now,
        });
      }
      return row;
    },
  );
  // A no-show the owner neither re-published nor cancelled within the published days: refunded (S5.7b).
  await each(
    'no_show_refunded',
    await repo.dueIds(d.p.db, {
      status: 'no_show',
      column: 'starts_at',
      before: addMin(now, -rules.no_show_decision_days * 24 * 60),
      limit,
    }),
    async (tx, o) => {
      const row = await transition(d, tx, o, 'expire_no_show', system, { closed_at: now }, { guard: { version: o.version } });
      if (row) await d.ports.refundEscrow(d.p, tx, { orderId: o.id });
      return row;
    },
  );
  await each(
    'auto_confirmed',
    await repo.dueIds(d.p.db, { status: 'checked_out', column: 'confirm_hours_before', before: now, limit }),
    (tx, o) => transition(d, tx, o, 'auto_confirm', system, { completed_at: now }, { guard: { version: o.version } }),
  );
  return counts;
}

// ─── Views, lists, timeline ────────────────────────────────────────────────────────────────────────

/** An order as the caller may see it; throws ORDER_NOT_FOUND for anyone without a relation to it. */
export async function getOrder(
  d: Deps,
  actor: Actor,
  id: string,
): Promise<{
  order: OrderRow;
  viewer: Viewer;
  rules: OrderRules;
  courier: CourierSummary | null;
  employerRisk: EmployerRiskLevel;
  review: MyReview;
}> {
  const order = await loadOrder(d.p.db, id);
  const viewer = viewerOf(actor, order);
  const reviewable = (viewer === 'owner' || viewer === 'courier') && ['completed', 'settled'].includes(order.status) && order.completed_at;
  // The order's satellites, side by side (one round trip's wait instead of up to five).
  const [courier, employerRisk, rules, reviews] = await Promise.all([
    order.courier_id && (viewer === 'owner' || viewer === 'staff') ? courierSummary(d, order.courier_id) : null,
    // A person owner looking at their own order has no company behind it: nothing to look up.
    viewer === 'owner' && actor.kind === 'person'
      ? ('unknown' as const)
      : employerRiskOf(d.p, [order.owner_id]).then((m) => m.get(order.owner_id) ?? 'unknown'),
    repo.getRules(d.p.db),
    reviewable ? repo.reviewsOfOrder(d.p.db, order.id) : null,
  ]);
  let review: MyReview = { mine: null, until: null };
  if (reviews && order.completed_at) {
    const mine = reviews.find((r) => r.author_id === actor.userId) ?? null;
    review = { mine, until: addMin(order.completed_at, rules.review_window_days * 24 * 60) };
  }
  return { order, viewer, rules, courier, employerRisk, review };
}

/** A party's own review of a completed order, and until when one may be written (S5.7c: once, within the window). */
export interface MyReview {
  mine: Awaited<ReturnType<typeof repo.reviewsOfOrder>>[number] | null;
  until: Date | null;
}

/** What an owner sees of the courier holding their order: masked real name, certificate, rating. */
export interface CourierSummary {
  userId: string;
  maskedName: string | null;
  certificate: { number: string; level: string; expiresAt: string } | null;
  rating: number | null;
  ratingCount: number;
}

async function courierSummary(d: Deps, userId: string): Promise<CourierSummary> {
  const [maskedName, certificate, rating] = await Promise.all([
    findMaskedRealName(d.p, userId),
    findCertificateSummary(d.p, userId),
    ratingOf(d, 'courier', userId, 0),
  ]);
  return { userId, maskedName, certificate, rating: rating.avg, ratingCount: rating.count };
}

export async function getTimeline(d: Deps, actor: Actor, id: string) {
  const { order } = await getOrder(d, actor, id);
  if (viewerOf(actor, order) === 'market') throw new AppError('ORDER_NOT_FOUND');
  return { order, events: await repo.listEvents(d.p.db, id) };
}

export async function listMyOrders(
  d: Deps,
  actor: Actor,
  q: { role: 'owner' | 'courier'; status?: OrderStatus[] | undefined; cursor?: string | undefined; limit?: number | undefined },
): Promise<{ rows: OrderRow[]; rules: OrderRules; nextCursor: string | null }> {
  const limit = q.limit ?? 20;
  const rules = await repo.getRules(d.p.db);
  if (q.role === 'owner') {
    const after = decodeCursor<{ createdAt: string; id: string }>(q.cursor);
    const rows = await repo.listByOwner(d.p.db, actor.userId, { statuses: q.status, after, limit });
    const last = rows.at(-1);
    const nextCursor =
      rows.length === limit && last
        ? Buffer.from(JSON.stringify({ createdAt: last.created_at.toISOString(), id: last.id })).toString('base64url')
        : null;
    return { rows, rules, nextCursor };
  }
  const after = decodeCursor<{ startsAt: string; id: string }>(q.cursor);
  const rows = await repo.listByCourier(d.p.db, actor.userId, { statuses: q.status, limit, after });
  const last = rows.at(-1);
  const nextCursor =
    rows.length === limit && last
      ? Buffer.from(JSON.stringify({ startsAt: last.starts_at.toISOString(), id: last.id })).toString('base64url')
      : null;
  return { rows, rules, nextCursor };
}

// ─── Find (S5.6a/b) ───────────────────────────────────────────────────────────────────────────────

export interface FindOrdersInput {
  keyword?: string | undefined;
  region?: string | undefined;
  dateFrom?: string | undefined;
  dateTo?: string | undefined;
  type?: string[] | undefined;
  payMinFen?: number | undefined;
  payMaxFen?: number | undefined;
  lat?: number | undefined;
  lng?: number | undefined;
  radiusM?: number | undefined;
  sort?: 'distance' | 'start' | 'pay' | 'newest' | undefined;
  cursor?: string | undefined;
  limit?: number | undefined;
  /** Only orders whose employer has one of these labor-arbitration risk levels. */
  risk?: EmployerRiskLevel[] | undefined;
}

/** Midnight Asia/Shanghai of a YYYY-MM-DD date, as a UTC instant. */
const shanghaiMidnight = (date: string, plusDays = 0) => new Date(Date.parse(`${date}T00:00:00+08:00`) + plusDays * 86_400_000);

/** Builds the marketplace query from the API filters (shared by the service and the EXPLAIN tests). */
export function marketQueryOf(now: Date, q: FindOrdersInput): repo.MarketQuery {
  const point = q.lat !== undefined && q.lng !== undefined ? { lat: q.lat, lng: q.lng } : undefined;
  const sort = q.sort ?? (point ? 'distance' : 'start');
  if ((sort === 'distance' || q.radiusM !== undefined) && !point) throw new AppError('ORDER_SEARCH_NEEDS_POINT');
  let region: repo.MarketQuery['region'];
  if (q.region) {
    const r = findRegion(q.region);
    if (!r) throw new AppError('ORDER_SEARCH_REGION_UNKNOWN', { code: q.region });
    region = { code: r.code, level: r.level };
  }
  const after = decodeCursor<{ k: number | string; id: string }>(q.cursor);
  return {
    now,
    terms: q.keyword ? keywordTerms(q.keyword) : [],
    ...(region ? { region } : {}),
    ...(q.dateFrom ? { startsFrom: shanghaiMidnight(q.dateFrom) } : {}),
    ...(q.dateTo ? { startsBefore: shanghaiMidnight(q.dateTo, 1) } : {}),
    ...(q.type?.length ? { types: q.type } : {}),
    ...(q.payMinFen !== undefined ? { payMinFen: q.payMinFen } : {}),
    ...(q.payMaxFen !== undefined ? { payMaxFen: q.payMaxFen } : {}),
    ...(point ? { point } : {}),
    ...(q.radiusM !== undefined ? { radiusM: q.radiusM } : {}),
    sort,
    ...(after && typeof after.id === 'string' ? { after } : {}),
    limit: q.limit ?? 20,
  };
}

/** Couriers browse published, untaken orders (S5.6a/b): filters, sorts, keyset pages, distance and rating. */
export async function findOrders(
  d: Deps,
  actor: Actor,
  q: FindOrdersInput,
): Promise<{ rows: MarketRow[]; nextCursor: string | null; employerRisk: Map<string, EmployerRiskLevel> }> {
  assertCanTake(actor);
  const now = d.p.clock.now();
  const mq = marketQueryOf(now, q);
  if (q.risk?.length && q.risk.length < EMPLOYER_RISK_LEVELS.length) {
    // Levels follow the threshold in force, so the filter resolves the marketplace's owners to levels now.
    const wanted = new Set(q.risk);
    const levels = await employerRiskOf(d.p, await repo.marketOwnerIds(d.p.db, now));
    mq.ownerIds = [...levels].filter(([, l]) => wanted.has(l)).map(([o]) => o);
  }
  const rows = await repo.searchMarket(d.p.db, mq);
  const employerRisk = await employerRiskOf(
    d.p,
    rows.map((r) => r.owner_id),
  );
  const last = rows.at(-1);
  let nextCursor: string | null = null;
  if (last && rows.length === mq.limit) {
    const k =
      mq.sort === 'distance'
        ? last.distance_m!
        : mq.sort === 'start'
          ? last.starts_at.toISOString()
          : mq.sort === 'pay'
            ? last.pay_fen
            : last.published_at!.toISOString();
    nextCursor = Buffer.from(JSON.stringify({ k, id: last.id })).toString('base64url');
  }
  return { rows, nextCursor, employerRisk };
}

// ─── Schedule and calendar feed (S5.6c) ───────────────────────────────────────────────────────────

const SCHEDULED: OrderStatus[] = ['taken', 'checked_in', 'checked_out', 'completed', 'settled', 'disputed'];

/** The courier's agenda between two dates (Asia/Shanghai, inclusive), at most 62 days. */
export async function getSchedule(d: Deps, actor: Actor, from: string, to: string): Promise<OrderRow[]> {
  const start = shanghaiMidnight(from);
  const end = shanghaiMidnight(to, 1);
  const days = (end.getTime() - start.getTime()) / 86_400_000;
  if (!(days >= 1 && days <= 62)) throw new AppError('ORDER_SCHEDULE_RANGE_INVALID');
  return repo.listByCourier(d.p.db, actor.userId, { statuses: SCHEDULED, from: start, to: end, limit: 500 });
}

/** Issues (or rotates) the caller's personal calendar feed; returns the secret token once. */
export async function issueCalendarFeed(d: Deps, actor: Actor): Promise<string> {
  const token = newToken();
  await repo.upsertFeed(d.p.db, actor.userId, hashToken(token), d.p.clock.now());
  return token;
}

/** The shifts behind a feed token: from 30 days ago on, including cancelled ones so calendars drop them. */
export async function calendarFeedOrders(d: Deps, token: string): Promise<OrderRow[]> {
  const feed = await repo.findFeed(d.p.db, hashToken(token));
  if (!feed) throw new AppError('ORDER_CALENDAR_FEED_NOT_FOUND');
  const from = addMin(d.p.clock.now(), -30 * 24 * 60);
  return repo.listByCourier(d.p.db, feed.user_id, { statuses: [...SCHEDULED, 'no_show'], from, limit: 1000 });
}

// ─── Reviews (S5.7c) ───────────────────────────────────────────────────────────────────────────────

/** Each side rates the other once, within the review window after completion. */
export async function reviewOrder(d: Deps, actor: Actor, id: string, body: { stars: number; tags?: string[]; text?: string }) {
  await d.p.db.transaction().execute(async (tx) => {
    const order = await loadOrder(tx, id);
    const role = order.owner_id === actor.userId ? 'owner' : order.courier_id === actor.userId ? 'courier' : null;
    if (!role) throw new AppError('ORDER_NOT_FOUND');
    const rules = await repo.getRules(tx);
    const now = d.p.clock.now();
    if (!['completed', 'settled'].includes(order.status) || !order.completed_at) throw new AppError('ORDER_REVIEW_NOT_ALLOWED');
    if (now.getTime() > addMin(order.completed_at, rules.review_window_days * 24 * 60).getTime())
      throw new AppError('ORDER_REVIEW_NOT_ALLOWED');
    const inserted = await repo.insertReview(tx, {
      id: newId(),
      order_id: order.id,
      author_id: actor.userId,
      author_role: role,
      subject_kind: role === 'owner' ? 'courier' : 'store',
      subject_id: role === 'owner' ? order.courier_id! : order.store_id,
      stars: body.stars,
      tags: body.tags ?? [],
      text: body.text?.trim() || null,
      created_at: now,
    });
    if (!inserted) throw new AppError('ORDER_ALREADY_REVIEWED');
    const other = role === 'owner' ? order.courier_id! : order.owner_id;
    await notify(d.p, tx, {
      userId: other,
      category: 'order',
      title: { zh: '您收到了新的评价', en: 'You received a new review' },
      body: { zh: '订单 {orderNo} 的对方给了您 {stars} 星评价。', en: 'The other side of order {orderNo} rated you {stars} stars.' },
      params: { orderNo: order.order_no, stars: body.stars },
      link: `/orders/${order.id}`,
    });
  });
  return repo.reviewsOfOrder(d.p.db, id);
}

/** Ratings shown on profiles; a courier's average shows only after 3 ratings. */
/** Average and count of a courier's or store's reviews, with the `recent` latest (10 by default; 0 for a summary). */
export async function ratingOf(d: Deps, kind: 'courier' | 'store', subjectId: string, recent = 10) {
  const r = await repo.ratingOf(d.p.db, kind, subjectId, recent);
  const hidden = kind === 'courier' && r.count < 3;
  return { avg: hidden || r.avg === null ? null : Math.round(r.avg * 10) / 10, count: r.count, recent: hidden ? [] : r.recent };
}

// ─── Account cancellation (S5.3b) ─────────────────────────────────────────────────────────────────

/** Unfinished orders of a user, as owner or courier: they block account cancellation. */
export async function unfinishedOrdersOf(db: Executor, userId: string): Promise<{ orderNo: string; status: OrderStatus }[]> {
  const rows = await repo.unfinishedOf(db, userId, UNFINISHED);
  return rows.map((r) => ({ orderNo: r.order_no, status: r.status }));
}
