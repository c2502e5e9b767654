import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, testDatabaseUrl, testRedisUrl, type TestApp } from './helpers.ts';
import { TEST_ENV, registerUser, requestCode, loginUser, uniquePhone, TEST_PASSWORD } from './factories.ts';
import { captchaTextForTests } from '../src/modules/accounts/captcha.ts';
import { registerObligationCheck, unregisterObligationCheck } from '../src/modules/accounts/obligations.ts';

describe('accounts: login, lockout, sessions, recovery, cancellation', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ env: TEST_ENV });
  });
  after(async () => t.close());

  const login = (payload: Record<string, unknown>, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url: '/api/v1/auth/login', headers, payload: { client: 'app', ...payload } });
  const captcha = async () => {
    const r = await t.app.inject({ method: 'GET', url: '/api/v1/auth/captcha' });
    assert.equal(r.statusCode, 200);
    assert.match(r.json().svg, /^<svg/);
    const id = r.json().captchaId as string;
    return { captchaId: id, captchaAnswer: captchaTextForTests.get(id)! };
  };

  it('S5.1c: signs in by phone + password and by phone + one-time code', async () => {
    const u = await registerUser(t);
    const byPw = await login({ identifier: u.identifier, password: u.password });
    assert.equal(byPw.statusCode, 200, byPw.body);
    assert.equal(byPw.json().user.id, u.userId);
    const code = await requestCode(t, 'login', u.identifier);
    const byCode = await login({ identifier: u.identifier, code });
    assert.equal(byCode.statusCode, 200, byCode.body);
    const reuse = await login({ identifier: u.identifier, code });
    assert.equal(reuse.json().code, 'LOGIN_FAILED', 'a login code works once');
  });

  it('S5.1c: a failed login says how many tries are left, the same way whether or not the account exists', async () => {
    const u = await registerUser(t);
    const a = await login({ identifier: u.identifier, password: 'Wrong-Pass#1' });
    const b = await login({ identifier: uniquePhone(), password: 'Wrong-Pass#1' });
    assert.equal(a.statusCode, 401);
    for (const r of [a, b]) {
      assert.equal(r.json().code, 'LOGIN_FAILED');
      assert.equal(r.json().remainingAttempts, 4);
      assert.match(r.json().detail, /还可尝试 4 次/);
    }
    assert.deepEqual(Object.keys(a.json()).sort(), Object.keys(b.json()).sort());
  });

  it('S5.1c: from the 2nd failure a captcha is required; 5 failures in 15 min lock the account for 30 min and notify the owner', async () => {
    const u = await registerUser(t);
    const wrong = { identifier: u.identifier, password: 'Wrong-Pass#1' };
    assert.equal((await login(wrong)).json().remainingAttempts, 4);
    const second = await login(wrong);
    assert.equal(second.json().remainingAttempts, 3);
    assert.equal(second.json().captchaRequired, true);
    // Now even the right password needs a captcha.
    const noCaptcha = await login({ identifier: u.identifier, password: u.password });
    assert.equal(noCaptcha.json().code, 'CAPTCHA_REQUIRED');
    const badCaptcha = await login({ ...wrong, ...(await captcha()), captchaAnswer: 'zzzz' });
    assert.equal(badCaptcha.json().code, 'CAPTCHA_INVALID');
    assert.equal((await login({ ...wrong, ...(await captcha()) })).json().remainingAttempts, 2);
    const c = await captcha();
    assert.equal((await login({ ...wrong, ...c })).json().remainingAttempts, 1);
    assert.equal((await login({ ...wrong, ...c })).json().code, 'CAPTCHA_INVALID', 'a captcha is single use');
    const locked = await login({ ...wrong, ...(await captcha()) });
    assert.equal(locked.statusCode, 423);
    assert.equal(locked.json().code, 'ACCOUNT_LOCKED');
    const until = new Date(locked.json().lockedUntil).getTime();
    assert.equal(until, t.clock.now().getTime() + 30 * 60_000);
    // While locked, even the right password is refused.
    t.clock.advance(29 * 60_000);
    assert.equal((await login({ identifier: u.identifier, password: u.password })).json().code, 'ACCOUNT_LOCKED');
    // The owner is told (message center, with SMS/e-mail copy).
    const ev = await t.p.db.selectFrom('outbox_events').select(['payload']).where('type', '=', 'messages.notification.requested').execute();
    const notice = ev
      .map((e) => e.payload as { userId: string; category: string; mandatoryCopy?: boolean })
      .find((x) => x.userId === u.userId);
    assert.ok(notice, 'a lock notification was requested');
    assert.equal(notice.category, 'account');
    assert.equal(notice.mandatoryCopy, true);
    // After 30 minutes the lock ends and the failure count starts over.
    t.clock.advance(60_001);
    const ok = await login({ identifier: u.identifier, password: u.password });
    assert.equal(ok.statusCode, 200, ok.body);
    // Audit holds the failures and the lock.
    const audit = await t.p.db.selectFrom('security_audit').selectAll().where('subject_id', '=', u.userId).execute();
    assert.equal(audit.filter((a) => a.action === 'login' && a.result === 'failure').length, 5);
    assert.equal(audit.filter((a) => a.action === 'account.locked').length, 1);
    assert.ok(!JSON.stringify(audit).includes(u.identifier), 'the audit holds no phone number in clear');
  });

  it('S5.1c: failures older than the 15-minute window do not count', async () => {
    const u = await registerUser(t);
    await login({ identifier: u.identifier, password: 'Wrong-Pass#1' });
    t.clock.advance(15 * 60_000 + 1);
    const r = await login({ identifier: u.identifier, password: 'Wrong-Pass#1' });
    assert.equal(r.json().remainingAttempts, 4);
  });

  it('S6.1: sessions expire after 30 idle minutes and at their absolute lifetime', async () => {
    const u = await registerUser(t);
    t.clock.advance(29 * 60_000);
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: u.headers })).statusCode, 200);
    t.clock.advance(29 * 60_000);
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: u.headers })).statusCode, 200, 'activity keeps it alive');
    t.clock.advance(30 * 60_000 + 1);
    const idle = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: u.headers });
    assert.equal(idle.statusCode, 401);
    assert.equal(idle.json().code, 'SESSION_EXPIRED');
    // Absolute lifetime: 7 days even with constant activity.
    const v = await loginUser(t, u.identifier, u.password);
    for (let h = 0; h < 7 * 24; h += 0.4) {
      t.clock.advance(24 * 60_000);
      const r = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: v.headers });
      if (r.statusCode !== 200) {
        assert.equal(r.json().code, 'SESSION_EXPIRED');
        assert.ok(h >= 7 * 24 - 1, `ended early at ${h} h`);
        return;
      }
    }
    const last = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: v.headers });
    assert.equal(last.json().code, 'SESSION_EXPIRED');
  });

  it('S6.1: anonymous calls get 401; a stale cookie does not block signing in again', async () => {
    const anon = await t.app.inject({ method: 'GET', url: '/api/v1/me' });
    assert.equal(anon.statusCode, 401);
    assert.equal(anon.json().code, 'UNAUTHENTICATED');
    const u = await registerUser(t);
    const r = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      cookies: { dingban_session: 'stale-token' },
      payload: { identifier: u.identifier, password: u.password },
    });
    assert.equal(r.statusCode, 200);
    const stale = await t.app.inject({ method: 'GET', url: '/api/v1/me', cookies: { dingban_session: 'stale-token' } });
    assert.equal(stale.json().code, 'SESSION_EXPIRED');
  });

  it("S6.1: users list and end their own sessions, and cannot touch anyone else's", async () => {
    const a = await registerUser(t);
    const a2 = await loginUser(t, a.identifier, a.password);
    const a3 = await loginUser(t, a.identifier, a.password);
    const b = await registerUser(t);
    const list = await t.app.inject({ method: 'GET', url: '/api/v1/me/sessions', headers: a.headers });
    assert.equal(list.json().items.length, 3);
    assert.equal(list.json().items.filter((s: { current: boolean }) => s.current).length, 1);
    // B cannot end A's session, and sees none of A's.
    const steal = await t.app.inject({ method: 'DELETE', url: `/api/v1/me/sessions/${a2.sessionId}`, headers: b.headers });
    assert.equal(steal.statusCode, 404);
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: a2.headers })).statusCode, 200);
    const bl = await t.app.inject({ method: 'GET', url: '/api/v1/me/sessions', headers: b.headers });
    assert.deepEqual(
      bl.json().items.map((s: { id: string }) => s.id),
      [b.sessionId],
    );
    // A ends a2, then all others.
    assert.equal(
      (await t.app.inject({ method: 'DELETE', url: `/api/v1/me/sessions/${a2.sessionId}`, headers: a.headers })).statusCode,
      200,
    );
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: a2.headers })).json().code, 'SESSION_EXPIRED');
    const others = await t.app.inject({ method: 'DELETE', url: '/api/v1/me/sessions', headers: a.headers });
    assert.equal(others.json().ended, 1);
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: a3.headers })).statusCode, 401);
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: a.headers })).statusCode, 200);
    // Logout ends the current one.
    assert.equal((await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: a.headers })).statusCode, 200);
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: a.headers })).statusCode, 401);
  });

  it('S5.1d: a password is reset with a code; every session ends and the owner is told', async () => {
    const u = await registerUser(t);
    const code = await requestCode(t, 'reset', u.identifier);
    const weak = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password/reset',
      payload: { identifier: u.identifier, code, newPassword: 'password' },
    });
    assert.equal(weak.json().code, 'WEAK_PASSWORD');
    const r = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password/reset',
      payload: { identifier: u.identifier, code, newPassword: 'New-Shift#2027' },
    });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: u.headers })).statusCode, 401);
    assert.equal((await login({ identifier: u.identifier, password: u.password })).statusCode, 401);
    assert.equal((await login({ identifier: u.identifier, password: 'New-Shift#2027' })).statusCode, 200);
    const again = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password/reset',
      payload: { identifier: u.identifier, code, newPassword: 'Other-Shift#2028' },
    });
    assert.equal(again.json().code, 'CODE_INVALID');
    const ev = await t.p.db.selectFrom('outbox_events').select(['payload']).where('type', '=', 'messages.notification.requested').execute();
    assert.ok(
      ev.some(
        (e) =>
          (e.payload as { userId: string; title: { en: string } }).userId === u.userId &&
          /reset/.test((e.payload as { title: { en: string } }).title.en),
      ),
    );
  });

  it('S5.1d: a reset for an unknown number fails like a wrong code', async () => {
    const r = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password/reset',
      payload: { identifier: uniquePhone(), code: '123456', newPassword: 'New-Shift#2027' },
    });
    assert.equal(r.json().code, 'CODE_INVALID');
  });

  it('S6.1: changing the password needs the current one and ends the other sessions', async () => {
    const u = await registerUser(t);
    const other = await loginUser(t, u.identifier, u.password);
    const bad = await t.app.inject({
      method: 'POST',
      url: '/api/v1/me/password',
      headers: u.headers,
      payload: { currentPassword: 'nope', newPassword: 'New-Shift#2027' },
    });
    assert.equal(bad.json().code, 'PASSWORD_MISMATCH');
    const ok = await t.app.inject({
      method: 'POST',
      url: '/api/v1/me/password',
      headers: u.headers,
      payload: { currentPassword: u.password, newPassword: 'New-Shift#2027' },
    });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.json().otherSessionsEnded, 1);
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: other.headers })).statusCode, 401);
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: u.headers })).statusCode, 200);
  });

  it('S5.3b: cancellation is refused while obligations remain, then erases personal data and ends sign-in', async () => {
    const u = await registerUser(t);
    let open = true;
    registerObligationCheck('test.orders', async (_p, userId) =>
      open && userId === u.userId ? ['有未完成的订单 / unfinished orders: 1'] : [],
    );
    try {
      const refused = await t.app.inject({
        method: 'POST',
        url: '/api/v1/me/cancel',
        headers: u.headers,
        payload: { password: u.password },
      });
      assert.equal(refused.statusCode, 409);
      assert.equal(refused.json().code, 'ACCOUNT_HAS_OBLIGATIONS');
      assert.deepEqual(refused.json().reasons, ['有未完成的订单 / unfinished orders: 1']);
      const wrongPw = await t.app.inject({ method: 'POST', url: '/api/v1/me/cancel', headers: u.headers, payload: { password: 'nope' } });
      assert.equal(wrongPw.json().code, 'PASSWORD_MISMATCH');
      open = false;
      const ok = await t.app.inject({ method: 'POST', url: '/api/v1/me/cancel', headers: u.headers, payload: { password: u.password } });
      assert.equal(ok.statusCode, 200, ok.body);
    } finally {
      unregisterObligationCheck('test.orders');
    }
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: u.headers })).statusCode, 401);
    const relogin = await login({ identifier: u.identifier, password: u.password });
    assert.equal(relogin.json().code, 'LOGIN_FAILED');
    const row = await t.p.db.selectFrom('users').selectAll().where('id', '=', u.userId).executeTakeFirstOrThrow();
    assert.equal(row.status, 'cancelled');
    assert.equal(row.phone_enc, null);
    assert.equal(row.phone_idx, null);
    assert.equal(row.password_hash, null);
    // The number is free again for a new registration.
    const again = await registerUser(t, { identifier: u.identifier });
    assert.notEqual(again.userId, u.userId);
    assert.equal(TEST_PASSWORD, again.password);
  });

  it(
    'S5.1c: failures counted on one server process lock the account on another (shared Redis + PostgreSQL)',
    { skip: !(testDatabaseUrl && testRedisUrl) && 'needs TEST_DATABASE_URL and TEST_REDIS_URL' },
    async () => {
      const u = await registerUser(t);
      const t2 = await createTestApp({
        env: TEST_ENV,
        databaseUrl: t.config.databaseUrl!,
        redisPrefix: t.config.redisPrefix,
        now: t.clock.now(),
        overrides: { keyring: t.p.keyring },
      });
      try {
        const wrong = { identifier: u.identifier, password: 'Wrong-Pass#1', client: 'app' };
        const apps = [t, t2, t, t2, t];
        let last;
        for (const [i, a] of apps.entries()) {
          const c =
            i >= 2
              ? await (async () => {
                  const r = await a.app.inject({ method: 'GET', url: '/api/v1/auth/captcha' });
                  return { captchaId: r.json().captchaId, captchaAnswer: captchaTextForTests.get(r.json().captchaId) };
                })()
              : {};
          last = await a.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { ...wrong, ...c } });
        }
        assert.equal(last!.json().code, 'ACCOUNT_LOCKED');
        const other = await t2.app.inject({
          method: 'POST',
          url: '/api/v1/auth/login',
          payload: { identifier: u.identifier, password: u.password, client: 'app' },
        });
        assert.equal(other.statusCode, 423, 'the other process sees the lock');
        // A session opened on one process works on the other.
        assert.equal((await t2.app.inject({ method: 'GET', url: '/api/v1/me', headers: u.headers })).statusCode, 200);
      } finally {
        await t2.close();
      }
    },
  );
});

describe('accounts: session activity is written in batches', () => {
  it('S6.1: touches of many sessions reach the database together, and a queued touch already keeps its session alive', async () => {
    const t = await createTestApp({ env: TEST_ENV });
    try {
      const users = [await registerUser(t), await registerUser(t), await registerUser(t)];
      t.clock.advance(20 * 60_000);
      const touchedAt = t.clock.now();
      for (const u of users) assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: u.headers })).statusCode, 200);
      // 25 more idle minutes: 45 since sign-in, 25 since the (possibly still queued) touch — alive.
      t.clock.advance(25 * 60_000);
      assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: users[0]!.headers })).statusCode, 200);
      await t.app.close(); // shutdown writes whatever is still queued
      const rows = await t.p.db
        .selectFrom('sessions')
        .select(['user_id', 'last_seen_at'])
        .where(
          'user_id',
          'in',
          users.map((u) => u.userId),
        )
        .execute();
      assert.equal(rows.length, 3);
      for (const r of rows) assert.ok(r.last_seen_at.getTime() >= touchedAt.getTime(), `session of ${r.user_id} written`);
    } finally {
      await t.close();
    }
  });
});
