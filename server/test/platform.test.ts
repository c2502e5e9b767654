import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from './helpers.ts';
import { createLogger } from '../src/platform/logger.ts';

describe('platform HTTP machinery', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(async () => t.close());

  it('S6.1: liveness and readiness report the database', async () => {
    const live = await t.app.inject({ method: 'GET', url: '/health/live' });
    assert.equal(live.statusCode, 200);
    const ready = await t.app.inject({ method: 'GET', url: '/health/ready' });
    assert.equal(ready.statusCode, 200);
    assert.equal(ready.json().database, 'ok');
  });

  it('S6.7: serves an OpenAPI 3.1 document and browsable docs', async () => {
    const doc = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(doc.statusCode, 200);
    assert.equal(doc.json().openapi, '3.1.0');
    const ui = await t.app.inject({ method: 'GET', url: '/docs/' });
    assert.equal(ui.statusCode, 200);
  });

  it('S4.3.1: unknown routes answer problem+json in the negotiated language', async () => {
    const zh = await t.app.inject({ method: 'GET', url: '/api/v1/nope' });
    assert.equal(zh.statusCode, 404);
    assert.match(zh.headers['content-type'] as string, /application\/problem\+json/);
    assert.equal(zh.json().code, 'ROUTE_NOT_FOUND');
    assert.equal(zh.json().detail, '接口不存在');
    const en = await t.app.inject({ method: 'GET', url: '/api/v1/nope', headers: { 'accept-language': 'en-US,en;q=0.9' } });
    assert.equal(en.json().detail, 'No such endpoint');
    assert.ok(en.json().requestId);
    assert.equal(en.headers['x-request-id'], en.json().requestId);
  });

  it('S6.1: a NUL character anywhere in a request (body, nested body, query, path) is a 400 with a code, never a 500', async () => {
    const cases = [
      {
        method: 'POST' as const,
        url: '/api/v1/auth/codes',
        payload: { purpose: 'register', channel: 'sms', destination: '1380000\u00000001' },
      },
      {
        method: 'POST' as const,
        url: '/api/v1/auth/login',
        payload: { identifier: 'a@b.cn', password: 'x', extra: { deep: ['ok', 'b\u0000d'] } },
      },
      { method: 'GET' as const, url: '/api/v1/regions?parent=11%00' },
      { method: 'GET' as const, url: '/api/v1/certificates/DB%00X/verify' },
    ];
    for (const c of cases) {
      const r = await t.app.inject(c);
      assert.equal(r.statusCode, 400, c.url);
      assert.equal(r.json().code, 'VALIDATION_FAILED', c.url);
      assert.match(r.json().detail, /NUL/, c.url);
    }
  });

  it('S6.1: security headers are set on every response — success, refusal and unknown route alike', async () => {
    for (const url of ['/health/live', '/api/v1/me', '/api/v1/nope']) {
      const r = await t.app.inject({ method: 'GET', url });
      assert.equal(r.headers['x-content-type-options'], 'nosniff', url);
      assert.equal(r.headers['x-frame-options'], 'SAMEORIGIN', url);
      assert.equal(r.headers['referrer-policy'], 'no-referrer', url);
      const csp = String(r.headers['content-security-policy']);
      assert.match(csp, /default-src 'self'/, url);
      assert.match(csp, /frame-ancestors 'none'/, url);
      assert.match(csp, /script-src 'self'(;|$)/, url);
      assert.equal(r.headers['x-powered-by'], undefined, url);
    }
  });

  it('S6.1: every response carries a request id, different for each request; a well-formed id from the caller is kept', async () => {
    const a = await t.app.inject({ method: 'GET', url: '/health/live' });
    const b = await t.app.inject({ method: 'GET', url: '/health/live' });
    assert.match(String(a.headers['x-request-id']), /^[\w-]{8,64}$/);
    assert.notEqual(a.headers['x-request-id'], b.headers['x-request-id']);
    const given = await t.app.inject({ method: 'GET', url: '/health/live', headers: { 'x-request-id': 'trace-0001.abc' } });
    assert.equal(given.headers['x-request-id'], 'trace-0001.abc');
  });

  it('S6.1: exposes Prometheus metrics with request latency, pool usage and queue depth', async () => {
    await t.app.inject({ method: 'GET', url: '/health/live' });
    const r = await t.app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(r.statusCode, 200);
    assert.match(r.body, /http_request_duration_seconds_bucket\{[^}]*route="\/health\/live"/);
    assert.match(r.body, /db_pool_connections/);
    assert.match(r.body, /job_queue_depth/);
  });
});

describe('request logging', () => {
  it("S6.1: a request's log lines carry its request id; at a level that is off nothing is written", async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) };
    const logger = createLogger('info', sink);
    const t = await createTestApp({ overrides: { logger } });
    try {
      await t.app.inject({ method: 'GET', url: '/health/live', headers: { 'x-request-id': 'logged-request-1' } });
      const mine = lines.filter((l) => l.reqId === 'logged-request-1');
      assert.ok(mine.some((l) => l.msg === 'incoming request'));
      assert.ok(mine.some((l) => l.msg === 'request completed'));
      logger.level = 'warn';
      const before = lines.length;
      await t.app.inject({ method: 'GET', url: '/health/live', headers: { 'x-request-id': 'quiet-request-1' } });
      assert.equal(lines.length, before);
    } finally {
      await t.close();
    }
  });
});
