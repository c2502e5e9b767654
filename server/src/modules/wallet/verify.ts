import { sql } from 'kysely';
import type { Executor } from '../../platform/db.ts';

/** One broken ledger invariant, with enough detail for finance to find the rows. */
export interface LedgerViolation {
  rule:
    | 'postings_sum_to_zero'
    | 'transfer_balanced'
    | 'account_balance_matches_postings'
    | 'no_overdraft'
    | 'no_orphan_holds'
    | 'unallocated_returned';
  detail: string;
}

export interface LedgerReport {
  ok: boolean;
  violations: LedgerViolation[];
  counts: { accounts: number; transfers: number; postings: number; pendingHolds: number };
}

/**
 * Checks the ledger's invariants over the whole database: all postings sum to zero, every transfer
 * balances, each account's cached balance equals the sum of its postings, no account that may not go
 * negative is negative, held money matches the open holds exactly (no orphan holds, no orphan money), and
 * channel money received for nothing (platform:unallocated) has all gone back.
 */
export async function verifyLedger(db: Executor): Promise<LedgerReport> {
  const violations: LedgerViolation[] = [];
  const total = await sql<{ s: string | null }>`SELECT coalesce(sum(amount_fen), 0)::text AS s FROM ledger_postings`.execute(db);
  if (total.rows[0]?.s !== '0') violations.push({ rule: 'postings_sum_to_zero', detail: `all postings sum to ${total.rows[0]?.s}` });

  const unbalanced = await sql<{ id: string; s: string }>`
    SELECT t.id, coalesce(sum(p.amount_fen), 0)::text AS s
    FROM ledger_transfers t LEFT JOIN ledger_postings p ON p.transfer_id = t.id
    GROUP BY t.id HAVING coalesce(sum(p.amount_fen), 0) <> 0 OR count(p.id) < 2`.execute(db);
  for (const r of unbalanced.rows)
    violations.push({ rule: 'transfer_balanced', detail: `transfer ${r.id} sums to ${r.s} or has < 2 postings` });

  const drift = await sql<{ code: string; balance: string; sum: string }>`
    SELECT a.code, a.balance_fen::text AS balance, coalesce(s.sum, 0)::text AS sum
    FROM ledger_accounts a
    LEFT JOIN (SELECT account_id, sum(amount_fen) AS sum FROM ledger_postings GROUP BY account_id) s ON s.account_id = a.id
    WHERE a.balance_fen <> coalesce(s.sum, 0)`.execute(db);
  for (const r of drift.rows) {
    violations.push({ rule: 'account_balance_matches_postings', detail: `${r.code}: balance ${r.balance} ≠ postings ${r.sum}` });
  }

  const overdrawn = await sql<{ code: string; balance: string }>`
    SELECT code, balance_fen::text AS balance FROM ledger_accounts WHERE NOT allow_negative AND balance_fen < 0`.execute(db);
  for (const r of overdrawn.rows) violations.push({ rule: 'no_overdraft', detail: `${r.code} is ${r.balance}` });

  // Escrow and held accounts contain exactly the money of their pending holds.
  const orphans = await sql<{ code: string; balance: string; held: string }>`
    SELECT a.code, a.balance_fen::text AS balance, coalesce(h.held, 0)::text AS held
    FROM ledger_accounts a
    LEFT JOIN (SELECT account_id, sum(amount_fen) AS held FROM ledger_holds WHERE status = 'pending' GROUP BY account_id) h
      ON h.account_id = a.id
    WHERE a.kind IN ('escrow', 'user_held') AND a.balance_fen <> coalesce(h.held, 0)`.execute(db);
  for (const r of orphans.rows) {
    violations.push({ rule: 'no_orphan_holds', detail: `${r.code}: balance ${r.balance} ≠ pending holds ${r.held}` });
  }
  // Channel money received for an order already paid goes straight back: platform:unallocated rests at zero.
  const unallocated = await sql<{ code: string; balance: string }>`
    SELECT code, balance_fen::text AS balance FROM ledger_accounts WHERE kind = 'unallocated' AND balance_fen <> 0`.execute(db);
  for (const r of unallocated.rows) violations.push({ rule: 'unallocated_returned', detail: `${r.code} holds ${r.balance}` });
  const badHolds = await sql<{ id: string }>`
    SELECT h.id FROM ledger_holds h
    LEFT JOIN ledger_transfers t ON t.id = h.hold_transfer_id
    LEFT JOIN ledger_transfers s ON s.id = h.settle_transfer_id
    WHERE t.id IS NULL OR (h.status <> 'pending' AND s.id IS NULL)`.execute(db);
  for (const r of badHolds.rows) violations.push({ rule: 'no_orphan_holds', detail: `hold ${r.id} lacks its transfers` });

  const counts = await sql<{ accounts: number; transfers: number; postings: number; pending: number }>`
    SELECT (SELECT count(*) FROM ledger_accounts)::int AS accounts, (SELECT count(*) FROM ledger_transfers)::int AS transfers,
           (SELECT count(*) FROM ledger_postings)::int AS postings,
           (SELECT count(*) FROM ledger_holds WHERE status = 'pending')::int AS pending`.execute(db);
  const c = counts.rows[0]!;
  return {
    ok: violations.length === 0,
    violations,
    counts: { accounts: c.accounts, transfers: c.transfers, postings: c.postings, pendingHolds: c.pending },
  };
}
