import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { createTestApp, type TestApp } from './helpers.ts';
import { TEST_ENV } from './factories.ts';
import { modules } from '../src/modules/index.ts';
import { refreshRollups, type RefreshOptions, type RefreshStep } from '../src/modules/stats/rollups.ts';
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

/** A small deterministic generator (mulberry32), so a failing random case can be replayed from its seed. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]! };
}

describe('analysis rollups refreshed in steps', () => {
  let t: TestApp;
  let template: string;
  const seed = Number(process.env.STATS_TEST_SEED ?? 20261207);
  const r = rng(seed);
  const couriers = Array.from({ length: 12 }, () => randomUUID());
  const provinces = ['440000', '310000', '110000'];
  // Shift days over four months (China time), so couriers' first months and the retention matrix vary.
  const days = Array.from({ length: 70 }, (_, i) => Date.parse('2026-08-01T00:00:00+08:00') + i * 2 * 86_400_000);
  /** No real pauses in tests: sleep only records. */
  const fast: RefreshOptions = { sleep: async () => {}, maxDaysPerStep: 3 };

  /** A random order cloned from the template: a shift on one of `days` at any hour (midnight included). */
  function randomOrder(onDay = r.pick(days)) {
    const startsAt = onDay + r.int(24 * 4) * 15 * 60_000;
    const publishedAt = startsAt - (1 + r.int(72)) * 3600_000;
    const status = r.pick(['settled', 'settled', 'settled', 'published', 'cancelled', 'closed', 'taken']);
    const taken = status === 'settled' || status === 'taken';
    return {
      id: randomUUID(),
      order_no: `T${randomUUID().slice(0, 12)}`,
      status,
      province_code: r.pick(provinces),
      starts_at: new Date(startsAt).toISOString(),
      ends_at: new Date(startsAt + 6 * 3600_000).toISOString(),
      pay_fen: 10_000 + r.int(200) * 100,
      published_at: status === 'cancelled' && r.int(2) ? null : new Date(publishedAt).toISOString(),
      // A taken shift needs a courier of its own (no overlap of active shifts); settled ones share a pool.
      courier_id: status === 'settled' ? r.pick(couriers) : status === 'taken' ? randomUUID() : null,
      taken_at: taken ? new Date(publishedAt + (1 + r.int(600)) * 60_000).toISOString() : null,
    };
  }

  /** Inserts orders as copies of the template with these columns changed, marked changed now (database clock). */
  async function insertOrders(rows: Record<string, unknown>[]) {
    for (const row of rows) {
      await sql`INSERT INTO orders
        SELECT (jsonb_populate_record(o, ${JSON.stringify(row)}::jsonb || jsonb_build_object('updated_at', now()))).*
        FROM orders o WHERE o.id = ${template}`.execute(t.p.db);
    }
  }

  /**
   * Random changes on many days, as the order lifecycle makes them (a settled shift stays settled and
   * keeps its day): new orders, open ones settled or cancelled, pay and take times changed; also a
   * settled shift months before a courier's first, which moves them to an earlier cohort.
   */
  async function randomChanges(n: number) {
    await insertOrders([...Array.from({ length: n }, () => randomOrder()), { ...randomOrder(days[r.int(10)]), status: 'settled' }]);
    const open = await sql<{ id: string; published_at: Date | null }>`
      SELECT id, published_at FROM orders WHERE status IN ('published', 'taken') ORDER BY id LIMIT ${n}`.execute(t.p.db);
    for (const o of open.rows) {
      const settle = r.int(2) === 0 && o.published_at;
      await sql`UPDATE orders SET updated_at = now(), pay_fen = pay_fen + ${r.int(50) * 100},
        status = ${settle ? 'settled' : 'cancelled'},
        courier_id = ${settle ? r.pick(couriers) : null}::uuid,
        taken_at = ${settle ? new Date(o.published_at!.getTime() + (1 + r.int(300)) * 60_000) : null}::timestamptz
        WHERE id = ${o.id}`.execute(t.p.db);
    }
  }

  /** The rollups as stored. */
  async function stored() {
    const daily = await sql`SELECT to_char(day, 'YYYY-MM-DD') AS day, province_code, posted, filled, median_fill_s, settled, gmv_fen::text
      FROM stats_order_daily ORDER BY 1, 2`.execute(t.p.db);
    const months = await sql`SELECT courier_id, to_char(month, 'YYYY-MM') AS month FROM stats_courier_months ORDER BY 1, 2`.execute(t.p.db);
    const retention =
      await sql`SELECT to_char(cohort, 'YYYY-MM') AS cohort, months_after, active FROM stats_retention ORDER BY 1, 2`.execute(t.p.db);
    return { daily: daily.rows, months: months.rows, retention: retention.rows };
  }

  /** The rollups computed from scratch from `orders`, in one pass each (the definition the steps must match). */
  async function fromScratch() {
    const daily = await sql`
      SELECT to_char((starts_at AT TIME ZONE 'Asia/Shanghai')::date, 'YYYY-MM-DD') AS day, province_code,
        (count(*) FILTER (WHERE published_at IS NOT NULL))::int AS posted,
        (count(*) FILTER (WHERE taken_at IS NOT NULL))::int AS filled,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM taken_at - published_at))
          FILTER (WHERE taken_at IS NOT NULL AND published_at IS NOT NULL) AS median_fill_s,
        (count(*) FILTER (WHERE status = 'settled'))::int AS settled,
        coalesce(sum(pay_fen) FILTER (WHERE status = 'settled'), 0)::text AS gmv_fen
      FROM orders GROUP BY 1, 2 ORDER BY 1, 2`.execute(t.p.db);
    const active = sql`SELECT DISTINCT courier_id, date_trunc('month', starts_at AT TIME ZONE 'Asia/Shanghai')::date AS month
      FROM orders WHERE status = 'settled' AND courier_id IS NOT NULL`;
    const months = await sql`SELECT courier_id, to_char(month, 'YYYY-MM') AS month FROM (${active}) a ORDER BY 1, 2`.execute(t.p.db);
    const retention = await sql`
      SELECT to_char(f.cohort, 'YYYY-MM') AS cohort,
        ((extract(year FROM m.month) - extract(year FROM f.cohort)) * 12 + extract(month FROM m.month) - extract(month FROM f.cohort))::int
          AS months_after,
        count(*)::int AS active
      FROM (${active}) m JOIN (SELECT courier_id, min(month) AS cohort FROM (${active}) a GROUP BY 1) f USING (courier_id)
      GROUP BY 1, 2 ORDER BY 1, 2`.execute(t.p.db);
    return { daily: daily.rows, months: months.rows, retention: retention.rows };
  }

  const pendingDays = async () => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM stats_pending_days`.execute(t.p.db)).rows[0]!.n;
  const asOf = async () => (await sql<{ at: Date | null }>`SELECT refreshed_at AS at FROM stats_state`.execute(t.p.db)).rows[0]!.at;

  before(async () => {
    t = await createTestApp({
      env: TEST_ENV,
      now: '2026-11-23T02:00:00Z',
      modules: [...modules.filter((m) => m.name !== 'orders'), ordersModuleForTests(new Set()), ordersTestActorModule],
    });
    const owner = fakePerson(['orders:post']);
    template = await publishOrder(t, owner, await makeStore(t, owner));
    await insertOrders(Array.from({ length: 150 }, () => randomOrder()));
  });
  after(async () => t.close());

  it('S6.2: the first run and the stepped incremental runs after random changes on many days equal a from-scratch computation', async () => {
    const steps: RefreshStep[] = [];
    const first = await refreshRollups(t.p, { ...fast, afterStep: (s) => void steps.push(s) });
    assert.ok(first.current && first.pendingDays === 0, JSON.stringify(first));
    assert.ok(first.steps > 20, `the first run is many small steps, not one (${first.steps})`);
    assert.ok(steps.every((s) => s.days <= 3));
    assert.deepEqual(await stored(), await fromScratch(), `seed ${seed}`);
    const scratch = await fromScratch();
    assert.ok(scratch.retention.length > 4 && scratch.daily.length > 60, 'the random data exercise several cohorts and many days');
    for (let round = 0; round < 3; round++) {
      await randomChanges(25);
      const run = await refreshRollups(t.p, fast);
      assert.ok(run.current && run.steps > 2 && run.days > 10, JSON.stringify(run));
      assert.deepEqual(await stored(), await fromScratch(), `round ${round}, seed ${seed}`);
    }
    // A full run recomputes everything again, in steps, to the same result.
    const full = await refreshRollups(t.p, { ...fast, full: true });
    assert.ok(full.current && full.days >= 60);
    assert.deepEqual(await stored(), await fromScratch());
  });

  it('S6.2: a run interrupted between steps leaves its days queued; the next run completes them (and later changes) exactly', async () => {
    await randomChanges(25);
    const stepsDone: RefreshStep[] = [];
    const failing = refreshRollups(t.p, {
      ...fast,
      afterStep: (s) => {
        stepsDone.push(s);
        if (stepsDone.length === 3) throw new Error('process killed between steps');
      },
    });
    await assert.rejects(failing, /process killed/);
    assert.equal(stepsDone[0]!.kind, 'queue');
    const left = await pendingDays();
    assert.ok(left > 0 && left === stepsDone[2]!.pendingDays, `days left queued: ${left}`);
    assert.notDeepEqual(await stored(), await fromScratch());
    // The watermark has moved past the interrupted run's changes: only the queue still holds them.
    await randomChanges(10);
    const next = await refreshRollups(t.p, fast);
    assert.ok(next.current && next.days >= left, JSON.stringify(next));
    assert.equal(await pendingDays(), 0);
    assert.deepEqual(await stored(), await fromScratch(), `seed ${seed}`);
  });

  it('S6.2: the time budget bounds the work of one minute-run; the next runs do the rest; pauses follow each step', async () => {
    await randomChanges(40);
    const before = await asOf();
    let clock = 0;
    const pauses: number[] = [];
    const steps: RefreshStep[] = [];
    const minuteRun = (): RefreshOptions => ({
      maxDaysPerStep: 2,
      budgetMs: 100,
      now: () => clock,
      sleep: async (ms) => {
        pauses.push(ms);
        clock += ms;
      },
      // Each step costs 20 ms of the budget on this clock.
      afterStep: (s) => {
        steps.push(s);
        clock += 20;
      },
    });
    const run = await refreshRollups(t.p, minuteRun());
    assert.equal(run.current, false);
    assert.equal(run.steps, 5, 'the queueing step and four steps of days fit in 100 ms');
    assert.ok(run.days <= 8 && run.pendingDays > 0, JSON.stringify(run));
    assert.equal(await pendingDays(), run.pendingDays);
    assert.deepEqual(await asOf(), before, 'asOf does not move until every queued day is done');
    assert.equal(pauses.length, 4, 'a pause before each step after the first');
    // Minutes pass: the changes leave the watermark's overlap, so later runs find them only in the queue.
    await sql`UPDATE orders SET updated_at = updated_at - interval '10 minutes' WHERE updated_at > now() - interval '10 minutes'`.execute(
      t.p.db,
    );
    let runs = 1;
    for (let last = run; !last.current; runs++) {
      clock = 0;
      last = await refreshRollups(t.p, minuteRun());
      assert.ok(last.steps <= 5);
    }
    assert.ok(runs >= 3, `the work was spread over ${runs} runs`);
    assert.ok((await asOf())! > before!);
    assert.deepEqual(await stored(), await fromScratch(), `seed ${seed}`);

    // On the real clock, each pause is the previous step's duration times the pause ratio.
    await randomChanges(10);
    const real: RefreshStep[] = [];
    const realPauses: number[] = [];
    await refreshRollups(t.p, {
      pauseRatio: 2,
      sleep: async (ms) => void realPauses.push(ms),
      afterStep: (s) => void real.push(s),
    });
    assert.deepEqual(
      realPauses,
      real.slice(0, -1).map((s) => s.ms * 2),
    );
  });

  it('S6.2: two refreshes at once (e.g. two processes, the job and the ops endpoint) never interleave wrongly', async () => {
    await randomChanges(30);
    const [a, b] = await Promise.all([refreshRollups(t.p, fast), refreshRollups(t.p, { ...fast, full: true })]);
    assert.ok(a.current && b.current);
    assert.deepEqual(await stored(), await fromScratch(), `seed ${seed}`);
  });
});
