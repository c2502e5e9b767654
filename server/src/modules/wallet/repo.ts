import { sql } from 'kysely';
import type { Executor } from '../../platform/db.ts';
import type { HoldKind, HoldStatus, LedgerAccountKind } from './tables.ts';

/** Kysely queries on the wallet's own tables; every function takes the executor first. */

export async function ensureAccount(
  db: Executor,
  a: { id: string; code: string; kind: LedgerAccountKind; ownerId: string | null; allowNegative: boolean; now: Date },
): Promise<string> {
  await db
    .insertInto('ledger_accounts')
    .values({
      id: a.id,
      code: a.code,
      kind: a.kind,
      owner_id: a.ownerId,
      allow_negative: a.allowNegative,
      balance_fen: 0,
      created_at: a.now,
    })
    .onConflict((oc) => oc.column('code').doNothing())
    .execute();
  const row = await db.selectFrom('ledger_accounts').select('id').where('code', '=', a.code).executeTakeFirstOrThrow();
  return row.id;
}

/**
 * Moves an account's balance by `delta`, refusing (returning undefined) when that would overdraw an
 * account that may not go negative. The row lock taken here serialises concurrent debits; READ
 * COMMITTED re-checks the condition against the winner's committed balance.
 */
export async function applyDelta(db: Executor, accountId: string, delta: number): Promise<number | undefined> {
  const row = await db
    .updateTable('ledger_accounts')
    .set({ balance_fen: sql`balance_fen + ${delta}` })
    .where('id', '=', accountId)
    .where(sql<boolean>`(allow_negative OR balance_fen + ${delta} >= 0)`)
    .returning('balance_fen')
    .executeTakeFirst();
  return row?.balance_fen;
}

export async function insertTransfer(
  db: Executor,
  t: { id: string; key: string; hash: string; kind: string; memo: Record<string, unknown>; reversesId: string | null; now: Date },
): Promise<boolean> {
  const r = await db
    .insertInto('ledger_transfers')
    .values({
      id: t.id,
      idempotency_key: t.key,
      content_hash: t.hash,
      kind: t.kind,
      memo: JSON.stringify(t.memo),
      reverses_id: t.reversesId,
      created_at: t.now,
    })
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

export const findTransferByKey = (db: Executor, key: string) =>
  db.selectFrom('ledger_transfers').selectAll().where('idempotency_key', '=', key).executeTakeFirst();

export const findTransfer = (db: Executor, id: string) =>
  db.selectFrom('ledger_transfers').selectAll().where('id', '=', id).executeTakeFirst();

export const findReversalOf = (db: Executor, id: string) =>
  db.selectFrom('ledger_transfers').select('id').where('reverses_id', '=', id).executeTakeFirst();

export async function insertPostings(
  db: Executor,
  rows: { transfer_id: string; account_id: string; amount_fen: number; balance_after_fen: number; created_at: Date }[],
): Promise<void> {
  await db.insertInto('ledger_postings').values(rows).execute();
}

export const postingsOfTransfer = (db: Executor, transferId: string) =>
  db
    .selectFrom('ledger_postings as p')
    .innerJoin('ledger_accounts as a', 'a.id', 'p.account_id')
    .select(['p.id', 'p.account_id', 'p.amount_fen', 'p.balance_after_fen', 'a.code', 'a.kind', 'a.owner_id'])
    .where('p.transfer_id', '=', transferId)
    .orderBy('p.id')
    .execute();

export async function balancesOf(db: Executor, userId: string): Promise<{ availableFen: number; heldFen: number }> {
  const rows = await db
    .selectFrom('ledger_accounts')
    .select(['kind', 'balance_fen'])
    .where('owner_id', '=', userId)
    .where('kind', 'in', ['user_available', 'user_held'])
    .execute();
  return {
    availableFen: rows.find((r) => r.kind === 'user_available')?.balance_fen ?? 0,
    heldFen: rows.find((r) => r.kind === 'user_held')?.balance_fen ?? 0,
  };
}

export const accountByCode = (db: Executor, code: string) =>
  db.selectFrom('ledger_accounts').selectAll().where('code', '=', code).executeTakeFirst();

export const lockHold = (db: Executor, kind: HoldKind, referenceId: string) =>
  db.selectFrom('ledger_holds').selectAll().where('kind', '=', kind).where('reference_id', '=', referenceId).forUpdate().executeTakeFirst();

export const findHold = (db: Executor, kind: HoldKind, referenceId: string) =>
  db.selectFrom('ledger_holds').selectAll().where('kind', '=', kind).where('reference_id', '=', referenceId).executeTakeFirst();

export async function insertHold(
  db: Executor,
  h: {
    id: string;
    kind: HoldKind;
    referenceId: string;
    userId: string;
    accountId: string;
    amountFen: number;
    feeFen: number;
    transferId: string;
    now: Date;
  },
): Promise<void> {
  await db
    .insertInto('ledger_holds')
    .values({
      id: h.id,
      kind: h.kind,
      reference_id: h.referenceId,
      user_id: h.userId,
      account_id: h.accountId,
      amount_fen: h.amountFen,
      fee_fen: h.feeFen,
      status: 'pending',
      hold_transfer_id: h.transferId,
      settle_transfer_id: null,
      created_at: h.now,
      updated_at: h.now,
    })
    .execute();
}

/** A pending hold's new amount after its money changed (the order's pay changed, S5.7a). */
export async function setPendingHoldAmount(db: Executor, id: string, amountFen: number, now: Date) {
  const r = await db
    .updateTable('ledger_holds')
    .set({ amount_fen: amountFen, updated_at: now })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** pending → posted/voided; exactly one caller wins. */
export async function settleHoldRow(db: Executor, id: string, status: Exclude<HoldStatus, 'pending'>, transferId: string, now: Date) {
  const r = await db
    .updateTable('ledger_holds')
    .set({ status, settle_transfer_id: transferId, updated_at: now })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export const isHoldTransfer = (db: Executor, transferId: string) =>
  db
    .selectFrom('ledger_holds')
    .select('id')
    .where((eb) => eb.or([eb('hold_transfer_id', '=', transferId), eb('settle_transfer_id', '=', transferId)]))
    .executeTakeFirst();

/**
 * A user's available and held balances and the number of payouts in flight, in one round trip (the
 * wallet page's read is the platform's most frequent authenticated request).
 */
export async function walletSummaryOf(
  db: Executor,
  userId: string,
): Promise<{ availableFen: number; heldFen: number; pendingPayouts: number }> {
  const row = await db
    .selectNoFrom((eb) => [
      eb
        .selectFrom('ledger_accounts')
        .select(sql<number>`coalesce(sum(balance_fen), 0)::bigint`.as('v'))
        .where('owner_id', '=', userId)
        .where('kind', '=', 'user_available')
        .as('available_fen'),
      eb
        .selectFrom('ledger_accounts')
        .select(sql<number>`coalesce(sum(balance_fen), 0)::bigint`.as('v'))
        .where('owner_id', '=', userId)
        .where('kind', '=', 'user_held')
        .as('held_fen'),
      eb
        .selectFrom('ledger_holds')
        .select((e) => e.fn.countAll<number>().as('n'))
        .where('user_id', '=', userId)
        .where('kind', '=', 'payout')
        .where('status', '=', 'pending')
        .as('pending_payouts'),
    ])
    .executeTakeFirstOrThrow();
  return { availableFen: Number(row.available_fen), heldFen: Number(row.held_fen), pendingPayouts: Number(row.pending_payouts) };
}

export interface TransactionFilter {
  userId: string;
  kind?: string | undefined;
  direction?: 'in' | 'out' | undefined;
  account?: 'available' | 'held' | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  beforeId?: number | undefined;
  limit: number;
}

/** A user's postings, newest first, keyset-paginated by posting id. */
export async function listUserPostings(db: Executor, f: TransactionFilter) {
  let q = db
    .selectFrom('ledger_postings as p')
    .innerJoin('ledger_accounts as a', 'a.id', 'p.account_id')
    .innerJoin('ledger_transfers as t', 't.id', 'p.transfer_id')
    .select(['p.id', 'p.transfer_id', 'p.amount_fen', 'p.balance_after_fen', 'p.created_at', 'a.kind as account_kind', 't.kind', 't.memo'])
    .where('a.owner_id', '=', f.userId)
    .where('a.kind', 'in', f.account ? [f.account === 'held' ? 'user_held' : 'user_available'] : ['user_available', 'user_held']);
  if (f.kind) q = q.where('t.kind', '=', f.kind);
  if (f.direction === 'in') q = q.where('p.amount_fen', '>', 0);
  if (f.direction === 'out') q = q.where('p.amount_fen', '<', 0);
  if (f.from) q = q.where('p.created_at', '>=', f.from);
  if (f.to) q = q.where('p.created_at', '<', f.to);
  if (f.beforeId !== undefined) q = q.where('p.id', '<', f.beforeId);
  return q.orderBy('p.id', 'desc').limit(f.limit).execute();
}
