import type { Executor } from '../../platform/db.ts';
import type { IdentityTables, VerificationStatus } from './tables.ts';

type FileRow = IdentityTables['identity_files'];
type VerificationRow = IdentityTables['identity_verifications'];
type AuditRow = IdentityTables['identity_audit'];

export type { FileRow, VerificationRow };

export async function insertFile(db: Executor, row: FileRow): Promise<void> {
  await db.insertInto('identity_files').values(row).execute();
}

export async function findFile(db: Executor, id: string): Promise<FileRow | undefined> {
  return db.selectFrom('identity_files').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function insertVerification(db: Executor, row: VerificationRow): Promise<void> {
  await db.insertInto('identity_verifications').values(row).execute();
}

export async function findVerification(db: Executor, id: string): Promise<VerificationRow | undefined> {
  return db.selectFrom('identity_verifications').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listVerificationsOfUser(db: Executor, userId: string): Promise<VerificationRow[]> {
  return db
    .selectFrom('identity_verifications')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('submitted_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
}

export async function findApproved(db: Executor, userId: string): Promise<VerificationRow | undefined> {
  return db
    .selectFrom('identity_verifications')
    .selectAll()
    .where('user_id', '=', userId)
    .where('status', '=', 'approved')
    .where('purged_at', 'is', null)
    .executeTakeFirst();
}

/** Approved enterprise verifications of many users (one query), for the employer's credit code. */
export async function listApprovedEnterprises(db: Executor, userIds: readonly string[]): Promise<VerificationRow[]> {
  if (!userIds.length) return [];
  return db
    .selectFrom('identity_verifications')
    .selectAll()
    .where('user_id', 'in', [...userIds])
    .where('status', '=', 'approved')
    .where('kind', '=', 'enterprise')
    .where('purged_at', 'is', null)
    .execute();
}

/** The latest record of a user that is expired (to tell "expired" from "never verified"). */
export async function findLatestExpired(db: Executor, userId: string): Promise<VerificationRow | undefined> {
  return db
    .selectFrom('identity_verifications')
    .selectAll()
    .where('user_id', '=', userId)
    .where('status', '=', 'expired')
    .where('purged_at', 'is', null)
    .orderBy('submitted_at', 'desc')
    .executeTakeFirst();
}

/** Moves a record between states only from the expected one: concurrent deciders get exactly one winner. */
export async function transition(
  db: Executor,
  id: string,
  from: VerificationStatus,
  to: VerificationStatus,
  set: Partial<Pick<VerificationRow, 'reject_reason' | 'decided_by' | 'reviewer_id' | 'decided_at'>> = {},
): Promise<VerificationRow | undefined> {
  return db
    .updateTable('identity_verifications')
    .set({ status: to, ...set })
    .where('id', '=', id)
    .where('status', '=', from)
    .returningAll()
    .executeTakeFirst();
}

export async function findPendingOfUser(db: Executor, userId: string): Promise<VerificationRow | undefined> {
  return db
    .selectFrom('identity_verifications')
    .selectAll()
    .where('user_id', '=', userId)
    .where('status', '=', 'pending')
    .executeTakeFirst();
}

/** The review queue, oldest first, keyset-paginated on (submitted_at, id). */
export async function listPending(
  db: Executor,
  opts: { after?: { at: string; id: string } | undefined; limit: number },
): Promise<VerificationRow[]> {
  let q = db.selectFrom('identity_verifications').selectAll().where('status', '=', 'pending');
  if (opts.after) {
    const at = new Date(opts.after.at);
    const id = opts.after.id;
    q = q.where((eb) => eb.or([eb('submitted_at', '>', at), eb.and([eb('submitted_at', '=', at), eb('id', '>', id)])]));
  }
  return q.orderBy('submitted_at').orderBy('id').limit(opts.limit).execute();
}

/** Claims an identifier for a user; returns the holder after the attempt (possibly someone else). */
export async function claim(db: Executor, key: string, userId: string, at: Date): Promise<string> {
  await db
    .insertInto('identity_claims')
    .values({ claim: key, user_id: userId, claimed_at: at })
    .onConflict((oc) => oc.doNothing())
    .execute();
  const row = await db.selectFrom('identity_claims').select('user_id').where('claim', '=', key).forUpdate().executeTakeFirstOrThrow();
  return row.user_id;
}

export async function transferClaim(db: Executor, key: string, fromUser: string, toUser: string, at: Date): Promise<boolean> {
  const r = await db
    .updateTable('identity_claims')
    .set({ user_id: toUser, claimed_at: at })
    .where('claim', '=', key)
    .where('user_id', '=', fromUser)
    .executeTakeFirst();
  return r.numUpdatedRows > 0n;
}

/** Whether a user has a submission in review or approved that uses this blind index. */
export async function hasActiveWithIndex(
  db: Executor,
  userId: string,
  column: 'id_number_idx' | 'credit_code_idx',
  idx: string,
): Promise<boolean> {
  const row = await db
    .selectFrom('identity_verifications')
    .select('id')
    .where('user_id', '=', userId)
    .where(column, '=', idx)
    .where('status', 'in', ['pending', 'approved'])
    .executeTakeFirst();
  return !!row;
}

export async function insertAudit(db: Executor, row: AuditRow): Promise<void> {
  await db.insertInto('identity_audit').values(row).execute();
}

export async function listAudit(db: Executor, verificationId: string): Promise<AuditRow[]> {
  return db.selectFrom('identity_audit').selectAll().where('verification_id', '=', verificationId).orderBy('at').orderBy('id').execute();
}

/** Approved records whose documents are past their validity. */
export async function listExpiredApproved(db: Executor, now: Date): Promise<VerificationRow[]> {
  return db.selectFrom('identity_verifications').selectAll().where('status', '=', 'approved').where('valid_until', '<=', now).execute();
}

/** Approved records expiring before `horizon` that have not been warned yet. */
export async function listExpiringUnwarned(db: Executor, now: Date, horizon: Date): Promise<VerificationRow[]> {
  return db
    .selectFrom('identity_verifications')
    .selectAll()
    .where('status', '=', 'approved')
    .where('valid_until', '>', now)
    .where('valid_until', '<=', horizon)
    .where('expiry_warned_at', 'is', null)
    .execute();
}

export async function markWarned(db: Executor, id: string, at: Date): Promise<boolean> {
  const r = await db
    .updateTable('identity_verifications')
    .set({ expiry_warned_at: at })
    .where('id', '=', id)
    .where('expiry_warned_at', 'is', null)
    .executeTakeFirst();
  return r.numUpdatedRows > 0n;
}

/** Frees every identifier a user holds (after account cancellation). */
export async function releaseClaims(db: Executor, userId: string): Promise<void> {
  await db.deleteFrom('identity_claims').where('user_id', '=', userId).execute();
}

/** When the user was first approved (any record that was ever approved), or undefined. */
export async function firstApprovedAt(db: Executor, userId: string): Promise<Date | undefined> {
  const row = await db
    .selectFrom('identity_verifications')
    .select((eb) => eb.fn.min('decided_at').as('at'))
    .where('user_id', '=', userId)
    .where('status', 'in', ['approved', 'superseded', 'expired'])
    .executeTakeFirst();
  return row?.at ? new Date(row.at as unknown as string | Date) : undefined;
}

// ---- retention of a cancelled user's identity data (S7.2a) ----

/** Starts the retention period of a cancelled user (idempotent: the first cancellation time is kept). */
export async function startRetention(db: Executor, userId: string, cancelledAt: Date): Promise<void> {
  await db
    .insertInto('identity_retention')
    .values({ user_id: userId, cancelled_at: cancelledAt, purged_at: null })
    .onConflict((oc) => oc.column('user_id').doNothing())
    .execute();
}

/** Cancelled users whose retention period ended at or before `cutoff` (cancelled then) and not yet purged. */
export async function listRetentionDue(db: Executor, cutoff: Date, limit: number): Promise<{ user_id: string; cancelled_at: Date }[]> {
  return db
    .selectFrom('identity_retention')
    .select(['user_id', 'cancelled_at'])
    .where('purged_at', 'is', null)
    .where('cancelled_at', '<=', cutoff)
    .orderBy('cancelled_at')
    .limit(limit)
    .execute();
}

/** The files of a user whose bytes are still stored. */
export async function listUnpurgedFilesOfOwner(db: Executor, ownerId: string): Promise<FileRow[]> {
  return db.selectFrom('identity_files').selectAll().where('owner_id', '=', ownerId).where('purged_at', 'is', null).execute();
}

/** Erases every L3 value of a user's records (the rows stay for the audit trail); returns their ids. */
export async function purgeVerificationsOfUser(db: Executor, userId: string, at: Date): Promise<string[]> {
  const rows = await db
    .updateTable('identity_verifications')
    .set({
      person_name_enc: null,
      id_number_enc: null,
      id_number_idx: null,
      company_name_enc: null,
      credit_code_enc: null,
      credit_code_idx: null,
      purged_at: at,
    })
    .where('user_id', '=', userId)
    .where('purged_at', 'is', null)
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

/** Marks files whose bytes were deleted (the plaintext's hash goes too). */
export async function markFilesPurged(db: Executor, ids: readonly string[], at: Date): Promise<void> {
  if (!ids.length) return;
  await db
    .updateTable('identity_files')
    .set({ sha256: null, purged_at: at })
    .where('id', 'in', [...ids])
    .execute();
}

/** Closes a retention period; false when another run closed it first. */
export async function finishRetention(db: Executor, userId: string, at: Date): Promise<boolean> {
  const r = await db
    .updateTable('identity_retention')
    .set({ purged_at: at })
    .where('user_id', '=', userId)
    .where('purged_at', 'is', null)
    .executeTakeFirst();
  return r.numUpdatedRows > 0n;
}
