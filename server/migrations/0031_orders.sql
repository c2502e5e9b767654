-- The shift-orders marketplace (S5.5–S5.7). Owned by the orders module.

-- Managed catalogue of order types with zh-CN/en names (L1).
CREATE TABLE order_types (
  code text PRIMARY KEY CHECK (code ~ '^[a-z_]{2,32}$'),
  name_zh text NOT NULL,
  name_en text NOT NULL,
  active boolean NOT NULL DEFAULT true,
  sort int NOT NULL DEFAULT 0
);
INSERT INTO order_types (code, name_zh, name_en, sort) VALUES
  ('delivery', '派件', 'Delivery', 10),
  ('station_duty', '驿站值守', 'Station duty', 20),
  ('sorting', '分拣', 'Sorting', 30),
  ('pickup', '揽收', 'Pick-up', 40);

-- The published rules of the marketplace: limits, deadlines, penalties and compensation (L1, one row).
-- Kept in the database (not in code) so the API and the app publish exactly what is enforced.
CREATE TABLE order_rules (
  id int PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  min_hourly_pay_fen bigint NOT NULL DEFAULT 2000,        -- pay floor per hour of shift
  min_shift_minutes int NOT NULL DEFAULT 60,
  max_shift_minutes int NOT NULL DEFAULT 840,
  pay_window_minutes int NOT NULL DEFAULT 15,             -- payBefore = created + this
  cancel_cutoff_minutes int NOT NULL DEFAULT 120,         -- before start
  compensation_before_cutoff_pct int NOT NULL DEFAULT 10, -- of pay, to the courier, owner cancels a taken order
  compensation_after_cutoff_pct int NOT NULL DEFAULT 50,
  release_grace_minutes int NOT NULL DEFAULT 10,          -- courier releases without penalty
  confirm_reminder_minutes int NOT NULL DEFAULT 720,      -- reminder 12 h before start
  confirm_deadline_minutes int NOT NULL DEFAULT 120,      -- unconfirmed 2 h before start → back to market
  checkin_open_minutes int NOT NULL DEFAULT 30,           -- check-in opens before start
  no_show_after_minutes int NOT NULL DEFAULT 30,          -- no check-in this long after start → no_show
  geofence_m int NOT NULL DEFAULT 500,
  confirm_hours_window_minutes int NOT NULL DEFAULT 1440, -- owner confirms or disputes within 24 h
  weekly_hours_cap int NOT NULL DEFAULT 60,
  platform_fee_pct int NOT NULL DEFAULT 10,
  review_window_days int NOT NULL DEFAULT 7,
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO order_rules (id) VALUES (1);

CREATE TABLE orders (
  id uuid PRIMARY KEY,
  order_no text NOT NULL UNIQUE,                 -- L1: human-facing number
  owner_id uuid NOT NULL,                        -- L2
  store_id uuid NOT NULL REFERENCES stores (id), -- L1
  type_code text NOT NULL REFERENCES order_types (code),
  status text NOT NULL CHECK (status IN ('pending_payment', 'published', 'taken', 'checked_in', 'checked_out', 'completed',
                                          'settled', 'closed', 'cancelled', 'no_show', 'disputed')),
  -- Store snapshot at posting time (S5.5a: store name, region, detailed address are part of the order). L1.
  store_name text NOT NULL,
  region_code char(6) NOT NULL,
  city_code char(6) NOT NULL,
  province_code char(6) NOT NULL,
  address text NOT NULL,
  lat double precision NOT NULL,
  lng double precision NOT NULL,
  starts_at timestamptz NOT NULL,
  ends_at timestamptz NOT NULL,
  pay_fen bigint NOT NULL CHECK (pay_fen > 0),   -- L1: total pay of the shift
  headcount int NOT NULL DEFAULT 1 CHECK (headcount = 1),
  description text,                              -- L1
  min_cert_level text CHECK (min_cert_level IN ('bronze', 'silver', 'gold')), -- L1: minimum certificate level, null = entry level
  brands text[] NOT NULL DEFAULT '{}',           -- L1
  search_text text NOT NULL,                     -- L1: normalised store name + address + description
  search_grams text[] NOT NULL,                  -- L1: its unigrams and bigrams, for 1- and 2-character Chinese keywords
  checkin_code char(6) NOT NULL,                 -- L2: shown to the owner only; the courier types it to check in/out
  pay_before timestamptz NOT NULL,
  paid_at timestamptz,
  published_at timestamptz,
  courier_id uuid,                               -- L2
  taken_at timestamptz,
  courier_confirmed_at timestamptz,
  confirm_reminded_at timestamptz,
  checked_in_at timestamptz,
  checked_out_at timestamptz,
  confirm_hours_before timestamptz,
  completed_at timestamptz,
  settled_at timestamptz,
  closed_at timestamptz,
  cancelled_at timestamptz,
  courier_comp_fen bigint,                       -- compensation paid to the courier on a late cancellation
  version int NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  CHECK (ends_at > starts_at),
  -- A courier never holds overlapping shifts (S5.6c), enforced by the database for every process.
  CONSTRAINT orders_courier_no_overlap EXCLUDE USING gist (courier_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
    WHERE (courier_id IS NOT NULL AND status IN ('taken', 'checked_in', 'checked_out'))
);

-- Marketplace (published, untaken) access paths: one partial index per sort and filter shape.
CREATE INDEX orders_market_start_idx ON orders (starts_at, id) WHERE status = 'published';
CREATE INDEX orders_market_newest_idx ON orders (published_at DESC, id DESC) WHERE status = 'published';
CREATE INDEX orders_market_pay_idx ON orders (pay_fen DESC, id DESC) WHERE status = 'published';
CREATE INDEX orders_market_region_idx ON orders (region_code, starts_at) WHERE status = 'published';
CREATE INDEX orders_market_city_idx ON orders (city_code, starts_at) WHERE status = 'published';
CREATE INDEX orders_market_province_idx ON orders (province_code, starts_at) WHERE status = 'published';
CREATE INDEX orders_market_grams_idx ON orders USING gin (search_grams) WHERE status = 'published';
CREATE INDEX orders_market_geo_idx ON orders USING gist (ll_to_earth(lat, lng)) WHERE status = 'published';
-- Per-party lists and sweeps.
CREATE INDEX orders_owner_idx ON orders (owner_id, created_at DESC, id DESC);
CREATE INDEX orders_courier_idx ON orders (courier_id, starts_at) WHERE courier_id IS NOT NULL;
CREATE INDEX orders_unpaid_idx ON orders (pay_before) WHERE status = 'pending_payment';
CREATE INDEX orders_active_start_idx ON orders (starts_at) WHERE status IN ('taken', 'checked_out');

-- Every transition of every order: the audit trail and the timeline (S5.7b). L2.
CREATE TABLE order_events (
  id uuid PRIMARY KEY,
  order_id uuid NOT NULL REFERENCES orders (id),
  seq bigserial NOT NULL,
  action text NOT NULL,
  from_status text,
  to_status text NOT NULL,
  actor_id uuid,                                 -- null for the system (sweeps)
  actor_role text NOT NULL CHECK (actor_role IN ('owner', 'courier', 'system', 'staff')),
  note text,
  data jsonb NOT NULL DEFAULT '{}',
  at timestamptz NOT NULL
);
CREATE INDEX order_events_order_idx ON order_events (order_id, seq);

-- Personal iCalendar feeds: a secret token in the URL, stored hashed (L4).
CREATE TABLE order_calendar_feeds (
  user_id uuid PRIMARY KEY,
  token_hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL
);

-- Reliability events behind couriers' and stores' scores (late releases, no-shows, late cancellations). L2.
CREATE TABLE order_reliability_events (
  id uuid PRIMARY KEY,
  subject_kind text NOT NULL CHECK (subject_kind IN ('courier', 'store')),
  subject_id uuid NOT NULL,
  order_id uuid NOT NULL REFERENCES orders (id),
  kind text NOT NULL,
  at timestamptz NOT NULL
);
CREATE INDEX order_reliability_subject_idx ON order_reliability_events (subject_kind, subject_id, at DESC);

-- Reviews after completion (S5.7c): each side rates the other once. L1 (text is public on profiles).
CREATE TABLE order_reviews (
  id uuid PRIMARY KEY,
  order_id uuid NOT NULL REFERENCES orders (id),
  author_id uuid NOT NULL,
  author_role text NOT NULL CHECK (author_role IN ('owner', 'courier')),
  subject_kind text NOT NULL CHECK (subject_kind IN ('courier', 'store')),
  subject_id uuid NOT NULL,
  stars int NOT NULL CHECK (stars BETWEEN 1 AND 5),
  tags text[] NOT NULL DEFAULT '{}',
  text text,
  created_at timestamptz NOT NULL,
  UNIQUE (order_id, author_role)
);
CREATE INDEX order_reviews_subject_idx ON order_reviews (subject_kind, subject_id, created_at DESC);
