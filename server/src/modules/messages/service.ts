import type { Executor, Tx } from '../../platform/db.ts';
import type { DomainEvent } from '../../platform/jobs.ts';
import { AppError } from '../../platform/errors.ts';
import { interpolate, negotiateLocale, type Locale } from '../../platform/i18n.ts';
import { newId } from '../../platform/ids.ts';
import { decodeCursor, encodeCursor } from '../../platform/schemas.ts';
import type { Platform } from '../../platform/platform.ts';
import type { NotificationCategory, NotificationRequest } from './index.ts';
import { lookupContact } from './contacts.ts';
import { MessagesErrors } from './errors.ts';
import { copyChannels, defaultPreference } from './policy.ts';
import {
  CATEGORIES,
  presentNotification,
  presentUnread,
  toStored,
  type NotificationView,
  type StoredNotification,
  type UnreadCounts,
} from './presenter.ts';
import * as repo from './repo.ts';
import type { CopyChannel } from './tables.ts';

/** Job names of the message center (both run after the notification's transaction commits). */
export const PUSH_JOB = 'messages.push';
export const COPY_JOB = 'messages.copy';
/** Daily purge of old read notifications. */
export const RETENTION_JOB = 'messages.retention';

/** What travels on the pub/sub channel `user:<id>` to every server process's SSE streams. */
export type LiveMessage =
  | { kind: 'notification'; notification: StoredNotification; unread: UnreadCounts }
  | { kind: 'unread'; unread: UnreadCounts }
  /** The account is gone: every stream of the user ends. */
  | { kind: 'closed' };

/** The pub/sub channel of one user's live messages. */
export const userChannel = (userId: string): string => `user:${userId}`;

const MAX_TEXT = 2000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const clip = (s: string, n: number) => (s.length > n ? s.slice(0, n - 1) + '…' : s);

/**
 * Applies a NOTIFICATION_REQUESTED event: stores the notification (rendered in both languages) with the
 * user's next sequence number, and queues — on the same transaction — the live push and one job per
 * SMS/e-mail copy. The copies run as their own retried jobs, so a failing provider never loses the
 * in-app notification. Idempotent by event id (also enforced by a unique column).
 */
export async function recordNotification(
  p: Platform,
  tx: Tx,
  event: DomainEvent<NotificationRequest>,
): Promise<StoredNotification | undefined> {
  const req = event.payload;
  const wellFormed =
    req &&
    typeof req.userId === 'string' &&
    UUID.test(req.userId) &&
    CATEGORIES.includes(req.category) &&
    typeof req.title?.zh === 'string' &&
    typeof req.title?.en === 'string' &&
    typeof req.body?.zh === 'string' &&
    typeof req.body?.en === 'string';
  if (!wellFormed) {
    // Retrying cannot fix a malformed request; drop it loudly instead of failing the job ten times.
    p.logger.error({ eventId: event.id }, 'malformed notification request dropped');
    return undefined;
  }
  const params = req.params ?? {};
  const seq = await repo.nextSeq(tx, req.userId);
  const row = await repo.insertNotification(tx, {
    id: newId(),
    user_id: req.userId,
    seq,
    category: req.category,
    title_zh: clip(interpolate(req.title.zh, params), 200),
    title_en: clip(interpolate(req.title.en, params), 200),
    body_zh: clip(interpolate(req.body.zh, params), MAX_TEXT),
    body_en: clip(interpolate(req.body.en, params), MAX_TEXT),
    link: req.link ?? null,
    mandatory_copy: req.mandatoryCopy === true,
    source_event_id: event.id,
    read_at: null,
    created_at: event.createdAt,
  });
  if (!row) return undefined; // the same event was applied before (the counter bump rolls back with nothing else)
  const prefs = await preferenceFor(tx, req.userId, req.category);
  for (const channel of copyChannels(prefs, row.mandatory_copy)) {
    await p.jobs.send(COPY_JOB, { notificationId: row.id, channel }, { tx });
  }
  await p.jobs.send(PUSH_JOB, { notificationId: row.id }, { tx });
  return toStored(row);
}

async function preferenceFor(db: Executor, userId: string, category: NotificationCategory) {
  const rows = await repo.listPreferences(db, userId);
  return rows.find((r) => r.category === category) ?? defaultPreference(category);
}

/** Publishes a committed notification and the new unread counts to every process holding the user's streams. */
export async function pushNotification(p: Platform, notificationId: string): Promise<void> {
  const row = await repo.findNotificationById(p.db, notificationId);
  if (!row) return;
  const unread = presentUnread(await repo.countUnread(p.db, row.user_id));
  const msg: LiveMessage = { kind: 'notification', notification: toStored(row), unread };
  await p.pubsub.publish(userChannel(row.user_id), msg);
}

/**
 * Sends one SMS or e-mail copy of a notification and records it, so a retried job does not send it
 * again; a provider failure throws and pg-boss retries the job with back-off. A user without that
 * contact on file gets no copy.
 */
export async function sendCopy(p: Platform, notificationId: string, channel: CopyChannel): Promise<'sent' | 'skipped'> {
  const row = await repo.findNotificationById(p.db, notificationId);
  if (!row) return 'skipped';
  const contact = await lookupContact(p, row.user_id);
  const to = channel === 'sms' ? contact?.phone : contact?.email;
  if (!contact || !to) {
    p.logger.info({ notificationId, channel }, 'no contact for notification copy; skipped');
    return 'skipped';
  }
  const en = contact.locale === 'en-US';
  const title = en ? row.title_en : row.title_zh;
  const body = en ? row.body_en : row.body_zh;
  // No transaction is held open across the provider call (PGlite has a single connection, and the dev
  // outbox writes through it). A crash between sending and recording repeats the copy: at-least-once.
  if (await repo.copySent(p.db, row.id, channel)) return 'skipped';
  if (channel === 'sms') {
    await p.delivery.send({ channel, to, text: en ? `[Dingban] ${title}: ${body}` : `【顶班】${title}：${body}` });
  } else {
    const link = row.link ? `\n\n${p.config.publicUrl}${row.link}` : '';
    await p.delivery.send({ channel, to, subject: `${en ? 'Dingban' : '顶班'} · ${title}`, text: `${body}${link}` });
  }
  await repo.recordCopy(p.db, row.id, channel, p.clock.now());
  return 'sent';
}

/**
 * The language to render texts in: the request's Accept-Language when it names zh or en, otherwise the
 * user's saved preference, otherwise zh-CN.
 */
export async function localeFor(p: Platform, userId: string, acceptLanguage: string | undefined): Promise<Locale> {
  if (acceptLanguage && /\b(zh|en)/i.test(acceptLanguage)) return negotiateLocale(acceptLanguage);
  const contact = await lookupContact(p, userId).catch(() => undefined);
  return contact?.locale ?? 'zh-CN';
}

export interface ListQuery {
  category?: NotificationCategory | undefined;
  status?: 'read' | 'unread' | 'all' | undefined;
  cursor?: string | undefined;
  limit?: number | undefined;
}

/** One page of the user's notifications, newest first (keyset on the per-user sequence). */
export async function findNotifications(
  p: Platform,
  userId: string,
  q: ListQuery,
  locale: Locale,
): Promise<{ items: NotificationView[]; nextCursor: string | null; locale: Locale }> {
  const limit = q.limit ?? 20;
  const cur = decodeCursor<{ s?: unknown }>(q.cursor);
  if (q.cursor && (!cur || typeof cur.s !== 'number')) throw new AppError('VALIDATION_FAILED', { detail: 'cursor' });
  const rows = await repo.listNotifications(p.db, userId, {
    category: q.category,
    unread: q.status === 'unread' ? true : q.status === 'read' ? false : undefined,
    beforeSeq: cur?.s as number | undefined,
    limit: limit + 1,
  });
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map((r) => presentNotification(toStored(r), locale)),
    nextCursor: rows.length > limit && last ? encodeCursor({ s: Number(last.seq) }) : null,
    locale,
  };
}

/** The badge numbers: unread per category and in total. */
export async function getUnreadCounts(p: Platform, userId: string): Promise<UnreadCounts> {
  return presentUnread(await repo.countUnread(p.db, userId));
}

async function announceUnread(p: Platform, userId: string, unread: UnreadCounts) {
  // Other tabs and devices of the same user update their badges. Fire-and-forget: counts are re-read on reconnect.
  const msg: LiveMessage = { kind: 'unread', unread };
  await p.pubsub.publish(userChannel(userId), msg).catch((err) => p.logger.warn({ err }, 'unread push failed'));
}

/** Marks one of the caller's notifications read (S5.8a). Someone else's notification is "not found". */
export async function readNotification(
  p: Platform,
  userId: string,
  id: string,
  locale: Locale,
): Promise<{ notification: NotificationView; unread: UnreadCounts }> {
  const row = await repo.markRead(p.db, userId, id, p.clock.now());
  if (!row) throw new AppError(MessagesErrors.NOTIFICATION_NOT_FOUND);
  const unread = await getUnreadCounts(p, userId);
  await announceUnread(p, userId, unread);
  return { notification: presentNotification(toStored(row), locale), unread };
}

/** Marks all the caller's unread notifications read, optionally of one category. */
export async function readAllNotifications(
  p: Platform,
  userId: string,
  category: NotificationCategory | undefined,
): Promise<{ updated: number; unread: UnreadCounts }> {
  const updated = await repo.markAllRead(p.db, userId, p.clock.now(), category);
  const unread = await getUnreadCounts(p, userId);
  if (updated) await announceUnread(p, userId, unread);
  return { updated, unread };
}

export interface CategoryPreference {
  category: NotificationCategory;
  sms: boolean;
  email: boolean;
}

/** The user's copy settings for every category, defaults filled in (S6.6). */
export async function getPreferences(p: Platform, userId: string): Promise<CategoryPreference[]> {
  const rows = await repo.listPreferences(p.db, userId);
  return CATEGORIES.map((category) => {
    const r = rows.find((x) => x.category === category) ?? defaultPreference(category);
    return { category, sms: r.sms, email: r.email };
  });
}

/** Changes the copy settings of the listed categories; others stay as they were. */
export async function updatePreferences(p: Platform, userId: string, changes: CategoryPreference[]): Promise<CategoryPreference[]> {
  const seen = new Set<string>();
  for (const c of changes) {
    if (seen.has(c.category)) throw new AppError('VALIDATION_FAILED', { detail: `category ${c.category} listed twice` });
    seen.add(c.category);
  }
  await p.db.transaction().execute(async (tx) => {
    for (const c of changes) {
      await repo.upsertPreference(tx, { user_id: userId, category: c.category, sms: c.sms, email: c.email, updated_at: p.clock.now() });
    }
  });
  return getPreferences(p, userId);
}

/** Everything a reconnecting stream missed after `afterSeq`, oldest first (bounded). */
export async function findMissed(p: Platform, userId: string, afterSeq: number, limit = 500): Promise<StoredNotification[]> {
  return (await repo.listAfterSeq(p.db, userId, afterSeq, limit)).map(toStored);
}

/** The user's latest sequence number: where a fresh stream starts. */
export async function currentSeq(p: Platform, userId: string): Promise<number> {
  return repo.lastSeq(p.db, userId);
}

/** Read notifications are kept this long, then purged by the daily retention job. */
export const READ_RETENTION_DAYS = 180;

/** Deletes read notifications older than the retention period; returns how many went. */
export async function purgeReadNotifications(p: Platform): Promise<number> {
  const cutoff = new Date(p.clock.now().getTime() - READ_RETENTION_DAYS * 86_400_000);
  return repo.deleteReadBefore(p.db, cutoff);
}

/** Ends every live stream of a user, in every process (account cancelled). */
export async function closeUserStreams(p: Platform, userId: string): Promise<void> {
  const msg: LiveMessage = { kind: 'closed' };
  await p.pubsub.publish(userChannel(userId), msg).catch((err) => p.logger.warn({ err }, 'closing streams failed'));
}
