import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './schema';
import { currentLocale } from '../app/locale-store.ts';

/** An RFC 9457 problem document as the server sends it; extra members (e.g. `lockedUntil`) ride along. */
export interface Problem {
  type?: string;
  title?: string;
  status: number;
  code: string;
  /** Already in the caller's language (we send Accept-Language). */
  detail: string;
  requestId?: string;
  errors?: { path: string; message: string }[];
  [extra: string]: unknown;
}

/** A failed call. `message` is the server's localized `detail`, ready to show to the user. */
export class ApiError extends Error {
  readonly problem: Problem;
  constructor(problem: Problem) {
    super(problem.detail || problem.code);
    this.problem = problem;
  }
  get code(): string {
    return this.problem.code;
  }
  get status(): number {
    return this.problem.status;
  }
}

export const CSRF_COOKIE = 'dingban_csrf';

export function readCookie(name: string): string | undefined {
  for (const part of document.cookie.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

/** Fired when the server says the session is gone, so the shell can return to the login page. */
export const UNAUTHENTICATED_EVENT = 'dingban:unauthenticated';

const headers: Middleware = {
  onRequest({ request }) {
    request.headers.set('accept-language', currentLocale());
    // Double-submit CSRF protection: mutating cookie-authenticated requests echo the readable cookie.
    if (!['GET', 'HEAD', 'OPTIONS'].includes(request.method)) {
      const token = readCookie(CSRF_COOKIE);
      if (token) request.headers.set('x-csrf-token', token);
    }
    return request;
  },
  onResponse({ request, response }) {
    if (response.status === 401 && !new URL(request.url).pathname.startsWith('/api/v1/auth/')) {
      window.dispatchEvent(new Event(UNAUTHENTICATED_EVENT));
    }
    return response;
  },
};

/** The typed client of the Dingban API; paths and bodies come from the generated schema.d.ts. */
export const api = createClient<paths>({ baseUrl: globalThis.location?.origin ?? '', credentials: 'same-origin' });
api.use(headers);

function toProblem(error: unknown, response: Response): Problem {
  if (error && typeof error === 'object' && 'code' in error) {
    const e = error as Partial<Problem>;
    return { ...e, status: e.status ?? response.status, code: String(e.code), detail: String(e.detail ?? e.code) } as Problem;
  }
  return {
    status: response.status,
    code: response.status === 0 ? 'NETWORK' : `HTTP_${response.status}`,
    detail: typeof error === 'string' && error ? error : `${response.status} ${response.statusText}`,
  };
}

/**
 * Awaits an openapi-fetch call and returns its data, or throws ApiError carrying the problem document.
 * `const me = await call(api.GET('/api/v1/me'))`.
 */
export async function call<T>(request: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let r: { data?: T; error?: unknown; response: Response };
  try {
    r = await request;
  } catch (err) {
    throw new ApiError({ status: 0, code: 'NETWORK', detail: err instanceof Error ? err.message : String(err) });
  }
  if (r.error !== undefined || !r.response.ok) throw toProblemError(r.error, r.response);
  return r.data as T;
}

/**
 * POSTs one file as multipart/form-data (part "file") with the language and CSRF headers every call gets;
 * returns the JSON answer, or throws ApiError carrying the problem document, like `call`.
 */
export async function uploadFile<T>(url: string, file: Blob): Promise<T> {
  const form = new FormData();
  form.append('file', file);
  const h: Record<string, string> = { 'accept-language': currentLocale() };
  const csrf = readCookie(CSRF_COOKIE);
  if (csrf) h['x-csrf-token'] = csrf;
  let r: Response;
  try {
    r = await fetch(url, { method: 'POST', body: form, headers: h, credentials: 'same-origin' });
  } catch (err) {
    throw new ApiError({ status: 0, code: 'NETWORK', detail: err instanceof Error ? err.message : String(err) });
  }
  const body = (await r.json().catch(() => undefined)) as unknown;
  if (!r.ok) throw toProblemError(body, r);
  return body as T;
}

function toProblemError(error: unknown, response: Response): ApiError {
  return new ApiError(toProblem(error, response));
}

type Json<R> = R extends { content: { 'application/json': infer B } } ? B : undefined;
/** The JSON body a path + method answers with on success (200 or 201). */
export type ResponseOf<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends {
  responses: infer Rs;
}
  ? Rs extends { 200: infer R }
    ? Json<R>
    : Rs extends { 201: infer R }
      ? Json<R>
      : undefined
  : never;
/** The JSON body a path + method accepts. */
export type BodyOf<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends {
  requestBody?: { content: { 'application/json': infer B } };
}
  ? B
  : never;
