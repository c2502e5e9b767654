import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from './helpers.ts';
import { registerUser, TEST_ENV } from './factories.ts';
import { modules } from '../src/modules/index.ts';
import { ORDER_SWEEP_JOB, findUnfinishedOrders } from '../src/modules/orders/index.ts';
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
import { submitPersonVerification, uploadDocument } from '../src/modules/identity/service.ts';
import { jpegBytes } from './test-actor.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;

describe('orders: post, pay, change, cancel, work, settle, review', () => {
  let t: TestApp;
  const eligible = new Set<string>();
  /** Owners who meet the real identity gate when posting and paying (S5.2); everyone else is let through. */
  const gatedPosters = new Set<string>();
  let owner: FakeActor;
  let courier: FakeActor;
  let storeId: string;

  before(async () => {
    t = await createTestApp({
      env: TEST_ENV,
      now: '2026-11-23T02:00:00Z',
      modules: [...modules.filter((m) => m.name !== 'orders'), ordersModuleForTests(eligible, gatedPosters), ordersTestActorModule],
    });
    owner = fakePerson();
    courier = fakePerson();
    eligible.add(courier.userId);
    storeId = await makeStore(t, owner);
  });
  after(async () => t.close());

  const act = (who: FakeActor, id: string, action: string, payload?: unknown) =>
    t.app.inject({ method: 'POST', url: `/api/v1/orders/${id}/${action}`, headers: who.headers, ...(payload ? { payload } : {}) });
  const get = (who: FakeActor, id: string) => t.app.inject({ method: 'GET', url: `/api/v1/orders/${id}`, headers: who.headers });
  const sweep = async () => {
    await t.p.jobs.send(ORDER_SWEEP_JOB, {});
    await t.p.jobs.drain();
  };

  it('S5.5a: each violation of the posting rules has its own code and message', async () => {
    const now = t.clock.now().getTime();
    const at = (h: number) => new Date(now + h * HOUR).toISOString();
    const cases: [Record<string, unknown>, string][] = [
      [{ startsAt: at(-1), endsAt: at(4) }, 'ORDER_START_NOT_IN_FUTURE'],
      [{ startsAt: at(2), endsAt: at(2.5) }, 'ORDER_DURATION_OUT_OF_RANGE'],
      [{ startsAt: at(2), endsAt: at(17) }, 'ORDER_DURATION_OUT_OF_RANGE'],
      [{ payFen: 1000.5 }, 'ORDER_PAY_INVALID'],
      [{ payFen: 0 }, 'ORDER_PAY_INVALID'],
      [{ payFen: 8 * 2000 - 1 }, 'ORDER_PAY_BELOW_FLOOR'],
      [{ typeCode: 'massage' }, 'ORDER_TYPE_UNKNOWN'],
      [{ storeId: '01900000-0000-7000-8000-000000000000' }, 'STORE_NOT_FOUND'],
      [{ headcount: 2 }, 'ORDER_HEADCOUNT_UNSUPPORTED'],
      [{ headcount: 0 }, 'ORDER_HEADCOUNT_UNSUPPORTED'],
    ];
    for (const [over, code] of cases) {
      const r = await postOrder(t, owner, storeId, over);
      assert.equal(r.json().code, code, `${JSON.stringify(over)} → ${r.body}`);
      assert.ok(r.json().detail.length > 0);
    }
    const en = await t.app.inject({
      method: 'POST',
      url: '/api/v1/orders',
      headers: { ...owner.headers, 'accept-language': 'en-US' },
      payload: { storeId, typeCode: 'sorting', startsAt: at(2), endsAt: at(10), payFen: 100 },
    });
    assert.equal(en.json().detail, 'Pay must be at least CNY 160.00 (CNY 20.00 per hour)');
    const missing = await t.app.inject({
      method: 'POST',
      url: '/api/v1/orders',
      headers: owner.headers,
      payload: { storeId, typeCode: 'sorting' },
    });
    assert.equal(missing.statusCode, 400);
    // Headcount is 1: it may be stated (or left out) and every view says so.
    const one = await postOrder(t, owner, storeId, { headcount: 1 });
    assert.equal(one.statusCode, 201, one.body);
    assert.equal(one.json().headcount, 1);
    const unstated = await postOrder(t, owner, storeId);
    assert.equal(unstated.json().headcount, 1);
    for (const o of [one, unstated]) await act(owner, o.json().id, 'cancel', {});
    // Someone else's store cannot be used.
    const other = fakePerson();
    const r = await postOrder(t, other, storeId);
    assert.equal(r.json().code, 'STORE_NOT_FOUND');
  });

  it('S5.5a: order types are a managed catalogue with zh-CN and en names; the rules are published', async () => {
    const types = (await t.app.inject({ method: 'GET', url: '/api/v1/order-types' })).json().items as {
      code: string;
      nameZh: string;
      nameEn: string;
    }[];
    assert.deepEqual(
      types.map((x) => x.nameZh),
      ['派件', '驿站值守', '分拣', '揽收'],
    );
    assert.equal(types.find((x) => x.code === 'pickup')!.nameEn, 'Pick-up');
    const forbidden = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/order-types/night_shift',
      headers: owner.headers,
      payload: { nameZh: '夜班', nameEn: 'Night shift' },
    });
    assert.equal(forbidden.statusCode, 403);
    const ops = fakePerson(['ops:manage']);
    const put = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/order-types/night_shift',
      headers: ops.headers,
      payload: { nameZh: '夜班', nameEn: 'Night shift', sort: 50 },
    });
    assert.equal(put.statusCode, 200, put.body);
    const rules = (await t.app.inject({ method: 'GET', url: '/api/v1/orders/rules' })).json();
    assert.equal(rules.minHourlyPayFen, 2000);
    assert.equal(rules.payWindowMinutes, 15);
    assert.equal(rules.cancelCutoffMinutes, 120);
    assert.equal(rules.noShowDecisionDays, 7);
    assert.ok(rules.penalties.length >= 4);
    assert.ok(rules.penalties.some((x: { zh: string }) => x.zh.includes('7 天内按新的时间重新发布')));
  });

  it('S5.5b: an order waits for payment with payBefore shown; paying from the wallet escrows the money and publishes it', async () => {
    const r = await postOrder(t, owner, storeId);
    assert.equal(r.statusCode, 201, r.body);
    const o = r.json();
    assert.equal(o.status, 'pending_payment');
    assert.equal(new Date(o.payBefore).getTime(), t.clock.now().getTime() + 15 * MIN);
    assert.equal(o.paySecondsLeft, 900);
    // No money: nothing is marked paid.
    const poor = await act(owner, o.id, 'pay');
    assert.equal(poor.statusCode, 409, poor.body);
    assert.equal((await get(owner, o.id)).json().status, 'pending_payment');
    await fund(t, owner.userId, 30000);
    t.clock.advance(5 * MIN);
    assert.equal((await get(owner, o.id)).json().paySecondsLeft, 600);
    const paid = await act(owner, o.id, 'pay');
    assert.equal(paid.statusCode, 200, paid.body);
    assert.equal(paid.json().status, 'published');
    assert.equal(await balance(t, owner.userId), 30000 - 24000);
    const again = await act(owner, o.id, 'pay');
    assert.equal(again.json().code, 'ORDER_INVALID_TRANSITION');
    assert.equal(await balance(t, owner.userId), 30000 - 24000);
  });

  it('S5.5b: posting and paying with an Idempotency-Key happen once; the same key with another body is refused', async () => {
    const key = { 'idempotency-key': `post-${owner.userId}` };
    const body = {
      storeId,
      typeCode: 'delivery',
      startsAt: new Date(t.clock.now().getTime() + 30 * HOUR).toISOString(),
      endsAt: new Date(t.clock.now().getTime() + 34 * HOUR).toISOString(),
      payFen: 10000,
    };
    const a = await t.app.inject({ method: 'POST', url: '/api/v1/orders', headers: { ...owner.headers, ...key }, payload: body });
    const b = await t.app.inject({ method: 'POST', url: '/api/v1/orders', headers: { ...owner.headers, ...key }, payload: body });
    assert.equal(a.statusCode, 201, a.body);
    assert.equal(b.json().id, a.json().id);
    const c = await t.app.inject({
      method: 'POST',
      url: '/api/v1/orders',
      headers: { ...owner.headers, ...key },
      payload: { ...body, payFen: 12000 },
    });
    assert.equal(c.statusCode, 422);
    assert.equal(c.json().code, 'IDEMPOTENCY_KEY_REUSED');
    await fund(t, owner.userId, 10000);
    const before = await balance(t, owner.userId);
    const payKey = { 'idempotency-key': `pay-${a.json().id}` };
    const p1 = await t.app.inject({ method: 'POST', url: `/api/v1/orders/${a.json().id}/pay`, headers: { ...owner.headers, ...payKey } });
    const p2 = await t.app.inject({ method: 'POST', url: `/api/v1/orders/${a.json().id}/pay`, headers: { ...owner.headers, ...payKey } });
    assert.equal(p1.statusCode, 200, p1.body);
    assert.equal(p2.statusCode, 200, p2.body);
    assert.equal(p2.json().status, 'published');
    assert.equal(await balance(t, owner.userId), before - 10000);
    await act(owner, a.json().id, 'cancel', {});
  });

  it('S5.5b: an unpaid order closes at its deadline by the sweep job; the owner is told; a late payment is refused and nothing is charged', async () => {
    const o = (await postOrder(t, owner, storeId)).json();
    await fund(t, owner.userId, 24000);
    const before = await balance(t, owner.userId);
    t.clock.advance(15 * MIN - 1000);
    await sweep();
    assert.equal((await get(owner, o.id)).json().status, 'pending_payment');
    t.clock.advance(2000);
    await sweep();
    const closed = (await get(owner, o.id)).json();
    assert.equal(closed.status, 'closed');
    assert.equal(closed.cancellableUntil, null);
    const notes = await notificationsFor(t, owner.userId);
    assert.ok(notes.some((n) => n.params?.orderNo === o.orderNo && n.body.zh.includes('未在支付期限内支付')));
    const late = await act(owner, o.id, 'pay');
    assert.equal(late.statusCode, 409);
    assert.equal(late.json().code, 'ORDER_PAYMENT_DEADLINE_PASSED');
    assert.equal(await balance(t, owner.userId), before);
  });

  it('S5.7a: views state modifiableUntil and cancellableUntil; before it is taken the owner edits freely, pay is locked once escrowed', async () => {
    const id = await publishOrder(t, owner, storeId);
    const v = (await get(owner, id)).json();
    assert.equal(v.modifiableUntil, v.startsAt);
    assert.equal(v.cancellableUntil, v.startsAt);
    assert.ok(v.actions.includes('cancel') && v.actions.includes('edit'));
    const later = new Date(new Date(v.startsAt).getTime() + HOUR).toISOString();
    const laterEnd = new Date(new Date(v.endsAt).getTime() + HOUR).toISOString();
    const edit = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/orders/${id}`,
      headers: owner.headers,
      payload: { startsAt: later, endsAt: laterEnd, description: '改为 10 点开始' },
    });
    assert.equal(edit.statusCode, 200, edit.body);
    assert.equal(edit.json().startsAt, later);
    // A paid order's pay changes with its escrow (orders-pay-change.test.ts); a raise the balance cannot cover is refused.
    const pay = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/orders/${id}`,
      headers: owner.headers,
      payload: { payFen: 9_000_000 },
    });
    assert.equal(pay.json().code, 'INSUFFICIENT_FUNDS');
    const stranger = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/orders/${id}`,
      headers: courier.headers,
      payload: { description: 'x' },
    });
    assert.equal(stranger.statusCode, 404);
    // Taken: time changes need the courier's consent.
    assert.equal((await act(courier, id, 'take')).statusCode, 200);
    const consent = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/orders/${id}`,
      headers: owner.headers,
      payload: { startsAt: v.startsAt, endsAt: v.endsAt },
    });
    assert.equal(consent.json().code, 'ORDER_CHANGE_NEEDS_CONSENT');
    const desc = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/orders/${id}`,
      headers: owner.headers,
      payload: { description: '请带工牌' },
    });
    assert.equal(desc.statusCode, 200);
    // Clean up: release within the grace window.
    assert.equal((await act(courier, id, 'release')).statusCode, 200);
  });

  it('S5.7a: after it is taken, a time change needs the courier’s consent: proposed, then accepted or declined', async () => {
    const id = await publishOrder(t, owner, storeId);
    assert.equal((await act(courier, id, 'take')).statusCode, 200);
    const v = (await get(owner, id)).json();
    const shift = (iso: string, h: number) => new Date(new Date(iso).getTime() + h * HOUR).toISOString();
    const p1 = await act(owner, id, 'change-requests', {
      startsAt: shift(v.startsAt, 2),
      endsAt: shift(v.endsAt, 2),
      note: '晚两小时开始',
    });
    assert.equal(p1.statusCode, 201, p1.body);
    assert.equal(p1.json().status, 'pending');
    const dup = await act(owner, id, 'change-requests', { startsAt: shift(v.startsAt, 1), endsAt: shift(v.endsAt, 1) });
    assert.equal(dup.json().code, 'ORDER_CHANGE_PENDING');
    assert.ok((await notificationsFor(t, courier.userId)).some((n) => n.title.zh.includes('修改待您确认')));
    const byStranger = await act(fakePerson(), id, `change-requests/${p1.json().id}/accept`);
    assert.equal(byStranger.statusCode, 404);
    const ok = await act(courier, id, `change-requests/${p1.json().id}/accept`);
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.json().status, 'accepted');
    assert.equal((await get(owner, id)).json().startsAt, shift(v.startsAt, 2));
    const p2 = await act(owner, id, 'change-requests', { startsAt: v.startsAt, endsAt: v.endsAt });
    const no = await act(courier, id, `change-requests/${p2.json().id}/decline`);
    assert.equal(no.json().status, 'declined');
    assert.equal((await get(owner, id)).json().startsAt, shift(v.startsAt, 2));
    const again = await act(courier, id, `change-requests/${p2.json().id}/accept`);
    assert.equal(again.json().code, 'ORDER_CHANGE_NOT_PENDING');
    const tl = (await t.app.inject({ method: 'GET', url: `/api/v1/orders/${id}/timeline`, headers: owner.headers })).json();
    assert.deepEqual(tl.events.map((e: { action: string }) => e.action).slice(-2), ['change_accepted', 'change_declined']);
    await act(courier, id, 'release');
    await act(owner, id, 'cancel', {});
  });

  it('S5.7a: cancelling a published order refunds in full; a taken one pays the courier the published compensation (more after the cutoff)', async () => {
    const a = await publishOrder(t, owner, storeId);
    const before = await balance(t, owner.userId);
    const c1 = await act(owner, a, 'cancel', { reason: '临时有人顶上' });
    assert.equal(c1.statusCode, 200, c1.body);
    assert.equal(c1.json().status, 'cancelled');
    assert.equal(await balance(t, owner.userId), before + 24000);

    const b = await publishOrder(t, owner, storeId);
    assert.equal((await act(courier, b, 'take')).statusCode, 200);
    const view = (await get(owner, b)).json();
    assert.equal(view.cancellationCompensationFen, 2400);
    const ownerBefore = await balance(t, owner.userId);
    const courierBefore = await balance(t, courier.userId);
    const c2 = await act(owner, b, 'cancel', {});
    assert.equal(c2.statusCode, 200, c2.body);
    assert.equal(await balance(t, courier.userId), courierBefore + 2400);
    assert.equal(await balance(t, owner.userId), ownerBefore + 24000 - 2400);

    const c = await publishOrder(t, owner, storeId);
    assert.equal((await act(courier, c, 'take')).statusCode, 200);
    const start = new Date((await get(owner, c)).json().startsAt).getTime();
    t.clock.set(start - HOUR); // inside the 2 h cutoff
    const courierBefore2 = await balance(t, courier.userId);
    const c3 = await act(owner, c, 'cancel', {});
    assert.equal(c3.statusCode, 200, c3.body);
    assert.equal(await balance(t, courier.userId), courierBefore2 + 12000);
    const storeEvents = await t.p.db.selectFrom('order_reliability_events').selectAll().where('order_id', '=', c).execute();
    assert.deepEqual(
      storeEvents.map((e) => [e.subject_kind, e.kind]),
      [['store', 'late_cancel']],
    );
    const late = await act(owner, c, 'cancel', {});
    assert.equal(late.json().code, 'ORDER_NOT_CANCELLABLE');
  });

  it('S5.7a: a courier releases without penalty within the grace window; later releases are recorded; the order returns to the marketplace', async () => {
    const id = await publishOrder(t, owner, storeId);
    const took = await act(courier, id, 'take');
    assert.ok(took.json().releaseFreeUntil);
    t.clock.advance(5 * MIN);
    const r1 = await act(courier, id, 'release');
    assert.equal(r1.statusCode, 200, r1.body);
    assert.equal((await get(owner, id)).json().status, 'published');
    assert.equal((await act(courier, id, 'take')).statusCode, 200);
    t.clock.advance(11 * MIN);
    assert.equal((await act(courier, id, 'release')).statusCode, 200);
    const events = await t.p.db.selectFrom('order_reliability_events').selectAll().where('order_id', '=', id).execute();
    assert.deepEqual(
      events.map((e) => [e.subject_kind, e.subject_id, e.kind]),
      [['courier', courier.userId, 'late_release']],
    );
    const stranger = fakePerson();
    const v = await get(stranger, id);
    assert.equal(v.json().viewer, 'market');
    assert.equal(v.json().checkinCode, null);
    await act(owner, id, 'cancel', {});
  });

  it('S5.7b S5.8b: check-in by geofence or store code, check-out, owner confirms, escrow released minus fee; every transition is on the timeline and pushed to both parties', async () => {
    const id = await publishOrder(t, owner, storeId);
    const ownerView = (await get(owner, id)).json();
    assert.match(ownerView.checkinCode, /^\d{6}$/);
    const took = (await act(courier, id, 'take')).json();
    assert.equal(took.checkinCode, null);
    const withCourier = (await get(owner, id)).json();
    assert.equal(withCourier.courier.userId, courier.userId);
    assert.equal(withCourier.courier.certificate, null); // eligibility is doubled here; no real certificate
    assert.equal((await get(courier, id)).json().courier, null);
    const start = new Date(ownerView.startsAt).getTime();
    const reminders = async () =>
      (await notificationsFor(t, courier.userId)).filter(
        (n) => n.params?.orderNo === ownerView.orderNo && n.title.zh.includes('请确认到岗'),
      );
    t.clock.set(start - 12 * HOUR - MIN);
    await sweep();
    assert.equal((await reminders()).length, 0, 'not before 12 h');
    t.clock.set(start - 12 * HOUR);
    await sweep(); // 12 h reminder
    await sweep(); // once
    assert.equal((await reminders()).length, 1);
    assert.equal((await act(courier, id, 'confirm-attendance')).json().courierConfirmedAt !== null, true);
    t.clock.set(start - HOUR);
    const early = await act(courier, id, 'check-in', { code: ownerView.checkinCode });
    assert.equal(early.json().code, 'ORDER_CHECKIN_TOO_EARLY');
    t.clock.set(start - 10 * MIN);
    const far = await act(courier, id, 'check-in', { lat: 22.5605, lng: 113.9531 }); // ~2.2 km north
    assert.equal(far.json().code, 'ORDER_OUTSIDE_GEOFENCE');
    assert.match(far.json().detail, /500 米/);
    const wrong = await act(courier, id, 'check-in', { code: '000000' === ownerView.checkinCode ? '111111' : '000000' });
    assert.equal(wrong.json().code, 'ORDER_CHECKIN_CODE_WRONG');
    const notMine = await act(fakePerson(), id, 'check-in', { lat: 22.5406, lng: 113.9532 });
    assert.equal(notMine.statusCode, 404);
    const inn = await act(courier, id, 'check-in', { lat: 22.542, lng: 113.954 }); // ~190 m
    assert.equal(inn.statusCode, 200, inn.body);
    assert.equal(inn.json().status, 'checked_in');
    t.clock.set(start + 8 * HOUR + 2 * MIN);
    const out = await act(courier, id, 'check-out', { code: ownerView.checkinCode });
    assert.equal(out.json().status, 'checked_out');
    const courierBefore = await balance(t, courier.userId);
    const conf = await act(owner, id, 'hours', { verdict: 'confirm' });
    assert.equal(conf.json().status, 'completed');
    await t.p.jobs.drain(); // settlement runs from the outbox
    const done = (await get(owner, id)).json();
    assert.equal(done.status, 'settled');
    assert.equal(await balance(t, courier.userId), courierBefore + 24000 - 2400);

    const tl = await t.app.inject({ method: 'GET', url: `/api/v1/orders/${id}/timeline`, headers: courier.headers });
    assert.deepEqual(
      tl.json().events.map((e: { action: string }) => e.action),
      ['post', 'pay', 'take', 'confirm_attendance', 'check_in', 'check_out', 'confirm_hours', 'settle'],
    );
    const hidden = await t.app.inject({ method: 'GET', url: `/api/v1/orders/${id}/timeline`, headers: fakePerson().headers });
    assert.equal(hidden.statusCode, 404);
    const orderNo = done.orderNo as string;
    for (const who of [owner, courier]) {
      const mine = (await notificationsFor(t, who.userId)).filter((n) => n.params?.orderNo === orderNo).map((n) => n.title.zh);
      for (const s of ['已接单', '已签到', '已签退', '已完成', '已结算'])
        assert.ok(
          mine.some((x) => x.endsWith(s)),
          `${who === owner ? 'owner' : 'courier'} missing ${s}: ${mine}`,
        );
    }
  });

  it('S5.7b: silence confirms the hours 24 h after check-out; no check-in 30 min after start is a no-show the owner re-publishes or is refunded for', async () => {
    t.clock.set('2026-12-01T02:00:00Z');
    const a = await publishOrder(t, owner, storeId);
    await act(courier, a, 'take');
    const start = new Date((await get(owner, a)).json().startsAt).getTime();
    t.clock.set(start);
    const code = (await get(owner, a)).json().checkinCode;
    await act(courier, a, 'check-in', { code });
    t.clock.set(start + 8 * HOUR);
    await act(courier, a, 'check-out', { code });
    t.clock.advance(24 * HOUR + MIN);
    const tooLate = await act(owner, a, 'hours', { verdict: 'dispute', note: '提前走了' });
    assert.equal(tooLate.json().code, 'ORDER_CONFIRM_WINDOW_PASSED');
    await sweep();
    assert.equal((await get(owner, a)).json().status, 'settled');

    t.clock.set('2026-12-03T02:00:00Z');
    const b = await publishOrder(t, owner, storeId);
    await act(courier, b, 'take');
    await act(courier, b, 'confirm-attendance');
    const bStart = new Date((await get(owner, b)).json().startsAt).getTime();
    t.clock.set(bStart + 31 * MIN);
    await sweep();
    const ns = (await get(owner, b)).json();
    assert.equal(ns.status, 'no_show');
    assert.ok(ns.actions.includes('republish') && ns.actions.includes('cancel'));
    const rel = await t.p.db.selectFrom('order_reliability_events').selectAll().where('order_id', '=', b).execute();
    assert.deepEqual(
      rel.map((e) => e.kind),
      ['no_show'],
    );
    assert.equal(ns.cancellableUntil, new Date(bStart + 7 * 24 * HOUR).toISOString(), 'the owner decides within the published days');
    const ownerBefore = await balance(t, owner.userId);
    const refund = await act(owner, b, 'cancel', {});
    assert.equal(refund.json().status, 'cancelled');
    assert.equal(await balance(t, owner.userId), ownerBefore + 24000);
  });

  it('S5.7b: after a no-show the owner re-publishes the order for a new time; another courier takes it and the escrow pays them', async () => {
    t.clock.set('2026-12-20T02:00:00Z');
    const id = await publishOrder(t, owner, storeId);
    await act(courier, id, 'take');
    await act(courier, id, 'confirm-attendance');
    const start = new Date((await get(owner, id)).json().startsAt).getTime();
    t.clock.set(start + 31 * MIN);
    await sweep();
    assert.equal((await get(owner, id)).json().status, 'no_show');
    const ownerBefore = await balance(t, owner.userId);
    // The old start has passed: a new time is needed, and it obeys the posting rules.
    assert.equal((await act(owner, id, 'republish', {})).json().code, 'ORDER_REPUBLISH_NEEDS_TIME');
    const now = t.clock.now().getTime();
    const past = await act(owner, id, 'republish', {
      startsAt: new Date(now - HOUR).toISOString(),
      endsAt: new Date(now + 4 * HOUR).toISOString(),
    });
    assert.equal(past.json().code, 'ORDER_START_NOT_IN_FUTURE');
    const tooLong = await act(owner, id, 'republish', {
      startsAt: new Date(now + HOUR).toISOString(),
      endsAt: new Date(now + 16 * HOUR).toISOString(),
    });
    assert.equal(tooLong.json().code, 'ORDER_DURATION_OUT_OF_RANGE');
    assert.equal((await act(courier, id, 'republish', { startsAt: new Date(now + HOUR).toISOString() })).statusCode, 404);
    const newStart = new Date(now + 2 * HOUR).toISOString();
    const newEnd = new Date(now + 10 * HOUR).toISOString();
    const again = await act(owner, id, 'republish', { startsAt: newStart, endsAt: newEnd });
    assert.equal(again.statusCode, 200, again.body);
    assert.equal(again.json().status, 'published');
    assert.equal(again.json().startsAt, newStart);
    assert.equal(again.json().endsAt, newEnd);
    assert.equal(again.json().courierId, null);
    assert.equal(await balance(t, owner.userId), ownerBefore, 'the escrow stays: nothing charged or refunded');
    // Back in the marketplace; the no-show courier's record stays.
    const market = (await t.app.inject({ method: 'GET', url: '/api/v1/orders/market?limit=100', headers: courier.headers })).json();
    assert.ok(market.items.some((i: { id: string }) => i.id === id));
    const second = fakePerson();
    eligible.add(second.userId);
    const took = await act(second, id, 'take');
    assert.equal(took.statusCode, 200, took.body);
    const code = (await get(owner, id)).json().checkinCode;
    t.clock.set(new Date(newStart).getTime());
    await act(second, id, 'check-in', { code });
    t.clock.set(new Date(newEnd).getTime());
    await act(second, id, 'check-out', { code });
    await act(owner, id, 'hours', { verdict: 'confirm' });
    await t.p.jobs.drain();
    assert.equal((await get(owner, id)).json().status, 'settled');
    assert.equal(await balance(t, second.userId), 24000 - 2400);
    const tl = (await t.app.inject({ method: 'GET', url: `/api/v1/orders/${id}/timeline`, headers: owner.headers })).json();
    assert.deepEqual(
      tl.events.map((e: { action: string }) => e.action),
      ['post', 'pay', 'take', 'confirm_attendance', 'no_show', 'republish', 'take', 'check_in', 'check_out', 'confirm_hours', 'settle'],
    );
    const rel = await t.p.db.selectFrom('order_reliability_events').selectAll().where('order_id', '=', id).execute();
    assert.deepEqual(
      rel.map((e) => [e.subject_id, e.kind]),
      [[courier.userId, 'no_show']],
    );
  });

  it('S5.7b: a no-show the owner leaves undecided is refunded in full after the published days; the owner is told', async () => {
    t.clock.set('2026-12-24T02:00:00Z');
    const id = await publishOrder(t, owner, storeId);
    await act(courier, id, 'take');
    await act(courier, id, 'confirm-attendance');
    const start = new Date((await get(owner, id)).json().startsAt).getTime();
    t.clock.set(start + 31 * MIN);
    await sweep();
    assert.equal((await get(owner, id)).json().status, 'no_show');
    const before = await balance(t, owner.userId);
    t.clock.set(start + 7 * 24 * HOUR - MIN);
    await sweep();
    assert.equal((await get(owner, id)).json().status, 'no_show');
    t.clock.set(start + 7 * 24 * HOUR + MIN);
    const late = await act(owner, id, 'republish', {
      startsAt: new Date(t.clock.now().getTime() + 2 * HOUR).toISOString(),
      endsAt: new Date(t.clock.now().getTime() + 10 * HOUR).toISOString(),
    });
    assert.equal(late.json().code, 'ORDER_NOT_MODIFIABLE');
    await sweep();
    const closed = (await get(owner, id)).json();
    assert.equal(closed.status, 'closed');
    assert.equal(await balance(t, owner.userId), before + 24000);
    const notes = await notificationsFor(t, owner.userId);
    assert.ok(notes.some((n) => n.params?.orderNo === closed.orderNo && n.body.zh.includes('报酬已全额退回店主')));
  });

  it('S5.7b: a courier who does not confirm by 2 h before start loses the order back to the marketplace', async () => {
    t.clock.set('2026-12-05T02:00:00Z');
    const id = await publishOrder(t, owner, storeId);
    await act(courier, id, 'take');
    const start = new Date((await get(owner, id)).json().startsAt).getTime();
    t.clock.set(start - 2 * HOUR + MIN);
    await sweep();
    const v = (await get(owner, id)).json();
    assert.equal(v.status, 'published');
    assert.equal(v.courierId, null);
    const rel = await t.p.db.selectFrom('order_reliability_events').selectAll().where('order_id', '=', id).execute();
    assert.deepEqual(
      rel.map((e) => [e.subject_id, e.kind]),
      [[courier.userId, 'unconfirmed']],
    );
    assert.ok(
      (await notificationsFor(t, courier.userId)).some((n) => n.params?.orderNo === v.orderNo && n.body.zh.includes('未按时确认到岗')),
    );
    await act(owner, id, 'cancel', {});
  });

  it('S5.7c: after completion each side rates the other once; store averages show, a courier’s only after 3 ratings', async () => {
    t.clock.set('2026-12-08T02:00:00Z');
    const id = await publishOrder(t, owner, storeId);
    const before = await t.app.inject({
      method: 'POST',
      url: `/api/v1/orders/${id}/reviews`,
      headers: owner.headers,
      payload: { stars: 5 },
    });
    assert.equal(before.json().code, 'ORDER_REVIEW_NOT_ALLOWED');
    await act(courier, id, 'take');
    const start = new Date((await get(owner, id)).json().startsAt).getTime();
    const code = (await get(owner, id)).json().checkinCode;
    t.clock.set(start);
    await act(courier, id, 'check-in', { code });
    t.clock.set(start + 8 * HOUR);
    await act(courier, id, 'check-out', { code });
    await act(owner, id, 'hours', { verdict: 'confirm' });
    const r1 = await t.app.inject({
      method: 'POST',
      url: `/api/v1/orders/${id}/reviews`,
      headers: owner.headers,
      payload: { stars: 5, tags: ['准时', '认真'], text: '很靠谱' },
    });
    assert.equal(r1.statusCode, 201, r1.body);
    // The order says who still may review, until when, and what I wrote.
    const mine = (await get(owner, id)).json();
    assert.ok(!mine.actions.includes('review'));
    assert.equal(mine.reviewableUntil, null);
    assert.deepEqual([mine.myReview.stars, mine.myReview.tags, mine.myReview.text], [5, ['准时', '认真'], '很靠谱']);
    const theirs = (await get(courier, id)).json();
    assert.ok(theirs.actions.includes('review'));
    assert.equal(theirs.reviewableUntil, new Date(new Date(theirs.completedAt).getTime() + 7 * 24 * HOUR).toISOString());
    assert.equal(theirs.myReview, null);
    const dup = await t.app.inject({ method: 'POST', url: `/api/v1/orders/${id}/reviews`, headers: owner.headers, payload: { stars: 1 } });
    assert.equal(dup.json().code, 'ORDER_ALREADY_REVIEWED');
    const r2 = await t.app.inject({
      method: 'POST',
      url: `/api/v1/orders/${id}/reviews`,
      headers: courier.headers,
      payload: { stars: 4, text: '店主很友好' },
    });
    assert.equal(r2.statusCode, 201);
    const stranger = await t.app.inject({
      method: 'POST',
      url: `/api/v1/orders/${id}/reviews`,
      headers: fakePerson().headers,
      payload: { stars: 1 },
    });
    assert.equal(stranger.statusCode, 404);
    const store = (await t.app.inject({ method: 'GET', url: `/api/v1/ratings/store/${storeId}` })).json();
    assert.equal(store.avg, 4);
    assert.equal(store.recent[0].text, '店主很友好');
    const c = (await t.app.inject({ method: 'GET', url: `/api/v1/ratings/courier/${courier.userId}` })).json();
    assert.equal(c.count, 1);
    assert.equal(c.avg, null);
    t.clock.advance(8 * 24 * HOUR);
    const late = await t.app.inject({
      method: 'POST',
      url: `/api/v1/orders/${id}/reviews`,
      headers: courier.headers,
      payload: { stars: 3 },
    });
    assert.equal(late.json().code, 'ORDER_REVIEW_NOT_ALLOWED');
    assert.ok(!(await get(courier, id)).json().actions.includes('review'), 'not offered after the window');
  });

  it('S5.7c: a courier’s average and recent reviews show from the 3rd rating on, on their profile and to the owner of their next order', async () => {
    t.clock.set('2027-01-11T02:00:00Z');
    const rider = fakePerson();
    eligible.add(rider.userId);
    const profile = async () => (await t.app.inject({ method: 'GET', url: `/api/v1/ratings/courier/${rider.userId}` })).json();
    const stars = [5, 4, 4];
    for (const [i, n] of stars.entries()) {
      const id = await publishOrder(t, owner, storeId);
      assert.equal((await act(rider, id, 'take')).statusCode, 200);
      const o = (await get(owner, id)).json();
      t.clock.set(o.startsAt);
      await act(rider, id, 'check-in', { code: o.checkinCode });
      t.clock.set(o.endsAt);
      await act(rider, id, 'check-out', { code: o.checkinCode });
      await act(owner, id, 'hours', { verdict: 'confirm' });
      const r = await act(owner, id, 'reviews', { stars: n, tags: ['准时'], text: `第 ${i + 1} 次` });
      assert.equal(r.statusCode, 201, r.body);
      const p = await profile();
      assert.equal(p.count, i + 1);
      if (i < 2) {
        assert.equal(p.avg, null, `hidden after ${i + 1} rating(s)`);
        assert.deepEqual(p.recent, []);
      }
    }
    const shown = await profile();
    assert.equal(shown.avg, 4.3);
    assert.deepEqual(
      shown.recent.map((x: { stars: number; text: string }) => [x.stars, x.text]),
      [
        [4, '第 3 次'],
        [4, '第 2 次'],
        [5, '第 1 次'],
      ],
    );
    // The owner of the courier's next order sees the rating on the order.
    const next = await publishOrder(t, owner, storeId);
    await act(rider, next, 'take');
    const seen = (await get(owner, next)).json().courier;
    assert.deepEqual([seen.rating, seen.ratingCount], [4.3, 3]);
    await act(rider, next, 'release');
    await act(owner, next, 'cancel', {});
  });

  it('S5.7b: my orders as owner and as courier page with keyset cursors and show only my own', async () => {
    const pages = async (who: FakeActor, role: string) => {
      const ids: string[] = [];
      let cursor: string | null = null;
      for (let i = 0; i < 50; i++) {
        const qs: string = `role=${role}&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
        const r = await t.app.inject({ method: 'GET', url: `/api/v1/orders/mine?${qs}`, headers: who.headers });
        assert.equal(r.statusCode, 200, r.body);
        ids.push(...r.json().items.map((o: { id: string }) => o.id));
        cursor = r.json().nextCursor;
        if (!cursor) break;
      }
      return ids;
    };
    const owned = await pages(owner, 'owner');
    const all = await t.p.db.selectFrom('orders').select('id').where('owner_id', '=', owner.userId).execute();
    assert.equal(owned.length, all.length);
    assert.equal(new Set(owned).size, all.length);
    const held = await pages(courier, 'courier');
    const mine = await t.p.db.selectFrom('orders').select('id').where('courier_id', '=', courier.userId).execute();
    assert.deepEqual([...held].sort(), mine.map((r) => r.id).sort());
    assert.deepEqual(await pages(fakePerson(), 'owner'), []);
  });

  it('S5.3b: unfinished orders block account cancellation, listed in the message', async () => {
    const user = await registerUser(t);
    const s = await t.app.inject({
      method: 'POST',
      url: '/api/v1/stores',
      headers: user.headers,
      payload: {
        name: '妈妈驿站',
        regionCode: '110108',
        address: '北京市海淀区中关村大街 1 号',
        lat: 39.98,
        lng: 116.31,
        contactPhone: '13900001111',
      },
    });
    assert.equal(s.statusCode, 201, s.body);
    const o = await t.app.inject({
      method: 'POST',
      url: '/api/v1/orders',
      headers: user.headers,
      payload: {
        storeId: s.json().id,
        typeCode: 'delivery',
        startsAt: new Date(t.clock.now().getTime() + 5 * HOUR).toISOString(),
        endsAt: new Date(t.clock.now().getTime() + 9 * HOUR).toISOString(),
        payFen: 10000,
      },
    });
    assert.equal(o.statusCode, 201, o.body);
    const r = await t.app.inject({ method: 'POST', url: '/api/v1/me/cancel', headers: user.headers, payload: { password: user.password } });
    assert.equal(r.statusCode, 409, r.body);
    assert.equal(r.json().code, 'ACCOUNT_HAS_OBLIGATIONS');
    assert.match(r.json().detail, new RegExp(o.json().orderNo));

    // As a courier: a taken shift blocks cancellation too, and the message lists it with its status.
    const rider = await registerUser(t);
    eligible.add(rider.userId);
    const shift = await publishOrder(t, owner, storeId);
    const took = await t.app.inject({ method: 'POST', url: `/api/v1/orders/${shift}/take`, headers: rider.headers });
    assert.equal(took.statusCode, 200, took.body);
    const blocked = await t.app.inject({
      method: 'POST',
      url: '/api/v1/me/cancel',
      headers: rider.headers,
      payload: { password: rider.password },
    });
    assert.equal(blocked.statusCode, 409, blocked.body);
    assert.equal(blocked.json().code, 'ACCOUNT_HAS_OBLIGATIONS');
    assert.match(blocked.json().detail, new RegExp(`${took.json().orderNo} \\(taken\\)`));
    // Released within the grace window, the order is no longer the courier's: nothing of theirs blocks it here.
    assert.equal((await t.app.inject({ method: 'POST', url: `/api/v1/orders/${shift}/release`, headers: rider.headers })).statusCode, 200);
    assert.deepEqual(await findUnfinishedOrders(t.p.db, rider.userId), []);
    const free = await t.app.inject({
      method: 'POST',
      url: '/api/v1/me/cancel',
      headers: rider.headers,
      payload: { password: rider.password },
    });
    assert.notEqual(free.json().code, 'ACCOUNT_HAS_OBLIGATIONS', free.body);
    await t.app.inject({ method: 'POST', url: `/api/v1/orders/${shift}/cancel`, headers: owner.headers, payload: {} });
  });

  it('S5.2: posting and paying an order need an approved real-name verification — refused with an actionable message until the owner verifies, and again once the documents expired', async () => {
    const gated = fakePerson();
    gatedPosters.add(gated.userId);
    const gatedStore = await makeStore(t, gated);

    // Never verified: refused before anything is written, in words that say what to do.
    const refused = await postOrder(t, gated, gatedStore);
    assert.equal(refused.statusCode, 403, refused.body);
    assert.equal(refused.json().code, 'IDENTITY_NOT_VERIFIED');
    assert.equal(refused.json().detail, '请先完成实名认证');
    const refusedEn = await t.app.inject({
      method: 'POST',
      url: '/api/v1/orders',
      headers: { ...gated.headers, 'accept-language': 'en-US' },
      payload: {
        storeId: gatedStore,
        typeCode: 'sorting',
        startsAt: '2026-12-01T01:00:00Z',
        endsAt: '2026-12-01T09:00:00Z',
        payFen: 24000,
      },
    });
    assert.equal(refusedEn.statusCode, 403, refusedEn.body);
    assert.equal(refusedEn.json().detail, 'Complete real-name verification first');
    const mine = await t.app.inject({ method: 'GET', url: '/api/v1/orders/mine?role=owner', headers: gated.headers });
    assert.equal(mine.json().items?.length ?? 0, 0, 'nothing was posted');

    // Ten minutes before the end of a day (China time), the owner verifies with an ID card valid until that day's end
    // (the identity provider's dataset approves this name and number at once).
    const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date(t.clock.now().getTime() + 24 * HOUR));
    const dayEnd = new Date(`${day}T00:00:00+08:00`).getTime() + 24 * HOUR;
    t.clock.set(dayEnd - 10 * MIN);
    const actor = { userId: gated.userId, kind: 'person' as const, roles: [], permissions: new Set<string>(), sessionId: 's' };
    const front = await uploadDocument(t.p, actor, { purpose: 'id_front', bytes: jpegBytes() });
    const back = await uploadDocument(t.p, actor, { purpose: 'id_back', bytes: jpegBytes('back') });
    const v = await submitPersonVerification(
      t.p,
      actor,
      { name: '王五', idNumber: '310101198805124563', idValidUntil: day, idFrontFileId: front.id, idBackFileId: back.id },
      '127.0.0.1',
    );
    assert.equal(v.status, 'approved');

    // Verified: posting and paying work.
    await publishOrder(t, gated, gatedStore);
    const pending = await postOrder(t, gated, gatedStore);
    assert.equal(pending.statusCode, 201, pending.body);
    await fund(t, gated.userId, 24000);
    const balanceBefore = await balance(t, gated.userId);

    // The ID card expires before the owner pays the second order: it is not published and nothing is charged.
    t.clock.set(dayEnd + MIN);
    assert.ok(t.clock.now().getTime() < new Date(pending.json().payBefore as string).getTime(), 'still within the payment window');
    const pay = await act(gated, pending.json().id as string, 'pay');
    assert.equal(pay.statusCode, 403, pay.body);
    assert.equal(pay.json().code, 'IDENTITY_VERIFICATION_EXPIRED');
    assert.match(pay.json().detail, /更新认证资料/);
    assert.equal(await balance(t, gated.userId), balanceBefore);
    assert.equal((await get(gated, pending.json().id as string)).json().status, 'pending_payment');
    const again = await postOrder(t, gated, gatedStore);
    assert.equal(again.statusCode, 403, again.body);
    assert.equal(again.json().code, 'IDENTITY_VERIFICATION_EXPIRED');
  });
});
