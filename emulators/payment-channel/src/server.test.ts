import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPaymentChannelEmulator, RETRY_SCHEDULE_MS, type PaymentChannelEmulator } from './server.ts';
import { aeadDecrypt, randomAlnum, requestMessage, responseMessage, rsaSign, rsaVerify } from './wxcrypto.ts';

/** The emulator over real HTTP, driven by a minimal merchant written here from the protocol. */
describe('payment-channel emulator (WeChat Pay API v3)', () => {
  let emu: PaymentChannelEmulator;
  let base: string;
  let notifyServer: Server;
  let notifyUrl: string;
  const received: { headers: Record<string, string>; body: string }[] = [];
  let answer: number[] = []; // statuses the merchant answers callbacks with, in order (then 204)

  before(async () => {
    emu = createPaymentChannelEmulator({ autoRun: false });
    base = await emu.listen();
    notifyServer = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ headers: req.headers as Record<string, string>, body });
        res.writeHead(answer.shift() ?? 204);
        res.end();
      });
    });
    await new Promise<void>((r) => notifyServer.listen(0, '127.0.0.1', r));
    notifyUrl = `http://127.0.0.1:${(notifyServer.address() as AddressInfo).port}/notify`;
  });
  after(async () => {
    await emu.close();
    notifyServer.closeAllConnections();
    await new Promise((r) => notifyServer.close(r));
  });
  beforeEach(() => {
    received.length = 0;
    answer = [];
    emu.setSwitches({
      loseCallbacks: false,
      duplicateCallbacks: false,
      signatureProbe: false,
      failNext: 0,
      payoutFailure: false,
      refundFailure: false,
    });
  });

  const c = () => emu.credentials;
  /** A merchant's signed request; returns status, parsed body and whether the response signature verifies. */
  async function call(method: string, path: string, body?: unknown, o: { tamper?: boolean; timestamp?: number; nonce?: string } = {}) {
    const raw = body === undefined ? '' : JSON.stringify(body);
    const timestamp = String(o.timestamp ?? Math.floor(emu.now() / 1000));
    const nonce = o.nonce ?? randomAlnum(32);
    const signature = rsaSign(c().merchantPrivateKeyPem, requestMessage(method, path, timestamp, nonce, raw));
    const res = await fetch(base + path, {
      method,
      headers: {
        Accept: 'application/json',
        'Content-Type': 'application/json',
        Authorization: `WECHATPAY2-SHA256-RSA2048 mchid="${c().mchid}",nonce_str="${nonce}",signature="${signature}",timestamp="${timestamp}",serial_no="${c().merchantSerialNo}"`,
      },
      ...(raw ? { body: o.tamper ? raw.replace(/"total":(\d+)/, '"total":1') : raw } : {}),
    });
    const text = await res.text();
    const h = (n: string) => res.headers.get(n) ?? '';
    const verified =
      h('wechatpay-serial') === c().platformSerialNo &&
      rsaVerify(
        new X509Certificate(c().platformCertificatePem).publicKey,
        responseMessage(h('wechatpay-timestamp'), h('wechatpay-nonce'), text),
        h('wechatpay-signature'),
      );
    return { status: res.status, body: text ? JSON.parse(text) : undefined, verified, signature: h('wechatpay-signature') };
  }
  const newTrade = (outTradeNo: string, total = 1234, extra: Record<string, unknown> = {}) =>
    call('POST', '/v3/pay/transactions/native', {
      appid: c().appid,
      mchid: c().mchid,
      description: '顶班-钱包充值',
      out_trade_no: outTradeNo,
      notify_url: notifyUrl,
      amount: { total, currency: 'CNY' },
      ...extra,
    });
  /** What a merchant does with a callback: verify the platform signature, then decrypt the resource. */
  function openCallback(n: { headers: Record<string, string>; body: string }) {
    const ok = rsaVerify(
      new X509Certificate(c().platformCertificatePem).publicKey,
      responseMessage(n.headers['wechatpay-timestamp']!, n.headers['wechatpay-nonce']!, n.body),
      n.headers['wechatpay-signature']!,
    );
    const event = JSON.parse(n.body);
    const r = event.resource;
    return { ok, event, resource: JSON.parse(aeadDecrypt(c().apiV3Key, r.nonce, r.associated_data, r.ciphertext)) };
  }

  it('S5.9b: platform certificates are served encrypted with the API v3 key, and responses are signed with them', async () => {
    const r = await call('GET', '/v3/certificates');
    assert.equal(r.status, 200);
    assert.ok(r.verified);
    const e = r.body.data[0].encrypt_certificate;
    const pem = aeadDecrypt(c().apiV3Key, e.nonce, e.associated_data, e.ciphertext);
    assert.equal(new X509Certificate(pem).serialNumber.toUpperCase(), r.body.data[0].serial_no);
  });

  it('S5.9b: requests with a tampered body, a stale timestamp, a replayed nonce or no signature are refused', async () => {
    await newTrade('TAMPER0001', 5000);
    const bad = await call(
      'POST',
      '/v3/pay/transactions/native',
      { appid: c().appid, mchid: c().mchid, description: 'x', out_trade_no: 'TAMPER0002', notify_url: notifyUrl, amount: { total: 5000 } },
      { tamper: true },
    );
    assert.equal(bad.status, 401);
    assert.equal(bad.body.code, 'SIGN_ERROR');
    assert.ok(bad.verified, 'errors are signed too');
    const stale = await call('GET', `/v3/pay/transactions/out-trade-no/TAMPER0001?mchid=${c().mchid}`, undefined, {
      timestamp: Math.floor(emu.now() / 1000) - 301,
    });
    assert.equal(stale.status, 401);
    const nonce = randomAlnum(32);
    assert.equal((await call('GET', `/v3/pay/transactions/out-trade-no/TAMPER0001?mchid=${c().mchid}`, undefined, { nonce })).status, 200);
    assert.equal((await call('GET', `/v3/pay/transactions/out-trade-no/TAMPER0001?mchid=${c().mchid}`, undefined, { nonce })).status, 401);
    const anon = await fetch(`${base}/v3/certificates`);
    assert.equal(anon.status, 401);
  });

  it('S5.9b: a demo user scans and pays on the pay page; the signed, encrypted callback arrives and query agrees', async () => {
    const r = await newTrade('PAYPAGE0001', 8800);
    assert.equal(r.status, 200);
    assert.ok(r.verified);
    const token = /pr=(\w+)/.exec(r.body.code_url)![1]!;
    // Creating again with the same content is idempotent; different content is refused.
    assert.equal((await newTrade('PAYPAGE0001', 8800)).body.code_url, r.body.code_url);
    assert.equal((await newTrade('PAYPAGE0001', 9900)).body.code, 'OUT_TRADE_NO_USED');
    const page = await fetch(`${base}/pay/${token}`).then((x) => x.text());
    assert.match(page, /¥88\.00/);
    const paid = await fetch(`${base}/pay/${token}/confirm`, { method: 'POST' }).then((x) => x.text());
    assert.match(paid, /支付成功/);
    await emu.runDue();
    assert.equal(received.length, 1);
    const cb = openCallback(received[0]!);
    assert.ok(cb.ok);
    assert.equal(cb.event.event_type, 'TRANSACTION.SUCCESS');
    assert.equal(cb.resource.out_trade_no, 'PAYPAGE0001');
    assert.equal(cb.resource.trade_state, 'SUCCESS');
    assert.equal(cb.resource.amount.total, 8800);
    const q = await call('GET', `/v3/pay/transactions/out-trade-no/PAYPAGE0001?mchid=${c().mchid}`);
    assert.equal(q.body.trade_state, 'SUCCESS');
    assert.equal(q.body.transaction_id, cb.resource.transaction_id);
    assert.equal((await call('POST', '/v3/pay/transactions/out-trade-no/PAYPAGE0001/close', { mchid: c().mchid })).body.code, 'ORDERPAID');
  });

  it('S5.9b: a refused callback is retried on the real schedule; duplicate and lost callbacks can be switched on', async () => {
    await newTrade('RETRY00001', 100);
    answer = [500, 500];
    await emu.pay('RETRY00001');
    assert.equal(received.length, 1);
    await emu.advance(RETRY_SCHEDULE_MS[0]! - 1000);
    assert.equal(received.length, 1, 'not before 15 s');
    await emu.advance(1000);
    assert.equal(received.length, 2);
    await emu.advance(RETRY_SCHEDULE_MS[1]!);
    assert.equal(received.length, 3); // answered 204: done
    await emu.advance(24 * 3600_000);
    assert.equal(received.length, 3);

    emu.setSwitches({ duplicateCallbacks: true });
    await newTrade('DUPLICATE1', 100);
    await emu.pay('DUPLICATE1');
    assert.equal(received.length, 5);
    assert.equal(openCallback(received[3]!).event.id, openCallback(received[4]!).event.id);

    emu.setSwitches({ duplicateCallbacks: false, loseCallbacks: true });
    await newTrade('LOST000001', 100);
    await emu.pay('LOST000001');
    await emu.advance(3600_000);
    assert.equal(received.length, 5);
    assert.equal((await call('GET', `/v3/pay/transactions/out-trade-no/LOST000001?mchid=${c().mchid}`)).body.trade_state, 'SUCCESS');
  });

  it('S5.5b: an unpaid order stays NOTPAY past its expiry until the merchant closes it; then it cannot be paid', async () => {
    await newTrade('CLOSE00001', 100, { time_expire: new Date(emu.now() + 60_000).toISOString() });
    await emu.advance(120_000);
    assert.equal((await call('GET', `/v3/pay/transactions/out-trade-no/CLOSE00001?mchid=${c().mchid}`)).body.trade_state, 'NOTPAY');
    const closed = await call('POST', '/v3/pay/transactions/out-trade-no/CLOSE00001/close', { mchid: c().mchid });
    assert.equal(closed.status, 204);
    assert.ok(closed.verified);
    assert.equal((await call('GET', `/v3/pay/transactions/out-trade-no/CLOSE00001?mchid=${c().mchid}`)).body.trade_state, 'CLOSED');
    await assert.rejects(emu.pay('CLOSE00001'), /关闭/);
  });

  it('S5.9b: refunds go PROCESSING → SUCCESS with a callback; over-refunds are refused', async () => {
    await newTrade('REFUND0001', 1000);
    await emu.pay('REFUND0001');
    received.length = 0;
    const r = await call('POST', '/v3/refund/domestic/refunds', {
      out_trade_no: 'REFUND0001',
      out_refund_no: 'R-1',
      amount: { refund: 600, total: 1000, currency: 'CNY' },
    });
    assert.equal(r.status, 200);
    assert.equal(r.body.status, 'PROCESSING');
    const over = await call('POST', '/v3/refund/domestic/refunds', {
      out_trade_no: 'REFUND0001',
      out_refund_no: 'R-2',
      amount: { refund: 500, total: 1000, currency: 'CNY' },
    });
    assert.equal(over.status, 400);
    await emu.runDue();
    assert.equal((await call('GET', '/v3/refund/domestic/refunds/R-1')).body.status, 'SUCCESS');
    const cb = openCallback(received[0]!);
    assert.equal(cb.event.event_type, 'REFUND.SUCCESS');
    assert.equal(cb.resource.refund_status, 'SUCCESS');
  });

  it('S5.9b: partial refunds — several per transaction, each with its own out_refund_no and callback; the total never above the paid amount; a changed retry, the 51st refund and a failed refund as WeChat Pay answers them', async () => {
    await newTrade('PARTIAL001', 10_000);
    await emu.pay('PARTIAL001');
    received.length = 0;
    const refund = (no: string, amount: number, total = 10_000) =>
      call('POST', '/v3/refund/domestic/refunds', {
        out_trade_no: 'PARTIAL001',
        out_refund_no: no,
        amount: { refund: amount, total, currency: 'CNY' },
      });
    assert.equal((await refund('P-1', 3_000)).status, 200);
    assert.equal((await refund('P-2', 5_000)).status, 200);
    const again = await refund('P-1', 3_000);
    assert.deepEqual([again.status, again.body.amount.refund], [200, 3_000], 'a retry answers the same refund');
    const changed = await refund('P-1', 2_000);
    assert.deepEqual([changed.status, changed.body.code], [400, 'INVALID_REQUEST']);
    assert.equal((await refund('P-3', 100, 9_999)).body.code, 'PARAM_ERROR', 'amount.total must be what was paid');
    const over = await refund('P-3', 2_001);
    assert.deepEqual([over.status, over.body.code, over.body.message], [400, 'INVALID_REQUEST', '申请退款金额超过订单可退金额']);
    await emu.runDue();
    const q = await call('GET', '/v3/refund/domestic/refunds/P-2');
    assert.deepEqual([q.body.status, q.body.amount.refund, q.body.amount.total], ['SUCCESS', 5_000, 10_000]);
    assert.equal((await call('GET', `/v3/pay/transactions/out-trade-no/PARTIAL001?mchid=${c().mchid}`)).body.trade_state, 'REFUND');
    const cbs = received.map(openCallback);
    assert.ok(cbs.every((x) => x.ok));
    assert.deepEqual(
      cbs.map((x) => [x.event.event_type, x.resource.out_refund_no, x.resource.amount.refund, x.resource.amount.total]),
      [
        ['REFUND.SUCCESS', 'P-1', 3_000, 10_000],
        ['REFUND.SUCCESS', 'P-2', 5_000, 10_000],
      ],
    );
    // A refund that ends ABNORMAL is announced and no longer counts against what can be refunded.
    received.length = 0;
    emu.setSwitches({ refundFailure: true });
    await refund('P-3', 2_000);
    await emu.runDue();
    emu.setSwitches({ refundFailure: false });
    assert.equal((await call('GET', '/v3/refund/domestic/refunds/P-3')).body.status, 'ABNORMAL');
    assert.deepEqual(
      received.map(openCallback).map((x) => [x.event.event_type, x.resource.refund_status]),
      [['REFUND.ABNORMAL', 'ABNORMAL']],
    );
    assert.equal((await refund('P-4', 2_000)).status, 200, 'the 20.00 can be refunded again');
    assert.equal((await refund('P-5', 1)).body.message, '订单已全额退款');
    // At most 50 refunds per transaction.
    await newTrade('PARTIAL002', 100);
    await emu.pay('PARTIAL002');
    for (let i = 0; i < 50; i++) {
      const r = await call('POST', '/v3/refund/domestic/refunds', {
        out_trade_no: 'PARTIAL002',
        out_refund_no: `Q-${i}`,
        amount: { refund: 1, total: 100, currency: 'CNY' },
      });
      assert.equal(r.status, 200);
    }
    const fiftyFirst = await call('POST', '/v3/refund/domestic/refunds', {
      out_trade_no: 'PARTIAL002',
      out_refund_no: 'Q-50',
      amount: { refund: 1, total: 100, currency: 'CNY' },
    });
    assert.deepEqual([fiftyFirst.status, fiftyFirst.body.code], [400, 'INVALID_REQUEST']);
  });

  it('S5.9b: transfers (payouts) succeed or fail per detail, queryable and announced', async () => {
    const batch = (no: string, openid: string) =>
      call('POST', '/v3/transfer/batches', {
        appid: c().appid,
        out_batch_no: no,
        batch_name: '提现',
        batch_remark: '提现',
        total_amount: 500,
        total_num: 1,
        notify_url: notifyUrl,
        transfer_detail_list: [{ out_detail_no: `${no}D1`, transfer_amount: 500, transfer_remark: '提现', openid }],
      });
    assert.equal((await batch('BATCHOK001', 'o-good')).body.batch_status, 'ACCEPTED');
    assert.equal((await batch('BATCHFAIL1', 'FAIL-frozen')).status, 200);
    await emu.runDue();
    const ok = await call('GET', '/v3/transfer/batches/out-batch-no/BATCHOK001/details/out-detail-no/BATCHOK001D1');
    assert.equal(ok.body.detail_status, 'SUCCESS');
    const failed = await call('GET', '/v3/transfer/batches/out-batch-no/BATCHFAIL1?need_query_detail=true');
    assert.equal(failed.body.transfer_batch.fail_num, 1);
    assert.equal(failed.body.transfer_detail_list[0].detail_status, 'FAIL');
    assert.ok(received.some((n) => openCallback(n).event.event_type === 'MCHTRANSFER.BATCH.FINISHED'));
  });

  it('S5.9c: the trade bill has back-tick fields and a SHA-1 hash; lines can be dropped or mis-stated on purpose', async () => {
    await newTrade('BILL000001', 2500);
    await emu.pay('BILL000001');
    await newTrade('BILL000002', 8800);
    await emu.pay('BILL000002');
    const day = new Date(emu.now() + 8 * 3600_000).toISOString().slice(0, 10);
    const fetchBill = async () => {
      const b = await call('GET', `/v3/bill/tradebill?bill_date=${day}&bill_type=ALL`);
      assert.equal(b.status, 200);
      assert.equal(b.body.hash_type, 'SHA1');
      const path = new URL(b.body.download_url).pathname + new URL(b.body.download_url).search;
      const ts = String(Math.floor(emu.now() / 1000));
      const nonce = randomAlnum(32);
      const sig = rsaSign(c().merchantPrivateKeyPem, requestMessage('GET', path, ts, nonce, ''));
      const csv = await fetch(b.body.download_url, {
        headers: {
          Authorization: `WECHATPAY2-SHA256-RSA2048 mchid="${c().mchid}",nonce_str="${nonce}",signature="${sig}",timestamp="${ts}",serial_no="${c().merchantSerialNo}"`,
        },
      }).then((x) => x.text());
      assert.equal(createHash('sha1').update(csv).digest('hex'), b.body.hash_value);
      return csv;
    };
    const csv = await fetchBill();
    const line = csv.split('\r\n').find((l) => l.includes('`BILL000001'))!;
    assert.ok(line.startsWith('`'));
    assert.match(line, /`NATIVE,`SUCCESS,.*`25\.00,/);
    assert.match(csv, /^交易时间,公众账号ID/);
    assert.match(csv, /总交易单数,应结订单总金额/);
    emu.setSwitches({ billDropTradeNos: ['BILL000001'], billAmountDeltaFen: { BILL000002: 1 } });
    const tampered = await fetchBill();
    assert.ok(!tampered.includes('BILL000001'));
    assert.match(
      tampered.split('\r\n').find((l) => l.includes('`BILL000002'))!,
      /`88\.01,/,
    );
    emu.setSwitches({ billDropTradeNos: [], billAmountDeltaFen: {} });
    assert.equal((await call('GET', '/v3/bill/tradebill?bill_date=2001-01-01')).body.code, 'NO_STATEMENT_EXIST');
  });

  it('S5.9b: switches: signature probes, injected failures', async () => {
    emu.setSwitches({ signatureProbe: true });
    const probe = await call('GET', '/v3/certificates');
    assert.ok(probe.signature.startsWith('WECHATPAY/SIGNTEST/'));
    assert.equal(probe.verified, false);
    emu.setSwitches({ signatureProbe: false, failNext: 1 });
    const failed = await call('GET', '/v3/certificates');
    assert.equal(failed.status, 500);
    assert.equal(failed.body.code, 'SYSTEM_ERROR');
    assert.equal((await call('GET', '/v3/certificates')).status, 200);
  });
});
