import type { FastifyReply, FastifyRequest } from 'fastify';
import { LRUCache } from 'lru-cache';
import type { Actor } from '../../platform/auth.ts';
import { hashToken, safeEqual } from '../../platform/crypto.ts';
import type { Executor } from '../../platform/db.ts';
import { AppError } from '../../platform/errors.ts';
import type { App } from '../../platform/http.ts';
import { newId, newToken } from '../../platform/ids.ts';
import type { Platform } from '../../platform/platform.ts';
import type { RequestCtx } from './context.ts';
import { permissionsOf } from './policy.ts';
import * as repo from './repo.ts';

/** Cookie names of web sessions. */
export const SESSION_COOKIE = 'dingban_session';
export const CSRF_COOKIE = 'dingban_csrf';
export const CSRF_HEADER = 'x-csrf-token';

/** A new session as handed to the client once; only hashes are stored. */
export interface IssuedSession {
  id: string;
  token: string;
  csrfToken: string;
  expiresAt: Date;
}

/** A session's last_seen_at is moved at most this often (once per minute per session, not per request). */
const TOUCH_EVERY_MS = 60_000;
/** Queued touches are written this often, all in one statement. */
const TOUCH_FLUSH_MS = 5_000;

/** Opens a session (opaque 256-bit token) on the caller's transaction. */
export async function createSession(
  p: Platform,
  tx: Executor,
  userId: string,
  ctx: RequestCtx,
  client: 'web' | 'app',
): Promise<IssuedSession> {
  const now = p.clock.now();
  const s: IssuedSession = {
    id: newId(),
    token: newToken(),
    csrfToken: newToken(),
    expiresAt: new Date(now.getTime() + p.config.sessionAbsoluteHours * 3600_000),
  };
  await repo.insertSession(tx, {
    id: s.id,
    user_id: userId,
    token_hash: hashToken(s.token),
    csrf_hash: hashToken(s.csrfToken),
    client,
    ip: ctx.ip,
    user_agent: ctx.userAgent,
    created_at: now,
    last_seen_at: now,
    expires_at: s.expiresAt,
    revoked_at: null,
    revoke_reason: null,
  });
  return s;
}

/** Whether a stored session still authenticates at `now` (not revoked, within idle and absolute limits). */
export function sessionIsLive(p: Platform, s: repo.SessionRow, now: Date): boolean {
  return !s.revoked_at && s.expires_at > now && s.last_seen_at.getTime() + p.config.sessionIdleMinutes * 60_000 > now.getTime();
}

/** Public sign-in endpoints: a stale cookie there means "anonymous", and they need no CSRF token. */
const PUBLIC_AUTH = /^\/api\/v1\/auth\/(login|register|codes|captcha|password\/reset)(\/|\?|$)/;
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function readToken(req: FastifyRequest): { token: string; via: 'bearer' | 'cookie' } | undefined {
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && auth.toLowerCase().startsWith('bearer ')) {
    const token = auth.slice(7).trim();
    if (token) return { token, via: 'bearer' };
  }
  const c = req.cookies?.[SESSION_COOKIE];
  return c ? { token: c, via: 'cookie' } : undefined;
}

/**
 * Installs the hook that turns a bearer token or session cookie into `req.actor`. A token that no
 * longer works answers SESSION_EXPIRED (so clients know to sign in again) except on the public sign-in
 * endpoints. Cookie-authenticated writes must echo the CSRF cookie in `x-csrf-token`.
 */
export function installSessionHook(app: App, p: Platform): void {
  const lookup = sessionLookup(p);
  const touches = sessionToucher(p);
  app.addHook('onClose', async () => touches.close());
  app.addHook('onRequest', async (req, reply) => {
    const presented = readToken(req);
    if (!presented) return;
    const path = req.url;
    const isPublicAuth = PUBLIC_AUTH.test(path);
    const now = p.clock.now();
    const row = await lookup(hashToken(presented.token), now);
    if (row) touches.apply(row);
    if (!row || !sessionIsLive(p, row, now) || row.user_status !== 'active') {
      if (presented.via === 'cookie') clearSessionCookies(p, reply);
      if (isPublicAuth || !path.startsWith('/api/')) return;
      throw new AppError('SESSION_EXPIRED');
    }
    if (presented.via === 'cookie' && MUTATING.has(req.method) && !isPublicAuth) {
      const header = req.headers[CSRF_HEADER];
      if (typeof header !== 'string' || !safeEqual(hashToken(header), row.csrf_hash)) throw new AppError('CSRF_FAILED');
    }
    if (now.getTime() - row.last_seen_at.getTime() >= TOUCH_EVERY_MS) touches.touch(row, now);
    const actor: Actor = {
      userId: row.user_id,
      kind: row.kind,
      roles: row.kind === 'staff' ? [...row.roles] : [],
      permissions: permissionsOf(row.kind, row.roles),
      sessionId: row.id,
    };
    req.actor = actor;
  });
}

/**
 * Batched last-seen writes. A request whose session was last seen over TOUCH_EVERY_MS ago queues the
 * touch; one UPDATE every TOUCH_FLUSH_MS (and at shutdown) writes every queued session. Before, each
 * touch was its own commit: with 12k sessions active, ≈ 200 commits per second just to keep them alive.
 * This process reads its own queue when it judges a session (`apply`), so nothing idles out early here;
 * other processes see the touch within TOUCH_FLUSH_MS, far inside any idle limit (minutes). A failed
 * write (database away) keeps the touches queued for the next round.
 */
function sessionToucher(p: Platform) {
  const queued = new Map<string, Date>();
  let writing: Promise<void> = Promise.resolve();
  const flush = () =>
    (writing = writing.then(async () => {
      if (!queued.size) return;
      const batch = [...queued];
      queued.clear();
      try {
        for (let i = 0; i < batch.length; i += 1000) await repo.touchSessions(p.db, batch.slice(i, i + 1000));
      } catch (err) {
        p.logger.warn({ err: (err as Error).message, sessions: batch.length }, 'session touches not written; kept for the next round');
        for (const [id, at] of batch) if (!queued.has(id)) queued.set(id, at);
      }
    }));
  const timer = setInterval(() => void flush(), TOUCH_FLUSH_MS);
  timer.unref();
  return {
    /** Queues `now` as the session's last-seen time; the row (and so a cached copy) sees it at once. */
    touch(row: repo.SessionRow, now: Date): void {
      queued.set(row.id, now);
      row.last_seen_at = now;
    },
    /** A row read before its queued touch was written: give it the queued time. */
    apply(row: repo.SessionRow): void {
      const at = queued.get(row.id);
      if (at && at > row.last_seen_at) row.last_seen_at = at;
    },
    async close(): Promise<void> {
      clearInterval(timer);
      await flush();
    },
  };
}

/**
 * Session lookup by token hash with a short-lived in-process cache (SESSION_CACHE_SECONDS, default 10 s):
 * most requests then need no database round trip to authenticate. Safe because every change that
 * matters — a session revoked (logout, "end other sessions", password change or reset, account
 * cancelled, TOTP reset) or its user's kind/roles/status changed — notifies every process at commit
 * (migration 0070, platform/dbchanges.ts) and drops that user's entries; this process's own writes
 * bypass the cache until their notification arrives. The cache serves only while the change feed is
 * connected (never on PGlite). A cached row that looks idle-expired is re-read before it is refused,
 * since another process may have touched it.
 */
function sessionLookup(p: Platform): (tokenHash: string, now: Date) => Promise<repo.SessionWithUser | undefined> {
  const ttlMs = p.config.sessionCacheSeconds * 1000;
  const read = (tokenHash: string) => repo.findSessionByTokenHash(p.db, tokenHash);
  if (ttlMs <= 0) return read;
  const cache = new LRUCache<string, { row: repo.SessionWithUser; until: number }>({ max: 50_000 });
  let generation = 0;
  p.changes.on((table, key) => {
    if (table !== 'sessions' && table !== 'users' && table !== '*') return;
    generation++;
    if (table === '*' || !key) cache.clear();
    else for (const [k, v] of cache.entries()) if (v.row.user_id === key) cache.delete(k);
  });
  const usable = () => p.changes.live && p.changes.settled('sessions') && p.changes.settled('users');
  return async (tokenHash, now) => {
    if (usable()) {
      const hit = cache.get(tokenHash);
      if (hit && hit.until > Date.now() && sessionIsLive(p, hit.row, now) && hit.row.user_status === 'active') return hit.row;
    }
    const gen = generation;
    const row = await read(tokenHash);
    if (row && gen === generation && usable()) cache.set(tokenHash, { row, until: Date.now() + ttlMs });
    else cache.delete(tokenHash);
    return row;
  };
}

const secure = (p: Platform) => p.config.publicUrl.startsWith('https:');

/** Web sign-in: the session in an HttpOnly cookie, the CSRF token in a cookie the page can read. */
export function setSessionCookies(p: Platform, reply: FastifyReply, s: IssuedSession): void {
  const base = { path: '/', sameSite: 'lax' as const, secure: secure(p), expires: s.expiresAt };
  reply.setCookie(SESSION_COOKIE, s.token, { ...base, httpOnly: true });
  reply.setCookie(CSRF_COOKIE, s.csrfToken, { ...base, httpOnly: false });
}

export function clearSessionCookies(p: Platform, reply: FastifyReply): void {
  const base = { path: '/', sameSite: 'lax' as const, secure: secure(p) };
  reply.clearCookie(SESSION_COOKIE, { ...base, httpOnly: true });
  reply.clearCookie(CSRF_COOKIE, base);
}
