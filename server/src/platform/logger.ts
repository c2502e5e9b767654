import { pino, type Logger, type DestinationStream } from 'pino';

/** Field names whose values are personal data or secrets: never written to a log. */
const SENSITIVE_KEYS = [
  'password',
  'newPassword',
  'currentPassword',
  'phone',
  'email',
  'idNumber',
  'id_number',
  'token',
  'accessToken',
  'refreshToken',
  'code',
  'otp',
  'totp',
  'secret',
  'totpSecret',
  'creditCode',
  'bankCard',
  'cardNumber',
  'realName',
  'destination',
  'authorization',
  'cookie',
  'set-cookie',
  'x-signature',
  'captchaAnswer',
];

const redactPaths = [
  ...SENSITIVE_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]).map((p) => (p.includes('-') ? p.replace(/([\w-]+)$/, '["$1"]') : p)),
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
];

// Patterns of personal data that can hide inside free text (messages, URLs).
const PHONE = /(?<!\d)1[3-9]\d{9}(?!\d)/g;
const EMAIL = /[\w.+-]+@[\w-]+(\.[\w-]+)+/g;
const ID_NUMBER = /(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])/g;

/** Masks phone numbers, e-mail addresses and ID numbers inside a string. */
export function scrubText(s: string): string {
  return s.replace(ID_NUMBER, '[id]').replace(PHONE, '[phone]').replace(EMAIL, '[email]');
}

/** The platform logger: JSON lines, personal data removed by key and by pattern. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: redactPaths, censor: '[redacted]' },
      formatters: {
        log(obj) {
          for (const [k, v] of Object.entries(obj)) if (typeof v === 'string') obj[k] = scrubText(v);
          return obj;
        },
      },
      hooks: {
        logMethod(args, method) {
          const scrubbed = args.map((a) => (typeof a === 'string' ? scrubText(a) : a)) as Parameters<typeof method>;
          return method.apply(this, scrubbed);
        },
      },
      serializers: {
        req: (req: { method: string; url: string; id: string }) => ({ method: req.method, url: scrubText(req.url), id: req.id }),
      },
    },
    destination,
  );
}

export type { Logger };
