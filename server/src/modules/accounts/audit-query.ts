import { AppError } from '../../platform/errors.ts';
import type { Platform } from '../../platform/platform.ts';
import { decodeCursor, encodeCursor } from '../../platform/schemas.ts';
import * as repo from './repo.ts';

/** Reads the security audit, newest first, with keyset pagination (stable under concurrent appends). */
export async function findAuditEntries(
  p: Platform,
  q: {
    actor?: string | undefined;
    subject?: string | undefined;
    action?: string | undefined;
    from?: string | undefined;
    to?: string | undefined;
    cursor?: string | undefined;
    limit?: number | undefined;
  },
): Promise<{ items: repo.AuditRow[]; nextCursor: string | null }> {
  const limit = q.limit ?? 20;
  let before: { at: Date; id: string } | undefined;
  if (q.cursor) {
    const c = decodeCursor<{ at: string; id: string }>(q.cursor);
    if (!c || typeof c.at !== 'string' || typeof c.id !== 'string' || Number.isNaN(Date.parse(c.at))) {
      throw new AppError('VALIDATION_FAILED', { detail: 'bad cursor' });
    }
    before = { at: new Date(c.at), id: c.id };
  }
  const rows = await repo.listAudit(p.db, {
    actorId: q.actor,
    subjectId: q.subject,
    action: q.action,
    from: q.from ? new Date(q.from) : undefined,
    to: q.to ? new Date(q.to) : undefined,
    before,
    limit: limit + 1,
  });
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor({ at: last.at.toISOString(), id: last.id }) : null };
}
