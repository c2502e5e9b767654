-- Wallet statements (bills) and appeals against a bill line (S5.9c), class L2.
-- A statement summarises a user's available balance over a China-time month or day: opening balance,
-- money in, money out, fees, closing balance. Its lines are the immutable ledger postings of the period,
-- read when the statement is shown or downloaded. One statement per (user, type, period).
CREATE TABLE wallet_statements (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL,
  type text NOT NULL CHECK (type IN ('monthly', 'daily')),
  period text NOT NULL,
  period_start timestamptz NOT NULL,
  period_end timestamptz NOT NULL,
  opening_fen bigint NOT NULL,
  closing_fen bigint NOT NULL,
  in_fen bigint NOT NULL,
  out_fen bigint NOT NULL,
  fees_fen bigint NOT NULL,
  line_count integer NOT NULL,
  generated_at timestamptz NOT NULL,
  UNIQUE (user_id, type, period)
);
CREATE INDEX wallet_statements_user_idx ON wallet_statements (user_id, period_start DESC);

-- A user disputes one line (ledger posting) of their bill; finance accepts it with an adjustment transfer
-- or rejects it with an explanation before due_at. At most one open appeal per line.
CREATE TABLE wallet_appeals (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL,
  posting_id bigint NOT NULL REFERENCES ledger_postings (id),
  transfer_id uuid NOT NULL REFERENCES ledger_transfers (id),
  amount_fen bigint NOT NULL,
  reason text NOT NULL,
  attachment_ref text,
  status text NOT NULL CHECK (status IN ('open', 'accepted', 'rejected')),
  decision_note text,
  adjustment_fen bigint,
  adjustment_transfer_id uuid REFERENCES ledger_transfers (id),
  decided_by uuid,
  decided_at timestamptz,
  due_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX wallet_appeals_open_line_idx ON wallet_appeals (posting_id) WHERE status = 'open';
CREATE INDEX wallet_appeals_user_idx ON wallet_appeals (user_id, created_at DESC);
CREATE INDEX wallet_appeals_queue_idx ON wallet_appeals (status, due_at);
