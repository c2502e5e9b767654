import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from './helpers.ts';
import { registerUser, TEST_ENV, type TestUser } from './factories.ts';
import { accountsModule } from '../src/modules/accounts/index.ts';
import { messagesModule } from '../src/modules/messages/index.ts';
import {
  createWalletModule,
  findHold,
  getBalances,
  isChannelPaidOrder,
  ORDER_PAYMENT_PAID,
  payOrderThroughChannel,
  reconcileDay,
  refundOrderPaymentToChannel,
  verifyLedger,
  WechatPayChannel,
} from '../src/modules/wallet/index.ts';
import { newId } from '../src/platform/ids.ts';
import { createPaymentChannelEmulator, type PaymentChannelEmulator } from '../../emulators/payment-channel/src/server.ts';

/** Paying an order through WeChat Pay straight into its escrow, and refunding it back to the channel (emulator over HTTP). */
describe('wallet: order paid through the channel into escrow, refunded to the channel', () => {
  let emu: PaymentChannelEmulator;
  let t: TestApp;
  let platformUrl = '';
  let channel: WechatPayChannel;
  let payer: TestUser;
  // 10:00 China time: the payment and its refund fall on one China-time day.
  const BASE = Date.parse('2026-11-18T02:00:00Z');

  before(async () => {
    emu = createPaymentChannelEmulator({ autoRun: false, now: () => BASE });
    await emu.listen();
    t = await createTestApp({
      env: TEST_ENV,
      now: new Date(emu.now()),
      modules: [
        accountsModule,
        messagesModule,
        createWalletModule({
          channel: (p) => (channel = new WechatPayChannel({ ...emu.credentials, baseUrl: emu.url, now: () => p.clock.now().getTime() })),
          notifyBaseUrl: () => platformUrl,
        }),
      ],
    });
    platformUrl = await t.app.listen({ port: 0, host: '127.0.0.1' });
    payer = await registerUser(t);
  });
  after(async () => {
    await emu.close();
    await t.close();
  });

  it('S5.9b, S5.9c: the channel payment lands in the order’s escrow once (not the balance), refunds go back to the channel, and the bill reconciles', async () => {
    const orderId = newId();
    const pay = await payOrderThroughChannel(t.p, { orderId, payerId: payer.userId, amountFen: 8_800 });
    assert.equal(pay.status, 'pending');
    assert.match(pay.codeUrl!, /^weixin:\/\//);
    assert.equal((await payOrderThroughChannel(t.p, { orderId, payerId: payer.userId, amountFen: 8_800 })).id, pay.id);
    emu.setSwitches({ duplicateCallbacks: true });
    await emu.pay(pay.outTradeNo);
    await emu.runDue();
    emu.setSwitches({ duplicateCallbacks: false });
    const hold = await findHold(t.p.db, 'escrow', orderId);
    assert.deepEqual([hold?.status, hold?.amountFen], ['pending', 8_800]);
    assert.equal((await getBalances(t.p.db, payer.userId)).availableFen, 0);
    assert.equal(await isChannelPaidOrder(t.p.db, orderId), true);
    const events = await t.p.db.selectFrom('outbox_events').select('payload').where('type', '=', ORDER_PAYMENT_PAID).execute();
    const mine = events.filter((e) => (typeof e.payload === 'string' ? JSON.parse(e.payload) : e.payload).orderId === orderId);
    assert.equal(mine.length, 1);
    await assert.rejects(payOrderThroughChannel(t.p, { orderId, payerId: payer.userId, amountFen: 8_800 }), /ESCROW_ALREADY_PAID/);
    assert.deepEqual((await verifyLedger(t.p.db)).violations, []);

    // Cancelled: refunded to the channel, not to the balance; the channel's refund settles it.
    const r = await refundOrderPaymentToChannel(t.p, { orderId, reason: '订单取消' });
    assert.equal(r.amountFen, 8_800);
    assert.ok(['processing', 'success'].includes(r.status));
    assert.equal((await refundOrderPaymentToChannel(t.p, { orderId, reason: '订单取消' })).id, r.id);
    await emu.runDue();
    const stored = await t.p.db.selectFrom('wallet_refunds').selectAll().where('id', '=', r.id).executeTakeFirstOrThrow();
    assert.equal(stored.status, 'success');
    assert.equal((await channel.queryPayment(pay.outTradeNo)).state, 'refunded');
    assert.equal((await findHold(t.p.db, 'escrow', orderId))?.status, 'voided');
    assert.equal((await getBalances(t.p.db, payer.userId)).availableFen, 0);
    assert.deepEqual((await verifyLedger(t.p.db)).violations, []);

    // S5.9c: the next day's reconciliation matches the payment line and the refund line.
    t.clock.advance(24 * 3600_000);
    await emu.advance(24 * 3600_000);
    const run = await reconcileDay(t.p, channel, '2026-11-18');
    assert.deepEqual([run.status, run.billLines, run.matched, run.discrepancies], ['balanced', 2, 2, 0]);
  });
});
