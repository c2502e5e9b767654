import { createHash, randomBytes } from 'node:crypto';
import type { Actor } from '../../platform/auth.ts';
import { AppError } from '../../platform/errors.ts';
import type { Platform } from '../../platform/platform.ts';
import { ChannelError, type ChannelPayment } from './channels/channel.ts';
import {
  channelNamed,
  findPayment,
  PAYMENT_CHECK_JOB,
  PAYMENT_TTL_MS,
  paymentView,
  pickChannel,
  startChannelPayment,
  type ChannelDeps,
  type PaymentView,
} from './channel-payments.ts';
import { creditTopUp } from './ledger.ts';
import { holdOrderPayment, markRefund } from './order-payments.ts';
import { checkWithdrawalByBatch } from './withdrawals.ts';
import './errors.ts';

export { channelNamed, type ChannelDeps } from './channel-payments.ts';

/** How long a top-up QR code can be paid; after that the platform closes it at the channel itself. */
export const TOPUP_TTL_MS = PAYMENT_TTL_MS;
export const TOPUP_MIN_FEN = 100;
export const TOPUP_MAX_FEN = 5_000_000;
/** Job that settles a top-up whose callback never came: query, credit or close. */
export const TOPUP_CHECK_JOB = PAYMENT_CHECK_JOB;

export type TopUpView = PaymentView;

function outTradeNoFor(userId: string, idempotencyKey: string | undefined): string {
  // With an Idempotency-Key the number is derived from it, so a retried request finds the same top-up.
  const seed = idempotencyKey ? createHash('sha256').update(`${userId}:${idempotencyKey}`).digest() : randomBytes(20);
  const alphabet = '0123456789ABCDEFGHJKLMNPQRSTUVWXYZ';
  let s = 'TU';
  for (let i = 0; i < 20; i++) s += alphabet[seed[i]! % alphabet.length];
  return s;
}

/**
 * Starts a top-up (S5.9b) through the channel the payer picked (default: the first enabled): records it,
 * asks the channel for a payment code and schedules the check that closes it at its deadline. Same
 * Idempotency-Key → the same top-up.
 */
export async function createTopUp(
  p: Platform,
  d: ChannelDeps,
  actor: Actor,
  o: { amountFen: number; channel?: string | undefined; idempotencyKey?: string | undefined },
): Promise<TopUpView> {
  const channel = pickChannel(d, o.channel);
  if (!Number.isSafeInteger(o.amountFen) || o.amountFen < TOPUP_MIN_FEN || o.amountFen > TOPUP_MAX_FEN) {
    throw new AppError('TOPUP_AMOUNT_OUT_OF_RANGE', { min: TOPUP_MIN_FEN / 100, max: TOPUP_MAX_FEN / 100 });
  }
  const outTradeNo = outTradeNoFor(actor.userId, o.idempotencyKey);
  return startChannelPayment(p, d, {
    channel,
    outTradeNo,
    userId: actor.userId,
    amountFen: o.amountFen,
    description: '顶班钱包充值 Dingban wallet top-up',
    existing: async (tx) => {
      const existing = await tx
        .selectFrom('wallet_payments')
        .selectAll()
        .where('out_trade_no', '=', outTradeNo)
        .forUpdate()
        .executeTakeFirst();
      if (existing && (existing.user_id !== actor.userId || existing.amount_fen !== o.amountFen || existing.channel !== channel.name)) {
        throw new AppError('IDEMPOTENCY_KEY_REUSED');
      }
      return existing;
    },
  });
}

/**
 * The channel says the money arrived: mark the top-up paid and credit the wallet, exactly once however
 * often the callback or the query repeats it. A payment that disagrees on the amount is not credited.
 */
export async function confirmPaid(
  p: Platform,
  channelName: string,
  payment: ChannelPayment,
): Promise<'credited' | 'already' | 'unknown' | 'mismatch'> {
  return p.db.transaction().execute(async (tx) => {
    const row = await tx
      .selectFrom('wallet_payments')
      .selectAll()
      .where('out_trade_no', '=', payment.outTradeNo)
      .forUpdate()
      .executeTakeFirst();
    if (!row || row.channel !== channelName) return 'unknown';
    if (row.status === 'paid') return 'already';
    if (row.amount_fen !== payment.amountFen) {
      p.logger.error(
        { outTradeNo: row.out_trade_no, expected: row.amount_fen, got: payment.amountFen },
        'top-up amount mismatch: not credited',
      );
      return 'mismatch';
    }
    const credit =
      row.purpose === 'order' && row.order_id
        ? await holdOrderPayment(p, tx, { orderId: row.order_id, payerId: row.user_id, channel: channelName, row })
        : await creditTopUp(p, tx, {
            userId: row.user_id,
            channel: channelName,
            channelTradeNo: row.out_trade_no,
            amountFen: row.amount_fen,
          });
    await tx
      .updateTable('wallet_payments')
      .set({
        status: 'paid',
        transaction_id: payment.transactionId,
        paid_at: payment.paidAt ?? p.clock.now(),
        transfer_id: credit.transferId,
        updated_at: p.clock.now(),
      })
      .where('id', '=', row.id)
      .execute();
    return 'credited';
  });
}

/**
 * Settles a top-up by asking the channel (the callback was late or lost): credits it when paid; past its
 * deadline (or at once with `closeNow`), closes it at the channel (the channel's own expiry does not
 * close it) and marks it closed.
 */
export async function checkTopUp(
  p: Platform,
  d: ChannelDeps,
  paymentId: string,
  o: { closeNow?: boolean } = {},
): Promise<TopUpView | undefined> {
  const row = await findPayment(p.db, paymentId);
  if (!row || !['creating', 'pending'].includes(row.status)) return row ? paymentView(row) : undefined;
  const channel = channelNamed(d, row.channel);
  if (!channel) throw new AppError('PAYMENT_CHANNEL_UNAVAILABLE');
  // `closeNow`: what it pays for is gone (the order closed unpaid), so it is closed before its own deadline.
  const expired = o.closeNow === true || p.clock.now().getTime() >= row.expires_at.getTime();
  let q: ChannelPayment | undefined;
  try {
    q = await channel.queryPayment(row.out_trade_no);
  } catch (err) {
    if (!(err instanceof ChannelError && err.code === 'ORDER_NOT_EXIST')) throw err;
  }
  if (q && (q.state === 'paid' || q.state === 'refunded')) {
    await confirmPaid(p, channel.name, q);
  } else if (expired) {
    if (q && q.state === 'pending') {
      try {
        await channel.closePayment(row.out_trade_no);
      } catch (err) {
        // Paid in the last moment: credit it instead.
        if (err instanceof ChannelError && err.code === 'ORDERPAID') {
          await confirmPaid(p, channel.name, await channel.queryPayment(row.out_trade_no));
          return paymentView((await findPayment(p.db, paymentId))!);
        }
        throw err;
      }
    }
    await p.db
      .updateTable('wallet_payments')
      .set({ status: q ? 'closed' : 'failed', updated_at: p.clock.now() })
      .where('id', '=', row.id)
      .where('status', 'in', ['creating', 'pending'])
      .execute();
  }
  return paymentView((await findPayment(p.db, paymentId))!);
}

/** The caller's own top-up; a late callback is chased by querying the channel. */
export async function getTopUp(p: Platform, d: ChannelDeps, actor: Actor, id: string): Promise<TopUpView> {
  const row = await findPayment(p.db, id);
  if (!row || row.user_id !== actor.userId) throw new AppError('NOT_FOUND');
  if (row.status === 'pending' && channelNamed(d, row.channel) && p.clock.now().getTime() - row.created_at.getTime() > 5_000) {
    try {
      return (await checkTopUp(p, d, id))!;
    } catch (err) {
      p.logger.warn({ err: (err as Error).message }, 'top-up query failed; showing the stored state');
    }
  }
  return paymentView(row);
}

/** Handles a channel's asynchronous notification; throws ChannelError('SIGNATURE_INVALID') for a forgery. */
export async function handleNotification(
  p: Platform,
  d: ChannelDeps,
  channelName: string,
  headers: Record<string, string | string[] | undefined>,
  rawBody: string,
): Promise<void> {
  const channel = channelNamed(d, channelName);
  if (!channel) throw new AppError('PAYMENT_CHANNEL_UNAVAILABLE');
  const n = await channel.openNotification(headers, rawBody);
  if (n.kind === 'payment' && (n.payment.state === 'paid' || n.payment.state === 'refunded')) {
    const r = await confirmPaid(p, channel.name, n.payment);
    p.logger.info({ eventId: n.eventId, outTradeNo: n.payment.outTradeNo, result: r }, 'payment notification');
  }
  if (n.kind === 'transfer') await checkWithdrawalByBatch(p, d, n.outBatchNo);
  if (n.kind === 'refund') await markRefund(p, n.outRefundNo, n.status);
}
