import type { Locale } from '../../platform/i18n.ts';
import type { NotificationCategory } from './index.ts';
import type { NotificationRow } from './repo.ts';

/** The categories in display order. */
export const CATEGORIES: readonly NotificationCategory[] = ['order', 'wallet', 'account', 'system'];

/** Unread notifications per category and in total (the badge numbers, S5.8a). */
export type UnreadCounts = Record<NotificationCategory, number> & { total: number };

/**
 * A notification in both languages with string times: what travels over pub/sub between processes
 * and what each SSE stream renders in its own client's language.
 */
export interface StoredNotification {
  id: string;
  seq: number;
  category: NotificationCategory;
  title: { zh: string; en: string };
  body: { zh: string; en: string };
  link: string | null;
  readAt: string | null;
  createdAt: string;
}

/** What API clients see of a notification, in one language. */
export interface NotificationView {
  id: string;
  seq: number;
  category: NotificationCategory;
  title: string;
  body: string;
  link: string | null;
  read: boolean;
  readAt: string | null;
  createdAt: string;
}

export function toStored(r: NotificationRow): StoredNotification {
  return {
    id: r.id,
    seq: Number(r.seq),
    category: r.category,
    title: { zh: r.title_zh, en: r.title_en },
    body: { zh: r.body_zh, en: r.body_en },
    link: r.link,
    readAt: r.read_at ? r.read_at.toISOString() : null,
    createdAt: r.created_at.toISOString(),
  };
}

export function presentNotification(n: StoredNotification, locale: Locale): NotificationView {
  const en = locale === 'en-US';
  return {
    id: n.id,
    seq: n.seq,
    category: n.category,
    title: en ? n.title.en : n.title.zh,
    body: en ? n.body.en : n.body.zh,
    link: n.link,
    read: n.readAt !== null,
    readAt: n.readAt,
    createdAt: n.createdAt,
  };
}

export function presentUnread(rows: { category: NotificationCategory; n: number }[]): UnreadCounts {
  const c = { order: 0, wallet: 0, account: 0, system: 0, total: 0 };
  for (const r of rows) {
    c[r.category] += r.n;
    c.total += r.n;
  }
  return c;
}
