import { readFileSync } from 'node:fs';
import { hash, verify } from '@node-rs/argon2';
import { AppError } from '../../platform/errors.ts';

const COMMON: ReadonlySet<string> = new Set(
  readFileSync(new URL('./common-passwords.txt', import.meta.url), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#')),
);

/** Base words that stay weak whatever short decoration is added around them ("Password2026!"). */
const WEAK_STEMS = [
  'password',
  'passw0rd',
  'p@ssw0rd',
  'qwerty',
  'qwertyuiop',
  'iloveyou',
  'woaini',
  'dingban',
  'admin',
  'welcome',
  'letmein',
];

/** Why a password is refused, in both languages; undefined when it is acceptable. */
export function passwordProblem(pw: string, context: string[] = []): { zh: string; en: string } | undefined {
  if (pw.length < 8 || pw.length > 128) return { zh: '长度需为 8–128 个字符', en: 'use 8 to 128 characters' };
  const classes = [/[a-z]/, /[A-Z]/, /\d/, /[^A-Za-z0-9]/].filter((r) => r.test(pw)).length;
  if (classes < 3) {
    return {
      zh: '需包含小写字母、大写字母、数字、符号中的至少三类',
      en: 'mix at least three of lower-case, upper-case, digits and symbols',
    };
  }
  const lower = pw.toLowerCase();
  const stripped = lower.replace(/^[^a-z]+|[^a-z]+$/g, '');
  const decoration = lower.length - stripped.length;
  if (COMMON.has(lower) || (WEAK_STEMS.includes(stripped) && decoration <= 6)) {
    return { zh: '该密码过于常见', en: 'this password is too common' };
  }
  for (const c of context) {
    if (c && c.length >= 4 && lower.includes(c.toLowerCase()))
      return { zh: '密码不能包含手机号或邮箱', en: 'do not use your phone number or e-mail in it' };
  }
  return undefined;
}

/** Throws WEAK_PASSWORD with the reason when the password breaks the rules. */
export function assertStrongPassword(pw: string, context: string[] = []): void {
  const problem = passwordProblem(pw, context);
  if (problem) throw new AppError('WEAK_PASSWORD', { reasonZh: problem.zh, reasonEn: problem.en });
}

/** argon2id with the library's OWASP-recommended defaults (19 MiB, t=2). */
export const hashPassword = (pw: string): Promise<string> => hash(pw); // argon2id is the library default (a test checks)

/** A hash no password matches; verified against when the account does not exist, so timing stays equal. */
let dummyHash: Promise<string> | undefined;

/** Checks a password against a stored hash; with no hash it still spends the same time and fails. */
export async function checkPassword(stored: string | null | undefined, pw: string): Promise<boolean> {
  if (!stored) {
    dummyHash ??= hashPassword('dummy-password-never-matches-Ω');
    await verify(await dummyHash, pw).catch(() => false);
    return false;
  }
  return verify(stored, pw).catch(() => false);
}
