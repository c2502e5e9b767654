/** Mainland China mobile numbers, as the server accepts them. */
export const PHONE_RE = /^1[3-9]\d{9}$/;
export const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** 18 characters of the GB 32100 alphabet; the server checks the check character. */
export const CREDIT_CODE_RE = /^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/;

export type Channel = 'sms' | 'email';

/** Which channel an identifier belongs to, or undefined when it is neither. */
export function channelOf(identifier: string): Channel | undefined {
  const v = identifier.trim();
  if (PHONE_RE.test(v)) return 'sms';
  if (EMAIL_RE.test(v)) return 'email';
  return undefined;
}

/** The password rule of the server, checked early so users see it before submitting. */
export function passwordOk(pw: string): boolean {
  if (pw.length < 8 || pw.length > 128) return false;
  const classes = [/[a-z]/, /[A-Z]/, /\d/, /[^A-Za-z0-9]/].filter((r) => r.test(pw)).length;
  return classes >= 3;
}
