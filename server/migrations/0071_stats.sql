-- Statistics and analysis (issue 7, scenario 3 and 4; S6.2). Statistics read orders and the ledger
-- through indexes; the platform-wide analysis reads rollups that a job keeps up to date from orders.

-- A store owner's month: their orders by shift start.
CREATE INDEX orders_owner_start_idx ON orders (owner_id, starts_at);
-- A courier's week: credits to their wallet by time.
CREATE INDEX ledger_postings_account_time_idx ON ledger_postings (account_id, created_at);
-- Rollup maintenance: orders changed since the last run, and every order of one day.
CREATE INDEX orders_updated_idx ON orders (updated_at);
CREATE INDEX orders_starts_idx ON orders (starts_at);

-- Per (shift day in China time, province): what was posted and filled, how fast, and what it was worth.
-- Rebuilt day by day: every day that holds an order changed since the last run is recomputed whole.
CREATE TABLE stats_order_daily (
  day date NOT NULL,
  province_code char(6) NOT NULL,
  posted int NOT NULL,            -- published at some point (paid)
  filled int NOT NULL,            -- taken at some point
  median_fill_s double precision, -- median seconds from publication to (last) take; null when none filled
  settled int NOT NULL,
  gmv_fen bigint NOT NULL,        -- pay of settled orders
  PRIMARY KEY (day, province_code)
);

-- The months in which each courier completed (settled) at least one shift: retention cohorts.
CREATE TABLE stats_courier_months (
  courier_id uuid NOT NULL,
  month date NOT NULL,
  PRIMARY KEY (courier_id, month)
);

-- The cohort matrix (first month worked × months after), recomputed when activity changes.
CREATE TABLE stats_retention (
  cohort date NOT NULL,
  months_after int NOT NULL,
  active int NOT NULL,
  PRIMARY KEY (cohort, months_after)
);

-- Where the last run got to (one row).
CREATE TABLE stats_state (
  id int PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  orders_watermark timestamptz NOT NULL DEFAULT '-infinity',
  refreshed_at timestamptz
);
INSERT INTO stats_state (id) VALUES (1);
