import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { createTestApp, createTestDatabase, testDatabaseUrl, testRedisUrl, type TestApp } from './helpers.ts';
import { TEST_ENV, TEST_PASSWORD, uniquePhone } from './factories.ts';
import { captchaTextForTests } from '../src/modules/accounts/captcha.ts';
import { SseReader } from '../src/modules/messages/sse-client.ts';

/**
 * Two real server processes (`node server/src/main.ts`) on one PostgreSQL database and one Redis, as
 * behind a load balancer. Runs only on real services (TEST_DATABASE_URL and TEST_REDIS_URL).
 */
const enabled = !!(testDatabaseUrl && testRedisUrl);
const serverDir = fileURLToPath(new URL('..', import.meta.url));

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

interface Node {
  name: string;
  child: ChildProcess;
  base: string;
  output: string[];
  exited: Promise<number | null>;
}

/** Starts one server process and resolves once it says it is serving (or fails with its output). */
async function startNode(name: string, env: Record<string, string>): Promise<Node> {
  const port = await freePort();
  const child = spawn(process.execPath, ['src/main.ts'], {
    cwd: serverDir,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const guard = setTimeout(() => reject(new Error(`${name} did not start:\n${output.join('')}`)), 90_000);
    const onData = (buf: Buffer) => {
      output.push(buf.toString());
      if (output.join('').includes('is serving')) {
        clearTimeout(guard);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(guard);
      reject(new Error(`${name} exited with ${code}:\n${output.join('')}`));
    });
  });
  return { name, child, base: `http://127.0.0.1:${port}`, output, exited };
}

async function stopNode(n: Node): Promise<number | null> {
  if (n.child.exitCode !== null) return n.child.exitCode;
  n.child.kill('SIGTERM');
  const guard = setTimeout(() => n.child.kill('SIGKILL'), 15_000);
  const code = await n.exited;
  clearTimeout(guard);
  return code;
}

async function call(base: string, method: string, path: string, body?: object, headers: Record<string, string> = {}) {
  const res = await fetch(base + path, {
    method,
    headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, json: (text ? JSON.parse(text) : {}) as Record<string, unknown>, text };
}

/**
 * A revocation reaches the other process's session cache by PostgreSQL NOTIFY, which the listening
 * backend forwards asynchronously after the commit: on a busy machine the next request can arrive a few
 * milliseconds before it. Asks again for up to a second; a cache that never drops the session fails.
 */
async function untilUnauthorized(base: string, headers: Record<string, string>) {
  const until = Date.now() + 1000;
  for (;;) {
    const r = await call(base, 'GET', '/api/v1/me', undefined, headers);
    if (r.status === 401 || Date.now() > until) return r;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('two server processes on one PostgreSQL and Redis', { skip: !enabled && 'needs TEST_DATABASE_URL and TEST_REDIS_URL' }, () => {
  let db: { url: string; drop: () => Promise<void> };
  let dataDir: string;
  let env: Record<string, string>;
  let a: Node | undefined;
  let b: Node | undefined;
  let helper: TestApp | undefined;
  const prefix = `dingban_mp_${randomBytes(4).toString('hex')}:`;

  before(async () => {
    db = await createTestDatabase(testDatabaseUrl!);
    dataDir = mkdtempSync(join(tmpdir(), 'dingban-mp-'));
    env = {
      ...TEST_ENV,
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      DATABASE_URL: db.url,
      REDIS_URL: testRedisUrl!,
      REDIS_PREFIX: prefix,
      RUN_WORKERS: 'true',
      DATA_DIR: dataDir,
      DATA_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      INDEX_KEY: randomBytes(32).toString('base64'),
      DEMO_ACCOUNTS: 'false',
      RATE_LIMIT_PER_MINUTE: '100000',
    };
    // One after the other: the first one migrates and bootstraps the empty database.
    a = await startNode('A', env);
    b = await startNode('B', env);
  });

  after(async () => {
    await Promise.all([a, b].filter((n): n is Node => !!n).map(stopNode));
    await helper?.close();
    await db?.drop();
    const r = new Redis(testRedisUrl!);
    const keys = await r.keys(`${prefix}*`);
    if (keys.length) await r.del(...keys);
    r.disconnect();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('S5.1c/S6.4a: a session cached by B ends on B as soon as the logout on A is committed and notified; ending "other sessions" on B ends the one cached by A', async () => {
    const phone = uniquePhone();
    const code = await call(a!.base, 'POST', '/api/v1/auth/codes', { purpose: 'register', channel: 'sms', destination: phone });
    assert.equal(code.status, 202, code.text);
    const outbox = await call(a!.base, 'GET', `/api/v1/dev/outbox?to=${phone}&limit=1`);
    const sent = (outbox.json.items as { body: string }[])[0]!;
    const reg = await call(a!.base, 'POST', '/api/v1/auth/register', {
      kind: 'person',
      channel: 'sms',
      destination: phone,
      code: /\b(\d{6})\b/.exec(sent.body)![1],
      password: TEST_PASSWORD,
      displayName: '会话缓存测试',
      client: 'app',
    });
    assert.equal(reg.status, 201, reg.text);
    const first = { authorization: `Bearer ${reg.json.token as string}` };
    // B authenticates the token twice: the second time from its session cache.
    for (let i = 0; i < 2; i++) assert.equal((await call(b!.base, 'GET', '/api/v1/me', undefined, first)).status, 200);
    const out = await call(a!.base, 'POST', '/api/v1/auth/logout', undefined, first);
    assert.equal(out.status, 200, out.text);
    const afterLogout = await untilUnauthorized(b!.base, first);
    assert.equal(afterLogout.status, 401, afterLogout.text);
    assert.equal(afterLogout.json.code, 'SESSION_EXPIRED');

    // Two new sessions; A caches the first; B ends the user's other sessions from the second.
    const login = async () => {
      const r = await call(a!.base, 'POST', '/api/v1/auth/login', { identifier: phone, password: TEST_PASSWORD, client: 'app' });
      assert.equal(r.status, 200, r.text);
      return { authorization: `Bearer ${r.json.token as string}` };
    };
    const s1 = await login();
    const s2 = await login();
    for (let i = 0; i < 2; i++) assert.equal((await call(a!.base, 'GET', '/api/v1/me', undefined, s1)).status, 200);
    const ended = await call(b!.base, 'DELETE', '/api/v1/me/sessions', undefined, s2);
    assert.ok(ended.status < 300, ended.text);
    const onA = await untilUnauthorized(a!.base, s1);
    assert.equal(onA.status, 401, onA.text);
    assert.equal((await call(a!.base, 'GET', '/api/v1/me', undefined, s2)).status, 200);
  });

  it('S5.8b/S5.1c: a notification made on A reaches an SSE client on B; five wrong passwords on A lock the account on B', async () => {
    // Register through A (the code is read from the dev outbox, which lives in the shared database).
    const phone = uniquePhone();
    const code = await call(a!.base, 'POST', '/api/v1/auth/codes', { purpose: 'register', channel: 'sms', destination: phone });
    assert.equal(code.status, 202, code.text);
    const outbox = await call(a!.base, 'GET', `/api/v1/dev/outbox?to=${phone}&limit=1`);
    const sent = (outbox.json.items as { body: string }[])[0]!;
    const reg = await call(a!.base, 'POST', '/api/v1/auth/register', {
      kind: 'person',
      channel: 'sms',
      destination: phone,
      code: /\b(\d{6})\b/.exec(sent.body)![1],
      password: TEST_PASSWORD,
      displayName: '多进程测试',
      client: 'app',
    });
    assert.equal(reg.status, 201, reg.text);
    const auth = { authorization: `Bearer ${reg.json.token as string}` };

    // A live stream on B.
    const stream = await SseReader.open(`${b!.base}/api/v1/events`, auth);
    assert.equal(stream.status, 200);
    await stream.next((e) => e.event === 'unread', 20_000);

    // A notification created through A (its job runs on whichever process's worker takes it).
    const made = await call(a!.base, 'POST', '/api/v1/dev/notifications/test', undefined, auth);
    assert.equal(made.status, 202, made.text);
    const live = await stream.next(
      (e) => e.event === 'notification' && (e.data as { notification: { title: string } }).notification.title === '测试消息',
      30_000,
    );
    assert.ok(Number(live.id) >= 1);

    // Five wrong passwords on A. From the 2nd failure a captcha is needed: it is issued by a third node
    // (this test's in-process app on the same Redis and keys) — captchas, like lockouts, are shared state.
    helper = await createTestApp({
      databaseUrl: db.url,
      redisPrefix: prefix,
      env: { ...TEST_ENV, DATA_KEYS: env.DATA_KEYS!, INDEX_KEY: env.INDEX_KEY! },
    });
    let last: Awaited<ReturnType<typeof call>> | undefined;
    for (let i = 0; i < 5; i++) {
      let captcha = {};
      if (i >= 2) {
        const c = await helper.app.inject({ method: 'GET', url: '/api/v1/auth/captcha' });
        const captchaId = c.json().captchaId as string;
        captcha = { captchaId, captchaAnswer: captchaTextForTests.get(captchaId) };
      }
      last = await call(a!.base, 'POST', '/api/v1/auth/login', { identifier: phone, password: 'Wrong-Pass#1', client: 'app', ...captcha });
      assert.notEqual(last.json.code, 'CAPTCHA_INVALID', last.text);
    }
    assert.equal(last!.json.code, 'ACCOUNT_LOCKED', last!.text);

    const onB = await call(b!.base, 'POST', '/api/v1/auth/login', { identifier: phone, password: TEST_PASSWORD, client: 'app' });
    assert.equal(onB.status, 423, onB.text);
    assert.equal(onB.json.code, 'ACCOUNT_LOCKED');

    // The owner is told, live, on the stream held by B.
    const notice = await stream.next(
      (e) => e.event === 'notification' && (e.data as { notification: { title: string } }).notification.title === '账号已临时锁定',
      30_000,
    );
    assert.equal((notice.data as { notification: { category: string } }).notification.category, 'account');

    // Graceful shutdown of B ends the open stream instead of hanging on it.
    const exitCode = await stopNode(b!);
    await stream.waitEnd(10_000);
    assert.equal(exitCode, 0, b!.output.join('').slice(-2000));
  });
});
