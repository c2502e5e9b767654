import { randomInt } from 'node:crypto';
import assert from 'node:assert/strict';
import type { TestApp } from './helpers.ts';
import { createStaffUser } from '../src/modules/accounts/staff.ts';
import { creditCodeCheckChar } from '../src/modules/accounts/credit-code.ts';
import { totpNow } from '../src/modules/accounts/totp.ts';

/**
 * Factories for tests of every module. They go through the real HTTP flows (code from the dev outbox,
 * registration, sign-in with TOTP for staff) so what a test gets is what a client would get.
 */

/**
 * Env for createTestApp in the accounts tests: no web build (app.ts sets its not-found handler twice
 * when web/dist exists) and no load shedding (the shared CI machine is slow; shedding is tested elsewhere).
 */
export const TEST_ENV: Record<string, string> = { WEB_DIST: '/nonexistent-web-dist', MAX_EVENT_LOOP_DELAY_MS: '0' };

/** Headers that authenticate as a signed-in user (bearer token). */
export interface AuthHeaders {
  authorization: string;
  [k: string]: string;
}

export interface TestUser {
  userId: string;
  token: string;
  sessionId: string;
  headers: AuthHeaders;
  identifier: string;
  password: string;
}

export interface TestStaff extends TestUser {
  roles: string[];
  totpSecret: string;
}

let seq = 0;
/** A fresh mainland mobile number (199xxxxxxxx), unique within the process. */
export const uniquePhone = (): string => `199${String(randomInt(1e8)).padStart(8, '0')}`;
/** A fresh e-mail address. */
export const uniqueEmail = (prefix = 'user'): string =>
  `${prefix}.${Date.now().toString(36)}.${++seq}.${randomInt(1e6)}@test.dingban.local`;

/** A random unified social credit code with a correct GB 32100 check character. */
export function randomCreditCode(): string {
  const alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY';
  let body = '91' + String(310000 + randomInt(9999)).padStart(6, '0');
  for (let i = 0; i < 9; i++) body += alphabet[randomInt(alphabet.length)];
  return body + creditCodeCheckChar(body);
}

/** A password that satisfies the rules. */
export const TEST_PASSWORD = 'Shift-Cover#2026';

/** The newest 6-digit code sent to `to` (dev outbox). */
export async function latestCode(t: TestApp, to: string): Promise<string> {
  const r = await t.app.inject({ method: 'GET', url: `/api/v1/dev/outbox?to=${encodeURIComponent(to)}&limit=1` });
  assert.equal(r.statusCode, 200, r.body);
  const item = r.json().items[0] as { body: string } | undefined;
  assert.ok(item, `no message was sent to ${to}`);
  const m = /\b(\d{6})\b/.exec(item.body);
  assert.ok(m, `no code in message to ${to}`);
  return m[1]!;
}

/** Asks for a code and returns it (moves the clock past the resend cool-down first, if needed). */
export async function requestCode(
  t: TestApp,
  purpose: 'register' | 'login' | 'reset' | 'change_contact',
  destination: string,
  headers: Record<string, string> = {},
): Promise<string> {
  const channel = destination.includes('@') ? 'email' : 'sms';
  let r = await t.app.inject({ method: 'POST', url: '/api/v1/auth/codes', headers, payload: { purpose, channel, destination } });
  if (r.statusCode === 429 && r.json().code === 'CODE_COOLDOWN') {
    t.clock.advance(61_000);
    r = await t.app.inject({ method: 'POST', url: '/api/v1/auth/codes', headers, payload: { purpose, channel, destination } });
  }
  assert.equal(r.statusCode, 202, r.body);
  return latestCode(t, destination);
}

export interface RegisterOptions {
  kind?: 'person' | 'enterprise';
  /** A phone number or e-mail; default a fresh phone number. */
  identifier?: string;
  password?: string;
  displayName?: string;
  companyName?: string;
  creditCode?: string;
}

/** Registers a person (default) or enterprise through the real flow and returns bearer credentials. */
export async function registerUser(t: TestApp, o: RegisterOptions = {}): Promise<TestUser> {
  const kind = o.kind ?? 'person';
  const identifier = o.identifier ?? uniquePhone();
  const password = o.password ?? TEST_PASSWORD;
  const code = await requestCode(t, 'register', identifier);
  const r = await t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/register',
    payload: {
      kind,
      channel: identifier.includes('@') ? 'email' : 'sms',
      destination: identifier,
      code,
      password,
      displayName: o.displayName ?? (kind === 'enterprise' ? '测试企业联系人' : '测试用户'),
      ...(kind === 'enterprise'
        ? { enterprise: { companyName: o.companyName ?? '测试快递驿站有限公司', creditCode: o.creditCode ?? randomCreditCode() } }
        : {}),
      client: 'app',
    },
  });
  assert.equal(r.statusCode, 201, r.body);
  const body = r.json() as { user: { id: string }; token: string; sessionId: string };
  return {
    userId: body.user.id,
    token: body.token,
    sessionId: body.sessionId,
    headers: { authorization: `Bearer ${body.token}` },
    identifier,
    password,
  };
}

/** Signs in with a password (and TOTP secret for staff) as an app client; returns bearer credentials. */
export async function loginUser(t: TestApp, identifier: string, password: string, totpSecret?: string): Promise<TestUser> {
  const r = await t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { identifier, password, client: 'app', ...(totpSecret ? { totp: totpNow(totpSecret, t.clock.now()) } : {}) },
  });
  assert.equal(r.statusCode, 200, r.body);
  const body = r.json() as { user: { id: string }; token: string; sessionId: string };
  return {
    userId: body.user.id,
    token: body.token,
    sessionId: body.sessionId,
    headers: { authorization: `Bearer ${body.token}` },
    identifier,
    password,
  };
}

/** Creates a staff member with the given roles (as an administrator would) and signs them in with TOTP. */
export async function createStaff(t: TestApp, roles: string[], o: { identifier?: string; displayName?: string } = {}): Promise<TestStaff> {
  const identifier = o.identifier ?? uniqueEmail('staff');
  const c = await createStaffUser(t.p, null, null, { identifier, displayName: o.displayName ?? `测试员工 ${roles.join('+')}`, roles });
  const u = await loginUser(t, identifier, c.initialPassword, c.totpSecret);
  return { ...u, roles, totpSecret: c.totpSecret };
}
