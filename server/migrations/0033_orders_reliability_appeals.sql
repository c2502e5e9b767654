-- Reliability events can be appealed (a complaint ticket of category 'appeal'); an upheld appeal voids the event.
ALTER TABLE order_reliability_events ADD COLUMN appeal_complaint_id uuid REFERENCES order_complaints (id);
ALTER TABLE order_reliability_events ADD COLUMN voided_at timestamptz;
CREATE UNIQUE INDEX order_reliability_appeal_idx ON order_reliability_events (appeal_complaint_id) WHERE appeal_complaint_id IS NOT NULL;
