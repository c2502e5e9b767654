import type { Redis } from 'ioredis';

/**
 * Small shared counters and flags with expiry: lockouts, throttles, resend cool-downs, daily caps.
 * In-process by default; in Redis when configured, so every server process sees the same numbers.
 */
export interface SharedStore {
  /** Adds 1 and returns the new count; the key expires `ttlMs` after its first increment. */
  incr(key: string, ttlMs: number): Promise<number>;
  get(key: string): Promise<string | null>;
  /** Sets a value that expires after `ttlMs`. */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Sets only if absent; true when this call set it (a cross-process "first one wins"). */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  /** Milliseconds until the key expires, or null when absent. */
  ttl(key: string): Promise<number | null>;
  del(key: string): Promise<void>;
}

/** In-process store for a single node; expiry checked lazily against the wall clock. */
export class MemoryStore implements SharedStore {
  #m = new Map<string, { v: string; exp: number }>();
  #now: () => number;
  constructor(now: () => number = Date.now) {
    this.#now = now;
  }
  #live(key: string) {
    const e = this.#m.get(key);
    if (e && e.exp <= this.#now()) {
      this.#m.delete(key);
      return undefined;
    }
    return e;
  }
  async incr(key: string, ttlMs: number) {
    const e = this.#live(key);
    const n = e ? Number(e.v) + 1 : 1;
    this.#m.set(key, { v: String(n), exp: e ? e.exp : this.#now() + ttlMs });
    if (this.#m.size > 100_000) this.#sweep();
    return n;
  }
  async get(key: string) {
    return this.#live(key)?.v ?? null;
  }
  async set(key: string, value: string, ttlMs: number) {
    this.#m.set(key, { v: value, exp: this.#now() + ttlMs });
  }
  async setIfAbsent(key: string, value: string, ttlMs: number) {
    if (this.#live(key)) return false;
    await this.set(key, value, ttlMs);
    return true;
  }
  async ttl(key: string) {
    const e = this.#live(key);
    return e ? e.exp - this.#now() : null;
  }
  async del(key: string) {
    this.#m.delete(key);
  }
  #sweep() {
    const now = this.#now();
    for (const [k, e] of this.#m) if (e.exp <= now) this.#m.delete(k);
  }
}

/** Redis-backed store: the same semantics, shared by every process of the deployment. */
export class RedisStore implements SharedStore {
  #r: Redis;
  #p: string;
  constructor(redis: Redis, prefix: string) {
    this.#r = redis;
    this.#p = prefix;
  }
  async incr(key: string, ttlMs: number) {
    const k = this.#p + key;
    const [[, n]] = (await this.#r.multi().incr(k).pexpire(k, ttlMs, 'NX').exec()) as [[unknown, number]];
    return n;
  }
  async get(key: string) {
    return this.#r.get(this.#p + key);
  }
  async set(key: string, value: string, ttlMs: number) {
    await this.#r.set(this.#p + key, value, 'PX', ttlMs);
  }
  async setIfAbsent(key: string, value: string, ttlMs: number) {
    return (await this.#r.set(this.#p + key, value, 'PX', ttlMs, 'NX')) === 'OK';
  }
  async ttl(key: string) {
    const t = await this.#r.pttl(this.#p + key);
    return t < 0 ? null : t;
  }
  async del(key: string) {
    await this.#r.del(this.#p + key);
  }
}
