import { AppError } from '../../platform/errors.ts';
import type { Executor } from '../../platform/db.ts';
import type { Module } from '../../platform/module.ts';
import type { Platform } from '../../platform/platform.ts';
import './errors.ts';
import { identityRoutes } from './routes.ts';
import { firstApprovedAt, listApprovedEnterprises } from './repo.ts';
import { maskName } from './checksums.ts';
import { CTX, purgeExpiredRetention, releaseCancelledUser, sweepIdentityExpiry, verificationState } from './service.ts';
import { USER_CANCELLED } from '../accounts/index.ts';

export { setVerificationProvider, embeddedProvider, TEST_PERSONS, TEST_COMPANIES, type VerificationProvider } from './provider.ts';
export { setFileStore, sweepIdentityExpiry, purgeExpiredRetention } from './service.ts';
export type { FileStore } from './storage.ts';

/** The daily job that expires verifications and warns 30 days ahead. */
export const IDENTITY_EXPIRY_JOB = 'identity.expiry-sweep';
/** The daily job that purges a cancelled user's identity data when the retention period ends (S7.2a). */
export const IDENTITY_RETENTION_JOB = 'identity.retention-purge';

/**
 * True when the user holds an approved real-name verification whose documents are still valid.
 * For read-only decisions (badges, filters); use requireVerified to gate an action.
 */
export async function isVerified(p: Platform, userId: string, db: Executor = p.db): Promise<boolean> {
  return (await verificationState(db, userId, p.clock.now())).verified;
}

/**
 * Gate for taking and posting orders and withdrawing (S5.2): throws IDENTITY_NOT_VERIFIED (403) or
 * IDENTITY_VERIFICATION_EXPIRED (403) with a message the user can act on.
 */
export async function requireVerified(p: Platform, userId: string, db: Executor = p.db): Promise<void> {
  const state = await verificationState(db, userId, p.clock.now());
  if (state.verified) return;
  throw new AppError(state.reason === 'expired' ? 'IDENTITY_VERIFICATION_EXPIRED' : 'IDENTITY_NOT_VERIFIED');
}

/**
 * The masked real name of a user (`张*`) from their approved verification (for an enterprise, the
 * legal representative), or null when never verified: for certificates and order views.
 */
export async function findMaskedRealName(p: Platform, userId: string, db: Executor = p.db): Promise<string | null> {
  const { record } = await verificationState(db, userId, p.clock.now());
  return record?.person_name_enc ? maskName(p.keyring.decrypt(record.person_name_enc, CTX.personName)) : null;
}

/** Since when the user has been a verified member of the platform (first approval), or null. */
export async function verifiedSince(p: Platform, userId: string, db: Executor = p.db): Promise<Date | null> {
  return (await firstApprovedAt(db, userId)) ?? null;
}

/**
 * The unified social credit codes of verified enterprises among `userIds` (one query): user id →
 * code; persons and unverified users are absent. For orders to show the employer's labor risk.
 */
export async function findVerifiedCreditCodes(p: Platform, userIds: readonly string[], db: Executor = p.db): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const r of await listApprovedEnterprises(db, [...new Set(userIds)]))
    if (r.credit_code_enc) out.set(r.user_id, p.keyring.decrypt(r.credit_code_enc, CTX.creditCode));
  return out;
}

/** Real-name verification of persons and enterprises (S5.2a/b/c). */
export const identityModule: Module = {
  name: 'identity',
  register(app, p) {
    identityRoutes(app, p);
    p.jobs.define(IDENTITY_EXPIRY_JOB, async () => void (await sweepIdentityExpiry(p)), { cron: '10 2 * * *' });
    p.jobs.define(IDENTITY_RETENTION_JOB, async () => void (await purgeExpiredRetention(p)), { cron: '40 3 * * *' });
    p.jobs.subscribe<{ userId: string }>(USER_CANCELLED, 'identityReleaseCancelledUser', (event, tx) =>
      releaseCancelledUser(p, tx, event.payload.userId),
    );
  },
};
