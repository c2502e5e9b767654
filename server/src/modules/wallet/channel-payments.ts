import type { Selectable } from 'kysely';
import type { Executor } from '../../platform/db.ts';
import { AppError } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import type { Platform } from '../../platform/platform.ts';
import type { PaymentChannel } from './channels/channel.ts';
import type { WalletTables } from './tables.ts';
import './errors.ts';

/** How long a payment code can be paid; after that the platform closes it at the channel itself. */
export const PAYMENT_TTL_MS = 15 * 60_000;
/** Job that settles a channel payment whose callback never came: query, credit (or escrow) or close. */
export const PAYMENT_CHECK_JOB = 'wallet.topup.check';

/** The enabled channels (the default first) and where each sends its callbacks. */
export interface ChannelDeps {
  channels: readonly PaymentChannel[];
  notifyUrl: (channel: string) => string;
}

export const channelNamed = (d: ChannelDeps, name: string): PaymentChannel | undefined => d.channels.find((c) => c.name === name);

/** The channel a payer picked (or the default); PAYMENT_CHANNEL_UNAVAILABLE when it is not enabled. */
export function pickChannel(d: ChannelDeps, name?: string): PaymentChannel {
  const channel = name ? channelNamed(d, name) : d.channels[0];
  if (!channel) throw new AppError('PAYMENT_CHANNEL_UNAVAILABLE');
  return channel;
}

export type PaymentRow = Selectable<WalletTables['wallet_payments']>;

/** A top-up or an order payment through a channel, as the API shows it. */
export interface PaymentView {
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
  orderId: string | null;
}

export const paymentView = (r: PaymentRow): PaymentView => ({
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
  orderId: r.order_id,
});

export const findPayment = (db: Executor, id: string) =>
  db.selectFrom('wallet_payments').selectAll().where('id', '=', id).executeTakeFirst();

/**
 * The flow shared by top-ups and order payments (S5.9b): one transaction finds the live payment (a retry)
 * or records a new one and queues its deadline check — a crash cannot forget it — then the channel is
 * asked for a payment code and the row becomes `pending`. `existing` runs inside the transaction, locks
 * what it reads and throws when the request conflicts with what is there.
 */
export async function startChannelPayment(
  p: Platform,
  d: ChannelDeps,
  o: {
    channel: PaymentChannel;
    outTradeNo: string;
    userId: string;
    amountFen: number;
    orderId?: string;
    description: string;
    existing: (tx: Executor) => Promise<PaymentRow | undefined>;
  },
): Promise<PaymentView> {
  const now = p.clock.now();
  const row = await p.db.transaction().execute(async (tx) => {
    const found = await o.existing(tx);
    if (found) return found;
    const created: PaymentRow = {
      id: newId(),
      out_trade_no: o.outTradeNo,
      user_id: o.userId,
      purpose: o.orderId ? 'order' : 'topup',
      order_id: o.orderId ?? null,
      channel: o.channel.name,
      amount_fen: o.amountFen,
      status: 'creating',
      code_url: null,
      pay_url: null,
      transaction_id: null,
      expires_at: new Date(now.getTime() + PAYMENT_TTL_MS),
      paid_at: null,
      transfer_id: null,
      created_at: now,
      updated_at: now,
    };
    await tx.insertInto('wallet_payments').values(created).execute();
    await p.jobs.send(PAYMENT_CHECK_JOB, { paymentId: created.id }, { tx, startAfter: new Date(created.expires_at.getTime() + 60_000) });
    return created;
  });
  if (row.status !== 'creating') return paymentView(row);
  // A retry of a payment whose code was never obtained asks the channel it was recorded with.
  const channel = channelNamed(d, row.channel);
  if (!channel) throw new AppError('PAYMENT_CHANNEL_UNAVAILABLE');
  let made: { codeUrl: string; payUrl: string | null };
  try {
    made = await channel.createPayment({
      outTradeNo: row.out_trade_no,
      amountFen: row.amount_fen,
      description: o.description.slice(0, 120),
      expiresAt: row.expires_at,
      notifyUrl: d.notifyUrl(channel.name),
    });
  } catch (err) {
    p.logger.warn({ err: (err as Error).message, outTradeNo: row.out_trade_no, channel: channel.name }, 'channel refused or unreachable');
    throw new AppError('PAYMENT_CHANNEL_UNAVAILABLE', {}, { cause: err });
  }
  const updated = await p.db
    .updateTable('wallet_payments')
    .set({ status: 'pending', code_url: made.codeUrl, pay_url: made.payUrl, updated_at: p.clock.now() })
    .where('id', '=', row.id)
    .where('status', '=', 'creating')
    .returningAll()
    .executeTakeFirst();
  return paymentView(updated ?? (await findPayment(p.db, row.id))!);
}
