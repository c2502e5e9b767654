import { sql, type Insertable, type Selectable, type Updateable } from 'kysely';
import type { Executor } from '../../platform/db.ts';
import type { AccountsTables } from './tables.ts';

/** Kysely queries on the accounts module's own tables. Every function takes the executor first. */

export type UserRow = Selectable<AccountsTables['users']>;
export type SessionRow = Selectable<AccountsTables['sessions']>;
export type CodeRow = Selectable<AccountsTables['verification_codes']>;
export type AuditRow = Selectable<AccountsTables['security_audit']>;

// ---- users

export async function insertUser(ex: Executor, row: Insertable<AccountsTables['users']>): Promise<void> {
  await ex.insertInto('users').values(row).execute();
}

export function findUserById(ex: Executor, id: string): Promise<UserRow | undefined> {
  return ex.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findUserByContactIdx(ex: Executor, channel: 'sms' | 'email', idx: string): Promise<UserRow | undefined> {
  return ex
    .selectFrom('users')
    .selectAll()
    .where(channel === 'sms' ? 'phone_idx' : 'email_idx', '=', idx)
    .executeTakeFirst();
}

export async function updateUser(ex: Executor, id: string, patch: Updateable<AccountsTables['users']>): Promise<void> {
  await ex.updateTable('users').set(patch).where('id', '=', id).execute();
}

export async function countUsers(ex: Executor): Promise<number> {
  const r = await ex
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function countActiveAdmins(ex: Executor): Promise<number> {
  const r = await ex
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('kind', '=', 'staff')
    .where('status', '=', 'active')
    .where(sql<boolean>`'admin' = ANY(roles)`)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export function listStaff(ex: Executor): Promise<UserRow[]> {
  return ex.selectFrom('users').selectAll().where('kind', '=', 'staff').orderBy('created_at').orderBy('id').execute();
}

/** Serialises first-start bootstrap across processes (transaction-scoped advisory lock). */
export async function lockBootstrap(ex: Executor): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(${0x0d1b4b})`.execute(ex);
}

// ---- sessions

export async function insertSession(ex: Executor, row: Insertable<AccountsTables['sessions']>): Promise<void> {
  await ex.insertInto('sessions').values(row).execute();
}

/** A session with what the request needs to know about its user. */
export interface SessionWithUser extends SessionRow {
  kind: UserRow['kind'];
  roles: string[];
  user_status: UserRow['status'];
}

export function findSessionByTokenHash(ex: Executor, tokenHash: string): Promise<SessionWithUser | undefined> {
  return ex
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .selectAll('sessions')
    .select(['users.kind', 'users.roles', 'users.status as user_status'])
    .where('sessions.token_hash', '=', tokenHash)
    .executeTakeFirst();
}

/** Writes the queued last-seen times of many sessions in one statement (never moves one back). */
export async function touchSessions(ex: Executor, touches: ReadonlyArray<readonly [id: string, at: Date]>): Promise<void> {
  if (!touches.length) return;
  const ids = touches.map(([id]) => id);
  const ats = touches.map(([, at]) => at.toISOString());
  await sql`
    UPDATE sessions AS s SET last_seen_at = t.at
    FROM unnest(${ids}::uuid[], ${ats}::timestamptz[]) AS t(id, at)
    WHERE s.id = t.id AND s.last_seen_at < t.at`.execute(ex);
}

/** Ends one session of a user; false when it is not theirs or already ended. */
export async function revokeSession(ex: Executor, userId: string, id: string, reason: string, now: Date): Promise<boolean> {
  const r = await ex
    .updateTable('sessions')
    .set({ revoked_at: now, revoke_reason: reason })
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Ends every live session of a user, optionally keeping one; returns how many ended. */
export async function revokeUserSessions(ex: Executor, userId: string, reason: string, now: Date, exceptId?: string): Promise<number> {
  let q = ex
    .updateTable('sessions')
    .set({ revoked_at: now, revoke_reason: reason })
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now);
  if (exceptId) q = q.where('id', '<>', exceptId);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Live (not revoked, not past either timeout) sessions of a user, newest first. */
export function listLiveSessions(ex: Executor, userId: string, now: Date, idleSince: Date): Promise<SessionRow[]> {
  return ex
    .selectFrom('sessions')
    .selectAll()
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .where('last_seen_at', '>', idleSince)
    .orderBy('created_at', 'desc')
    .limit(100)
    .execute();
}

// ---- verification codes

export async function insertCode(ex: Executor, row: Insertable<AccountsTables['verification_codes']>): Promise<void> {
  await ex.insertInto('verification_codes').values(row).execute();
}

/** The newest code for a purpose and destination; older ones are superseded by it. */
export function latestCode(ex: Executor, purpose: CodeRow['purpose'], destinationIdx: string): Promise<CodeRow | undefined> {
  return ex
    .selectFrom('verification_codes')
    .selectAll()
    .where('purpose', '=', purpose)
    .where('destination_idx', '=', destinationIdx)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** Spends one of the code's tries before comparing, so concurrent guesses cannot exceed the limit. */
export async function reserveCodeAttempt(ex: Executor, id: string, maxAttempts: number, now: Date): Promise<boolean> {
  const r = await ex
    .updateTable('verification_codes')
    .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
    .where('id', '=', id)
    .where('attempts', '<', maxAttempts)
    .where('consumed_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Marks a code used; exactly one of several racing requests wins. */
export async function consumeCode(ex: Executor, id: string, now: Date): Promise<boolean> {
  const r = await ex
    .updateTable('verification_codes')
    .set({ consumed_at: now })
    .where('id', '=', id)
    .where('consumed_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

// ---- security audit

export async function insertAudit(ex: Executor, row: Insertable<AccountsTables['security_audit']>): Promise<void> {
  await ex.insertInto('security_audit').values(row).execute();
}

export interface AuditFilter {
  actorId?: string | undefined;
  subjectId?: string | undefined;
  action?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  /** Keyset: rows strictly older than (at, id). */
  before?: { at: Date; id: string } | undefined;
  limit: number;
}

export function listAudit(ex: Executor, f: AuditFilter): Promise<AuditRow[]> {
  let q = ex.selectFrom('security_audit').selectAll();
  if (f.actorId) q = q.where('actor_id', '=', f.actorId);
  if (f.subjectId) q = q.where('subject_id', '=', f.subjectId);
  if (f.action) q = q.where('action', '=', f.action);
  if (f.from) q = q.where('at', '>=', f.from);
  if (f.to) q = q.where('at', '<', f.to);
  if (f.before) {
    const b = f.before;
    q = q.where((eb) => eb.or([eb('at', '<', b.at), eb.and([eb('at', '=', b.at), eb('id', '<', b.id)])]));
  }
  return q.orderBy('at', 'desc').orderBy('id', 'desc').limit(f.limit).execute();
}
