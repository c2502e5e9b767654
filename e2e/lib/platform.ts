// Starts the real platform for a journey: builds the web app when it is stale, then spawns
// `node server/src/main.ts` on a free port with a fresh data directory (embedded PGlite), waits
// until it is ready, and stops it afterwards. Nothing is mocked: the browser talks to the real server.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

export const root = new URL('../../', import.meta.url).pathname;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface RunningPlatform {
  url: string;
  database: 'postgresql' | 'pglite';
  /** Everything the server printed, for diagnostics and for reading bootstrap output. */
  output: () => string;
  stop(): Promise<void>;
}

/** `npm run build:web` only rebuilds when web sources are newer than web/dist. */
export function buildWeb(): void {
  execFileSync('node', [join(root, 'scripts/build-web-if-needed.mjs')], { cwd: root, stdio: 'inherit' });
}

/**
 * With TEST_DATABASE_URL (and TEST_REDIS_URL) set, as CI's "real services" stage does, the server runs on
 * a fresh PostgreSQL database (dropped afterwards) and Redis with its own key prefix; otherwise on
 * embedded PGlite in the temporary data directory.
 */
export async function startPlatform(env: Record<string, string> = {}, entry = 'server/src/main.ts'): Promise<RunningPlatform> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'dingban-e2e-'));
  const services: Record<string, string> = {};
  let dropDatabase: (() => Promise<void>) | undefined;
  if (process.env.TEST_DATABASE_URL) {
    const { createTestDatabase } = await import('../../server/test/helpers.ts');
    const created = await createTestDatabase(process.env.TEST_DATABASE_URL);
    services.DATABASE_URL = created.url;
    dropDatabase = created.drop;
  }
  const redisPrefix = `dingban_e2e_${randomBytes(4).toString('hex')}:`;
  if (process.env.TEST_REDIS_URL) Object.assign(services, { REDIS_URL: process.env.TEST_REDIS_URL, REDIS_PREFIX: redisPrefix });
  let out = '';
  const child: ChildProcess = spawn(process.execPath, [join(root, entry)], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      DATA_DIR: dataDir,
      DEMO_ACCOUNTS: 'false',
      RATE_LIMIT_PER_MINUTE: '100000',
      ...services,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${out}`);
    try {
      const r = await fetch(`${url}/health/ready`);
      if (r.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not become ready:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    database: services.DATABASE_URL ? 'postgresql' : 'pglite',
    output: () => out,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(t);
      }
      rmSync(dataDir, { recursive: true, force: true });
      await dropDatabase?.();
      if (services.REDIS_URL) await clearRedisPrefix(services.REDIS_URL, redisPrefix);
    },
  };
}

async function clearRedisPrefix(url: string, prefix: string): Promise<void> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(url);
  try {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}

/**
 * The latest 6-digit code sent to `to`, from the dev outbox (SMS and e-mail are not really sent outside
 * production). `except` skips codes already used, so a second code to the same address is waited for.
 */
export async function latestCode(url: string, to: string, except: readonly string[] = []): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const r = await fetch(`${url}/api/v1/dev/outbox?to=${encodeURIComponent(to)}&limit=5`);
    const { items } = (await r.json()) as { items: { body: string; subject: string | null }[] };
    const m = items[0] && /(\d{6})/.exec(items[0].body);
    if (m && !except.includes(m[1]!)) return m[1]!;
    if (Date.now() > deadline) throw new Error(`no code arrived for ${to}`);
    await new Promise((res) => setTimeout(res, 200));
  }
}
