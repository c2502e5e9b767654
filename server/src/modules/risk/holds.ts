import { can, type Actor } from '../../platform/auth.ts';
import type { Executor, Tx } from '../../platform/db.ts';
import { AppError } from '../../platform/errors.ts';
import type { Bilingual } from '../../platform/i18n.ts';
import type { Platform } from '../../platform/platform.ts';
import { audit } from '../accounts/index.ts';
import { notify } from '../messages/index.ts';
import type { RiskDeps } from './service.ts';
import type { OrderHoldStatus, RiskTables } from './tables.ts';
import type { Selectable } from 'kysely';

/**
 * Urgent risk holds a company's new orders for review (issue 6, A7). The orders module owns the order
 * and its escrow; at payment it asks `openOrderHold` to record a review when the company is at level
 * high. Risk staff release or reject here; the order's status change (and the refund on rejection)
 * is done by the orders module through the decider it registers, in the same transaction.
 */

export type OrderHoldRow = Selectable<RiskTables['risk_order_holds']>;

/** Event of a new hold (risk staff are told) and of an owner's reply (likewise). */
export const HOLD_OPENED = 'risk.order_hold.opened';
export const HOLD_RESPONDED = 'risk.order_hold.responded';
export const HOLD_DECIDED = 'risk.order_hold.decided';

/** Who may decide (release/reject); reading the queue needs 'risk:read'. */
export const DECIDE_PERMISSION = 'risk:manage';

/**
 * What the orders module does for a decision, on the decision's transaction: 'done', or why not
 * ('not_held': the order left `held_for_review`; 'started': release asked after the start).
 */
export type HeldOrderDecider = (
  tx: Tx,
  o: { orderId: string; decision: 'release' | 'reject'; staffId: string; reason: string },
) => Promise<'done' | 'not_held' | 'started'>;

const deciders = new WeakMap<Platform, HeldOrderDecider>();

/** The orders module registers how a decision changes the order (release → published, reject → cancelled + refund). */
export function registerHeldOrderDecider(p: Platform, fn: HeldOrderDecider): void {
  deciders.set(p, fn);
}

/** The order facts a hold keeps (a snapshot: the review queue never reads the orders module's tables). */
export interface HeldOrderFacts {
  id: string;
  order_no: string;
  owner_id: string;
  store_name: string;
  starts_at: Date;
  pay_fen: number;
}

/**
 * Records the review of an order held because its company is at level high, with a snapshot of the
 * company's figures, and publishes HOLD_OPENED (risk staff are notified). On the payment's transaction.
 */
export async function openOrderHold(p: Platform, tx: Executor, o: { order: HeldOrderFacts; creditCode: string }): Promise<void> {
  const c = await tx.selectFrom('risk_companies').selectAll().where('credit_code', '=', o.creditCode).executeTakeFirst();
  const now = p.clock.now();
  await tx
    .insertInto('risk_order_holds')
    .values({
      order_id: o.order.id,
      order_no: o.order.order_no,
      owner_id: o.order.owner_id,
      store_name: o.order.store_name,
      starts_at: o.order.starts_at,
      pay_fen: o.order.pay_fen,
      credit_code: o.creditCode,
      company_name: c?.company_name ?? o.creditCode,
      score: c?.score ?? 0,
      case_count: c?.case_count ?? 0,
      total_amount_fen: c?.total_amount_fen ?? 0,
      latest_case: JSON.stringify(c?.latest_case ?? null),
      status: 'pending',
      held_at: now,
    })
    .execute();
  await audit(tx, {
    at: now,
    action: 'risk.order_hold.opened',
    subjectId: o.order.owner_id,
    detail: { orderId: o.order.id, creditCode: o.creditCode, score: c?.score ?? null },
  });
  await p.jobs.publish(tx, HOLD_OPENED, { orderId: o.order.id });
}

export async function findHold(db: Executor, orderId: string, opts: { forUpdate?: boolean } = {}) {
  let q = db.selectFrom('risk_order_holds').selectAll().where('order_id', '=', orderId);
  if (opts.forUpdate) q = q.forUpdate();
  return q.executeTakeFirst();
}

/** The hold as the caller may see it: its owner, or staff with 'risk:read'; anyone else: not found. */
export async function getHold(p: Platform, actor: Actor, orderId: string): Promise<OrderHoldRow> {
  const h = await findHold(p.db, orderId);
  if (!h || (h.owner_id !== actor.userId && !can(actor, 'risk:read'))) throw new AppError('RISK_HOLD_NOT_FOUND');
  return h;
}

/** The review queue, newest first (keyset on held_at, order_id); `status` defaults to all. */
export async function listHolds(
  db: Executor,
  o: { limit: number; after?: { t: string; id: string } | undefined; status?: OrderHoldStatus | undefined },
) {
  let q = db
    .selectFrom('risk_order_holds')
    .selectAll()
    .orderBy('held_at', 'desc')
    .orderBy('order_id', 'desc')
    .limit(o.limit + 1);
  if (o.status) q = q.where('status', '=', o.status);
  if (o.after) {
    const after = o.after;
    q = q.where((eb) =>
      eb.or([eb('held_at', '<', new Date(after.t)), eb.and([eb('held_at', '=', new Date(after.t)), eb('order_id', '<', after.id)])]),
    );
  }
  return q.execute();
}

/** The owner explains (e.g. the awards have since been paid); replaces an earlier reply while pending. */
export async function respondToHold(p: Platform, actor: Actor, orderId: string, text: string): Promise<OrderHoldRow> {
  const body = text.trim();
  return p.db.transaction().execute(async (tx) => {
    const h = await findHold(tx, orderId, { forUpdate: true });
    if (!h || h.owner_id !== actor.userId) throw new AppError('RISK_HOLD_NOT_FOUND');
    if (h.status !== 'pending') throw new AppError('RISK_HOLD_CLOSED', { status: h.status });
    const now = p.clock.now();
    const row = await tx
      .updateTable('risk_order_holds')
      .set((eb) => ({ response: body, responded_at: now, version: eb('version', '+', 1) }))
      .where('order_id', '=', orderId)
      .where('status', '=', 'pending')
      .returningAll()
      .executeTakeFirstOrThrow();
    await audit(tx, {
      at: now,
      action: 'risk.order_hold.responded',
      actorId: actor.userId,
      subjectId: h.owner_id,
      detail: { orderId, length: body.length },
    });
    await p.jobs.publish(tx, HOLD_RESPONDED, { orderId });
    return row;
  });
}

/**
 * Risk staff decide: release (→ the order is published) or reject (→ cancelled, escrow refunded).
 * The hold changes only from pending (one winner among racing reviewers), the order through the
 * orders module's decider, the audit entry and the event — all in one transaction. The owner is
 * notified by the order's transition, with the reason.
 */
export async function decideHold(
  p: Platform,
  actor: Actor,
  orderId: string,
  body: { decision: 'release' | 'reject'; reason: string },
): Promise<OrderHoldRow> {
  if (!can(actor, DECIDE_PERMISSION)) throw new AppError('FORBIDDEN');
  const decider = deciders.get(p);
  if (!decider) throw new Error('orders module has not registered a held-order decider');
  const reason = body.reason.trim();
  return p.db.transaction().execute(async (tx) => {
    const h = await findHold(tx, orderId, { forUpdate: true });
    if (!h) throw new AppError('RISK_HOLD_NOT_FOUND');
    if (h.status !== 'pending') throw new AppError('RISK_HOLD_CLOSED', { status: h.status });
    const outcome = await decider(tx, { orderId, decision: body.decision, staffId: actor.userId, reason });
    if (outcome === 'started') throw new AppError('RISK_HOLD_TOO_LATE');
    if (outcome === 'not_held') throw new AppError('RISK_HOLD_CLOSED', { status: 'order_changed' });
    const now = p.clock.now();
    const status: OrderHoldStatus = body.decision === 'release' ? 'released' : 'rejected';
    const row = await tx
      .updateTable('risk_order_holds')
      .set((eb) => ({ status, decided_by: actor.userId, decision_reason: reason, decided_at: now, version: eb('version', '+', 1) }))
      .where('order_id', '=', orderId)
      .where('status', '=', 'pending')
      .returningAll()
      .executeTakeFirstOrThrow();
    await audit(tx, {
      at: now,
      action: `risk.order_hold.${status}`,
      actorId: actor.userId,
      subjectId: h.owner_id,
      detail: { orderId, orderNo: h.order_no, creditCode: h.credit_code, reason },
    });
    await p.jobs.publish(tx, HOLD_DECIDED, { orderId, status, by: actor.userId });
    return row;
  });
}

/** The order left review without a decision: the owner cancelled it, or it started unreviewed. */
export async function closeHold(tx: Executor, orderId: string, status: 'expired' | 'withdrawn', at: Date): Promise<boolean> {
  const r = await tx
    .updateTable('risk_order_holds')
    .set((eb) => ({ status, decided_at: at, version: eb('version', '+', 1) }))
    .where('order_id', '=', orderId)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

const STAFF_TEXT: Record<'opened' | 'responded', { title: Bilingual; body: Bilingual }> = {
  opened: {
    title: { zh: '待审核：高风险企业新订单 {orderNo}', en: 'To review: new order {orderNo} of a high-risk company' },
    body: {
      zh: '{company}（风险评分 {score}，仲裁 {cases} 件，涉案 {amount} 元）新支付的订单 {orderNo}（{storeName}，开始于 {startsAt}）已暂停发布，等待风控审核。',
      en: '{company} (risk score {score}, {cases} arbitration cases, CNY {amount} involved) paid order {orderNo} ({storeName}, starts {startsAt}); it is held until risk staff review it.',
    },
  },
  responded: {
    title: { zh: '店主已回复：待审核订单 {orderNo}', en: 'Owner replied: held order {orderNo}' },
    body: { zh: '{company} 对订单 {orderNo} 的审核回复：{response}', en: '{company} replied on held order {orderNo}: {response}' },
  },
};

/** Tells every risk staff account about a new hold or an owner's reply (message center). */
export async function notifyStaffOfHold(d: RiskDeps, tx: Tx, orderId: string, kind: 'opened' | 'responded'): Promise<number> {
  const h = await findHold(tx, orderId);
  if (!h || h.status !== 'pending') return 0;
  const recipients = await d.staff(tx);
  const text = STAFF_TEXT[kind];
  for (const userId of recipients) {
    await notify(d.p, tx, {
      userId,
      category: 'system',
      title: text.title,
      body: text.body,
      params: {
        orderNo: h.order_no,
        storeName: h.store_name,
        startsAt: h.starts_at.toISOString(),
        company: h.company_name,
        score: h.score,
        cases: h.case_count,
        amount: (h.total_amount_fen / 100).toFixed(2),
        response: (h.response ?? '').slice(0, 300),
      },
      link: `/risk?tab=holds`,
    });
  }
  return recipients.length;
}
