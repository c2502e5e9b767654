-- Risk alerts (A7, A9): "no duplicate alert for an unchanged result" compares a result with the company's
-- latest alert, not with every alert it ever had. With UNIQUE (credit_code, fingerprint) a result seen once
-- could never alert again: a company at 55 alerted under threshold 60, recovered when the weekly benchmark
-- moved the threshold to 52, and fell below it again when it moved back to 58 stayed silent the second time.
-- Each alert now names the alert it follows (`supersedes`, null for a company's first); the unique index on
-- (credit_code, supersedes) keeps one chain per company, so two racing checks cannot both alert.
ALTER TABLE risk_alerts DROP CONSTRAINT IF EXISTS risk_alerts_credit_code_fingerprint_key;
ALTER TABLE risk_alerts ADD COLUMN supersedes uuid;
UPDATE risk_alerts a
   SET supersedes = c.prev
  FROM (SELECT id, lag(id) OVER (PARTITION BY credit_code ORDER BY created_at, id) AS prev FROM risk_alerts) c
 WHERE a.id = c.id;
CREATE UNIQUE INDEX risk_alerts_chain_idx ON risk_alerts (credit_code, supersedes) NULLS NOT DISTINCT;
