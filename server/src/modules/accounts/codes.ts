import { AppError } from '../../platform/errors.ts';
import { newId, newNumericCode } from '../../platform/ids.ts';
import type { Platform } from '../../platform/platform.ts';
import { safeEqual } from '../../platform/crypto.ts';
import type { Actor } from '../../platform/auth.ts';
import { contactIndex, parseDestination, type Contact } from './contact.ts';
import { claimFor, hitWindow, shanghaiDay } from './limits.ts';
import * as repo from './repo.ts';
import type { RequestCtx } from './context.ts';

/** One-time verification codes (S5.1b): 6 digits, 10 minutes, single use, at most 5 tries. */
export const CODE_TTL_MS = 10 * 60_000;
export const CODE_MAX_TRIES = 5;
export const CODE_COOLDOWN_MS = 60_000;
export const CODE_DAILY_PER_DESTINATION = 10;
export const CODE_DAILY_PER_IP = 200;

export type CodePurpose = 'register' | 'login' | 'reset' | 'change_contact';

const PURPOSE_TEXT: Record<CodePurpose, { zh: string; en: string }> = {
  register: { zh: '注册', en: 'sign-up' },
  login: { zh: '登录', en: 'sign-in' },
  reset: { zh: '重置密码', en: 'password reset' },
  change_contact: { zh: '更换手机号/邮箱', en: 'contact change' },
};

const macOf = (p: Platform, id: string, code: string) => p.keyring.mac(`verification-code:${id}:${code}`);

/**
 * Sends a code. For login and reset the answer is the same whether or not an account exists (no code
 * is sent when none does), so the endpoint cannot be used to find out who is registered.
 */
export async function sendCode(
  p: Platform,
  ctx: RequestCtx,
  actor: Actor | null,
  input: { purpose: CodePurpose; channel: 'sms' | 'email'; destination: string },
): Promise<{ expiresInSeconds: number; resendAfterSeconds: number }> {
  const contact = parseDestination(input.channel, input.destination);
  if (input.purpose === 'change_contact' && !actor) throw new AppError('UNAUTHENTICATED');
  const idx = contactIndex(p, contact);

  const cool = await claimFor(p, `acc:code:cool:${idx}`, CODE_COOLDOWN_MS);
  if (!cool.ok) {
    const retryAfter = Math.ceil(cool.retryAfterMs / 1000);
    throw new AppError('CODE_COOLDOWN', { retryAfter }, { extra: { retryAfter }, headers: { 'retry-after': String(retryAfter) } });
  }
  const day = shanghaiDay(p);
  if ((await hitWindow(p, `acc:code:day:${idx}:${day}`, 24 * 3600_000)) > CODE_DAILY_PER_DESTINATION)
    throw new AppError('CODE_DAILY_LIMIT');
  if ((await hitWindow(p, `acc:code:ipday:${ctx.ip}:${day}`, 24 * 3600_000)) > CODE_DAILY_PER_IP) throw new AppError('CODE_DAILY_LIMIT');

  let deliver = true;
  if (input.purpose === 'login' || input.purpose === 'reset') {
    const user = await repo.findUserByContactIdx(p.db, contact.channel, idx);
    deliver = !!user && user.status === 'active';
  }
  if (deliver) await issueCode(p, input.purpose, contact, idx, actor?.userId ?? null);
  return { expiresInSeconds: CODE_TTL_MS / 1000, resendAfterSeconds: CODE_COOLDOWN_MS / 1000 };
}

async function issueCode(p: Platform, purpose: CodePurpose, contact: Contact, idx: string, userId: string | null): Promise<void> {
  const id = newId();
  const code = newNumericCode(6);
  const now = p.clock.now();
  await repo.insertCode(p.db, {
    id,
    purpose,
    channel: contact.channel,
    destination_idx: idx,
    user_id: userId,
    code_mac: macOf(p, id, code),
    created_at: now,
    expires_at: new Date(now.getTime() + CODE_TTL_MS),
    consumed_at: null,
  });
  const what = PURPOSE_TEXT[purpose];
  await p.delivery.send({
    channel: contact.channel,
    to: contact.value,
    subject: `顶班${what.zh}验证码 / Dingban ${what.en} code`,
    text:
      `【顶班】您的${what.zh}验证码是 ${code}，10 分钟内有效，请勿告诉他人。` +
      ` [Dingban] Your ${what.en} code is ${code}; it is valid for 10 minutes. Do not share it.`,
  });
}

/**
 * Checks a code against the newest one sent for this purpose and destination. Spends a try first (so
 * parallel guesses cannot exceed the limit). Returns the code id; the caller consumes it with
 * `repo.consumeCode` inside its own transaction, so the code is spent only if the change commits.
 */
export async function checkCode(p: Platform, purpose: CodePurpose, idx: string, code: string, userId?: string): Promise<string> {
  const row = await repo.latestCode(p.db, purpose, idx);
  const now = p.clock.now();
  if (!row || row.consumed_at || row.expires_at <= now) throw new AppError('CODE_INVALID');
  if (purpose === 'change_contact' && row.user_id !== userId) throw new AppError('CODE_INVALID');
  if (!(await repo.reserveCodeAttempt(p.db, row.id, CODE_MAX_TRIES, now))) throw new AppError('CODE_INVALID');
  if (!/^\d{6}$/.test(code) || !safeEqual(macOf(p, row.id, code), row.code_mac)) throw new AppError('CODE_INVALID');
  return row.id;
}
