-- Message center (S5.8a–c, S6.6): in-app notifications, their per-user sequence, preferences for
-- SMS/e-mail copies, and the record of copies sent. Users are referred to by id (accounts owns them).

-- One notification per row, rendered at creation in both languages (class L2: texts must not carry L3 data).
CREATE TABLE notifications (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL,
  -- Per-user, gap-free, strictly increasing: the SSE event id a reconnecting client sends back.
  seq bigint NOT NULL,
  category text NOT NULL CHECK (category IN ('order', 'wallet', 'account', 'system')),
  title_zh text NOT NULL,
  title_en text NOT NULL,
  body_zh text NOT NULL,
  body_en text NOT NULL,
  link text,
  mandatory_copy boolean NOT NULL DEFAULT false,
  -- The outbox event that asked for it: a second delivery of the same event cannot insert twice.
  source_event_id uuid UNIQUE,
  read_at timestamptz,
  created_at timestamptz NOT NULL,
  UNIQUE (user_id, seq)
);
CREATE INDEX notifications_unread_idx ON notifications (user_id, category) WHERE read_at IS NULL;

-- The last sequence number handed out per user. Taking the next number locks this row until the
-- inserting transaction commits, so a user's notifications become visible in sequence order (a global
-- sequence could commit 6 before 5, and a client resuming after 6 would never see 5). Class L2.
CREATE TABLE notification_counters (
  user_id uuid PRIMARY KEY,
  last_seq bigint NOT NULL
);

-- Which copies a user wants per category (S6.6). Absent row = defaults (no copies). Class L2.
CREATE TABLE notification_preferences (
  user_id uuid NOT NULL,
  category text NOT NULL CHECK (category IN ('order', 'wallet', 'account', 'system')),
  sms boolean NOT NULL,
  email boolean NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (user_id, category)
);

-- SMS/e-mail copies that went out, so a retried copy job does not send twice. Class L2 (no addresses).
CREATE TABLE notification_copies (
  notification_id uuid NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
  channel text NOT NULL CHECK (channel IN ('sms', 'email')),
  sent_at timestamptz NOT NULL,
  PRIMARY KEY (notification_id, channel)
);
