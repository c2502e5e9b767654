-- Accounts a user binds for payouts, and withdrawals through a payment channel.

-- Bound payout accounts. The account number is L3: encrypted at rest, looked up by a blind index, shown masked.
CREATE TABLE wallet_payout_accounts (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL,
  kind text NOT NULL CHECK (kind IN ('wechat', 'bank_card')),
  account_enc text NOT NULL,
  account_idx text NOT NULL,
  account_masked text NOT NULL,
  bank_name text,
  created_at timestamptz NOT NULL,
  removed_at timestamptz
);
CREATE UNIQUE INDEX wallet_payout_accounts_active_idx ON wallet_payout_accounts (user_id, kind, account_idx) WHERE removed_at IS NULL;

-- Withdrawals (class L2): requested → submitted → paid | failed. Funds are held (ledger hold `payout`,
-- reference = this id) from the request until the channel's outcome; the channel's batch number is
-- derived from the id, so a resubmission after a crash can never pay twice.
CREATE TABLE wallet_withdrawals (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL,
  payout_account_id uuid NOT NULL REFERENCES wallet_payout_accounts (id),
  channel text NOT NULL,
  amount_fen bigint NOT NULL CHECK (amount_fen > 0),
  fee_fen bigint NOT NULL CHECK (fee_fen >= 0),
  status text NOT NULL CHECK (status IN ('requested', 'submitted', 'paid', 'failed')),
  out_batch_no text NOT NULL UNIQUE,
  idempotency_key text,
  fail_reason text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  UNIQUE (user_id, idempotency_key)
);
CREATE INDEX wallet_withdrawals_user_idx ON wallet_withdrawals (user_id, created_at DESC);
CREATE INDEX wallet_withdrawals_open_idx ON wallet_withdrawals (status) WHERE status IN ('requested', 'submitted');
