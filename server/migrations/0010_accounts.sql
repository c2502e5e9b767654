-- Accounts (S5.1, S5.3, S6.1, S7.2a): users, sessions, one-time verification codes and the
-- append-only security audit. Column classes (L1 public · L2 internal · L3 personal · L4 secret)
-- are listed in server/src/modules/accounts/tables.ts.

CREATE TABLE users (
  id uuid PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('person', 'enterprise', 'staff')),
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'cancelled')),
  display_name text NOT NULL,
  -- L3: AES-256-GCM ciphertext plus a blind HMAC index for lookups and uniqueness.
  phone_enc text,
  phone_idx text UNIQUE,
  email_enc text,
  email_idx text UNIQUE,
  -- L4: argon2id hash; NULL once the account is cancelled.
  password_hash text,
  locale text NOT NULL DEFAULT 'zh-CN' CHECK (locale IN ('zh-CN', 'en-US')),
  avatar_url text,
  company_name text,
  credit_code_enc text,
  credit_code_idx text UNIQUE,
  roles text[] NOT NULL DEFAULT '{}',
  -- L4: TOTP secret of staff (encrypted).
  totp_secret_enc text,
  password_changed_at timestamptz,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  cancelled_at timestamptz,
  CONSTRAINT users_contact_present CHECK (status = 'cancelled' OR phone_idx IS NOT NULL OR email_idx IS NOT NULL),
  CONSTRAINT users_enterprise_code CHECK (kind <> 'enterprise' OR status = 'cancelled' OR credit_code_idx IS NOT NULL)
);
CREATE INDEX users_kind_idx ON users (kind, created_at);

CREATE TABLE sessions (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id),
  -- L4: SHA-256 of the 256-bit bearer token / cookie value; the token itself is never stored.
  token_hash text NOT NULL UNIQUE,
  csrf_hash text NOT NULL,
  client text NOT NULL CHECK (client IN ('web', 'app')),
  ip text,
  user_agent text,
  created_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  revoke_reason text
);
CREATE INDEX sessions_user_idx ON sessions (user_id, created_at DESC);

CREATE TABLE verification_codes (
  id uuid PRIMARY KEY,
  purpose text NOT NULL CHECK (purpose IN ('register', 'login', 'reset', 'change_contact')),
  channel text NOT NULL CHECK (channel IN ('sms', 'email')),
  destination_idx text NOT NULL,
  user_id uuid,
  code_mac text NOT NULL,
  attempts int NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  consumed_at timestamptz
);
CREATE INDEX verification_codes_lookup_idx ON verification_codes (purpose, destination_idx, created_at DESC);

-- GB/T 22239 security audit: who did what, when, from where, with what result. Append-only.
CREATE TABLE security_audit (
  id uuid PRIMARY KEY,
  at timestamptz NOT NULL,
  actor_id uuid,
  subject_id uuid,
  action text NOT NULL,
  result text NOT NULL CHECK (result IN ('success', 'failure')),
  ip text,
  user_agent text,
  detail jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX security_audit_at_idx ON security_audit (at DESC, id DESC);
CREATE INDEX security_audit_actor_idx ON security_audit (actor_id, at DESC);
CREATE INDEX security_audit_subject_idx ON security_audit (subject_id, at DESC);
CREATE INDEX security_audit_action_idx ON security_audit (action, at DESC);

CREATE FUNCTION security_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'security_audit is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER security_audit_no_change BEFORE UPDATE OR DELETE ON security_audit
  FOR EACH ROW EXECUTE FUNCTION security_audit_append_only();
CREATE TRIGGER security_audit_no_truncate BEFORE TRUNCATE ON security_audit
  FOR EACH STATEMENT EXECUTE FUNCTION security_audit_append_only();
-- Production runs the application under a role that never held these privileges (docs/accounts.md);
-- the trigger also stops a role that has them, short of disabling the trigger as table owner.
REVOKE UPDATE, DELETE, TRUNCATE ON security_audit FROM PUBLIC;
