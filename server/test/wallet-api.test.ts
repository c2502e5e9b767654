import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from './helpers.ts';
import { registerUser, TEST_ENV, type TestUser } from './factories.ts';
import { newId } from '../src/platform/ids.ts';
import type { Tx } from '../src/platform/db.ts';
import { accountsModule } from '../src/modules/accounts/index.ts';
import { messagesModule } from '../src/modules/messages/index.ts';
import * as wallet from '../src/modules/wallet/index.ts';

/** The wallet API as its owner sees it, with real accounts and sessions. */
describe('wallet API', () => {
  let t: TestApp;
  let alice: TestUser;
  let bob: TestUser;
  before(async () => {
    t = await createTestApp({ modules: [accountsModule, messagesModule, wallet.walletModule], env: TEST_ENV });
    alice = await registerUser(t);
    bob = await registerUser(t);
  });
  after(async () => t.close());

  const run = <T>(f: (tx: Tx) => Promise<T>) => t.p.db.transaction().execute(f);
  const get = (u: TestUser | undefined, url: string, lang = 'zh-CN') =>
    t.app.inject({ method: 'GET', url, headers: { ...(u?.headers ?? {}), 'accept-language': lang } });

  it('S5.9a: the balance shows available and held money; anonymous callers are refused', async () => {
    const empty = await get(alice, '/api/v1/wallet');
    assert.equal(empty.statusCode, 200, empty.body);
    assert.deepEqual(empty.json(), { currency: 'CNY', availableFen: 0, heldFen: 0, totalFen: 0, pendingPayouts: 0 });
    await run((tx) => wallet.creditTopUp(t.p, tx, { userId: alice.userId, channel: 'wechat', channelTradeNo: 'A-1', amountFen: 50_000 }));
    await run((tx) => wallet.holdForPayout(t.p, tx, { payoutId: newId(), userId: alice.userId, amountFen: 10_000, feeFen: 0 }));
    const r = await get(alice, '/api/v1/wallet');
    assert.deepEqual(r.json(), { currency: 'CNY', availableFen: 40_000, heldFen: 10_000, totalFen: 50_000, pendingPayouts: 1 });
    const anon = await get(undefined, '/api/v1/wallet');
    assert.equal(anon.statusCode, 401);
    assert.equal(anon.json().code, 'UNAUTHENTICATED');
  });

  it("S5.9a: transactions list only the caller's own movements, newest first, filtered and paginated", async () => {
    for (let i = 0; i < 5; i++) {
      await run((tx) =>
        wallet.creditTopUp(t.p, tx, { userId: bob.userId, channel: 'wechat', channelTradeNo: `B-${i}`, amountFen: 1_000 + i }),
      );
    }
    const order = newId();
    await run((tx) => wallet.holdToEscrow(t.p, tx, { orderId: order, payerId: bob.userId, amountFen: 3_000 }));

    const first = await get(bob, '/api/v1/wallet/transactions?limit=4');
    assert.equal(first.statusCode, 200, first.body);
    const page1 = first.json();
    assert.equal(page1.items.length, 4);
    assert.equal(page1.items[0].kind, 'escrow_hold');
    assert.equal(page1.items[0].label, '订单支付（资金托管）');
    assert.equal(page1.items[0].amountFen, -3_000);
    assert.equal(page1.items[0].orderId, order);
    assert.equal(page1.items[0].balanceAfterFen, 5_010 - 3_000);
    assert.ok(page1.nextCursor);
    const second = (await get(bob, `/api/v1/wallet/transactions?limit=4&cursor=${page1.nextCursor}`)).json();
    assert.equal(second.items.length, 2);
    assert.equal(second.nextCursor, null);
    const ids = [...page1.items, ...second.items].map((x: { id: string }) => x.id);
    assert.equal(new Set(ids).size, 6);

    const topups = (await get(bob, '/api/v1/wallet/transactions?kind=topup&direction=in', 'en-US')).json();
    assert.equal(topups.items.length, 5);
    assert.equal(topups.items[0].label, 'Top-up received');
    const out = (await get(bob, '/api/v1/wallet/transactions?direction=out')).json();
    assert.equal(out.items.length, 1);
    const future = (
      await get(bob, `/api/v1/wallet/transactions?from=${encodeURIComponent(new Date(Date.now() + 86_400_000).toISOString())}`)
    ).json();
    assert.equal(future.items.length, 0);

    // Object-level: Alice never sees Bob's movements, and Bob's balance is his own.
    const aliceList = (await get(alice, '/api/v1/wallet/transactions?limit=100')).json();
    assert.ok(aliceList.items.every((x: { orderId: string | null }) => x.orderId !== order));
    assert.ok(aliceList.items.every((x: { kind: string }) => ['topup', 'payout_hold'].includes(x.kind)));
    assert.equal((await get(bob, '/api/v1/wallet')).json().availableFen, 5_010 - 3_000);

    const bad = await get(bob, '/api/v1/wallet/transactions?kind=steal');
    assert.equal(bad.statusCode, 400);
    const badCursor = await get(bob, '/api/v1/wallet/transactions?cursor=%%%');
    assert.equal(badCursor.statusCode, 400);
  });

  it('S5.8c: wallet movements reach the owner’s message center with the new balance', async () => {
    const carol = await registerUser(t);
    await run((tx) => wallet.creditTopUp(t.p, tx, { userId: carol.userId, channel: 'wechat', channelTradeNo: 'C-1', amountFen: 8_800 }));
    await t.p.jobs.drain();
    const r = await get(carol, '/api/v1/notifications?category=wallet');
    assert.equal(r.statusCode, 200, r.body);
    const items = r.json().items as { title: string; body: string }[];
    assert.equal(items.length, 1);
    assert.match(items[0]!.body, /当前可用余额 88\.00 元/);
  });

  it('S5.3b: a wallet with money or a withdrawal in flight blocks account cancellation', async () => {
    const dave = await registerUser(t);
    await run((tx) => wallet.creditTopUp(t.p, tx, { userId: dave.userId, channel: 'wechat', channelTradeNo: 'D-1', amountFen: 100 }));
    const payout = newId();
    await run((tx) => wallet.holdForPayout(t.p, tx, { payoutId: payout, userId: dave.userId, amountFen: 100, feeFen: 0 }));
    const cancel = () =>
      t.app.inject({ method: 'POST', url: '/api/v1/me/cancel', headers: dave.headers, payload: { password: dave.password } });
    const blocked = await cancel();
    assert.equal(blocked.statusCode, 409, blocked.body);
    assert.equal(blocked.json().code, 'ACCOUNT_HAS_OBLIGATIONS');
    assert.ok((blocked.json().reasons as string[]).some((x) => x.includes('Withdrawals in progress')));
    await run((tx) => wallet.settlePayout(t.p, tx, { payoutId: payout, channel: 'wechat' }));
    const ok = await cancel();
    assert.equal(ok.statusCode, 200, ok.body);
  });
});
