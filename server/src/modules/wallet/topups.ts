import { createHash, randomBytes } from 'node:crypto';
import type { Actor } from '../../platform/auth.ts';
import { AppError } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import type { Platform } from '../../platform/platform.ts';
import { ChannelError, type ChannelPayment, type PaymentChannel } from './channels/channel.ts';
import { creditTopUp } from './ledger.ts';
import { holdOrderPayment, markRefund } from './order-payments.ts';
import { checkWithdrawalByBatch } from './withdrawals.ts';
import './errors.ts';

/** How long a top-up QR code can be paid; after that the platform closes it at the channel itself. */
export const TOPUP_TTL_MS = 15 * 60_000;
export const TOPUP_MIN_FEN = 100;
export const TOPUP_MAX_FEN = 5_000_000;
/** Job that settles a top-up whose callback never came: query, credit or close. */
export const TOPUP_CHECK_JOB = 'wallet.topup.check';

export interface TopUpView {
  id: string;
  outTradeNo: string;
  channel: string;
  amountFen: number;
  status: 'creating' | 'pending' | 'paid' | 'closed' | 'failed';
  codeUrl: string | null;
  payUrl: string | null;
  expiresAt: string;
  paidAt: string | null;
  createdAt: string;
}

type Row = {
  id: string;
  out_trade_no: string;
  user_id: string;
  channel: string;
  amount_fen: number;
  status: TopUpView['status'];
  code_url: string | null;
  pay_url: string | null;
  expires_at: Date;
  paid_at: Date | null;
  created_at: Date;
};

const view = (r: Row): TopUpView => ({
  id: r.id,
  outTradeNo: r.out_trade_no,
  channel: r.channel,
  amountFen: r.amount_fen,
  status: r.status,
  codeUrl: r.code_url,
  payUrl: r.pay_url,
  expiresAt: r.expires_at.toISOString(),
  paidAt: r.paid_at?.toISOString() ?? null,
  createdAt: r.created_at.toISOString(),
});

/** Where the channel sends its callbacks. */
export interface ChannelDeps {
  channel: PaymentChannel | undefined;
  notifyUrl: (channel: string) => string;
}

function outTradeNoFor(userId: string, idempotencyKey: string | undefined): string {
  // With an Idempotency-Key the number is derived from it, so a retried request finds the same top-up.
  const seed = idempotencyKey ? createHash('sha256').update(`${userId}:${idempotencyKey}`).digest() : randomBytes(20);
  const alphabet = '0123456789ABCDEFGHJKLMNPQRSTUVWXYZ';
  let s = 'TU';
  for (let i = 0; i < 20; i++) s += alphabet[seed[i]! % alphabet.length];
  return s;
}

const findRow = (p: Platform, id: string) => p.db.selectFrom('wallet_payments').selectAll().where('id', '=', id).executeTakeFirst();

/**
 * Starts a top-up (S5.9b): records it, asks the channel for a payment code and schedules the check that
 * closes it at its deadline. Same Idempotency-Key → the same top-up.
 */
export async function createTopUp(
  p: Platform,
  d: ChannelDeps,
  actor: Actor,
  o: { amountFen: number; idempotencyKey?: string | undefined },
): Promise<TopUpView> {
  const channel = d.channel;
  if (!channel) throw new AppError('PAYMENT_CHANNEL_UNAVAILABLE');
  if (!Number.isSafeInteger(o.amountFen) || o.amountFen < TOPUP_MIN_FEN || o.amountFen > TOPUP_MAX_FEN) {
    throw new AppError('TOPUP_AMOUNT_OUT_OF_RANGE', { min: TOPUP_MIN_FEN / 100, max: TOPUP_MAX_FEN / 100 });
  }
  const outTradeNo = outTradeNoFor(actor.userId, o.idempotencyKey);
  const now = p.clock.now();
  const row = await p.db.transaction().execute(async (tx) => {
    const existing = await tx
      .selectFrom('wallet_payments')
      .selectAll()
      .where('out_trade_no', '=', outTradeNo)
      .forUpdate()
      .executeTakeFirst();
    if (existing) {
      if (existing.user_id !== actor.userId || existing.amount_fen !== o.amountFen) throw new AppError('IDEMPOTENCY_KEY_REUSED');
      return existing;
    }
    const created = {
      id: newId(),
      out_trade_no: outTradeNo,
      user_id: actor.userId,
      purpose: 'topup' as const,
      channel: channel.name,
      amount_fen: o.amountFen,
      status: 'creating' as const,
      code_url: null,
      pay_url: null,
      transaction_id: null,
      expires_at: new Date(now.getTime() + TOPUP_TTL_MS),
      paid_at: null,
      transfer_id: null,
      created_at: now,
      updated_at: now,
    };
    await tx.insertInto('wallet_payments').values(created).execute();
    // The deadline check is queued with the top-up itself: a crash after this point cannot forget it.
    await p.jobs.send(TOPUP_CHECK_JOB, { paymentId: created.id }, { tx, startAfter: new Date(created.expires_at.getTime() + 60_000) });
    return created;
  });
  if (row.status !== 'creating') return view(row);
  let created: { codeUrl: string; payUrl: string | null };
  try {
    created = await channel.createPayment({
      outTradeNo,
      amountFen: o.amountFen,
      description: '顶班钱包充值 Dingban wallet top-up',
      expiresAt: row.expires_at,
      notifyUrl: d.notifyUrl(channel.name),
    });
  } catch (err) {
    p.logger.warn({ err: (err as Error).message, outTradeNo }, 'top-up: channel refused or unreachable');
    throw new AppError('PAYMENT_CHANNEL_UNAVAILABLE', {}, { cause: err });
  }
  const updated = await p.db
    .updateTable('wallet_payments')
    .set({ status: 'pending', code_url: created.codeUrl, pay_url: created.payUrl, updated_at: p.clock.now() })
    .where('id', '=', row.id)
    .where('status', '=', 'creating')
    .returningAll()
    .executeTakeFirst();
  return view(updated ?? (await findRow(p, row.id))!);
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
 * deadline, closes it at the channel (the channel's own expiry does not close it) and marks it closed.
 */
export async function checkTopUp(p: Platform, d: ChannelDeps, paymentId: string): Promise<TopUpView | undefined> {
  const row = await findRow(p, paymentId);
  if (!row || !['creating', 'pending'].includes(row.status)) return row ? view(row) : undefined;
  const channel = d.channel;
  if (!channel || channel.name !== row.channel) throw new AppError('PAYMENT_CHANNEL_UNAVAILABLE');
  const expired = p.clock.now().getTime() >= row.expires_at.getTime();
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
          return view((await findRow(p, paymentId))!);
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
  return view((await findRow(p, paymentId))!);
}

/** The caller's own top-up; a late callback is chased by querying the channel. */
export async function getTopUp(p: Platform, d: ChannelDeps, actor: Actor, id: string): Promise<TopUpView> {
  const row = await findRow(p, id);
  if (!row || row.user_id !== actor.userId) throw new AppError('NOT_FOUND');
  if (row.status === 'pending' && d.channel && p.clock.now().getTime() - row.created_at.getTime() > 5_000) {
    try {
      return (await checkTopUp(p, d, id))!;
    } catch (err) {
      p.logger.warn({ err: (err as Error).message }, 'top-up query failed; showing the stored state');
    }
  }
  return view(row);
}

/** Handles a channel's asynchronous notification; throws ChannelError('SIGNATURE_INVALID') for a forgery. */
export async function handleNotification(
  p: Platform,
  d: ChannelDeps,
  headers: Record<string, string | string[] | undefined>,
  rawBody: string,
): Promise<void> {
  const channel = d.channel;
  if (!channel) throw new AppError('PAYMENT_CHANNEL_UNAVAILABLE');
  const n = await channel.openNotification(headers, rawBody);
  if (n.kind === 'payment' && (n.payment.state === 'paid' || n.payment.state === 'refunded')) {
    const r = await confirmPaid(p, channel.name, n.payment);
    p.logger.info({ eventId: n.eventId, outTradeNo: n.payment.outTradeNo, result: r }, 'payment notification');
  }
  if (n.kind === 'transfer') await checkWithdrawalByBatch(p, d, n.outBatchNo);
  if (n.kind === 'refund') await markRefund(p, n.outRefundNo, n.status);
}
