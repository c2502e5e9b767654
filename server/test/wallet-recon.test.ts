import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from './helpers.ts';
import { createStaff, registerUser, TEST_ENV, type TestStaff, type TestUser } from './factories.ts';
import { accountsModule } from '../src/modules/accounts/index.ts';
import { messagesModule } from '../src/modules/messages/index.ts';
import { createWalletModule, parseTradeBill, verifyLedger, WechatPayChannel } from '../src/modules/wallet/index.ts';
import { createPaymentChannelEmulator, type PaymentChannelEmulator } from '../../emulators/payment-channel/src/server.ts';

/**
 * Daily reconciliation (S5.9c) over real HTTP: the emulator's trade bill (SHA-1 checked by the adapter)
 * against the ledger — a matched line, a lost callback, a line missing from the bill, a wrong amount —
 * and the finance queue's resolution flow.
 */
describe('wallet reconciliation against the channel trade bill (emulator)', () => {
  // 23:40 China time on 2026-11-20: the day's payments fall on that day; 25 minutes later it is past.
  const BASE = Date.parse('2026-11-20T15:40:00Z');
  const DAY = '2026-11-20';
  let emu: PaymentChannelEmulator;
  let t: TestApp;
  let platformUrl = '';
  let finance: TestStaff;
  let support: TestStaff;
  let a: TestUser;
  let b: TestUser;
  let c: TestUser;
  let d: TestUser;

  before(async () => {
    emu = createPaymentChannelEmulator({ autoRun: false, now: () => BASE });
    await emu.listen();
    t = await createTestApp({
      env: TEST_ENV,
      now: new Date(BASE),
      modules: [
        accountsModule,
        messagesModule,
        createWalletModule({
          channel: (p) => new WechatPayChannel({ ...emu.credentials, baseUrl: emu.url, now: () => p.clock.now().getTime() }),
          notifyBaseUrl: () => platformUrl,
        }),
      ],
    });
    platformUrl = await t.app.listen({ port: 0, host: '127.0.0.1' });
    [a, b, c, d] = [await registerUser(t), await registerUser(t), await registerUser(t), await registerUser(t)];
    finance = await createStaff(t, ['finance']);
    support = await createStaff(t, ['support']);
  });
  after(async () => {
    await emu.close();
    await t.close();
  });

  const balance = async (u: TestUser) =>
    (await t.app.inject({ method: 'GET', url: '/api/v1/wallet', headers: u.headers })).json().availableFen as number;
  const topUp = async (u: TestUser, amountFen: number) => {
    const r = await t.app.inject({ method: 'POST', url: '/api/v1/wallet/topups', headers: u.headers, payload: { amountFen } });
    assert.equal(r.statusCode, 201, r.body);
    return r.json() as { id: string; outTradeNo: string };
  };
  const reconcile = (day: string, who: TestUser = finance) =>
    t.app.inject({ method: 'POST', url: '/api/v1/wallet/finance/reconciliations', headers: who.headers, payload: { day } });
  const queue = async (q = '') =>
    (await t.app.inject({ method: 'GET', url: `/api/v1/wallet/finance/discrepancies${q}`, headers: finance.headers })).json().items as {
      id: string;
      outTradeNo: string;
      kind: string;
      status: string;
      resolution: string | null;
      channelAmountFen: number | null;
      ourAmountFen: number | null;
      transferId: string | null;
    }[];

  let ta: { outTradeNo: string };
  let tb: { id: string; outTradeNo: string };
  let tc: { outTradeNo: string };
  let td: { outTradeNo: string };

  it('S5.9c: a bill with a missing line and a wrong amount; a lost callback is found and credited exactly once', async () => {
    ta = await topUp(a, 1_000);
    tb = await topUp(b, 2_000);
    tc = await topUp(c, 3_000);
    td = await topUp(d, 4_000);
    await emu.pay(ta.outTradeNo);
    await emu.runDue();
    emu.setSwitches({ loseCallbacks: true });
    await emu.pay(tb.outTradeNo);
    await emu.runDue();
    emu.setSwitches({ loseCallbacks: false });
    await emu.pay(tc.outTradeNo);
    await emu.pay(td.outTradeNo);
    await emu.runDue();
    assert.deepEqual([await balance(a), await balance(b), await balance(c), await balance(d)], [1_000, 0, 3_000, 4_000]);
    emu.setSwitches({ billDropTradeNos: [tc.outTradeNo], billAmountDeltaFen: { [td.outTradeNo]: 150 } });

    // Today cannot be reconciled yet; only staff with the finance permission may reconcile.
    assert.equal((await reconcile(DAY)).statusCode, 400);
    t.clock.advance(25 * 60_000);
    await emu.advance(25 * 60_000);
    assert.equal((await reconcile(DAY, support)).statusCode, 403);
    assert.equal((await reconcile(DAY, a)).statusCode, 403);

    const r = await reconcile(DAY);
    assert.equal(r.statusCode, 201, r.body);
    const run = r.json();
    assert.equal(run.status, 'discrepancies');
    assert.match(run.billSha1, /^[0-9a-f]{40}$/);
    assert.equal(run.billLines, 3);
    assert.equal(run.matched, 1);
    assert.equal(run.autoCredited, 1);
    assert.equal(run.discrepancies, 3);

    // The lost callback: credited from the bill, once, and recorded as resolved.
    assert.equal(await balance(b), 2_000);
    const paidB = await t.app.inject({ method: 'GET', url: `/api/v1/wallet/topups/${tb.id}`, headers: b.headers });
    assert.equal(paidB.json().status, 'paid');
    const items = await queue();
    const byNo = new Map(items.map((i) => [i.outTradeNo, i]));
    assert.equal(byNo.get(ta.outTradeNo), undefined);
    assert.deepEqual(
      [byNo.get(tb.outTradeNo)!.kind, byNo.get(tb.outTradeNo)!.status, byNo.get(tb.outTradeNo)!.resolution],
      ['missing_ours', 'resolved', 'auto_credited'],
    );
    assert.ok(byNo.get(tb.outTradeNo)!.transferId);
    assert.deepEqual([byNo.get(tc.outTradeNo)!.kind, byNo.get(tc.outTradeNo)!.status], ['missing_channel', 'open']);
    assert.deepEqual(
      [byNo.get(td.outTradeNo)!.kind, byNo.get(td.outTradeNo)!.channelAmountFen, byNo.get(td.outTradeNo)!.ourAmountFen],
      ['amount_mismatch', 4_150, 4_000],
    );
    assert.equal((await queue('?status=open')).length, 2);

    // Reconciling the same day again credits nothing twice and records nothing twice.
    const again = await reconcile(DAY);
    assert.equal(again.statusCode, 201);
    assert.equal(again.json().matched, 2);
    assert.equal(again.json().autoCredited, 0);
    assert.equal(await balance(b), 2_000);
    assert.equal((await queue()).length, 3);
    const credits = await t.p.db
      .selectFrom('ledger_transfers')
      .select('id')
      .where('idempotency_key', '=', `topup:wechat:${tb.outTradeNo}`)
      .execute();
    assert.equal(credits.length, 1);
    const runs = await t.app.inject({ method: 'GET', url: `/api/v1/wallet/finance/reconciliations?day=${DAY}`, headers: finance.headers });
    assert.equal(runs.json().items.length, 2);
    assert.deepEqual((await verifyLedger(t.p.db)).violations, []);
  });

  it('S5.9c: finance resolves discrepancies with a ledger transfer and a reason, or dismisses them; each once', async () => {
    const open = await queue('?status=open');
    const mismatch = open.find((i) => i.kind === 'amount_mismatch')!;
    const missing = open.find((i) => i.kind === 'missing_channel')!;
    const resolve = (id: string, payload: Record<string, unknown>, who: TestUser = finance) =>
      t.app.inject({ method: 'POST', url: `/api/v1/wallet/finance/discrepancies/${id}/resolve`, headers: who.headers, payload });

    assert.equal((await resolve(mismatch.id, { action: 'adjust', amountFen: 150, reason: '渠道实收多 1.50 元' }, a)).statusCode, 403);
    const adj = await resolve(mismatch.id, { action: 'adjust', amountFen: 150, reason: '渠道实收多 1.50 元，补记给用户' });
    assert.equal(adj.statusCode, 200, adj.body);
    assert.equal(adj.json().resolution, 'adjusted');
    assert.equal(await balance(d), 4_150);
    const transfer = await t.p.db
      .selectFrom('ledger_transfers')
      .selectAll()
      .where('id', '=', adj.json().transferId)
      .executeTakeFirstOrThrow();
    assert.equal(transfer.kind, 'adjustment');
    assert.match(String((transfer.memo as { reason: string }).reason), /补记给用户/);
    const twice = await resolve(mismatch.id, { action: 'adjust', amountFen: 150, reason: '再来一次' });
    assert.equal(twice.statusCode, 409);
    assert.equal(await balance(d), 4_150);

    const dis = await resolve(missing.id, { action: 'dismiss', reason: '渠道次日补发账单，已核实到账' });
    assert.equal(dis.statusCode, 200);
    assert.equal(dis.json().transferId, null);
    assert.equal(await balance(c), 3_000);
    assert.equal((await queue('?status=open')).length, 0);
    assert.deepEqual((await verifyLedger(t.p.db)).violations, []);
  });

  it('S5.9c: the trade bill parser reads fen exactly from the back-tick CSV and stops at the summary', () => {
    const csv =
      '交易时间,微信订单号,商户订单号,交易状态,应结订单金额\n`2026-11-20 10:00:00,`42000,`TU1,`SUCCESS,`19.99\n' +
      '`2026-11-20 11:00:00,`42001,`TU2,`REFUND,`0.00\n总交易单数,应结订单总金额\n`2,`19.99\n';
    const r = parseTradeBill(csv);
    assert.deepEqual(
      r.payments.map((x) => [x.outTradeNo, x.amountFen, x.paidAt.toISOString()]),
      [['TU1', 1_999, '2026-11-20T02:00:00.000Z']],
    );
    assert.equal(r.refundLines, 1);
  });
});
