-- Platform machinery: the outbox of domain events and the record of which handler processed which event.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE EXTENSION IF NOT EXISTS cube;
CREATE EXTENSION IF NOT EXISTS earthdistance;

-- Every domain event, written in the transaction of the change that caused it (class L2).
CREATE TABLE outbox_events (
  id uuid PRIMARY KEY,
  seq bigserial NOT NULL UNIQUE,
  type text NOT NULL,
  payload jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outbox_events_type_idx ON outbox_events (type, seq);

-- Idempotency of subscribers: a handler records each event id it has applied, in the same transaction.
CREATE TABLE outbox_handled (
  event_id uuid NOT NULL REFERENCES outbox_events (id),
  handler text NOT NULL,
  handled_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (event_id, handler)
);

-- Stored responses of mutating requests made with an Idempotency-Key (class L2).
CREATE TABLE idempotency_keys (
  scope text NOT NULL,
  key text NOT NULL,
  request_hash text NOT NULL,
  status_code int NOT NULL,
  response jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, key)
);

-- Dev outbox: where SMS and e-mail land when no provider is configured (never used in production). L3: holds codes.
CREATE TABLE dev_outbox (
  id uuid PRIMARY KEY,
  channel text NOT NULL CHECK (channel IN ('sms', 'email')),
  recipient text NOT NULL,
  subject text,
  body text NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX dev_outbox_recipient_idx ON dev_outbox (recipient, created_at DESC);
