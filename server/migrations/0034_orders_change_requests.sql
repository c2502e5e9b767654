-- Changes of a taken order's time need the courier's consent (S5.7a): the owner proposes, the courier accepts or declines.
CREATE TABLE order_change_requests (
  id uuid PRIMARY KEY,
  order_id uuid NOT NULL REFERENCES orders (id),
  courier_id uuid NOT NULL,                      -- L2: whose consent is asked
  starts_at timestamptz NOT NULL,                -- L1: proposed
  ends_at timestamptz NOT NULL,                  -- L1: proposed
  note text,                                     -- L1
  status text NOT NULL CHECK (status IN ('pending', 'accepted', 'declined', 'withdrawn', 'lapsed')),
  created_at timestamptz NOT NULL,
  decided_at timestamptz,
  CHECK (ends_at > starts_at)
);
-- At most one open proposal per order.
CREATE UNIQUE INDEX order_change_requests_pending_idx ON order_change_requests (order_id) WHERE status = 'pending';
