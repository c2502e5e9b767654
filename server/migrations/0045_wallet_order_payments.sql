-- Paying an order through a payment channel straight into its escrow, and refunds back to the channel
-- (S5.9b, S5.5b's payment), class L2.
ALTER TABLE wallet_payments ADD COLUMN order_id uuid;
ALTER TABLE wallet_payments DROP CONSTRAINT wallet_payments_purpose_check;
ALTER TABLE wallet_payments ADD CONSTRAINT wallet_payments_purpose_check CHECK (purpose IN ('topup', 'order'));
ALTER TABLE wallet_payments ADD CONSTRAINT wallet_payments_order_check CHECK ((purpose = 'order') = (order_id IS NOT NULL));
-- At most one live channel payment per order.
CREATE UNIQUE INDEX wallet_payments_live_order_idx ON wallet_payments (order_id)
  WHERE purpose = 'order' AND status IN ('creating', 'pending', 'paid');

-- A refund of a channel-paid order back to the channel. The ledger moves escrow → channel clearing when
-- the refund is recorded; the channel call is retried with the same out_refund_no until it settles.
CREATE TABLE wallet_refunds (
  id uuid PRIMARY KEY,
  payment_id uuid NOT NULL UNIQUE REFERENCES wallet_payments (id),
  order_id uuid NOT NULL,
  user_id uuid NOT NULL,
  channel text NOT NULL,
  out_refund_no text NOT NULL UNIQUE,
  amount_fen bigint NOT NULL CHECK (amount_fen > 0),
  reason text NOT NULL,
  status text NOT NULL CHECK (status IN ('processing', 'success', 'failed')),
  transfer_id uuid NOT NULL REFERENCES ledger_transfers (id),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
