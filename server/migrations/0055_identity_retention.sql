-- Identity module: the legal retention period of a cancelled user's identity data (S7.2a, PIPL; 电子商务法
-- Art. 31: at least three years). When it ends, the daily purge deletes the document files and erases every
-- L3 value of the records; the rows stay (ids, statuses and dates, L2) so the audit trail keeps its
-- references, and `purged_at` says when.

-- Cancelled users whose identity data is kept until `cancelled_at` + IDENTITY_RETENTION_DAYS (L2).
CREATE TABLE identity_retention (
  user_id uuid PRIMARY KEY,
  cancelled_at timestamptz NOT NULL,
  purged_at timestamptz
);
CREATE INDEX identity_retention_due_idx ON identity_retention (cancelled_at) WHERE purged_at IS NULL;

-- Users cancelled before this migration who left identity data behind.
INSERT INTO identity_retention (user_id, cancelled_at)
SELECT u.id, u.cancelled_at
FROM users u
WHERE u.status = 'cancelled' AND u.cancelled_at IS NOT NULL
  AND EXISTS (SELECT 1 FROM identity_files f WHERE f.owner_id = u.id)
ON CONFLICT DO NOTHING;

-- A purged record has no L3 value left.
ALTER TABLE identity_verifications ADD COLUMN purged_at timestamptz;
ALTER TABLE identity_verifications ALTER COLUMN person_name_enc DROP NOT NULL;
ALTER TABLE identity_verifications ALTER COLUMN id_number_enc DROP NOT NULL;
ALTER TABLE identity_verifications ALTER COLUMN id_number_idx DROP NOT NULL;
ALTER TABLE identity_verifications DROP CONSTRAINT identity_verifications_check;
ALTER TABLE identity_verifications ADD CONSTRAINT identity_verifications_check CHECK (
  (purged_at IS NULL AND person_name_enc IS NOT NULL AND id_number_enc IS NOT NULL AND id_number_idx IS NOT NULL
    AND (kind = 'person' OR (company_name_enc IS NOT NULL AND credit_code_idx IS NOT NULL AND license_file_id IS NOT NULL)))
  OR (purged_at IS NOT NULL AND person_name_enc IS NULL AND id_number_enc IS NULL AND id_number_idx IS NULL
    AND company_name_enc IS NULL AND credit_code_enc IS NULL AND credit_code_idx IS NULL)
);

-- A purged file's bytes are gone; the hash of the plaintext goes with them.
ALTER TABLE identity_files ADD COLUMN purged_at timestamptz;
ALTER TABLE identity_files ALTER COLUMN sha256 DROP NOT NULL;
ALTER TABLE identity_files ADD CONSTRAINT identity_files_purged_check CHECK (purged_at IS NULL OR sha256 IS NULL);

-- The purge is audited like every other step of a record.
ALTER TABLE identity_audit DROP CONSTRAINT identity_audit_action_check;
ALTER TABLE identity_audit ADD CONSTRAINT identity_audit_action_check CHECK (action IN ('submitted', 'auto_approved', 'auto_rejected',
  'approved', 'rejected', 'withdrawn', 'superseded', 'expired', 'expiry_warned', 'file_viewed', 'purged'));
