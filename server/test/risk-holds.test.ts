import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createArbitrationProvider, type ArbitrationProvider } from '../../emulators/arbitration-provider/src/server.ts';
import { createTestApp, type TestApp } from './helpers.ts';
import { createStaff, TEST_ENV, type TestStaff } from './factories.ts';
import { modules } from '../src/modules/index.ts';
import { ORDER_SWEEP_JOB } from '../src/modules/orders/index.ts';
import { verifyLedger } from '../src/modules/wallet/index.ts';
import { fakeUser, jpegBytes, multipart, pdfBytes, testActorModule, type TestUser } from './test-actor.ts';
import {
  balance,
  fakePerson,
  fund,
  makeStore,
  notificationsFor,
  ordersModuleForTests,
  ordersTestActorModule,
  postOrder,
  publishOrder,
  type FakeActor,
} from './orders-fixtures.ts';

const HOUR = 3600_000;

/**
 * Issue 6 / A7: urgent (level high) labor-arbitration risk holds a company's new orders for risk-staff
 * review. Real accounts for staff, the emulator over HTTP, the real wallet (escrow) and message center.
 */
describe('risk: urgent risk holds new orders for review', () => {
  const RISKY = { code: '91110000100000001W', name: '北京速达快递驿站有限公司' };
  const CLEAN = { code: '91110108MA01ABCDEN', name: '北京顶班科技有限公司' };
  let provider: ArbitrationProvider;
  let t: TestApp | undefined;
  let dataDir: string;
  let riskStaff: TestStaff;
  let admin: TestStaff;
  const eligible = new Set<string>();
  const risky: TestUser = fakeUser('enterprise', ['orders:post']);
  const clean: TestUser = fakeUser('enterprise', ['orders:post']);
  let courier: FakeActor;
  let riskyStore: string;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'dingban-risk-holds-'));
    provider = createArbitrationProvider({ seed: 'risk-holds', now: () => t?.clock.now() ?? new Date() });
    const url = await provider.listen(0);
    t = await createTestApp({
      env: {
        ...TEST_ENV,
        DATA_DIR: dataDir,
        ARBITRATION_BASE_URL: url,
        ARBITRATION_CACHE_KEY_PREFIX: `dingban_test_riskholds_${Date.now()}:labor:arbitration:`,
      },
      now: '2026-11-23T02:00:00Z',
      modules: [...modules.filter((m) => m.name !== 'orders'), ordersModuleForTests(eligible), testActorModule, ordersTestActorModule],
    });
    const day = (daysAgo: number) => new Date(t!.clock.now().getTime() - daysAgo * 86_400_000).toISOString().slice(0, 10);
    provider.setCompany(RISKY.code, {
      companyName: RISKY.name,
      cases: [
        { caseNo: 'RH-2', title: '李某与速达驿站拖欠工资纠纷', filedDate: day(30), amount: '21000.00', result: 'lose', executed: false },
        { caseNo: 'RH-1', title: '王某与速达驿站加班费纠纷', filedDate: day(120), amount: '15000.00', result: 'lose', executed: false },
      ],
    });
    provider.setCompany(CLEAN.code, { companyName: CLEAN.name, cases: [] });
    riskStaff = await createStaff(t, ['risk']);
    admin = await createStaff(t, ['admin']);
    courier = fakePerson();
    eligible.add(courier.userId);
    await verifyEnterprise(risky, RISKY);
    await verifyEnterprise(clean, CLEAN);
    await drainAll();
    riskyStore = await makeStore(t, risky, { name: '速达驿站（南山店）' });
  });
  after(async () => {
    await provider.close();
    if (t?.p.redis) {
      const keys = await t.p.redis.keys('dingban_test_riskholds_*');
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
  async function verifyEnterprise(u: TestUser, c: { code: string; name: string }) {
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
  }
  async function drainAll() {
    for (let i = 0; i < 4; i++) await t!.p.jobs.drain();
  }
  const inject = (method: 'GET' | 'POST', url: string, who: { headers: Record<string, string> }, payload?: unknown) =>
    t!.app.inject({ method, url, headers: { ...who.headers, 'accept-language': 'en-US' }, ...(payload ? { payload } : {}) });
  /** Posts and pays an order of the risky company; returns its id and the pay answer. */
  async function payRisky(over: Record<string, unknown> = {}) {
    const r = await postOrder(t!, risky, riskyStore, over);
    assert.equal(r.statusCode, 201, r.body);
    const id = r.json().id as string;
    await fund(t!, risky.userId, r.json().payFen as number);
    const pay = await inject('POST', `/api/v1/orders/${id}/pay`, risky);
    assert.equal(pay.statusCode, 200, pay.body);
    return { id, pay: pay.json() as { status: string; actions: string[] } };
  }
  const marketIds = async () => ((await inject('GET', '/api/v1/orders/market', courier)).json().items as { id: string }[]).map((i) => i.id);
  const decide = (who: { headers: Record<string, string> }, id: string, decision: 'release' | 'reject', reason: string) =>
    inject('POST', `/api/v1/risk/order-holds/${id}/decision`, who, { decision, reason });
  const audits = async (orderId: string) =>
    (
      await t!.p.db
        .selectFrom('security_audit')
        .select(['action', 'actor_id', 'detail'])
        .where('action', 'like', 'risk.order_hold.%')
        .execute()
    )
      .filter((a) => (a.detail as { orderId?: string }).orderId === orderId)
      .map((a) => a.action);

  let held = '';

  it('A7: a paid order of a company at high risk is held (escrow kept, not in the marketplace); the owner is told why; risk staff are told', async () => {
    const before = await balance(t!, risky.userId);
    const { id, pay } = await payRisky();
    held = id;
    assert.equal(pay.status, 'held_for_review');
    assert.ok(pay.actions.includes('cancel'), 'the owner may still withdraw the order');
    assert.equal(await balance(t!, risky.userId), before, 'the funded pay went into escrow');
    assert.ok(!(await marketIds()).includes(id));
    assert.equal((await inject('GET', `/api/v1/orders/${id}`, courier)).statusCode, 404, 'couriers cannot see a held order');

    const toOwner = (await notificationsFor(t!, risky.userId)).at(-1)!;
    assert.match(toOwner.body.zh, /劳动仲裁风险.*风控人员审核/);
    const view = await inject('GET', `/api/v1/risk/order-holds/${id}`, risky);
    assert.equal(view.statusCode, 200, view.body);
    const h = view.json();
    assert.equal(h.status, 'pending');
    assert.equal(h.companyName, RISKY.name);
    assert.equal(h.caseCount, 2);
    assert.match(h.explanation, /high labor-arbitration risk/);
    assert.deepEqual(await audits(id), ['risk.order_hold.opened']);

    await drainAll();
    const inbox = await inject('GET', '/api/v1/notifications', riskStaff);
    assert.ok(
      (inbox.json().items as { title: string }[]).some((n) => n.title.includes('To review') && n.title.includes(h.orderNo)),
      inbox.body,
    );
    const queue = await inject('GET', '/api/v1/risk/order-holds?status=pending', riskStaff);
    assert.equal(queue.statusCode, 200, queue.body);
    assert.deepEqual(
      (queue.json().items as { orderId: string }[]).map((i) => i.orderId),
      [id],
    );
  });

  it('A7: orders of a company not at high risk are published as before', async () => {
    const store = await makeStore(t!, clean, { name: '顶班驿站（福田店）' });
    const id = await publishOrder(t!, clean, store);
    assert.ok((await marketIds()).includes(id));
    assert.equal((await t!.p.db.selectFrom('risk_order_holds').select('order_id').where('order_id', '=', id).execute()).length, 0);
  });

  it('A7: the owner replies to the reviewers; only the owner may, and risk staff see the reply', async () => {
    const other = fakePerson();
    assert.equal((await inject('GET', `/api/v1/risk/order-holds/${held}`, other)).statusCode, 404);
    assert.equal((await inject('POST', `/api/v1/risk/order-holds/${held}/response`, other, { text: 'x' })).statusCode, 404);
    assert.equal((await inject('POST', `/api/v1/risk/order-holds/${held}/response`, risky, { text: '   ' })).statusCode, 400);
    const reply = '两起裁决已于本月全部履行，附银行回单。';
    const r = await inject('POST', `/api/v1/risk/order-holds/${held}/response`, risky, { text: reply });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.json().response, reply);
    await drainAll();
    const inbox = await inject('GET', '/api/v1/notifications', riskStaff);
    assert.ok(
      (inbox.json().items as { title: string }[]).some((n) => n.title.startsWith('Owner replied')),
      inbox.body,
    );
    const queue = await inject('GET', '/api/v1/risk/order-holds?status=pending', riskStaff);
    assert.equal(queue.json().items[0].response, reply);
  });

  it('A7: only risk managers decide; admins (risk:read) may read the queue, couriers and owners get 403', async () => {
    assert.equal((await inject('GET', '/api/v1/risk/order-holds', admin)).statusCode, 200);
    assert.equal((await inject('GET', '/api/v1/risk/order-holds', courier)).statusCode, 403);
    assert.equal((await decide(admin, held, 'release', '资料齐全')).statusCode, 403);
    assert.equal((await decide(courier, held, 'release', '资料齐全')).statusCode, 403);
    assert.equal((await decide(risky, held, 'release', '资料齐全')).statusCode, 403);
    assert.equal(
      (await inject('POST', `/api/v1/risk/order-holds/${held}/decision`, riskStaff, { decision: 'maybe', reason: 'xx' })).statusCode,
      400,
    );
  });

  it('A7: risk staff release a held order with a reason → published; the owner is notified; audited; a second decision is refused', async () => {
    const r = await decide(riskStaff, held, 'release', '裁决已履行，核实无误');
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.json().status, 'released');
    assert.equal(r.json().decisionReason, '裁决已履行，核实无误');
    const order = (await inject('GET', `/api/v1/orders/${held}`, risky)).json();
    assert.equal(order.status, 'published');
    assert.ok((await marketIds()).includes(held));
    const note = (await notificationsFor(t!, risky.userId)).at(-1)!;
    assert.match(note.body.zh, /通过风控审核并发布.*\{note\}/);
    assert.equal(note.params?.note, '裁决已履行，核实无误');
    assert.deepEqual(await audits(held), ['risk.order_hold.opened', 'risk.order_hold.responded', 'risk.order_hold.released']);
    const again = await decide(riskStaff, held, 'reject', '重复操作');
    assert.equal(again.statusCode, 409);
    assert.equal(again.json().code, 'RISK_HOLD_CLOSED');
    const timeline = (await inject('GET', `/api/v1/orders/${held}/timeline`, risky)).json();
    const actions = (timeline.events as { action: string }[]).map((e) => e.action);
    assert.deepEqual(actions.slice(-2), ['hold', 'release_hold']);
  });

  it('A7: risk staff reject a held order → cancelled, the whole escrow refunded, ledger balanced; the owner is told the reason', async () => {
    const before = await balance(t!, risky.userId);
    const { id, pay } = await payRisky();
    const payFen = (await inject('GET', `/api/v1/orders/${id}`, risky)).json().payFen as number;
    assert.equal(pay.status, 'held_for_review');
    const r = await decide(riskStaff, id, 'reject', '存在未履行的欠薪裁决');
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.json().status, 'rejected');
    assert.equal((await inject('GET', `/api/v1/orders/${id}`, risky)).json().status, 'cancelled');
    assert.equal(await balance(t!, risky.userId), before + payFen, 'funded pay came back in full');
    assert.deepEqual((await verifyLedger(t!.p.db)).violations, []);
    const note = (await notificationsFor(t!, risky.userId)).at(-1)!;
    assert.match(note.body.zh, /未通过风控审核.*全额退款.*\{note\}/);
    assert.equal(note.params?.note, '存在未履行的欠薪裁决');
    assert.deepEqual(await audits(id), ['risk.order_hold.opened', 'risk.order_hold.rejected']);
  });

  it('S5.5b: a held order not reviewed before its start is closed and refunded by the sweep; release after the start is refused', async () => {
    const before = await balance(t!, risky.userId);
    const { id } = await payRisky({
      startsAt: new Date(t!.clock.now().getTime() + 3 * HOUR).toISOString(),
      endsAt: new Date(t!.clock.now().getTime() + 11 * HOUR).toISOString(),
    });
    const payFen = (await inject('GET', `/api/v1/orders/${id}`, risky)).json().payFen as number;
    t!.clock.advance(3 * HOUR + 60_000);
    const reviewer = await createStaff(t!, ['risk']); // a fresh session: the first one idled out
    const late = await decide(reviewer, id, 'release', '资料齐全');
    assert.equal(late.statusCode, 409);
    assert.equal(late.json().code, 'RISK_HOLD_TOO_LATE');
    await t!.p.jobs.send(ORDER_SWEEP_JOB, {});
    await drainAll();
    assert.equal((await inject('GET', `/api/v1/orders/${id}`, risky)).json().status, 'closed');
    assert.equal(await balance(t!, risky.userId), before + payFen);
    assert.deepEqual((await verifyLedger(t!.p.db)).violations, []);
    assert.match((await notificationsFor(t!, risky.userId)).at(-1)!.body.zh, /未完成风控审核.*全额退款/);
    assert.equal((await inject('GET', `/api/v1/risk/order-holds/${id}`, reviewer)).json().status, 'expired');
    assert.equal((await decide(reviewer, id, 'reject', '已过期')).json().code, 'RISK_HOLD_CLOSED');
  });

  it('A7: racing decisions and an owner cancelling at the same moment have exactly one winner; the escrow is refunded once', async () => {
    const before = await balance(t!, risky.userId);
    const { id } = await payRisky();
    const payFen = (await inject('GET', `/api/v1/orders/${id}`, risky)).json().payFen as number;
    const [first, second] = [await createStaff(t!, ['risk']), await createStaff(t!, ['risk'])]; // fresh sessions (the clock moved)
    const answers = await Promise.all([
      decide(first, id, 'release', '资料齐全'),
      decide(second, id, 'reject', '存在欠薪'),
      inject('POST', `/api/v1/orders/${id}/cancel`, risky, { reason: '不需要了' }),
    ]);
    const codes = answers.map((r) => r.statusCode);
    assert.equal(codes.filter((c) => c === 200).length, 1, JSON.stringify(answers.map((r) => r.body)));
    assert.ok(
      codes.every((c) => c === 200 || c === 409),
      JSON.stringify(codes),
    );
    const status = (await inject('GET', `/api/v1/orders/${id}`, risky)).json().status as string;
    assert.equal(await balance(t!, risky.userId), status === 'published' ? before : before + payFen);
    assert.deepEqual((await verifyLedger(t!.p.db)).violations, []);
  });

  it('A7: the owner may withdraw a held order (full refund); the review closes as withdrawn', async () => {
    const before = await balance(t!, risky.userId);
    const { id } = await payRisky();
    const payFen = (await inject('GET', `/api/v1/orders/${id}`, risky)).json().payFen as number;
    const c = await inject('POST', `/api/v1/orders/${id}/cancel`, risky, { reason: '改用其他方式' });
    assert.equal(c.statusCode, 200, c.body);
    assert.equal(c.json().status, 'cancelled');
    assert.equal(await balance(t!, risky.userId), before + payFen);
    await drainAll();
    assert.equal((await inject('GET', `/api/v1/risk/order-holds/${id}`, risky)).json().status, 'withdrawn');
    assert.equal(
      (await inject('POST', `/api/v1/risk/order-holds/${id}/response`, risky, { text: '补充说明' })).json().code,
      'RISK_HOLD_CLOSED',
    );
    assert.deepEqual((await verifyLedger(t!.p.db)).violations, []);
  });
});
