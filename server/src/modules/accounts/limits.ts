import type { Platform } from '../../platform/platform.ts';

/**
 * Counters and deadlines in the shared store (Redis across processes) whose time decisions follow the
 * injected clock, not the store's own expiry: a lock "until 10:30" ends at 10:30 of `p.clock`, so the
 * rules behave the same in production, on one laptop, and in tests that move a manual clock. Store
 * TTLs are only a safety net that cleans keys up a little after they stopped mattering.
 */
const SLACK_MS = 60_000;

/** Counts one event in a fixed window that opens with the first event; returns the count. */
export async function hitWindow(p: Platform, key: string, windowMs: number): Promise<number> {
  await expireWindow(p, key, windowMs);
  await p.store.setIfAbsent(`${key}:start`, String(p.clock.now().getTime()), windowMs + SLACK_MS);
  return p.store.incr(key, windowMs + SLACK_MS);
}

/** The count in the current window, without counting. */
export async function peekWindow(p: Platform, key: string, windowMs: number): Promise<number> {
  await expireWindow(p, key, windowMs);
  return Number((await p.store.get(key)) ?? 0);
}

export async function resetWindow(p: Platform, key: string): Promise<void> {
  await p.store.del(key);
  await p.store.del(`${key}:start`);
}

async function expireWindow(p: Platform, key: string, windowMs: number): Promise<void> {
  const start = await p.store.get(`${key}:start`);
  if (start && p.clock.now().getTime() - Number(start) >= windowMs) await resetWindow(p, key);
}

/** Sets a deadline flag (a lock) that holds until `until`. */
export async function setUntil(p: Platform, key: string, until: Date): Promise<void> {
  await p.store.set(key, String(until.getTime()), Math.max(1, until.getTime() - p.clock.now().getTime()) + SLACK_MS);
}

/** The deadline of a flag that is still in force, or null. */
export async function activeUntil(p: Platform, key: string): Promise<Date | null> {
  const v = await p.store.get(key);
  if (!v) return null;
  if (p.clock.now().getTime() >= Number(v)) {
    await p.store.del(key);
    return null;
  }
  return new Date(Number(v));
}

/**
 * Claims a flag for `ms` (cool-downs, single-use tokens): ok when no claim is in force; otherwise how
 * long until it may be claimed again. Across processes the first claimant wins (SET NX).
 */
export async function claimFor(p: Platform, key: string, ms: number): Promise<{ ok: true } | { ok: false; retryAfterMs: number }> {
  const now = p.clock.now().getTime();
  if (await p.store.setIfAbsent(key, String(now + ms), ms + SLACK_MS)) return { ok: true };
  const until = Number((await p.store.get(key)) ?? 0);
  if (now >= until) {
    await p.store.set(key, String(now + ms), ms + SLACK_MS);
    return { ok: true };
  }
  return { ok: false, retryAfterMs: until - now };
}

/** The calendar day in China (UTC+8) of the clock, for daily caps. */
export const shanghaiDay = (p: Platform): string => new Date(p.clock.now().getTime() + 8 * 3600_000).toISOString().slice(0, 10);
