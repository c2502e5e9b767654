import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { createTestApp, type TestApp } from './helpers.ts';
import { TEST_ENV, createStaff, registerUser, uniqueEmail, loginUser } from './factories.ts';
import { totpNow } from '../src/modules/accounts/totp.ts';
import { bootstrapAccounts, DEMO_PASSWORD, DEMO_TOTP_SECRET } from '../src/modules/accounts/staff.ts';
import { ROLE_PERMISSIONS } from '../src/modules/accounts/policy.ts';

describe('accounts: staff, roles, TOTP, audit', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ env: TEST_ENV });
  });
  after(async () => t.close());

  it('S6.1: an admin creates a staff account; it signs in with password + TOTP and gets its role permissions', async () => {
    const admin = await createStaff(t, ['admin']);
    const email = uniqueEmail('reviewer');
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/staff/users',
      headers: admin.headers,
      payload: { identifier: email, displayName: '审核员', roles: ['reviewer'] },
    });
    assert.equal(created.statusCode, 201, created.body);
    const c = created.json();
    assert.match(c.otpauthUri, /^otpauth:\/\/totp\//);
    assert.ok(c.totpSecret && c.initialPassword);
    assert.deepEqual(c.user.roles, ['reviewer']);
    // The TOTP secret is encrypted at rest.
    const row = await t.p.db.selectFrom('users').selectAll().where('id', '=', c.user.id).executeTakeFirstOrThrow();
    assert.ok(row.totp_secret_enc && !row.totp_secret_enc.includes(c.totpSecret));
    // Password alone is not enough.
    const noTotp = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { identifier: email, password: c.initialPassword, client: 'app' },
    });
    assert.equal(noTotp.json().code, 'TOTP_REQUIRED');
    const totp = totpNow(c.totpSecret, t.clock.now());
    const wrong = String((Number(totp) + 1) % 1_000_000).padStart(6, '0');
    const badTotp = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { identifier: email, password: c.initialPassword, totp: wrong, client: 'app' },
    });
    assert.equal(badTotp.json().code, 'LOGIN_FAILED');
    const ok = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { identifier: email, password: c.initialPassword, totp, client: 'app' },
    });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.json().user.kind, 'staff');
    assert.deepEqual(ok.json().user.permissions, [...ROLE_PERMISSIONS.reviewer].sort());
    const replay = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { identifier: email, password: c.initialPassword, totp, client: 'app' },
    });
    assert.equal(replay.json().code, 'LOGIN_FAILED', 'a TOTP code is accepted once');
  });

  it('S6.1: staff are never self-registered; non-admin staff cannot create staff or assign roles', async () => {
    const reg = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: {
        kind: 'staff',
        channel: 'email',
        destination: uniqueEmail(),
        code: '123456',
        password: 'Shift-Cover#2026',
        displayName: 'x',
      },
    });
    assert.equal(reg.statusCode, 400);
    const finance = await createStaff(t, ['finance']);
    const user = await registerUser(t);
    for (const who of [finance, user]) {
      const create = await t.app.inject({
        method: 'POST',
        url: '/api/v1/staff/users',
        headers: who.headers,
        payload: { identifier: uniqueEmail(), displayName: 'x', roles: ['admin'] },
      });
      assert.equal(create.statusCode, 403);
      assert.equal(create.json().code, 'FORBIDDEN');
      const roles = await t.app.inject({
        method: 'PUT',
        url: `/api/v1/staff/users/${finance.userId}/roles`,
        headers: who.headers,
        payload: { roles: ['admin'] },
      });
      assert.equal(roles.statusCode, 403);
    }
    const anon = await t.app.inject({
      method: 'POST',
      url: '/api/v1/staff/users',
      payload: { identifier: uniqueEmail(), displayName: 'x', roles: ['admin'] },
    });
    assert.equal(anon.statusCode, 401);
  });

  it('S6.1: an admin assigns roles; permissions change at once; the last admin cannot be removed', async () => {
    const admin = await createStaff(t, ['admin']);
    const s = await createStaff(t, ['support']);
    const before = await t.app.inject({ method: 'GET', url: '/api/v1/audit', headers: s.headers });
    assert.equal(before.statusCode, 403);
    const r = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/staff/users/${s.userId}/roles`,
      headers: admin.headers,
      payload: { roles: ['support', 'risk'] },
    });
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(r.json().roles, ['support', 'risk']);
    const after = await t.app.inject({ method: 'GET', url: '/api/v1/audit', headers: s.headers });
    assert.equal(after.statusCode, 200, 'risk grants audit:read on the existing session');
    const notStaff = await registerUser(t);
    const ns = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/staff/users/${notStaff.userId}/roles`,
      headers: admin.headers,
      payload: { roles: ['admin'] },
    });
    assert.equal(ns.json().code, 'NOT_STAFF');
    // Demote every admin but one, then the last one is refused.
    const admins = await t.p.db
      .selectFrom('users')
      .select('id')
      .where('kind', '=', 'staff')
      .where(sql<boolean>`'admin' = ANY(roles)`)
      .execute();
    for (const a of admins.filter((x) => x.id !== admin.userId)) {
      const d = await t.app.inject({
        method: 'PUT',
        url: `/api/v1/staff/users/${a.id}/roles`,
        headers: admin.headers,
        payload: { roles: ['ops'] },
      });
      assert.equal(d.statusCode, 200, d.body);
    }
    const last = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/staff/users/${admin.userId}/roles`,
      headers: admin.headers,
      payload: { roles: ['ops'] },
    });
    assert.equal(last.json().code, 'LAST_ADMIN');
    const list = await t.app.inject({ method: 'GET', url: '/api/v1/staff/users', headers: admin.headers });
    assert.ok(list.json().items.some((x: { id: string; roles: string[] }) => x.id === s.userId && x.roles.includes('risk')));
  });

  it('S6.1: the security audit records logins, role changes and session ends; filters and keyset pages work', async () => {
    const admin = await createStaff(t, ['admin']);
    const u = await registerUser(t);
    await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { identifier: u.identifier, password: 'Wrong-Pass#1' } });
    await loginUser(t, u.identifier, u.password);
    await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: u.headers });
    const mine = await t.app.inject({ method: 'GET', url: `/api/v1/audit?subject=${u.userId}&limit=100`, headers: admin.headers });
    assert.equal(mine.statusCode, 200, mine.body);
    const actions = mine.json().items.map((a: { action: string; result: string }) => `${a.action}:${a.result}`);
    for (const want of ['account.registered:success', 'login:success', 'login:failure', 'session.ended:success'])
      assert.ok(actions.includes(want), want);
    const failures = await t.app.inject({
      method: 'GET',
      url: `/api/v1/audit?subject=${u.userId}&action=login&limit=100`,
      headers: admin.headers,
    });
    assert.ok(failures.json().items.every((a: { action: string }) => a.action === 'login'));
    // Keyset pagination walks everything exactly once.
    const seen = new Set<string>();
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { json(): { items: { id: string }[]; nextCursor: string | null } } = await t.app.inject({
        method: 'GET',
        url: `/api/v1/audit?limit=3${cursor ? `&cursor=${cursor}` : ''}`,
        headers: admin.headers,
      });
      for (const it of page.json().items) {
        assert.ok(!seen.has(it.id));
        seen.add(it.id);
      }
      cursor = page.json().nextCursor;
      pages++;
    } while (cursor && pages < 100);
    const total = await t.p.db
      .selectFrom('security_audit')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    assert.equal(seen.size, Number(total.n));
    const future = await t.app.inject({
      method: 'GET',
      url: `/api/v1/audit?from=${new Date(t.clock.now().getTime() + 3600_000).toISOString()}`,
      headers: admin.headers,
    });
    assert.equal(future.json().items.length, 0);
    const user = await t.app.inject({ method: 'GET', url: '/api/v1/audit', headers: u.headers });
    assert.equal(user.statusCode, 401, 'logged out');
  });

  it("S6.1: an admin re-enrols a staff member's TOTP; the old secret stops working and their sessions end", async () => {
    const admin = await createStaff(t, ['admin']);
    const ops = await createStaff(t, ['ops']);
    const r = await t.app.inject({ method: 'POST', url: `/api/v1/staff/users/${ops.userId}/totp`, headers: admin.headers });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: ops.headers })).statusCode, 401);
    t.clock.advance(30_000);
    const old = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { identifier: ops.identifier, password: ops.password, totp: totpNow(ops.totpSecret, t.clock.now()), client: 'app' },
    });
    assert.equal(old.statusCode, 401);
    const again = await loginUser(t, ops.identifier, ops.password, r.json().totpSecret);
    const self = await t.app.inject({ method: 'POST', url: `/api/v1/staff/users/${admin.userId}/totp`, headers: again.headers });
    assert.equal(self.statusCode, 403);
  });

  it('S6.1: the security audit is append-only in SQL', async () => {
    await assert.rejects(sql`UPDATE security_audit SET action = 'x'`.execute(t.p.db), /append-only/);
    await assert.rejects(sql`DELETE FROM security_audit`.execute(t.p.db), /append-only/);
    await assert.rejects(sql`TRUNCATE security_audit`.execute(t.p.db), /append-only/);
  });

  it('S6.1: the first start creates one admin; demo accounts only when configured', async () => {
    const admins = await t.p.db.selectFrom('users').select('id').where('display_name', 'like', '%Administrator%').execute();
    assert.equal(admins.length, 1);
    const again = await bootstrapAccounts(t.p);
    assert.equal(again.admin, undefined, 'not on a database that has users');
    const d = await createTestApp({ env: { ...TEST_ENV, DEMO_ACCOUNTS: 'true' } });
    try {
      const demo = await d.p.db.selectFrom('users').select(['kind', 'roles']).execute();
      assert.equal(demo.filter((x) => x.kind === 'person').length, 2);
      assert.equal(demo.filter((x) => x.kind === 'enterprise').length, 1);
      assert.equal(demo.filter((x) => x.kind === 'staff').length, 8);
      const courier = await loginUser(d, '13800000001', DEMO_PASSWORD);
      assert.ok(courier.token);
      const reviewer = await loginUser(d, 'reviewer@demo.dingban.local', DEMO_PASSWORD, DEMO_TOTP_SECRET);
      assert.ok(reviewer.token);
    } finally {
      await d.close();
    }
  });
});
