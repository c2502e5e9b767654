-- The analysis rollups are refreshed in small steps, each its own short transaction (S6.2; see
-- docs/performance.md, "Rollup refresh in steps"). A run first queues the shift days to recompute here,
-- in the same transaction that advances stats_state.orders_watermark; each later step takes a few
-- queued days, recomputes them and removes them in one transaction. A run stopped between steps (crash,
-- time budget) so leaves its remaining days queued for the next run: no change is ever skipped.
CREATE TABLE stats_pending_days (
  day date PRIMARY KEY,           -- shift day in China time
  queued_at timestamptz NOT NULL  -- the oldest queued days go first
);
CREATE INDEX stats_pending_days_queue_idx ON stats_pending_days (queued_at, day);
