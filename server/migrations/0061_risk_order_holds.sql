-- Urgent labor-arbitration risk holds new orders for risk-staff review (issue 6, A7).
-- An order of a company at level high is paid into escrow but not published: it waits in
-- `held_for_review` until risk staff release it (→ published) or reject it (→ cancelled, refunded), or
-- its start time passes unreviewed (→ closed, refunded). The order status is the orders module's;
-- the review record (company snapshot, the owner's reply, the decision) is the risk module's.

ALTER TABLE orders DROP CONSTRAINT orders_status_check;
ALTER TABLE orders ADD CONSTRAINT orders_status_check CHECK (status IN ('pending_payment', 'published', 'taken', 'checked_in',
  'checked_out', 'completed', 'settled', 'closed', 'cancelled', 'no_show', 'disputed', 'held_for_review'));
CREATE INDEX orders_held_start_idx ON orders (starts_at, id) WHERE status = 'held_for_review';

-- One review per held order. Company figures are a snapshot of the check that made it high.
CREATE TABLE risk_order_holds (
  order_id uuid PRIMARY KEY,
  order_no text NOT NULL,
  owner_id uuid NOT NULL,                 -- L2: the posting account (the company's owner account)
  store_name text NOT NULL,               -- L1
  starts_at timestamptz NOT NULL,
  pay_fen bigint NOT NULL,
  credit_code text NOT NULL,              -- L1 public registry data
  company_name text NOT NULL,             -- L1
  score int NOT NULL,                     -- L2
  case_count int NOT NULL,                -- L2
  total_amount_fen bigint NOT NULL,       -- L2
  latest_case jsonb,                      -- L2 (public arbitration record)
  status text NOT NULL CHECK (status IN ('pending', 'released', 'rejected', 'expired', 'withdrawn')),
  response text,                          -- L2: the owner's reply to the reviewers
  responded_at timestamptz,
  decided_by uuid,                        -- L2: risk staff account
  decision_reason text,                   -- L2: shown to the owner
  decided_at timestamptz,
  held_at timestamptz NOT NULL,
  version int NOT NULL DEFAULT 1
);
CREATE INDEX risk_order_holds_queue_idx ON risk_order_holds (status, held_at DESC, order_id DESC);
