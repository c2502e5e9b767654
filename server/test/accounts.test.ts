import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from './helpers.ts';
import { TEST_ENV, latestCode, randomCreditCode, registerUser, requestCode, TEST_PASSWORD, uniqueEmail, uniquePhone } from './factories.ts';

describe('accounts: registration, codes, profile', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ env: TEST_ENV });
  });
  after(async () => t.close());

  it('S5.1a S5.1b: a person registers with an SMS code and is signed in', async () => {
    const phone = uniquePhone();
    const sent = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/codes',
      payload: { purpose: 'register', channel: 'sms', destination: phone },
    });
    assert.equal(sent.statusCode, 202);
    assert.equal(sent.json().expiresInSeconds, 600);
    const code = await latestCode(t, phone);
    const r = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { kind: 'person', channel: 'sms', destination: phone, code, password: TEST_PASSWORD, displayName: '张三' },
    });
    assert.equal(r.statusCode, 201, r.body);
    const body = r.json();
    assert.equal(body.user.kind, 'person');
    assert.equal(body.user.phone, `${phone.slice(0, 3)}****${phone.slice(-4)}`, 'the phone number is masked');
    assert.ok(body.user.permissions.includes('orders:take'));
    assert.equal(body.token, undefined, 'web clients get cookies, not a token in the body');
    const cookies = r.cookies as { name: string; value: string; httpOnly?: boolean; sameSite?: string }[];
    const session = cookies.find((c) => c.name === 'dingban_session')!;
    const csrf = cookies.find((c) => c.name === 'dingban_csrf')!;
    assert.ok(session.httpOnly);
    assert.equal(session.sameSite, 'Lax');
    assert.ok(!csrf.httpOnly);
    // The cookie authenticates reads; writes need the CSRF token echoed.
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/me', cookies: { dingban_session: session.value } });
    assert.equal(me.statusCode, 200);
    assert.equal(me.json().displayName, '张三');
    const noCsrf = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/me',
      cookies: { dingban_session: session.value },
      payload: { displayName: 'x' },
    });
    assert.equal(noCsrf.statusCode, 403);
    assert.equal(noCsrf.json().code, 'CSRF_FAILED');
    const withCsrf = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/me',
      cookies: { dingban_session: session.value, dingban_csrf: csrf.value },
      headers: { 'x-csrf-token': csrf.value },
      payload: { displayName: '张三丰' },
    });
    assert.equal(withCsrf.statusCode, 200, withCsrf.body);
    assert.equal(withCsrf.json().displayName, '张三丰');
  });

  it('S5.1a S5.1b: an enterprise registers by e-mail with a valid unified social credit code', async () => {
    const email = uniqueEmail('boss');
    const code = await requestCode(t, 'register', email);
    const base = {
      kind: 'enterprise',
      channel: 'email',
      destination: email,
      code,
      password: TEST_PASSWORD,
      displayName: '王经理',
      client: 'app',
    };
    const bad = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { ...base, enterprise: { companyName: '速达驿站', creditCode: '91350100M000100Y44' } },
    });
    assert.equal(bad.json().code, 'INVALID_CREDIT_CODE');
    const missing = await t.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: base });
    assert.equal(missing.json().code, 'ENTERPRISE_DETAILS_REQUIRED');
    const creditCode = randomCreditCode();
    const ok = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { ...base, enterprise: { companyName: '速达驿站', creditCode } },
    });
    assert.equal(ok.statusCode, 201, ok.body);
    const b = ok.json();
    assert.ok(b.token, 'app clients get the bearer token');
    assert.equal(b.user.kind, 'enterprise');
    assert.equal(b.user.enterprise.companyName, '速达驿站');
    assert.notEqual(b.user.enterprise.creditCode, creditCode, 'the credit code is masked');
    assert.ok(b.user.permissions.includes('orders:post'));
    assert.ok(!b.user.permissions.includes('orders:take'), 'enterprises post shifts, they do not take them');
    // Personal data is encrypted at rest (S7.2a): neither the e-mail nor the code appears in the row.
    const row = await t.p.db.selectFrom('users').selectAll().where('id', '=', b.user.id).executeTakeFirstOrThrow();
    assert.ok(!JSON.stringify(row).includes(email));
    assert.ok(!JSON.stringify(row).includes(creditCode));
    assert.match(row.password_hash!, /^\$argon2id\$/);
  });

  it('S5.1b: a code is single use, expires after 10 minutes, and allows 5 tries', async () => {
    const phone = uniquePhone();
    const reg = (code: string) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/register',
        payload: { kind: 'person', channel: 'sms', destination: phone, code, password: TEST_PASSWORD, displayName: 'x', client: 'app' },
      });
    let code = await requestCode(t, 'register', phone);
    t.clock.advance(10 * 60_000 + 1);
    assert.equal((await reg(code)).json().code, 'CODE_INVALID', 'expired');
    code = await requestCode(t, 'register', phone);
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++) assert.equal((await reg(wrong)).json().code, 'CODE_INVALID');
    assert.equal((await reg(code)).json().code, 'CODE_INVALID', 'the right code no longer works after 5 wrong tries');
    code = await requestCode(t, 'register', phone);
    assert.equal((await reg(code)).statusCode, 201);
    assert.equal((await reg(code)).json().code, 'CODE_INVALID', 'single use');
  });

  it('S5.1b: codes have a 60 s resend cool-down and a daily cap per destination', async () => {
    const phone = uniquePhone();
    const send = () =>
      t.app.inject({ method: 'POST', url: '/api/v1/auth/codes', payload: { purpose: 'register', channel: 'sms', destination: phone } });
    assert.equal((await send()).statusCode, 202);
    const again = await send();
    assert.equal(again.statusCode, 429);
    assert.equal(again.json().code, 'CODE_COOLDOWN');
    assert.ok(Number(again.headers['retry-after']) > 0);
    for (let i = 1; i < 10; i++) {
      t.clock.advance(61_000);
      assert.equal((await send()).statusCode, 202, `code ${i + 1}`);
    }
    t.clock.advance(61_000);
    const capped = await send();
    assert.equal(capped.statusCode, 429);
    assert.equal(capped.json().code, 'CODE_DAILY_LIMIT');
  });

  it('S5.1b: an already registered phone cannot register again', async () => {
    const u = await registerUser(t);
    const code = await requestCode(t, 'register', u.identifier);
    const r = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { kind: 'person', channel: 'sms', destination: u.identifier, code, password: TEST_PASSWORD, displayName: 'x' },
    });
    assert.equal(r.statusCode, 409);
    assert.equal(r.json().code, 'ACCOUNT_EXISTS');
  });

  it('S5.1b: weak and common passwords are refused with the reason', async () => {
    const phone = uniquePhone();
    const code = await requestCode(t, 'register', phone);
    for (const [pw, why] of [
      ['Ab1!', /8/],
      ['alllowercase1', /三类|three/],
      ['Password123!', /常见|common/],
      ['P@ssw0rd2026', /常见|common/],
      [`Aa!${phone}`, /手机号|phone/],
    ] as const) {
      const r = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/register',
        payload: { kind: 'person', channel: 'sms', destination: phone, code, password: pw, displayName: 'x' },
      });
      assert.equal(r.json().code, 'WEAK_PASSWORD', pw);
      assert.match(r.json().detail, why);
    }
    const en = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      headers: { 'accept-language': 'en-US' },
      payload: { kind: 'person', channel: 'sms', destination: phone, code, password: 'short', displayName: 'x' },
    });
    assert.match(en.json().detail, /8 to 128/);
  });

  it('S5.1b: a malformed phone number or a channel mismatch is refused', async () => {
    const bad = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/codes',
      payload: { purpose: 'register', channel: 'sms', destination: '12345678901' },
    });
    assert.equal(bad.json().code, 'INVALID_PHONE');
    const mismatch = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/codes',
      payload: { purpose: 'register', channel: 'sms', destination: 'a@b.cn' },
    });
    assert.equal(mismatch.json().code, 'CHANNEL_MISMATCH');
  });

  it('S5.1c: asking for a login or reset code does not reveal whether an account exists', async () => {
    const u = await registerUser(t);
    const nobody = uniquePhone();
    for (const purpose of ['login', 'reset']) {
      t.clock.advance(61_000);
      const a = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/codes',
        payload: { purpose, channel: 'sms', destination: u.identifier },
      });
      const b = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/codes',
        payload: { purpose, channel: 'sms', destination: nobody },
      });
      assert.equal(a.statusCode, b.statusCode);
      assert.deepEqual(a.json(), b.json());
    }
    const out = await t.app.inject({ method: 'GET', url: `/api/v1/dev/outbox?to=${nobody}` });
    assert.equal(out.json().items.length, 0, 'nothing is sent to an unknown number');
  });

  it('S5.3a: the profile can be completed and the phone changed with password and a code to the new number', async () => {
    const u = await registerUser(t);
    const patch = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/me',
      headers: u.headers,
      payload: { locale: 'en-US', avatarUrl: 'https://cdn.example.com/a.png' },
    });
    assert.equal(patch.statusCode, 200, patch.body);
    assert.equal(patch.json().locale, 'en-US');
    const newPhone = uniquePhone();
    const anon = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/codes',
      payload: { purpose: 'change_contact', channel: 'sms', destination: newPhone },
    });
    assert.equal(anon.statusCode, 401, 'change_contact codes need a signed-in user');
    const code = await requestCode(t, 'change_contact', newPhone, u.headers);
    const wrongPw = await t.app.inject({
      method: 'POST',
      url: '/api/v1/me/contact',
      headers: u.headers,
      payload: { channel: 'sms', destination: newPhone, code, password: 'Wrong-Pass#1' },
    });
    assert.equal(wrongPw.json().code, 'PASSWORD_MISMATCH');
    const ok = await t.app.inject({
      method: 'POST',
      url: '/api/v1/me/contact',
      headers: u.headers,
      payload: { channel: 'sms', destination: newPhone, code, password: u.password },
    });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.json().phone, `${newPhone.slice(0, 3)}****${newPhone.slice(-4)}`);
    // Add an e-mail too.
    const email = uniqueEmail();
    const ecode = await requestCode(t, 'change_contact', email, u.headers);
    const added = await t.app.inject({
      method: 'POST',
      url: '/api/v1/me/contact',
      headers: u.headers,
      payload: { channel: 'email', destination: email, code: ecode, password: u.password },
    });
    assert.equal(added.statusCode, 200);
    assert.ok(added.json().email);
    // The old number no longer signs in; the new one does.
    const old = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { identifier: u.identifier, password: u.password, client: 'app' },
    });
    assert.equal(old.statusCode, 401);
    const fresh = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { identifier: newPhone, password: u.password, client: 'app' },
    });
    assert.equal(fresh.statusCode, 200);
  });

  it('S5.3a: a change_contact code sent for one user cannot be used by another', async () => {
    const a = await registerUser(t);
    const b = await registerUser(t);
    const target = uniquePhone();
    const code = await requestCode(t, 'change_contact', target, a.headers);
    const r = await t.app.inject({
      method: 'POST',
      url: '/api/v1/me/contact',
      headers: b.headers,
      payload: { channel: 'sms', destination: target, code, password: b.password },
    });
    assert.equal(r.json().code, 'CODE_INVALID');
  });

  it('S7.2a: findContact gives the message center the decrypted contact and locale', async () => {
    const { findContact } = await import('../src/modules/accounts/index.ts');
    const email = uniqueEmail();
    const u = await registerUser(t, { identifier: email });
    const c = await findContact(t.p, u.userId);
    assert.deepEqual(c, { userId: u.userId, phone: null, email, locale: 'zh-CN' });
  });
});
