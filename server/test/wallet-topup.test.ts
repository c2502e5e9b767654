import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestApp, type TestApp } from './helpers.ts';
import { registerUser, TEST_ENV, type TestUser } from './factories.ts';
import { accountsModule } from '../src/modules/accounts/index.ts';
import { messagesModule } from '../src/modules/messages/index.ts';
import { createWalletModule, checkTopUp, verifyLedger, WechatPayChannel, TOPUP_TTL_MS } from '../src/modules/wallet/index.ts';
import { createPaymentChannelEmulator, type PaymentChannelEmulator } from '../../emulators/payment-channel/src/server.ts';

/**
 * Top-up end to end over real HTTP: the platform's WeChat Pay adapter against the payment-channel
 * emulator, callbacks through a recording proxy so the test can replay and tamper with them.
 */
describe('wallet top-up through WeChat Pay (emulator)', () => {
  let emu: PaymentChannelEmulator;
  let t: TestApp;
  let platformUrl = '';
  let proxy: Server;
  let proxyUrl = '';
  const captured: { headers: Record<string, string>; body: string; status: number }[] = [];
  let channel: WechatPayChannel;
  let owner: TestUser;
  let other: TestUser;

  before(async () => {
    emu = createPaymentChannelEmulator({ autoRun: false });
    await emu.listen();
    proxy = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', async () => {
        const headers = Object.fromEntries(
          Object.entries(req.headers).filter(([k]) => k.startsWith('wechatpay-') || k === 'content-type'),
        ) as Record<string, string>;
        const r = await fetch(platformUrl + req.url, { method: 'POST', headers, body });
        captured.push({ headers, body, status: r.status });
        res.writeHead(r.status);
        res.end(await r.text());
      });
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    t = await createTestApp({
      env: TEST_ENV,
      now: new Date(emu.now()),
      modules: [
        accountsModule,
        messagesModule,
        createWalletModule({
          channel: (p) => {
            channel = new WechatPayChannel({ ...emu.credentials, baseUrl: emu.url, now: () => p.clock.now().getTime() });
            return channel;
          },
          notifyBaseUrl: () => proxyUrl,
        }),
      ],
    });
    platformUrl = await t.app.listen({ port: 0, host: '127.0.0.1' });
    owner = await registerUser(t);
    other = await registerUser(t);
  });
  after(async () => {
    await emu.close();
    proxy.closeAllConnections();
    await new Promise((r) => proxy.close(r));
    await t.close();
  });

  const deps = () => ({ channels: [channel], notifyUrl: () => `${proxyUrl}/api/v1/wallet/channels/wechat/notify` });
  const topUp = (amountFen: number, key?: string, u = owner) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/wallet/topups',
      headers: { ...u.headers, ...(key ? { 'idempotency-key': key } : {}) },
      payload: { amountFen },
    });
  const balance = async (u = owner) =>
    (await t.app.inject({ method: 'GET', url: '/api/v1/wallet', headers: u.headers })).json().availableFen as number;
  const payOnPage = async (payUrl: string) => {
    const page = await fetch(payUrl).then((r) => r.text());
    assert.match(page, /确认支付/);
    const done = await fetch(`${payUrl}/confirm`, { method: 'POST' }).then((r) => r.text());
    assert.match(done, /支付成功/);
  };
  const advanceBoth = async (ms: number) => {
    t.clock.advance(ms);
    await emu.advance(ms);
  };

  it('S5.9b: a top-up paid on the channel’s page is credited once by the signed callback, and the owner is told (S5.8c)', async () => {
    const before = await balance();
    const r = await topUp(6_600, 'topup-key-0001');
    assert.equal(r.statusCode, 201, r.body);
    const tu = r.json();
    assert.equal(tu.status, 'pending');
    assert.match(tu.codeUrl, /^weixin:\/\/wxpay\/bizpayurl\?pr=/);
    const again = await topUp(6_600, 'topup-key-0001');
    assert.equal(again.json().id, tu.id);
    assert.equal((await topUp(7_700, 'topup-key-0001')).statusCode, 422);

    await payOnPage(tu.payUrl);
    await emu.runDue();
    assert.equal(captured.at(-1)!.status, 204);
    assert.equal(await balance(), before + 6_600);
    const seen = await t.app.inject({ method: 'GET', url: `/api/v1/wallet/topups/${tu.id}`, headers: owner.headers });
    assert.equal(seen.json().status, 'paid');
    await t.p.jobs.drain();
    const msgs = await t.app.inject({ method: 'GET', url: '/api/v1/notifications?category=wallet', headers: owner.headers });
    assert.match(msgs.json().items[0].body, /充值到账/);
    assert.deepEqual((await verifyLedger(t.p.db)).violations, []);
  });

  it('S5.9b: duplicate and replayed callbacks credit once; a tampered or forged callback is rejected', async () => {
    emu.setSwitches({ duplicateCallbacks: true });
    const start = await balance();
    const created = await topUp(1_234);
    assert.equal(created.statusCode, 201, created.body);
    const tu = created.json();
    captured.length = 0;
    await emu.pay(tu.outTradeNo);
    emu.setSwitches({ duplicateCallbacks: false });
    assert.equal(captured.length, 2);
    assert.ok(captured.every((c) => c.status === 204));
    assert.equal(await balance(), start + 1_234);

    const genuine = captured[0]!;
    const notifyUrl = `${platformUrl}/api/v1/wallet/channels/wechat/notify`;
    const replay = await fetch(notifyUrl, { method: 'POST', headers: genuine.headers, body: genuine.body });
    assert.equal(replay.status, 204);
    const event = JSON.parse(genuine.body);
    event.resource.ciphertext = Buffer.from('x'.repeat(64)).toString('base64');
    const tampered = await fetch(notifyUrl, { method: 'POST', headers: genuine.headers, body: JSON.stringify(event) });
    assert.equal(tampered.status, 401);
    assert.equal(((await tampered.json()) as { code: string }).code, 'FAIL');
    const probe = await fetch(notifyUrl, {
      method: 'POST',
      headers: { ...genuine.headers, 'wechatpay-signature': 'WECHATPAY/SIGNTEST/abc' },
      body: genuine.body,
    });
    assert.equal(probe.status, 401);
    const unsigned = await fetch(notifyUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: genuine.body });
    assert.equal(unsigned.status, 401);
    assert.equal(await balance(), start + 1_234);
    assert.deepEqual((await verifyLedger(t.p.db)).violations, []);
  });

  it('S5.9b: a lost callback is made good by querying the channel; other users cannot see the top-up', async () => {
    emu.setSwitches({ loseCallbacks: true });
    const start = await balance();
    const tu = (await topUp(2_000)).json();
    await emu.pay(tu.outTradeNo);
    emu.setSwitches({ loseCallbacks: false });
    assert.equal(await balance(), start);
    assert.equal((await t.app.inject({ method: 'GET', url: `/api/v1/wallet/topups/${tu.id}`, headers: other.headers })).statusCode, 404);
    await advanceBoth(10_000);
    const seen = await t.app.inject({ method: 'GET', url: `/api/v1/wallet/topups/${tu.id}`, headers: owner.headers });
    assert.equal(seen.json().status, 'paid');
    assert.equal(await balance(), start + 2_000);
    assert.equal(await balance(other), 0);
  });

  it('S5.5b: an unpaid top-up is closed at the channel by the platform at its deadline and can no longer be paid', async () => {
    const tu = (await topUp(3_000)).json();
    await advanceBoth(TOPUP_TTL_MS + 61_000);
    const checked = await checkTopUp(t.p, deps(), tu.id);
    assert.equal(checked!.status, 'closed');
    assert.equal((await channel.queryPayment(tu.outTradeNo)).state, 'closed');
    await assert.rejects(emu.pay(tu.outTradeNo));
  });

  it('S5.9b: a channel failure or a signature probe in its answer refuses the top-up cleanly; a retry with the same key succeeds', async () => {
    emu.setSwitches({ failNext: 1 });
    const failed = await topUp(4_000, 'topup-key-retry');
    assert.equal(failed.statusCode, 503);
    assert.equal(failed.json().code, 'PAYMENT_CHANNEL_UNAVAILABLE');
    const retried = await topUp(4_000, 'topup-key-retry');
    assert.equal(retried.statusCode, 201);
    assert.equal(retried.json().status, 'pending');
    emu.setSwitches({ signatureProbe: true });
    const probed = await topUp(4_100);
    emu.setSwitches({ signatureProbe: false });
    assert.equal(probed.statusCode, 503);
    assert.deepEqual((await verifyLedger(t.p.db)).violations, []);
  });
});
