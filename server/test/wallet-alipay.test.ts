import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createTestApp, type TestApp } from './helpers.ts';
import { createStaff, loginUser, registerUser, TEST_ENV, type TestUser } from './factories.ts';
import { AppError } from '../src/platform/errors.ts';
import { ConfigError, loadConfig } from '../src/platform/config.ts';
import { accountsModule } from '../src/modules/accounts/index.ts';
import { messagesModule } from '../src/modules/messages/index.ts';
import '../src/modules/identity/index.ts';
import {
  AlipayChannel,
  ChannelError,
  checkTopUp,
  checkWithdrawal,
  createWalletModule,
  findHold,
  getBalances,
  payOrderThroughChannel,
  refundOrderPaymentToChannel,
  submitWithdrawal,
  verifyLedger,
  voidPayout,
  WechatPayChannel,
  withdrawalFee,
} from '../src/modules/wallet/index.ts';
import { newId } from '../src/platform/ids.ts';
import { createPaymentChannelEmulator, type PaymentChannelEmulator } from '../../emulators/payment-channel/src/server.ts';

/**
 * Alipay as the second channel (S5.9b), over real HTTP against the emulator's Alipay gateway: RSA2
 * requests, the platform's form-encoded notify route answered `success` only after the credit committed,
 * active query for late notifies, closing unpaid trades, refunds, and payouts to bank cards.
 */
describe('wallet: Alipay channel (emulator)', () => {
  let emu: PaymentChannelEmulator;
  let t: TestApp;
  let alipay: AlipayChannel;
  let platformUrl = '';
  let user: TestUser;
  let courier: TestUser;
  const verified = new Set<string>();

  before(async () => {
    emu = createPaymentChannelEmulator({ autoRun: false });
    await emu.listen();
    t = await createTestApp({
      env: TEST_ENV,
      now: new Date(emu.now()),
      modules: [
        accountsModule,
        messagesModule,
        createWalletModule({
          channels: (p) => [
            new WechatPayChannel({ ...emu.credentials, baseUrl: emu.url, now: () => p.clock.now().getTime() }),
            (alipay = new AlipayChannel({
              appId: '2021000000000001',
              appPrivateKeyPem: emu.credentials.merchantPrivateKeyPem,
              alipayPublicKeyPem: emu.credentials.platformCertificatePem,
              gatewayUrl: `${emu.url}/alipay/gateway.do`,
              now: () => p.clock.now().getTime(),
            })),
          ],
          notifyBaseUrl: () => platformUrl,
          requireVerified: async (_p, userId) => {
            if (!verified.has(userId)) throw new AppError('IDENTITY_NOT_VERIFIED');
          },
        }),
      ],
    });
    platformUrl = await t.app.listen({ port: 0, host: '127.0.0.1' });
    user = await registerUser(t);
    courier = await registerUser(t);
    verified.add(courier.userId);
  });
  after(async () => {
    await emu.close();
    await t.close();
  });

  const req = (u: TestUser, method: 'GET' | 'POST', url: string, payload?: object) =>
    t.app.inject({ method, url, headers: u.headers, ...(payload ? { payload } : {}) });
  const balances = (u: TestUser) => getBalances(t.p.db, u.userId);
  const notifyUrl = () => `${platformUrl}/api/v1/wallet/channels/alipay/notify`;
  const postForm = (body: string) =>
    fetch(notifyUrl(), { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' }, body });
  const lastNotification = (ref: string) => emu.alipay.notifications.filter((n) => n.outTradeNo === ref).at(-1)!;
  /** Moves the emulator's clock up to the platform's (both only move forward). */
  const syncEmulatorClock = () => emu.advance(t.clock.now().getTime() - emu.now());

  it('S5.9b: both channels are enabled; the payer picks Alipay on top-up and the payment code opens its pay page', async () => {
    const ch = await req(user, 'GET', '/api/v1/wallet/channels');
    assert.deepEqual(
      ch.json().items.map((c: { name: string; default: boolean; payoutKinds: string[] }) => [c.name, c.default, c.payoutKinds]),
      [
        ['wechat', true, ['wechat']],
        ['alipay', false, ['bank_card']],
      ],
    );
    assert.equal((await req(user, 'POST', '/api/v1/wallet/topups', { amountFen: 1_000, channel: 'unionpay' })).statusCode, 503);
    const r = await req(user, 'POST', '/api/v1/wallet/topups', { amountFen: 1_000, channel: 'alipay' });
    assert.equal(r.statusCode, 201, r.body);
    assert.equal(r.json().channel, 'alipay');
    assert.equal(r.json().codeUrl, r.json().payUrl);
    const page = await fetch(r.json().payUrl);
    assert.match(await page.text(), /支付宝（模拟）[\s\S]*¥10\.00/);
    assert.equal((await req(user, 'POST', '/api/v1/wallet/topups', { amountFen: 1_000 })).json().channel, 'wechat');
  });

  it('S5.9b: the signed form notify credits once and is answered `success`; duplicates credit nothing more; a tampered notify gets `failure`', async () => {
    const before = (await balances(user)).availableFen;
    const tu = (await req(user, 'POST', '/api/v1/wallet/topups', { amountFen: 2_345, channel: 'alipay' })).json();
    emu.setSwitches({ duplicateCallbacks: true });
    try {
      await emu.alipay.pay(tu.outTradeNo);
    } finally {
      emu.setSwitches({ duplicateCallbacks: false });
    }
    const sent = emu.alipay.notifications.filter((n) => n.outTradeNo === tu.outTradeNo);
    assert.deepEqual(
      sent.map((n) => n.answer),
      ['success', 'success'],
    );
    assert.equal((await balances(user)).availableFen, before + 2_345);
    assert.equal((await req(user, 'GET', `/api/v1/wallet/topups/${tu.id}`)).json().status, 'paid');

    // A replay (Alipay retries after a lost answer) is idempotent.
    const replay = await postForm(sent[0]!.body);
    assert.deepEqual([replay.status, await replay.text()], [200, 'success']);
    // A changed amount breaks the RSA2 signature over the sorted parameters: refused, so Alipay would retry.
    const tampered = await postForm(sent[0]!.body.replace('total_amount=23.45', 'total_amount=99.45'));
    assert.deepEqual([tampered.status, await tampered.text()], [400, 'failure']);
    const unsigned = await postForm(sent[0]!.body.replace(/&sign=[^&]*/, ''));
    assert.equal(await unsigned.text(), 'failure');
    assert.equal((await balances(user)).availableFen, before + 2_345);
    const credits = await t.p.db
      .selectFrom('ledger_transfers')
      .select('id')
      .where('idempotency_key', '=', `topup:alipay:${tu.outTradeNo}`)
      .execute();
    assert.equal(credits.length, 1);
    assert.deepEqual((await verifyLedger(t.p.db)).violations, []);
  });

  it('S5.9b: a notify answered non-`success` is retried on Alipay’s schedule; a lost one is found by active query, and the late notify then changes nothing', async () => {
    const before = (await balances(user)).availableFen;
    // Lost: the platform never hears of the payment; the top-up view queries Alipay and credits it.
    const tu = (await req(user, 'POST', '/api/v1/wallet/topups', { amountFen: 500, channel: 'alipay' })).json();
    emu.setSwitches({ loseCallbacks: true });
    try {
      await emu.alipay.pay(tu.outTradeNo);
    } finally {
      emu.setSwitches({ loseCallbacks: false });
    }
    assert.equal(lastNotification(tu.outTradeNo).answer, 'lost');
    assert.equal((await balances(user)).availableFen, before);
    t.clock.advance(6_000);
    const seen = (await req(user, 'GET', `/api/v1/wallet/topups/${tu.id}`)).json();
    assert.equal(seen.status, 'paid');
    assert.equal((await balances(user)).availableFen, before + 500);
    const late = await postForm(lastNotification(tu.outTradeNo).body);
    assert.equal(await late.text(), 'success');
    assert.equal((await balances(user)).availableFen, before + 500);

    // Retried: the platform cannot be reached when the notify is sent, so Alipay tries again 4 and then 10 minutes later.
    const saved = platformUrl;
    platformUrl = 'http://127.0.0.1:9';
    const tu3 = (await req(user, 'POST', '/api/v1/wallet/topups', { amountFen: 800, channel: 'alipay' })).json();
    platformUrl = saved;
    await emu.alipay.pay(tu3.outTradeNo);
    const attempts = () => emu.alipay.notifications.filter((n) => n.outTradeNo === tu3.outTradeNo).map((n) => n.attempt);
    assert.match(lastNotification(tu3.outTradeNo).answer, /^error/);
    await emu.advance(3 * 60_000);
    assert.deepEqual(attempts(), [1]);
    await emu.advance(60_000);
    assert.deepEqual(attempts(), [1, 2]);
    await emu.advance(10 * 60_000);
    assert.deepEqual(attempts(), [1, 2, 3]);
    assert.deepEqual((await verifyLedger(t.p.db)).violations, []);
  });

  it('S5.9b: past its deadline an unpaid Alipay trade is closed at Alipay by the platform', async () => {
    const tu = (await req(user, 'POST', '/api/v1/wallet/topups', { amountFen: 900, channel: 'alipay' })).json();
    assert.equal((await alipay.queryPayment(tu.outTradeNo)).state, 'pending');
    t.clock.advance(16 * 60_000);
    const v = await checkTopUp(t.p, { channels: [alipay], notifyUrl }, tu.id);
    assert.equal(v!.status, 'closed');
    assert.equal((await alipay.queryPayment(tu.outTradeNo)).state, 'closed');
    await assert.rejects(emu.alipay.pay(tu.outTradeNo));
  });

  it('S5.9b: an order paid through Alipay lands in escrow once; a cancellation refunds it to Alipay', async () => {
    const orderId = newId();
    const pay = await payOrderThroughChannel(t.p, { orderId, payerId: user.userId, amountFen: 6_600, channel: 'alipay' });
    assert.equal(pay.channel, 'alipay');
    const before = (await balances(user)).availableFen;
    await emu.alipay.pay(pay.outTradeNo);
    assert.equal(lastNotification(pay.outTradeNo).answer, 'success');
    const hold = await findHold(t.p.db, 'escrow', orderId);
    assert.equal(hold?.amountFen, 6_600);
    assert.equal((await balances(user)).availableFen, before);
    const refund = await refundOrderPaymentToChannel(t.p, { orderId, reason: '订单取消' });
    assert.equal(refund.status, 'success');
    assert.equal((await findHold(t.p.db, 'escrow', orderId))?.status, 'voided');
    assert.deepEqual((await verifyLedger(t.p.db)).violations, []);
  });

  it('S5.9b: a bank-card payout through Alipay (TRANS_BANKCARD_NO_PWD): held while in flight, paid once even when submitted and notified twice', async () => {
    await t.p.db.transaction().execute(async (tx) => {
      const { creditTopUp } = await import('../src/modules/wallet/index.ts');
      await creditTopUp(t.p, tx, { userId: courier.userId, channel: 'alipay', channelTradeNo: 'SEEDCARD1', amountFen: 50_000 });
    });
    const noHolder = await req(courier, 'POST', '/api/v1/wallet/payout-accounts', {
      kind: 'bank_card',
      cardNo: '6222021234567890128',
      bankName: '工商银行',
    });
    assert.equal(noHolder.statusCode, 201, noHolder.body);
    const refused = await req(courier, 'POST', '/api/v1/wallet/withdrawals', { amountFen: 10_000, payoutAccountId: noHolder.json().id });
    assert.equal(refused.json().code, 'WITHDRAWAL_ACCOUNT_UNSUPPORTED');
    const card = await req(courier, 'POST', '/api/v1/wallet/payout-accounts', {
      kind: 'bank_card',
      cardNo: '6217 0000 1000 0000 003',
      bankName: '建设银行',
      holderName: '张三',
    });
    assert.equal(card.statusCode, 201, card.body);
    assert.equal(card.json().accountMasked, '**** **** **** 0003');

    const w = await req(courier, 'POST', '/api/v1/wallet/withdrawals', { amountFen: 10_000, payoutAccountId: card.json().id });
    assert.equal(w.statusCode, 201, w.body);
    const fee = withdrawalFee(10_000);
    assert.deepEqual(await balances(courier), { availableFen: 50_000 - 10_000 - fee, heldFen: 10_000 + fee });
    const deps = { channels: [alipay], notifyUrl: () => notifyUrl() };
    // Alipay's own trouble (20000) is no refusal: the funds stay held and the job tries again.
    emu.setSwitches({ failNext: 1 });
    await assert.rejects(submitWithdrawal(t.p, deps, w.json().id), (e: ChannelError) => e.code === 'isp.unknow-error' && e.status === 503);
    assert.equal((await req(courier, 'GET', `/api/v1/wallet/withdrawals/${w.json().id}`)).json().status, 'requested');
    await submitWithdrawal(t.p, deps, w.json().id);
    // A resubmission after a crash (same out_biz_no) finds the same transfer at Alipay.
    await t.p.db.updateTable('wallet_withdrawals').set({ status: 'requested' }).where('id', '=', w.json().id).execute();
    await submitWithdrawal(t.p, deps, w.json().id);
    const batch = (
      await t.p.db.selectFrom('wallet_withdrawals').select('out_batch_no').where('id', '=', w.json().id).executeTakeFirstOrThrow()
    ).out_batch_no;
    const transfer = emu.alipay.transfers.get(batch)!;
    assert.deepEqual(
      [transfer.cardNo, transfer.name, transfer.amountFen, transfer.status],
      ['6217000010000000003', '张三', 10_000, 'DEALING'],
    );
    assert.equal(emu.alipay.transfers.size, 1);

    // The bank pays; the `alipay.fund.trans.order.changed` notify arrives (twice) and is answered `success`.
    emu.setSwitches({ duplicateCallbacks: true });
    try {
      await emu.runDue();
    } finally {
      emu.setSwitches({ duplicateCallbacks: false });
    }
    assert.deepEqual(
      emu.alipay.notifications.filter((n) => n.outTradeNo === batch).map((n) => n.answer),
      ['success', 'success'],
    );
    assert.equal((await req(courier, 'GET', `/api/v1/wallet/withdrawals/${w.json().id}`)).json().status, 'paid');
    assert.deepEqual(await balances(courier), { availableFen: 50_000 - 10_000 - fee, heldFen: 0 });
    // A late query result changes nothing.
    assert.equal((await checkWithdrawal(t.p, deps, w.json().id))!.status, 'paid');
    assert.deepEqual(await balances(courier), { availableFen: 50_000 - 10_000 - fee, heldFen: 0 });
    assert.deepEqual((await verifyLedger(t.p.db)).violations, []);
  });

  it('S5.9b: a bank-card payout the bank refuses releases the held funds; a late success query cannot pay it again', async () => {
    const card = await req(courier, 'POST', '/api/v1/wallet/payout-accounts', {
      kind: 'bank_card',
      cardNo: '6212 2600 0000 0000 000',
      bankName: '中国银行',
      holderName: 'FAIL 李四',
    });
    assert.equal(card.statusCode, 201, card.body);
    const start = await balances(courier);
    const w = await req(courier, 'POST', '/api/v1/wallet/withdrawals', { amountFen: 5_000, payoutAccountId: card.json().id });
    assert.equal(w.statusCode, 201, w.body);
    const deps = { channels: [alipay], notifyUrl: () => notifyUrl() };
    await submitWithdrawal(t.p, deps, w.json().id);
    await emu.runDue();
    const after = (await req(courier, 'GET', `/api/v1/wallet/withdrawals/${w.json().id}`)).json();
    assert.deepEqual([after.status, after.failReason], ['failed', 'PAYEE_CARD_INFO_ERROR']);
    assert.deepEqual(await balances(courier), start);
    assert.equal((await checkWithdrawal(t.p, deps, w.json().id))!.status, 'failed');
    assert.deepEqual(await balances(courier), start);
    assert.deepEqual((await verifyLedger(t.p.db)).violations, []);
  });

  it('S5.9c: daily payout reconciliation against the channel’s transfer records: matched, missing on either side, wrong amount → finance queue, fixed by ledger transfers with a reason', async () => {
    const deps = { channels: [alipay], notifyUrl: () => notifyUrl() };
    const card = (await req(courier, 'GET', '/api/v1/wallet/payout-accounts'))
      .json()
      .items.find((a: { accountMasked: string }) => a.accountMasked.endsWith('0003'));
    const payout = async (amountFen: number) => {
      const w = await req(courier, 'POST', '/api/v1/wallet/withdrawals', { amountFen, payoutAccountId: card.id });
      assert.equal(w.statusCode, 201, w.body);
      await submitWithdrawal(t.p, deps, w.json().id);
      const { out_batch_no } = await t.p.db
        .selectFrom('wallet_withdrawals')
        .select('out_batch_no')
        .where('id', '=', w.json().id)
        .executeTakeFirstOrThrow();
      return { id: w.json().id as string, batch: out_batch_no };
    };
    // Bounced: paid, then the bank returns it (退票) — the ledger says paid out, the channel does not.
    const bounced = await payout(1_000);
    await emu.runDue();
    emu.alipay.bounce(bounced.batch);
    // Wrong amount: the channel's record of the transfer says 0.50 less.
    const short = await payout(1_100);
    await emu.runDue();
    emu.setSwitches({ billAmountDeltaFen: { [short.batch]: -50 } });
    // Paid at the channel, but our side recorded a failure and returned the funds (e.g. an operator's wrong answer).
    emu.setSwitches({ loseCallbacks: true });
    const lost = await payout(1_200);
    await emu.runDue();
    await t.p.db.transaction().execute(async (tx) => {
      await tx.updateTable('wallet_withdrawals').set({ status: 'failed', fail_reason: 'MANUAL' }).where('id', '=', lost.id).execute();
      await voidPayout(t.p, tx, { payoutId: lost.id });
    });
    // In flight at the day's end with its callback lost: reconciliation applies the channel's outcome.
    const late = await payout(1_300);
    await emu.runDue();
    emu.setSwitches({ loseCallbacks: false });
    assert.equal((await req(courier, 'GET', `/api/v1/wallet/withdrawals/${late.id}`)).json().status, 'submitted');

    const { created_at } = await t.p.db
      .selectFrom('wallet_withdrawals')
      .select('created_at')
      .where('id', '=', late.id)
      .executeTakeFirstOrThrow();
    const day = new Date(created_at.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
    t.clock.advance(Date.parse(`${day}T18:00:00Z`) - t.clock.now().getTime()); // 02:00 the next day, China time
    await syncEmulatorClock(); // Alipay publishes a day's bill once the day is over
    courier = await loginUser(t, courier.identifier, courier.password);
    const finance = await createStaff(t, ['finance']);
    const run = await t.app.inject({
      method: 'POST',
      url: '/api/v1/wallet/finance/reconciliations',
      headers: finance.headers,
      payload: { day, channel: 'alipay' },
    });
    assert.equal(run.statusCode, 201, run.body);
    assert.equal(run.json().status, 'discrepancies');
    assert.equal(run.json().channel, 'alipay');
    // The day's Alipay bill is matched too: a top-up of an earlier test whose notify never got through is
    // credited from it (recorded as resolved, auto_credited); the three payout discrepancies stay open.
    assert.equal(run.json().autoCredited, 1);
    assert.equal(run.json().discrepancies, 4);
    assert.equal((await req(courier, 'GET', `/api/v1/wallet/withdrawals/${late.id}`)).json().status, 'paid');
    const queue = (
      await t.app.inject({ method: 'GET', url: `/api/v1/wallet/finance/discrepancies?status=open&day=${day}`, headers: finance.headers })
    ).json().items as {
      id: string;
      outTradeNo: string;
      kind: string;
      channelAmountFen: number | null;
      ourAmountFen: number | null;
      userId: string;
    }[];
    const byNo = new Map(queue.map((d) => [d.outTradeNo, d]));
    assert.deepEqual(
      [bounced, short, lost].map((x) => {
        const d = byNo.get(x.batch)!;
        return [d.kind, d.channelAmountFen, d.ourAmountFen, d.userId];
      }),
      [
        ['missing_channel', null, 1_000, courier.userId],
        ['amount_mismatch', 1_050, 1_100, courier.userId],
        ['missing_ours', 1_200, null, courier.userId],
      ],
    );
    // Re-running the day records nothing twice.
    await t.app.inject({
      method: 'POST',
      url: '/api/v1/wallet/finance/reconciliations',
      headers: finance.headers,
      payload: { day, channel: 'alipay' },
    });
    const again = (
      await t.app.inject({ method: 'GET', url: `/api/v1/wallet/finance/discrepancies?day=${day}`, headers: finance.headers })
    ).json().items;
    assert.equal(again.filter((d: { outTradeNo: string }) => [bounced.batch, short.batch, lost.batch].includes(d.outTradeNo)).length, 3);

    // Fixes are ledger transfers with a reason: the bounced money back to the courier; the double payout charged.
    const start = await balances(courier);
    const resolve = (id: string, payload: object) =>
      t.app.inject({ method: 'POST', url: `/api/v1/wallet/finance/discrepancies/${id}/resolve`, headers: finance.headers, payload });
    const back = await resolve(byNo.get(bounced.batch)!.id, { action: 'adjust', amountFen: 1_000, reason: '银行退票，退回钱包' });
    assert.equal(back.statusCode, 200, back.body);
    assert.equal(back.json().resolution, 'adjusted');
    const charge = await resolve(byNo.get(lost.batch)!.id, { action: 'adjust', amountFen: -1_200, reason: '渠道已打款，本方误退回' });
    assert.equal(charge.statusCode, 200, charge.body);
    assert.equal((await resolve(byNo.get(short.batch)!.id, { action: 'dismiss', reason: '渠道记录差错，已向支付宝核实' })).statusCode, 200);
    assert.deepEqual(await balances(courier), { availableFen: start.availableFen - 200, heldFen: start.heldFen });
    const memo = await t.p.db
      .selectFrom('ledger_transfers')
      .select('memo')
      .where('id', '=', back.json().transferId)
      .executeTakeFirstOrThrow();
    assert.match(JSON.stringify(memo.memo), /银行退票，退回钱包/);
    assert.deepEqual((await verifyLedger(t.p.db)).violations, []);
  });

  it('S5.9c: Alipay’s daily bill (ZIP of GBK CSV) is matched line by line: a payment whose notify was lost is credited once, a wrong amount goes to the finance queue', async () => {
    await syncEmulatorClock();
    user = await loginUser(t, user.identifier, user.password);
    const topUp = async (amountFen: number) => {
      const r = await req(user, 'POST', '/api/v1/wallet/topups', { amountFen, channel: 'alipay' });
      assert.equal(r.statusCode, 201, r.body);
      return r.json() as { id: string; outTradeNo: string };
    };
    // Lost: Alipay took the money, the notify never arrived, and nobody looked at the top-up since.
    emu.setSwitches({ loseCallbacks: true });
    const lost = await topUp(700);
    await emu.alipay.pay(lost.outTradeNo);
    emu.setSwitches({ loseCallbacks: false });
    // Wrong amount: paid and credited, but Alipay's bill says 1.00 more.
    const wrong = await topUp(800);
    await emu.alipay.pay(wrong.outTradeNo);
    emu.setSwitches({ billAmountDeltaFen: { [wrong.outTradeNo]: 100 } });
    // A matched one.
    const fine = await topUp(900);
    await emu.alipay.pay(fine.outTradeNo);
    const status = (id: string) =>
      t.p.db.selectFrom('wallet_payments').select(['status', 'paid_at']).where('id', '=', id).executeTakeFirstOrThrow();
    assert.equal((await status(lost.id)).status, 'pending');
    const paidAt = (await status(fine.id)).paid_at!;
    const day = new Date(paidAt.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
    const before = await balances(user);

    // The next day, China time: before then Alipay has no bill for it.
    await assert.rejects(alipay.tradeBill(day), (e: ChannelError) => e.code === 'isp.bill_not_exist');
    t.clock.advance(Date.parse(`${day}T16:30:00Z`) - t.clock.now().getTime());
    await syncEmulatorClock();
    const bill = await alipay.tradeBill(day);
    assert.equal(bill.format, 'alipay');
    assert.match(bill.csv, /^#支付宝业务明细查询/);
    assert.ok(bill.csv.includes(`${lost.outTradeNo}\t,交易\t`));
    const finance = await createStaff(t, ['finance']);
    const reconcile = () =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/wallet/finance/reconciliations',
        headers: finance.headers,
        payload: { day, channel: 'alipay' },
      });
    const run = await reconcile();
    assert.equal(run.statusCode, 201, run.body);
    assert.equal(run.json().status, 'discrepancies');
    assert.equal(run.json().autoCredited, 1);
    assert.equal(run.json().matched, 1);
    assert.equal(run.json().billLines, 3);
    assert.equal((await status(lost.id)).status, 'paid');
    user = await loginUser(t, user.identifier, user.password);
    assert.equal((await balances(user)).availableFen, before.availableFen + 700);
    const queue = (
      await t.app.inject({ method: 'GET', url: `/api/v1/wallet/finance/discrepancies?day=${day}`, headers: finance.headers })
    ).json().items as { outTradeNo: string; kind: string; status: string; channelAmountFen: number | null; ourAmountFen: number | null }[];
    const of = (no: string) => queue.filter((d) => d.outTradeNo === no).map((d) => [d.kind, d.status, d.channelAmountFen, d.ourAmountFen]);
    assert.deepEqual(of(lost.outTradeNo), [['missing_ours', 'resolved', 700, null]]);
    assert.deepEqual(of(wrong.outTradeNo), [['amount_mismatch', 'open', 900, 800]]);
    assert.deepEqual(of(fine.outTradeNo), []);
    // Running the day again credits nothing twice and records nothing twice.
    assert.equal((await reconcile()).json().autoCredited, 0);
    assert.equal((await balances(user)).availableFen, before.availableFen + 700);
    const again = (
      await t.app.inject({ method: 'GET', url: `/api/v1/wallet/finance/discrepancies?day=${day}`, headers: finance.headers })
    ).json().items as { outTradeNo: string }[];
    assert.equal(again.filter((d) => [lost.outTradeNo, wrong.outTradeNo].includes(d.outTradeNo)).length, 2);
    assert.deepEqual((await verifyLedger(t.p.db)).violations, []);
  });

  it('S5.9b: unknown trades, closing an unpaid one, and a request signed with the wrong key are refused', async () => {
    await assert.rejects(alipay.queryPayment('NOSUCHTRADE'), (e: ChannelError) => e.code === 'ORDER_NOT_EXIST');
    await alipay.createPayment({
      outTradeNo: 'ALI-CLOSE-1',
      amountFen: 100,
      description: '关单',
      expiresAt: new Date(Date.now() + 60_000),
      notifyUrl: notifyUrl(),
    });
    await alipay.closePayment('ALI-CLOSE-1');
    assert.equal((await alipay.queryPayment('ALI-CLOSE-1')).state, 'closed');
    const forger = new AlipayChannel({
      appId: 'x',
      appPrivateKeyPem: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      alipayPublicKeyPem: emu.credentials.platformCertificatePem,
      gatewayUrl: `${emu.url}/alipay/gateway.do`,
    });
    await assert.rejects(forger.queryPayment('ALI-CLOSE-1'), (e: ChannelError) => e.code === 'isv.invalid-signature');
  });

  it('S5.9b: channel configuration is validated at start (PAYMENT_CHANNELS names enabled channels with their settings)', () => {
    const base = { NODE_ENV: 'test', ...TEST_ENV };
    assert.deepEqual(loadConfig(base).paymentChannels, []);
    const both = loadConfig({
      ...base,
      WECHATPAY_BASE_URL: 'https://api.mch.weixin.qq.com',
      WECHATPAY_CREDENTIALS_FILE: '/etc/wx.json',
      ALIPAY_GATEWAY_URL: 'https://openapi.alipay.com/gateway.do',
      ALIPAY_CREDENTIALS_FILE: '/etc/ali.json',
    });
    assert.deepEqual(both.paymentChannels, ['wechat', 'alipay']);
    assert.deepEqual(
      loadConfig({
        ...base,
        PAYMENT_CHANNELS: 'alipay',
        ALIPAY_GATEWAY_URL: 'https://openapi.alipay.com/gateway.do',
        ALIPAY_CREDENTIALS_FILE: '/etc/ali.json',
      }).paymentChannels,
      ['alipay'],
    );
    const bad = (env: Record<string, string>) => {
      try {
        loadConfig({ ...base, ...env });
        return '';
      } catch (err) {
        assert.ok(err instanceof ConfigError);
        return err.message;
      }
    };
    assert.match(
      bad({ PAYMENT_CHANNELS: 'alipay' }),
      /PAYMENT_CHANNELS enables alipay, which needs ALIPAY_GATEWAY_URL and ALIPAY_CREDENTIALS_FILE/,
    );
    assert.match(bad({ PAYMENT_CHANNELS: 'wechat,unionpay' }), /unknown channel "unionpay"/);
    assert.match(bad({ ALIPAY_GATEWAY_URL: 'ftp://x' }), /ALIPAY_GATEWAY_URL must use http: or https:/);
  });
});
