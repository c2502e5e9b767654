-- Partial refunds to the channel (S5.9b): a channel payment may be refunded several times, each refund
-- with its own out_refund_no, never more in total than was paid (checked under the escrow hold's lock).
ALTER TABLE wallet_refunds DROP CONSTRAINT wallet_refunds_payment_id_key;
CREATE INDEX wallet_refunds_payment_idx ON wallet_refunds (payment_id);

-- Money a channel paid for an order already paid another way is received into platform:unallocated and
-- refunded to the channel from there on the same transaction, so the account is always back at zero.
ALTER TABLE ledger_accounts DROP CONSTRAINT ledger_accounts_kind_check;
ALTER TABLE ledger_accounts ADD CONSTRAINT ledger_accounts_kind_check CHECK (
  kind IN ('user_available', 'user_held', 'escrow', 'platform_fees', 'channel_clearing', 'payouts_in_transit', 'adjustments', 'unallocated')
);
