import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createTestApp, type TestApp } from './helpers.ts';
import { TEST_ENV } from './factories.ts';
import { modules } from '../src/modules/index.ts';
import { fakePerson, makeStore, ordersModuleForTests, ordersTestActorModule, publishOrder, type FakeActor } from './orders-fixtures.ts';

const HOUR = 3600_000;
const MIN = 60_000;

/** A staff member with exactly these permissions (through the orders test-actor hook). */
function fakeStaff(permissions: string[]): FakeActor {
  const userId = randomUUID();
  const actor = { userId, kind: 'staff', roles: [], permissions, sessionId: randomUUID() };
  return { userId, headers: { 'x-orders-test-actor': JSON.stringify(actor) } };
}

describe('statistics and analysis', () => {
  let t: TestApp;
  const eligible = new Set<string>();
  let owner: FakeActor;
  let courier: FakeActor;
  let courier2: FakeActor;
  let settledId: string;

  const act = (who: FakeActor, id: string, action: string, payload?: unknown) =>
    t.app.inject({ method: 'POST', url: `/api/v1/orders/${id}/${action}`, headers: who.headers, ...(payload ? { payload } : {}) });
  const get = (who: FakeActor, url: string) => t.app.inject({ method: 'GET', url, headers: who.headers });

  before(async () => {
    // Monday 2026-11-23 10:00 China time; every shift below starts on Tuesday the 24th.
    t = await createTestApp({
      env: TEST_ENV,
      now: '2026-11-23T02:00:00Z',
      modules: [...modules.filter((m) => m.name !== 'orders'), ordersModuleForTests(eligible), ordersTestActorModule],
    });
    owner = fakePerson(['orders:post']);
    courier = fakePerson(['orders:take']);
    courier2 = fakePerson(['orders:take']);
    eligible.add(courier.userId).add(courier2.userId);
    const storeId = await makeStore(t, owner);
    // Four shifts: one worked and settled, one taken, one still open, one cancelled before anyone took it.
    settledId = await publishOrder(t, owner, storeId);
    t.clock.set(new Date(t.clock.now().getTime() + 30 * MIN));
    const takenId = await publishOrder(t, owner, storeId, {
      startsAt: '2026-11-24T06:00:00Z',
      endsAt: '2026-11-24T12:00:00Z',
      payFen: 18000,
    });
    await publishOrder(t, owner, storeId, { startsAt: '2026-11-24T02:00:00Z', endsAt: '2026-11-24T08:00:00Z', payFen: 15000 });
    const cancelled = await publishOrder(t, owner, storeId);
    assert.equal((await act(owner, cancelled, 'cancel', {})).statusCode, 200);
    t.clock.set(new Date(t.clock.now().getTime() + 30 * MIN));
    assert.equal((await act(courier, settledId, 'take')).statusCode, 200);
    t.clock.set(new Date(t.clock.now().getTime() + 60 * MIN));
    assert.equal((await act(courier2, takenId, 'take')).statusCode, 200);
    await act(courier, settledId, 'confirm-attendance');
    const view = (await get(owner, `/api/v1/orders/${settledId}`)).json();
    const start = new Date(view.startsAt).getTime();
    t.clock.set(new Date(start - 10 * MIN));
    assert.equal((await act(courier, settledId, 'check-in', { code: view.checkinCode })).statusCode, 200);
    t.clock.set(new Date(start + 8 * HOUR + 2 * MIN));
    assert.equal((await act(courier, settledId, 'check-out', { code: view.checkinCode })).statusCode, 200);
    assert.equal((await act(owner, settledId, 'hours', { verdict: 'confirm' })).statusCode, 200);
    await t.p.jobs.drain(); // settlement
    assert.equal((await get(owner, `/api/v1/orders/${settledId}`)).json().status, 'settled');
  });
  after(async () => t.close());

  it("S6.2: a store owner's month — posted, filled, fill rate, cancelled, settled, spend and committed money, per store and in total", async () => {
    const r = await get(owner, '/api/v1/stats/owner-month?month=2026-11');
    assert.equal(r.statusCode, 200, r.body);
    const m = r.json();
    assert.equal(m.ownerId, owner.userId);
    assert.equal(m.from, '2026-10-31T16:00:00.000Z'); // 1 November 00:00 China time
    assert.deepEqual(
      [m.posted, m.filled, m.fillRate, m.cancelled, m.settled, m.spendFen, m.committedFen],
      [4, 2, 0.5, 1, 1, 24000, 18000 + 15000],
    );
    assert.equal(m.stores.length, 1);
    assert.equal(m.stores[0].spendFen, 24000);
    // Another month is empty, not an error; the default is the current month.
    const oct = (await get(owner, '/api/v1/stats/owner-month?month=2026-10')).json();
    assert.deepEqual([oct.posted, oct.fillRate, oct.stores.length], [0, null, 0]);
    assert.equal((await get(owner, '/api/v1/stats/owner-month')).json().month, '2026-11');
  });

  it('S6.2: owner statistics are the owner’s own — another user is refused, support staff may look, couriers have no owner month', async () => {
    const other = fakePerson(['orders:post']);
    const spy = await get(other, `/api/v1/stats/owner-month?ownerId=${owner.userId}`);
    assert.equal(spy.statusCode, 403);
    assert.equal(spy.json().code, 'FORBIDDEN');
    assert.equal((await get(other, '/api/v1/stats/owner-month')).json().posted, 0);
    const support = fakeStaff(['orders:read']);
    const seen = await get(support, `/api/v1/stats/owner-month?ownerId=${owner.userId}&month=2026-11`);
    assert.equal(seen.json().posted, 4);
    assert.equal((await get(courier, '/api/v1/stats/owner-month')).statusCode, 403);
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/stats/owner-month' })).statusCode, 401);
    assert.equal((await get(owner, '/api/v1/stats/owner-month?month=2026-13')).json().code, 'VALIDATION_FAILED');
  });

  it("S6.2: a courier's week — per day the net pay of settled shifts and the fee, from the ledger; only their own", async () => {
    const r = await get(courier, '/api/v1/stats/courier-week?weekStart=2026-11-23');
    assert.equal(r.statusCode, 200, r.body);
    const w = r.json();
    assert.deepEqual([w.shifts, w.shiftEarningsFen, w.feeFen, w.otherCreditsFen, w.totalFen], [1, 21600, 2400, 0, 21600]);
    assert.equal(w.days.length, 7);
    const worked = w.days.filter((d: { shifts: number }) => d.shifts > 0);
    assert.equal(worked.length, 1);
    assert.equal(worked[0].date, '2026-11-24');
    // The courier who has not finished a shift yet earned nothing; the default is the current week.
    assert.equal((await get(courier2, '/api/v1/stats/courier-week')).json().totalFen, 0);
    assert.equal((await get(courier2, `/api/v1/stats/courier-week?courierId=${courier.userId}`)).statusCode, 403);
    assert.equal(
      (await get(fakeStaff(['finance:read']), `/api/v1/stats/courier-week?courierId=${courier.userId}&weekStart=2026-11-23`)).json()
        .totalFen,
      21600,
    );
    const notMonday = await get(courier, '/api/v1/stats/courier-week?weekStart=2026-11-24');
    assert.equal(notMonday.statusCode, 400);
    assert.equal(notMonday.json().code, 'VALIDATION_FAILED');
  });

  it('S6.2: platform analysis from rollups — fill rate and median time to fill by province × day, GMV by month, retention cohorts; ops only', async () => {
    const ops = fakeStaff(['ops:read', 'ops:manage']);
    const fill = () => get(ops, '/api/v1/stats/platform/fill?from=2026-11-01&to=2026-11-30');
    assert.equal((await fill()).json().asOf, null); // never refreshed yet
    const refreshed = await t.app.inject({ method: 'POST', url: '/api/v1/stats/platform/refresh', headers: ops.headers });
    assert.equal(refreshed.statusCode, 200, refreshed.body);
    assert.ok(refreshed.json().days >= 1);
    const f = (await fill()).json();
    assert.ok(f.asOf);
    assert.equal(f.items.length, 1);
    const row = f.items[0];
    assert.deepEqual([row.day, row.provinceCode, row.posted, row.filled, row.fillRate], ['2026-11-24', '440000', 4, 2, 0.5]);
    // Taken 1 h and 1 h 30 min after their publication: median 1 h 15 min.
    assert.equal(row.medianFillSeconds, 4500);
    const gmv = (await get(ops, '/api/v1/stats/platform/gmv?from=2026-01-01&to=2026-12-31')).json();
    assert.deepEqual(gmv.items, [{ month: '2026-11', gmvFen: 24000, settled: 1, posted: 4, filled: 2 }]);
    const ret = (await get(ops, '/api/v1/stats/platform/retention')).json();
    assert.deepEqual(ret.items, [{ cohort: '2026-11', monthsAfter: 0, active: 1 }]);
    // Incremental: nothing changed, nothing recomputed beyond the overlap window; same answer.
    await t.app.inject({ method: 'POST', url: '/api/v1/stats/platform/refresh', headers: ops.headers });
    assert.deepEqual((await fill()).json().items, f.items);

    assert.equal((await get(owner, '/api/v1/stats/platform/fill?from=2026-11-01&to=2026-11-30')).statusCode, 403);
    assert.equal(
      (await t.app.inject({ method: 'POST', url: '/api/v1/stats/platform/refresh', headers: fakeStaff(['ops:read']).headers })).statusCode,
      403,
    );
    const tooLong = await get(ops, '/api/v1/stats/platform/gmv?from=2024-01-01&to=2026-12-31');
    assert.equal(tooLong.json().code, 'VALIDATION_FAILED');
  });
});
