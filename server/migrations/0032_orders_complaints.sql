-- Complaints about orders (S5.7d): online, by e-mail (inbound SMTP) and by phone (recorded by support staff).
-- One ticket flow: open → in_progress → resolved | rejected. Owned by the orders module.
CREATE TABLE order_complaints (
  id uuid PRIMARY KEY,
  ticket_no text NOT NULL UNIQUE,                 -- L1: human-facing number (TS20261123-XXXXXX)
  order_id uuid REFERENCES orders (id),           -- L2: null when an e-mail names no known order
  complainant_id uuid,                            -- L2: null for e-mail/phone from someone without a matched account
  complainant_role text NOT NULL CHECK (complainant_role IN ('owner', 'courier', 'other')),
  channel text NOT NULL CHECK (channel IN ('online', 'email', 'phone')),
  status text NOT NULL CHECK (status IN ('open', 'in_progress', 'resolved', 'rejected')),
  category text NOT NULL,                         -- L1
  subject text NOT NULL,                          -- L2
  body text NOT NULL,                             -- L2 (may quote personal details; never logged)
  contact_enc text,                               -- L3: sealed e-mail address or phone number of the complainant
  assignee_id uuid,                               -- L2: staff member handling it
  respond_by timestamptz NOT NULL,                -- first response deadline
  resolve_by timestamptz NOT NULL,                -- resolution deadline
  first_response_at timestamptz,
  resolution text,                                -- L2
  resolved_at timestamptz,
  version int NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX order_complaints_queue_idx ON order_complaints (status, resolve_by) WHERE status IN ('open', 'in_progress');
CREATE INDEX order_complaints_complainant_idx ON order_complaints (complainant_id, created_at DESC);
CREATE INDEX order_complaints_order_idx ON order_complaints (order_id);

-- Replies and notes on a complaint, in order (L2).
CREATE TABLE order_complaint_messages (
  id uuid PRIMARY KEY,
  complaint_id uuid NOT NULL REFERENCES order_complaints (id),
  seq bigserial NOT NULL,
  author_id uuid,
  author_role text NOT NULL CHECK (author_role IN ('complainant', 'staff', 'system')),
  body text NOT NULL,
  internal boolean NOT NULL DEFAULT false,        -- staff-only note
  created_at timestamptz NOT NULL
);
CREATE INDEX order_complaint_messages_idx ON order_complaint_messages (complaint_id, seq);
