import { createPublicKey, createSign, createVerify, type KeyObject } from 'node:crypto';
import { crc32, inflateRawSync } from 'node:zlib';
import {
  ChannelError,
  type ChannelNotification,
  type ChannelPayment,
  type PaymentChannel,
  type PayoutKind,
  type TransferOutcome,
} from './channel.ts';

export interface AlipayConfig {
  appId: string;
  /** The app's RSA private key (PKCS#8 PEM) that signs requests. */
  appPrivateKeyPem: string;
  /** Alipay's public key (PEM, or an X.509 certificate) that verifies responses and notifications. */
  alipayPublicKeyPem: string;
  /** `https://openapi.alipay.com/gateway.do` in production; the emulator's `/alipay/gateway.do` in development. */
  gatewayUrl: string;
  timeoutMs?: number;
  now?: () => number;
}

const yuan = (fen: number) => (fen / 100).toFixed(2);
const fenOf = (s: string): number => {
  const m = /^(\d+)(?:\.(\d{1,2}))?$/.exec(s);
  if (!m) throw new ChannelError('BAD_RESPONSE', `not an amount: ${s}`);
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
};
const cst = (ms: number) => new Date(ms + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
const fromCst = (s: string | undefined) => (s ? new Date(`${s.replace(' ', 'T')}+08:00`) : null);

/** Sorted `k=v` pairs joined by `&` (empty values and excluded keys left out): what RSA2 signs. */
export function alipaySignContent(params: Record<string, string>, exclude: string[] = ['sign']): string {
  return Object.keys(params)
    .filter((k) => !exclude.includes(k) && params[k] !== undefined && params[k] !== '')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
}

/**
 * Alipay open API (RSA2) behind the PaymentChannel interface: face-to-face precreate (QR code), query,
 * close, refund, payouts to bank cards (`alipay.fund.trans.uni.transfer`, product TRANS_BANKCARD_NO_PWD)
 * and their query, and the asynchronous notifications verified over the sorted parameters (the caller
 * answers `success`), and the daily trade bill (`alipay.data.dataservice.bill.downloadurl.query`, a ZIP of
 * GBK CSV files; Alipay gives no hash for it, so the ZIP's CRC-32 is the only integrity check).
 */
export class AlipayChannel implements PaymentChannel {
  readonly name = 'alipay';
  readonly notifyProtocol = 'alipay';
  readonly tradeBills = true;
  readonly payoutKinds = ['bank_card'] as const;
  readonly #c: AlipayConfig;
  readonly #alipayKey: KeyObject;

  constructor(c: AlipayConfig) {
    this.#c = c;
    this.#alipayKey = createPublicKey(c.alipayPublicKeyPem);
  }

  async #call(method: string, biz: Record<string, unknown>, extra: Record<string, string> = {}): Promise<Record<string, string>> {
    const params: Record<string, string> = {
      app_id: this.#c.appId,
      method,
      format: 'JSON',
      charset: 'utf-8',
      sign_type: 'RSA2',
      timestamp: cst((this.#c.now ?? Date.now)()),
      version: '1.0',
      biz_content: JSON.stringify(biz),
      ...extra,
    };
    params.sign = createSign('RSA-SHA256').update(alipaySignContent(params), 'utf8').sign(this.#c.appPrivateKeyPem, 'base64');
    let text: string;
    try {
      const r = await fetch(this.#c.gatewayUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body: new URLSearchParams(params).toString(),
        signal: AbortSignal.timeout(this.#c.timeoutMs ?? 10_000),
      });
      text = await r.text();
      if (r.status !== 200) throw new ChannelError('HTTP_ERROR', `HTTP ${r.status}`, r.status);
    } catch (err) {
      if (err instanceof ChannelError) throw err;
      throw new ChannelError('NETWORK_ERROR', (err as Error).message);
    }
    // The signature covers the raw `<method>_response` object exactly as sent.
    const key = `"${method.replace(/\./g, '_')}_response":`;
    const start = text.indexOf(key);
    const signAt = text.lastIndexOf(',"sign":"');
    if (start < 0 || signAt < 0) throw new ChannelError('BAD_RESPONSE', 'unexpected gateway response');
    const raw = text.slice(start + key.length, signAt);
    const sig = (JSON.parse(text) as { sign: string }).sign;
    if (!createVerify('RSA-SHA256').update(raw, 'utf8').verify(this.#alipayKey, sig, 'base64')) {
      throw new ChannelError('SIGNATURE_INVALID', 'the gateway response signature does not verify');
    }
    const body = JSON.parse(raw) as Record<string, string>;
    if (body.code !== '10000') {
      const sub = body.sub_code ?? body.code ?? 'UNKNOWN';
      // 20000 / isp.* / SYSTEM_ERROR: Alipay's own trouble — the outcome is unknown, so callers retry
      // (same out_trade_no / out_biz_no) instead of treating it as a refusal.
      const unknown = body.code === '20000' || sub.startsWith('isp.') || sub === 'SYSTEM_ERROR' || sub === 'ACQ.SYSTEM_ERROR';
      throw new ChannelError(sub === 'ACQ.TRADE_NOT_EXIST' ? 'ORDER_NOT_EXIST' : sub, body.sub_msg ?? body.msg ?? '', unknown ? 503 : 400);
    }
    return body;
  }

  async createPayment(o: { outTradeNo: string; amountFen: number; description: string; expiresAt: Date; notifyUrl: string }) {
    const minutes = Math.max(1, Math.ceil((o.expiresAt.getTime() - (this.#c.now ?? Date.now)()) / 60_000));
    const r = await this.#call(
      'alipay.trade.precreate',
      { out_trade_no: o.outTradeNo, total_amount: yuan(o.amountFen), subject: o.description, timeout_express: `${minutes}m` },
      { notify_url: o.notifyUrl },
    );
    // The QR code is a URL the payer's phone opens; it can also be opened in a browser (the emulator's pay page).
    return { codeUrl: r.qr_code!, payUrl: /^https?:\/\//.test(r.qr_code ?? '') ? r.qr_code! : null };
  }

  async queryPayment(outTradeNo: string): Promise<ChannelPayment> {
    const r = await this.#call('alipay.trade.query', { out_trade_no: outTradeNo });
    const state =
      r.trade_status === 'TRADE_SUCCESS' || r.trade_status === 'TRADE_FINISHED'
        ? 'paid'
        : r.trade_status === 'TRADE_CLOSED'
          ? 'closed'
          : 'pending';
    return {
      outTradeNo,
      state,
      amountFen: fenOf(r.total_amount ?? '0'),
      transactionId: r.trade_no ?? null,
      paidAt: fromCst(r.send_pay_date),
    };
  }

  async closePayment(outTradeNo: string): Promise<void> {
    try {
      await this.#call('alipay.trade.close', { out_trade_no: outTradeNo });
    } catch (err) {
      // Same meaning as WeChat Pay's ORDERPAID: the payer paid at the last moment.
      if (err instanceof ChannelError && err.code === 'ACQ.TRADE_STATUS_ERROR') throw new ChannelError('ORDERPAID', err.message, 400);
      throw err;
    }
  }

  async refund(o: { outTradeNo: string; outRefundNo: string; amountFen: number; totalFen: number; reason: string }) {
    const r = await this.#call('alipay.trade.refund', {
      out_trade_no: o.outTradeNo,
      out_request_no: o.outRefundNo,
      refund_amount: yuan(o.amountFen),
      refund_reason: o.reason,
    });
    // fund_change Y: this call refunded. N (a repeated out_request_no, or nothing moved yet): Alipay says to
    // ask the refund query whether the refund happened.
    if (r.fund_change === 'Y') return { status: 'success' as const };
    return { status: (await this.queryRefund(o)).status };
  }

  async queryRefund(o: { outTradeNo: string; outRefundNo: string }) {
    const r = await this.#call('alipay.trade.fastpay.refund.query', { out_trade_no: o.outTradeNo, out_request_no: o.outRefundNo });
    // Success without refund_amount: Alipay has no such refund (it did not happen).
    if (!r.refund_amount) return { status: 'processing' as const, amountFen: null };
    const ok = r.refund_status === undefined || r.refund_status === 'REFUND_SUCCESS';
    return { status: ok ? ('success' as const) : ('processing' as const), amountFen: fenOf(r.refund_amount) };
  }

  /**
   * A payout to a bank card: `out_biz_no` is the withdrawal's batch number, so a repeated call (after a
   * crash or timeout) finds the same transfer at Alipay instead of paying twice. The outcome comes later
   * (`alipay.fund.trans.order.changed` notification or queryTransfer).
   */
  async transfer(o: {
    outBatchNo: string;
    outDetailNo: string;
    amountFen: number;
    payeeAccount: string;
    payeeKind: PayoutKind;
    payeeName?: string;
    remark: string;
    notifyUrl?: string;
  }): Promise<void> {
    if (o.payeeKind !== 'bank_card') throw new ChannelError('NOT_SUPPORTED', 'Alipay payouts go to bank cards here', 400);
    if (!o.payeeName) throw new ChannelError('PAYEE_NAME_REQUIRED', 'a bank-card payout needs the holder name', 400);
    await this.#call(
      'alipay.fund.trans.uni.transfer',
      {
        out_biz_no: o.outBatchNo,
        trans_amount: yuan(o.amountFen),
        product_code: 'TRANS_BANKCARD_NO_PWD',
        biz_scene: 'DIRECT_TRANSFER',
        order_title: o.remark,
        payee_info: {
          identity: o.payeeAccount,
          identity_type: 'BANKCARD_ACCOUNT',
          name: o.payeeName,
          bankcard_ext_info: { account_type: '2' },
        },
        remark: o.remark,
      },
      o.notifyUrl ? { notify_url: o.notifyUrl } : {},
    );
  }

  async queryTransfer(outBatchNo: string): Promise<TransferOutcome> {
    const r = await this.#call('alipay.fund.trans.common.query', {
      out_biz_no: outBatchNo,
      product_code: 'TRANS_BANKCARD_NO_PWD',
      biz_scene: 'DIRECT_TRANSFER',
    });
    // REFUND: the bank returned the money after the transfer (e.g. the card was closed) — a failure for us.
    const status = r.status === 'SUCCESS' ? 'success' : r.status === 'FAIL' || r.status === 'REFUND' ? 'failed' : 'processing';
    return {
      status,
      failReason: status === 'failed' ? (r.error_code ?? r.fail_reason ?? r.status ?? 'FAIL') : null,
      amountFen: r.trans_amount ? fenOf(r.trans_amount) : null,
    };
  }

  /** Verifies an async notification (form body) with Alipay's key over the sorted parameters without sign/sign_type. */
  async openNotification(_headers: Record<string, string | string[] | undefined>, rawBody: string): Promise<ChannelNotification> {
    const params = Object.fromEntries(new URLSearchParams(rawBody)) as Record<string, string>;
    const sig = params.sign;
    if (!sig || params.sign_type !== 'RSA2') throw new ChannelError('SIGNATURE_INVALID', 'unsigned notification');
    const ok = createVerify('RSA-SHA256')
      .update(alipaySignContent(params, ['sign', 'sign_type']), 'utf8')
      .verify(this.#alipayKey, sig, 'base64');
    if (!ok) throw new ChannelError('SIGNATURE_INVALID', 'the notification signature does not verify');
    if (params.msg_method === 'alipay.fund.trans.order.changed') {
      let biz: { out_biz_no?: string };
      try {
        biz = JSON.parse(params.biz_content ?? '{}') as { out_biz_no?: string };
      } catch {
        throw new ChannelError('BAD_NOTIFICATION', 'biz_content is not JSON');
      }
      if (!biz.out_biz_no) throw new ChannelError('BAD_NOTIFICATION', 'no out_biz_no');
      return { kind: 'transfer', eventId: params.notify_id ?? '', outBatchNo: biz.out_biz_no };
    }
    // A refund is announced on the payment's notify_url with out_biz_no (our out_request_no), refund_fee
    // (refunded so far) and gmt_refund; trade_status stays TRADE_SUCCESS, or TRADE_CLOSED once refunded in full.
    if (params.out_trade_no && params.out_biz_no && (params.gmt_refund || params.refund_fee)) {
      return {
        kind: 'refund',
        eventId: params.notify_id ?? '',
        outTradeNo: params.out_trade_no,
        outRefundNo: params.out_biz_no,
        status: 'success',
      };
    }
    const status = params.trade_status;
    if (!params.out_trade_no || !status) return { kind: 'other', eventId: params.notify_id ?? '', eventType: params.notify_type ?? '' };
    return {
      kind: 'payment',
      eventId: params.notify_id ?? '',
      payment: {
        outTradeNo: params.out_trade_no,
        state: status === 'TRADE_SUCCESS' || status === 'TRADE_FINISHED' ? 'paid' : status === 'TRADE_CLOSED' ? 'closed' : 'pending',
        amountFen: fenOf(params.total_amount ?? '0'),
        transactionId: params.trade_no ?? null,
        paidAt: fromCst(params.gmt_payment),
      },
    };
  }

  /**
   * The day's trade bill: asks for its `bill_download_url` (valid for 30 seconds), downloads the ZIP and
   * returns its detail file (`…_业务明细.csv`, not the `(汇总)` summary) decoded from GBK. A day without a
   * bill yet (`isp.bill_not_exist`: Alipay publishes it the next morning) is an error, so the run fails and
   * is retried — never an empty bill that would flag every payment as missing on Alipay's side.
   */
  async tradeBill(day: string): Promise<{ csv: string; format: 'alipay' }> {
    const r = await this.#call('alipay.data.dataservice.bill.downloadurl.query', { bill_type: 'trade', bill_date: day });
    if (!r.bill_download_url) throw new ChannelError('BAD_RESPONSE', 'no bill_download_url');
    let res: Response;
    try {
      res = await fetch(r.bill_download_url, { signal: AbortSignal.timeout(this.#c.timeoutMs ?? 30_000) });
    } catch (err) {
      throw new ChannelError('NETWORK_ERROR', (err as Error).message);
    }
    const body = Buffer.from(await res.arrayBuffer());
    if (res.status !== 200) throw new ChannelError('BILL_DOWNLOAD_FAILED', `HTTP ${res.status}`, res.status);
    const files = unzip(body);
    const detail = files.find((f) => f.name.endsWith('业务明细.csv'));
    if (!detail) throw new ChannelError('BAD_RESPONSE', 'the bill archive has no 业务明细.csv');
    return { csv: new TextDecoder('gbk', { fatal: true }).decode(detail.data), format: 'alipay' };
  }
}

/** Largest file a bill archive may unpack to (a guard against a ZIP bomb). */
const MAX_BILL_BYTES = 256 * 1024 * 1024;

/**
 * Reads a ZIP archive (stored or deflated entries, via its central directory), checking every entry's
 * CRC-32. Names without the UTF-8 flag are GBK, as in Alipay's archives.
 */
export function unzip(buf: Buffer): { name: string; data: Buffer }[] {
  const bad = (why: string) => new ChannelError('BILL_ARCHIVE_INVALID', why);
  let end = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      end = i;
      break;
    }
  }
  if (end < 0) throw bad('not a ZIP archive');
  const count = buf.readUInt16LE(end + 10);
  let p = buf.readUInt32LE(end + 16);
  const out: { name: string; data: Buffer }[] = [];
  try {
    for (let n = 0; n < count; n++) {
      if (buf.readUInt32LE(p) !== 0x02014b50) throw bad('broken central directory');
      const flags = buf.readUInt16LE(p + 8);
      const method = buf.readUInt16LE(p + 10);
      const crc = buf.readUInt32LE(p + 16);
      const packedSize = buf.readUInt32LE(p + 20);
      const size = buf.readUInt32LE(p + 24);
      const nameLen = buf.readUInt16LE(p + 28);
      const skip = nameLen + buf.readUInt16LE(p + 30) + buf.readUInt16LE(p + 32);
      const local = buf.readUInt32LE(p + 42);
      const rawName = buf.subarray(p + 46, p + 46 + nameLen);
      const name = new TextDecoder(flags & 0x800 ? 'utf-8' : 'gbk').decode(rawName);
      p += 46 + skip;
      if (buf.readUInt32LE(local) !== 0x04034b50) throw bad('broken local header');
      const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
      const packed = buf.subarray(start, start + packedSize);
      if (packed.length !== packedSize || size > MAX_BILL_BYTES) throw bad('truncated or oversized entry');
      const data = method === 0 ? packed : method === 8 ? inflateRawSync(packed, { maxOutputLength: MAX_BILL_BYTES }) : null;
      if (!data) throw bad(`unsupported compression method ${method}`);
      if (data.length !== size || crc32(data) !== crc) throw bad(`CRC mismatch in ${name}`);
      out.push({ name, data });
    }
  } catch (err) {
    if (err instanceof ChannelError) throw err;
    throw bad((err as Error).message);
  }
  return out;
}
