import { sql } from 'kysely';
import type { Executor } from '../../platform/db.ts';
import type { NotificationCategory } from './index.ts';
import type { CopyChannel, MessagesTables } from './tables.ts';

/** A notification row as stored. */
export type NotificationRow = MessagesTables['notifications'];
export type PreferenceRow = MessagesTables['notification_preferences'];

/** Hands out the user's next sequence number; the counter row stays locked until the caller commits. */
export async function nextSeq(db: Executor, userId: string): Promise<number> {
  const row = await db
    .insertInto('notification_counters')
    .values({ user_id: userId, last_seq: 1 })
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ last_seq: sql<number>`notification_counters.last_seq + 1` }))
    .returning('last_seq')
    .executeTakeFirstOrThrow();
  return Number(row.last_seq);
}

/** Inserts a notification unless one already exists for the same source event; returns the row or undefined. */
export async function insertNotification(db: Executor, row: NotificationRow): Promise<NotificationRow | undefined> {
  return db
    .insertInto('notifications')
    .values(row)
    .onConflict((oc) => oc.column('source_event_id').doNothing())
    .returningAll()
    .executeTakeFirst();
}

export async function findNotification(db: Executor, userId: string, id: string): Promise<NotificationRow | undefined> {
  return db.selectFrom('notifications').selectAll().where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
}

export async function findNotificationById(db: Executor, id: string): Promise<NotificationRow | undefined> {
  return db.selectFrom('notifications').selectAll().where('id', '=', id).executeTakeFirst();
}

export interface ListFilter {
  category?: NotificationCategory | undefined;
  /** true → only unread, false → only read, undefined → both. */
  unread?: boolean | undefined;
  /** Keyset: only rows with a smaller seq (newest first). */
  beforeSeq?: number | undefined;
  limit: number;
}

/** A user's notifications, newest first. */
export async function listNotifications(db: Executor, userId: string, f: ListFilter): Promise<NotificationRow[]> {
  let q = db.selectFrom('notifications').selectAll().where('user_id', '=', userId);
  if (f.category) q = q.where('category', '=', f.category);
  if (f.unread === true) q = q.where('read_at', 'is', null);
  if (f.unread === false) q = q.where('read_at', 'is not', null);
  if (f.beforeSeq !== undefined) q = q.where('seq', '<', f.beforeSeq);
  return q.orderBy('seq', 'desc').limit(f.limit).execute();
}

/** Notifications after a sequence number, oldest first: what a reconnecting stream missed. */
export async function listAfterSeq(db: Executor, userId: string, afterSeq: number, limit: number): Promise<NotificationRow[]> {
  return db
    .selectFrom('notifications')
    .selectAll()
    .where('user_id', '=', userId)
    .where('seq', '>', afterSeq)
    .orderBy('seq', 'asc')
    .limit(limit)
    .execute();
}

/** The user's highest sequence number handed out so far (0 when none). */
export async function lastSeq(db: Executor, userId: string): Promise<number> {
  const row = await db.selectFrom('notification_counters').select('last_seq').where('user_id', '=', userId).executeTakeFirst();
  return row ? Number(row.last_seq) : 0;
}

/** Unread notifications per category. */
export async function countUnread(db: Executor, userId: string): Promise<{ category: NotificationCategory; n: number }[]> {
  const rows = await db
    .selectFrom('notifications')
    .select(['category', (eb) => eb.fn.countAll<string>().as('n')])
    .where('user_id', '=', userId)
    .where('read_at', 'is', null)
    .groupBy('category')
    .execute();
  return rows.map((r) => ({ category: r.category, n: Number(r.n) }));
}

/** Marks one of the user's notifications read (keeps the first read time); returns the row, or undefined if not theirs. */
export async function markRead(db: Executor, userId: string, id: string, at: Date): Promise<NotificationRow | undefined> {
  return db
    .updateTable('notifications')
    .set({ read_at: sql<Date>`coalesce(read_at, ${at})` })
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .returningAll()
    .executeTakeFirst();
}

/** Marks all the user's unread notifications (of a category) read; returns how many changed. */
export async function markAllRead(db: Executor, userId: string, at: Date, category?: NotificationCategory): Promise<number> {
  let q = db.updateTable('notifications').set({ read_at: at }).where('user_id', '=', userId).where('read_at', 'is', null);
  if (category) q = q.where('category', '=', category);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows);
}

export async function listPreferences(db: Executor, userId: string): Promise<PreferenceRow[]> {
  return db.selectFrom('notification_preferences').selectAll().where('user_id', '=', userId).execute();
}

export async function upsertPreference(db: Executor, row: PreferenceRow): Promise<void> {
  await db
    .insertInto('notification_preferences')
    .values(row)
    .onConflict((oc) => oc.columns(['user_id', 'category']).doUpdateSet({ sms: row.sms, email: row.email, updated_at: row.updated_at }))
    .execute();
}

/** Whether this copy already went out. */
export async function copySent(db: Executor, notificationId: string, channel: CopyChannel): Promise<boolean> {
  const row = await db
    .selectFrom('notification_copies')
    .select('sent_at')
    .where('notification_id', '=', notificationId)
    .where('channel', '=', channel)
    .executeTakeFirst();
  return !!row;
}

/** Records a copy the provider accepted. */
export async function recordCopy(db: Executor, notificationId: string, channel: CopyChannel, at: Date): Promise<void> {
  await db
    .insertInto('notification_copies')
    .values({ notification_id: notificationId, channel, sent_at: at })
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/** Erases everything the message center holds about a user (account cancelled, PIPL erasure). */
export async function deleteUserData(db: Executor, userId: string): Promise<void> {
  await db.deleteFrom('notifications').where('user_id', '=', userId).execute();
  await db.deleteFrom('notification_preferences').where('user_id', '=', userId).execute();
  await db.deleteFrom('notification_counters').where('user_id', '=', userId).execute();
}

/** Deletes notifications read before `cutoff` (retention). */
export async function deleteReadBefore(db: Executor, cutoff: Date): Promise<number> {
  const r = await db.deleteFrom('notifications').where('read_at', '<', cutoff).executeTakeFirst();
  return Number(r.numDeletedRows);
}
