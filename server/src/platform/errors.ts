import type { Bilingual, Locale } from './i18n.ts';
import { pick } from './i18n.ts';

/** How one error code looks to a user: its HTTP status and its message in both languages. */
export interface ErrorSpec extends Bilingual {
  status: number;
}

const catalog = new Map<string, ErrorSpec>();

/**
 * Registers a module's error codes. Each code is stable (clients switch on it), maps to one HTTP
 * status, and carries a message in zh-CN and en-US with `{param}` placeholders. Registering the same
 * code twice with a different meaning is a programming error.
 */
export function defineErrors<const T extends Record<string, ErrorSpec>>(specs: T): { [K in keyof T]: K } {
  const codes = {} as { [K in keyof T]: K };
  for (const [code, spec] of Object.entries(specs)) {
    const existing = catalog.get(code);
    if (existing && (existing.status !== spec.status || existing.en !== spec.en)) {
      throw new Error(`error code ${code} registered twice with different meanings`);
    }
    catalog.set(code, spec);
    (codes as Record<string, string>)[code] = code;
  }
  return codes;
}

export function errorSpec(code: string): ErrorSpec | undefined {
  return catalog.get(code);
}

/** Every registered code, for the docs page and the tests that check each is documented. */
export function allErrorCodes(): ReadonlyMap<string, ErrorSpec> {
  return catalog;
}

/** A failure the caller can act on. Services throw these; the HTTP layer renders them as problems. */
export class AppError extends Error {
  readonly code: string;
  readonly params: Record<string, unknown>;
  /** Extra members of the problem document (e.g. `lockedUntil`), safe to show the caller. */
  readonly extra: Record<string, unknown>;
  readonly headers: Record<string, string>;
  constructor(
    code: string,
    params: Record<string, unknown> = {},
    opts: { extra?: Record<string, unknown>; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(code, { cause: opts.cause });
    if (!catalog.has(code)) throw new Error(`unregistered error code ${code}`);
    this.code = code;
    this.params = params;
    this.extra = opts.extra ?? {};
    this.headers = opts.headers ?? {};
  }
  get status(): number {
    return catalog.get(this.code)!.status;
  }
  message_(locale: Locale): string {
    return pick(catalog.get(this.code)!, locale, this.params);
  }
}

/** Codes every module may use: the platform's own failures. */
export const CommonErrors = defineErrors({
  VALIDATION_FAILED: { status: 400, zh: '请求参数不正确：{detail}', en: 'The request is invalid: {detail}' },
  MALFORMED_BODY: { status: 400, zh: '请求体无法解析', en: 'The request body could not be parsed' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, zh: '不支持的内容类型', en: 'Unsupported content type' },
  BODY_TOO_LARGE: { status: 413, zh: '请求体过大', en: 'The request body is too large' },
  NOT_FOUND: { status: 404, zh: '请求的资源不存在', en: 'The requested resource does not exist' },
  ROUTE_NOT_FOUND: { status: 404, zh: '接口不存在', en: 'No such endpoint' },
  METHOD_NOT_ALLOWED: { status: 405, zh: '不支持该请求方法', en: 'Method not allowed' },
  UNAUTHENTICATED: { status: 401, zh: '请先登录', en: 'Please log in first' },
  SESSION_EXPIRED: { status: 401, zh: '登录已过期，请重新登录', en: 'Your session has expired; please log in again' },
  FORBIDDEN: { status: 403, zh: '没有权限执行此操作', en: 'You do not have permission to do this' },
  CSRF_FAILED: { status: 403, zh: '安全校验失败，请刷新页面后重试', en: 'Security check failed; reload the page and try again' },
  RATE_LIMITED: { status: 429, zh: '请求过于频繁，请 {retryAfter} 秒后再试', en: 'Too many requests; try again in {retryAfter} s' },
  OVERLOADED: { status: 503, zh: '系统繁忙，请稍后再试', en: 'The service is busy; please try again shortly' },
  DATABASE_UNAVAILABLE: {
    status: 503,
    zh: '服务暂时不可用，请稍后再试',
    en: 'The service is temporarily unavailable; please try again shortly',
  },
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    zh: '幂等键已用于另一个不同的请求',
    en: 'This Idempotency-Key was already used for a different request',
  },
  CONFLICT: { status: 409, zh: '数据已被修改，请刷新后重试', en: 'The data changed meanwhile; reload and try again' },
  INTERNAL: {
    status: 500,
    zh: '服务器内部错误，请联系客服并提供请求编号 {requestId}',
    en: 'Internal error; contact support with request id {requestId}',
  },
});
