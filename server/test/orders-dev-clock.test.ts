import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from './helpers.ts';
import { TEST_ENV } from './factories.ts';
import { modules } from '../src/modules/index.ts';
import { buildApp } from '../src/app.ts';
import { createPlatform } from '../src/platform/platform.ts';
import { OffsetClock, systemClock } from '../src/platform/clock.ts';
import { ORDER_SWEEP_JOB } from '../src/modules/orders/index.ts';
import {
  fakePerson,
  makeStore,
  notificationsFor,
  ordersModuleForTests,
  ordersTestActorModule,
  postOrder,
  type FakeActor,
} from './orders-fixtures.ts';

const MIN = 60_000;

/**
 * The dev clock (docs/operations.md "Dev clock"): a running non-production server's time moves forward on
 * request and the scheduled sweeps run now against it, so browser journeys advance time instead of sleeping.
 * This uses the same OffsetClock the server uses outside production (not the tests' ManualClock).
 */
describe('dev clock: move a running server’s time and run the sweeps now', () => {
  let t: TestApp;
  let owner: FakeActor;
  let storeId: string;
  const clock = new OffsetClock();

  before(async () => {
    t = await createTestApp({
      env: TEST_ENV,
      overrides: { clock },
      modules: [...modules.filter((m) => m.name !== 'orders'), ordersModuleForTests(new Set()), ordersTestActorModule],
    });
    owner = fakePerson();
    storeId = await makeStore(t, owner);
  });
  after(async () => t.close());

  it('S5.5b: an unpaid order closes at its deadline when the clock is advanced and the sweep is run (no sleeping)', async () => {
    const posted = await postOrder(t, owner, storeId);
    assert.equal(posted.statusCode, 201, posted.body);
    const id = posted.json().id as string;

    const early = await t.app.inject({ method: 'POST', url: '/api/v1/dev/jobs/run', payload: { jobs: [ORDER_SWEEP_JOB] } });
    assert.equal(early.statusCode, 200, early.body);
    const still = await t.app.inject({ method: 'GET', url: `/api/v1/orders/${id}`, headers: owner.headers });
    assert.equal(still.json().status, 'pending_payment', 'nothing is due before the deadline');

    const moved = await t.app.inject({ method: 'POST', url: '/api/v1/dev/clock', payload: { advanceMs: 16 * MIN } });
    assert.equal(moved.statusCode, 200, moved.body);
    assert.equal(moved.json().adjustable, true);
    assert.ok(moved.json().offsetMs >= 16 * MIN - 1000, moved.body);
    assert.ok(new Date(moved.json().now).getTime() > new Date(posted.json().payBefore).getTime());
    const seen = await t.app.inject({ method: 'GET', url: '/api/v1/dev/clock' });
    assert.ok(Math.abs(seen.json().offsetMs - clock.offsetMs) < 1000);

    const run = await t.app.inject({ method: 'POST', url: '/api/v1/dev/jobs/run', payload: { jobs: [ORDER_SWEEP_JOB] } });
    assert.equal(run.statusCode, 200, run.body);
    assert.deepEqual(run.json().ran, [ORDER_SWEEP_JOB]);
    const closed = await t.app.inject({ method: 'GET', url: `/api/v1/orders/${id}`, headers: owner.headers });
    assert.equal(closed.json().status, 'closed');
    const notes = await notificationsFor(t, owner.userId);
    assert.ok(
      notes.some((n) => n.params?.orderId === id || JSON.stringify(n).includes(posted.json().orderNo)),
      'the owner is notified',
    );
  });

  it('dev clock: only forward, only known scheduled jobs; problems instead of errors', async () => {
    for (const advanceMs of [0, -5, 1.5, 'soon']) {
      const r = await t.app.inject({ method: 'POST', url: '/api/v1/dev/clock', payload: { advanceMs } });
      assert.equal(r.statusCode, 400, r.body);
    }
    const unknown = await t.app.inject({ method: 'POST', url: '/api/v1/dev/jobs/run', payload: { jobs: ['orders.nope'] } });
    assert.equal(unknown.statusCode, 400);
    assert.equal(unknown.json().code, 'DEV_JOB_UNKNOWN');
    // An event handler's queue is not a scheduled job: only cron jobs can be run this way.
    const notCron = await t.app.inject({
      method: 'POST',
      url: '/api/v1/dev/jobs/run',
      payload: { jobs: ['event.ordersSettleOnCompleted'] },
    });
    assert.equal(notCron.json().code, 'DEV_JOB_UNKNOWN');
  });

  it('dev clock: production has neither the routes (404) nor a movable clock', async () => {
    const prodConfig = { ...t.config, env: 'production' as const };
    const p = await createPlatform(prodConfig, { dataDir: 'memory://' });
    try {
      assert.equal(p.clock, systemClock, 'production uses the system clock');
      const app = await buildApp(p, []);
      try {
        for (const [method, url, payload] of [
          ['POST', '/api/v1/dev/clock', { advanceMs: 60_000 }],
          ['GET', '/api/v1/dev/clock', undefined],
          ['POST', '/api/v1/dev/jobs/run', { jobs: [ORDER_SWEEP_JOB] }],
        ] as const) {
          const r = await app.inject({ method, url, ...(payload ? { payload } : {}) });
          assert.equal(r.statusCode, 404, `${method} ${url} → ${r.body}`);
          assert.equal(r.json().code, 'ROUTE_NOT_FOUND');
        }
      } finally {
        await app.close();
      }
    } finally {
      await p.close();
    }
  });
});
