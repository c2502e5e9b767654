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
  holdToEscrow,
  isChannelPaidOrder,
  payOrderThroughChannel,
  verifyLedger,
  WechatPayChannel,
} from '../src/modules/wallet/index.ts';
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
 * S5.9b, S5.7a: money paid through WeChat Pay or Alipay goes back to where it came from — also in part.
 * Cancelling a taken channel-paid order pays the courier's compensation from the escrow and refunds the
 * rest to the channel as a partial refund; a pay change since the channel payment sends back what the
 * payment can take and the rest to the balance; channel money landing for an order already paid from the
 * balance is refunded to the channel; editing the pay of an unpaid order closes its live code so the owner
 * can pay the new amount. Against the emulator over real HTTP; the ledger's invariants hold after each step.
 */
describe('wallet: partial and duplicate refunds to the payment channel (S5.9b)', () => {
  let emu: PaymentChannelEmulator;
  let t: TestApp;
  let platformUrl = '';
  let wechat: WechatPayChannel;
  let alipay: AlipayChannel;
  let owner: FakeActor;
  let courier: FakeActor;
  let storeId: string;
  const eligible = new Set<string>();
  const BASE = Date.parse('2026-11-23T02:00:00Z');

  before(async () => {
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
        ordersModuleForTests(eligible),
        ordersTestActorModule,
      ],
    });
    platformUrl = await t.app.listen({ port: 0, host: '127.0.0.1' });
    owner = fakePerson();
    courier = fakePerson();
    eligible.add(courier.userId);
    storeId = await makeStore(t, owner);
  });
  after(async () => {
    await emu.close();
    await t.close();
  });

  const post = (who: FakeActor, url: string, payload?: object) =>
    t.app.inject({ method: 'POST', url, headers: who.headers, ...(payload ? { payload } : {}) });
  const patch = (who: FakeActor, url: string, payload: object) => t.app.inject({ method: 'PATCH', url, headers: who.headers, payload });
  const get = (who: FakeActor, url: string) => t.app.inject({ method: 'GET', url, headers: who.headers });
  const ledgerOk = async () => assert.deepEqual((await verifyLedger(t.p.db)).violations, []);
  const available = async (userId: string) => (await getBalances(t.p.db, userId)).availableFen;
  const settle = async () => {
    for (let i = 0; i < 3; i++) {
      await t.p.jobs.drain();
      await emu.runDue();
    }
  };
  const refundsOf = (orderId: string) =>
    t.p.db.selectFrom('wallet_refunds').selectAll().where('order_id', '=', orderId).orderBy('created_at').execute();
  const newOrder = async (payFen: number) => {
    const r = await postOrder(t, owner, storeId, { payFen });
    assert.equal(r.statusCode, 201, r.body);
    return r.json().id as string;
  };
  /** Posts an order and pays it through the channel; returns the order and its payment. */
  const channelPaid = async (payFen: number, channel: 'wechat' | 'alipay') => {
    const id = await newOrder(payFen);
    const pay = (await post(owner, `/api/v1/orders/${id}/pay/channel`, { channel })).json();
    if (channel === 'wechat') await emu.pay(pay.outTradeNo);
    else await emu.alipay.pay(pay.outTradeNo);
    await settle();
    assert.equal((await get(owner, `/api/v1/orders/${id}`)).json().status, 'published');
    assert.equal(await isChannelPaidOrder(t.p.db, id), true);
    return { id, pay: pay as { outTradeNo: string; id: string } };
  };
  const take = async (id: string) => {
    const r = await post(courier, `/api/v1/orders/${id}/take`);
    assert.equal(r.statusCode, 200, r.body);
  };
  const cancel = async (id: string) => {
    const r = await post(owner, `/api/v1/orders/${id}/cancel`, { reason: '店里有人了' });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.json().status, 'cancelled');
  };

  it('S5.9b, S5.7a: cancelling a taken WeChat-paid order pays the courier its compensation from the escrow and refunds the rest to WeChat Pay as a partial refund; the owner’s balance is untouched', async () => {
    const { id, pay } = await channelPaid(24_000, 'wechat');
    await take(id);
    const [ownerBefore, courierBefore] = [await available(owner.userId), await available(courier.userId)];
    await cancel(id);
    await settle();
    // 10 % of the pay before the cutoff goes to the courier; 90 % back to the channel.
    assert.equal(await available(courier.userId), courierBefore + 2_400);
    assert.equal(await available(owner.userId), ownerBefore);
    assert.equal((await findHold(t.p.db, 'escrow', id))?.status, 'voided');
    const refunds = await refundsOf(id);
    assert.deepEqual(
      refunds.map((r) => [r.amount_fen, r.status, r.channel, r.out_refund_no]),
      [[21_600, 'success', 'wechat', `RF${pay.outTradeNo.slice(2)}`]],
    );
    // At the channel: a refund of 216.00 of a 240.00 payment, confirmed by its signed callback.
    assert.deepEqual(await wechat.queryRefund({ outTradeNo: pay.outTradeNo, outRefundNo: refunds[0]!.out_refund_no }), {
      status: 'success',
      amountFen: 21_600,
    });
    assert.equal((await wechat.queryPayment(pay.outTradeNo)).state, 'refunded');
    const told = await notificationsFor(t, owner.userId);
    assert.ok(told.some((n) => n.title.en === 'Order refund in progress' && n.params?.amount === '216.00'));
    assert.ok(told.some((n) => n.title.en === 'Refund completed' && n.params?.amount === '216.00' && n.params?.channelEn === 'WeChat Pay'));
    await ledgerOk();
  });

  it('S5.9b, S5.7a: the same through Alipay — alipay.trade.refund with refund_amount below the total and its own out_request_no; the refund notify is answered and the trade stays paid', async () => {
    const { id, pay } = await channelPaid(30_000, 'alipay');
    await take(id);
    const ownerBefore = await available(owner.userId);
    const notifiesBefore = emu.alipay.notifications.length;
    await cancel(id);
    await settle();
    assert.equal(await available(owner.userId), ownerBefore);
    const [refund] = await refundsOf(id);
    assert.deepEqual([refund!.amount_fen, refund!.status, refund!.channel], [27_000, 'success', 'alipay']);
    assert.deepEqual(await alipay.queryRefund({ outTradeNo: pay.outTradeNo, outRefundNo: refund!.out_refund_no }), {
      status: 'success',
      amountFen: 27_000,
    });
    assert.equal((await alipay.queryPayment(pay.outTradeNo)).state, 'paid', 'a partial refund leaves the Alipay trade TRADE_SUCCESS');
    const refundNotify = emu.alipay.notifications
      .slice(notifiesBefore)
      .find((n) => new URLSearchParams(n.body).get('out_biz_no') === refund!.out_refund_no);
    assert.equal(refundNotify?.answer, 'success', 'the refund notify is verified and answered');
    await ledgerOk();
  });

  it('S5.9b, S5.7a: a pay raise after the channel payment — cancelling refunds the paid amount to the channel and the raise to the balance; a pay cut, then a taken cancellation — the channel gets what is left after compensation', async () => {
    // Raised from 200 to 250 (50 from the balance), then cancelled while published: 200 → WeChat, 50 → balance.
    const a = await channelPaid(20_000, 'wechat');
    await fund(t, owner.userId, 5_000);
    const start = await available(owner.userId);
    assert.equal((await patch(owner, `/api/v1/orders/${a.id}`, { payFen: 25_000 })).statusCode, 200);
    assert.equal(await available(owner.userId), start - 5_000);
    await cancel(a.id);
    await settle();
    assert.equal(await available(owner.userId), start);
    assert.deepEqual(
      (await refundsOf(a.id)).map((r) => [r.amount_fen, r.status]),
      [[20_000, 'success']],
    );
    await ledgerOk();

    // Cut from 300 to 260 (40 to the balance), taken, cancelled: 26 to the courier, 234 (≤ 300 paid) → WeChat.
    const b = await channelPaid(30_000, 'wechat');
    const before = await available(owner.userId);
    assert.equal((await patch(owner, `/api/v1/orders/${b.id}`, { payFen: 26_000 })).statusCode, 200);
    assert.equal(await available(owner.userId), before + 4_000);
    await take(b.id);
    const courierBefore = await available(courier.userId);
    await cancel(b.id);
    await settle();
    assert.equal(await available(courier.userId), courierBefore + 2_600);
    assert.equal(await available(owner.userId), before + 4_000);
    const [refund] = await refundsOf(b.id);
    assert.deepEqual([refund!.amount_fen, refund!.status], [23_400, 'success']);
    assert.equal((await wechat.queryRefund({ outTradeNo: b.pay.outTradeNo, outRefundNo: refund!.out_refund_no })).amountFen, 23_400);
    await ledgerOk();
  });

  it('S5.9b: channel money landing for an order already paid from the balance is refunded to the channel, never kept on the balance, and the owner is told', async () => {
    const id = await newOrder(21_000);
    const code = (await post(owner, `/api/v1/orders/${id}/pay/channel`, { channel: 'wechat' })).json();
    await fund(t, owner.userId, 21_000);
    const before = await available(owner.userId);
    // The channel cannot be reached as the balance payment tries to close the code: the balance pays.
    emu.setSwitches({ failNext: 1 });
    const paid = await post(owner, `/api/v1/orders/${id}/pay`);
    assert.equal(paid.statusCode, 200, paid.body);
    assert.equal(paid.json().status, 'published');
    assert.equal(await available(owner.userId), before - 21_000);
    // The payer then pays the open code on the phone.
    await emu.pay(code.outTradeNo);
    await settle();
    assert.equal(await available(owner.userId), before - 21_000, 'not credited to the balance');
    const hold = await findHold(t.p.db, 'escrow', id);
    assert.deepEqual([hold?.status, hold?.amountFen], ['pending', 21_000]);
    assert.equal(await isChannelPaidOrder(t.p.db, id), false, 'the escrow came from the balance');
    const [refund] = await refundsOf(id);
    assert.deepEqual([refund!.amount_fen, refund!.status, refund!.payment_id], [21_000, 'success', code.id]);
    assert.equal((await wechat.queryPayment(code.outTradeNo)).state, 'refunded');
    const told = await notificationsFor(t, owner.userId);
    assert.ok(told.some((n) => n.title.en === 'Duplicate payment being refunded' && n.params?.amount === '210.00'));
    await ledgerOk();
    // The order goes on normally: cancelling it refunds the balance-paid escrow to the balance.
    await cancel(id);
    assert.equal(await available(owner.userId), before);
    assert.equal((await refundsOf(id)).length, 1);
    await ledgerOk();
  });

  it('S5.9b: the same at the wallet level through Alipay — a payment confirmed after the escrow was held another way goes back through alipay.trade.refund', async () => {
    const id = await newOrder(18_300);
    const code = await payOrderThroughChannel(t.p, { orderId: id, payerId: owner.userId, amountFen: 18_300, channel: 'alipay' });
    await fund(t, owner.userId, 18_300);
    await t.p.db.transaction().execute((tx) => holdToEscrow(t.p, tx, { orderId: id, payerId: owner.userId, amountFen: 18_300 }));
    const before = await available(owner.userId);
    await emu.alipay.pay(code.outTradeNo);
    await settle();
    assert.equal(await available(owner.userId), before);
    const [refund] = await refundsOf(id);
    assert.deepEqual([refund!.amount_fen, refund!.status, refund!.channel], [18_300, 'success', 'alipay']);
    assert.equal((await alipay.queryPayment(code.outTradeNo)).state, 'closed', 'refunded in full, the Alipay trade closes');
    await ledgerOk();
  });

  it('S5.9b: editing the pay of an unpaid order while its code is live — the next channel request closes the old code and starts one for the new amount; switching channel does the same', async () => {
    const id = await newOrder(20_000);
    const first = (await post(owner, `/api/v1/orders/${id}/pay/channel`, { channel: 'wechat' })).json();
    assert.equal((await patch(owner, `/api/v1/orders/${id}`, { payFen: 22_000 })).statusCode, 200);
    const second = await post(owner, `/api/v1/orders/${id}/pay/channel`, { channel: 'wechat' });
    assert.equal(second.statusCode, 200, second.body);
    assert.equal(second.json().amountFen, 22_000);
    assert.notEqual(second.json().outTradeNo, first.outTradeNo);
    assert.equal((await wechat.queryPayment(first.outTradeNo)).state, 'closed');
    await assert.rejects(emu.pay(first.outTradeNo));
    // The owner picks Alipay instead: the WeChat code is closed too.
    const third = await post(owner, `/api/v1/orders/${id}/pay/channel`, { channel: 'alipay' });
    assert.equal(third.statusCode, 200, third.body);
    assert.deepEqual([third.json().channel, third.json().amountFen], ['alipay', 22_000]);
    assert.equal((await wechat.queryPayment(second.json().outTradeNo)).state, 'closed');
    // Asking again without a change returns the same code.
    assert.equal((await post(owner, `/api/v1/orders/${id}/pay/channel`, { channel: 'alipay' })).json().id, third.json().id);
    await emu.alipay.pay(third.json().outTradeNo);
    await settle();
    assert.equal((await get(owner, `/api/v1/orders/${id}`)).json().status, 'published');
    assert.equal((await findHold(t.p.db, 'escrow', id))?.amountFen, 22_000);
    await ledgerOk();
  });

  it('S5.9b: a code made before a pay change and paid anyway cannot publish the order at the old amount — the money goes back to the channel and the owner is told', async () => {
    const id = await newOrder(20_000);
    const code = (await post(owner, `/api/v1/orders/${id}/pay/channel`, { channel: 'wechat' })).json();
    assert.equal((await patch(owner, `/api/v1/orders/${id}`, { payFen: 21_000 })).statusCode, 200);
    const before = await available(owner.userId);
    await emu.pay(code.outTradeNo);
    await settle();
    assert.equal((await get(owner, `/api/v1/orders/${id}`)).json().status, 'pending_payment');
    assert.equal((await findHold(t.p.db, 'escrow', id))?.status, 'voided');
    const [refund] = await refundsOf(id);
    assert.deepEqual([refund!.amount_fen, refund!.status], [20_000, 'success']);
    assert.equal(await available(owner.userId), before);
    const told = await notificationsFor(t, owner.userId);
    assert.ok(
      told.some((n) => n.title.en === 'Payment for order {orderNo} is being refunded' && n.params?.statusEn === 'its pay was changed'),
    );
    await ledgerOk();
  });

  it('S5.9b: a channel that refuses a refund (over-refunding) leaves it failed for finance; the money stays in the channel clearing account, nothing is lost', async () => {
    const { id, pay } = await channelPaid(16_000, 'wechat');
    // Someone refunded 155.00 of it at the channel directly (outside the platform): only 5.00 is left there.
    const res = await wechat.refund({
      outTradeNo: pay.outTradeNo,
      outRefundNo: 'MANUAL-1',
      amountFen: 15_500,
      totalFen: 16_000,
      reason: 'x',
    });
    assert.equal(res.status, 'processing');
    await emu.runDue();
    await cancel(id);
    await settle();
    const [refund] = await refundsOf(id);
    assert.deepEqual([refund!.amount_fen, refund!.status], [16_000, 'failed']);
    await ledgerOk();
  });
});
