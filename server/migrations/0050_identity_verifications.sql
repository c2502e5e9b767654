-- Identity module: real-name verification of persons and enterprises (S5.2a/b/c, S7.2a).
-- Every L3 value (names, ID numbers, credit codes) is AES-256-GCM ciphertext from the keyring; lookups
-- go through HMAC blind indexes. Uploaded documents are encrypted files outside the web root.

-- Uploaded document images/PDFs. The bytes live encrypted at `storage_key` (never public). L2 metadata.
CREATE TABLE identity_files (
  id uuid PRIMARY KEY,
  owner_id uuid NOT NULL,
  purpose text NOT NULL CHECK (purpose IN ('id_front', 'id_back', 'business_license')),
  mime text NOT NULL CHECK (mime IN ('image/jpeg', 'image/png', 'application/pdf')),
  size_bytes int NOT NULL CHECK (size_bytes > 0),
  sha256 text NOT NULL,
  storage_key text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL
);
CREATE INDEX identity_files_owner_idx ON identity_files (owner_id, created_at DESC);

-- One submission of verification data. Resubmission adds a row; older rows stay for audit (S5.2c).
CREATE TABLE identity_verifications (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL,
  kind text NOT NULL CHECK (kind IN ('person', 'enterprise')),
  status text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'withdrawn', 'superseded', 'expired')),
  -- person: the holder; enterprise: the legal representative (L3, encrypted)
  person_name_enc text NOT NULL,
  id_number_enc text NOT NULL,
  id_number_idx text NOT NULL,
  id_front_file_id uuid NOT NULL REFERENCES identity_files (id),
  id_back_file_id uuid NOT NULL REFERENCES identity_files (id),
  id_valid_until timestamptz,
  -- enterprise only (L3, encrypted; the index finds duplicates)
  company_name_enc text,
  credit_code_enc text,
  credit_code_idx text,
  license_file_id uuid REFERENCES identity_files (id),
  license_valid_until timestamptz,
  -- the earliest expiry of the documents above (null: long-term); drives the expiry sweep
  valid_until timestamptz,
  provider_result text NOT NULL,
  reject_reason text,
  decided_by text CHECK (decided_by IN ('auto', 'staff')),
  reviewer_id uuid,
  decided_at timestamptz,
  expiry_warned_at timestamptz,
  submitted_at timestamptz NOT NULL,
  CHECK (kind = 'person' OR (company_name_enc IS NOT NULL AND credit_code_idx IS NOT NULL AND license_file_id IS NOT NULL))
);
-- At most one submission in review and one approved record per user.
CREATE UNIQUE INDEX identity_verifications_one_pending ON identity_verifications (user_id) WHERE status = 'pending';
CREATE UNIQUE INDEX identity_verifications_one_approved ON identity_verifications (user_id) WHERE status = 'approved';
CREATE INDEX identity_verifications_user_idx ON identity_verifications (user_id, submitted_at DESC);
CREATE INDEX identity_verifications_queue_idx ON identity_verifications (submitted_at) WHERE status = 'pending';
CREATE INDEX identity_verifications_expiry_idx ON identity_verifications (valid_until) WHERE status = 'approved';

-- Who holds an identifier (blind index of an ID number or credit code): one identifier, one account.
CREATE TABLE identity_claims (
  claim text PRIMARY KEY,
  user_id uuid NOT NULL,
  claimed_at timestamptz NOT NULL
);

-- Append-only audit of every decision and every staff view of a document (L2).
CREATE TABLE identity_audit (
  id uuid PRIMARY KEY,
  verification_id uuid REFERENCES identity_verifications (id),
  file_id uuid REFERENCES identity_files (id),
  actor_id uuid,
  action text NOT NULL CHECK (action IN ('submitted', 'auto_approved', 'auto_rejected', 'approved', 'rejected', 'withdrawn', 'superseded', 'expired', 'expiry_warned', 'file_viewed')),
  reason text,
  ip text,
  at timestamptz NOT NULL
);
CREATE INDEX identity_audit_verification_idx ON identity_audit (verification_id, at);
CREATE INDEX identity_audit_file_idx ON identity_audit (file_id, at);

CREATE FUNCTION identity_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'identity_audit is append-only';
END $$;
CREATE TRIGGER identity_audit_no_change BEFORE UPDATE OR DELETE ON identity_audit
  FOR EACH ROW EXECUTE FUNCTION identity_audit_append_only();
CREATE TRIGGER identity_audit_no_truncate BEFORE TRUNCATE ON identity_audit
  FOR EACH STATEMENT EXECUTE FUNCTION identity_audit_append_only();
REVOKE UPDATE, DELETE, TRUNCATE ON identity_audit FROM PUBLIC;
