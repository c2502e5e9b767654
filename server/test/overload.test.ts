import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';
import { createTestApp, testDatabaseUrl, type TestApp } from './helpers.ts';
import { isDatabaseUnavailable } from '../src/platform/http.ts';
import { loginUser, registerUser } from './factories.ts';

describe('load shedding', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ modules: [], env: { MAX_EVENT_LOOP_DELAY_MS: '50' } });
  });
  after(async () => t.close());

  it('S6.4b: when the event loop lags, requests are refused with 503 + Retry-After instead of queuing up', async () => {
    // Real lag, not a clock: block the loop the way an overload would, then let the monitor sample it.
    let shed: Awaited<ReturnType<typeof t.app.inject>> | undefined;
    for (let attempt = 0; attempt < 5 && !shed; attempt++) {
      const until = Date.now() + 600;
      while (Date.now() < until) {
        /* busy */
      }
      await delay(20);
      const res = await t.app.inject({ method: 'GET', url: '/api/v1/anything', headers: { 'accept-language': 'en-US' } });
      if (res.statusCode === 503) shed = res;
    }
    assert.ok(shed, 'no request was shed');
    assert.equal(shed.headers['retry-after'], '5');
    assert.equal(shed.json().code, 'OVERLOADED');
    assert.match(shed.headers['content-type'] as string, /problem\+json/);
  });
});

describe(
  'shedding on the database pool wait queue',
  { skip: !testDatabaseUrl && 'PGlite has no pool to queue on (needs TEST_DATABASE_URL)' },
  () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp({ modules: [], env: { DATABASE_POOL_MAX: '1', DB_POOL_MAX_WAITING: '2' } });
    });
    after(async () => t.close());

    it('S6.4b: while more queries wait for a pooled connection than allowed, API requests get 503 + Retry-After; probes are not shed; it ends with the queue', async () => {
      const pool = t.p.database.pool;
      // Take the only connection, then queue three queries behind it: the pool's wait queue is now 3 > 2.
      const held = await pool.connect();
      const waiting = [1, 2, 3].map((n) => pool.query('SELECT $1::int AS n', [n]));
      assert.equal(pool.waitingCount, 3);
      try {
        const shed = await t.app.inject({ method: 'GET', url: '/api/v1/anything', headers: { 'accept-language': 'zh-CN' } });
        assert.equal(shed.statusCode, 503);
        assert.equal(shed.headers['retry-after'], '1');
        assert.equal(shed.json().code, 'OVERLOADED');
        assert.equal(shed.json().detail, '系统繁忙，请稍后再试');
        assert.match(shed.headers['content-type'] as string, /problem\+json/);
        // The liveness probe is never shed (nor are /health/ready and /metrics: only /api/ routes are).
        const live = await t.app.inject({ method: 'GET', url: '/health/live' });
        assert.equal(live.statusCode, 200);
        assert.equal((await t.p.metrics.httpShed.get()).values[0]?.value, 1);
      } finally {
        held.release();
      }
      assert.deepEqual(
        (await Promise.all(waiting)).map((r) => r.rows[0].n),
        [1, 2, 3],
      );
      assert.equal(pool.waitingCount, 0);
      const after = await t.app.inject({ method: 'GET', url: '/api/v1/anything' });
      assert.equal(after.statusCode, 404);
    });
  },
);

describe(
  'fewer round trips: session and rules caches',
  { skip: !testDatabaseUrl && 'caches serve only with the PostgreSQL change feed (needs TEST_DATABASE_URL)' },
  () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp({ env: { SESSION_CACHE_SECONDS: '60' } });
    });
    after(async () => t.close());

    /** Runs SQL on a separate connection of the same database, optionally without triggers (so nothing is notified). */
    async function rawSql(text: string, values: unknown[], opts: { silent?: boolean } = {}) {
      const c = new pg.Client({ connectionString: t.config.databaseUrl });
      await c.connect();
      try {
        if (opts.silent) await c.query(`SET session_replication_role = replica`);
        return await c.query(text, values);
      } finally {
        await c.end();
      }
    }

    it('S6.2: a session is served from memory once read; a revocation by any connection ends it at once; logout here ends it for the next request', async () => {
      assert.equal(t.p.changes.live, true);
      const u = await registerUser(t);
      const me = () => t.app.inject({ method: 'GET', url: '/api/v1/me', headers: u.headers });
      assert.equal((await me()).statusCode, 200);
      // Revoked behind the platform's back with triggers off: no notification, so the cached copy still
      // serves — the proof that authentication did not read the database.
      await rawSql(`UPDATE sessions SET revoked_at = now() WHERE id = $1`, [u.sessionId], { silent: true });
      assert.equal((await me()).statusCode, 200);
      // The same revocation as any normal write (another process, an operator): notified at commit.
      await rawSql(`UPDATE sessions SET revoked_at = NULL WHERE id = $1`, [u.sessionId], { silent: true });
      await rawSql(`UPDATE sessions SET revoked_at = now(), revoke_reason = 'test' WHERE id = $1`, [u.sessionId]);
      let refused = false;
      for (let i = 0; i < 50 && !refused; i++) {
        refused = (await me()).statusCode === 401;
        if (!refused) await delay(10); // the notification travels over its own connection
      }
      assert.ok(refused, 'the revoked session was still served');

      // Logout through the API, then the very next request in this process: refused (read-your-writes).
      const v = await loginUser(t, u.identifier, u.password);
      const meV = () => t.app.inject({ method: 'GET', url: '/api/v1/me', headers: v.headers });
      assert.equal((await meV()).statusCode, 200);
      assert.equal((await meV()).statusCode, 200);
      const out = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: v.headers });
      assert.equal(out.statusCode, 200, out.body);
      const next = await meV();
      assert.equal(next.statusCode, 401);
      assert.equal(next.json().code, 'SESSION_EXPIRED');
    });

    it('S6.2: order rules are read once and re-read after a change, in this process at once', async () => {
      const rules = () => t.app.inject({ method: 'GET', url: '/api/v1/orders/rules' });
      const first = await rules();
      assert.equal(first.statusCode, 200, first.body);
      const before = await rawSql(`SELECT min_shift_minutes FROM order_rules WHERE id = 1`, []);
      const min = before.rows[0].min_shift_minutes as number;
      // Changed silently: the cached copy still serves (no database read).
      await rawSql(`UPDATE order_rules SET min_shift_minutes = $1 WHERE id = 1`, [min + 1], { silent: true });
      assert.deepEqual((await rules()).json(), first.json());
      // Changed with notification: the next reads see it.
      await rawSql(`UPDATE order_rules SET min_shift_minutes = $1 WHERE id = 1`, [min + 2]);
      let seen = false;
      for (let i = 0; i < 50 && !seen; i++) {
        seen = (await rules()).json().minShiftMinutes === min + 2;
        if (!seen) await delay(10);
      }
      assert.ok(seen, 'the changed rules were not re-read');
    });
  },
);

describe('database unavailable', { skip: !testDatabaseUrl && 'needs TEST_DATABASE_URL (real connections to terminate)' }, () => {
  it('S6.4b: a connection terminated by the server or refused is told apart from a bug (answered 503 DATABASE_UNAVAILABLE + Retry-After, not 500)', async () => {
    const c = new pg.Client({ connectionString: testDatabaseUrl });
    await c.connect();
    c.on('error', () => {});
    const terminated = await c.query('SELECT pg_terminate_backend(pg_backend_pid())').catch((e: unknown) => e);
    assert.ok(isDatabaseUnavailable(terminated), String(terminated));
    await c.end().catch(() => {});
    const u = new URL(testDatabaseUrl!);
    u.port = '1';
    const refused = await new pg.Client({ connectionString: u.toString() }).connect().catch((e: unknown) => e);
    assert.ok(isDatabaseUnavailable(refused), String(refused));
    // A bug is not mistaken for an outage.
    const c2 = new pg.Client({ connectionString: testDatabaseUrl });
    await c2.connect();
    const bug = await c2.query('SELECT * FROM no_such_table').catch((e: unknown) => e);
    await c2.end();
    assert.equal(isDatabaseUnavailable(bug), false);
    assert.equal(isDatabaseUnavailable(new Error('boom')), false);
  });
});
