import type { ColumnType, Generated } from 'kysely';

/**
 * Tables of the accounts module. Data class of every column in its comment:
 * L1 public · L2 internal · L3 personal (encrypted at rest, masked in responses) · L4 secret.
 */
export interface AccountsTables {
  users: {
    id: string; // L2
    kind: 'person' | 'enterprise' | 'staff'; // L2
    status: Generated<'active' | 'cancelled'>; // L2
    display_name: string; // L2 (a nickname the user chooses; erased on cancellation)
    phone_enc: string | null; // L3 encrypted ('users.phone')
    phone_idx: string | null; // L2 blind index (HMAC)
    email_enc: string | null; // L3 encrypted ('users.email')
    email_idx: string | null; // L2 blind index (HMAC)
    password_hash: string | null; // L4 argon2id
    locale: Generated<'zh-CN' | 'en-US'>; // L2
    avatar_url: string | null; // L2
    company_name: string | null; // L1 (public business registration data)
    credit_code_enc: string | null; // L3 encrypted ('users.credit_code')
    credit_code_idx: string | null; // L2 blind index
    roles: Generated<string[]>; // L2
    totp_secret_enc: string | null; // L4 encrypted ('users.totp_secret')
    password_changed_at: Date | null; // L2
    created_at: Date; // L2
    updated_at: Date; // L2
    cancelled_at: Date | null; // L2
  };
  sessions: {
    id: string; // L2
    user_id: string; // L2
    token_hash: string; // L4 SHA-256 of the token
    csrf_hash: string; // L4 SHA-256 of the CSRF token
    client: 'web' | 'app'; // L2
    ip: string | null; // L3 (network identifier, shown only to its owner)
    user_agent: string | null; // L2
    created_at: Date; // L2
    last_seen_at: Date; // L2
    expires_at: Date; // L2
    revoked_at: Date | null; // L2
    revoke_reason: string | null; // L2
  };
  verification_codes: {
    id: string; // L2
    purpose: 'register' | 'login' | 'reset' | 'change_contact'; // L2
    channel: 'sms' | 'email'; // L2
    destination_idx: string; // L2 blind index of the phone/e-mail
    user_id: string | null; // L2 (change_contact: who asked)
    code_mac: string; // L4 keyed MAC of the code
    attempts: Generated<number>; // L2
    created_at: Date; // L2
    expires_at: Date; // L2
    consumed_at: Date | null; // L2
  };
  security_audit: {
    id: string; // L2
    at: Date; // L2
    actor_id: string | null; // L2
    subject_id: string | null; // L2
    action: string; // L2
    result: 'success' | 'failure'; // L2
    ip: string | null; // L3 (network identifier; staff with audit:read only)
    user_agent: string | null; // L2
    detail: ColumnType<Record<string, unknown>, string | undefined, never>; // L2 (never holds L3 values in clear)
  };
}
