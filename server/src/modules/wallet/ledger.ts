import { createHash } from 'node:crypto';
import type { Executor } from '../../platform/db.ts';
import { AppError } from '../../platform/errors.ts';
import type { Bilingual } from '../../platform/i18n.ts';
import { newId } from '../../platform/ids.ts';
import type { Platform } from '../../platform/platform.ts';
import { notify } from '../messages/index.ts';
import * as repo from './repo.ts';
import type { HoldKind, LedgerAccountKind } from './tables.ts';
import './errors.ts';

/** Names one ledger account; created on first use. */
export interface AccountRef {
  code: string;
  kind: LedgerAccountKind;
  ownerId: string | null;
}

// Only the platform's own books may go negative (a channel's clearing account is an asset seen from the
// liability side; adjustments absorb corrections). Users, escrows and fees never do.
const NEGATIVE_OK: ReadonlySet<LedgerAccountKind> = new Set(['channel_clearing', 'adjustments', 'payouts_in_transit']);

/** The chart of accounts. */
export const Accounts = {
  userAvailable: (userId: string): AccountRef => ({ code: `user:${userId}:available`, kind: 'user_available', ownerId: userId }),
  userHeld: (userId: string): AccountRef => ({ code: `user:${userId}:held`, kind: 'user_held', ownerId: userId }),
  escrow: (orderId: string): AccountRef => ({ code: `escrow:${orderId}`, kind: 'escrow', ownerId: orderId }),
  platformFees: (): AccountRef => ({ code: 'platform:fees', kind: 'platform_fees', ownerId: null }),
  channelClearing: (channel: string): AccountRef => ({ code: `channel:${channel}:clearing`, kind: 'channel_clearing', ownerId: null }),
  payoutsInTransit: (): AccountRef => ({ code: 'platform:payouts_in_transit', kind: 'payouts_in_transit', ownerId: null }),
  adjustments: (): AccountRef => ({ code: 'platform:adjustments', kind: 'adjustments', ownerId: null }),
  /** Channel money received for nothing we can keep it for (an order already paid): refunded at once, so always 0. */
  unallocated: (): AccountRef => ({ code: 'platform:unallocated', kind: 'unallocated', ownerId: null }),
};

/** What the money movement was; also the transaction type users filter their history by. */
export type TransferKind =
  | 'topup'
  | 'escrow_hold'
  | 'escrow_release'
  | 'escrow_refund'
  | 'payout_hold'
  | 'payout_settle'
  | 'payout_void'
  | 'adjustment'
  | 'reversal';

export const TRANSFER_KINDS: readonly TransferKind[] = [
  'topup',
  'escrow_hold',
  'escrow_release',
  'escrow_refund',
  'payout_hold',
  'payout_settle',
  'payout_void',
  'adjustment',
  'reversal',
];

/** How each kind of movement is named in the owner's notification and history. */
export const KIND_LABELS: Record<TransferKind, Bilingual> = {
  topup: { zh: '充值到账', en: 'Top-up received' },
  escrow_hold: { zh: '订单支付（资金托管）', en: 'Order payment (held in escrow)' },
  escrow_release: { zh: '订单结算', en: 'Order settlement' },
  escrow_refund: { zh: '订单退款', en: 'Order refund' },
  payout_hold: { zh: '提现申请（资金冻结）', en: 'Withdrawal requested (funds held)' },
  payout_settle: { zh: '提现成功', en: 'Withdrawal paid out' },
  payout_void: { zh: '提现失败，资金已退回', en: 'Withdrawal failed; funds returned' },
  adjustment: { zh: '账务调整', en: 'Balance adjustment' },
  reversal: { zh: '交易冲正', en: 'Transaction reversed' },
};

export interface PostingInput {
  account: AccountRef;
  amountFen: number;
}

export interface TransferInput {
  /** Unique per intended movement: a retry with the same key and content returns the first result. */
  key: string;
  kind: TransferKind;
  postings: PostingInput[];
  memo?: Record<string, string | number | null>;
  reversesId?: string;
  /** Error code to throw instead of LEDGER_IDEMPOTENCY_CONFLICT when the key was used for other content. */
  conflictCode?: string;
}

export interface TransferResult {
  transferId: string;
  /** True when this call found the first result of an earlier call with the same key. */
  replayed: boolean;
  createdAt: Date;
}

const fen = (n: number) => (n / 100).toFixed(2);

function contentHash(t: TransferInput): string {
  const legs = t.postings.map((p) => [p.account.code, p.amountFen] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const memo = Object.fromEntries(Object.entries(t.memo ?? {}).sort(([a], [b]) => (a < b ? -1 : 1)));
  return createHash('sha256')
    .update(JSON.stringify({ kind: t.kind, memo, legs, reverses: t.reversesId ?? null }))
    .digest('base64url');
}

function validate(t: TransferInput): void {
  const bad = (detail: string) => new AppError('LEDGER_TRANSFER_INVALID', { detail });
  if (!t.key || t.key.length > 200) throw bad('key');
  if (t.postings.length < 2) throw bad('a transfer needs at least two postings');
  let sum = 0;
  const seen = new Set<string>();
  for (const p of t.postings) {
    if (!Number.isSafeInteger(p.amountFen) || p.amountFen === 0) throw bad(`amount ${p.amountFen} must be a non-zero integer of fen`);
    if (seen.has(p.account.code)) throw bad(`account ${p.account.code} appears twice`);
    seen.add(p.account.code);
    sum += p.amountFen;
  }
  if (sum !== 0) throw bad(`postings sum to ${sum}, not 0`);
}

/**
 * Posts one balanced, immutable transfer on the caller's transaction. Overdrawing an account that may
 * not go negative throws INSUFFICIENT_FUNDS (the caller's transaction must then roll back). The owner of
 * every user account touched is notified with the new balance (S5.8c), on the same transaction.
 */
export async function postTransfer(p: Platform, tx: Executor, t: TransferInput): Promise<TransferResult> {
  validate(t);
  const hash = contentHash(t);
  const now = p.clock.now();
  const id = newId();
  // Insert first: a concurrent transfer with the same key waits here for the first one to finish.
  const inserted = await repo.insertTransfer(tx, {
    id,
    key: t.key,
    hash,
    kind: t.kind,
    memo: t.memo ?? {},
    reversesId: t.reversesId ?? null,
    now,
  });
  if (!inserted) {
    const first = await repo.findTransferByKey(tx, t.key);
    if (!first) throw new Error(`transfer key ${t.key} vanished`);
    if (first.content_hash !== hash) throw new AppError(t.conflictCode ?? 'LEDGER_IDEMPOTENCY_CONFLICT', { key: t.key });
    return { transferId: first.id, replayed: true, createdAt: first.created_at };
  }
  const legs = [];
  for (const posting of t.postings) {
    const accountId = await repo.ensureAccount(tx, {
      id: newId(),
      code: posting.account.code,
      kind: posting.account.kind,
      ownerId: posting.account.ownerId,
      allowNegative: NEGATIVE_OK.has(posting.account.kind),
      now,
    });
    legs.push({ ...posting, accountId });
  }
  // A fixed lock order (by account id) keeps concurrent transfers over the same accounts deadlock-free.
  legs.sort((a, b) => (a.accountId < b.accountId ? -1 : a.accountId > b.accountId ? 1 : 0));
  const rows = [];
  for (const leg of legs) {
    const after = await repo.applyDelta(tx, leg.accountId, leg.amountFen);
    if (after === undefined) throw new AppError('INSUFFICIENT_FUNDS', { account: leg.account.code });
    rows.push({ transfer_id: id, account_id: leg.accountId, amount_fen: leg.amountFen, balance_after_fen: after, created_at: now });
  }
  await repo.insertPostings(tx, rows);
  await p.jobs.publish(tx, 'wallet.transfer.posted', { transferId: id, kind: t.kind, at: now.toISOString() });

  // S5.8c: one message per user whose wallet moved, carrying the new balances.
  const byUser = new Map<string, number>();
  for (const leg of legs) {
    if ((leg.account.kind === 'user_available' || leg.account.kind === 'user_held') && leg.account.ownerId) {
      const prev = byUser.get(leg.account.ownerId) ?? 0;
      byUser.set(leg.account.ownerId, leg.account.kind === 'user_available' ? prev + leg.amountFen : prev);
    }
  }
  for (const [userId, availableDelta] of byUser) {
    const b = await repo.balancesOf(tx, userId);
    const label = KIND_LABELS[t.kind];
    await notify(p, tx, {
      userId,
      category: 'wallet',
      title: { zh: `钱包变动：${label.zh}`, en: `Wallet: ${label.en}` },
      body: {
        zh: `${label.zh}，可用余额变动 {delta} 元。当前可用余额 {available} 元，冻结 {held} 元。`,
        en: `${label.en}; available balance changed by CNY {delta}. Available now CNY {available}, held CNY {held}.`,
      },
      params: {
        delta: (availableDelta > 0 ? '+' : '') + fen(availableDelta),
        available: fen(b.availableFen),
        held: fen(b.heldFen),
        transferId: id,
      },
      link: '/wallet',
    });
  }
  return { transferId: id, replayed: false, createdAt: now };
}

/** Credits a user from a payment channel once per channel trade number (top-up). */
export async function creditTopUp(
  p: Platform,
  tx: Executor,
  o: { userId: string; channel: string; channelTradeNo: string; amountFen: number },
): Promise<TransferResult> {
  return postTransfer(p, tx, {
    key: `topup:${o.channel}:${o.channelTradeNo}`,
    kind: 'topup',
    memo: { channel: o.channel, channelTradeNo: o.channelTradeNo },
    postings: [
      { account: Accounts.channelClearing(o.channel), amountFen: -o.amountFen },
      { account: Accounts.userAvailable(o.userId), amountFen: o.amountFen },
    ],
  });
}

/** A staff correction or goodwill credit (+) / charge (−) against the adjustments account, with a reason. */
export async function adjustBalance(
  p: Platform,
  tx: Executor,
  o: { userId: string; amountFen: number; reason: string; key: string },
): Promise<TransferResult> {
  return postTransfer(p, tx, {
    key: o.key,
    kind: 'adjustment',
    memo: { reason: o.reason },
    postings: [
      { account: Accounts.adjustments(), amountFen: -o.amountFen },
      { account: Accounts.userAvailable(o.userId), amountFen: o.amountFen },
    ],
  });
}

/** Credits a user's available balance (adjustment with a reason). */
export const credit = (p: Platform, tx: Executor, o: { userId: string; amountFen: number; reason: string; key: string }) =>
  adjustBalance(p, tx, { ...o, amountFen: Math.abs(o.amountFen) });

/** Debits a user's available balance (adjustment with a reason); INSUFFICIENT_FUNDS if it would go negative. */
export const debit = (p: Platform, tx: Executor, o: { userId: string; amountFen: number; reason: string; key: string }) =>
  adjustBalance(p, tx, { ...o, amountFen: -Math.abs(o.amountFen) });

/**
 * Corrects a transfer by posting its exact opposite, once. Transfers that opened or settled a hold are
 * not reversible this way (refund or void the hold instead), so holds and balances stay consistent.
 */
export async function reverseTransfer(p: Platform, tx: Executor, o: { transferId: string; reason: string }): Promise<TransferResult> {
  const original = await repo.findTransfer(tx, o.transferId);
  if (!original) throw new AppError('LEDGER_TRANSFER_NOT_REVERSIBLE', { detail: 'not found' });
  if (await repo.isHoldTransfer(tx, o.transferId))
    throw new AppError('LEDGER_TRANSFER_NOT_REVERSIBLE', { detail: 'settle the hold instead' });
  const existing = await repo.findReversalOf(tx, o.transferId);
  const legs = await repo.postingsOfTransfer(tx, o.transferId);
  const result = await postTransfer(p, tx, {
    key: `reversal:${o.transferId}`,
    kind: 'reversal',
    reversesId: o.transferId,
    memo: { reason: o.reason, reverses: o.transferId, reversedKind: original.kind },
    postings: legs.map((l) => ({ account: { code: l.code, kind: l.kind, ownerId: l.owner_id }, amountFen: -l.amount_fen })),
    conflictCode: existing ? 'LEDGER_TRANSFER_NOT_REVERSIBLE' : undefined,
  });
  return result;
}

export interface HoldView {
  id: string;
  kind: HoldKind;
  referenceId: string;
  userId: string;
  amountFen: number;
  feeFen: number;
  status: 'pending' | 'posted' | 'voided';
  holdTransferId: string;
  settleTransferId: string | null;
}

const holdView = (h: NonNullable<Awaited<ReturnType<typeof repo.findHold>>>): HoldView => ({
  id: h.id,
  kind: h.kind,
  referenceId: h.reference_id,
  userId: h.user_id,
  amountFen: h.amount_fen,
  feeFen: h.fee_fen,
  status: h.status,
  holdTransferId: h.hold_transfer_id,
  settleTransferId: h.settle_transfer_id,
});

async function openHold(
  p: Platform,
  tx: Executor,
  o: { kind: HoldKind; referenceId: string; userId: string; holdAccount: AccountRef; feeFen: number; transfer: TransferInput },
): Promise<HoldView> {
  const r = await postTransfer(p, tx, o.transfer);
  if (!r.replayed) {
    const account = await repo.accountByCode(tx, o.holdAccount.code);
    const amount = o.transfer.postings.find((x) => x.account.code === o.holdAccount.code)!.amountFen;
    await repo.insertHold(tx, {
      id: newId(),
      kind: o.kind,
      referenceId: o.referenceId,
      userId: o.userId,
      accountId: account!.id,
      amountFen: amount,
      feeFen: o.feeFen,
      transferId: r.transferId,
      now: p.clock.now(),
    });
  }
  return holdView((await repo.findHold(tx, o.kind, o.referenceId))!);
}

async function closeHold(
  p: Platform,
  tx: Executor,
  o: { kind: HoldKind; referenceId: string; outcome: 'posted' | 'voided'; build: (h: HoldView) => TransferInput },
): Promise<HoldView> {
  const row = await repo.lockHold(tx, o.kind, o.referenceId);
  if (!row) throw new AppError('HOLD_NOT_FOUND', { referenceId: o.referenceId });
  const hold = holdView(row);
  // One settle key per hold: posting and voiding exclude each other, and a retry of either replays.
  const r = await postTransfer(p, tx, { ...o.build(hold), key: `${o.kind}.settle:${o.referenceId}`, conflictCode: 'HOLD_ALREADY_SETTLED' });
  if (!r.replayed) {
    const won = await repo.settleHoldRow(tx, hold.id, o.outcome, r.transferId, p.clock.now());
    if (!won) throw new AppError('HOLD_ALREADY_SETTLED');
  }
  return holdView((await repo.findHold(tx, o.kind, o.referenceId))!);
}

/**
 * Pays an order into its own escrow account (S5.5b's payment): from the payer's available balance, or
 * from a payment channel's clearing account when paid through a channel. Once per order.
 */
export async function holdToEscrow(
  p: Platform,
  tx: Executor,
  o: { orderId: string; payerId: string; amountFen: number; channel?: { name: string; tradeNo: string } },
): Promise<HoldView> {
  const source = o.channel ? Accounts.channelClearing(o.channel.name) : Accounts.userAvailable(o.payerId);
  return openHold(p, tx, {
    kind: 'escrow',
    referenceId: o.orderId,
    userId: o.payerId,
    holdAccount: Accounts.escrow(o.orderId),
    feeFen: 0,
    transfer: {
      key: `escrow.hold:${o.orderId}`,
      kind: 'escrow_hold',
      memo: { orderId: o.orderId, payerId: o.payerId, channel: o.channel?.name ?? null, channelTradeNo: o.channel?.tradeNo ?? null },
      postings: [
        { account: source, amountFen: -o.amountFen },
        { account: Accounts.escrow(o.orderId), amountFen: o.amountFen },
      ],
      conflictCode: 'ESCROW_ALREADY_PAID',
    },
  });
}

/** Completes an order: the escrow goes to the courier minus the platform fee (posted). */
export async function releaseEscrow(
  p: Platform,
  tx: Executor,
  o: { orderId: string; courierId: string; feeFen: number },
): Promise<HoldView> {
  return closeHold(p, tx, {
    kind: 'escrow',
    referenceId: o.orderId,
    outcome: 'posted',
    build: (h) => {
      if (!Number.isSafeInteger(o.feeFen) || o.feeFen < 0 || o.feeFen > h.amountFen) throw new AppError('ESCROW_FEE_TOO_LARGE');
      const postings: PostingInput[] = [{ account: Accounts.escrow(o.orderId), amountFen: -h.amountFen }];
      if (h.amountFen - o.feeFen > 0) postings.push({ account: Accounts.userAvailable(o.courierId), amountFen: h.amountFen - o.feeFen });
      if (o.feeFen > 0) postings.push({ account: Accounts.platformFees(), amountFen: o.feeFen });
      return { key: '', kind: 'escrow_release', memo: { orderId: o.orderId, courierId: o.courierId, feeFen: o.feeFen }, postings };
    },
  });
}

/**
 * Voids a pending hold: its whole amount moves from the hold's account back to where it should go (the
 * payer's balance, or the channel the money came from). Shared by escrow refunds and failed payouts.
 */
function voidHold(
  p: Platform,
  tx: Executor,
  o: {
    kind: HoldKind;
    referenceId: string;
    from: (h: HoldView) => AccountRef;
    to: (h: HoldView) => AccountRef;
    transferKind: TransferKind;
    memo: TransferInput['memo'];
  },
): Promise<HoldView> {
  return closeHold(p, tx, {
    kind: o.kind,
    referenceId: o.referenceId,
    outcome: 'voided',
    build: (h) => ({
      key: '',
      kind: o.transferKind,
      memo: o.memo,
      postings: [
        { account: o.from(h), amountFen: -h.amountFen },
        { account: o.to(h), amountFen: h.amountFen },
      ],
    }),
  });
}

/** Cancels an order: the whole escrow returns to the payer's available balance (voided). */
export const refundEscrow = (p: Platform, tx: Executor, o: { orderId: string }): Promise<HoldView> =>
  voidHold(p, tx, {
    kind: 'escrow',
    referenceId: o.orderId,
    from: () => Accounts.escrow(o.orderId),
    to: (h) => Accounts.userAvailable(h.userId),
    transferKind: 'escrow_refund',
    memo: { orderId: o.orderId },
  });

/**
 * Changes the amount in an order's pending escrow (the owner changed the pay, S5.7a): a raise moves the
 * difference from the payer's available balance into the escrow, a cut returns the difference to it; the
 * hold follows, so releasing or refunding later moves the new amount. One transfer on the caller's
 * transaction under the hold's row lock; `key` makes a retry a replay (and a replay finds nothing left to do).
 */
export async function adjustEscrow(
  p: Platform,
  tx: Executor,
  o: { orderId: string; newAmountFen: number; key: string },
): Promise<HoldView & { deltaFen: number }> {
  if (!Number.isSafeInteger(o.newAmountFen) || o.newAmountFen <= 0)
    throw new AppError('LEDGER_TRANSFER_INVALID', { detail: 'the escrow amount must be a positive whole number of fen' });
  const row = await repo.lockHold(tx, 'escrow', o.orderId);
  if (!row || row.status !== 'pending') throw new AppError('HOLD_NOT_FOUND', { referenceId: o.orderId });
  const hold = holdView(row);
  const deltaFen = o.newAmountFen - hold.amountFen;
  if (deltaFen === 0) return { ...hold, deltaFen };
  const r = await postTransfer(p, tx, {
    key: o.key,
    kind: deltaFen > 0 ? 'escrow_hold' : 'escrow_refund',
    memo: { orderId: o.orderId, payerId: hold.userId, change: 'pay', fromFen: hold.amountFen, toFen: o.newAmountFen },
    postings: [
      { account: Accounts.userAvailable(hold.userId), amountFen: -deltaFen },
      { account: Accounts.escrow(o.orderId), amountFen: deltaFen },
    ],
  });
  if (!r.replayed) await repo.setPendingHoldAmount(tx, hold.id, o.newAmountFen, p.clock.now());
  return { ...holdView((await repo.findHold(tx, 'escrow', o.orderId))!), deltaFen };
}

/**
 * Cancels a channel-paid order's escrow back to the channel it came from (escrow → channel clearing;
 * voided). The channel refund itself is the caller's to make. Excludes releaseEscrow/refundEscrow.
 */
export const refundEscrowToChannel = (
  p: Platform,
  tx: Executor,
  o: { orderId: string; channel: string; outRefundNo: string },
): Promise<HoldView> => refundEscrowSplit(p, tx, { orderId: o.orderId, toChannel: { channel: o.channel, outRefundNo: o.outRefundNo } });

/**
 * Voids an order's pending escrow, part back to the payment channel (a partial refund: `amountFen` of it,
 * default all) and the rest to the payer's available balance — one transfer (escrow → channel clearing +
 * payer available). The channel refund itself is the caller's to make. Excludes releaseEscrow/refundEscrow.
 */
export async function refundEscrowSplit(
  p: Platform,
  tx: Executor,
  o: { orderId: string; toChannel: { channel: string; outRefundNo: string; amountFen?: number } },
): Promise<HoldView & { channelFen: number; balanceFen: number }> {
  let split = { channelFen: 0, balanceFen: 0 };
  const hold = await closeHold(p, tx, {
    kind: 'escrow',
    referenceId: o.orderId,
    outcome: 'voided',
    build: (h) => {
      const channelFen = o.toChannel.amountFen ?? h.amountFen;
      if (!Number.isSafeInteger(channelFen) || channelFen <= 0 || channelFen > h.amountFen)
        throw new AppError('LEDGER_TRANSFER_INVALID', { detail: `channel refund ${channelFen} of an escrow of ${h.amountFen}` });
      split = { channelFen, balanceFen: h.amountFen - channelFen };
      const postings: PostingInput[] = [
        { account: Accounts.escrow(o.orderId), amountFen: -h.amountFen },
        { account: Accounts.channelClearing(o.toChannel.channel), amountFen: channelFen },
      ];
      if (split.balanceFen > 0) postings.push({ account: Accounts.userAvailable(h.userId), amountFen: split.balanceFen });
      const memo: TransferInput['memo'] = { orderId: o.orderId, channel: o.toChannel.channel, outRefundNo: o.toChannel.outRefundNo };
      // The memo of a whole refund stays as it always was (a retry of an older refund replays it).
      if (split.balanceFen > 0) Object.assign(memo, { channelFen, balanceFen: split.balanceFen });
      return { key: '', kind: 'escrow_refund', memo, postings };
    },
  });
  return { ...hold, ...split };
}

/**
 * Pays part of an order's pending escrow to the courier (compensation for a cancelled taken order,
 * S5.7a) and keeps the rest held: the hold's amount drops by that much, so refunding it afterwards
 * (to the channel or the balance) moves only the rest. Under the hold's lock; `key` makes a retry a replay.
 * To pay the whole escrow, release it instead.
 */
export async function payFromEscrow(
  p: Platform,
  tx: Executor,
  o: { orderId: string; courierId: string; amountFen: number; key: string; memo?: TransferInput['memo'] },
): Promise<HoldView> {
  const row = await repo.lockHold(tx, 'escrow', o.orderId);
  if (!row || row.status !== 'pending') throw new AppError('HOLD_NOT_FOUND', { referenceId: o.orderId });
  const hold = holdView(row);
  if (!Number.isSafeInteger(o.amountFen) || o.amountFen <= 0 || o.amountFen >= hold.amountFen)
    throw new AppError('LEDGER_TRANSFER_INVALID', { detail: `pay ${o.amountFen} out of an escrow of ${hold.amountFen}` });
  const r = await postTransfer(p, tx, {
    key: o.key,
    kind: 'escrow_release',
    memo: { orderId: o.orderId, courierId: o.courierId, ...o.memo },
    postings: [
      { account: Accounts.escrow(o.orderId), amountFen: -o.amountFen },
      { account: Accounts.userAvailable(o.courierId), amountFen: o.amountFen },
    ],
  });
  if (!r.replayed) await repo.setPendingHoldAmount(tx, hold.id, hold.amountFen - o.amountFen, p.clock.now());
  return holdView((await repo.findHold(tx, 'escrow', o.orderId))!);
}

/**
 * Money a channel paid that the platform may not keep (the order was already paid another way): received
 * into `platform:unallocated` and sent back to the channel from there, two transfers on the caller's
 * transaction (the account ends at zero). The channel refund itself is the caller's to make.
 */
export async function receiveAndReturnToChannel(
  p: Platform,
  tx: Executor,
  o: { channel: string; channelTradeNo: string; outRefundNo: string; amountFen: number; orderId: string | null },
): Promise<{ receipt: TransferResult; refund: TransferResult }> {
  const memo = { channel: o.channel, channelTradeNo: o.channelTradeNo, orderId: o.orderId };
  const receipt = await postTransfer(p, tx, {
    key: `unallocated:${o.channel}:${o.channelTradeNo}`,
    kind: 'topup',
    memo: { ...memo, unallocated: 'order already paid' },
    postings: [
      { account: Accounts.channelClearing(o.channel), amountFen: -o.amountFen },
      { account: Accounts.unallocated(), amountFen: o.amountFen },
    ],
  });
  const refund = await postTransfer(p, tx, {
    key: `unallocated.refund:${o.channel}:${o.channelTradeNo}`,
    kind: 'escrow_refund',
    memo: { ...memo, outRefundNo: o.outRefundNo },
    postings: [
      { account: Accounts.unallocated(), amountFen: -o.amountFen },
      { account: Accounts.channelClearing(o.channel), amountFen: o.amountFen },
    ],
  });
  return { receipt, refund };
}

/** Starts a withdrawal: amount + fee move from available to held while the payout is in flight. */
export async function holdForPayout(
  p: Platform,
  tx: Executor,
  o: { payoutId: string; userId: string; amountFen: number; feeFen: number },
): Promise<HoldView> {
  const total = o.amountFen + o.feeFen;
  return openHold(p, tx, {
    kind: 'payout',
    referenceId: o.payoutId,
    userId: o.userId,
    holdAccount: Accounts.userHeld(o.userId),
    feeFen: o.feeFen,
    transfer: {
      key: `payout.hold:${o.payoutId}`,
      kind: 'payout_hold',
      memo: { payoutId: o.payoutId, amountFen: o.amountFen, feeFen: o.feeFen },
      postings: [
        { account: Accounts.userAvailable(o.userId), amountFen: -total },
        { account: Accounts.userHeld(o.userId), amountFen: total },
      ],
    },
  });
}

/** The channel paid the user: held funds leave through the channel, the fee becomes revenue (posted). */
export async function settlePayout(p: Platform, tx: Executor, o: { payoutId: string; channel: string }): Promise<HoldView> {
  return closeHold(p, tx, {
    kind: 'payout',
    referenceId: o.payoutId,
    outcome: 'posted',
    build: (h) => {
      const postings: PostingInput[] = [
        { account: Accounts.userHeld(h.userId), amountFen: -h.amountFen },
        { account: Accounts.channelClearing(o.channel), amountFen: h.amountFen - h.feeFen },
      ];
      if (h.feeFen > 0) postings.push({ account: Accounts.platformFees(), amountFen: h.feeFen });
      return { key: '', kind: 'payout_settle', memo: { payoutId: o.payoutId, channel: o.channel }, postings };
    },
  });
}

/** The payout failed or was cancelled: the held funds return to available (voided). */
export const voidPayout = (p: Platform, tx: Executor, o: { payoutId: string }): Promise<HoldView> =>
  voidHold(p, tx, {
    kind: 'payout',
    referenceId: o.payoutId,
    from: (h) => Accounts.userHeld(h.userId),
    to: (h) => Accounts.userAvailable(h.userId),
    transferKind: 'payout_void',
    memo: { payoutId: o.payoutId },
  });

/** A user's current balances in fen. */
export const getBalances = (db: Executor, userId: string) => repo.balancesOf(db, userId);

/** The hold of an order's escrow or a payout, if any. */
export async function findHold(db: Executor, kind: HoldKind, referenceId: string): Promise<HoldView | undefined> {
  const h = await repo.findHold(db, kind, referenceId);
  return h ? holdView(h) : undefined;
}
