import { AppError } from '../../platform/errors.ts';
import type { Platform } from '../../platform/platform.ts';

/** A phone number or e-mail address, normalised, with the channel that reaches it. */
export interface Contact {
  channel: 'sms' | 'email';
  value: string;
}

const PHONE = /^1[3-9]\d{9}$/;
// Pragmatic check (RFC 5321 lengths, one @, a dot in the domain); the code sent there proves it works.
const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]{2,}$/;

/** Normalises a mainland mobile number (spaces, dashes, +86 prefix removed) or throws INVALID_PHONE. */
export function normalizePhone(raw: string): string {
  let v = raw.replace(/[\s-]/g, '');
  if (v.startsWith('+86')) v = v.slice(3);
  else if (v.startsWith('0086')) v = v.slice(4);
  if (!PHONE.test(v)) throw new AppError('INVALID_PHONE');
  return v;
}

/** Normalises an e-mail address (trimmed, lower-case) or throws INVALID_EMAIL. */
export function normalizeEmail(raw: string): string {
  const v = raw.trim().toLowerCase();
  if (v.length > 254 || !EMAIL.test(v)) throw new AppError('INVALID_EMAIL');
  return v;
}

/** Reads a login identifier: an e-mail address when it has an @, otherwise a mobile number. */
export function parseIdentifier(raw: string): Contact {
  const v = raw.trim();
  if (v.includes('@')) {
    try {
      return { channel: 'email', value: normalizeEmail(v) };
    } catch {
      throw new AppError('INVALID_IDENTIFIER');
    }
  }
  try {
    return { channel: 'sms', value: normalizePhone(v) };
  } catch {
    throw new AppError('INVALID_IDENTIFIER');
  }
}

/** Checks that the destination fits the chosen channel and normalises it. */
export function parseDestination(channel: 'sms' | 'email', raw: string): Contact {
  if (channel === 'sms') {
    if (raw.includes('@')) throw new AppError('CHANNEL_MISMATCH');
    return { channel, value: normalizePhone(raw) };
  }
  if (!raw.includes('@')) throw new AppError('CHANNEL_MISMATCH');
  return { channel, value: normalizeEmail(raw) };
}

/** The encryption context (AAD) and blind-index context of a contact column. */
export const contactColumn = (channel: 'sms' | 'email') => (channel === 'sms' ? 'users.phone' : 'users.email');

/** Blind index of a contact: the same value in `users.*_idx` and `verification_codes.destination_idx`. */
export const contactIndex = (p: Platform, c: Contact): string => p.keyring.blindIndex(c.value, contactColumn(c.channel));

/** 138****1234 */
export const maskPhone = (v: string): string => `${v.slice(0, 3)}****${v.slice(-4)}`;

/** z***@example.com */
export function maskEmail(v: string): string {
  const at = v.indexOf('@');
  const local = v.slice(0, at);
  return `${local.slice(0, 1)}***${v.slice(at)}`;
}

/** Masks an identifier for logs and audit details. */
export const maskContact = (c: Contact): string => (c.channel === 'sms' ? maskPhone(c.value) : maskEmail(c.value));
