import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from './helpers.ts';
import { TEST_ENV } from './factories.ts';
import { modules } from '../src/modules/index.ts';
import { findHold, verifyLedger } from '../src/modules/wallet/index.ts';
import {
  balance,
  fakePerson,
  fund,
  makeStore,
  ordersModuleForTests,
  ordersTestActorModule,
  publishOrder,
  type FakeActor,
} from './orders-fixtures.ts';

/**
 * S5.7a: changing the pay of a paid order. Before it is taken the owner changes it directly and the
 * difference moves between the owner's balance and the order's escrow in the same transaction; after it
 * is taken the owner proposes it and the money moves when the courier consents. The ledger's invariants
 * hold throughout (escrow = pending hold, no overdraft, balanced transfers).
 */
describe('orders: changing the pay of a paid order (S5.7a)', () => {
  let t: TestApp;
  const eligible = new Set<string>();
  let owner: FakeActor;
  let courier: FakeActor;
  let storeId: string;

  before(async () => {
    t = await createTestApp({
      env: TEST_ENV,
      now: '2026-11-23T02:00:00Z',
      modules: [...modules.filter((m) => m.name !== 'orders'), ordersModuleForTests(eligible), ordersTestActorModule],
    });
    owner = fakePerson();
    courier = fakePerson();
    eligible.add(courier.userId);
    storeId = await makeStore(t, owner);
  });
  after(async () => t.close());

  const patch = (who: FakeActor, id: string, payload: unknown) =>
    t.app.inject({ method: 'PATCH', url: `/api/v1/orders/${id}`, headers: who.headers, payload: payload as object });
  const post = (who: FakeActor, url: string, payload?: unknown) =>
    t.app.inject({ method: 'POST', url, headers: who.headers, ...(payload ? { payload: payload as object } : {}) });
  const escrowOf = async (id: string) => (await findHold(t.p.db, 'escrow', id))!;
  const ledgerOk = async () => assert.deepEqual((await verifyLedger(t.p.db)).violations, []);

  it('S5.7a: before it is taken, raising the pay charges the difference to escrow and lowering refunds it; a raise the balance cannot cover changes nothing', async () => {
    const id = await publishOrder(t, owner, storeId); // 240.00 escrowed
    await fund(t, owner.userId, 5_000);
    const start = await balance(t, owner.userId);

    const up = await patch(owner, id, { payFen: 28_000 });
    assert.equal(up.statusCode, 200, up.body);
    assert.equal(up.json().payFen, 28_000);
    assert.equal(await balance(t, owner.userId), start - 4_000);
    assert.equal(Number((await escrowOf(id)).amountFen), 28_000);
    // The same change again moves nothing (idempotent in effect).
    assert.equal((await patch(owner, id, { payFen: 28_000 })).statusCode, 200);
    assert.equal(await balance(t, owner.userId), start - 4_000);

    const down = await patch(owner, id, { payFen: 20_000 });
    assert.equal(down.statusCode, 200, down.body);
    assert.equal(await balance(t, owner.userId), start + 4_000);
    assert.equal(Number((await escrowOf(id)).amountFen), 20_000);

    const tooMuch = await patch(owner, id, { payFen: 20_000 + start + 4_000 + 1 });
    assert.equal(tooMuch.statusCode, 409, tooMuch.body);
    assert.equal(tooMuch.json().code, 'INSUFFICIENT_FUNDS');
    assert.equal(Number((await escrowOf(id)).amountFen), 20_000, 'nothing moved');
    assert.equal((await t.app.inject({ method: 'GET', url: `/api/v1/orders/${id}`, headers: owner.headers })).json().payFen, 20_000);
    // Below the published floor: its own code, nothing moved.
    const low = await patch(owner, id, { payFen: 100 });
    assert.equal(low.json().code, 'ORDER_PAY_BELOW_FLOOR');
    // The timeline records the change with the amounts.
    const events = await t.p.db
      .selectFrom('order_events')
      .select(['action', 'data'])
      .where('order_id', '=', id)
      .where('action', '=', 'edit')
      .execute();
    assert.ok(events.some((e) => JSON.stringify(e.data).includes('escrowDeltaFen')));

    // Cancelling refunds what is escrowed now (the new pay), whole.
    const beforeCancel = await balance(t, owner.userId);
    assert.equal((await post(owner, `/api/v1/orders/${id}/cancel`, { reason: 'test' })).statusCode, 200);
    assert.equal(await balance(t, owner.userId), beforeCancel + 20_000);
    await ledgerOk();
  });

  it('S5.7a: after it is taken, a pay change needs the courier’s consent; accepting moves the difference, declining moves nothing', async () => {
    const id = await publishOrder(t, owner, storeId);
    assert.equal((await post(courier, `/api/v1/orders/${id}/take`)).statusCode, 200);
    const direct = await patch(owner, id, { payFen: 30_000 });
    assert.equal(direct.json().code, 'ORDER_CHANGE_NEEDS_CONSENT');

    const empty = await post(owner, `/api/v1/orders/${id}/change-requests`, { payFen: 24_000 });
    assert.equal(empty.json().code, 'ORDER_CHANGE_EMPTY');
    const broke = await post(owner, `/api/v1/orders/${id}/change-requests`, { payFen: 24_000 + (await balance(t, owner.userId)) + 1 });
    assert.equal(broke.json().code, 'INSUFFICIENT_FUNDS', 'a raise the owner cannot cover is refused before asking the courier');

    await fund(t, owner.userId, 6_000);
    const ownerBefore = await balance(t, owner.userId);
    const proposed = await post(owner, `/api/v1/orders/${id}/change-requests`, { payFen: 30_000, note: '件量增加' });
    assert.equal(proposed.statusCode, 201, proposed.body);
    assert.equal(proposed.json().payFen, 30_000);
    assert.equal(await balance(t, owner.userId), ownerBefore, 'nothing moves before the courier consents');
    // The courier sees it; nobody else does.
    const seen = await t.app.inject({ method: 'GET', url: `/api/v1/orders/${id}/change-requests`, headers: courier.headers });
    assert.equal(seen.json().items[0].status, 'pending');
    const stranger = await t.app.inject({ method: 'GET', url: `/api/v1/orders/${id}/change-requests`, headers: fakePerson().headers });
    assert.equal(stranger.statusCode, 404);

    const ok = await post(courier, `/api/v1/orders/${id}/change-requests/${proposed.json().id}/accept`);
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(await balance(t, owner.userId), ownerBefore - 6_000);
    assert.equal(Number((await escrowOf(id)).amountFen), 30_000);
    assert.equal((await t.app.inject({ method: 'GET', url: `/api/v1/orders/${id}`, headers: courier.headers })).json().payFen, 30_000);
    // Accepting again is refused and moves nothing.
    assert.equal(
      (await post(courier, `/api/v1/orders/${id}/change-requests/${proposed.json().id}/accept`)).json().code,
      'ORDER_CHANGE_NOT_PENDING',
    );
    assert.equal(await balance(t, owner.userId), ownerBefore - 6_000);

    const cut = await post(owner, `/api/v1/orders/${id}/change-requests`, { payFen: 25_000 });
    assert.equal(cut.statusCode, 201, cut.body);
    assert.equal((await post(courier, `/api/v1/orders/${id}/change-requests/${cut.json().id}/decline`)).statusCode, 200);
    assert.equal(Number((await escrowOf(id)).amountFen), 30_000, 'declined: nothing moved');
    await ledgerOk();
  });
});
