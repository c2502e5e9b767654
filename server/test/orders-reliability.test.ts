import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from './helpers.ts';
import { TEST_ENV } from './factories.ts';
import { modules } from '../src/modules/index.ts';
import { ORDER_SWEEP_JOB } from '../src/modules/orders/index.ts';
import {
  balance,
  fakePerson,
  makeStore,
  ordersModuleForTests,
  ordersTestActorModule,
  publishOrder,
  type FakeActor,
} from './orders-fixtures.ts';

const HOUR = 3600_000;

describe('orders: disputes, reliability scores and appeals', () => {
  let t: TestApp;
  const eligible = new Set<string>();
  let owner: FakeActor;
  let courier: FakeActor;
  let support: FakeActor;
  let storeId: string;

  before(async () => {
    t = await createTestApp({
      env: TEST_ENV,
      now: '2026-11-23T02:00:00Z',
      modules: [...modules.filter((m) => m.name !== 'orders'), ordersModuleForTests(eligible), ordersTestActorModule],
    });
    owner = fakePerson();
    courier = fakePerson();
    support = fakePerson(['complaints:handle', 'orders:read']);
    eligible.add(courier.userId);
    storeId = await makeStore(t, owner);
  });
  after(async () => t.close());

  const act = (who: FakeActor, id: string, action: string, payload?: unknown) =>
    t.app.inject({ method: 'POST', url: `/api/v1/orders/${id}/${action}`, headers: who.headers, ...(payload ? { payload } : {}) });
  const get = async (who: FakeActor, id: string) =>
    (await t.app.inject({ method: 'GET', url: `/api/v1/orders/${id}`, headers: who.headers })).json();

  /** A published order the courier takes, works and checks out of; returns its id. */
  async function workedOrder(): Promise<string> {
    const id = await publishOrder(t, owner, storeId);
    await act(courier, id, 'take');
    await act(courier, id, 'confirm-attendance');
    const v = await get(owner, id);
    t.clock.set(new Date(v.startsAt).getTime());
    await act(courier, id, 'check-in', { code: v.checkinCode });
    t.clock.set(new Date(v.endsAt).getTime());
    const out = await act(courier, id, 'check-out', { code: v.checkinCode });
    assert.equal(out.json().status, 'checked_out', out.body);
    return id;
  }

  it('S5.7b: disputed hours are decided by support: the courier is paid, or the owner refunded; the loser’s reliability records it', async () => {
    const a = await workedOrder();
    const disp = await act(owner, a, 'hours', { verdict: 'dispute', note: '提前两小时离岗' });
    assert.equal(disp.json().status, 'disputed');
    const notStaff = await t.app.inject({
      method: 'POST',
      url: `/api/v1/support/orders/${a}/resolve-dispute`,
      headers: owner.headers,
      payload: { outcome: 'refund_owner', note: 'x' },
    });
    assert.equal(notStaff.statusCode, 403);
    const courierBefore = await balance(t, courier.userId);
    const paid = await t.app.inject({
      method: 'POST',
      url: `/api/v1/support/orders/${a}/resolve-dispute`,
      headers: support.headers,
      payload: { outcome: 'pay_courier', note: '签到签退记录完整' },
    });
    assert.equal(paid.statusCode, 200, paid.body);
    assert.equal(paid.json().status, 'completed');
    await t.p.jobs.drain();
    assert.equal((await get(owner, a)).status, 'settled');
    assert.equal(await balance(t, courier.userId), courierBefore + 24000 - 2400);

    t.clock.advance(24 * HOUR);
    const b = await workedOrder();
    await act(owner, b, 'hours', { verdict: 'dispute', note: '没来' });
    const ownerBefore = await balance(t, owner.userId);
    const refunded = await t.app.inject({
      method: 'POST',
      url: `/api/v1/support/orders/${b}/resolve-dispute`,
      headers: support.headers,
      payload: { outcome: 'refund_owner', note: '监控显示未到岗' },
    });
    assert.equal(refunded.json().status, 'cancelled');
    assert.equal(await balance(t, owner.userId), ownerBefore + 24000);
    const again = await t.app.inject({
      method: 'POST',
      url: `/api/v1/support/orders/${b}/resolve-dispute`,
      headers: support.headers,
      payload: { outcome: 'pay_courier', note: 'x' },
    });
    assert.equal(again.json().code, 'ORDER_INVALID_TRANSITION');
    const tl = await t.app.inject({ method: 'GET', url: `/api/v1/orders/${b}/timeline`, headers: owner.headers });
    assert.deepEqual(
      tl
        .json()
        .events.slice(-2)
        .map((e: { action: string; actorRole: string }) => [e.action, e.actorRole]),
      [
        ['dispute', 'owner'],
        ['resolve_dispute_refund', 'staff'],
      ],
    );
  });

  it('reliability: scores come from recorded events, shown with the events to the subject, and an upheld appeal voids the event', async () => {
    // A no-show on top of the lost dispute.
    t.clock.advance(48 * HOUR);
    const c = await publishOrder(t, owner, storeId);
    await act(courier, c, 'take');
    await act(courier, c, 'confirm-attendance');
    t.clock.set(new Date((await get(owner, c)).startsAt).getTime() + 31 * 60_000);
    await t.p.jobs.send(ORDER_SWEEP_JOB, {});
    await t.p.jobs.drain();
    assert.equal((await get(owner, c)).status, 'no_show');

    const mine = (
      await t.app.inject({ method: 'GET', url: `/api/v1/reliability/courier/${courier.userId}`, headers: courier.headers })
    ).json();
    assert.equal(mine.score, 100 - 10 - 20);
    assert.deepEqual(mine.events.map((e: { kind: string }) => e.kind).sort(), ['dispute_lost', 'no_show']);
    assert.ok(mine.weights.some((w: { kind: string; points: number }) => w.kind === 'no_show' && w.points === 20));
    const public_ = (await t.app.inject({ method: 'GET', url: `/api/v1/reliability/courier/${courier.userId}` })).json();
    assert.equal(public_.score, 70);
    assert.deepEqual(public_.events, []);
    const store = (await t.app.inject({ method: 'GET', url: `/api/v1/reliability/store/${storeId}`, headers: owner.headers })).json();
    assert.equal(store.score, 90);
    assert.deepEqual(
      store.events.map((e: { kind: string }) => e.kind),
      ['dispute_lost'],
    );

    const noShow = mine.events.find((e: { kind: string }) => e.kind === 'no_show');
    const stranger = await t.app.inject({
      method: 'POST',
      url: `/api/v1/reliability/events/${noShow.id}/appeal`,
      headers: owner.headers,
      payload: { text: 'x' },
    });
    assert.equal(stranger.statusCode, 404);
    const appeal = await t.app.inject({
      method: 'POST',
      url: `/api/v1/reliability/events/${noShow.id}/appeal`,
      headers: courier.headers,
      payload: { text: '当天暴雨封路，已提前电话告知店主' },
    });
    assert.equal(appeal.statusCode, 201, appeal.body);
    const twice = await t.app.inject({
      method: 'POST',
      url: `/api/v1/reliability/events/${noShow.id}/appeal`,
      headers: courier.headers,
      payload: { text: '再次申诉' },
    });
    assert.equal(twice.json().code, 'RELIABILITY_ALREADY_APPEALED');
    const decided = await t.app.inject({
      method: 'POST',
      url: `/api/v1/support/complaints/${appeal.json().complaintId}/resolve`,
      headers: support.headers,
      payload: { outcome: 'resolved', resolution: '核实属实，撤销未到岗记录' },
    });
    assert.equal(decided.statusCode, 200, decided.body);
    const after_ = (
      await t.app.inject({ method: 'GET', url: `/api/v1/reliability/courier/${courier.userId}`, headers: courier.headers })
    ).json();
    assert.equal(after_.score, 90);
    assert.equal(after_.events.find((e: { id: string }) => e.id === noShow.id).voided, true);
    // The appeal did not count against the store.
    assert.equal((await t.app.inject({ method: 'GET', url: `/api/v1/reliability/store/${storeId}` })).json().score, 90);
  });
  it('S5.7a: ops change the published rules and the API publishes exactly what is enforced; support finds orders by number', async () => {
    const ops = fakePerson(['ops:manage']);
    const denied = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/orders/rules',
      headers: owner.headers,
      payload: { geofenceM: 300 },
    });
    assert.equal(denied.statusCode, 403);
    const bad = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/orders/rules',
      headers: ops.headers,
      payload: { minShiftMinutes: 600, maxShiftMinutes: 300 },
    });
    assert.equal(bad.statusCode, 400);
    const r = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/orders/rules',
      headers: ops.headers,
      payload: { minHourlyPayFen: 5000, geofenceM: 300 },
    });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.json().geofenceM, 300);
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/orders/rules' })).json().minHourlyPayFen, 5000);
    const now = t.clock.now().getTime();
    const low = await t.app.inject({
      method: 'POST',
      url: '/api/v1/orders',
      headers: owner.headers,
      payload: {
        storeId,
        typeCode: 'sorting',
        startsAt: new Date(now + 5 * HOUR).toISOString(),
        endsAt: new Date(now + 13 * HOUR).toISOString(),
        payFen: 24000,
      },
    });
    assert.equal(low.json().code, 'ORDER_PAY_BELOW_FLOOR');
    await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/orders/rules',
      headers: ops.headers,
      payload: { minHourlyPayFen: 2000, geofenceM: 500 },
    });

    const any = await t.p.db.selectFrom('orders').select(['order_no', 'id']).executeTakeFirstOrThrow();
    const found = await t.app.inject({ method: 'GET', url: `/api/v1/support/orders/by-no/${any.order_no}`, headers: support.headers });
    assert.equal(found.statusCode, 200, found.body);
    assert.equal(found.json().id, any.id);
    assert.equal(found.json().viewer, 'staff');
    const no = await t.app.inject({ method: 'GET', url: `/api/v1/support/orders/by-no/${any.order_no}`, headers: courier.headers });
    assert.equal(no.statusCode, 403);
  });
});
