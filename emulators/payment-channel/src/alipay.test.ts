import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createSign, createVerify } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { crc32, inflateRawSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { ALIPAY_RETRY_SCHEDULE_MS, alipaySignContent } from './alipay.ts';
import { createPaymentChannelEmulator, type PaymentChannelEmulator } from './server.ts';

/** The emulator's Alipay gateway over real HTTP, driven by a minimal merchant written here from the protocol. */
describe('payment-channel emulator (Alipay open API)', () => {
  let emu: PaymentChannelEmulator;
  let notifyServer: Server;
  let notifyUrl = '';
  const received: string[] = [];
  let answers: string[] = [];

  before(async () => {
    emu = createPaymentChannelEmulator({ autoRun: false });
    await emu.listen();
    notifyServer = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push(body);
        res.end(answers.shift() ?? 'success');
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

  /** An RSA2-signed gateway call; the response signature is checked over the raw `<method>_response`. */
  async function call(method: string, biz: Record<string, unknown>, extra: Record<string, string> = {}): Promise<Record<string, string>> {
    const params: Record<string, string> = {
      app_id: '2021000000000001',
      method,
      format: 'JSON',
      charset: 'utf-8',
      sign_type: 'RSA2',
      timestamp: '2026-11-23 10:00:00',
      version: '1.0',
      biz_content: JSON.stringify(biz),
      ...extra,
    };
    params.sign = createSign('RSA-SHA256').update(alipaySignContent(params), 'utf8').sign(emu.credentials.merchantPrivateKeyPem, 'base64');
    const text = await (await fetch(`${emu.url}/alipay/gateway.do`, { method: 'POST', body: new URLSearchParams(params) })).text();
    const key = `"${method.replace(/\./g, '_')}_response":`;
    const raw = text.slice(text.indexOf(key) + key.length, text.lastIndexOf(',"sign":"'));
    const ok = createVerify('RSA-SHA256')
      .update(raw, 'utf8')
      .verify(emu.credentials.platformCertificatePem, (JSON.parse(text) as { sign: string }).sign, 'base64');
    assert.ok(ok, 'the response is signed by "Alipay"');
    return JSON.parse(raw) as Record<string, string>;
  }
  const verifyNotify = (body: string) => {
    const params = Object.fromEntries(new URLSearchParams(body)) as Record<string, string>;
    return createVerify('RSA-SHA256')
      .update(alipaySignContent(params, ['sign', 'sign_type']), 'utf8')
      .verify(emu.credentials.platformCertificatePem, params.sign!, 'base64');
  };

  it('precreate gives a QR code that opens the pay page; paying sends a signed notify, retried on Alipay’s schedule until `success`', async () => {
    const r = await call(
      'alipay.trade.precreate',
      { out_trade_no: 'EMU-ALI-1', total_amount: '8.80', subject: '充值' },
      { notify_url: notifyUrl },
    );
    assert.equal(r.code, '10000');
    assert.ok(r.qr_code!.startsWith(`${emu.url}/alipay/qr/`));
    assert.match(await (await fetch(r.qr_code!)).text(), /¥8\.80[\s\S]*确认付款/);
    answers = ['fail'];
    const paid = await fetch(`${r.qr_code}/confirm`, { method: 'POST' });
    assert.match(await paid.text(), /支付成功/);
    assert.equal(received.length, 1);
    assert.ok(verifyNotify(received[0]!));
    assert.match(received[0]!, /trade_status=TRADE_SUCCESS/);
    await emu.advance(ALIPAY_RETRY_SCHEDULE_MS[0]! - 1_000);
    assert.equal(received.length, 1);
    await emu.advance(1_000);
    assert.equal(received.length, 2, 'retried after 4 minutes');
    await emu.advance(ALIPAY_RETRY_SCHEDULE_MS[1]!);
    assert.equal(received.length, 2, 'answered `success`: no more retries');
    assert.equal((await call('alipay.trade.query', { out_trade_no: 'EMU-ALI-1' })).trade_status, 'TRADE_SUCCESS');
  });

  it('S5.9b: partial refunds — each with its own out_request_no, announced by a signed notify (out_biz_no, refund_fee, gmt_refund), never above the paid amount; refunded in full the trade closes; fastpay.refund.query finds each', async () => {
    const no = `PART${Date.now()}`;
    await call('alipay.trade.precreate', { out_trade_no: no, total_amount: '100.00', subject: '订单' }, { notify_url: notifyUrl });
    await emu.alipay.pay(no);
    received.length = 0;
    const first = await call('alipay.trade.refund', { out_trade_no: no, refund_amount: '30.00', out_request_no: `${no}-R1` });
    assert.deepEqual([first.code, first.fund_change, first.refund_fee, first.send_back_fee], ['10000', 'Y', '30.00', '30.00']);
    const second = await call('alipay.trade.refund', { out_trade_no: no, refund_amount: '50.00', out_request_no: `${no}-R2` });
    assert.deepEqual([second.fund_change, second.refund_fee], ['Y', '80.00'], 'refund_fee is the total refunded so far');
    assert.equal((await call('alipay.trade.query', { out_trade_no: no })).trade_status, 'TRADE_SUCCESS', 'a partial refund keeps it paid');
    // A retry of the first request moves no money; over-refunding is refused with Alipay's code.
    const retry = await call('alipay.trade.refund', { out_trade_no: no, refund_amount: '30.00', out_request_no: `${no}-R1` });
    assert.deepEqual([retry.code, retry.fund_change, retry.refund_fee], ['10000', 'N', '80.00']);
    const over = await call('alipay.trade.refund', { out_trade_no: no, refund_amount: '20.01', out_request_no: `${no}-R3` });
    assert.deepEqual([over.code, over.sub_code], ['40004', 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL']);
    const q1 = await call('alipay.trade.fastpay.refund.query', { out_trade_no: no, out_request_no: `${no}-R1` });
    assert.deepEqual([q1.refund_status, q1.refund_amount, q1.total_amount], ['REFUND_SUCCESS', '30.00', '100.00']);
    const none = await call('alipay.trade.fastpay.refund.query', { out_trade_no: no, out_request_no: `${no}-R3` });
    assert.deepEqual([none.code, none.refund_amount], ['10000', undefined], 'a refund that never happened: Success without refund fields');
    // The rest, in full: the trade closes, and a further refund is refused.
    const last = await call('alipay.trade.refund', { out_trade_no: no, refund_amount: '20.00', out_request_no: `${no}-R3` });
    assert.deepEqual([last.fund_change, last.refund_fee], ['Y', '100.00']);
    assert.equal((await call('alipay.trade.query', { out_trade_no: no })).trade_status, 'TRADE_CLOSED');
    const closed = await call('alipay.trade.refund', { out_trade_no: no, refund_amount: '0.01', out_request_no: `${no}-R4` });
    assert.equal(closed.sub_code, 'ACQ.TRADE_STATUS_ERROR');
    await emu.runDue();
    const notes = received.map((b) => Object.fromEntries(new URLSearchParams(b)));
    assert.ok(received.every((b) => verifyNotify(b)));
    assert.deepEqual(
      notes.map((n) => [n.out_biz_no, n.refund_fee, n.trade_status, !!n.gmt_refund]),
      [
        [`${no}-R1`, '30.00', 'TRADE_SUCCESS', true],
        [`${no}-R2`, '80.00', 'TRADE_SUCCESS', true],
        [`${no}-R3`, '100.00', 'TRADE_CLOSED', true],
      ],
    );
  });

  it('bank-card transfers: DEALING then SUCCESS or FAIL, idempotent by out_biz_no, other content refused, a bounce shows as REFUND', async () => {
    const biz = (no: string, amount: string, name = '张三') => ({
      out_biz_no: no,
      trans_amount: amount,
      product_code: 'TRANS_BANKCARD_NO_PWD',
      biz_scene: 'DIRECT_TRANSFER',
      payee_info: { identity: '6217000010000000003', identity_type: 'BANKCARD_ACCOUNT', name },
    });
    const first = await call('alipay.fund.trans.uni.transfer', biz('EMU-WD-1', '10.00'), { notify_url: notifyUrl });
    assert.deepEqual([first.code, first.status], ['10000', 'DEALING']);
    const again = await call('alipay.fund.trans.uni.transfer', biz('EMU-WD-1', '10.00'));
    assert.equal(again.order_id, first.order_id);
    assert.equal((await call('alipay.fund.trans.uni.transfer', biz('EMU-WD-1', '11.00'))).sub_code, 'REQUEST_PROCESSING');
    received.length = 0;
    await emu.runDue();
    const q = await call('alipay.fund.trans.common.query', { out_biz_no: 'EMU-WD-1' });
    assert.deepEqual([q.status, q.trans_amount], ['SUCCESS', '10.00']);
    assert.equal(received.length, 1);
    assert.ok(verifyNotify(received[0]!));
    assert.match(decodeURIComponent(received[0]!), /msg_method=alipay\.fund\.trans\.order\.changed/);
    emu.alipay.bounce('EMU-WD-1');
    assert.equal((await call('alipay.fund.trans.common.query', { out_biz_no: 'EMU-WD-1' })).status, 'REFUND');

    await call('alipay.fund.trans.uni.transfer', biz('EMU-WD-2', '5.00', 'FAIL 李四'));
    await emu.runDue();
    const failed = await call('alipay.fund.trans.common.query', { out_biz_no: 'EMU-WD-2' });
    assert.deepEqual([failed.status, failed.error_code], ['FAIL', 'PAYEE_CARD_INFO_ERROR']);
    assert.equal((await call('alipay.fund.trans.common.query', { out_biz_no: 'NONE' })).sub_code, 'ORDER_NOT_EXIST');
  });
  it('the daily bill: downloadurl.query → a ZIP of GBK CSV files (detail with 交易/退款 lines and summary blocks); none before the day ends', async () => {
    const no = `BILL${Date.now()}`;
    await call('alipay.trade.precreate', { out_trade_no: no, total_amount: '12.34', subject: '充值,测试' }, { notify_url: notifyUrl });
    await emu.alipay.pay(no);
    await call('alipay.trade.refund', { out_trade_no: no, refund_amount: '2.00', out_request_no: 'RF-1' });
    const again = await call('alipay.trade.refund', { out_trade_no: no, refund_amount: '2.00', out_request_no: 'RF-1' });
    assert.equal(again.refund_fee, '2.00', 'a repeated out_request_no refunds once');
    const day = new Date(emu.now() + 8 * 3600_000).toISOString().slice(0, 10);
    const early = await call('alipay.data.dataservice.bill.downloadurl.query', { bill_type: 'trade', bill_date: day });
    assert.equal(early.sub_code, 'isp.bill_not_exist');
    assert.equal(
      (await call('alipay.data.dataservice.bill.downloadurl.query', { bill_type: 'x', bill_date: day })).sub_code,
      'isv.invalid-parameter',
    );
    await emu.advance(24 * 3600_000);
    const r = await call('alipay.data.dataservice.bill.downloadurl.query', { bill_type: 'trade', bill_date: day });
    assert.equal(r.code, '10000');
    const zipped = Buffer.from(await (await fetch(r.bill_download_url!)).arrayBuffer());
    // Walk the local file headers: names and contents are GBK; CRC-32 checks each file.
    const files = new Map<string, string>();
    for (let p = 0; zipped.readUInt32LE(p) === 0x04034b50;) {
      const size = zipped.readUInt32LE(p + 18);
      const nameLen = zipped.readUInt16LE(p + 26);
      const start = p + 30 + nameLen + zipped.readUInt16LE(p + 28);
      const data = inflateRawSync(zipped.subarray(start, start + size));
      assert.equal(crc32(data), zipped.readUInt32LE(p + 14));
      const gbk = new TextDecoder('gbk', { fatal: true });
      files.set(gbk.decode(zipped.subarray(p + 30, p + 30 + nameLen)), gbk.decode(data));
      p = start + size;
    }
    const compact = day.replace(/-/g, '');
    const detail = [...files].find(([n]) => n.endsWith(`_${compact}_业务明细.csv`))![1];
    assert.ok([...files.keys()].some((n) => n.endsWith(`_${compact}_业务明细(汇总).csv`)));
    const lines = detail.split('\r\n');
    assert.equal(lines[0], '#支付宝业务明细查询');
    const header = lines.find((l) => l.startsWith('支付宝交易号'))!.split(',');
    const mine = lines.filter((l) => l.includes(`${no}\t`)).map((l) => l.split(',').map((f) => f.trim()));
    const col = (row: string[], name: string) => row[header.indexOf(name)];
    assert.deepEqual(
      mine.map((row) => [col(row, '业务类型'), col(row, '商品名称'), col(row, '订单金额（元）'), col(row, '退款批次号/请求号')]),
      [
        ['交易', '充值 测试', '12.34', ''],
        ['退款', '充值 测试', '-2.00', 'RF-1'],
      ],
    );
    assert.ok(lines.some((l) => /^#交易合计：\d+笔，商家实收共计：[\d.]+元$/.test(l)));
    // The link is good for 30 seconds.
    await emu.advance(31_000);
    assert.equal((await fetch(r.bill_download_url!)).status, 404);
  });
});
