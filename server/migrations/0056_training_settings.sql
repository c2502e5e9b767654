-- Training: the standing rules trainers edit in the console (S5.4), formerly constants in the code.
-- One row. `standing_min_score`: below this reliability score a courier may not take orders until the
-- refresher is passed; `refresher_cooldown_days`: a refresher pass restores standing at most once per
-- this many days (L1: platform rules).
CREATE TABLE training_settings (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  standing_min_score int NOT NULL DEFAULT 60 CHECK (standing_min_score BETWEEN 1 AND 100),
  refresher_cooldown_days int NOT NULL DEFAULT 30 CHECK (refresher_cooldown_days BETWEEN 0 AND 365),
  updated_at timestamptz,
  updated_by uuid
);
INSERT INTO training_settings (id) VALUES (true);
