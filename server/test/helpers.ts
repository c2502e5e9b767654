import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { loadConfig, type Config } from '../src/platform/config.ts';
import { ManualClock } from '../src/platform/clock.ts';
import { createPlatform, type Platform, type PlatformOverrides } from '../src/platform/platform.ts';
import { createLogger } from '../src/platform/logger.ts';
import { buildApp, startApp } from '../src/app.ts';
import type { App } from '../src/platform/http.ts';
import type { Module } from '../src/platform/module.ts';
import { modules as allModules } from '../src/modules/index.ts';

/**
 * The services a test run uses. `npm test` runs on embedded PGlite and in-process Redis stand-ins;
 * CI sets TEST_DATABASE_URL (an admin URL of a real PostgreSQL) and TEST_REDIS_URL to run the same
 * suite on real services. Each test app gets its own fresh database and Redis key prefix.
 */
export const testDatabaseUrl = process.env.TEST_DATABASE_URL || undefined;
export const testRedisUrl = process.env.TEST_REDIS_URL || undefined;

/** Creates an empty PostgreSQL database for one test app and returns its URL and a dropper. */
export async function createTestDatabase(adminUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `dingban_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: async () => {
      const a = new pg.Client({ connectionString: adminUrl });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

export interface TestApp {
  app: App;
  p: Platform;
  clock: ManualClock;
  config: Config;
  close(): Promise<void>;
}

export interface TestAppOptions {
  modules?: Module[];
  env?: Record<string, string>;
  now?: Date | string;
  overrides?: PlatformOverrides;
  /** Reuse an existing database URL (e.g. two "processes" on one database); not dropped on close. */
  databaseUrl?: string;
  /** Share a Redis prefix between apps (multi-process tests). */
  redisPrefix?: string;
}

/** A fully started platform for one test file: fresh database, manual clock, no background workers. */
export async function createTestApp(o: TestAppOptions = {}): Promise<TestApp> {
  let dropDb: (() => Promise<void>) | undefined;
  let databaseUrl = o.databaseUrl;
  if (!databaseUrl && testDatabaseUrl) {
    const created = await createTestDatabase(testDatabaseUrl);
    databaseUrl = created.url;
    dropDb = created.drop;
  }
  const redisPrefix = o.redisPrefix ?? `dingban_test_${randomBytes(4).toString('hex')}:`;
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    RATE_LIMIT_PER_MINUTE: '100000',
    DEMO_ACCOUNTS: 'false',
    // The test machine is shared and busy: load shedding is tested on its own, not tripped by accident.
    MAX_EVENT_LOOP_DELAY_MS: '0',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...(testRedisUrl ? { REDIS_URL: testRedisUrl, REDIS_PREFIX: redisPrefix } : {}),
    ...o.env,
  });
  const clock = new ManualClock(o.now ?? new Date());
  const p = await createPlatform(config, { clock, logger: createLogger(config.logLevel), dataDir: 'memory://', ...o.overrides });
  const modules = o.modules ?? allModules;
  const app = await buildApp(p, modules);
  try {
    await startApp(app, p, modules, { workers: false });
  } catch (err) {
    await app.close();
    await p.close();
    await dropDb?.();
    throw err;
  }
  return {
    app,
    p,
    clock,
    config,
    async close() {
      if (p.redis && !o.redisPrefix) {
        const keys = await p.redis.keys(`${redisPrefix}*`);
        if (keys.length) await p.redis.del(...keys);
      }
      await app.close();
      await p.close();
      await dropDb?.();
    },
  };
}
