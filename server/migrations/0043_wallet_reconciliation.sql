-- Daily reconciliation of each payment channel's trade bill against the ledger (S5.9c), class L2.
-- A run records one download of one day's bill (China time); each disagreement becomes a discrepancy in
-- the finance queue. A discrepancy is recorded once per (channel, trade number, kind), however often
-- the day is reconciled again; its fix is a ledger transfer with a reason (or a dismissal with a reason).
CREATE TABLE wallet_recon_runs (
  id uuid PRIMARY KEY,
  channel text NOT NULL,
  bill_day text NOT NULL CHECK (bill_day ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
  status text NOT NULL CHECK (status IN ('balanced', 'discrepancies', 'no_bill', 'failed')),
  bill_sha1 text,
  bill_lines integer NOT NULL DEFAULT 0,
  matched integer NOT NULL DEFAULT 0,
  discrepancies integer NOT NULL DEFAULT 0,
  auto_credited integer NOT NULL DEFAULT 0,
  error text,
  triggered_by uuid,
  created_at timestamptz NOT NULL
);
CREATE INDEX wallet_recon_runs_day_idx ON wallet_recon_runs (bill_day DESC, created_at DESC);

CREATE TABLE wallet_recon_discrepancies (
  id uuid PRIMARY KEY,
  run_id uuid NOT NULL REFERENCES wallet_recon_runs (id),
  channel text NOT NULL,
  bill_day text NOT NULL CHECK (bill_day ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
  out_trade_no text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('missing_ours', 'missing_channel', 'amount_mismatch')),
  channel_amount_fen bigint,
  our_amount_fen bigint,
  payment_id uuid REFERENCES wallet_payments (id),
  user_id uuid,
  status text NOT NULL CHECK (status IN ('open', 'resolved')),
  resolution text CHECK (resolution IN ('auto_credited', 'adjusted', 'dismissed')),
  resolution_reason text,
  transfer_id uuid REFERENCES ledger_transfers (id),
  resolved_by uuid,
  resolved_at timestamptz,
  created_at timestamptz NOT NULL,
  UNIQUE (channel, out_trade_no, kind),
  CHECK ((status = 'resolved') = (resolution IS NOT NULL))
);
CREATE INDEX wallet_recon_discrepancies_open_idx ON wallet_recon_discrepancies (status, created_at);
