import type { Actor } from '../../platform/auth.ts';
import type { Platform } from '../../platform/platform.ts';
import { maskEmail, maskPhone } from './contact.ts';
import { permissionsOf } from './policy.ts';
import type { AuditRow, SessionRow, UserRow } from './repo.ts';

/** Row → API shape. L3 data leaves only masked (138****0001, z***@example.com). */

const maskCredit = (v: string) => `${v.slice(0, 4)}**********${v.slice(-4)}`;

export function presentMe(p: Platform, u: UserRow) {
  const phone = u.phone_enc ? p.keyring.decrypt(u.phone_enc, 'users.phone') : null;
  const email = u.email_enc ? p.keyring.decrypt(u.email_enc, 'users.email') : null;
  const credit = u.credit_code_enc ? p.keyring.decrypt(u.credit_code_enc, 'users.credit_code') : null;
  return {
    id: u.id,
    kind: u.kind,
    displayName: u.display_name,
    phone: phone ? maskPhone(phone) : null,
    email: email ? maskEmail(email) : null,
    locale: u.locale,
    avatarUrl: u.avatar_url,
    roles: u.kind === 'staff' ? u.roles : [],
    permissions: [...permissionsOf(u.kind, u.roles)].sort(),
    enterprise: u.kind === 'enterprise' ? { companyName: u.company_name ?? '', creditCode: credit ? maskCredit(credit) : null } : null,
    createdAt: u.created_at.toISOString(),
  };
}

export function presentSession(s: SessionRow, actor: Actor) {
  return {
    id: s.id,
    client: s.client,
    ip: s.ip,
    userAgent: s.user_agent,
    createdAt: s.created_at.toISOString(),
    lastSeenAt: s.last_seen_at.toISOString(),
    expiresAt: s.expires_at.toISOString(),
    current: s.id === actor.sessionId,
  };
}

export function presentStaff(p: Platform, u: UserRow) {
  const email = u.email_enc ? p.keyring.decrypt(u.email_enc, 'users.email') : null;
  const phone = u.phone_enc ? p.keyring.decrypt(u.phone_enc, 'users.phone') : null;
  return {
    id: u.id,
    displayName: u.display_name,
    email: email ? maskEmail(email) : null,
    phone: phone ? maskPhone(phone) : null,
    roles: u.roles,
    status: u.status,
    createdAt: u.created_at.toISOString(),
  };
}

export function presentAudit(a: AuditRow) {
  return {
    id: a.id,
    at: a.at.toISOString(),
    actorId: a.actor_id,
    subjectId: a.subject_id,
    action: a.action,
    result: a.result,
    ip: a.ip,
    userAgent: a.user_agent,
    detail: a.detail,
  };
}
