import type { Module } from '../../platform/module.ts';
import type { Platform } from '../../platform/platform.ts';
import { registerRoutes } from './routes.ts';
import { installSessionHook } from './sessions.ts';
import { bootstrapAccounts } from './staff.ts';
import { findUserById } from './repo.ts';
import './errors.ts';

/**
 * Accounts: registration, sign-in, sessions, profile, cancellation, staff and roles, security audit
 * (S5.1, S5.3, S6.1, S7.2a). Other modules use only what is exported here.
 */

export { audit, type AuditEntry } from './audit.ts';
export { registerObligationCheck, type ObligationCheck } from './obligations.ts';
export { ROLE_PERMISSIONS, PERSON_PERMISSIONS, ENTERPRISE_PERMISSIONS, STAFF_ROLES, type StaffRole } from './policy.ts';
export { USER_REGISTERED, USER_CANCELLED } from './service.ts';
export { parseCreditCode } from './credit-code.ts';

/** How the message center reaches a user: decrypted phone/e-mail and preferred language. */
export interface UserContact {
  userId: string;
  phone: string | null;
  email: string | null;
  locale: 'zh-CN' | 'en-US';
}

/** The contact of an active user, or undefined (unknown or cancelled: nobody to reach). */
export async function findContact(p: Platform, userId: string): Promise<UserContact | undefined> {
  const u = await findUserById(p.db, userId);
  if (!u || u.status !== 'active') return undefined;
  return {
    userId: u.id,
    phone: u.phone_enc ? p.keyring.decrypt(u.phone_enc, 'users.phone') : null,
    email: u.email_enc ? p.keyring.decrypt(u.email_enc, 'users.email') : null,
    locale: u.locale,
  };
}

/** Public facts about an account for other modules (no personal data). */
export interface AccountSummary {
  userId: string;
  kind: 'person' | 'enterprise' | 'staff';
  status: 'active' | 'cancelled';
  displayName: string;
  companyName: string | null;
  roles: string[];
}

export async function findAccount(p: Platform, userId: string): Promise<AccountSummary | undefined> {
  const u = await findUserById(p.db, userId);
  if (!u) return undefined;
  return { userId: u.id, kind: u.kind, status: u.status, displayName: u.display_name, companyName: u.company_name, roles: u.roles };
}

export const accountsModule: Module = {
  name: 'accounts',
  register(app, p) {
    installSessionHook(app, p);
    registerRoutes(app, p);
  },
  async onReady(p) {
    await bootstrapAccounts(p);
  },
};
