import { sql } from 'kysely';
import type { Actor } from '../../platform/auth.ts';
import type { Executor } from '../../platform/db.ts';
import { AppError } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import type { Platform } from '../../platform/platform.ts';
import { ChannelError, type PaymentChannel, type PayoutKind } from './channels/channel.ts';
import { holdForPayout, settlePayout, voidPayout } from './ledger.ts';
import { channelNamed, type ChannelDeps } from './channel-payments.ts';
import './errors.ts';

/** Per-transaction and per-day limits (fen) and the fee rule of withdrawals. */
export const WITHDRAWAL_RULES = {
  minFen: 100,
  maxFen: 2_000_000,
  dailyMaxFen: 5_000_000,
  /** Fee: 0.1 % of the amount, rounded up to the fen, paid on top of the amount. */
  feePerMille: 1,
};
export const withdrawalFee = (amountFen: number): number => Math.ceil((amountFen * WITHDRAWAL_RULES.feePerMille) / 1000);

/** Jobs: send a requested withdrawal to the channel; ask the channel how a submitted one ended. */
export const WITHDRAWAL_SUBMIT_JOB = 'wallet.withdrawal.submit';
export const WITHDRAWAL_CHECK_JOB = 'wallet.withdrawal.check';

const ACCOUNT_CTX = 'wallet_payout_accounts.account';

export interface WithdrawalDeps extends ChannelDeps {
  /** Real-name verification required before any payout (identity module). */
  requireVerified: (p: Platform, userId: string, db?: Executor) => Promise<void>;
}

export interface PayoutAccountView {
  id: string;
  kind: 'wechat' | 'bank_card';
  accountMasked: string;
  bankName: string | null;
  createdAt: string;
}

export interface WithdrawalView {
  id: string;
  amountFen: number;
  feeFen: number;
  status: 'requested' | 'submitted' | 'paid' | 'failed';
  payoutAccountId: string;
  failReason: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Luhn check digit validation for bank card numbers. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

const accountView = (r: {
  id: string;
  kind: 'wechat' | 'bank_card';
  account_masked: string;
  bank_name: string | null;
  created_at: Date;
}): PayoutAccountView => ({
  id: r.id,
  kind: r.kind,
  accountMasked: r.account_masked,
  bankName: r.bank_name,
  createdAt: r.created_at.toISOString(),
});

const withdrawalView = (r: {
  id: string;
  amount_fen: number;
  fee_fen: number;
  status: WithdrawalView['status'];
  payout_account_id: string;
  fail_reason: string | null;
  created_at: Date;
  updated_at: Date;
}): WithdrawalView => ({
  id: r.id,
  amountFen: r.amount_fen,
  feeFen: r.fee_fen,
  status: r.status,
  payoutAccountId: r.payout_account_id,
  failReason: r.fail_reason,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

const HOLDER_CTX = 'wallet_payout_accounts.holder_name';

/**
 * Binds a WeChat account (openid) or a bank card (Luhn-checked, with its holder's name, which the bank
 * checks on a payout) for payouts; stored encrypted, shown masked.
 */
export async function bindPayoutAccount(
  p: Platform,
  actor: Actor,
  b: { kind: 'wechat'; openid: string } | { kind: 'bank_card'; cardNo: string; bankName: string; holderName?: string | undefined },
): Promise<PayoutAccountView> {
  let value: string;
  let masked: string;
  let holder: string | null = null;
  if (b.kind === 'bank_card') {
    value = b.cardNo.replace(/\s+/g, '');
    if (!/^\d{12,19}$/.test(value)) throw new AppError('PAYOUT_ACCOUNT_INVALID', { detail: '12–19 digits' });
    if (!luhnValid(value)) throw new AppError('PAYOUT_ACCOUNT_INVALID', { detail: 'check digit' });
    masked = `**** **** **** ${value.slice(-4)}`;
    holder = b.holderName?.trim() || null;
    if (holder !== null && !/^[\p{L}·・. ]{1,40}$/u.test(holder)) throw new AppError('PAYOUT_ACCOUNT_INVALID', { detail: 'holder name' });
  } else {
    value = b.openid;
    if (!/^[A-Za-z0-9_-]{6,64}$/.test(value)) throw new AppError('PAYOUT_ACCOUNT_INVALID', { detail: 'openid' });
    masked = `${value.slice(0, 4)}****${value.slice(-4)}`;
  }
  const idx = p.keyring.blindIndex(value, ACCOUNT_CTX);
  const now = p.clock.now();
  const existing = await p.db
    .selectFrom('wallet_payout_accounts')
    .selectAll()
    .where('user_id', '=', actor.userId)
    .where('kind', '=', b.kind)
    .where('account_idx', '=', idx)
    .where('removed_at', 'is', null)
    .executeTakeFirst();
  if (existing) return accountView(existing);
  const row = {
    id: newId(),
    user_id: actor.userId,
    kind: b.kind,
    account_enc: p.keyring.encrypt(value, ACCOUNT_CTX),
    account_idx: idx,
    account_masked: masked,
    bank_name: b.kind === 'bank_card' ? b.bankName : null,
    holder_name_enc: holder === null ? null : p.keyring.encrypt(holder, HOLDER_CTX),
    created_at: now,
    removed_at: null,
  };
  await p.db.insertInto('wallet_payout_accounts').values(row).execute();
  return accountView(row);
}

export async function listPayoutAccounts(p: Platform, actor: Actor): Promise<PayoutAccountView[]> {
  const rows = await p.db
    .selectFrom('wallet_payout_accounts')
    .selectAll()
    .where('user_id', '=', actor.userId)
    .where('removed_at', 'is', null)
    .orderBy('created_at', 'desc')
    .execute();
  return rows.map(accountView);
}

export async function removePayoutAccount(p: Platform, actor: Actor, id: string): Promise<void> {
  const r = await p.db
    .updateTable('wallet_payout_accounts')
    .set({ removed_at: p.clock.now() })
    .where('id', '=', id)
    .where('user_id', '=', actor.userId)
    .where('removed_at', 'is', null)
    .executeTakeFirst();
  if (!Number(r.numUpdatedRows)) throw new AppError('NOT_FOUND');
}

/** The enabled channel that pays out to this kind of account (WeChat Pay → openids, Alipay → bank cards). */
export const payoutChannelFor = (d: ChannelDeps, kind: PayoutKind): PaymentChannel | undefined =>
  d.channels.find((c) => c.payoutKinds.includes(kind));

const shanghaiDayStart = (at: Date) => {
  const d = new Date(at.getTime() + 8 * 3600_000);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - 8 * 3600_000);
};

/**
 * Requests a withdrawal (S5.9b): real-name verified, within the limits, amount + fee held at once, the
 * channel submission queued in the same transaction. Same Idempotency-Key → the same withdrawal.
 */
export async function requestWithdrawal(
  p: Platform,
  d: WithdrawalDeps,
  actor: Actor,
  o: { amountFen: number; payoutAccountId: string; idempotencyKey?: string | undefined },
): Promise<WithdrawalView> {
  if (o.idempotencyKey) {
    const prior = await p.db
      .selectFrom('wallet_withdrawals')
      .selectAll()
      .where('user_id', '=', actor.userId)
      .where('idempotency_key', '=', o.idempotencyKey)
      .executeTakeFirst();
    if (prior) {
      if (prior.amount_fen !== o.amountFen || prior.payout_account_id !== o.payoutAccountId) throw new AppError('IDEMPOTENCY_KEY_REUSED');
      return withdrawalView(prior);
    }
  }
  const r = WITHDRAWAL_RULES;
  if (!Number.isSafeInteger(o.amountFen) || o.amountFen < r.minFen || o.amountFen > r.maxFen) {
    throw new AppError('WITHDRAWAL_AMOUNT_OUT_OF_RANGE', { min: r.minFen / 100, max: r.maxFen / 100 });
  }
  const account = await p.db
    .selectFrom('wallet_payout_accounts')
    .selectAll()
    .where('id', '=', o.payoutAccountId)
    .where('user_id', '=', actor.userId)
    .where('removed_at', 'is', null)
    .executeTakeFirst();
  if (!account) throw new AppError('NOT_FOUND');
  // WeChat accounts are paid through WeChat Pay, bank cards through a channel that pays cards (Alipay).
  const channel = payoutChannelFor(d, account.kind);
  if (!channel || (account.kind === 'bank_card' && !account.holder_name_enc)) throw new AppError('WITHDRAWAL_ACCOUNT_UNSUPPORTED');
  await d.requireVerified(p, actor.userId);
  const fee = withdrawalFee(o.amountFen);
  const now = p.clock.now();
  const row = await p.db.transaction().execute(async (tx) => {
    // One withdrawal request per user at a time, so the daily limit holds under concurrent requests.
    await sql`SELECT pg_advisory_xact_lock(hashtext(${'wallet.withdraw:' + actor.userId}))`.execute(tx);
    const today = await tx
      .selectFrom('wallet_withdrawals')
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('amount_fen'), sql<number>`0`).as('total'))
      .where('user_id', '=', actor.userId)
      .where('status', '!=', 'failed')
      .where('created_at', '>=', shanghaiDayStart(now))
      .executeTakeFirstOrThrow();
    const used = Number(today.total);
    if (used + o.amountFen > r.dailyMaxFen) {
      throw new AppError('WITHDRAWAL_DAILY_LIMIT', { max: r.dailyMaxFen / 100, left: Math.max(0, r.dailyMaxFen - used) / 100 });
    }
    const id = newId();
    const created = {
      id,
      user_id: actor.userId,
      payout_account_id: account.id,
      channel: channel.name,
      amount_fen: o.amountFen,
      fee_fen: fee,
      status: 'requested' as const,
      out_batch_no: `WD${id.replaceAll('-', '').slice(2)}`,
      idempotency_key: o.idempotencyKey ?? null,
      fail_reason: null,
      created_at: now,
      updated_at: now,
    };
    await tx.insertInto('wallet_withdrawals').values(created).execute();
    await holdForPayout(p, tx, { payoutId: id, userId: actor.userId, amountFen: o.amountFen, feeFen: fee });
    await p.jobs.send(WITHDRAWAL_SUBMIT_JOB, { withdrawalId: id }, { tx });
    return created;
  });
  return withdrawalView(row);
}

async function fail(p: Platform, id: string, reason: string): Promise<void> {
  await p.db.transaction().execute(async (tx) => {
    const won = await tx
      .updateTable('wallet_withdrawals')
      .set({ status: 'failed', fail_reason: reason, updated_at: p.clock.now() })
      .where('id', '=', id)
      .where('status', 'in', ['requested', 'submitted'])
      .executeTakeFirst();
    if (Number(won.numUpdatedRows)) await voidPayout(p, tx, { payoutId: id });
  });
}

/**
 * Sends a requested withdrawal to the channel. The batch number is fixed per withdrawal, so sending it
 * again after a crash finds the same transfer at the channel instead of paying twice.
 */
export async function submitWithdrawal(p: Platform, d: ChannelDeps, id: string): Promise<void> {
  const w = await p.db.selectFrom('wallet_withdrawals').selectAll().where('id', '=', id).executeTakeFirst();
  if (!w || w.status !== 'requested') return;
  const channel = channelNamed(d, w.channel);
  if (!channel) throw new AppError('PAYMENT_CHANNEL_UNAVAILABLE');
  const account = await p.db
    .selectFrom('wallet_payout_accounts')
    .selectAll()
    .where('id', '=', w.payout_account_id)
    .executeTakeFirstOrThrow();
  try {
    await channel.transfer({
      outBatchNo: w.out_batch_no,
      outDetailNo: `D${w.out_batch_no.slice(2)}`,
      amountFen: w.amount_fen,
      payeeAccount: p.keyring.decrypt(account.account_enc, ACCOUNT_CTX),
      payeeKind: account.kind,
      ...(account.holder_name_enc ? { payeeName: p.keyring.decrypt(account.holder_name_enc, HOLDER_CTX) } : {}),
      remark: '顶班钱包提现',
      notifyUrl: d.notifyUrl(channel.name),
    });
  } catch (err) {
    // A definite refusal (4xx) returns the funds; anything else is retried by the job.
    if (
      err instanceof ChannelError &&
      err.status !== undefined &&
      err.status >= 400 &&
      err.status < 500 &&
      err.code !== 'FREQUENCY_LIMITED'
    ) {
      await fail(p, id, err.code);
      return;
    }
    throw err;
  }
  await p.db
    .updateTable('wallet_withdrawals')
    .set({ status: 'submitted', updated_at: p.clock.now() })
    .where('id', '=', id)
    .where('status', '=', 'requested')
    .execute();
  await p.jobs.send(WITHDRAWAL_CHECK_JOB, { withdrawalId: id }, { startAfter: new Date(Date.now() + 10_000) });
}

/** Asks the channel how a submitted withdrawal ended: paid → posted; failed → funds returned. */
export async function checkWithdrawal(p: Platform, d: ChannelDeps, id: string): Promise<WithdrawalView | undefined> {
  const w = await p.db.selectFrom('wallet_withdrawals').selectAll().where('id', '=', id).executeTakeFirst();
  if (!w) return undefined;
  if (w.status === 'submitted') {
    const channel = channelNamed(d, w.channel);
    if (!channel) throw new AppError('PAYMENT_CHANNEL_UNAVAILABLE');
    const q = await channel.queryTransfer(w.out_batch_no, `D${w.out_batch_no.slice(2)}`);
    if (q.status === 'success') {
      await p.db.transaction().execute(async (tx) => {
        const won = await tx
          .updateTable('wallet_withdrawals')
          .set({ status: 'paid', updated_at: p.clock.now() })
          .where('id', '=', id)
          .where('status', '=', 'submitted')
          .executeTakeFirst();
        if (Number(won.numUpdatedRows)) await settlePayout(p, tx, { payoutId: id, channel: w.channel });
      });
    } else if (q.status === 'failed') {
      await fail(p, id, q.failReason ?? 'FAILED');
    }
  }
  return withdrawalView((await p.db.selectFrom('wallet_withdrawals').selectAll().where('id', '=', id).executeTakeFirst())!);
}

/** A transfer notification names the batch: check the withdrawal it belongs to. */
export async function checkWithdrawalByBatch(p: Platform, d: ChannelDeps, outBatchNo: string): Promise<void> {
  const w = await p.db.selectFrom('wallet_withdrawals').select('id').where('out_batch_no', '=', outBatchNo).executeTakeFirst();
  if (w) await checkWithdrawal(p, d, w.id);
}

export async function listWithdrawals(p: Platform, actor: Actor): Promise<WithdrawalView[]> {
  const rows = await p.db
    .selectFrom('wallet_withdrawals')
    .selectAll()
    .where('user_id', '=', actor.userId)
    .orderBy('created_at', 'desc')
    .limit(100)
    .execute();
  return rows.map(withdrawalView);
}

export async function getWithdrawal(p: Platform, actor: Actor, id: string): Promise<WithdrawalView> {
  const row = await p.db
    .selectFrom('wallet_withdrawals')
    .selectAll()
    .where('id', '=', id)
    .where('user_id', '=', actor.userId)
    .executeTakeFirst();
  if (!row) throw new AppError('NOT_FOUND');
  return withdrawalView(row);
}
