import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import pino from 'pino';
import { createArbitrationProvider, type ArbitrationProvider } from '../../emulators/arbitration-provider/src/server.ts';
import { completeCreditCode } from '../../emulators/arbitration-provider/src/credit-code.ts';
import { createTestApp, testRedisUrl, type TestApp } from './helpers.ts';
import { ManualClock } from '../src/platform/clock.ts';
import { Metrics } from '../src/platform/metrics.ts';
import { MemoryStore } from '../src/platform/kv.ts';
import type { Module } from '../src/platform/module.ts';
import { createRiskModule, findRiskLevels, RISK_JOBS, requestCompanyCheck } from '../src/modules/risk/index.ts';
import { HttpArbitrationClient } from '../src/modules/risk/client.ts';
import { ArbitrationLookup } from '../src/modules/risk/lookup.ts';
import { createRiskMetrics } from '../src/modules/risk/metrics.ts';
import { AppError } from '../src/platform/errors.ts';
import { readFileSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';

const NOW = '2026-11-23T04:00:00.000Z';
const devKey = readFileSync(new URL('../../emulators/arbitration-provider/dev-keys/dingban-dev.key.pem', import.meta.url), 'utf8');

/** Test-only authentication: the actor comes from an `x-test-actor` header (the accounts module does this for real). */
const testAuth: Module = {
  name: 'test-auth',
  register(app) {
    app.addHook('onRequest', async (req) => {
      const h = req.headers['x-test-actor'];
      if (typeof h !== 'string') return;
      const a = JSON.parse(h) as { userId: string; kind: 'person' | 'enterprise' | 'staff'; permissions: string[] };
      req.actor = { userId: a.userId, kind: a.kind, roles: [], permissions: new Set(a.permissions), sessionId: 's' };
    });
  },
};
const STAFF_ID = '0190a000-0000-7000-8000-000000000001';
const staffHeaders = {
  'x-test-actor': JSON.stringify({ userId: STAFF_ID, kind: 'staff', permissions: ['risk:read', 'risk:manage'] }),
  'accept-language': 'en-US',
};
const courierHeaders = {
  'x-test-actor': JSON.stringify({ userId: '0190a000-0000-7000-8000-000000000009', kind: 'person', permissions: ['orders:take'] }),
  'accept-language': 'en-US',
};

let n = 0;
let provider: ArbitrationProvider;
/** A fresh valid credit code per call, of a company the provider knows (the synthetic set leaves ~3 % unknown). */
const newCode = () => {
  const code = completeCreditCode(`91310000MA${String(Date.now() % 100000).padStart(5, '0')}${String(n++).padStart(2, '0')}`);
  if (!provider.company(code)) provider.setCompany(code, { companyName: '苏州汇通商贸有限公司', cases: [] });
  return code;
};
const kase = (caseNo: string, filedDate: string, amount: string, result: 'win' | 'lose', executed = true) => ({
  caseNo,
  title: `王某与公司追索劳动报酬纠纷 ${caseNo}`,
  filedDate,
  amount,
  result,
  executed,
});

function silentLogger() {
  const warnings: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (s: string) => void warnings.push(JSON.parse(s).msg as string) });
  return { logger, warnings };
}

describe('risk module over HTTP against the arbitration-provider emulator', () => {
  let providerUrl: string;
  let t: TestApp;
  const clock = new ManualClock(NOW);
  const delays: number[] = [];
  const keyPrefix = `dingban_test_${randomBytes(4).toString('hex')}:labor:arbitration:`;
  let webhook: Server;
  const webhookBodies: unknown[] = [];

  before(async () => {
    provider = createArbitrationProvider({ seed: 'risk-test', now: () => clock.now() });
    providerUrl = await provider.listen(0);
    webhook = createServer((req, res) => {
      let b = '';
      req.on('data', (c) => (b += c));
      req.on('end', () => {
        webhookBodies.push(JSON.parse(b));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"errcode":0}');
      });
    });
    await new Promise<void>((r) => webhook.listen(0, '127.0.0.1', r));
    t = await createTestApp({
      modules: [
        testAuth,
        createRiskModule({
          sleep: async (ms) => void delays.push(ms),
          staffDirectory: async () => [STAFF_ID],
        }),
      ],
      overrides: { clock },
      env: {
        ARBITRATION_BASE_URL: providerUrl,
        ARBITRATION_CACHE_KEY_PREFIX: keyPrefix,
        RISK_ALERT_WEBHOOK_URL: `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/robot`,
        RISK_THRESHOLD_MIN_SAMPLE: '5',
        WEB_DIST: '/nonexistent-web-dist', // API only: independent of whether the web app was built
        MAX_EVENT_LOOP_DELAY_MS: '0', // no load shedding on a busy test machine
      },
    });
  });
  after(async () => {
    await provider?.close();
    await new Promise((r) => webhook?.close(r));
    if (!t) return;
    if (t.p.redis) {
      const keys = await t.p.redis.keys(`${keyPrefix}*`);
      if (keys.length) await t.p.redis.del(...keys);
    }
    await t.close();
  });
  beforeEach(() => {
    provider.setFaults({ latencyMs: 0, busyRate: 0, outage: 'none', failNext: [] });
    delays.length = 0;
    clock.set(NOW);
  });

  const check = (code: string, headers: Record<string, string> = staffHeaders, query = '') =>
    t.app.inject({ method: 'POST', url: `/api/v1/risk/companies/${code}/check${query}`, headers });
  const calls = (code: string) => provider.stats.byCreditCode[code] ?? 0;

  it('A1: a signed query is accepted and the report shows the score with each rule’s deduction', async () => {
    const code = newCode();
    provider.setCompany(code, {
      companyName: '上海顺达物流有限公司',
      cases: [kase('A-1', '2026-10-01', '10000.00', 'win'), kase('A-2', '2026-01-15', '5000.00', 'win')],
    });
    const r = await check(code);
    assert.equal(r.statusCode, 200, r.body);
    const body = r.json();
    assert.equal(body.companyName, '上海顺达物流有限公司');
    assert.equal(body.score, 55);
    assert.equal(body.level, 'medium');
    assert.equal(body.threshold, 60);
    assert.equal(body.risky, true);
    assert.deepEqual(
      body.deductions.map((d: { rule: string; points: number }) => [d.rule, d.points]),
      [
        ['recent_cases', 40],
        ['amount', 5],
        ['lose_rate', 0],
        ['unexecuted', 0],
      ],
    );
    assert.equal(body.deductions[0].label, '2 case(s) filed in the last 12 months');
    assert.equal(body.totalAmountFen, 1_500_000);
    assert.equal(body.latestCase.caseNo, 'A-1');
    assert.equal(calls(code), 1);
  });

  it('A6: a credit code with a wrong check character fails locally without a provider call', async () => {
    const code = newCode();
    const wrong = code.slice(0, 17) + (code[17] === '0' ? '1' : '0');
    const r = await check(wrong);
    assert.equal(r.statusCode, 400);
    assert.equal(r.json().code, 'RISK_CREDIT_CODE_INVALID');
    assert.equal(provider.stats.byCreditCode[wrong], undefined);
  });

  it('A6: 5001 twice then success — three tries with exponential backoff and jitter', async () => {
    const code = newCode();
    provider.setFaults({ failNext: [{ code: 5001, count: 2 }] });
    const r = await check(code);
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(calls(code), 3);
    assert.equal(delays.length, 2);
    assert.ok(delays[0]! >= 200 && delays[0]! < 400, `first delay ${delays[0]}`);
    assert.ok(delays[1]! >= 400 && delays[1]! < 800, `second delay ${delays[1]}`);
  });

  it('A6: 5001 on every try gives up after 3 tries with a clear error', async () => {
    const code = newCode();
    provider.setFaults({ busyRate: 1 });
    const r = await check(code);
    assert.equal(r.statusCode, 503);
    assert.equal(r.json().code, 'ARBITRATION_PROVIDER_UNAVAILABLE');
    assert.match(r.json().detail, /after 3 tries/);
    assert.equal(calls(code), 3);
  });

  it('A6: transport errors (dropped connections) are retried, then fail', async () => {
    provider.setFaults({ outage: 'reset' });
    const before = provider.stats.requests;
    const r = await check(newCode());
    assert.equal(r.statusCode, 503);
    assert.equal(r.json().code, 'ARBITRATION_PROVIDER_UNAVAILABLE');
    assert.equal(provider.stats.requests - before, 3);
  });

  it('A6: a gateway error page (HTTP 502, no JSON) is retried like a transport error, then fails after 3 tries', async () => {
    provider.setFaults({ outage: 'http502' });
    const before = provider.stats.requests;
    const r = await check(newCode());
    assert.equal(r.statusCode, 503);
    assert.equal(r.json().code, 'ARBITRATION_PROVIDER_UNAVAILABLE');
    assert.equal(provider.stats.requests - before, 3);
    assert.equal(delays.length, 2);
  });

  it('A6: 6002 is not retried, says to check the code, and "not found" is cached briefly', async () => {
    const code = newCode();
    provider.setCompany(code, null);
    const r = await check(code);
    assert.equal(r.statusCode, 404);
    assert.equal(r.json().code, 'ARBITRATION_COMPANY_NOT_FOUND');
    assert.match(r.json().detail, /check that the credit code is valid/);
    assert.equal(calls(code), 1);
    assert.equal(delays.length, 0);
    assert.equal((await check(code)).statusCode, 404);
    assert.equal(calls(code), 1, 'served from the not-found cache');
    clock.advance(61_000);
    await check(code);
    assert.equal(calls(code), 2, 'not-found entries expire after 60 s');
  });

  it('A6: 4003 is not retried and names the permission package', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    provider.registerApp({ appId: 'no-perm', publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }) as string, permissions: [] });
    const client = new HttpArbitrationClient({
      baseUrl: providerUrl,
      appId: 'no-perm',
      privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      timeoutMs: 5000,
      clock,
      logger: silentLogger().logger,
      metrics: createRiskMetrics(new Metrics()),
      retryBaseMs: 1,
      skewWarnSeconds: 60,
      sleep: async (ms) => void delays.push(ms),
    });
    const before = provider.stats.requests;
    await assert.rejects(client.query(newCode()), (e: AppError) => {
      assert.equal(e.code, 'ARBITRATION_PERMISSION_DENIED');
      assert.match(e.message_('en-US'), /permission package/);
      return true;
    });
    assert.equal(provider.stats.requests - before, 1);
    assert.equal(delays.length, 0);
  });

  it('A1: the exact bytes sent are signed — a body altered in transit is rejected (4001), not retried', async () => {
    const tamper: typeof fetch = (url, init) => fetch(url, { ...init, body: Buffer.from(String(init!.body).replace('{', '{ ')) });
    const client = new HttpArbitrationClient({
      baseUrl: providerUrl,
      appId: 'dingban-dev',
      privateKeyPem: devKey,
      timeoutMs: 5000,
      clock,
      logger: silentLogger().logger,
      metrics: createRiskMetrics(new Metrics()),
      retryBaseMs: 1,
      skewWarnSeconds: 60,
      fetch: tamper,
    });
    const code = newCode();
    const before = provider.stats.requests;
    await assert.rejects(client.query(code), (e: AppError) => e.code === 'ARBITRATION_SIGNATURE_REJECTED');
    assert.equal(provider.stats.byCode['4001']! >= 1, true);
    assert.equal(provider.stats.requests - before, 1, '4001 is not retried');
  });

  it('A6: a local clock skewed beyond ±300 s is rejected (4001) with the skew; a smaller skew is warned about', async () => {
    const mk = (offsetS: number) => {
      const { logger, warnings } = silentLogger();
      const client = new HttpArbitrationClient({
        baseUrl: providerUrl,
        appId: 'dingban-dev',
        privateKeyPem: devKey,
        timeoutMs: 5000,
        clock: { now: () => new Date(clock.now().getTime() + offsetS * 1000) },
        logger,
        metrics: createRiskMetrics(new Metrics()),
        retryBaseMs: 1,
        skewWarnSeconds: 60,
      });
      return { client, warnings };
    };
    const far = mk(400);
    await assert.rejects(far.client.query(newCode()), (e: AppError) => {
      assert.equal(e.code, 'ARBITRATION_SIGNATURE_REJECTED');
      assert.match(e.message_('en-US'), /skew about -400 s, must be within ±300 s/);
      return true;
    });
    assert.equal(far.client.skewSeconds, -400);
    const near = mk(-120);
    const ok = await near.client.query(newCode());
    assert.equal(typeof ok.found, 'boolean');
    assert.equal(near.client.skewSeconds, 120);
    assert.ok(near.warnings.some((w) => /local clock differs/.test(w)));
  });

  it('A4: L1 hit, then L2 hit after the in-process TTL, then expiry after 300 s', async () => {
    const code = newCode();
    await check(code);
    assert.equal(calls(code), 1);
    await check(code);
    assert.equal(calls(code), 1, 'L1 hit');
    clock.advance(61_000); // L1 TTL is 60 s
    await check(code);
    assert.equal(calls(code), 1, 'L2 hit');
    if (t.p.redis) {
      const key = `${keyPrefix}${code}`;
      assert.ok(key.endsWith(`labor:arbitration:${code}`));
      const ttl = await t.p.redis.pttl(key);
      assert.ok(ttl > 0 && ttl <= 300_000, `redis ttl ${ttl}`);
    }
    clock.advance(240_000); // 301 s after the first call
    await check(code);
    assert.equal(calls(code), 2, 'expired in both levels');
    const fresh = await check(code, staffHeaders, '?fresh=true');
    assert.equal(fresh.statusCode, 200);
    assert.equal(calls(code), 3, 'fresh skips the cache');
  });

  it('A4: 100 concurrent lookups of one code make one provider call; a second lookup instance (empty L1) hits L2', async () => {
    const metrics = createRiskMetrics(new Metrics());
    const mkClient = () =>
      new HttpArbitrationClient({
        baseUrl: providerUrl,
        appId: 'dingban-dev',
        privateKeyPem: devKey,
        timeoutMs: 5000,
        clock,
        logger: silentLogger().logger,
        metrics,
        retryBaseMs: 1,
        skewWarnSeconds: 60,
      });
    const shared = new MemoryStore(() => clock.now().getTime());
    const redisA = testRedisUrl ? new Redis(testRedisUrl) : undefined;
    const redisB = testRedisUrl ? new Redis(testRedisUrl) : undefined;
    const mk = (redis: Redis | undefined) =>
      new ArbitrationLookup({
        source: mkClient(),
        clock,
        metrics,
        redis,
        store: shared,
        keyPrefix,
        ttlMs: 300_000,
        notFoundTtlMs: 60_000,
        localMax: 100,
        localTtlMs: 60_000,
      });
    try {
      const a = mk(redisA);
      const code = newCode();
      provider.setFaults({ latencyMs: 30 });
      const results = await Promise.all(Array.from({ length: 100 }, () => a.get(code)));
      assert.equal(calls(code), 1);
      assert.ok(results.every((r) => r === results[0]));
      const b = mk(redisB); // another instance with its own Redis connection: empty L1, same L2
      const fromB = await b.get(code);
      assert.deepEqual(fromB, results[0]);
      assert.equal(calls(code), 1);
      const text = await metrics.cacheRequests.get();
      const l2hits = text.values.find((v) => v.labels.level === 'l2' && v.labels.result === 'hit');
      assert.equal(l2hits?.value, 1);
    } finally {
      redisA?.disconnect();
      redisB?.disconnect();
    }
  });

  it(
    'A4: a second server instance (own app, L1 and Redis connection) answers from L2 without a provider call',
    { skip: !testRedisUrl && 'needs TEST_REDIS_URL' },
    async () => {
      const code = newCode();
      assert.equal((await check(code)).statusCode, 200);
      assert.equal(calls(code), 1);
      const t2 = await createTestApp({
        modules: [testAuth, createRiskModule({ staffDirectory: async () => [] })],
        overrides: { clock },
        env: {
          ARBITRATION_BASE_URL: providerUrl,
          ARBITRATION_CACHE_KEY_PREFIX: keyPrefix,
          WEB_DIST: '/nonexistent-web-dist',
          MAX_EVENT_LOOP_DELAY_MS: '0',
        },
      });
      try {
        const r = await t2.app.inject({ method: 'POST', url: `/api/v1/risk/companies/${code}/check`, headers: staffHeaders });
        assert.equal(r.statusCode, 200, r.body);
        assert.equal(calls(code), 1, 'served from Redis');
        const m = (await t2.app.inject({ method: 'GET', url: '/metrics' })).body;
        assert.match(m, /arbitration_cache_requests_total\{level="l2",result="hit"\} 1/);
      } finally {
        await t2.close();
      }
    },
  );

  it(
    'A4: a second OS process on the same Redis finds the entry in L2 (labor:arbitration:{creditCode}) without a provider call',
    { skip: !testRedisUrl && 'needs TEST_REDIS_URL' },
    async () => {
      const code = newCode();
      assert.equal((await check(code)).statusCode, 200);
      assert.equal(calls(code), 1);
      assert.ok(await t.p.redis!.exists(`${keyPrefix}${code}`));
      const child = await promisify(execFile)(
        process.execPath,
        [
          new URL('./risk-l2-child.ts', import.meta.url).pathname,
          JSON.stringify({ providerUrl, redisUrl: testRedisUrl, keyPrefix, creditCode: code, now: clock.now().toISOString() }),
        ],
        { timeout: 60_000 },
      );
      const out = JSON.parse(child.stdout.trim()) as {
        pid: number;
        companyName: string;
        providerCalls: number;
        cache: { level: string; result: string; value: number }[];
      };
      assert.notEqual(out.pid, process.pid);
      assert.equal(out.companyName, provider.company(code)!.companyName);
      assert.equal(out.providerCalls, 0);
      assert.deepEqual(
        out.cache.filter((c) => c.value > 0).map((c) => `${c.level}:${c.result}=${c.value}`),
        ['l1:miss=1', 'l2:hit=1'],
      );
      assert.equal(calls(code), 1, 'the provider was asked once, by the first process');
    },
  );

  it('A7: an urgent company alerts risk staff (message center + robot webhook) with case count, amount and latest case — once', async () => {
    const code = newCode();
    provider.setCompany(code, {
      companyName: '杭州捷迅快递服务有限公司',
      cases: [
        kase('U-1', '2026-09-01', '30000.00', 'lose', false),
        kase('U-2', '2026-03-15', '12500.50', 'win'),
        kase('U-3', '2024-06-01', '8000.00', 'lose'),
      ],
    });
    const r = await check(code);
    assert.equal(r.json().score, 0);
    assert.equal(r.json().level, 'high');
    assert.equal(r.json().alert.severity, 'urgent');
    await t.p.jobs.drain();
    const alerts = await t.app.inject({ method: 'GET', url: `/api/v1/risk/alerts?creditCode=${code}`, headers: staffHeaders });
    assert.equal(alerts.statusCode, 200);
    const [a] = alerts.json().items;
    assert.equal(a.severity, 'urgent');
    assert.equal(a.caseCount, 3);
    assert.equal(a.totalAmountFen, 5_050_050);
    assert.equal(a.latestCase.caseNo, 'U-1');
    const notes = await t.p.db
      .selectFrom('outbox_events')
      .select('payload')
      .where('type', '=', 'messages.notification.requested')
      .execute();
    const mine = notes
      .map((x) => x.payload as { userId: string; params: Record<string, unknown> })
      .filter((x) => x.params.company === '杭州捷迅快递服务有限公司');
    assert.equal(mine.length, 1);
    assert.equal(mine[0]!.userId, STAFF_ID);
    assert.equal(mine[0]!.params.cases, 3);
    assert.equal(mine[0]!.params.amount, '50500.50');
    assert.match(String(mine[0]!.params.latest), /U-1/);
    const robot = webhookBodies.find((b) => JSON.stringify(b).includes(code)) as { msgtype: string; markdown: { content: string } };
    assert.equal(robot.msgtype, 'markdown');
    assert.match(robot.markdown.content, /紧急.*杭州捷迅快递服务有限公司/);
    assert.match(robot.markdown.content, /仲裁次数：3/);
    // The same result again (fresh from the provider): no second alert.
    const again = await check(code, staffHeaders, '?fresh=true');
    assert.equal(again.json().alert, null);
    const list = await t.app.inject({ method: 'GET', url: `/api/v1/risk/alerts?creditCode=${code}`, headers: staffHeaders });
    assert.equal(list.json().items.length, 1);
  });

  it('A7: the default recipients are the active staff holding a role with risk:read', async () => {
    const { sql } = await import('kysely');
    const { defaultStaffDirectory } = await import('../src/modules/risk/service.ts');
    const ids = ['0190b000-0000-7000-8000-00000000000a', '0190b000-0000-7000-8000-00000000000b', '0190b000-0000-7000-8000-00000000000c'];
    const rows: [string, string, string, string[]][] = [
      [ids[0]!, 'staff', 'active', ['risk']],
      [ids[1]!, 'staff', 'active', ['ops']],
      [ids[2]!, 'staff', 'cancelled', ['admin']],
    ];
    for (const [id, kind, status, roles] of rows) {
      await sql`INSERT INTO users (id, kind, status, display_name, email_idx, roles, created_at, updated_at, cancelled_at)
        VALUES (${id}, ${kind}, ${status}, 'x', ${id}, ${roles}::text[], now(), now(), ${status === 'cancelled' ? new Date() : null})`.execute(
        t.p.db,
      );
    }
    const got = await defaultStaffDirectory(t.p.db);
    assert.ok(got.includes(ids[0]!));
    assert.ok(!got.includes(ids[1]!));
    assert.ok(!got.includes(ids[2]!));
  });

  it('A9: a watched company is re-checked on schedule; a new case raises an alert', async () => {
    const code = newCode();
    provider.setCompany(code, { companyName: '成都众邦物流有限公司', cases: [] });
    const w = await t.app.inject({ method: 'POST', url: '/api/v1/risk/watched', headers: staffHeaders, payload: { creditCode: code } });
    assert.equal(w.statusCode, 200, w.body);
    assert.equal(w.json().score, 100);
    provider.setCompany(code, { companyName: '成都众邦物流有限公司', cases: [kase('N-1', '2026-11-01', '8000.00', 'win')] });
    const sync = await t.app.inject({ method: 'POST', url: '/api/v1/risk/watched/refresh', headers: staffHeaders });
    assert.equal(sync.statusCode, 200);
    assert.ok(sync.json().checked >= 1);
    const alerts = await t.app.inject({ method: 'GET', url: `/api/v1/risk/alerts?creditCode=${code}`, headers: staffHeaders });
    const [a] = alerts.json().items;
    assert.equal(a.reason, 'new_case');
    assert.equal(a.severity, 'info');
    assert.deepEqual(a.newCaseNos, ['N-1']);
    // Crossing the threshold on the next sync is a warning.
    provider.setCompany(code, {
      companyName: '成都众邦物流有限公司',
      cases: [kase('N-2', '2026-11-10', '3000.00', 'win'), kase('N-1', '2026-11-01', '8000.00', 'win')],
    });
    await t.app.inject({ method: 'POST', url: '/api/v1/risk/watched/refresh', headers: staffHeaders });
    const after2 = (await t.app.inject({ method: 'GET', url: `/api/v1/risk/alerts?creditCode=${code}`, headers: staffHeaders })).json();
    assert.equal(after2.items[0].severity, 'warning');
    assert.equal(after2.items[0].reason, 'crossed_threshold');
    const watched = (await t.app.inject({ method: 'GET', url: '/api/v1/risk/watched', headers: staffHeaders })).json();
    assert.ok(watched.items.some((x: { creditCode: string }) => x.creditCode === code));
    assert.ok(t.p.jobs.jobNames.includes(RISK_JOBS.refreshWatched));
  });

  it('A9: other modules request a check in their transaction; it runs as a job and watches the company', async () => {
    const code = newCode();
    await t.p.db.transaction().execute((tx) => requestCompanyCheck(t.p, tx, code, 'verification'));
    let watched = (await t.app.inject({ method: 'GET', url: '/api/v1/risk/watched', headers: staffHeaders })).json();
    assert.equal(watched.items.find((x: { creditCode: string }) => x.creditCode === code).pending, true);
    await t.p.jobs.drain();
    watched = (await t.app.inject({ method: 'GET', url: '/api/v1/risk/watched', headers: staffHeaders })).json();
    const item = watched.items.find((x: { creditCode: string }) => x.creditCode === code);
    assert.equal(item.pending, false);
    assert.equal(item.source, 'verification');
    // A code the provider does not know is dropped, not retried forever.
    const gone = newCode();
    provider.setCompany(gone, null);
    await t.p.db.transaction().execute((tx) => requestCompanyCheck(t.p, tx, gone, 'verification'));
    await t.p.jobs.drain();
    watched = (await t.app.inject({ method: 'GET', url: '/api/v1/risk/watched', headers: staffHeaders })).json();
    assert.equal(
      watched.items.some((x: { creditCode: string }) => x.creditCode === gone),
      false,
    );
    assert.equal(calls(gone), 1);
  });

  it('A8: the weekly benchmark sets a bounded dynamic threshold from peers, kept in history', async () => {
    for (let i = 0; i < 6; i++) {
      const code = newCode();
      provider.setCompany(code, {
        companyName: `测试${i}物流有限公司`,
        cases: i < 3 ? [] : [kase(`B-${i}`, '2026-10-01', '1000.00', 'win')],
      });
      assert.equal((await check(code)).statusCode, 200);
    }
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/risk/thresholds/recompute', headers: staffHeaders });
    assert.equal(res.statusCode, 200);
    const th = (await t.app.inject({ method: 'GET', url: '/api/v1/risk/thresholds', headers: staffHeaders })).json();
    assert.equal(th.current.source, 'dynamic');
    assert.ok(th.current.value >= 40 && th.current.value <= 80);
    assert.equal(th.history.length, 1);
    assert.equal(th.history[0].percentile, 25);
    assert.equal(
      th.distribution.reduce((s: number, x: number) => s + x, 0),
      th.history[0].sampleSize,
    );
    assert.ok(t.p.jobs.jobNames.includes(RISK_JOBS.recomputeThreshold));
  });

  it('A2: CSV upload of credit codes returns per-code results and errors as CSV (and XLSX)', async () => {
    const good = newCode();
    const missing = newCode();
    provider.setCompany(missing, null);
    const bad = good.slice(0, 17) + (good[17] === '0' ? '1' : '0');
    const csv = `credit_code\r\n${good}\r\n${missing}\r\n${bad}\r\n`;
    const r = await t.app.inject({
      method: 'POST',
      url: '/api/v1/risk/batch/csv',
      headers: { ...staffHeaders, 'content-type': 'text/csv' },
      payload: csv,
    });
    assert.equal(r.statusCode, 200, r.body);
    assert.match(r.headers['content-type'] as string, /text\/csv/);
    const lines = r.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    assert.equal(lines.length, 4);
    assert.match(lines[1]!, new RegExp(`^"${good}","ok"`));
    assert.match(lines[2]!, /"error",.*"ARBITRATION_COMPANY_NOT_FOUND"/);
    assert.match(lines[3]!, /"RISK_CREDIT_CODE_INVALID"/);
    const x = await t.app.inject({
      method: 'POST',
      url: '/api/v1/risk/batch/csv?format=xlsx',
      headers: { ...staffHeaders, 'content-type': 'text/csv' },
      payload: csv,
    });
    assert.equal(x.statusCode, 200);
    assert.equal(x.rawPayload.subarray(0, 2).toString(), 'PK');
    const json = await t.app.inject({
      method: 'POST',
      url: '/api/v1/risk/batch',
      headers: staffHeaders,
      payload: { creditCodes: [good, missing] },
    });
    assert.deepEqual(
      json.json().results.map((y: { ok: boolean }) => y.ok),
      [true, false],
    );
  });

  it('A2: a batch over real HTTP keeps at most 5 provider calls in flight and reports every code', async () => {
    const codes = Array.from({ length: 12 }, () => newCode());
    provider.setFaults({ latencyMs: 100 });
    provider.stats.maxInFlight = 0;
    const r = await t.app.inject({ method: 'POST', url: '/api/v1/risk/batch', headers: staffHeaders, payload: { creditCodes: codes } });
    assert.equal(r.statusCode, 200, r.body);
    const results = r.json().results as { creditCode: string; ok: boolean }[];
    assert.deepEqual(
      results.map((x) => x.creditCode),
      codes,
    );
    assert.ok(results.every((x) => x.ok));
    assert.equal(provider.stats.maxInFlight, 5, 'ARBITRATION_BATCH_CONCURRENCY defaults to 5');
    assert.ok(codes.every((c) => calls(c) === 1));
  });

  it('A3: couriers see only a level with a plain explanation; staff endpoints are closed to them', async () => {
    const code = newCode();
    provider.setCompany(code, { companyName: '广州远航配送服务有限公司', cases: [kase('C-1', '2026-09-01', '90000.00', 'lose', false)] });
    await check(code);
    const lvl = await t.app.inject({ method: 'GET', url: `/api/v1/risk/levels/${code}`, headers: courierHeaders });
    assert.equal(lvl.statusCode, 200);
    assert.equal(lvl.json().level, 'high');
    assert.match(lvl.json().explanation, /High risk/);
    assert.equal(lvl.json().cases, undefined);
    assert.equal(lvl.json().score, undefined);
    const levels = await findRiskLevels(t.p, [code, newCode(), 'garbage']);
    assert.deepEqual([...levels], [[code, 'high']]);
    const unknown = await t.app.inject({ method: 'GET', url: `/api/v1/risk/levels/${newCode()}`, headers: courierHeaders });
    assert.equal(unknown.json().level, 'unknown');
    assert.equal((await check(code, courierHeaders)).statusCode, 403);
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/risk/alerts', headers: courierHeaders })).statusCode, 403);
    assert.equal((await t.app.inject({ method: 'GET', url: `/api/v1/risk/levels/${code}` })).statusCode, 401);
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/risk/alerts' })).statusCode, 401);
  });

  it('A5: /metrics has provider latency quantiles, errors by type, cache hits per level and the score histogram', async () => {
    provider.setFaults({ failNext: [{ code: 5001, count: 1 }] });
    const code = newCode();
    await check(code);
    await check(code);
    const m = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    assert.match(m, /api_latency_seconds\{quantile="0\.99",endpoint="\/v1\/arbitration\/query"\}/);
    assert.match(m, /api_requests_total\{endpoint="\/v1\/arbitration\/query"\} \d+/);
    assert.match(m, /api_errors_total\{endpoint="\/v1\/arbitration\/query",type="5001"\} [1-9]/);
    assert.match(m, /api_errors_total\{endpoint="\/v1\/arbitration\/query",type="6002"\} [1-9]/);
    assert.match(m, /arbitration_cache_requests_total\{level="l1",result="hit"\} [1-9]/);
    assert.match(m, /arbitration_cache_requests_total\{level="l2",result="miss"\} [1-9]/);
    assert.match(m, /risk_score_bucket\{le="60"\} [1-9]/);
  });

  it('A5: the Prometheus alert rules shipped in docs/ cover error rate, latency and hit ratio, over metrics /metrics exports', async () => {
    const rules = parseYaml(readFileSync(new URL('../../docs/prometheus/risk-rules.yml', import.meta.url), 'utf8')) as {
      groups: { name: string; rules: { alert: string; expr: string; labels: { severity: string }; annotations: { summary: string } }[] }[];
    };
    const all = rules.groups.flatMap((g) => g.rules);
    const exported = new Set(
      [...(await t.app.inject({ method: 'GET', url: '/metrics' })).body.matchAll(/^# TYPE (\w+) /gm)].map((x) => x[1]!),
    );
    const promql = new Set(['sum', 'rate', 'increase', 'max', 'abs', 'by', 'and', 'or', 'unless', 'on', 'without', 'ignoring']);
    for (const r of all) {
      assert.ok(['critical', 'warning', 'info'].includes(r.labels.severity), r.alert);
      assert.ok(r.annotations.summary, r.alert);
      // Metric names: identifiers left once label matchers, ranges, `by (…)` and function calls are removed.
      const bare = r.expr
        .replace(/\{[^}]*\}/g, '')
        .replace(/\[[^\]]*\]/g, '')
        .replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, '');
      const names = [...bare.matchAll(/\b([a-z_][a-z0-9_]*)\b(?!\s*\()/g)].map((x) => x[1]!).filter((x) => !promql.has(x));
      assert.ok(names.length > 0, r.alert);
      for (const n of names) assert.ok(exported.has(n), `${r.alert}: ${n} is not on /metrics`);
    }
    const exprs = all.map((r) => r.expr).join('\n');
    assert.match(exprs, /api_errors_total[^/]*\/\s*sum\(rate\(api_requests_total/, 'error rate');
    assert.match(exprs, /api_latency_seconds\{quantile="0\.99"\}/, 'latency');
    assert.match(exprs, /arbitration_cache_requests_total\{result="hit"\}/, 'hit ratio per level');
  });

  it('A7: an unchanged result never alerts twice, but a result seen before alerts again after a different one (threshold moved up and back)', async () => {
    const code = newCode();
    // Two recent won cases, 15,000 CNY: 100 − 40 − 5 = 55.
    provider.setCompany(code, {
      companyName: '南京往复物流有限公司',
      cases: [kase('R-1', '2026-10-01', '10000.00', 'win'), kase('R-2', '2026-01-15', '5000.00', 'win')],
    });
    const { insertThreshold } = await import('../src/modules/risk/repo.ts');
    let minute = 0;
    const threshold = (value: number) =>
      insertThreshold(t.p.db, {
        id: randomUUID(),
        value,
        source: 'dynamic',
        percentile: 25,
        benchmark: String(value),
        sample_size: 10,
        distribution: new Array(10).fill(1),
        computed_at: new Date(clock.now().getTime() + 3_600_000 + ++minute * 60_000),
      });
    const fresh = async () => {
      clock.advance(1000); // alerts list newest first by time
      return (await check(code, staffHeaders, '?fresh=true')).json();
    };
    try {
      await threshold(60);
      const first = await fresh();
      assert.equal(first.score, 55);
      assert.deepEqual([first.alert?.severity, first.alert?.reason], ['warning', 'below_threshold']);
      assert.equal((await fresh()).alert, null, 'unchanged: no second alert');
      await threshold(52); // the benchmark moves below the company
      const recovered = await fresh();
      assert.deepEqual([recovered.alert?.severity, recovered.alert?.reason], ['info', 'recovered']);
      await threshold(58); // and back above it: the same score and cases as the first alert
      const again = await fresh();
      assert.deepEqual([again.alert?.severity, again.alert?.reason], ['warning', 'crossed_threshold']);
      assert.equal((await fresh()).alert, null, 'unchanged again: no alert');
      const list = (await t.app.inject({ method: 'GET', url: `/api/v1/risk/alerts?creditCode=${code}`, headers: staffHeaders })).json();
      assert.deepEqual(
        list.items.map((a: { severity: string }) => a.severity),
        ['warning', 'info', 'warning'],
      );
    } finally {
      await threshold(60);
    }
  });
});
