import { randomInt } from 'node:crypto';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Actor } from '../../platform/auth.ts';
import { AppError } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import type { Platform } from '../../platform/platform.ts';
import type { Executor } from '../../platform/db.ts';
import { audit } from './audit.ts';
import { contactColumn, contactIndex, parseIdentifier, type Contact } from './contact.ts';
import type { RequestCtx } from './context.ts';
import { creditCodeCheckChar } from './credit-code.ts';
import { hashPassword } from './passwords.ts';
import { isStaffRole, STAFF_ROLES, type StaffRole } from './policy.ts';
import * as repo from './repo.ts';
import { newTotpSecret, totpUri } from './totp.ts';

/** What an administrator sees once when creating a staff account: never retrievable again. */
export interface StaffCredentials {
  user: repo.UserRow;
  initialPassword: string;
  totpSecret: string;
  otpauthUri: string;
}

/** A random password that meets the password rules (16 characters, all four classes). */
export function generatePassword(): string {
  const sets = ['abcdefghijkmnpqrstuvwxyz', 'ABCDEFGHJKLMNPQRSTUVWXYZ', '23456789', '#%+=@!?*'];
  const all = sets.join('');
  const chars = sets.map((s) => s[randomInt(s.length)]!);
  while (chars.length < 16) chars.push(all[randomInt(all.length)]!);
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}

function assertRoles(roles: readonly string[]): StaffRole[] {
  for (const r of roles) if (!isStaffRole(r)) throw new AppError('UNKNOWN_ROLE', { role: r });
  return [...new Set(roles)] as StaffRole[];
}

function contactCols(p: Platform, c: Contact) {
  const enc = p.keyring.encrypt(c.value, contactColumn(c.channel));
  const idx = contactIndex(p, c);
  return c.channel === 'sms' ? { phone_enc: enc, phone_idx: idx } : { email_enc: enc, email_idx: idx };
}

/** Inserts a staff user with a TOTP secret on the given executor. No permission check: callers do it. */
async function insertStaff(
  p: Platform,
  tx: Executor,
  input: { identifier: string; displayName: string; roles: readonly string[]; password?: string; totpSecret?: string },
): Promise<StaffCredentials> {
  const contact = parseIdentifier(input.identifier);
  const roles = assertRoles(input.roles);
  const initialPassword = input.password ?? generatePassword();
  const totpSecret = input.totpSecret ?? newTotpSecret();
  const now = p.clock.now();
  const id = newId();
  if (await repo.findUserByContactIdx(tx, contact.channel, contactIndex(p, contact))) throw new AppError('ACCOUNT_EXISTS');
  await repo.insertUser(tx, {
    id,
    kind: 'staff',
    display_name: input.displayName.trim(),
    ...contactCols(p, contact),
    password_hash: await hashPassword(initialPassword),
    avatar_url: null,
    company_name: null,
    credit_code_enc: null,
    credit_code_idx: null,
    roles,
    totp_secret_enc: p.keyring.encrypt(totpSecret, 'users.totp_secret'),
    password_changed_at: now,
    created_at: now,
    updated_at: now,
    cancelled_at: null,
  });
  const user = (await repo.findUserById(tx, id))!;
  return { user, initialPassword, totpSecret, otpauthUri: totpUri(totpSecret, contact.value) };
}

/**
 * An administrator creates a staff account (S6.1: staff never self-register). The initial password and
 * the TOTP enrolment (secret + otpauth:// URI for the authenticator app) are shown once.
 */
export async function createStaffUser(
  p: Platform,
  ctx: RequestCtx | null,
  actor: Actor | null,
  input: { identifier: string; displayName: string; roles: readonly string[] },
): Promise<StaffCredentials> {
  const now = p.clock.now();
  try {
    return await p.db.transaction().execute(async (tx) => {
      const creds = await insertStaff(p, tx, input);
      await audit(tx, {
        at: now,
        action: 'staff.created',
        actorId: actor?.userId ?? null,
        subjectId: creds.user.id,
        ip: ctx?.ip ?? null,
        userAgent: ctx?.userAgent ?? null,
        detail: { roles: creds.user.roles },
      });
      return creds;
    });
  } catch (err) {
    if ((err as { code?: string }).code === '23505') throw new AppError('ACCOUNT_EXISTS');
    throw err;
  }
}

/** Replaces a staff member's roles; the last administrator keeps the admin role. */
export async function setStaffRoles(
  p: Platform,
  ctx: RequestCtx,
  actor: Actor,
  userId: string,
  roles: readonly string[],
): Promise<repo.UserRow> {
  const next = assertRoles(roles);
  const now = p.clock.now();
  return p.db.transaction().execute(async (tx) => {
    await repo.lockBootstrap(tx); // serialises role changes, so two admins cannot demote each other at once
    const user = await repo.findUserById(tx, userId);
    if (!user || user.status !== 'active') throw new AppError('NOT_FOUND');
    if (user.kind !== 'staff') throw new AppError('NOT_STAFF');
    if (user.roles.includes('admin') && !next.includes('admin') && (await repo.countActiveAdmins(tx)) <= 1)
      throw new AppError('LAST_ADMIN');
    await repo.updateUser(tx, userId, { roles: next, updated_at: now });
    await audit(tx, {
      at: now,
      action: 'staff.roles.changed',
      actorId: actor.userId,
      subjectId: userId,
      ip: ctx.ip,
      userAgent: ctx.userAgent,
      detail: { from: user.roles, to: next },
    });
    return (await repo.findUserById(tx, userId))!;
  });
}

/** Issues a new TOTP secret for a staff member (lost phone); shown once; their sessions end. */
export async function resetStaffTotp(
  p: Platform,
  ctx: RequestCtx,
  actor: Actor,
  userId: string,
): Promise<{ totpSecret: string; otpauthUri: string }> {
  const now = p.clock.now();
  const totpSecret = newTotpSecret();
  return p.db.transaction().execute(async (tx) => {
    const user = await repo.findUserById(tx, userId);
    if (!user || user.status !== 'active') throw new AppError('NOT_FOUND');
    if (user.kind !== 'staff') throw new AppError('NOT_STAFF');
    await repo.updateUser(tx, userId, { totp_secret_enc: p.keyring.encrypt(totpSecret, 'users.totp_secret'), updated_at: now });
    const ended = await repo.revokeUserSessions(tx, userId, 'totp_reset', now);
    await audit(tx, {
      at: now,
      action: 'staff.totp.reset',
      actorId: actor.userId,
      subjectId: userId,
      ip: ctx.ip,
      userAgent: ctx.userAgent,
      detail: { sessionsEnded: ended },
    });
    const label = user.email_enc ? p.keyring.decrypt(user.email_enc, 'users.email') : user.id;
    return { totpSecret, otpauthUri: totpUri(totpSecret, label) };
  });
}

export const listStaffUsers = (p: Platform): Promise<repo.UserRow[]> => repo.listStaff(p.db);

// ---------------------------------------------------------------- first start

/** Password and TOTP secret of every demo account (development only; DEMO_ACCOUNTS cannot be on in production). */
export const DEMO_PASSWORD = 'Dingban#Demo2026';
export const DEMO_TOTP_SECRET = 'DINGBANDEMOTOTPSECRETAAAAAAAAAAA';

/** A valid-looking credit code for demo enterprises. */
export function demoCreditCode(seed: string): string {
  const first17 = ('91310000' + seed.toUpperCase().replace(/[^0-9A-HJ-NPQRTUWXY]/g, '0') + '000000000').slice(0, 17);
  return first17 + creditCodeCheckChar(first17);
}

export interface BootstrapResult {
  admin: { identifier: string; password: string; totpSecret: string } | undefined;
  demo: { identifier: string; kind: string; roles: string[] }[];
}

/**
 * On the first start with an empty database: creates the administrator (random password and TOTP
 * secret) and, when DEMO_ACCOUNTS is on, demo users of every kind and role. Several processes starting
 * at once create them exactly once (advisory lock). Credentials are printed on the console outside
 * production; in production they go to a 0600 file in the data folder and only its path is logged.
 */
export async function bootstrapAccounts(p: Platform): Promise<BootstrapResult> {
  const result: BootstrapResult = { admin: undefined, demo: [] };
  const now = p.clock.now();
  await p.db.transaction().execute(async (tx) => {
    await repo.lockBootstrap(tx);
    if ((await repo.countUsers(tx)) > 0) return;
    const admin = await insertStaff(p, tx, {
      identifier: 'admin@dingban.local',
      displayName: '平台管理员 Administrator',
      roles: ['admin'],
    });
    await audit(tx, { at: now, action: 'staff.created', subjectId: admin.user.id, detail: { roles: ['admin'], bootstrap: true } });
    result.admin = { identifier: 'admin@dingban.local', password: admin.initialPassword, totpSecret: admin.totpSecret };
    if (!p.config.demoAccounts || p.config.env === 'production') return;
    const hash = await hashPassword(DEMO_PASSWORD);
    const users: { identifier: string; kind: 'person' | 'enterprise'; name: string; company?: string }[] = [
      { identifier: '13800000001', kind: 'person', name: '张师傅（骑手）' },
      { identifier: '13800000002', kind: 'person', name: '李老板（驿站）' },
      { identifier: '13800000003', kind: 'enterprise', name: '王经理', company: '上海速达驿站管理有限公司' },
    ];
    for (const u of users) {
      const contact = parseIdentifier(u.identifier);
      const code = u.company ? demoCreditCode('DEMO' + u.identifier.slice(-4)) : undefined;
      await repo.insertUser(tx, {
        id: newId(),
        kind: u.kind,
        display_name: u.name,
        ...contactCols(p, contact),
        password_hash: hash,
        avatar_url: null,
        company_name: u.company ?? null,
        credit_code_enc: code ? p.keyring.encrypt(code, 'users.credit_code') : null,
        credit_code_idx: code ? p.keyring.blindIndex(code, 'users.credit_code') : null,
        totp_secret_enc: null,
        password_changed_at: now,
        created_at: now,
        updated_at: now,
        cancelled_at: null,
      });
      result.demo.push({ identifier: u.identifier, kind: u.kind, roles: [] });
    }
    for (const role of STAFF_ROLES) {
      const identifier = `${role}@demo.dingban.local`;
      await insertStaff(p, tx, {
        identifier,
        displayName: `演示 ${role}`,
        roles: [role],
        password: DEMO_PASSWORD,
        totpSecret: DEMO_TOTP_SECRET,
      });
      result.demo.push({ identifier, kind: 'staff', roles: [role] });
    }
  });
  if (result.admin) announce(p, result);
  return result;
}

function announce(p: Platform, r: BootstrapResult): void {
  const a = r.admin!;
  const lines = [
    '================ Dingban 顶班: first start ================',
    `Administrator: ${a.identifier}`,
    `  password:    ${a.password}`,
    `  TOTP secret: ${a.totpSecret}  (add to an authenticator app; ${totpUri(a.totpSecret, a.identifier)})`,
  ];
  if (r.demo.length) {
    lines.push(`Demo accounts (password ${DEMO_PASSWORD}; staff TOTP secret ${DEMO_TOTP_SECRET}):`);
    for (const d of r.demo) lines.push(`  ${d.kind.padEnd(10)} ${d.identifier}${d.roles.length ? `  roles: ${d.roles.join(',')}` : ''}`);
  }
  lines.push('==========================================================');
  if (p.config.env === 'production') {
    mkdirSync(p.config.dataDir, { recursive: true });
    const file = join(p.config.dataDir, 'bootstrap-admin.txt');
    writeFileSync(file, lines.join('\n') + '\n', { mode: 0o600 });
    p.logger.warn({ file }, 'administrator created on first start: credentials written to this file; read it once and delete it');
  } else if (p.config.env === 'development') {
    console.log(lines.join('\n'));
  } else {
    p.logger.info('test run: bootstrap administrator created');
  }
}
