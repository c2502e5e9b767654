import type { Actor } from '../../platform/auth.ts';
import { AppError } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import { notify } from '../messages/index.ts';
import { assertCourier, assertOwner } from './policy.ts';
import * as repo from './repo.ts';
import { validateShift, weekStartShanghai, type Deps } from './service.ts';
import './errors.ts';

const MIN = 60_000;

/**
 * The owner proposes a new time and/or pay for a taken order (S5.7a: such changes after taking need the
 * courier's consent). The courier is notified and accepts or declines; on acceptance a pay change moves
 * the difference between the owner's balance and the escrow (a raise is checked against the balance now
 * and charged then).
 */
export async function proposeChange(
  d: Deps,
  actor: Actor,
  orderId: string,
  body: { startsAt?: string | undefined; endsAt?: string | undefined; payFen?: number | undefined; note?: string | undefined },
) {
  return d.p.db.transaction().execute(async (tx) => {
    const order = await repo.findOrder(tx, orderId);
    if (!order) throw new AppError('ORDER_NOT_FOUND');
    assertOwner(actor, order);
    if (order.status !== 'taken' || !order.courier_id) throw new AppError('ORDER_INVALID_TRANSITION', { status: order.status });
    const now = d.p.clock.now();
    if (now.getTime() >= order.starts_at.getTime()) throw new AppError('ORDER_NOT_MODIFIABLE');
    const startsAt = body.startsAt !== undefined ? new Date(body.startsAt) : order.starts_at;
    const endsAt = body.endsAt !== undefined ? new Date(body.endsAt) : order.ends_at;
    const payFen = body.payFen ?? order.pay_fen;
    const timeChanged = startsAt.getTime() !== order.starts_at.getTime() || endsAt.getTime() !== order.ends_at.getTime();
    if (!timeChanged && payFen === order.pay_fen) throw new AppError('ORDER_CHANGE_EMPTY');
    validateShift(await repo.getRules(tx), now, startsAt, endsAt, payFen);
    if (payFen > order.pay_fen && (await d.ports.availableFen(d.p, tx, order.owner_id)) < payFen - order.pay_fen)
      throw new AppError('INSUFFICIENT_FUNDS');
    const row = await tx
      .insertInto('order_change_requests')
      .values({
        id: newId(),
        order_id: order.id,
        courier_id: order.courier_id,
        starts_at: startsAt,
        ends_at: endsAt,
        pay_fen: payFen === order.pay_fen ? null : payFen,
        note: body.note ?? null,
        status: 'pending',
        created_at: now,
        decided_at: null,
      })
      .onConflict((oc) => oc.column('order_id').where('status', '=', 'pending').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new AppError('ORDER_CHANGE_PENDING');
    await notify(d.p, tx, {
      userId: order.courier_id,
      category: 'order',
      title: { zh: '订单{orderNo}修改待您确认', en: 'Order {orderNo}: a change needs your consent' },
      body: {
        zh: '店主希望把订单 {orderNo} 改为 {startsAt} 至 {endsAt}，报酬 ¥{pay}，请确认是否同意。',
        en: 'The owner asks to change order {orderNo} to {startsAt}–{endsAt}, pay CNY {pay}; please accept or decline.',
      },
      params: {
        orderNo: order.order_no,
        startsAt: startsAt.toISOString(),
        endsAt: endsAt.toISOString(),
        pay: (payFen / 100).toFixed(2),
      },
      link: `/orders/${order.id}`,
    });
    return row;
  });
}

/** The courier accepts (the order moves; overlaps and the weekly cap are checked again) or declines. */
export async function decideChange(d: Deps, actor: Actor, orderId: string, requestId: string, accept: boolean) {
  return d.p.db.transaction().execute(async (tx) => {
    const order = await repo.findOrder(tx, orderId);
    if (!order) throw new AppError('ORDER_NOT_FOUND');
    assertCourier(actor, order);
    const now = d.p.clock.now();
    const req = await tx
      .selectFrom('order_change_requests')
      .selectAll()
      .where('id', '=', requestId)
      .where('order_id', '=', orderId)
      .forUpdate()
      .executeTakeFirst();
    if (!req || req.status !== 'pending' || req.courier_id !== actor.userId) throw new AppError('ORDER_CHANGE_NOT_PENDING');
    if (accept) {
      if (order.status !== 'taken' || req.starts_at.getTime() <= now.getTime()) throw new AppError('ORDER_CHANGE_NOT_PENDING');
      const rules = await repo.getRules(tx);
      await repo.lockCourier(tx, actor.userId);
      const week = weekStartShanghai(req.starts_at);
      const held = await repo.courierMinutesBetween(tx, actor.userId, week, new Date(week.getTime() + 7 * 24 * 60 * MIN));
      const before =
        order.starts_at >= week && order.starts_at.getTime() < week.getTime() + 7 * 24 * 60 * MIN
          ? (order.ends_at.getTime() - order.starts_at.getTime()) / MIN
          : 0;
      const after = (req.ends_at.getTime() - req.starts_at.getTime()) / MIN;
      if (held - before + after > rules.weekly_hours_cap * 60)
        throw new AppError('ORDER_WEEKLY_HOURS_CAP', { cap: rules.weekly_hours_cap });
      // The pay changes with the escrow, in this transaction (INSUFFICIENT_FUNDS if the owner's balance no longer covers a raise).
      if (req.pay_fen !== null && req.pay_fen !== order.pay_fen)
        await d.ports.adjustEscrow(d.p, tx, { orderId: order.id, newAmountFen: req.pay_fen, key: `orders.change-request:${req.id}` });
      try {
        const row = await repo.updateOrder(
          tx,
          order.id,
          order.version,
          { starts_at: req.starts_at, ends_at: req.ends_at, ...(req.pay_fen !== null ? { pay_fen: req.pay_fen } : {}) },
          now,
        );
        if (!row) throw new AppError('CONFLICT');
      } catch (err) {
        if ((err as { code?: string }).code === '23P01') throw new AppError('ORDER_SCHEDULE_CONFLICT');
        throw err;
      }
    }
    await tx
      .updateTable('order_change_requests')
      .set({ status: accept ? 'accepted' : 'declined', decided_at: now })
      .where('id', '=', req.id)
      .execute();
    await repo.insertEvent(tx, {
      id: newId(),
      order_id: order.id,
      action: accept ? 'change_accepted' : 'change_declined',
      from_status: order.status,
      to_status: order.status,
      actor_id: actor.userId,
      actor_role: 'courier',
      note: null,
      data: JSON.stringify({ startsAt: req.starts_at.toISOString(), endsAt: req.ends_at.toISOString(), payFen: req.pay_fen }),
      at: now,
    });
    await d.p.jobs.publish(tx, 'orders.order.changed', {
      orderId: order.id,
      accepted: accept,
      ownerId: order.owner_id,
      courierId: order.courier_id,
    });
    await notify(d.p, tx, {
      userId: order.owner_id,
      category: 'order',
      title: accept
        ? { zh: '订单{orderNo}修改已同意', en: 'Order {orderNo}: change accepted' }
        : { zh: '订单{orderNo}修改被拒绝', en: 'Order {orderNo}: change declined' },
      body: accept
        ? {
            zh: '接单人同意将订单 {orderNo} 改为 {startsAt} 开始，报酬 ¥{pay}。',
            en: 'The courier accepted order {orderNo} starting at {startsAt} with pay CNY {pay}.',
          }
        : {
            zh: '接单人不同意修改订单 {orderNo}，订单保持原时间。',
            en: 'The courier declined the change; order {orderNo} keeps its time.',
          },
      params: { orderNo: order.order_no, startsAt: req.starts_at.toISOString(), pay: ((req.pay_fen ?? order.pay_fen) / 100).toFixed(2) },
      link: `/orders/${order.id}`,
    });
    return await tx.selectFrom('order_change_requests').selectAll().where('id', '=', req.id).executeTakeFirstOrThrow();
  });
}

/** The change proposals of an order, newest first (the owner and the courier of the order). */
export async function listChanges(d: Deps, actor: Actor, orderId: string) {
  const order = await repo.findOrder(d.p.db, orderId);
  if (!order || (order.owner_id !== actor.userId && order.courier_id !== actor.userId)) throw new AppError('ORDER_NOT_FOUND');
  return d.p.db
    .selectFrom('order_change_requests')
    .selectAll()
    .where('order_id', '=', orderId)
    .orderBy('created_at', 'desc')
    .limit(50)
    .execute();
}
