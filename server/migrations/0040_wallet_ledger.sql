-- Wallet: a double-entry ledger in integer fen. Transfers and postings are immutable; corrections are
-- reversing transfers. A user's balance can never go negative (CHECK plus conditional UPDATE).

-- Ledger accounts (class L2). `code` names the account: user:<id>:available, user:<id>:held,
-- escrow:<orderId>, platform:fees, channel:<name>:clearing, platform:payouts_in_transit, platform:adjustments.
CREATE TABLE ledger_accounts (
  id uuid PRIMARY KEY,
  code text NOT NULL UNIQUE,
  kind text NOT NULL CHECK (
    kind IN ('user_available', 'user_held', 'escrow', 'platform_fees', 'channel_clearing', 'payouts_in_transit', 'adjustments')
  ),
  owner_id uuid,
  allow_negative boolean NOT NULL,
  balance_fen bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL,
  CONSTRAINT ledger_accounts_no_overdraft CHECK (allow_negative OR balance_fen >= 0)
);
CREATE INDEX ledger_accounts_owner_idx ON ledger_accounts (owner_id, kind);

-- One balanced movement of money (class L2). The idempotency key is unique: a retry finds the first result.
CREATE TABLE ledger_transfers (
  id uuid PRIMARY KEY,
  idempotency_key text NOT NULL UNIQUE,
  content_hash text NOT NULL,
  kind text NOT NULL,
  memo jsonb NOT NULL DEFAULT '{}'::jsonb,
  reverses_id uuid UNIQUE REFERENCES ledger_transfers (id),
  created_at timestamptz NOT NULL
);
CREATE INDEX ledger_transfers_kind_idx ON ledger_transfers (kind, created_at);

-- The legs of a transfer (class L2): signed amounts that sum to zero per transfer.
CREATE TABLE ledger_postings (
  id bigserial PRIMARY KEY,
  transfer_id uuid NOT NULL REFERENCES ledger_transfers (id),
  account_id uuid NOT NULL REFERENCES ledger_accounts (id),
  amount_fen bigint NOT NULL CHECK (amount_fen <> 0),
  balance_after_fen bigint NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX ledger_postings_account_idx ON ledger_postings (account_id, id DESC);
CREATE INDEX ledger_postings_transfer_idx ON ledger_postings (transfer_id);

-- Two-phase holds (class L2): money parked in an escrow account or a user's held account while an order
-- or a payout is open; posted (settled onwards) or voided (returned) exactly once.
CREATE TABLE ledger_holds (
  id uuid PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('escrow', 'payout')),
  reference_id uuid NOT NULL,
  user_id uuid NOT NULL,
  account_id uuid NOT NULL REFERENCES ledger_accounts (id),
  amount_fen bigint NOT NULL CHECK (amount_fen > 0),
  fee_fen bigint NOT NULL DEFAULT 0 CHECK (fee_fen >= 0),
  status text NOT NULL CHECK (status IN ('pending', 'posted', 'voided')),
  hold_transfer_id uuid NOT NULL REFERENCES ledger_transfers (id),
  settle_transfer_id uuid REFERENCES ledger_transfers (id),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  UNIQUE (kind, reference_id),
  CHECK ((status = 'pending') = (settle_transfer_id IS NULL))
);
CREATE INDEX ledger_holds_pending_idx ON ledger_holds (account_id) WHERE status = 'pending';
CREATE INDEX ledger_holds_user_idx ON ledger_holds (user_id, kind, status);

-- Transfers and postings are never edited or deleted.
CREATE FUNCTION ledger_forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger rows are immutable (% on %)', TG_OP, TG_TABLE_NAME;
END
$$;
CREATE TRIGGER ledger_transfers_immutable BEFORE UPDATE OR DELETE ON ledger_transfers
  FOR EACH ROW EXECUTE FUNCTION ledger_forbid_change();
CREATE TRIGGER ledger_postings_immutable BEFORE UPDATE OR DELETE ON ledger_postings
  FOR EACH ROW EXECUTE FUNCTION ledger_forbid_change();

-- At commit, every transfer touched must balance to zero.
CREATE FUNCTION ledger_check_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE total bigint;
BEGIN
  SELECT coalesce(sum(amount_fen), 0) INTO total FROM ledger_postings WHERE transfer_id = NEW.transfer_id;
  IF total <> 0 THEN
    RAISE EXCEPTION 'ledger transfer % is unbalanced by % fen', NEW.transfer_id, total;
  END IF;
  RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER ledger_postings_balanced AFTER INSERT ON ledger_postings
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_balanced();
