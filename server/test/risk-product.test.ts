import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createArbitrationProvider, type ArbitrationProvider } from '../../emulators/arbitration-provider/src/server.ts';
import { createTestApp, type TestApp } from './helpers.ts';
import { createStaff, TEST_ENV, type TestStaff } from './factories.ts';
import { modules } from '../src/modules/index.ts';
import { findRiskLevel } from '../src/modules/risk/index.ts';
import { fakeUser, jpegBytes, multipart, pdfBytes, testActorModule, type TestUser } from './test-actor.ts';
import {
  fakePerson,
  fund,
  makeStore,
  ordersModuleForTests,
  ordersTestActorModule,
  postOrder,
  publishOrder,
  type FakeActor,
} from './orders-fixtures.ts';

/** Labor-arbitration risk in the product: enterprise approval → company check; couriers see the employer's level on orders. */
describe('risk in the product: verified enterprises are checked, orders show the employer risk', () => {
  const RISKY = { code: '91110000100000001W', name: '北京速达快递驿站有限公司' };
  const CLEAN = { code: '91110108MA01ABCDEN', name: '北京顶班科技有限公司' };
  let provider: ArbitrationProvider;
  let t: TestApp | undefined;
  let dataDir: string;
  let riskStaff: TestStaff;
  const eligible = new Set<string>();
  const risky: TestUser = fakeUser('enterprise', ['orders:post']);
  const clean: TestUser = fakeUser('enterprise', ['orders:post']);
  let person: FakeActor;
  let courier: FakeActor;
  const orders: Record<'risky' | 'clean' | 'person', string> = { risky: '', clean: '', person: '' };

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'dingban-risk-product-'));
    provider = createArbitrationProvider({ seed: 'risk-product', now: () => t?.clock.now() ?? new Date() });
    const url = await provider.listen(0);
    t = await createTestApp({
      env: {
        ...TEST_ENV,
        DATA_DIR: dataDir,
        ARBITRATION_BASE_URL: url,
        ARBITRATION_CACHE_KEY_PREFIX: `dingban_test_riskproduct_${Date.now()}:labor:arbitration:`,
      },
      now: '2026-11-23T02:00:00Z',
      modules: [...modules.filter((m) => m.name !== 'orders'), ordersModuleForTests(eligible), testActorModule, ordersTestActorModule],
    });
    const day = (daysAgo: number) => new Date(t!.clock.now().getTime() - daysAgo * 86_400_000).toISOString().slice(0, 10);
    provider.setCompany(RISKY.code, {
      companyName: RISKY.name,
      cases: [
        {
          caseNo: 'RP-2',
          title: '李某与北京速达快递驿站有限公司拖欠工资纠纷',
          filedDate: day(30),
          amount: '21000.00',
          result: 'lose',
          executed: false,
        },
        {
          caseNo: 'RP-1',
          title: '王某与北京速达快递驿站有限公司加班费纠纷',
          filedDate: day(120),
          amount: '15000.00',
          result: 'lose',
          executed: false,
        },
      ],
    });
    provider.setCompany(CLEAN.code, { companyName: CLEAN.name, cases: [] });
    riskStaff = await createStaff(t, ['risk']);
    person = fakePerson();
    courier = fakePerson();
    eligible.add(courier.userId);
  });
  after(async () => {
    await provider.close();
    if (t?.p.redis) {
      const keys = await t.p.redis.keys('dingban_test_riskproduct_*');
      if (keys.length) await t.p.redis.del(...keys);
    }
    await t?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const upload = async (u: TestUser, purpose: string, bytes: Buffer) => {
    const mp = multipart(bytes);
    const r = await t!.app.inject({
      method: 'POST',
      url: `/api/v1/identity/files?purpose=${purpose}`,
      payload: mp.payload,
      headers: { ...u.headers, ...mp.headers },
    });
    assert.equal(r.statusCode, 201, r.body);
    return r.json().id as string;
  };
  const verifyEnterprise = async (u: TestUser, c: { code: string; name: string }) => {
    const r = await t!.app.inject({
      method: 'POST',
      url: '/api/v1/identity/verifications/enterprise',
      headers: u.headers,
      payload: {
        companyName: c.name,
        creditCode: c.code,
        licenseFileId: await upload(u, 'business_license', pdfBytes()),
        legalRepIdFrontFileId: await upload(u, 'id_front', jpegBytes('front')),
        legalRepIdBackFileId: await upload(u, 'id_back', jpegBytes('back')),
        legalRepName: '张三',
        legalRepIdNumber: '11010519491231002X',
        licenseValidUntil: '2040-01-01',
      },
    });
    assert.equal(r.statusCode, 201, r.body);
    assert.equal(r.json().status, 'approved');
  };
  const drainAll = async () => {
    for (let i = 0; i < 4; i++) await t!.p.jobs.drain();
  };

  it('A9: approving an enterprise checks and watches its company; a risky one raises an urgent alert to risk staff', async () => {
    await verifyEnterprise(risky, RISKY);
    const event = await t!.p.db
      .selectFrom('outbox_events')
      .select('payload')
      .where('type', '=', 'identity.verification.approved')
      .executeTakeFirstOrThrow();
    assert.deepEqual(
      { kind: (event.payload as { kind: string }).kind, creditCode: (event.payload as { creditCode: string }).creditCode },
      { kind: 'enterprise', creditCode: RISKY.code },
    );
    await drainAll();
    const level = await findRiskLevel(t!.p, RISKY.code);
    assert.equal(level?.level, 'high');
    assert.equal(level?.companyName, RISKY.name);
    const company = await t!.p.db.selectFrom('risk_companies').selectAll().where('credit_code', '=', RISKY.code).executeTakeFirstOrThrow();
    assert.equal(company.watched, true);
    const alerts = await t!.p.db.selectFrom('risk_alerts').selectAll().where('credit_code', '=', RISKY.code).execute();
    assert.deepEqual(
      alerts.map((a) => a.severity),
      ['urgent'],
    );
    const inbox = await t!.app.inject({
      method: 'GET',
      url: '/api/v1/notifications',
      headers: { ...riskStaff.headers, 'accept-language': 'en-US' },
    });
    assert.equal(inbox.statusCode, 200, inbox.body);
    const note = inbox.json().items.find((n: { title: string }) => n.title.includes(RISKY.name));
    assert.ok(note, inbox.body);
    assert.match(note.title, /URGENT/);

    await verifyEnterprise(clean, CLEAN);
    await drainAll();
    assert.equal((await findRiskLevel(t!.p, CLEAN.code))?.level, 'low');
    assert.equal((await t!.p.db.selectFrom('risk_alerts').selectAll().where('credit_code', '=', CLEAN.code).execute()).length, 0);
  });

  it('A3: couriers see the employer risk level with a plain explanation on search results and the order view, and can filter by it', async () => {
    // A high-risk company's order waits for risk review (risk-holds.test.ts); here risk staff release it.
    const posted = await postOrder(t!, risky, await makeStore(t!, risky, { name: '速达驿站（南山店）' }));
    orders.risky = posted.json().id as string;
    await fund(t!, risky.userId, posted.json().payFen as number);
    const pay = await t!.app.inject({ method: 'POST', url: `/api/v1/orders/${orders.risky}/pay`, headers: risky.headers });
    assert.equal(pay.json().status, 'held_for_review', pay.body);
    const release = await t!.app.inject({
      method: 'POST',
      url: `/api/v1/risk/order-holds/${orders.risky}/decision`,
      headers: riskStaff.headers,
      payload: { decision: 'release', reason: '已核实' },
    });
    assert.equal(release.statusCode, 200, release.body);
    orders.clean = await publishOrder(t!, clean, await makeStore(t!, clean, { name: '顶班驿站（南山店）' }));
    orders.person = await publishOrder(t!, person, await makeStore(t!, person, { name: '个人驿站（南山店）' }));

    const find = async (qs: string, lang = 'zh-CN') => {
      const r = await t!.app.inject({
        method: 'GET',
        url: `/api/v1/orders/market${qs}`,
        headers: { ...courier.headers, 'accept-language': lang },
      });
      assert.equal(r.statusCode, 200, r.body);
      return r;
    };
    const all = await find('');
    const byId = new Map(
      (all.json().items as { id: string; employerRisk: { level: string; explanation: string } }[]).map((i) => [i.id, i.employerRisk]),
    );
    assert.equal(byId.get(orders.risky)?.level, 'high');
    assert.match(byId.get(orders.risky)!.explanation, /高风险/);
    assert.equal(byId.get(orders.clean)?.level, 'low');
    assert.equal(byId.get(orders.person)?.level, 'unknown');
    // Couriers never see cases, amounts or scores.
    assert.ok(!all.body.includes('RP-2') && !all.body.includes('纠纷') && !all.body.includes('score'), all.body);

    const ids = async (qs: string) => ((await find(qs)).json().items as { id: string }[]).map((i) => i.id).sort();
    assert.deepEqual(await ids('?risk=high'), [orders.risky]);
    assert.deepEqual(await ids('?risk=low&risk=unknown'), [orders.clean, orders.person].sort());
    assert.deepEqual(await ids('?risk=medium'), []);
    const bad = await t!.app.inject({ method: 'GET', url: '/api/v1/orders/market?risk=dangerous', headers: courier.headers });
    assert.equal(bad.statusCode, 400);

    const detail = await t!.app.inject({
      method: 'GET',
      url: `/api/v1/orders/${orders.risky}`,
      headers: { ...courier.headers, 'accept-language': 'en-US' },
    });
    assert.equal(detail.statusCode, 200, detail.body);
    assert.equal(detail.json().employerRisk.level, 'high');
    assert.match(detail.json().employerRisk.explanation, /^High risk/);
    assert.deepEqual(Object.keys(detail.json().employerRisk).sort(), ['explanation', 'level']);
    assert.ok(!detail.body.includes('RP-1') && !detail.body.includes(RISKY.code), detail.body);
  });

  it('A3: records are about companies only — after a courier searched, filtered and opened orders, no risk table names the courier', async () => {
    const { sql } = await import('kysely');
    const tables = (
      await sql<{ table_name: string }>`SELECT table_name FROM information_schema.tables
        WHERE table_schema = current_schema() AND table_name LIKE 'risk\_%' ORDER BY table_name`.execute(t!.p.db)
    ).rows.map((r) => r.table_name);
    assert.ok(tables.includes('risk_companies') && tables.includes('risk_order_holds'), tables.join());
    for (const table of tables) {
      const hits = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)} x
        WHERE to_jsonb(x)::text LIKE ${'%' + courier.userId + '%'}`.execute(t!.p.db);
      assert.equal(hits.rows[0]!.n, 0, `${table} mentions the courier`);
    }
    // The company side is there: the held order's review names the posting account.
    const hold = await t!.p.db
      .selectFrom('risk_order_holds')
      .select('owner_id')
      .where('order_id', '=', orders.risky)
      .executeTakeFirstOrThrow();
    assert.equal(hold.owner_id, risky.userId);
  });

  it('A9: the weekly sync re-checks every company with a live store, also one nobody watches any more; a new case alerts', async () => {
    // Risk staff stopped watching the clean company, which still has its store (posted above).
    const unwatch = await t!.app.inject({ method: 'DELETE', url: `/api/v1/risk/watched/${CLEAN.code}`, headers: riskStaff.headers });
    assert.equal(unwatch.statusCode, 200, unwatch.body);
    const day = new Date(t!.clock.now().getTime() - 5 * 86_400_000).toISOString().slice(0, 10);
    provider.setCompany(CLEAN.code, {
      companyName: CLEAN.name,
      cases: [
        {
          caseNo: 'RP-9',
          title: '赵某与北京顶班科技有限公司工伤待遇纠纷',
          filedDate: day,
          amount: '6000.00',
          result: 'win',
          executed: true,
        },
      ],
    });
    const before = provider.stats.byCreditCode[CLEAN.code] ?? 0;
    const sync = await t!.app.inject({ method: 'POST', url: '/api/v1/risk/watched/refresh', headers: riskStaff.headers });
    assert.equal(sync.statusCode, 200, sync.body);
    assert.equal(provider.stats.byCreditCode[CLEAN.code], before + 1, 'asked the provider afresh');
    const company = await t!.p.db.selectFrom('risk_companies').selectAll().where('credit_code', '=', CLEAN.code).executeTakeFirstOrThrow();
    assert.equal(company.watched, true);
    assert.equal(company.watch_source, 'stores');
    assert.equal(company.case_count, 1);
    const alerts = await t!.p.db.selectFrom('risk_alerts').selectAll().where('credit_code', '=', CLEAN.code).execute();
    assert.deepEqual(
      alerts.map((a) => [a.severity, a.reason]),
      [['info', 'new_case']],
    );
  });
});
