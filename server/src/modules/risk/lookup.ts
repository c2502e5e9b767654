import { LRUCache } from 'lru-cache';
import type { Redis } from 'ioredis';
import type { Clock } from '../../platform/clock.ts';
import type { SharedStore } from '../../platform/kv.ts';
import type { ArbitrationSource, LookupResult } from './provider.ts';
import type { RiskMetrics } from './metrics.ts';

interface Entry {
  value: LookupResult;
  /** Epoch ms by the platform clock (so tests expire entries by moving the clock). */
  expiresAt: number;
}

export interface LookupOptions {
  source: ArbitrationSource;
  clock: Clock;
  metrics: RiskMetrics;
  /** Redis for L2 with the exact key `<keyPrefix><creditCode>`; without Redis the platform's shared store. */
  redis: Redis | undefined;
  store: SharedStore;
  keyPrefix: string;
  ttlMs: number;
  notFoundTtlMs: number;
  localMax: number;
  localTtlMs: number;
}

/**
 * Two-level cache in front of the provider (A4): a bounded in-process LRU with TTL (the seed's dict
 * grew forever), then Redis `labor:arbitration:{creditCode}` with TTL 300 s shared by all processes.
 * Concurrent misses for one code in a process share one provider call; "not found" is cached briefly.
 */
export class ArbitrationLookup {
  readonly #o: LookupOptions;
  readonly #l1: LRUCache<string, Entry>;
  readonly #inflight = new Map<string, Promise<LookupResult>>();

  constructor(o: LookupOptions) {
    this.#o = o;
    this.#l1 = new LRUCache({ max: o.localMax });
  }

  /** The Redis key of a code (A4). */
  key(creditCode: string): string {
    return `${this.#o.keyPrefix}${creditCode}`;
  }

  /** The cached answer or one provider call; `fresh` skips both cache levels (scheduled re-checks). */
  async get(creditCode: string, opts: { fresh?: boolean } = {}): Promise<LookupResult> {
    if (!opts.fresh) {
      const hit = await this.#cached(creditCode);
      if (hit) return hit;
    }
    const pending = this.#inflight.get(creditCode);
    if (pending) return pending;
    // A caller whose L2 read took longer than another caller's whole provider call finds no call in
    // flight any more, but the answer is in L1 now: take it rather than make a second call.
    const landed = opts.fresh ? undefined : this.#l1.get(creditCode);
    if (landed && landed.expiresAt > this.#o.clock.now().getTime()) return landed.value;
    const p = (async () => {
      try {
        const value = await this.#o.source.query(creditCode);
        await this.#store(creditCode, value);
        return value;
      } finally {
        this.#inflight.delete(creditCode);
      }
    })();
    this.#inflight.set(creditCode, p);
    return p;
  }

  /** Forgets a code in both levels (e.g. after the provider corrected it). */
  async invalidate(creditCode: string): Promise<void> {
    this.#l1.delete(creditCode);
    if (this.#o.redis) await this.#o.redis.del(this.key(creditCode));
    else await this.#o.store.del(this.key(creditCode));
  }

  async #cached(creditCode: string): Promise<LookupResult | undefined> {
    const now = this.#o.clock.now().getTime();
    const m = this.#o.metrics.cacheRequests;
    const l1 = this.#l1.get(creditCode);
    if (l1 && l1.expiresAt > now) {
      m.labels('l1', 'hit').inc();
      return l1.value;
    }
    if (l1) this.#l1.delete(creditCode);
    m.labels('l1', 'miss').inc();
    let raw: string | null = null;
    try {
      raw = this.#o.redis ? await this.#o.redis.get(this.key(creditCode)) : await this.#o.store.get(this.key(creditCode));
    } catch {
      raw = null; // Redis down: degrade to the provider rather than fail the check.
    }
    const l2 = raw ? (JSON.parse(raw) as Entry) : undefined;
    if (l2 && l2.expiresAt > now) {
      m.labels('l2', 'hit').inc();
      this.#l1.set(creditCode, { value: l2.value, expiresAt: Math.min(l2.expiresAt, now + this.#o.localTtlMs) });
      return l2.value;
    }
    m.labels('l2', 'miss').inc();
    return undefined;
  }

  async #store(creditCode: string, value: LookupResult): Promise<void> {
    const now = this.#o.clock.now().getTime();
    const ttl = value.found ? this.#o.ttlMs : this.#o.notFoundTtlMs;
    const entry: Entry = { value, expiresAt: now + ttl };
    this.#l1.set(creditCode, { value, expiresAt: Math.min(entry.expiresAt, now + this.#o.localTtlMs) });
    try {
      if (this.#o.redis) await this.#o.redis.set(this.key(creditCode), JSON.stringify(entry), 'PX', ttl);
      else await this.#o.store.set(this.key(creditCode), JSON.stringify(entry), ttl);
    } catch {
      // L2 unavailable: L1 still serves this process.
    }
  }
}

/** Per-code outcome of a batch (A2): the value or the error, never one failure for all. */
export type BatchOutcome<T> = { creditCode: string; ok: true; value: T } | { creditCode: string; ok: false; error: unknown };

/** Runs `fn` over codes with at most `concurrency` in flight; results in input order. */
export async function runBatch<T>(codes: string[], concurrency: number, fn: (code: string) => Promise<T>): Promise<BatchOutcome<T>[]> {
  const out: BatchOutcome<T>[] = new Array(codes.length);
  let next = 0;
  const worker = async () => {
    while (next < codes.length) {
      const i = next++;
      const code = codes[i]!;
      try {
        out[i] = { creditCode: code, ok: true, value: await fn(code) };
      } catch (error) {
        out[i] = { creditCode: code, ok: false, error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, codes.length) }, worker));
  return out;
}
