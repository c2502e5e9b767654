import svgCaptcha from 'svg-captcha';
import { newId } from '../../platform/ids.ts';
import type { Platform } from '../../platform/platform.ts';
import { safeEqual } from '../../platform/crypto.ts';
import { activeUntil, claimFor, setUntil } from './limits.ts';

/** Image captchas demanded after repeated login failures (S5.1c). Answers are kept hashed, briefly. */
export const CAPTCHA_TTL_MS = 5 * 60_000;

/**
 * Only when NODE_ENV=test: the plain answers, so tests can solve captchas (the stored answer is a MAC
 * and cannot be read back). Never filled in development or production.
 */
export const captchaTextForTests = new Map<string, string>();

export async function createCaptcha(p: Platform): Promise<{ captchaId: string; svg: string }> {
  const c = svgCaptcha.create({ size: 4, noise: 2, ignoreChars: '0oO1lIi', color: true });
  const captchaId = newId();
  const until = new Date(p.clock.now().getTime() + CAPTCHA_TTL_MS);
  await setUntil(p, `acc:captcha:${captchaId}:exp`, until);
  await p.store.set(`acc:captcha:${captchaId}`, p.keyring.mac(`captcha:${captchaId}:${c.text.toLowerCase()}`), CAPTCHA_TTL_MS + 60_000);
  if (p.config.env === 'test') captchaTextForTests.set(captchaId, c.text);
  return { captchaId, svg: c.data };
}

/** True when the answer is right; every captcha can be tried once, right or wrong. */
export async function solveCaptcha(p: Platform, captchaId: string, answer: string): Promise<boolean> {
  if (!(await activeUntil(p, `acc:captcha:${captchaId}:exp`))) return false;
  const claimed = await claimFor(p, `acc:captcha:${captchaId}:used`, CAPTCHA_TTL_MS);
  if (!claimed.ok) return false;
  const expected = await p.store.get(`acc:captcha:${captchaId}`);
  await p.store.del(`acc:captcha:${captchaId}`);
  if (!expected) return false;
  return safeEqual(expected, p.keyring.mac(`captcha:${captchaId}:${answer.trim().toLowerCase()}`));
}
