import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestApp, type TestApp } from './helpers.ts';
import { registerUser, TEST_ENV, type TestUser } from './factories.ts';
import { accountsModule } from '../src/modules/accounts/index.ts';
import { messagesModule } from '../src/modules/messages/index.ts';
import { ChannelError, confirmPaid, createWalletModule, getBalances, verifyLedger } from '../src/modules/wallet/index.ts';
import { AlipayChannel } from '../src/modules/wallet/channels/alipay.ts';
import { createPaymentChannelEmulator, type PaymentChannelEmulator } from '../../emulators/payment-channel/src/server.ts';

/** The Alipay open-API adapter (RSA2) against the emulator's Alipay gateway over real HTTP. */
describe('wallet: Alipay adapter (emulator)', () => {
  let emu: PaymentChannelEmulator;
  let t: TestApp;
  let alipay: AlipayChannel;
  let receiver: Server;
  let notifyUrl = '';
  const received: { body: string; result: string }[] = [];
  let user: TestUser;

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
          channel: (p) =>
            (alipay = new AlipayChannel({
              appId: '2021000000000001',
              appPrivateKeyPem: emu.credentials.merchantPrivateKeyPem,
              alipayPublicKeyPem: emu.credentials.platformCertificatePem,
              gatewayUrl: `${emu.url}/alipay/gateway.do`,
              now: () => p.clock.now().getTime(),
            })),
          notifyBaseUrl: () => notifyUrl,
        }),
      ],
    });
    // The merchant's notify endpoint: verify, credit, answer `success` (anything else makes Alipay retry).
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', async () => {
        let result: string;
        try {
          const n = await alipay.openNotification(req.headers, body);
          result = n.kind === 'payment' && n.payment.state === 'paid' ? await confirmPaid(t.p, 'alipay', n.payment) : 'ignored';
          res.end('success');
        } catch (err) {
          result = err instanceof ChannelError ? err.code : String(err);
          res.writeHead(400);
          res.end('fail');
        }
        received.push({ body, result });
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    notifyUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    user = await registerUser(t);
  });
  after(async () => {
    await emu.close();
    receiver.closeAllConnections();
    await new Promise((r) => receiver.close(r));
    await t.close();
  });

  it('S5.9b: a top-up through Alipay: RSA2-signed precreate, verified async notify credits once and is answered `success`', async () => {
    // The top-up is created through the API with Alipay as the configured channel; its notify URL points at the receiver above.
    const r = await t.app.inject({ method: 'POST', url: '/api/v1/wallet/topups', headers: user.headers, payload: { amountFen: 2_345 } });
    assert.equal(r.statusCode, 201, r.body);
    const tu = r.json();
    assert.equal(tu.channel, 'alipay');
    assert.match(tu.codeUrl, /^https:\/\/qr\.alipay\.com\//);
    assert.equal((await alipay.queryPayment(tu.outTradeNo)).state, 'pending');
    await emu.alipay.pay(tu.outTradeNo);
    assert.equal(emu.alipay.notifications.at(-1)!.answer, 'success');
    assert.equal(received.at(-1)!.result, 'credited');
    assert.equal((await getBalances(t.p.db, user.userId)).availableFen, 2_345);

    // A replay credits nothing more; a tampered amount fails verification.
    const replay = await fetch(notifyUrl, { method: 'POST', body: received.at(-1)!.body });
    assert.equal(await replay.text(), 'success');
    assert.equal(received.at(-1)!.result, 'already');
    const tampered = await fetch(notifyUrl, {
      method: 'POST',
      body: received.at(-2)!.body.replace('total_amount=23.45', 'total_amount=99.45'),
    });
    assert.equal(tampered.status, 400);
    assert.equal(received.at(-1)!.result, 'SIGNATURE_INVALID');
    assert.equal((await getBalances(t.p.db, user.userId)).availableFen, 2_345);

    const q = await alipay.queryPayment(tu.outTradeNo);
    assert.deepEqual([q.state, q.amountFen], ['paid', 2_345]);
    assert.deepEqual(
      await alipay.refund({ outTradeNo: tu.outTradeNo, outRefundNo: 'RFA1', amountFen: 345, totalFen: 2_345, reason: '测试' }),
      {
        status: 'success',
      },
    );
    await assert.rejects(alipay.closePayment(tu.outTradeNo), (e: ChannelError) => e.code === 'ORDERPAID');
    assert.deepEqual((await verifyLedger(t.p.db)).violations, []);
  });

  it('S5.9b: unknown trades, closing an unpaid one, and a request signed with the wrong key are refused', async () => {
    await assert.rejects(alipay.queryPayment('NOSUCHTRADE'), (e: ChannelError) => e.code === 'ORDER_NOT_EXIST');
    await alipay.createPayment({
      outTradeNo: 'ALI-CLOSE-1',
      amountFen: 100,
      description: '关单',
      expiresAt: new Date(Date.now() + 60_000),
      notifyUrl,
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
});
