import type { FastifyRequest } from 'fastify';
import { negotiateLocale, type Locale } from '../../platform/i18n.ts';

/** Where a request came from, for audit rows, throttles and session records. */
export interface RequestCtx {
  ip: string;
  userAgent: string | null;
  locale: Locale;
}

export const ctxOf = (req: FastifyRequest): RequestCtx => ({
  ip: req.ip,
  userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'].slice(0, 300) : null,
  locale: negotiateLocale(req.headers['accept-language']),
});
