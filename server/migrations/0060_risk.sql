-- Risk module (A3, A7, A8, A9): labor-arbitration risk of companies (employers). Records are about
-- companies only, never about couriers. Credit codes and company names are public registry data (L1);
-- case details come from public arbitration records (L2 here: shown to risk staff only).

-- Latest check of each company, and whether it is watched (re-checked on a schedule).
CREATE TABLE risk_companies (
  credit_code text PRIMARY KEY,
  company_name text NOT NULL,
  score int NOT NULL CHECK (score BETWEEN 0 AND 100),
  raw_score int NOT NULL,
  level text NOT NULL CHECK (level IN ('low', 'medium', 'high')),
  threshold int NOT NULL,
  deductions jsonb NOT NULL,
  case_count int NOT NULL,
  total_amount_fen bigint NOT NULL,
  latest_case jsonb,
  cases jsonb NOT NULL,
  checked_at timestamptz NOT NULL,
  watched boolean NOT NULL DEFAULT false,
  watch_source text,
  watched_since timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX risk_companies_watched_idx ON risk_companies (checked_at) WHERE watched;

-- Companies to watch that have not been checked yet (e.g. the provider was down when they were added).
CREATE TABLE risk_watch_requests (
  credit_code text PRIMARY KEY,
  source text NOT NULL,
  requested_at timestamptz NOT NULL
);

-- Every check, for the history of a company and the score distribution.
CREATE TABLE risk_checks (
  id uuid PRIMARY KEY,
  credit_code text NOT NULL,
  checked_at timestamptz NOT NULL,
  reason text NOT NULL,
  score int NOT NULL,
  level text NOT NULL,
  threshold int NOT NULL,
  case_count int NOT NULL,
  total_amount_fen bigint NOT NULL
);
CREATE INDEX risk_checks_code_idx ON risk_checks (credit_code, checked_at DESC);

-- Alerts to risk staff (A7, A9). One alert per distinct (company, result): the fingerprint covers
-- severity, score and the set of cases, so an unchanged result never alerts twice.
CREATE TABLE risk_alerts (
  id uuid PRIMARY KEY,
  credit_code text NOT NULL,
  company_name text NOT NULL,
  severity text NOT NULL CHECK (severity IN ('urgent', 'warning', 'info')),
  reason text NOT NULL,
  score int NOT NULL,
  threshold int NOT NULL,
  case_count int NOT NULL,
  total_amount_fen bigint NOT NULL,
  latest_case jsonb,
  new_case_nos jsonb NOT NULL DEFAULT '[]',
  fingerprint text NOT NULL,
  created_at timestamptz NOT NULL,
  UNIQUE (credit_code, fingerprint)
);
CREATE INDEX risk_alerts_created_idx ON risk_alerts (created_at DESC, id DESC);

-- Threshold history (A8): the default, and each weekly recomputation from peers' scores.
CREATE TABLE risk_thresholds (
  id uuid PRIMARY KEY,
  value int NOT NULL CHECK (value BETWEEN 0 AND 100),
  source text NOT NULL CHECK (source IN ('default', 'dynamic')),
  percentile int,
  benchmark numeric,
  sample_size int NOT NULL,
  distribution jsonb NOT NULL,
  computed_at timestamptz NOT NULL
);
CREATE INDEX risk_thresholds_computed_idx ON risk_thresholds (computed_at DESC);
