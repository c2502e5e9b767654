import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from './helpers.ts';
import { TEST_ENV } from './factories.ts';
import { modules } from '../src/modules/index.ts';
import {
  AlipayChannel,
  createWalletModule,
  findHold,
  getBalances,
  isChannelPaidOrder,
  verifyLedger,
  WechatPayChannel,
} from '../src/modules/wallet/index.ts';
import { runSweeps } from '../src/modules/orders/service.ts';
import { platformPorts } from '../src/modules/orders/ports.ts';
import { createPaymentChannelEmulator, type PaymentChannelEmulator } from '../../emulators/payment-channel/src/server.ts';
import {
  fakePerson,
  fund,
  makeStore,
  notificationsFor,
  ordersModuleForTests,
  ordersTestActorModule,
  postOrder,
  type FakeActor,
} from './orders-fixtures.ts';

/**
 * S5.5b, S5.9b: the owner pays an order through WeChat Pay or Alipay (the emulator over real HTTP); the
 * money lands in the order's escrow and the channel's signed confirmation publishes the order once. Money
 * that lands for an order closed at its deadline goes back to the channel; an order closed unpaid has its
 * channel trade closed so it cannot be paid. The ledger's invariants hold after each step.
 */
describe('orders: paying an order through a payment channel (S5.5b, S5.9b)', () => {
  let emu: PaymentChannelEmulator;
  let t: TestApp;
  let platformUrl = '';
  let wechat: WechatPayChannel;
  let alipay: AlipayChannel;
  let owner: FakeActor;
  let storeId: string;
  const BASE = Date.parse('2026-11-23T02:00:00Z');

  before(async () => {
    // The channel's clock follows the platform's manual clock (signatures carry timestamps).
    emu = createPaymentChannelEmulator({ autoRun: false, now: () => (t ? t.clock.now().getTime() : BASE) });
    await emu.listen();
    t = await createTestApp({
      env: TEST_ENV,
      now: new Date(BASE),
      modules: [
        ...modules.filter((m) => m.name !== 'orders' && m.name !== 'wallet'),
        createWalletModule({
          channels: (p) => [
            (wechat = new WechatPayChannel({ ...emu.credentials, baseUrl: emu.url, now: () => p.clock.now().getTime() })),
            (alipay = new AlipayChannel({
              appId: '2021000000000001',
              appPrivateKeyPem: emu.credentials.merchantPrivateKeyPem,
              alipayPublicKeyPem: emu.credentials.platformCertificatePem,
              gatewayUrl: `${emu.url}/alipay/gateway.do`,
              now: () => p.clock.now().getTime(),
            })),
          ],
          notifyBaseUrl: () => platformUrl,
        }),
        ordersModuleForTests(new Set()),
        ordersTestActorModule,
      ],
    });
    platformUrl = await t.app.listen({ port: 0, host: '127.0.0.1' });
    owner = fakePerson();
    storeId = await makeStore(t, owner);
  });
  after(async () => {
    await emu.close();
    await t.close();
  });

  const post = (who: FakeActor, url: string, payload?: object) =>
    t.app.inject({ method: 'POST', url, headers: who.headers, ...(payload ? { payload } : {}) });
  const get = (who: FakeActor, url: string) => t.app.inject({ method: 'GET', url, headers: who.headers });
  const ledgerOk = async () => assert.deepEqual((await verifyLedger(t.p.db)).violations, []);
  const newOrder = async (payFen = 24_000) => {
    const r = await postOrder(t, owner, storeId, { payFen });
    assert.equal(r.statusCode, 201, r.body);
    return r.json().id as string;
  };
  const orderEvents = (id: string) =>
    t.p.db.selectFrom('order_events').select(['action']).where('order_id', '=', id).orderBy('at').execute();

  it('S5.9b: only the owner may pay through a channel, with an enabled channel, before the deadline; one live payment per order', async () => {
    const id = await newOrder();
    const stranger = fakePerson();
    assert.equal((await post(stranger, `/api/v1/orders/${id}/pay/channel`, {})).statusCode, 404);
    const courierOnly = fakePerson(['orders:take']);
    assert.equal((await post(courierOnly, `/api/v1/orders/${id}/pay/channel`, {})).statusCode, 403);
    const bad = await post(owner, `/api/v1/orders/${id}/pay/channel`, { channel: 'unionpay' });
    assert.equal(bad.statusCode, 503, bad.body);
    assert.equal(bad.json().code, 'PAYMENT_CHANNEL_UNAVAILABLE');
    const r = await post(owner, `/api/v1/orders/${id}/pay/channel`, {});
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual([r.json().channel, r.json().amountFen, r.json().status, r.json().orderId], ['wechat', 24_000, 'pending', id]);
    assert.match(r.json().codeUrl, /^weixin:\/\//);
    assert.ok(r.json().payUrl);
    assert.equal((await post(owner, `/api/v1/orders/${id}/pay/channel`, {})).json().id, r.json().id);
    // Past payBefore: refused like a balance payment.
    t.clock.advance(16 * 60_000);
    const late = await post(owner, `/api/v1/orders/${id}/pay/channel`, {});
    assert.equal(late.statusCode, 409, late.body);
    assert.equal(late.json().code, 'ORDER_PAYMENT_DEADLINE_PASSED');
  });

  it('S5.5b, S5.9b: paid through WeChat Pay — duplicate signed callbacks publish the order once; the escrow came from the channel, not the balance', async () => {
    const id = await newOrder(24_000);
    const pay = (await post(owner, `/api/v1/orders/${id}/pay/channel`, { channel: 'wechat' })).json();
    const before = (await getBalances(t.p.db, owner.userId)).availableFen;
    emu.setSwitches({ duplicateCallbacks: true });
    try {
      await emu.pay(pay.outTradeNo);
      await emu.runDue();
    } finally {
      emu.setSwitches({ duplicateCallbacks: false });
    }
    await t.p.jobs.drain();
    const order = (await get(owner, `/api/v1/orders/${id}`)).json();
    assert.equal(order.status, 'published');
    assert.deepEqual(
      (await orderEvents(id)).map((e) => e.action),
      ['post', 'pay'],
    );
    assert.deepEqual(
      [(await findHold(t.p.db, 'escrow', id))?.status, (await findHold(t.p.db, 'escrow', id))?.amountFen],
      ['pending', 24_000],
    );
    assert.equal(await isChannelPaidOrder(t.p.db, id), true);
    assert.equal((await getBalances(t.p.db, owner.userId)).availableFen, before);
    // A balance payment after the channel paid is refused; nothing is charged twice.
    await fund(t, owner.userId, 24_000);
    const again = await post(owner, `/api/v1/orders/${id}/pay`);
    assert.equal(again.statusCode, 409, again.body);
    assert.equal((await getBalances(t.p.db, owner.userId)).availableFen, before + 24_000);
    await ledgerOk();
  });

  it('S5.5b, S5.9b: paid through Alipay — the signed notify publishes the order', async () => {
    const id = await newOrder(18_800);
    const r = await post(owner, `/api/v1/orders/${id}/pay/channel`, { channel: 'alipay' });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.json().channel, 'alipay');
    const page = await fetch(r.json().payUrl);
    assert.match(await page.text(), /¥188\.00/);
    await emu.alipay.pay(r.json().outTradeNo);
    await t.p.jobs.drain();
    assert.equal((await get(owner, `/api/v1/orders/${id}`)).json().status, 'published');
    assert.equal((await alipay.queryPayment(r.json().outTradeNo)).state, 'paid');
    await ledgerOk();
  });

  it('S5.5b: an order closed unpaid at its deadline has its live channel trade closed, so it can no longer be paid', async () => {
    const id = await newOrder();
    const pay = (await post(owner, `/api/v1/orders/${id}/pay/channel`, {})).json();
    t.clock.advance(16 * 60_000);
    await runSweeps({ p: t.p, ports: platformPorts });
    await t.p.jobs.drain();
    assert.equal((await get(owner, `/api/v1/orders/${id}`)).json().status, 'closed');
    assert.equal((await wechat.queryPayment(pay.outTradeNo)).state, 'closed');
    const stored = await t.p.db.selectFrom('wallet_payments').select('status').where('id', '=', pay.id).executeTakeFirstOrThrow();
    assert.equal(stored.status, 'closed');
    await assert.rejects(emu.pay(pay.outTradeNo));
    assert.equal(await findHold(t.p.db, 'escrow', id), undefined);
    await ledgerOk();
  });

  it('S5.5b, S5.9b: money that lands after the order closed at its deadline is refunded to the channel — never published, never kept — and the owner is told', async () => {
    // The code is made a minute before payBefore: the channel's 15 minutes outlast the order's deadline.
    const id = await newOrder(21_000);
    t.clock.advance(14 * 60_000);
    const pay = (await post(owner, `/api/v1/orders/${id}/pay/channel`, {})).json();
    const before = (await getBalances(t.p.db, owner.userId)).availableFen;
    t.clock.advance(2 * 60_000);
    // The sweep closes the order; the payer pays on the channel before its trade is closed.
    await runSweeps({ p: t.p, ports: platformPorts });
    await emu.pay(pay.outTradeNo);
    await emu.runDue();
    await t.p.jobs.drain();
    await emu.runDue();
    await t.p.jobs.drain();
    assert.equal((await get(owner, `/api/v1/orders/${id}`)).json().status, 'closed');
    assert.deepEqual(
      (await orderEvents(id)).map((e) => e.action),
      ['post', 'close_unpaid'],
    );
    assert.equal((await findHold(t.p.db, 'escrow', id))?.status, 'voided');
    const refund = await t.p.db.selectFrom('wallet_refunds').selectAll().where('order_id', '=', id).executeTakeFirstOrThrow();
    assert.deepEqual([refund.amount_fen, refund.status, refund.channel], [21_000, 'success', 'wechat']);
    assert.equal((await wechat.queryPayment(pay.outTradeNo)).state, 'refunded');
    assert.equal((await getBalances(t.p.db, owner.userId)).availableFen, before);
    const told = await notificationsFor(t, owner.userId);
    assert.ok(told.some((n) => n.title.en === 'Payment for order {orderNo} is being refunded' && n.params?.amount === '210.00'));
    await ledgerOk();
  });

  it('S5.9b: a channel payment confirmed for a cancelled unpaid order is refunded to the channel', async () => {
    const id = await newOrder(19_900);
    const pay = (await post(owner, `/api/v1/orders/${id}/pay/channel`, { channel: 'alipay' })).json();
    const c = await post(owner, `/api/v1/orders/${id}/cancel`, { reason: '不需要了' });
    assert.equal(c.statusCode, 200, c.body);
    await emu.alipay.pay(pay.outTradeNo);
    await t.p.jobs.drain();
    await emu.runDue();
    await t.p.jobs.drain();
    assert.equal((await get(owner, `/api/v1/orders/${id}`)).json().status, 'cancelled');
    assert.equal((await findHold(t.p.db, 'escrow', id))?.status, 'voided');
    const refund = await t.p.db.selectFrom('wallet_refunds').selectAll().where('order_id', '=', id).executeTakeFirstOrThrow();
    assert.equal(refund.amount_fen, 19_900);
    assert.ok(['processing', 'success'].includes(refund.status));
    await ledgerOk();
  });
  it('S5.9b: cancelling an order paid through a channel refunds it to the channel, not to the wallet balance', async () => {
    const id = await newOrder(23_300);
    const pay = (await post(owner, `/api/v1/orders/${id}/pay/channel`, { channel: 'wechat' })).json();
    await emu.pay(pay.outTradeNo);
    await emu.runDue();
    await t.p.jobs.drain();
    assert.equal((await get(owner, `/api/v1/orders/${id}`)).json().status, 'published');
    const before = (await getBalances(t.p.db, owner.userId)).availableFen;
    const c = await post(owner, `/api/v1/orders/${id}/cancel`, { reason: '店里有人了' });
    assert.equal(c.statusCode, 200, c.body);
    assert.equal(c.json().status, 'cancelled');
    await t.p.jobs.drain();
    await emu.runDue();
    await t.p.jobs.drain();
    assert.equal((await findHold(t.p.db, 'escrow', id))?.status, 'voided');
    assert.equal((await getBalances(t.p.db, owner.userId)).availableFen, before);
    const refund = await t.p.db.selectFrom('wallet_refunds').selectAll().where('order_id', '=', id).executeTakeFirstOrThrow();
    assert.deepEqual([refund.amount_fen, refund.status], [23_300, 'success']);
    assert.equal((await wechat.queryPayment(pay.outTradeNo)).state, 'refunded');
    await ledgerOk();
  });
  it('S5.9b: paying from the balance closes the live channel payment first; money paid on the channel a moment before wins and the balance is not charged', async () => {
    // The owner opened a QR code, then pays from the balance: the code is closed, the balance pays.
    const a = await newOrder(20_000);
    const codeA = (await post(owner, `/api/v1/orders/${a}/pay/channel`, {})).json();
    await fund(t, owner.userId, 20_000);
    const start = (await getBalances(t.p.db, owner.userId)).availableFen;
    const paid = await post(owner, `/api/v1/orders/${a}/pay`);
    assert.equal(paid.statusCode, 200, paid.body);
    assert.equal(paid.json().status, 'published');
    assert.equal((await wechat.queryPayment(codeA.outTradeNo)).state, 'closed');
    await assert.rejects(emu.pay(codeA.outTradeNo));
    assert.equal((await getBalances(t.p.db, owner.userId)).availableFen, start - 20_000);

    // Paid on the channel, its callback not yet delivered: the balance payment finds it, and is refused.
    const b = await newOrder(20_000);
    const codeB = (await post(owner, `/api/v1/orders/${b}/pay/channel`, {})).json();
    await fund(t, owner.userId, 20_000);
    const before = (await getBalances(t.p.db, owner.userId)).availableFen;
    await emu.pay(codeB.outTradeNo);
    const refused = await post(owner, `/api/v1/orders/${b}/pay`);
    assert.equal(refused.statusCode, 409, refused.body);
    await emu.runDue();
    await t.p.jobs.drain();
    assert.equal((await get(owner, `/api/v1/orders/${b}`)).json().status, 'published');
    assert.equal((await getBalances(t.p.db, owner.userId)).availableFen, before);
    assert.equal((await findHold(t.p.db, 'escrow', b))?.amountFen, 20_000);
    await ledgerOk();
  });
});
