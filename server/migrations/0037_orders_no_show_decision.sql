-- After a no-show the owner chooses: re-publish (with a new shift time) or be refunded (S5.7b). An owner who does
-- neither is refunded automatically this many days after the shift's start, so escrow never stays held forever.
-- Published with the other rules (GET /api/v1/orders/rules) and changed by ops like them.
ALTER TABLE order_rules ADD COLUMN no_show_decision_days int NOT NULL DEFAULT 7 CHECK (no_show_decision_days BETWEEN 1 AND 90);
-- The sweep finds undecided no-shows by start (few rows; a partial index keeps the minute sweep cheap).
CREATE INDEX orders_no_show_start_idx ON orders (starts_at) WHERE status = 'no_show';
