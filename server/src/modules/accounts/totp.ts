import * as OTPAuth from 'otpauth';
import type { Platform } from '../../platform/platform.ts';
import { claimFor } from './limits.ts';

/** Staff second factor (S6.1): RFC 6238 TOTP, 6 digits, 30 s, ±1 step of clock drift. */
export const TOTP_ISSUER = 'Dingban';

export const newTotpSecret = (): string => new OTPAuth.Secret({ size: 20 }).base32;

export function totpUri(secretBase32: string, label: string): string {
  return new OTPAuth.TOTP({ issuer: TOTP_ISSUER, label, secret: OTPAuth.Secret.fromBase32(secretBase32) }).toString();
}

/** The current code (for factories and the demo print-out). */
export function totpNow(secretBase32: string, at: Date): string {
  return new OTPAuth.TOTP({ issuer: TOTP_ISSUER, secret: OTPAuth.Secret.fromBase32(secretBase32) }).generate({ timestamp: at.getTime() });
}

/** Checks a code at the platform clock; each time step's code is accepted once per user (no replay). */
export async function verifyTotp(p: Platform, userId: string, secretBase32: string, token: string): Promise<boolean> {
  if (!/^\d{6}$/.test(token)) return false;
  const totp = new OTPAuth.TOTP({ issuer: TOTP_ISSUER, secret: OTPAuth.Secret.fromBase32(secretBase32) });
  const ts = p.clock.now().getTime();
  const delta = totp.validate({ token, timestamp: ts, window: 1 });
  if (delta === null) return false;
  const step = Math.floor(ts / 30_000) + delta;
  return (await claimFor(p, `acc:totp:${userId}:${step}`, 90_000)).ok;
}
