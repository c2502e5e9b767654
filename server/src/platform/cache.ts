import { LRUCache } from 'lru-cache';
import type { Redis } from 'ioredis';

/** Read-through cache: a bounded in-process LRU, then Redis as the shared second level when configured. */
export interface Cache {
  get<T>(key: string): Promise<T | undefined>;
  set<T>(key: string, value: T, ttlMs: number): Promise<void>;
  del(key: string): Promise<void>;
  /** Returns the cached value or loads it once; concurrent misses for one key share one load. */
  wrap<T>(key: string, ttlMs: number, load: () => Promise<T>): Promise<T>;
}

export interface CacheStats {
  hits: { l1: number; l2: number };
  misses: number;
}

export class TwoLevelCache implements Cache {
  #l1: LRUCache<string, { v: unknown }>;
  #redis: Redis | undefined;
  #prefix: string;
  #inflight = new Map<string, Promise<unknown>>();
  readonly stats: CacheStats = { hits: { l1: 0, l2: 0 }, misses: 0 };

  constructor(opts: { max?: number; redis?: Redis | undefined; prefix?: string } = {}) {
    this.#l1 = new LRUCache({ max: opts.max ?? 10_000, ttlAutopurge: false });
    this.#redis = opts.redis;
    this.#prefix = (opts.prefix ?? '') + 'cache:';
  }

  async get<T>(key: string): Promise<T | undefined> {
    const l1 = this.#l1.get(key);
    if (l1) {
      this.stats.hits.l1++;
      return l1.v as T;
    }
    if (this.#redis) {
      const raw = await this.#redis.get(this.#prefix + key);
      if (raw !== null) {
        this.stats.hits.l2++;
        const v = JSON.parse(raw) as T;
        const ttl = await this.#redis.pttl(this.#prefix + key);
        if (ttl > 0) this.#l1.set(key, { v }, { ttl });
        return v;
      }
    }
    this.stats.misses++;
    return undefined;
  }

  async set<T>(key: string, value: T, ttlMs: number): Promise<void> {
    this.#l1.set(key, { v: value }, { ttl: ttlMs });
    if (this.#redis) await this.#redis.set(this.#prefix + key, JSON.stringify(value), 'PX', ttlMs);
  }

  async del(key: string): Promise<void> {
    this.#l1.delete(key);
    if (this.#redis) await this.#redis.del(this.#prefix + key);
  }

  async wrap<T>(key: string, ttlMs: number, load: () => Promise<T>): Promise<T> {
    const hit = await this.get<T>(key);
    if (hit !== undefined) return hit;
    const pending = this.#inflight.get(key);
    if (pending) return pending as Promise<T>;
    const p = (async () => {
      try {
        const v = await load();
        await this.set(key, v, ttlMs);
        return v;
      } finally {
        this.#inflight.delete(key);
      }
    })();
    this.#inflight.set(key, p);
    return p;
  }
}
