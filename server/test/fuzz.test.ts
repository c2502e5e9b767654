import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createTestApp, type TestApp } from './helpers.ts';
import { createStaff, registerUser, TEST_ENV } from './factories.ts';

/**
 * Bad input never produces a 500 (issue "Platform foundation" §6): every route in the OpenAPI document
 * gets random and malformed bodies, query strings, path parameters and headers, anonymously, as a user
 * and as an admin. Every answer must be a clean 2xx/3xx/4xx; every 4xx must be a problem document with a code.
 */

const SKIP = new Set([
  'GET /api/v1/events', // an endless SSE stream; covered by the message-center tests
  'GET /api/v1/orders/market/events', // an endless SSE stream; covered by orders-live.test.ts
]);

const CHANNEL_PROTOCOL = /\/api\/v1\/wallet\/channels\/[^/]*\/notify/;

type Op = { method: string; path: string };

const weirdStrings = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '%',
    '%00',
    '../../etc/passwd',
    '<script>alert(1)</script>',
    "' OR 1=1 --",
    '顶班快递',
    '\u0000',
    '😀',
    'null',
    '-1',
    '1e309',
    'NaN',
    '0x10',
  ),
  fc.uuid(),
  fc.integer().map(String),
);

const jsonBodies = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.dictionary(
    fc.constantFrom(
      'amountFen',
      'password',
      'phone',
      'email',
      'code',
      'kind',
      'startsAt',
      'id',
      'creditCode',
      'limit',
      'cursor',
      'name',
      'storeId',
      'payFen',
      'roles',
    ),
    fc.oneof(weirdStrings, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(weirdStrings, { maxLength: 3 })),
  ),
);

const rawBodies = fc.oneof(
  fc.constant('{'),
  fc.constant('{"a":'),
  fc.constant('[1,2'),
  fc.string({ maxLength: 60 }),
  fc.constant('\u0000\u0001\u0002'),
  fc.constant('{"__proto__":{"admin":true}}'),
  fc.constant('{"constructor":{"prototype":{"x":1}}}'),
);

function fillPath(path: string, value: string): string {
  return path.replace(/\{[^}]+\}/g, () => encodeURIComponent(value));
}

describe('bad input never breaks the server', () => {
  let t: TestApp;
  let ops: Op[] = [];
  const actors: Record<string, Record<string, string>> = { anonymous: {} };

  // Some routes end the caller's session (logout, end all sessions, cancel the account): sign in afresh
  // whenever that happened, so every route is also attacked by an authenticated caller.
  const refreshActors = async () => {
    for (const name of ['user', 'admin'] as const) {
      const h = actors[name];
      if (h && (await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: h })).statusCode === 200) continue;
      actors[name] = name === 'user' ? (await registerUser(t)).headers : (await createStaff(t, ['admin'])).headers;
    }
  };

  before(async () => {
    t = await createTestApp({ env: TEST_ENV });
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> };
    ops = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.keys(methods)
        .filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
        .map((m) => ({ method: m.toUpperCase(), path })),
    );
    ops = ops.filter((o) => !SKIP.has(`${o.method} ${o.path}`));
    await refreshActors();
  });
  after(async () => t.close());

  it('S6.1: the API documents many routes to attack', () => {
    assert.ok(ops.length >= 20, `only ${ops.length} routes found`);
  });

  it('S6.1: random and malformed requests to every route get 4xx problems, never 500', async () => {
    const failures: string[] = [];
    const tally: Record<number, number> = {};
    const check = async (label: string, res: { statusCode: number; headers: Record<string, unknown>; body: string }) => {
      tally[res.statusCode] = (tally[res.statusCode] ?? 0) + 1;
      // 503 is an honest answer when a request is valid but an outside system it needs is not there (the
      // test app runs no payment channel): it must still be a problem document with a code. Any other 5xx fails.
      const unavailable = res.statusCode === 503 && String(res.headers['content-type'] ?? '').includes('problem+json');
      if (res.statusCode >= 500 && !(unavailable && JSON.parse(res.body).code))
        failures.push(`${label} → ${res.statusCode} ${res.body.slice(0, 200)}`);
      // Payment-channel callbacks answer in the channel's own protocol (e.g. WeChat Pay's {code, message}).
      else if (res.statusCode >= 400 && !CHANNEL_PROTOCOL.test(label)) {
        const ct = String(res.headers['content-type'] ?? '');
        if (!ct.includes('problem+json')) failures.push(`${label} → ${res.statusCode} without problem+json (${ct})`);
        else if (!JSON.parse(res.body).code) failures.push(`${label} → ${res.statusCode} problem without code`);
      }
    };
    const samples = 4;
    for (const op of ops) {
      await refreshActors();
      for (const [actorName, auth] of Object.entries(actors)) {
        const cases = fc.sample(
          fc.record({
            param: weirdStrings,
            json: jsonBodies,
            raw: rawBodies,
            query: fc.dictionary(fc.string({ maxLength: 10 }), weirdStrings, { maxKeys: 4 }),
            lang: weirdStrings,
            idem: weirdStrings,
          }),
          samples,
        );
        for (const [i, c] of cases.entries()) {
          const url = fillPath(op.path, c.param);
          const query = Object.fromEntries(Object.entries(c.query).filter(([k]) => k.length > 0));
          const headers = {
            ...auth,
            'accept-language': c.lang.replace(/[^\x20-\x7e]/g, ''),
            'idempotency-key': c.idem.replace(/[^\x20-\x7e]/g, '') || 'k',
          };
          const label = `${actorName} ${op.method} ${url}`;
          if (op.method === 'GET' || op.method === 'DELETE') {
            await check(label, await t.app.inject({ method: op.method as 'GET', url, query, headers }));
          } else if (i % 2 === 0) {
            await check(
              `${label} json`,
              await t.app.inject({ method: op.method as 'POST', url, query, headers, payload: c.json as object }),
            );
          } else {
            const type = [
              'application/json',
              'text/plain',
              'application/x-www-form-urlencoded',
              'multipart/form-data; boundary=x',
              'application/xml',
            ][i % 5]!;
            await check(
              `${label} raw ${type}`,
              await t.app.inject({
                method: op.method as 'POST',
                url,
                query,
                headers: { ...headers, 'content-type': type },
                payload: c.raw,
              }),
            );
          }
        }
      }
    }
    t.p.logger.info({ routes: ops.length, statuses: tally }, 'fuzzed every route');
    assert.deepEqual(failures, []);
  });

  it('S6.1: oversized bodies are refused with 413', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ x: 'a'.repeat(2 * 1024 * 1024) }),
    });
    assert.equal(res.statusCode, 413);
    assert.equal(res.json().code, 'BODY_TOO_LARGE');
  });
});
