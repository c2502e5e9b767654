-- Wallet top-ups paid through a payment channel (class L2). The channel's callback, or a query when the
-- callback is late, credits the wallet exactly once (ledger key topup:<channel>:<out_trade_no>).
CREATE TABLE wallet_payments (
  id uuid PRIMARY KEY,
  out_trade_no text NOT NULL UNIQUE,
  user_id uuid NOT NULL,
  purpose text NOT NULL CHECK (purpose IN ('topup')),
  channel text NOT NULL,
  amount_fen bigint NOT NULL CHECK (amount_fen > 0),
  status text NOT NULL CHECK (status IN ('creating', 'pending', 'paid', 'closed', 'failed')),
  code_url text,
  pay_url text,
  transaction_id text,
  expires_at timestamptz NOT NULL,
  paid_at timestamptz,
  transfer_id uuid REFERENCES ledger_transfers (id),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  CHECK ((status = 'paid') = (transfer_id IS NOT NULL))
);
CREATE INDEX wallet_payments_user_idx ON wallet_payments (user_id, created_at DESC);
CREATE INDEX wallet_payments_open_idx ON wallet_payments (expires_at) WHERE status IN ('creating', 'pending');
