import type { ColumnType, Generated } from 'kysely';

/** What a ledger account is for; decides whether it may go negative and whom it belongs to. */
export type LedgerAccountKind =
  'user_available' | 'user_held' | 'escrow' | 'platform_fees' | 'channel_clearing' | 'payouts_in_transit' | 'adjustments' | 'unallocated';

export type PaymentStatus = 'creating' | 'pending' | 'paid' | 'closed' | 'failed';

export type HoldKind = 'escrow' | 'payout';
export type HoldStatus = 'pending' | 'posted' | 'voided';

/** The wallet's tables: a double-entry ledger. Every column is L2 (internal) unless noted. */
export interface WalletTables {
  ledger_accounts: {
    id: string; // L2
    code: string; // L2 e.g. user:<id>:available
    kind: LedgerAccountKind; // L2
    owner_id: string | null; // L2 user id or order id
    allow_negative: boolean; // L2
    balance_fen: number; // L2 cached sum of postings, kept in the same transaction
    created_at: Date; // L2
  };
  ledger_transfers: {
    id: string; // L2
    idempotency_key: string; // L2
    content_hash: string; // L2 sha-256 of kind, memo and postings
    kind: string; // L2
    memo: ColumnType<Record<string, unknown>, string, never>; // L2 reason, order id, channel trade no.
    reverses_id: string | null; // L2
    created_at: Date; // L2
  };
  ledger_postings: {
    id: Generated<number>; // L2
    transfer_id: string; // L2
    account_id: string; // L2
    amount_fen: number; // L2 signed: + increases the account
    balance_after_fen: number; // L2
    created_at: Date; // L2
  };
  ledger_holds: {
    id: string; // L2
    kind: HoldKind; // L2
    reference_id: string; // L2 order id or payout id
    user_id: string; // L2 payer or payee
    account_id: string; // L2 where the money waits
    amount_fen: number; // L2
    fee_fen: number; // L2
    status: HoldStatus; // L2
    hold_transfer_id: string; // L2
    settle_transfer_id: string | null; // L2
    created_at: Date; // L2
    updated_at: Date; // L2
  };
  wallet_payments: {
    id: string; // L2
    out_trade_no: string; // L2 our number at the channel
    user_id: string; // L2
    purpose: 'topup' | 'order'; // L2
    order_id: ColumnType<string | null, string | null | undefined, string | null>; // L2 for purpose 'order'
    channel: string; // L2
    amount_fen: number; // L2
    status: PaymentStatus; // L2
    code_url: string | null; // L2
    pay_url: string | null; // L2
    transaction_id: string | null; // L2 the channel's number
    expires_at: Date; // L2
    paid_at: Date | null; // L2
    transfer_id: string | null; // L2
    created_at: Date; // L2
    updated_at: Date; // L2
  };
  wallet_payout_accounts: {
    id: string; // L2
    user_id: string; // L2
    kind: 'wechat' | 'bank_card'; // L2
    account_enc: string; // L3 encrypted openid or card number
    account_idx: string; // L3 blind index
    account_masked: string; // L2 e.g. **** **** **** 1234
    bank_name: string | null; // L2
    holder_name_enc: string | null; // L3 encrypted card holder name (bank cards)
    created_at: Date; // L2
    removed_at: Date | null; // L2
  };
  wallet_withdrawals: {
    id: string; // L2
    user_id: string; // L2
    payout_account_id: string; // L2
    channel: string; // L2
    amount_fen: number; // L2
    fee_fen: number; // L2
    status: 'requested' | 'submitted' | 'paid' | 'failed'; // L2
    out_batch_no: string; // L2
    idempotency_key: string | null; // L2
    fail_reason: string | null; // L2
    created_at: Date; // L2
    updated_at: Date; // L2
  };
  wallet_recon_runs: {
    id: string; // L2
    channel: string; // L2
    bill_day: string; // L2 YYYY-MM-DD, China time
    status: 'balanced' | 'discrepancies' | 'no_bill' | 'failed'; // L2
    bill_sha1: string | null; // L2
    bill_lines: number; // L2
    matched: number; // L2
    discrepancies: number; // L2
    auto_credited: number; // L2
    error: string | null; // L2
    triggered_by: string | null; // L2 finance staff id, null for the daily job
    created_at: Date; // L2
  };
  wallet_recon_discrepancies: {
    id: string; // L2
    run_id: string; // L2
    channel: string; // L2
    bill_day: string; // L2
    out_trade_no: string; // L2
    kind: 'missing_ours' | 'missing_channel' | 'amount_mismatch'; // L2
    channel_amount_fen: number | null; // L2
    our_amount_fen: number | null; // L2
    payment_id: string | null; // L2
    user_id: string | null; // L2
    status: 'open' | 'resolved'; // L2
    resolution: 'auto_credited' | 'adjusted' | 'dismissed' | null; // L2
    resolution_reason: string | null; // L2 free text by finance staff
    transfer_id: string | null; // L2
    resolved_by: string | null; // L2
    resolved_at: Date | null; // L2
    created_at: Date; // L2
  };
  wallet_statements: {
    id: string; // L2
    user_id: string; // L2
    type: 'monthly' | 'daily'; // L2
    period: string; // L2 YYYY-MM or YYYY-MM-DD, China time
    period_start: Date; // L2
    period_end: Date; // L2 exclusive
    opening_fen: number; // L2
    closing_fen: number; // L2
    in_fen: number; // L2
    out_fen: number; // L2
    fees_fen: number; // L2
    line_count: number; // L2
    generated_at: Date; // L2
  };
  wallet_appeals: {
    id: string; // L2
    user_id: string; // L2
    posting_id: number; // L2 the disputed bill line
    transfer_id: string; // L2
    amount_fen: number; // L2 the line's amount
    reason: string; // L2 the user's own words
    attachment_ref: string | null; // L2 a reference the user typed (e.g. a channel's receipt number)
    status: 'open' | 'accepted' | 'rejected'; // L2
    decision_note: string | null; // L2 finance's explanation
    adjustment_fen: number | null; // L2
    adjustment_transfer_id: string | null; // L2
    decided_by: string | null; // L2
    decided_at: Date | null; // L2
    due_at: Date; // L2
    created_at: Date; // L2
  };
  wallet_appeal_attachments: {
    id: string; // L2
    user_id: string; // L2 who uploaded it
    appeal_id: string | null; // L2 null until an appeal names it
    mime: 'image/jpeg' | 'image/png' | 'application/pdf'; // L1 sniffed from the bytes
    size_bytes: number; // L1
    data_enc: string; // L3 the file (base64), sealed with the keyring
    created_at: Date; // L2
  };
  wallet_refunds: {
    id: string; // L2
    payment_id: string; // L2
    order_id: string; // L2
    user_id: string; // L2
    channel: string; // L2
    out_refund_no: string; // L2
    amount_fen: number; // L2
    reason: string; // L2
    status: 'processing' | 'success' | 'failed'; // L2
    transfer_id: string; // L2 escrow (or platform:unallocated) → channel clearing
    created_at: Date; // L2
    updated_at: Date; // L2
  };
}
