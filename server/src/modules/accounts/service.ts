import type { Actor } from '../../platform/auth.ts';
import { AppError } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import type { Platform } from '../../platform/platform.ts';
import { notify } from '../messages/index.ts';
import { audit } from './audit.ts';
import { checkCode } from './codes.ts';
import { contactColumn, contactIndex, maskContact, parseDestination, parseIdentifier, type Contact } from './contact.ts';
import type { RequestCtx } from './context.ts';
import { parseCreditCode } from './credit-code.ts';
import { activeUntil, hitWindow, peekWindow, resetWindow, setUntil } from './limits.ts';
import { collectObligations } from './obligations.ts';
import { assertStrongPassword, checkPassword, hashPassword } from './passwords.ts';
import * as repo from './repo.ts';
import { createSession, sessionIsLive, type IssuedSession } from './sessions.ts';
import { solveCaptcha } from './captcha.ts';
import { verifyTotp } from './totp.ts';

/** After this many failures in the window, a login attempt must come with a solved captcha. */
export const CAPTCHA_AFTER_FAILURES = 2;
/** Failed logins per client address per failure window before that address is throttled. */
export const IP_FAILURE_LIMIT = 50;

/** Event published when an account is created (wallets, message preferences can react). */
export const USER_REGISTERED = 'accounts.user.registered';
/** Event published when an account is cancelled and its personal data erased. */
export const USER_CANCELLED = 'accounts.user.cancelled';

const lockedProblem = (until: Date) =>
  new AppError(
    'ACCOUNT_LOCKED',
    { lockedUntilLocal: new Date(until.getTime() + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ') + ' (UTC+8)' },
    { extra: { lockedUntil: until.toISOString() } },
  );

// ---------------------------------------------------------------- registration (S5.1a, S5.1b)

export interface RegisterInput {
  kind: 'person' | 'enterprise';
  channel: 'sms' | 'email';
  destination: string;
  code: string;
  password: string;
  displayName: string;
  enterprise?: { companyName: string; creditCode: string } | undefined;
  client?: 'web' | 'app' | undefined;
}

/** Creates a person or enterprise account once the code sent to its phone/e-mail is proven; signs in. */
export async function registerUser(
  p: Platform,
  ctx: RequestCtx,
  input: RegisterInput,
): Promise<{ user: repo.UserRow; session: IssuedSession }> {
  const contact = parseDestination(input.channel, input.destination);
  let creditCode: string | undefined;
  if (input.kind === 'enterprise') {
    if (!input.enterprise?.companyName.trim() || !input.enterprise.creditCode) throw new AppError('ENTERPRISE_DETAILS_REQUIRED');
    creditCode = parseCreditCode(input.enterprise.creditCode);
    if (!creditCode) throw new AppError('INVALID_CREDIT_CODE');
  }
  assertStrongPassword(input.password, passwordContext(contact));
  const idx = contactIndex(p, contact);
  const codeId = await checkCode(p, 'register', idx, input.code);
  const passwordHash = await hashPassword(input.password);
  const now = p.clock.now();
  const id = newId();
  try {
    return await p.db.transaction().execute(async (tx) => {
      if (!(await repo.consumeCode(tx, codeId, now))) throw new AppError('CODE_INVALID');
      if (await repo.findUserByContactIdx(tx, contact.channel, idx)) throw new AppError('ACCOUNT_EXISTS');
      await repo.insertUser(tx, {
        id,
        kind: input.kind,
        display_name: input.displayName.trim(),
        ...contactColumns(p, contact),
        password_hash: passwordHash,
        locale: ctx.locale,
        avatar_url: null,
        company_name: input.kind === 'enterprise' ? input.enterprise!.companyName.trim() : null,
        credit_code_enc: creditCode ? p.keyring.encrypt(creditCode, 'users.credit_code') : null,
        credit_code_idx: creditCode ? p.keyring.blindIndex(creditCode, 'users.credit_code') : null,
        totp_secret_enc: null,
        password_changed_at: now,
        created_at: now,
        updated_at: now,
        cancelled_at: null,
      });
      await audit(tx, {
        at: now,
        action: 'account.registered',
        actorId: id,
        subjectId: id,
        ip: ctx.ip,
        userAgent: ctx.userAgent,
        detail: { kind: input.kind, via: contact.channel },
      });
      await p.jobs.publish(tx, USER_REGISTERED, { userId: id, kind: input.kind });
      const session = await createSession(p, tx, id, ctx, input.client ?? 'web');
      await audit(tx, {
        at: now,
        action: 'login',
        actorId: id,
        subjectId: id,
        ip: ctx.ip,
        userAgent: ctx.userAgent,
        detail: { method: 'registration', sessionId: session.id },
      });
      const user = await repo.findUserById(tx, id);
      return { user: user!, session };
    });
  } catch (err) {
    if ((err as { code?: string }).code === '23505') throw new AppError('ACCOUNT_EXISTS');
    throw err;
  }
}

function contactColumns(p: Platform, c: Contact) {
  const enc = p.keyring.encrypt(c.value, contactColumn(c.channel));
  const idx = contactIndex(p, c);
  return c.channel === 'sms' ? { phone_enc: enc, phone_idx: idx } : { email_enc: enc, email_idx: idx };
}

const passwordContext = (c: Contact): string[] => (c.channel === 'sms' ? [c.value] : [c.value, c.value.split('@')[0]!]);

// ---------------------------------------------------------------- login (S5.1c, S6.1)

export interface LoginInput {
  identifier: string;
  password?: string | undefined;
  code?: string | undefined;
  totp?: string | undefined;
  captchaId?: string | undefined;
  captchaAnswer?: string | undefined;
  client?: 'web' | 'app' | undefined;
}

/**
 * Signs in by phone or e-mail with a password or a one-time code (staff also with TOTP). Failures are
 * counted per account (per identifier when no account exists, so both look alike); from the 2nd a
 * captcha is required, at the limit the account locks and its owner is told.
 */
export async function login(p: Platform, ctx: RequestCtx, input: LoginInput): Promise<{ user: repo.UserRow; session: IssuedSession }> {
  if (!input.password && !input.code) throw new AppError('VALIDATION_FAILED', { detail: 'password or code is required' });
  const contact = parseIdentifier(input.identifier);
  const idx = contactIndex(p, contact);
  const windowMs = p.config.loginFailureWindowMinutes * 60_000;
  const ipKey = `acc:login:ipfail:${ctx.ip}`;
  if ((await peekWindow(p, ipKey, windowMs)) >= IP_FAILURE_LIMIT) throw new AppError('LOGIN_THROTTLED');

  const found = await repo.findUserByContactIdx(p.db, contact.channel, idx);
  const user = found?.status === 'active' ? found : undefined;
  const subject = user ? `u:${user.id}` : `i:${idx}`;
  const lockKey = `acc:login:lock:${subject}`;
  const failKey = `acc:login:fail:${subject}`;

  const lockedUntil = await activeUntil(p, lockKey);
  if (lockedUntil) throw lockedProblem(lockedUntil);

  const failures = await peekWindow(p, failKey, windowMs);
  if (failures >= CAPTCHA_AFTER_FAILURES) {
    if (!input.captchaId || !input.captchaAnswer) throw new AppError('CAPTCHA_REQUIRED', {}, { extra: { captchaRequired: true } });
    if (!(await solveCaptcha(p, input.captchaId, input.captchaAnswer)))
      throw new AppError('CAPTCHA_INVALID', {}, { extra: { captchaRequired: true } });
  }

  let ok = false;
  let codeId: string | undefined;
  const method = input.password ? 'password' : 'code';
  if (input.password) {
    ok = await checkPassword(user?.password_hash, input.password);
  } else {
    try {
      codeId = await checkCode(p, 'login', idx, input.code!);
      ok = !!user;
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== 'CODE_INVALID') throw err;
    }
  }
  if (ok && user!.kind === 'staff') {
    if (!input.totp) throw new AppError('TOTP_REQUIRED', {}, { extra: { totpRequired: true } });
    const secret = user!.totp_secret_enc ? p.keyring.decrypt(user!.totp_secret_enc, 'users.totp_secret') : undefined;
    ok = !!secret && (await verifyTotp(p, user!.id, secret, input.totp));
  }

  const now = p.clock.now();
  if (!ok) {
    const n = await hitWindow(p, failKey, windowMs);
    await hitWindow(p, ipKey, windowMs);
    const max = p.config.loginMaxFailures;
    const locking = n >= max;
    const until = new Date(now.getTime() + p.config.loginLockMinutes * 60_000);
    if (locking) {
      await setUntil(p, lockKey, until);
      await resetWindow(p, failKey);
    }
    await p.db.transaction().execute(async (tx) => {
      await audit(tx, {
        at: now,
        action: 'login',
        result: 'failure',
        subjectId: user?.id ?? null,
        ip: ctx.ip,
        userAgent: ctx.userAgent,
        detail: { method, identifier: maskContact(contact), failures: n },
      });
      if (locking) {
        await audit(tx, {
          at: now,
          action: 'account.locked',
          result: 'success',
          subjectId: user?.id ?? null,
          ip: ctx.ip,
          userAgent: ctx.userAgent,
          detail: { identifier: maskContact(contact), until: until.toISOString() },
        });
        if (user) {
          await notify(p, tx, {
            userId: user.id,
            category: 'account',
            mandatoryCopy: true,
            title: { zh: '账号已临时锁定', en: 'Your account is temporarily locked' },
            body: {
              zh: '您的账号连续登录失败 {max} 次，已锁定 {minutes} 分钟。如非本人操作，请尽快重置密码。',
              en: 'There were {max} failed sign-ins to your account; it is locked for {minutes} minutes. If this was not you, reset your password.',
            },
            params: { max, minutes: p.config.loginLockMinutes },
            link: '/account/security',
          });
        }
      }
    });
    if (locking) throw lockedProblem(until);
    const remaining = max - n;
    throw new AppError(
      'LOGIN_FAILED',
      { remaining },
      { extra: { remainingAttempts: remaining, captchaRequired: n >= CAPTCHA_AFTER_FAILURES } },
    );
  }

  await resetWindow(p, failKey);
  return p.db.transaction().execute(async (tx) => {
    if (codeId && !(await repo.consumeCode(tx, codeId, now))) throw new AppError('LOGIN_FAILED', { remaining: p.config.loginMaxFailures });
    const session = await createSession(p, tx, user!.id, ctx, input.client ?? 'web');
    await audit(tx, {
      at: now,
      action: 'login',
      actorId: user!.id,
      subjectId: user!.id,
      ip: ctx.ip,
      userAgent: ctx.userAgent,
      detail: { method, sessionId: session.id },
    });
    return { user: user!, session };
  });
}

// ---------------------------------------------------------------- sessions

/** Ends the caller's current session. */
export async function logout(p: Platform, ctx: RequestCtx, actor: Actor): Promise<void> {
  const now = p.clock.now();
  await p.db.transaction().execute(async (tx) => {
    await repo.revokeSession(tx, actor.userId, actor.sessionId, 'logout', now);
    await audit(tx, {
      at: now,
      action: 'session.ended',
      actorId: actor.userId,
      subjectId: actor.userId,
      ip: ctx.ip,
      userAgent: ctx.userAgent,
      detail: { sessionId: actor.sessionId, reason: 'logout' },
    });
  });
}

export async function listMySessions(p: Platform, actor: Actor): Promise<repo.SessionRow[]> {
  const now = p.clock.now();
  const rows = await repo.listLiveSessions(p.db, actor.userId, now, new Date(now.getTime() - p.config.sessionIdleMinutes * 60_000));
  return rows.filter((s) => sessionIsLive(p, s, now));
}

/** Ends one of the caller's own sessions; another user's session id is simply "not found". */
export async function endMySession(p: Platform, ctx: RequestCtx, actor: Actor, sessionId: string): Promise<void> {
  const now = p.clock.now();
  await p.db.transaction().execute(async (tx) => {
    if (!(await repo.revokeSession(tx, actor.userId, sessionId, 'ended_by_user', now))) throw new AppError('NOT_FOUND');
    await audit(tx, {
      at: now,
      action: 'session.ended',
      actorId: actor.userId,
      subjectId: actor.userId,
      ip: ctx.ip,
      userAgent: ctx.userAgent,
      detail: { sessionId, reason: 'ended_by_user' },
    });
  });
}

/** Ends every session of the caller except the current one. */
export async function endOtherSessions(p: Platform, ctx: RequestCtx, actor: Actor): Promise<number> {
  const now = p.clock.now();
  return p.db.transaction().execute(async (tx) => {
    const n = await repo.revokeUserSessions(tx, actor.userId, 'ended_by_user', now, actor.sessionId);
    await audit(tx, {
      at: now,
      action: 'session.ended',
      actorId: actor.userId,
      subjectId: actor.userId,
      ip: ctx.ip,
      userAgent: ctx.userAgent,
      detail: { count: n, reason: 'others_ended_by_user' },
    });
    return n;
  });
}

// ---------------------------------------------------------------- profile (S5.3a)

/** getX throws when missing: the caller's own active account. */
export async function getUser(p: Platform, userId: string): Promise<repo.UserRow> {
  const u = await repo.findUserById(p.db, userId);
  if (!u || u.status !== 'active') throw new AppError('NOT_FOUND');
  return u;
}

export interface ProfilePatch {
  displayName?: string | undefined;
  avatarUrl?: string | null | undefined;
  locale?: 'zh-CN' | 'en-US' | undefined;
  companyName?: string | undefined;
}

export async function updateProfile(p: Platform, ctx: RequestCtx, actor: Actor, patch: ProfilePatch): Promise<repo.UserRow> {
  const user = await getUser(p, actor.userId);
  const now = p.clock.now();
  return p.db.transaction().execute(async (tx) => {
    await repo.updateUser(tx, user.id, {
      ...(patch.displayName !== undefined ? { display_name: patch.displayName.trim() } : {}),
      ...(patch.avatarUrl !== undefined ? { avatar_url: patch.avatarUrl } : {}),
      ...(patch.locale !== undefined ? { locale: patch.locale } : {}),
      ...(patch.companyName !== undefined && user.kind === 'enterprise' ? { company_name: patch.companyName.trim() } : {}),
      updated_at: now,
    });
    await audit(tx, {
      at: now,
      action: 'profile.updated',
      actorId: actor.userId,
      subjectId: user.id,
      ip: ctx.ip,
      userAgent: ctx.userAgent,
      detail: { fields: Object.keys(patch) },
    });
    return (await repo.findUserById(tx, user.id))!;
  });
}

/** Changes (or adds) the phone or e-mail: needs the password and the code sent to the new address. */
export async function changeContact(
  p: Platform,
  ctx: RequestCtx,
  actor: Actor,
  input: { channel: 'sms' | 'email'; destination: string; code: string; password: string },
): Promise<repo.UserRow> {
  const user = await getUser(p, actor.userId);
  if (!(await checkPassword(user.password_hash, input.password))) throw new AppError('PASSWORD_MISMATCH');
  const contact = parseDestination(input.channel, input.destination);
  const idx = contactIndex(p, contact);
  const codeId = await checkCode(p, 'change_contact', idx, input.code, actor.userId);
  const now = p.clock.now();
  try {
    return await p.db.transaction().execute(async (tx) => {
      if (!(await repo.consumeCode(tx, codeId, now))) throw new AppError('CODE_INVALID');
      const other = await repo.findUserByContactIdx(tx, contact.channel, idx);
      if (other && other.id !== user.id) throw new AppError('ACCOUNT_EXISTS');
      await repo.updateUser(tx, user.id, { ...contactColumns(p, contact), updated_at: now });
      await audit(tx, {
        at: now,
        action: 'contact.changed',
        actorId: actor.userId,
        subjectId: user.id,
        ip: ctx.ip,
        userAgent: ctx.userAgent,
        detail: { channel: contact.channel, to: maskContact(contact) },
      });
      await notify(p, tx, {
        userId: user.id,
        category: 'account',
        mandatoryCopy: true,
        title: { zh: '联系方式已更改', en: 'Your contact details changed' },
        body: {
          zh: '您的账号{what}已更改为 {masked}。如非本人操作，请立即联系客服。',
          en: 'The {whatEn} of your account is now {masked}. If this was not you, contact support now.',
        },
        params: {
          what: contact.channel === 'sms' ? '手机号' : '邮箱',
          whatEn: contact.channel === 'sms' ? 'mobile number' : 'e-mail address',
          masked: maskContact(contact),
        },
      });
      return (await repo.findUserById(tx, user.id))!;
    });
  } catch (err) {
    if ((err as { code?: string }).code === '23505') throw new AppError('ACCOUNT_EXISTS');
    throw err;
  }
}

// ---------------------------------------------------------------- passwords (S5.1d)

async function contextOf(p: Platform, user: repo.UserRow): Promise<string[]> {
  const out: string[] = [];
  if (user.phone_enc) out.push(p.keyring.decrypt(user.phone_enc, 'users.phone'));
  if (user.email_enc) {
    const e = p.keyring.decrypt(user.email_enc, 'users.email');
    out.push(e, e.split('@')[0]!);
  }
  return out;
}

/** Changes the password (current one required) and ends every other session. */
export async function changePassword(
  p: Platform,
  ctx: RequestCtx,
  actor: Actor,
  input: { currentPassword: string; newPassword: string },
): Promise<number> {
  const user = await getUser(p, actor.userId);
  if (!(await checkPassword(user.password_hash, input.currentPassword))) throw new AppError('PASSWORD_MISMATCH');
  assertStrongPassword(input.newPassword, await contextOf(p, user));
  const hash = await hashPassword(input.newPassword);
  const now = p.clock.now();
  return p.db.transaction().execute(async (tx) => {
    await repo.updateUser(tx, user.id, { password_hash: hash, password_changed_at: now, updated_at: now });
    const ended = await repo.revokeUserSessions(tx, user.id, 'password_changed', now, actor.sessionId);
    await audit(tx, {
      at: now,
      action: 'password.changed',
      actorId: actor.userId,
      subjectId: user.id,
      ip: ctx.ip,
      userAgent: ctx.userAgent,
      detail: { sessionsEnded: ended },
    });
    await notify(p, tx, {
      userId: user.id,
      category: 'account',
      mandatoryCopy: true,
      title: { zh: '密码已修改', en: 'Your password was changed' },
      body: {
        zh: '您的登录密码已修改，其他设备已退出登录。如非本人操作，请立即重置密码。',
        en: 'Your password was changed and other devices were signed out. If this was not you, reset your password now.',
      },
    });
    return ended;
  });
}

/** Sets a new password with a code sent to the account's phone/e-mail; ends every session. */
export async function resetPassword(
  p: Platform,
  ctx: RequestCtx,
  input: { identifier: string; code: string; newPassword: string },
): Promise<void> {
  const contact = parseIdentifier(input.identifier);
  const idx = contactIndex(p, contact);
  assertStrongPassword(input.newPassword, passwordContext(contact));
  const codeId = await checkCode(p, 'reset', idx, input.code);
  const hash = await hashPassword(input.newPassword);
  const now = p.clock.now();
  const userId = await p.db.transaction().execute(async (tx) => {
    const user = await repo.findUserByContactIdx(tx, contact.channel, idx);
    if (!user || user.status !== 'active' || !(await repo.consumeCode(tx, codeId, now))) throw new AppError('CODE_INVALID');
    await repo.updateUser(tx, user.id, { password_hash: hash, password_changed_at: now, updated_at: now });
    const ended = await repo.revokeUserSessions(tx, user.id, 'password_reset', now);
    await audit(tx, {
      at: now,
      action: 'password.reset',
      actorId: user.id,
      subjectId: user.id,
      ip: ctx.ip,
      userAgent: ctx.userAgent,
      detail: { via: contact.channel, sessionsEnded: ended },
    });
    await notify(p, tx, {
      userId: user.id,
      category: 'account',
      mandatoryCopy: true,
      title: { zh: '密码已重置', en: 'Your password was reset' },
      body: {
        zh: '您的登录密码已通过验证码重置，所有设备均已退出登录。如非本人操作，请立即联系客服。',
        en: 'Your password was reset with a verification code and all devices were signed out. If this was not you, contact support now.',
      },
    });
    return user.id;
  });
  // A successful reset proves ownership: lift a lockout so the owner can sign in at once.
  await p.store.del(`acc:login:lock:u:${userId}`);
  await resetWindow(p, `acc:login:fail:u:${userId}`);
}

// ---------------------------------------------------------------- cancellation (S5.3b, PIPL)

/**
 * Cancels (注销) the caller's account: refused while any registered obligation check reports something;
 * otherwise personal data is erased, sessions end and the account can no longer sign in. Ids stay, so
 * orders and ledgers keep referring to "a cancelled user".
 */
export async function cancelAccount(p: Platform, ctx: RequestCtx, actor: Actor, input: { password: string }): Promise<void> {
  const user = await getUser(p, actor.userId);
  if (user.kind === 'staff') throw new AppError('STAFF_CANNOT_SELF_CANCEL');
  if (!(await checkPassword(user.password_hash, input.password))) throw new AppError('PASSWORD_MISMATCH');
  const reasons = await collectObligations(p, user.id);
  if (reasons.length) throw new AppError('ACCOUNT_HAS_OBLIGATIONS', { reasons: reasons.join('; ') }, { extra: { reasons } });
  const now = p.clock.now();
  await p.db.transaction().execute(async (tx) => {
    await repo.updateUser(tx, user.id, {
      status: 'cancelled',
      display_name: '已注销用户 Cancelled user',
      phone_enc: null,
      phone_idx: null,
      email_enc: null,
      email_idx: null,
      password_hash: null,
      avatar_url: null,
      credit_code_enc: null,
      credit_code_idx: null,
      totp_secret_enc: null,
      cancelled_at: now,
      updated_at: now,
    });
    const ended = await repo.revokeUserSessions(tx, user.id, 'account_cancelled', now);
    await audit(tx, {
      at: now,
      action: 'account.cancelled',
      actorId: user.id,
      subjectId: user.id,
      ip: ctx.ip,
      userAgent: ctx.userAgent,
      detail: { sessionsEnded: ended },
    });
    await p.jobs.publish(tx, USER_CANCELLED, { userId: user.id });
  });
}
