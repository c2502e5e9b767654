import type { Actor } from '../../platform/auth.ts';
import { AppError } from '../../platform/errors.ts';
import type { Locale } from '../../platform/i18n.ts';
import type { Platform } from '../../platform/platform.ts';
import { decodeCursor, encodeCursor } from '../../platform/schemas.ts';
import { walletOwnerOf } from './policy.ts';
import { presentTransaction } from './presenter.ts';
import * as repo from './repo.ts';
import type { TransactionsQuery, TransactionView, WalletView } from './schemas.ts';

/** The caller's balances (S5.9a). */
export async function getWallet(p: Platform, actor: Actor): Promise<WalletView> {
  const userId = walletOwnerOf(actor);
  const w = await repo.walletSummaryOf(p.db, userId);
  return {
    currency: 'CNY',
    availableFen: w.availableFen,
    heldFen: w.heldFen,
    totalFen: w.availableFen + w.heldFen,
    pendingPayouts: w.pendingPayouts,
  };
}

/** The caller's wallet movements, newest first, filtered and keyset-paginated. */
export async function listTransactions(
  p: Platform,
  actor: Actor,
  q: TransactionsQuery,
  locale: Locale,
): Promise<{ items: TransactionView[]; nextCursor: string | null }> {
  const limit = q.limit ?? 20;
  let beforeId: number | undefined;
  if (q.cursor) {
    const c = decodeCursor<{ before: number }>(q.cursor);
    if (!c || !Number.isSafeInteger(c.before)) throw new AppError('VALIDATION_FAILED', { detail: 'cursor' });
    beforeId = c.before;
  }
  const rows = await repo.listUserPostings(p.db, {
    userId: walletOwnerOf(actor),
    kind: q.kind,
    direction: q.direction,
    account: q.account,
    from: q.from ? new Date(q.from) : undefined,
    to: q.to ? new Date(q.to) : undefined,
    beforeId,
    limit: limit + 1,
  });
  const page = rows.slice(0, limit);
  return {
    items: page.map((r) => presentTransaction(r, locale)),
    nextCursor: rows.length > limit ? encodeCursor({ before: page[page.length - 1]!.id }) : null,
  };
}

/**
 * For account cancellation (S5.3b): money still in the wallet or a withdrawal in flight blocks it.
 * Returns readable reasons in both languages, empty when none.
 */
export async function walletObligations(p: Platform, userId: string): Promise<string[]> {
  const w = await repo.walletSummaryOf(p.db, userId);
  const reasons: string[] = [];
  if (w.availableFen !== 0) reasons.push(`钱包余额未提现 Wallet balance not withdrawn: ${(w.availableFen / 100).toFixed(2)} 元`);
  if (w.pendingPayouts > 0 || w.heldFen !== 0) reasons.push(`提现处理中 Withdrawals in progress: ${w.pendingPayouts}`);
  return reasons;
}
