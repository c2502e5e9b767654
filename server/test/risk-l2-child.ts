/**
 * A second OS process for risk.test.ts (A4): builds the provider client and the two-level lookup the way
 * the risk module does, on the same Redis, looks one credit code up and prints what it saw as JSON.
 * Argument: JSON { providerUrl, redisUrl, keyPrefix, creditCode, now }.
 */
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import pino from 'pino';
import { ManualClock } from '../src/platform/clock.ts';
import { Metrics } from '../src/platform/metrics.ts';
import { MemoryStore } from '../src/platform/kv.ts';
import { HttpArbitrationClient } from '../src/modules/risk/client.ts';
import { ArbitrationLookup } from '../src/modules/risk/lookup.ts';
import { createRiskMetrics } from '../src/modules/risk/metrics.ts';

const a = JSON.parse(process.argv[2]!) as { providerUrl: string; redisUrl: string; keyPrefix: string; creditCode: string; now: string };
const clock = new ManualClock(a.now);
const metrics = createRiskMetrics(new Metrics());
const redis = new Redis(a.redisUrl);
try {
  const lookup = new ArbitrationLookup({
    source: new HttpArbitrationClient({
      baseUrl: a.providerUrl,
      appId: 'dingban-dev',
      privateKeyPem: readFileSync(new URL('../../emulators/arbitration-provider/dev-keys/dingban-dev.key.pem', import.meta.url), 'utf8'),
      timeoutMs: 5000,
      clock,
      logger: pino({ level: 'silent' }),
      metrics,
      retryBaseMs: 1,
      skewWarnSeconds: 60,
    }),
    clock,
    metrics,
    redis,
    store: new MemoryStore(() => clock.now().getTime()),
    keyPrefix: a.keyPrefix,
    ttlMs: 300_000,
    notFoundTtlMs: 60_000,
    localMax: 100,
    localTtlMs: 60_000,
  });
  const r = await lookup.get(a.creditCode);
  const counts = (await metrics.cacheRequests.get()).values.map((v) => ({ ...v.labels, value: v.value }));
  const providerCalls = (await metrics.apiRequests.get()).values.reduce((s, v) => s + v.value, 0);
  process.stdout.write(
    JSON.stringify({ pid: process.pid, companyName: r.found ? r.record.companyName : null, cache: counts, providerCalls }) + '\n',
  );
} finally {
  redis.disconnect();
}
