import { randomBytes } from 'node:crypto';
import { AppError } from '../../platform/errors.ts';
import type { Executor } from '../../platform/db.ts';
import { newId } from '../../platform/ids.ts';
import type { Platform } from '../../platform/platform.ts';
import { notify } from '../messages/index.ts';
import { ChannelError } from './channels/channel.ts';
import { creditTopUp, findHold, holdToEscrow, refundEscrow, refundEscrowToChannel, type TransferResult } from './ledger.ts';
import { channelNamed, pickChannel, startChannelPayment, type ChannelDeps, type PaymentRow, type PaymentView } from './channel-payments.ts';
import type { WalletTables } from './tables.ts';
import { checkTopUp } from './topups.ts';
import './errors.ts';

/** Published when a channel payment lands in an order's escrow: the orders module marks the order paid. */
export const ORDER_PAYMENT_PAID = 'wallet.order_payment.paid';
export interface OrderPaymentPaid {
  orderId: string;
  payerId: string;
  amountFen: number;
  paymentId: string;
  channel: string;
}
/** Retries a channel refund until the channel settles it. */
export const REFUND_SUBMIT_JOB = 'wallet.refund.submit';

const tradeNo = (prefix: string) => {
  const alphabet = '0123456789ABCDEFGHJKLMNPQRSTUVWXYZ';
  const b = randomBytes(20);
  let s = prefix;
  for (let i = 0; i < 20; i++) s += alphabet[b[i]! % alphabet.length];
  return s;
};

/**
 * Starts paying an order through a payment channel (S5.9b; the payer's pick, default the first enabled):
 * the money will land directly in the order's escrow (channel clearing → `escrow:<orderId>`), not in the
 * payer's balance. For the orders module, which checks that the caller may pay this order and passes its
 * amount. While a payment for the order is live, the same one is returned (same payer and amount) — one
 * QR code per order.
 */
export async function createOrderPayment(
  p: Platform,
  d: ChannelDeps,
  o: { orderId: string; payerId: string; amountFen: number; description?: string; channel?: string },
): Promise<PaymentView> {
  const channel = pickChannel(d, o.channel);
  if (!Number.isSafeInteger(o.amountFen) || o.amountFen <= 0) throw new AppError('LEDGER_TRANSFER_INVALID', { detail: 'amount' });
  return startChannelPayment(p, d, {
    channel,
    outTradeNo: tradeNo('OP'),
    userId: o.payerId,
    amountFen: o.amountFen,
    orderId: o.orderId,
    description: o.description ?? '顶班订单支付 Dingban order payment',
    existing: async (tx) => {
      if (await findHold(tx, 'escrow', o.orderId)) throw new AppError('ESCROW_ALREADY_PAID');
      const live = await tx
        .selectFrom('wallet_payments')
        .selectAll()
        .where('order_id', '=', o.orderId)
        .where('purpose', '=', 'order')
        .where('status', 'in', ['creating', 'pending', 'paid'])
        .forUpdate()
        .executeTakeFirst();
      if (live?.status === 'paid') throw new AppError('ESCROW_ALREADY_PAID');
      if (live && (live.user_id !== o.payerId || live.amount_fen !== o.amountFen)) throw new AppError('IDEMPOTENCY_KEY_REUSED');
      return live;
    },
  });
}

/**
 * The channel confirmed an order payment (called by confirmPaid on its transaction): channel clearing →
 * the order's escrow, and ORDER_PAYMENT_PAID for the orders module. If the order's escrow was meanwhile
 * paid another way, the money goes to the payer's balance instead (never lost, never held twice).
 */
export async function holdOrderPayment(
  p: Platform,
  tx: Executor,
  o: { orderId: string; payerId: string; channel: string; row: PaymentRow },
): Promise<TransferResult> {
  const existing = await findHold(tx, 'escrow', o.orderId);
  if (existing) {
    p.logger.warn({ orderId: o.orderId, outTradeNo: o.row.out_trade_no }, 'order already paid: channel payment credited to the balance');
    return creditTopUp(p, tx, { userId: o.payerId, channel: o.channel, channelTradeNo: o.row.out_trade_no, amountFen: o.row.amount_fen });
  }
  const hold = await holdToEscrow(p, tx, {
    orderId: o.orderId,
    payerId: o.payerId,
    amountFen: o.row.amount_fen,
    channel: { name: o.channel, tradeNo: o.row.out_trade_no },
  });
  const payload: OrderPaymentPaid = {
    orderId: o.orderId,
    payerId: o.payerId,
    amountFen: o.row.amount_fen,
    paymentId: o.row.id,
    channel: o.channel,
  };
  await p.jobs.publish(tx, ORDER_PAYMENT_PAID, payload);
  await notify(p, tx, {
    userId: o.payerId,
    category: 'wallet',
    title: { zh: '订单支付成功', en: 'Order paid' },
    body: { zh: '订单款 {amount} 元已通过支付渠道付入托管', en: 'CNY {amount} paid through the channel into the order’s escrow' },
    params: { amount: (o.row.amount_fen / 100).toFixed(2) },
    link: `/orders/${o.orderId}`,
  });
  return { transferId: hold.holdTransferId, replayed: false, createdAt: p.clock.now() };
}

export interface RefundView {
  id: string;
  orderId: string;
  outRefundNo: string;
  amountFen: number;
  status: 'processing' | 'success' | 'failed';
}

/**
 * Refunds a channel-paid order back to the channel (S5.9b): on one transaction the escrow is voided to
 * the channel's clearing account and the refund is recorded and queued; then the channel is asked (same
 * out_refund_no on every retry, so it refunds once). For the orders module, instead of refundEscrow,
 * when the order was paid through a channel (`isChannelPaidOrder`).
 */
export async function refundOrderToChannel(p: Platform, d: ChannelDeps, o: { orderId: string; reason: string }): Promise<RefundView> {
  const refund = await p.db.transaction().execute(async (tx) => {
    const pay = await tx
      .selectFrom('wallet_payments')
      .selectAll()
      .where('order_id', '=', o.orderId)
      .where('purpose', '=', 'order')
      .where('status', '=', 'paid')
      .executeTakeFirst();
    if (!pay) throw new AppError('HOLD_NOT_FOUND', { referenceId: o.orderId });
    return recordOrderRefund(p, tx, pay, o.reason);
  });
  try {
    return await submitRefund(p, d, refund.id);
  } catch (err) {
    p.logger.warn({ err: (err as Error).message, refundId: refund.id }, 'refund: channel call failed; the job retries');
    return refundView(refund);
  }
}

/**
 * For the orders module, on its own transaction (cancel, expiry, rejected hold, refunded dispute): a
 * channel-paid order's escrow goes back to the channel (the refund is recorded and its submit job queued
 * on `tx`, so it commits with the order's change); any other escrow — or one whose amount changed since
 * the channel paid it (a pay raise or cut moved the difference through the balance) — to the payer's balance.
 */
export async function refundOrderEscrow(p: Platform, tx: Executor, o: { orderId: string; reason: string }): Promise<'channel' | 'balance'> {
  const pay = await tx
    .selectFrom('wallet_payments')
    .selectAll()
    .where('order_id', '=', o.orderId)
    .where('purpose', '=', 'order')
    .where('status', '=', 'paid')
    .executeTakeFirst();
  const hold = pay ? await findHold(tx, 'escrow', o.orderId) : undefined;
  if (pay && hold?.status === 'pending' && hold.amountFen === pay.amount_fen) {
    await recordOrderRefund(p, tx, pay, o.reason);
    return 'channel';
  }
  await refundEscrow(p, tx, { orderId: o.orderId });
  return 'balance';
}

/** Voids the escrow to the channel's clearing account, records the refund and queues its submission (once per payment). */
async function recordOrderRefund(p: Platform, tx: Executor, pay: PaymentRow, reason: string): Promise<WalletTables['wallet_refunds']> {
  const o = { orderId: pay.order_id!, reason };
  const existing = await tx.selectFrom('wallet_refunds').selectAll().where('payment_id', '=', pay.id).executeTakeFirst();
  if (existing) return existing;
  const outRefundNo = `RF${pay.out_trade_no.slice(2)}`;
  const hold = await refundEscrowToChannel(p, tx, { orderId: o.orderId, channel: pay.channel, outRefundNo });
  const now = p.clock.now();
  const row = {
    id: newId(),
    payment_id: pay.id,
    order_id: o.orderId,
    user_id: pay.user_id,
    channel: pay.channel,
    out_refund_no: outRefundNo,
    amount_fen: hold.amountFen,
    reason: o.reason.slice(0, 80),
    status: 'processing' as const,
    transfer_id: hold.settleTransferId!,
    created_at: now,
    updated_at: now,
  };
  await tx.insertInto('wallet_refunds').values(row).execute();
  await p.jobs.send(REFUND_SUBMIT_JOB, { refundId: row.id }, { tx });
  await notify(p, tx, {
    userId: pay.user_id,
    category: 'wallet',
    title: { zh: '订单退款处理中', en: 'Order refund in progress' },
    body: { zh: '订单款 {amount} 元将原路退回您的支付账户', en: 'CNY {amount} is being refunded to the account you paid with' },
    params: { amount: (hold.amountFen / 100).toFixed(2) },
    link: `/orders/${o.orderId}`,
  });
  return row;
}

const refundView = (r: WalletTables['wallet_refunds']): RefundView => ({
  id: r.id,
  orderId: r.order_id,
  outRefundNo: r.out_refund_no,
  amountFen: r.amount_fen,
  status: r.status,
});

/** Asks the channel to refund (idempotent by out_refund_no) and records its answer. */
export async function submitRefund(p: Platform, d: ChannelDeps, refundId: string): Promise<RefundView> {
  const r = await p.db.selectFrom('wallet_refunds').selectAll().where('id', '=', refundId).executeTakeFirst();
  if (!r) throw new AppError('NOT_FOUND');
  if (r.status !== 'processing') return refundView(r);
  const channel = channelNamed(d, r.channel);
  if (!channel) throw new AppError('PAYMENT_CHANNEL_UNAVAILABLE');
  const pay = await p.db.selectFrom('wallet_payments').selectAll().where('id', '=', r.payment_id).executeTakeFirstOrThrow();
  let status: 'processing' | 'success' | 'failed';
  try {
    ({ status } = await channel.refund({
      outTradeNo: pay.out_trade_no,
      outRefundNo: r.out_refund_no,
      amountFen: r.amount_fen,
      totalFen: pay.amount_fen,
      reason: r.reason,
    }));
  } catch (err) {
    if (err instanceof ChannelError && err.status !== undefined && err.status < 500) {
      p.logger.error({ code: err.code, refundId }, 'refund refused by the channel: needs finance');
      status = 'failed';
    } else throw err;
  }
  // A failed refund leaves the money in the channel clearing account: reconciliation surfaces it for finance.
  const updated = await p.db
    .updateTable('wallet_refunds')
    .set({ status, updated_at: p.clock.now() })
    .where('id', '=', r.id)
    .where('status', '=', 'processing')
    .returningAll()
    .executeTakeFirst();
  return refundView(updated ?? r);
}

/** True when the order's escrow was paid through a channel (so a cancellation refunds to the channel). */
export async function isChannelPaidOrder(db: Executor, orderId: string): Promise<boolean> {
  const r = await db
    .selectFrom('wallet_payments')
    .select('id')
    .where('order_id', '=', orderId)
    .where('purpose', '=', 'order')
    .where('status', '=', 'paid')
    .executeTakeFirst();
  return !!r;
}

/** The wallet module's channel wiring per platform, so other modules can call the wrappers below. */
const depsByPlatform = new WeakMap<Platform, ChannelDeps>();
export const setChannelDeps = (p: Platform, d: ChannelDeps): void => void depsByPlatform.set(p, d);
const depsOf = (p: Platform): ChannelDeps => depsByPlatform.get(p) ?? { channels: [], notifyUrl: () => '' };

/** For the orders module: start paying an order through the configured channel (see createOrderPayment). */
export const payOrderThroughChannel = (
  p: Platform,
  o: { orderId: string; payerId: string; amountFen: number; description?: string; channel?: string },
) => createOrderPayment(p, depsOf(p), o);
/** For the web app and the orders module: the enabled channels, the default first. */
export const enabledChannels = (p: Platform): string[] => depsOf(p).channels.map((c) => c.name);
/**
 * For the orders module: the order closed unpaid, so its live channel payments are closed at the channel
 * now (one paid at the last moment is confirmed instead, and the orders module refunds it).
 */
export async function closeOrderPaymentsAtChannel(p: Platform, orderId: string): Promise<void> {
  const live = await p.db
    .selectFrom('wallet_payments')
    .select('id')
    .where('order_id', '=', orderId)
    .where('purpose', '=', 'order')
    .where('status', 'in', ['creating', 'pending'])
    .execute();
  for (const r of live) await checkTopUp(p, depsOf(p), r.id, { closeNow: true });
}
/** For the orders module: refund a channel-paid order to the channel (see refundOrderToChannel). */
export const refundOrderPaymentToChannel = (p: Platform, o: { orderId: string; reason: string }) => refundOrderToChannel(p, depsOf(p), o);

/** The channel's REFUND.SUCCESS (or failure) notification settles the refund. */
export async function markRefund(p: Platform, outRefundNo: string, status: 'success' | 'failed'): Promise<void> {
  await p.db
    .updateTable('wallet_refunds')
    .set({ status, updated_at: p.clock.now() })
    .where('out_refund_no', '=', outRefundNo)
    .where('status', '=', 'processing')
    .execute();
}
