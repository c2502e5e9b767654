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

  it('S5.7b S5.6b: couriers watching the marketplace see an order arrive, change and leave live — taken by someone else, or withdrawn', async () => {
    const watcher = fakePerson(['orders:take']);
    const taker = fakePerson();
    eligible.add(taker.userId);
    const market = await SseReader.open(`${base}/api/v1/orders/market/events`, watcher.headers);
    const refused = await SseReader.open(`${base}/api/v1/orders/market/events`, fakePerson(['orders:post']).headers);
    try {
      assert.equal(market.status, 200);
      assert.equal(refused.status, 403, 'only couriers (orders:take) follow the marketplace');
      await market.next((e) => e.event === 'ready');
      type Change = { orderId: string; status: string; from: string };
      const change = (id: string, from: string, status: string) =>
        market.next((e) => {
          const c = e.data as Change;
          return e.event === 'market' && c.orderId === id && c.from === from && c.status === status;
        });

      // Paid → in the marketplace.
      const id = await publishOrder(t, owner, storeId);
      await t.p.jobs.drain();
      await change(id, 'pending_payment', 'published');
      // Edited while published → changed (still published).
      const edit = await t.app.inject({
        method: 'PATCH',
        url: `/api/v1/orders/${id}`,
        headers: owner.headers,
        payload: { description: '改：需熟悉极兔' },
      });
      assert.equal(edit.statusCode, 200, edit.body);
      await t.p.jobs.drain();
      await change(id, 'published', 'published');
      // Another courier takes it → it left.
      const took = await t.app.inject({ method: 'POST', url: `/api/v1/orders/${id}/take`, headers: taker.headers });
      assert.equal(took.statusCode, 200, took.body);
      await t.p.jobs.drain();
      const left = (await change(id, 'published', 'taken')).data as Change;
      assert.deepEqual(Object.keys(left).sort(), ['at', 'from', 'orderId', 'status'], 'nothing personal: no owner, courier or pay');
      // Released → back; withdrawn by the owner → left again.
      await t.app.inject({ method: 'POST', url: `/api/v1/orders/${id}/release`, headers: taker.headers });
      await t.p.jobs.drain();
      await change(id, 'taken', 'published');
      await t.app.inject({ method: 'POST', url: `/api/v1/orders/${id}/cancel`, headers: owner.headers, payload: {} });
      await t.p.jobs.drain();
      await change(id, 'published', 'cancelled');
    } finally {
      market.close();
      refused.close();
    }
  });
});
