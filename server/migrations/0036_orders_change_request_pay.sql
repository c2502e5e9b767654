-- A change proposed for a taken order may change the pay too (S5.7a): NULL keeps it. On acceptance the
-- difference moves between the owner's wallet balance and the order's escrow in the same transaction.
ALTER TABLE order_change_requests ADD COLUMN pay_fen bigint CHECK (pay_fen IS NULL OR pay_fen > 0);
