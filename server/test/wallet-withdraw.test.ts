import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from './helpers.ts';
import { registerUser, TEST_ENV, type TestUser } from './factories.ts';
import { AppError } from '../src/platform/errors.ts';
import type { Tx } from '../src/platform/db.ts';
import { accountsModule } from '../src/modules/accounts/index.ts';
import { messagesModule } from '../src/modules/messages/index.ts';
import '../src/modules/identity/index.ts';
import * as wallet from '../src/modules/wallet/index.ts';
import { createPaymentChannelEmulator, type PaymentChannelEmulator } from '../../emulators/payment-channel/src/server.ts';

/** Withdrawals through WeChat Pay transfers (the emulator over real HTTP): limits, fee, holds, outcomes. */
describe('wallet withdrawals', () => {
  let emu: PaymentChannelEmulator;
  let t: TestApp;
  let courier: TestUser;
  let stranger: TestUser;
  let unverified: TestUser;
  let channel: wallet.WechatPayChannel;
  let platformUrl = '';
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
        wallet.createWalletModule({
          channel: (p) =>
            (channel = new wallet.WechatPayChannel({ ...emu.credentials, baseUrl: emu.url, now: () => p.clock.now().getTime() })),
          notifyBaseUrl: () => platformUrl,
          // Real-name verification is the identity module's; here a set of verified users stands in for it.
          requireVerified: async (_p, userId) => {
            if (!verified.has(userId)) throw new AppError('IDENTITY_NOT_VERIFIED');
          },
        }),
      ],
    });
    platformUrl = await t.app.listen({ port: 0, host: '127.0.0.1' });
    courier = await registerUser(t);
    stranger = await registerUser(t);
    unverified = await registerUser(t);
    verified.add(courier.userId).add(stranger.userId);
  });
  after(async () => {
    await emu.close();
    await t.close();
  });

  const run = <T>(f: (tx: Tx) => Promise<T>) => t.p.db.transaction().execute(f);
  const fund = (u: TestUser, amountFen: number, no: string) =>
    run((tx) => wallet.creditTopUp(t.p, tx, { userId: u.userId, channel: 'wechat', channelTradeNo: no, amountFen }));
  const req = (u: TestUser, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object, headers: Record<string, string> = {}) =>
    t.app.inject({ method, url, headers: { ...u.headers, ...headers }, ...(payload ? { payload } : {}) });
  const balances = (u: TestUser) => wallet.getBalances(t.p.db, u.userId);
  const bindWechat = async (u: TestUser, openid: string) => {
    const r = await req(u, 'POST', '/api/v1/wallet/payout-accounts', { kind: 'wechat', openid });
    assert.equal(r.statusCode, 201, r.body);
    return r.json().id as string;
  };
  const deps = () => ({ channels: [channel], notifyUrl: () => `${platformUrl}/api/v1/wallet/channels/wechat/notify` });

  it('S5.9b: bank cards are Luhn-checked, stored encrypted and shown masked; only the owner can unbind', async () => {
    const bad = await req(courier, 'POST', '/api/v1/wallet/payout-accounts', {
      kind: 'bank_card',
      cardNo: '6222020200112233447',
      bankName: '工商银行',
    });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().code, 'PAYOUT_ACCOUNT_INVALID');
    const card = '6222 0202 0011 2233 446';
    assert.ok(wallet.luhnValid(card.replaceAll(' ', '')));
    const ok = await req(courier, 'POST', '/api/v1/wallet/payout-accounts', { kind: 'bank_card', cardNo: card, bankName: '工商银行' });
    assert.equal(ok.statusCode, 201, ok.body);
    assert.equal(ok.json().accountMasked, '**** **** **** 3446');
    const stored = await t.p.db.selectFrom('wallet_payout_accounts').selectAll().where('id', '=', ok.json().id).executeTakeFirstOrThrow();
    assert.ok(!stored.account_enc.includes('2233'));
    const list = (await req(courier, 'GET', '/api/v1/wallet/payout-accounts')).json();
    assert.ok(list.items.some((a: { id: string }) => a.id === ok.json().id));
    assert.equal((await req(stranger, 'GET', '/api/v1/wallet/payout-accounts')).json().items.length, 0);
    assert.equal((await req(stranger, 'DELETE', `/api/v1/wallet/payout-accounts/${ok.json().id}`)).statusCode, 404);
    // Bank payouts are not available through the configured channel yet: refused before any money moves.
    await fund(courier, 1_000, 'W-card');
    const w = await req(courier, 'POST', '/api/v1/wallet/withdrawals', { amountFen: 500, payoutAccountId: ok.json().id });
    assert.equal(w.json().code, 'WITHDRAWAL_ACCOUNT_UNSUPPORTED');
    assert.equal((await req(courier, 'DELETE', `/api/v1/wallet/payout-accounts/${ok.json().id}`)).statusCode, 200);
  });

  it('S5.9b: a withdrawal holds amount + fee, is paid out through the channel and settled by its callback, once', async () => {
    const account = await bindWechat(courier, 'o-courier-good-0001');
    await fund(courier, 20_000, 'W-1');
    const before = await balances(courier);
    const r = await req(
      courier,
      'POST',
      '/api/v1/wallet/withdrawals',
      { amountFen: 10_000, payoutAccountId: account },
      { 'idempotency-key': 'withdraw-0001' },
    );
    assert.equal(r.statusCode, 201, r.body);
    const w = r.json();
    assert.equal(w.feeFen, wallet.withdrawalFee(10_000));
    assert.equal(w.feeFen, 10);
    assert.deepEqual(await balances(courier), { availableFen: before.availableFen - 10_010, heldFen: 10_010 });
    const again = await req(
      courier,
      'POST',
      '/api/v1/wallet/withdrawals',
      { amountFen: 10_000, payoutAccountId: account },
      { 'idempotency-key': 'withdraw-0001' },
    );
    assert.equal(again.json().id, w.id);

    await t.p.jobs.drain(); // the submit job sends it to the channel
    // A crash between the channel call and our status update: sending again finds the same transfer.
    await t.p.db.updateTable('wallet_withdrawals').set({ status: 'requested' }).where('id', '=', w.id).execute();
    await wallet.submitWithdrawal(t.p, deps(), w.id);
    await emu.runDue(); // the channel pays and calls back
    const done = (await req(courier, 'GET', `/api/v1/wallet/withdrawals/${w.id}`)).json();
    assert.equal(done.status, 'paid');
    assert.deepEqual(await balances(courier), { availableFen: before.availableFen - 10_010, heldFen: 0 });
    assert.equal((await req(stranger, 'GET', `/api/v1/wallet/withdrawals/${w.id}`)).statusCode, 404);
    const q = await channel.queryTransfer(`WD${w.id.replaceAll('-', '').slice(2)}`, `D${w.id.replaceAll('-', '').slice(2)}`);
    assert.equal(q.status, 'success');
    await t.p.jobs.drain();
    const msgs = (await req(courier, 'GET', '/api/v1/notifications?category=wallet')).json();
    assert.match(msgs.items[0].title, /提现成功/);
    assert.deepEqual((await wallet.verifyLedger(t.p.db)).violations, []);
  });

  it('S5.9b: a payout the channel fails returns amount and fee to the available balance; the owner is told', async () => {
    const account = await bindWechat(stranger, 'FAIL-frozen-account');
    await fund(stranger, 5_000, 'W-2');
    const w = (await req(stranger, 'POST', '/api/v1/wallet/withdrawals', { amountFen: 3_000, payoutAccountId: account })).json();
    assert.deepEqual(await balances(stranger), { availableFen: 5_000 - 3_003, heldFen: 3_003 });
    await t.p.jobs.drain();
    await emu.runDue();
    const checked = await wallet.checkWithdrawal(t.p, deps(), w.id); // the query path gives the same answer
    assert.equal(checked!.status, 'failed');
    assert.equal(checked!.failReason, 'ACCOUNT_FROZEN');
    assert.deepEqual(await balances(stranger), { availableFen: 5_000, heldFen: 0 });
    await t.p.jobs.drain();
    const msgs = (await req(stranger, 'GET', '/api/v1/notifications?category=wallet')).json();
    assert.match(msgs.items[0].title, /提现失败/);
    assert.deepEqual((await wallet.verifyLedger(t.p.db)).violations, []);
  });

  it('S5.9b: limits per transaction and per day, insufficient funds, and real-name verification are enforced', async () => {
    const account = await bindWechat(courier, 'o-courier-good-0002');
    await fund(courier, 6_000_000, 'W-3');
    const post = (amountFen: number, u = courier, acc = account) =>
      req(u, 'POST', '/api/v1/wallet/withdrawals', { amountFen, payoutAccountId: acc });
    assert.equal((await post(99)).json().code, 'WITHDRAWAL_AMOUNT_OUT_OF_RANGE');
    assert.equal((await post(2_000_001)).json().code, 'WITHDRAWAL_AMOUNT_OUT_OF_RANGE');
    assert.equal((await post(2_000_000)).statusCode, 201);
    assert.equal((await post(2_000_000)).statusCode, 201);
    const over = await post(2_000_000);
    assert.equal(over.statusCode, 409);
    assert.equal(over.json().code, 'WITHDRAWAL_DAILY_LIMIT');
    const poor = await bindWechat(stranger, 'o-stranger-0003');
    const broke = await post(10_000, stranger, poor);
    assert.equal(broke.json().code, 'INSUFFICIENT_FUNDS');
    const unv = await bindWechat(unverified, 'o-unverified-01');
    await fund(unverified, 1_000, 'W-4');
    const refused = await post(500, unverified, unv);
    assert.equal(refused.statusCode, 403);
    assert.equal(refused.json().code, 'IDENTITY_NOT_VERIFIED');
    assert.deepEqual(await balances(unverified), { availableFen: 1_000, heldFen: 0 });
    const rules = (await req(courier, 'GET', '/api/v1/wallet/withdrawal-rules')).json();
    assert.equal(rules.dailyMaxFen, 5_000_000);
    assert.deepEqual((await wallet.verifyLedger(t.p.db)).violations, []);
  });
});
