import { randomBytes } from 'node:crypto';
import { AppError } from '../../platform/errors.ts';
import type { Executor } from '../../platform/db.ts';
import { newId } from '../../platform/ids.ts';
import type { Platform } from '../../platform/platform.ts';
import { notify } from '../messages/index.ts';
import { ChannelError } from './channels/channel.ts';
import {
  findHold,
  holdToEscrow,
  payFromEscrow,
  receiveAndReturnToChannel,
  refundEscrow,
  refundEscrowSplit,
  releaseEscrow,
  type HoldView,
  type TransferResult,
} from './ledger.ts';
import * as repo from './repo.ts';
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

/** Thrown inside the payment transaction when the order's live payment is for another amount or channel. */
class StaleOrderPayment extends Error {
  readonly row: PaymentRow;
  constructor(row: PaymentRow) {
    super('the live payment no longer matches the order');
    this.row = row;
  }
}

/**
 * Starts paying an order through a payment channel (S5.9b; the payer's pick, default the first enabled):
 * the money will land directly in the order's escrow (channel clearing → `escrow:<orderId>`), not in the
 * payer's balance. For the orders module, which checks that the caller may pay this order and passes its
 * amount. While a payment for the order is live, the same one is returned (same payer, amount and channel)
 * — one QR code per order. A live payment for another amount (the owner changed the pay) or another
 * channel (the owner picked the other one) is first closed at its channel, then a new one is started; if
 * it turns out to have been paid a moment before, that payment stands (ESCROW_ALREADY_PAID).
 */
export async function createOrderPayment(
  p: Platform,
  d: ChannelDeps,
  o: { orderId: string; payerId: string; amountFen: number; description?: string; channel?: string },
): Promise<PaymentView> {
  const channel = pickChannel(d, o.channel);
  if (!Number.isSafeInteger(o.amountFen) || o.amountFen <= 0) throw new AppError('LEDGER_TRANSFER_INVALID', { detail: 'amount' });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startChannelPayment(p, d, {
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
          if (live && live.user_id !== o.payerId) throw new AppError('IDEMPOTENCY_KEY_REUSED');
          if (live && (live.amount_fen !== o.amountFen || (o.channel !== undefined && live.channel !== channel.name)))
            throw new StaleOrderPayment(live);
          return live;
        },
      });
    } catch (err) {
      if (!(err instanceof StaleOrderPayment)) throw err;
      // Close the old code at its channel before offering a new one, so the order cannot be paid twice.
      const old = await checkTopUp(p, d, err.row.id, { closeNow: true });
      if (old?.status === 'paid') throw new AppError('ESCROW_ALREADY_PAID');
    }
  }
  throw new AppError('PAYMENT_CHANNEL_UNAVAILABLE');
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
    // Paid another way meanwhile (from the balance, while the channel could not close this code): the money
    // goes straight back to the channel it came from — never kept, never lost — and the payer is told.
    p.logger.warn({ orderId: o.orderId, outTradeNo: o.row.out_trade_no }, 'order already paid: channel payment refunded to the channel');
    const outRefundNo = refundNoFor(o.row, 0);
    const { receipt, refund } = await receiveAndReturnToChannel(p, tx, {
      channel: o.channel,
      channelTradeNo: o.row.out_trade_no,
      outRefundNo,
      amountFen: o.row.amount_fen,
      orderId: o.orderId,
    });
    await recordRefund(p, tx, {
      pay: o.row,
      outRefundNo,
      amountFen: o.row.amount_fen,
      transferId: refund.transferId,
      reason: '订单已支付，重复付款退回 order already paid',
      notice: 'duplicate',
    });
    return receipt;
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

type RefundRow = WalletTables['wallet_refunds'];

/** The out_refund_no of a payment's nth refund (from 0): `RF` + the trade number's suffix, then `-2`, `-3`… */
const refundNoFor = (pay: PaymentRow, n: number) => `RF${pay.out_trade_no.slice(2)}${n === 0 ? '' : `-${n + 1}`}`;

/** The channel payment that funded the order's escrow (its ledger transfer opened the hold), if any. */
async function fundingPayment(db: Executor, orderId: string, hold: HoldView | undefined): Promise<PaymentRow | undefined> {
  if (!hold) return undefined;
  return db
    .selectFrom('wallet_payments')
    .selectAll()
    .where('order_id', '=', orderId)
    .where('purpose', '=', 'order')
    .where('status', '=', 'paid')
    .where('transfer_id', '=', hold.holdTransferId)
    .executeTakeFirst();
}

/**
 * Refunds a channel-paid order back to the channel (S5.9b): on one transaction the escrow is voided to
 * the channel's clearing account (what the payment can take back; any rest to the balance) and the refund
 * is recorded and queued; then the channel is asked (same out_refund_no on every retry, so it refunds
 * once). For the orders module, when money landed for an order no longer payable. A repeat returns the
 * refund already made.
 */
export async function refundOrderToChannel(p: Platform, d: ChannelDeps, o: { orderId: string; reason: string }): Promise<RefundView> {
  const refund = await p.db.transaction().execute(async (tx) => {
    const hold = await findHold(tx, 'escrow', o.orderId);
    const pay = await fundingPayment(tx, o.orderId, hold);
    if (!pay) throw new AppError('HOLD_NOT_FOUND', { referenceId: o.orderId });
    if (hold?.status !== 'pending') {
      const done = await tx
        .selectFrom('wallet_refunds')
        .selectAll()
        .where('payment_id', '=', pay.id)
        .orderBy('created_at', 'desc')
        .executeTakeFirst();
      if (done) return done;
    }
    const r = await refundOrderEscrow(p, tx, o);
    if (!r.refund) throw new AppError('HOLD_NOT_FOUND', { referenceId: o.orderId });
    return r.refund;
  });
  try {
    return await submitRefund(p, d, refund.id);
  } catch (err) {
    p.logger.warn({ err: (err as Error).message, refundId: refund.id }, 'refund: channel call failed; the job retries');
    return refundView(refund);
  }
}

/** How an order's escrow was returned: to the courier (compensation), the channel (partial or whole), the balance. */
export interface EscrowReturn {
  courierFen: number;
  channelFen: number;
  balanceFen: number;
  refund: RefundRow | undefined;
}

/**
 * For the orders module, on its own transaction (cancel, expiry, rejected hold, refunded dispute): returns
 * an order's escrow. With `compensation`, that much goes to the courier first (a cancelled taken order,
 * S5.7a). What is left goes back to the channel the order was paid through, up to what that payment can
 * still take back (a partial refund when the courier was compensated or the owner cut the pay; the refund
 * is recorded and its submit job queued on `tx`, so it commits with the order's change); the rest — all
 * of it for an order paid from the balance, or what a pay raise added from the balance — goes to the
 * payer's available balance. One transfer returns the escrow, under the hold's lock.
 */
export async function refundOrderEscrow(
  p: Platform,
  tx: Executor,
  o: { orderId: string; reason: string; compensation?: { courierId: string; amountFen: number } },
): Promise<EscrowReturn> {
  const locked = await repo.lockHold(tx, 'escrow', o.orderId);
  const none: EscrowReturn = { courierFen: 0, channelFen: 0, balanceFen: 0, refund: undefined };
  if (!locked || locked.status !== 'pending') {
    // Settled already: a retry replays, anything else is refused by the ledger (HOLD_NOT_FOUND / HOLD_ALREADY_SETTLED).
    await refundEscrow(p, tx, { orderId: o.orderId });
    return none;
  }
  let hold = (await findHold(tx, 'escrow', o.orderId))!;
  const courierFen = Math.max(0, o.compensation?.amountFen ?? 0);
  if (o.compensation && courierFen >= hold.amountFen) {
    await releaseEscrow(p, tx, { orderId: o.orderId, courierId: o.compensation.courierId, feeFen: 0 });
    return { ...none, courierFen: hold.amountFen };
  }
  if (o.compensation && courierFen > 0) {
    hold = await payFromEscrow(p, tx, {
      orderId: o.orderId,
      courierId: o.compensation.courierId,
      amountFen: courierFen,
      key: `escrow.compensation:${o.orderId}`,
      memo: { compensation: 'cancellation' },
    });
  }
  const pay = await fundingPayment(tx, o.orderId, hold);
  if (!pay) {
    await refundEscrow(p, tx, { orderId: o.orderId });
    return { ...none, courierFen, balanceFen: hold.amountFen };
  }
  const earlier = await tx.selectFrom('wallet_refunds').select(['amount_fen']).where('payment_id', '=', pay.id).execute();
  const refundable = pay.amount_fen - earlier.reduce((s, r) => s + Number(r.amount_fen), 0);
  const channelFen = Math.min(hold.amountFen, refundable);
  if (channelFen <= 0) {
    await refundEscrow(p, tx, { orderId: o.orderId });
    return { ...none, courierFen, balanceFen: hold.amountFen };
  }
  const outRefundNo = refundNoFor(pay, earlier.length);
  const split = await refundEscrowSplit(p, tx, {
    orderId: o.orderId,
    toChannel: { channel: pay.channel, outRefundNo, amountFen: channelFen },
  });
  const refund = await recordRefund(p, tx, {
    pay,
    outRefundNo,
    amountFen: channelFen,
    transferId: split.settleTransferId!,
    reason: o.reason,
    notice: 'order',
  });
  return { courierFen, channelFen, balanceFen: split.balanceFen, refund };
}

/** Records a refund to the channel, queues its submission and tells the payer (the ledger moved already). */
async function recordRefund(
  p: Platform,
  tx: Executor,
  o: { pay: PaymentRow; outRefundNo: string; amountFen: number; transferId: string; reason: string; notice: 'order' | 'duplicate' },
): Promise<RefundRow> {
  const now = p.clock.now();
  const row: RefundRow = {
    id: newId(),
    payment_id: o.pay.id,
    order_id: o.pay.order_id!,
    user_id: o.pay.user_id,
    channel: o.pay.channel,
    out_refund_no: o.outRefundNo,
    amount_fen: o.amountFen,
    reason: o.reason.slice(0, 80),
    status: 'processing',
    transfer_id: o.transferId,
    created_at: now,
    updated_at: now,
  };
  await tx.insertInto('wallet_refunds').values(row).execute();
  await p.jobs.send(REFUND_SUBMIT_JOB, { refundId: row.id }, { tx });
  await notify(p, tx, {
    userId: o.pay.user_id,
    category: 'wallet',
    ...(o.notice === 'duplicate'
      ? {
          title: { zh: '重复付款将原路退回', en: 'Duplicate payment being refunded' },
          body: {
            zh: '订单已用其他方式支付，通过支付渠道到账的 {amount} 元将原路退回您的支付账户',
            en: 'The order was already paid another way; the CNY {amount} that arrived through the channel is being refunded to the account you paid with',
          },
        }
      : {
          title: { zh: '订单退款处理中', en: 'Order refund in progress' },
          body: { zh: '订单款 {amount} 元将原路退回您的支付账户', en: 'CNY {amount} is being refunded to the account you paid with' },
        }),
    params: { amount: (o.amountFen / 100).toFixed(2) },
    link: `/orders/${o.pay.order_id}`,
  });
  return row;
}

const refundView = (r: RefundRow): RefundView => ({
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
  if (status === 'processing') return refundView(r);
  return refundView((await settleRefund(p, { id: r.id }, status)) ?? r);
}

/**
 * A refund's outcome (the channel's answer, callback or notify): recorded once, and the payer is told on
 * the same transaction — the money is back on the account they paid with. A failed refund leaves the money
 * in the channel clearing account: reconciliation surfaces it for finance.
 */
async function settleRefund(
  p: Platform,
  which: { id: string } | { outRefundNo: string },
  status: 'success' | 'failed',
): Promise<RefundRow | undefined> {
  return p.db.transaction().execute(async (tx) => {
    let q = tx.updateTable('wallet_refunds').set({ status, updated_at: p.clock.now() }).where('status', '=', 'processing');
    q = 'id' in which ? q.where('id', '=', which.id) : q.where('out_refund_no', '=', which.outRefundNo);
    const updated = await q.returningAll().executeTakeFirst();
    if (updated && status === 'success') {
      await notify(p, tx, {
        userId: updated.user_id,
        category: 'wallet',
        title: { zh: '退款已原路退回', en: 'Refund completed' },
        body: {
          zh: '{amount} 元已退回您付款的{channelZh}账户',
          en: 'CNY {amount} was refunded to the {channelEn} account you paid with',
        },
        params: {
          amount: (updated.amount_fen / 100).toFixed(2),
          channelZh: updated.channel === 'alipay' ? '支付宝' : '微信支付',
          channelEn: updated.channel === 'alipay' ? 'Alipay' : 'WeChat Pay',
        },
        link: `/orders/${updated.order_id}`,
      });
    }
    if (updated && status === 'failed') p.logger.error({ refundId: updated.id }, 'refund failed at the channel: needs finance');
    return updated;
  });
}

/** True when the order's escrow was paid through a channel (so a cancellation refunds to the channel). */
export async function isChannelPaidOrder(db: Executor, orderId: string): Promise<boolean> {
  return !!(await fundingPayment(db, orderId, await findHold(db, 'escrow', orderId)));
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
  await settleRefund(p, { outRefundNo }, status);
}
