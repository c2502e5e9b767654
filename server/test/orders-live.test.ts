import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from './helpers.ts';
import { TEST_ENV } from './factories.ts';
import { modules } from '../src/modules/index.ts';
import { SseReader } from '../src/modules/messages/sse-client.ts';
import { fakePerson, makeStore, ordersModuleForTests, ordersTestActorModule, publishOrder, type FakeActor } from './orders-fixtures.ts';

describe('orders: live status pushed to both parties', () => {
  let t: TestApp;
  let base: string;
  const eligible = new Set<string>();
  let owner: FakeActor;
  let courier: FakeActor;
  let storeId: string;

  before(async () => {
    t = await createTestApp({
      env: TEST_ENV,
      modules: [...modules.filter((m) => m.name !== 'orders'), ordersModuleForTests(eligible), ordersTestActorModule],
    });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const addr = t.app.server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    owner = fakePerson();
    courier = fakePerson();
    eligible.add(courier.userId);
    storeId = await makeStore(t, owner);
  });
  after(async () => t.close());

  it('S5.8b S5.7b: a status change reaches the owner’s and the courier’s open event streams, linking to the order', async () => {
    const id = await publishOrder(t, owner, storeId);
    await t.p.jobs.drain();
    const ownerStream = await SseReader.open(`${base}/api/v1/events`, owner.headers);
    const courierStream = await SseReader.open(`${base}/api/v1/events`, courier.headers);
    try {
      assert.equal(ownerStream.status, 200);
      assert.equal(courierStream.status, 200);
      await ownerStream.next((e) => e.event === 'unread');
      await courierStream.next((e) => e.event === 'unread');
      const took = await t.app.inject({ method: 'POST', url: `/api/v1/orders/${id}/take`, headers: courier.headers });
      assert.equal(took.statusCode, 200, took.body);
      await t.p.jobs.drain();
      for (const s of [ownerStream, courierStream]) {
        const e = await s.next(
          (e) => e.event === 'notification' && (e.data as { notification: { link: string } }).notification.link === `/orders/${id}`,
        );
        const n = (e.data as { notification: { title: string } }).notification;
        assert.match(n.title, /已接单$/);
      }
    } finally {
      ownerStream.close();
      courierStream.close();
    }
  });
});
