import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Config } from './config.ts';
import { OffsetClock, systemClock, type Clock } from './clock.ts';
import { createLogger, type Logger } from './logger.ts';
import { openDatabase, type Database, type Db } from './db.ts';
import { Keyring } from './crypto.ts';
import { TwoLevelCache, type Cache } from './cache.ts';
import { MemoryStore, RedisStore, type SharedStore } from './kv.ts';
import { MemoryPubSub, RedisPubSub, type PubSub } from './pubsub.ts';
import { Jobs } from './jobs.ts';
import { DevOutbox, RoutedDelivery, type Delivery } from './delivery.ts';
import { Metrics } from './metrics.ts';
import { attachTableCache, DbChanges, TableCache } from './dbchanges.ts';

/**
 * The shared machinery every module receives: no business rules here. Each outside service has an
 * embedded default and a production adapter behind one interface (see docs/architecture.md).
 */
export interface Platform {
  config: Config;
  clock: Clock;
  logger: Logger;
  database: Database;
  db: Db;
  keyring: Keyring;
  cache: Cache;
  store: SharedStore;
  pubsub: PubSub;
  jobs: Jobs;
  delivery: Delivery;
  metrics: Metrics;
  /** Invalidation signals for in-process caches (PostgreSQL LISTEN/NOTIFY; never live on PGlite). */
  changes: DbChanges;
  /** Present when REDIS_URL is configured. */
  redis: Redis | undefined;
  close(): Promise<void>;
}

export interface PlatformOverrides {
  clock?: Clock;
  logger?: Logger;
  keyring?: Keyring;
  delivery?: Delivery;
  /** For tests: an in-memory PGlite (`memory://`) instead of ./data. */
  dataDir?: string;
}

export async function createPlatform(config: Config, o: PlatformOverrides = {}): Promise<Platform> {
  // Outside production the clock can be moved forward on a running server (dev tools); offset 0 until then.
  const clock = o.clock ?? (config.env === 'production' ? systemClock : new OffsetClock());
  const logger = o.logger ?? createLogger(config.logLevel);
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: o.dataDir ?? config.dataDir,
    poolMax: config.databasePoolMax,
    preparedStatements: config.databasePreparedStatements,
  });
  const keyring =
    o.keyring ??
    (config.dataKeys && config.indexKey
      ? Keyring.fromConfig(config.dataKeys, config.indexKey)
      : (o.dataDir ?? config.dataDir).startsWith('memory://')
        ? Keyring.random()
        : Keyring.localFile(join(config.dataDir, 'keys.json')));
  let redis: Redis | undefined;
  if (config.redisUrl) {
    redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 2, connectTimeout: 5000, enableOfflineQueue: true, lazyConnect: false });
    redis.on('error', (err) => logger.warn({ err: err.message }, 'redis error'));
  }
  const metrics = new Metrics();
  const cache = new TwoLevelCache({ redis, prefix: config.redisPrefix });
  const store: SharedStore = redis ? new RedisStore(redis, config.redisPrefix) : new MemoryStore(() => clock.now().getTime());
  const pubsub: PubSub = redis ? new RedisPubSub(redis, config.redisPrefix) : new MemoryPubSub();
  const jobs = new Jobs({ db: database.db, pool: database.pool, logger });
  const changes = new DbChanges({
    databaseUrl: database.kind === 'postgres' ? config.databaseUrl : undefined,
    logger,
    writes: database.writes,
  });
  attachTableCache(database.db, new TableCache(changes, 60_000));
  await changes.start();
  const delivery =
    o.delivery ??
    new RoutedDelivery({
      smtpUrl: config.smtpUrl,
      from: config.smtpFrom,
      smsProviderUrl: config.smsProviderUrl,
      fallback: new DevOutbox(database.db, clock),
    });
  return {
    config,
    clock,
    logger,
    database,
    db: database.db,
    keyring,
    cache,
    store,
    pubsub,
    jobs,
    delivery,
    metrics,
    changes,
    redis,
    async close() {
      await jobs.stop().catch((err) => logger.warn({ err }, 'stopping jobs failed'));
      await changes.close();
      await pubsub.close();
      if (redis) redis.disconnect();
      await database.close();
    },
  };
}
