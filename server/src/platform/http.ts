import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import helmet from 'helmet';
import type { Logger } from 'pino';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import underPressure from '@fastify/under-pressure';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { AppError, errorSpec } from './errors.ts';
import { negotiateLocale, pick } from './i18n.ts';
import { randomBytes } from 'node:crypto';
import { Problem } from './schemas.ts';
import type { Platform } from './platform.ts';

export type App = FastifyInstance<
  import('node:http').Server,
  import('node:http').IncomingMessage,
  import('node:http').ServerResponse,
  import('fastify').FastifyBaseLogger,
  TypeBoxTypeProvider
>;

const PROBLEM_TYPE = 'https://dingban.dev/problems/';
/** Retry-After (s) when shedding on the pool's wait queue: it empties within milliseconds once arrivals drop. */
const POOL_SHED_RETRY_AFTER_S = 1;

/** Renders a problem document (RFC 9457) for a code, in the caller's language. */
export function sendProblem(
  req: FastifyRequest,
  reply: FastifyReply,
  code: string,
  params: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
): FastifyReply {
  const spec = errorSpec(code) ?? errorSpec('INTERNAL')!;
  const locale = negotiateLocale(req.headers['accept-language']);
  const body = {
    type: PROBLEM_TYPE + code.toLowerCase().replaceAll('_', '-'),
    title: code,
    status: spec.status,
    code,
    detail: pick(spec, locale, { requestId: req.id, ...params }),
    instance: req.url.split('?')[0],
    requestId: req.id,
    ...extra,
  };
  return reply
    .code(spec.status)
    .header('content-language', locale)
    .type('application/problem+json; charset=utf-8')
    .serializer(JSON.stringify)
    .send(body);
}

/**
 * Takes over a reply as a Server-Sent Events stream: the headers Fastify's hooks already set (request id,
 * security headers) plus the event-stream ones, and the client's reconnect delay. Returns the raw response.
 */
export function startEventStream(reply: FastifyReply, extraHeaders: Record<string, string> = {}): import('node:http').ServerResponse {
  reply.hijack();
  const res = reply.raw;
  const headers: Record<string, string | number | string[]> = {};
  for (const [k, v] of Object.entries(reply.getHeaders())) if (v !== undefined) headers[k] = v;
  res.writeHead(200, {
    ...headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no', // nginx: do not buffer the stream
    ...extraHeaders,
  });
  res.write('retry: 3000\n\n');
  return res;
}

/** Retry-After (s) when the database is unreachable. */
const DB_DOWN_RETRY_AFTER_S = 2;

/**
 * Whether an error means "the database is not reachable right now" rather than a bug: SQLSTATE class 08
 * (connection exception), 57P01–57P03 (terminated by an administrator, crash shutdown, cannot connect
 * now), or the driver's own connection errors.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (!e) return false;
  const code = typeof e.code === 'string' ? e.code : '';
  if (/^08/.test(code) || /^57P0[123]$/.test(code) || code === 'ECONNREFUSED' || code === 'ECONNRESET') return true;
  const msg = typeof e.message === 'string' ? e.message : '';
  return /^Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/.test(msg);
}

/** The path of the first string (key or value) holding U+0000 in a parsed request part, if any. */
function nulIn(value: unknown, path: string, depth = 0): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (value === null || typeof value !== 'object' || depth > 32 || Buffer.isBuffer(value)) return undefined;
  for (const [k, v] of Object.entries(value)) {
    if (k.includes('\u0000')) return path;
    const found = nulIn(v, `${path}/${k}`, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/** Maps Fastify's own errors (validation, parsing, size) onto stable codes; everything else is 500. */
function classify(err: FastifyError): { code: string; params?: Record<string, unknown>; extra?: Record<string, unknown> } {
  if (err.validation) {
    const errors = err.validation.map((v) => ({
      path: `${err.validationContext ?? ''}${v.instancePath || ''}${v.params && 'missingProperty' in v.params ? '/' + String(v.params.missingProperty) : ''}`,
      message: v.message ?? 'invalid',
    }));
    return {
      code: 'VALIDATION_FAILED',
      params: {
        detail: errors
          .map((e) => `${e.path} ${e.message}`)
          .join('; ')
          .slice(0, 300),
      },
      extra: { errors },
    };
  }
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { code: 'UNSUPPORTED_MEDIA_TYPE' };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { code: 'BODY_TOO_LARGE' };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { code: 'MALFORMED_BODY' };
  }
  if (err instanceof SyntaxError || (err.statusCode === 400 && /json|parse|body/i.test(err.message))) return { code: 'MALFORMED_BODY' };
  if (err.statusCode === 413) return { code: 'BODY_TOO_LARGE' };
  if (err.statusCode === 415) return { code: 'UNSUPPORTED_MEDIA_TYPE' };
  if (err.statusCode === 404) return { code: 'NOT_FOUND' };
  if (err.statusCode === 405) return { code: 'METHOD_NOT_ALLOWED' };
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    return { code: 'VALIDATION_FAILED', params: { detail: err.message.slice(0, 200) } };
  }
  return { code: 'INTERNAL' };
}

/** This process's prefix for request ids: 48 random bits, so ids from several processes do not collide. */
const REQUEST_ID_PREFIX = randomBytes(6).toString('base64url');
let requestCounter = 0;

/**
 * A request id unique across processes (random prefix + counter): it only has to tell requests apart in
 * logs and problem documents, so it costs no random bytes per request (a UUIDv7 each did: 2 % of a cached
 * read's CPU).
 */
function nextRequestId(): string {
  requestCounter = (requestCounter + 1) % Number.MAX_SAFE_INTEGER;
  return `${REQUEST_ID_PREFIX}-${requestCounter.toString(36)}`;
}

const LOG_METHODS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal']);

/**
 * Fastify gives every request a child logger bound to its id. With redaction on, making one costs pino a
 * pass over the bindings, and most requests never log (production logs at `info` and Fastify's own
 * per-request lines are below the level in the bench): the child is made on its first real use. A call
 * at a level that is off is a no-op without it.
 */
function lazyChildLogger(parent: FastifyBaseLogger, bindings: Record<string, unknown>, opts: { level?: string }): FastifyBaseLogger {
  const logger = parent as Logger;
  let child: Logger | undefined;
  const real = () => (child ??= logger.child(bindings, opts));
  const threshold = opts.level ? logger.levels.values[opts.level]! : undefined;
  const noop = () => {};
  return new Proxy({} as Logger, {
    get(target, prop, receiver) {
      if (Reflect.has(target, prop)) return Reflect.get(target, prop, receiver);
      if (prop === 'child') return (b: Record<string, unknown>, o?: object) => real().child(b, o);
      if (typeof prop === 'string' && LOG_METHODS.has(prop) && !child) {
        const enabled = threshold === undefined ? logger.isLevelEnabled(prop) : logger.levels.values[prop]! >= threshold;
        if (!enabled) return noop;
      }
      const c = real();
      const v = Reflect.get(c, prop, c) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(c) : v;
    },
    set(target, prop, value) {
      // Fastify marks its request loggers with symbols; those live on the proxy. Anything else is the child's.
      if (typeof prop === 'symbol') return Reflect.set(target, prop, value);
      return Reflect.set(real(), prop, value);
    },
  });
}

/**
 * The interface layer: Fastify with request ids, security headers, cookies, rate limits (shared in
 * Redis when configured), load shedding, OpenAPI 3.1 + /docs, problem+json errors and metrics.
 * Modules register their routes on the returned instance.
 */
export async function createHttp(p: Platform): Promise<App> {
  const app = Fastify({
    loggerInstance: p.logger,
    trustProxy: p.config.trustProxy,
    bodyLimit: 1024 * 1024,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{8,64}$/.test(given) ? given : nextRequestId();
    },
    childLoggerFactory: lazyChildLogger,
    requestIdHeader: false,
    ajv: { customOptions: { removeAdditional: true, coerceTypes: 'array', useDefaults: true, allErrors: false } },
    routerOptions: { maxParamLength: 200 },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.decorateRequest('actor', null);
  app.addSchema(Problem);

  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof AppError) {
      for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
      return sendProblem(req, reply, err.code, err.params, err.extra);
    }
    if (isDatabaseUnavailable(err)) {
      // The database went away (restart, failover, connections terminated): nothing was committed by
      // this request's failed statement; the client retries, the pool reconnects by itself.
      req.log.warn({ err: err.message }, 'database unavailable');
      reply.header('retry-after', String(DB_DOWN_RETRY_AFTER_S));
      return sendProblem(req, reply, 'DATABASE_UNAVAILABLE');
    }
    const c = classify(err);
    if (c.code === 'INTERNAL') req.log.error({ err }, 'unhandled error');
    return sendProblem(req, reply, c.code, c.params, c.extra);
  });

  // No text field anywhere may carry a NUL character: PostgreSQL cannot store it in text (a 500 on
  // insert), and no honest client sends one. Refused up front for every route, in body, query and path.
  app.addHook('preValidation', async (req) => {
    const where = nulIn(req.params, 'params') ?? nulIn(req.query, 'query') ?? nulIn(req.body, 'body');
    if (where) throw new AppError('VALIDATION_FAILED', { detail: `${where}: NUL character not allowed` });
  });

  // Latency per route template and status.
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    p.metrics.httpDuration.labels(req.method, route, String(reply.statusCode)).observe(reply.elapsedTime / 1000);
  });

  // Security headers. Helmet's middleware is built once here: @fastify/helmet built it again for every
  // request (parsing the whole configuration each time — measured at 2.5 % of a cached read's CPU).
  const securityHeaders = helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
        upgradeInsecureRequests: null,
      },
    },
    hsts: p.config.env === 'production',
  });
  app.addHook('onRequest', (req, reply, done) => securityHeaders(req.raw, reply.raw, (err) => done(err as Error | undefined)));
  await app.register(cookie);

  await app.register(underPressure, {
    maxEventLoopDelay: p.config.maxEventLoopDelayMs,
    retryAfter: 5,
    pressureHandler: (req: FastifyRequest, reply: FastifyReply) => {
      p.metrics.httpShed.inc();
      reply.header('retry-after', '5');
      sendProblem(req, reply, 'OVERLOADED');
    },
  });

  // Shed on the database pool's wait queue too: overload on a 2-core box keeps the event loop responsive
  // while requests queue for one of the pooled connections, so event-loop delay alone never trips.
  // Fast refusals (503 + Retry-After) instead of slow successes. Only API routes (static files and the
  // probes need no database connection); PGlite has no pool to queue on.
  const maxWaiting = p.config.dbPoolMaxWaiting;
  if (maxWaiting > 0 && p.database.kind === 'postgres') {
    const pool = p.database.pool;
    app.addHook('onRequest', async (req, reply) => {
      if (pool.waitingCount <= maxWaiting || !req.url.startsWith('/api/')) return;
      p.metrics.httpShed.inc();
      reply.header('retry-after', String(POOL_SHED_RETRY_AFTER_S));
      return sendProblem(req, reply, 'OVERLOADED');
    });
  }

  await app.register(rateLimit, {
    global: true,
    max: p.config.rateLimitPerMinute,
    timeWindow: 60_000,
    ...(p.redis ? { redis: p.redis, nameSpace: `${p.config.redisPrefix}rl:` } : {}),
    skipOnError: true,
    allowList: (req: FastifyRequest) => req.url.startsWith('/health') || req.url === '/metrics',
    errorResponseBuilder: (_req, ctx) =>
      new AppError(
        'RATE_LIMITED',
        { retryAfter: Math.ceil(ctx.ttl / 1000) },
        { headers: { 'retry-after': String(Math.ceil(ctx.ttl / 1000)) } },
      ),
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Dingban 顶班 API',
        version: '1.0.0',
        description:
          'Substitute-shift platform for express-delivery stations. Errors are application/problem+json (RFC 9457) with a stable `code`; send `Accept-Language: en-US` for English messages.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          cookie: { type: 'apiKey', in: 'cookie', name: 'dingban_session' },
        },
      },
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  return app as unknown as App;
}
