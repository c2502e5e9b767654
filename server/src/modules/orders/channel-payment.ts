import { Type } from 'typebox';
import type { Actor } from '../../platform/auth.ts';
import { actorOf, requireAuth } from '../../platform/auth.ts';
import type { Executor } from '../../platform/db.ts';
import { AppError } from '../../platform/errors.ts';
import type { App } from '../../platform/http.ts';
import { IdParams, problems, Timestamp } from '../../platform/schemas.ts';
import { notify } from '../messages/index.ts';
import {
  closeOrderPaymentsAtChannel,
  ORDER_PAYMENT_PAID,
  payOrderThroughChannel,
  refundOrderPaymentToChannel,
  type OrderPaymentPaid,
} from '../wallet/index.ts';
import { assertCanPost, assertOwner } from './policy.ts';
import * as repo from './repo.ts';
import { markOrderPaid, type Deps } from './service.ts';
import './errors.ts';

/**
 * Paying an order through a payment channel (S5.5b, S5.9b): the owner picks WeChat Pay or Alipay, the
 * wallet starts a payment whose money lands straight in the order's escrow, and when the channel confirms
 * it (`wallet.order_payment.paid`) the order is marked paid on the same code path as paying from the
 * balance (published, or held for risk review). Money that lands for an order that can no longer be paid
 * (closed at its deadline, cancelled, started, or its pay changed since the code was made) goes back to
 * the channel it came from.
 */

/** Refunds a channel payment that landed for an order no longer payable (outside the subscriber's transaction). */
export const ORDER_CHANNEL_REFUND_JOB = 'orders.channel_payment.refund';
/** Closes the order's live channel trade once the order closed unpaid, so it can no longer be paid. */
export const ORDER_CHANNEL_CLOSE_JOB = 'orders.channel_payment.close';

const CHANNEL_NAMES: Record<string, { zh: string; en: string }> = {
  wechat: { zh: '微信支付', en: 'WeChat Pay' },
  alipay: { zh: '支付宝', en: 'Alipay' },
};

export const OrderChannelPaymentBody = Type.Object({
  channel: Type.Optional(
    Type.String({ minLength: 1, maxLength: 20, description: 'An enabled channel (GET /api/v1/wallet/channels); default: the first' }),
  ),
});

export const OrderChannelPaymentView = Type.Object({
  id: Type.String({ format: 'uuid', description: 'The payment; follow it at GET /api/v1/wallet/topups/{id}' }),
  outTradeNo: Type.String(),
  channel: Type.String({ description: '`wechat` or `alipay`' }),
  amountFen: Type.Integer(),
  status: Type.Union([
    Type.Literal('creating'),
    Type.Literal('pending'),
    Type.Literal('paid'),
    Type.Literal('closed'),
    Type.Literal('failed'),
  ]),
  codeUrl: Type.Union([Type.String(), Type.Null()], { description: 'Encode as a QR code for the payer to scan' }),
  payUrl: Type.Union([Type.String(), Type.Null()], { description: 'A page where the payer can pay (the emulator has one)' }),
  expiresAt: Timestamp,
  paidAt: Type.Union([Timestamp, Type.Null()]),
  createdAt: Timestamp,
  orderId: Type.String({ format: 'uuid' }),
});

/**
 * The owner starts paying a `pending_payment` order through a channel before its `payBefore`. While a
 * payment for the order is live, the same one is returned (one QR code per order, whichever channel was
 * picked first); it becomes payable again only after the channel trade closes.
 */
export async function startOrderChannelPayment(d: Deps, actor: Actor, id: string, channel?: string) {
  assertCanPost(actor);
  await d.ports.assertCanPost(d.p, d.p.db, { userId: actor.userId }); // S5.2, as paying from the balance
  const order = await repo.findOrder(d.p.db, id);
  if (!order) throw new AppError('ORDER_NOT_FOUND');
  assertOwner(actor, order);
  const now = d.p.clock.now();
  if (order.status === 'closed' || (order.status === 'pending_payment' && now.getTime() > order.pay_before.getTime())) {
    throw new AppError('ORDER_PAYMENT_DEADLINE_PASSED');
  }
  if (order.status !== 'pending_payment') throw new AppError('ORDER_INVALID_TRANSITION', { status: order.status });
  if (order.starts_at.getTime() <= now.getTime()) throw new AppError('ORDER_START_NOT_IN_FUTURE');
  const v = await payOrderThroughChannel(d.p, {
    orderId: order.id,
    payerId: actor.userId,
    amountFen: order.pay_fen,
    description: `顶班订单 ${order.order_no} Dingban order`,
    ...(channel ? { channel } : {}),
  });
  return { ...v, orderId: order.id };
}

/**
 * The channel confirmed the order's payment (the escrow is already held from the channel's clearing
 * account). Still `pending_payment` and not started: marked paid like a balance payment. Otherwise the
 * escrow is refunded to the channel by a job and the owner is told why. Exactly once per event.
 */
export async function onOrderPaymentPaid(d: Deps, tx: Executor, e: OrderPaymentPaid): Promise<'paid' | 'refunded' | 'ignored'> {
  const order = await repo.findOrder(tx, e.orderId);
  if (!order) {
    d.p.logger.error({ orderId: e.orderId, paymentId: e.paymentId }, 'channel payment for an unknown order: refunding');
    await d.p.jobs.send(ORDER_CHANNEL_REFUND_JOB, { orderId: e.orderId, reason: '订单不存在 order not found' }, { tx });
    return 'refunded';
  }
  const now = d.p.clock.now();
  // A code made before the owner changed the pay carries the old amount: it cannot pay the order (S5.9b).
  const payChanged = e.amountFen !== order.pay_fen;
  if (order.status === 'pending_payment' && order.starts_at.getTime() > now.getTime() && !payChanged) {
    if (await markOrderPaid(d, tx, order, e.payerId)) return 'paid';
    // Lost the race (the sweep closed it, the owner cancelled): fall through with the current status.
  }
  const current = (await repo.findOrder(tx, e.orderId)) ?? order;
  const stillUnpaid = current.status === 'pending_payment';
  const channel = CHANNEL_NAMES[e.channel] ?? { zh: e.channel, en: e.channel };
  await d.p.jobs.send(ORDER_CHANNEL_REFUND_JOB, { orderId: order.id, reason: `订单${current.order_no}已不可支付` }, { tx });
  await notify(d.p, tx, {
    userId: e.payerId,
    category: 'order',
    title: { zh: '订单{orderNo}的付款将原路退回', en: 'Payment for order {orderNo} is being refunded' },
    body: {
      zh: '订单 {orderNo}（{storeName}）的款项 {amount} 元通过{channelZh}到账时，订单已不可支付（{statusZh}），款项将原路退回，订单不会发布。',
      en: 'CNY {amount} for order {orderNo} ({storeName}) arrived through {channelEn} after the order could no longer be paid ({statusEn}); it is being refunded to the account you paid with and the order is not published.',
    },
    params: {
      orderNo: current.order_no,
      storeName: current.store_name,
      amount: (e.amountFen / 100).toFixed(2),
      channelZh: channel.zh,
      channelEn: channel.en,
      statusZh: stillUnpaid ? (payChanged ? '报酬已修改' : '已开始') : (STATUS_ZH[current.status] ?? current.status),
      statusEn: stillUnpaid ? (payChanged ? 'its pay was changed' : 'started') : current.status.replace(/_/g, ' '),
    },
    link: `/orders/${order.id}`,
  });
  d.p.logger.warn(
    { orderId: order.id, status: current.status, paymentId: e.paymentId },
    'channel payment for an order no longer payable: refunding',
  );
  return 'refunded';
}

const STATUS_ZH: Record<string, string> = {
  closed: '已关闭',
  cancelled: '已取消',
  published: '已支付',
  held_for_review: '已支付',
};

/** The route, the subscriber and the jobs; called by the orders module's register. */
export function registerChannelPayment(app: App, d: Deps): void {
  const { p } = d;
  app.post(
    '/api/v1/orders/:id/pay/channel',
    {
      schema: {
        tags: ['orders'],
        summary:
          'Pay through WeChat Pay or Alipay into escrow (S5.5b, S5.9b): returns the pay page / QR; the order publishes when the channel confirms. 403 unless the owner is real-name verified (S5.2)',
        params: IdParams,
        body: OrderChannelPaymentBody,
        response: { 200: OrderChannelPaymentView, ...problems(400, 401, 403, 404, 409, 422, 503) },
      },
      preHandler: requireAuth,
    },
    async (req) => startOrderChannelPayment(d, actorOf(req), req.params.id, req.body.channel),
  );
  p.jobs.subscribe<OrderPaymentPaid>(ORDER_PAYMENT_PAID, 'ordersMarkPaidThroughChannel', async (event, tx) => {
    await onOrderPaymentPaid(d, tx, event.payload);
  });
  p.jobs.define<{ orderId: string; reason: string }>(
    ORDER_CHANNEL_REFUND_JOB,
    async ({ orderId, reason }) => {
      await refundOrderPaymentToChannel(p, { orderId, reason });
    },
    { retryLimit: 30 },
  );
  // S5.5b: an order closed unpaid cannot be paid any more — its live channel trade is closed too.
  p.jobs.subscribe<{ orderId: string; action: string }>('orders.order.closed', 'ordersCloseChannelTrade', async (event, tx) => {
    if (event.payload.action === 'close_unpaid') await p.jobs.send(ORDER_CHANNEL_CLOSE_JOB, { orderId: event.payload.orderId }, { tx });
  });
  p.jobs.define<{ orderId: string }>(
    ORDER_CHANNEL_CLOSE_JOB,
    async ({ orderId }) => {
      await closeOrderPaymentsAtChannel(p, orderId);
    },
    { retryLimit: 10 },
  );
}
