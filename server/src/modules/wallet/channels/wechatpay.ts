import {
  createDecipheriv,
  createHash,
  createPrivateKey,
  createSign,
  createVerify,
  randomBytes,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';
import { ChannelError, type ChannelNotification, type ChannelPayment, type PaymentChannel, type PayoutKind } from './channel.ts';

/** What a merchant holds to use WeChat Pay API v3. */
export interface WechatPayConfig {
  baseUrl: string;
  mchid: string;
  appid: string;
  /** 32-character API v3 key: decrypts callback resources and platform certificates. */
  apiV3Key: string;
  merchantSerialNo: string;
  merchantPrivateKeyPem: string;
  /** Clock for signature time windows (tests). */
  now?: () => number;
  /** Per-call timeout. */
  timeoutMs?: number;
}

const PROBE_PREFIX = 'WECHATPAY/SIGNTEST/';
const WINDOW_MS = 5 * 60_000;

function aeadDecrypt(key: string, nonce: string, aad: string, ciphertext: string): string {
  const raw = Buffer.from(ciphertext, 'base64');
  if (raw.length < 17) throw new ChannelError('DECRYPT_FAILED', 'ciphertext too short');
  const d = createDecipheriv('aes-256-gcm', Buffer.from(key, 'utf8'), Buffer.from(nonce, 'utf8'));
  d.setAAD(Buffer.from(aad, 'utf8'));
  d.setAuthTag(raw.subarray(raw.length - 16));
  return Buffer.concat([d.update(raw.subarray(0, raw.length - 16)), d.final()]).toString('utf8');
}

const nonceStr = () => randomBytes(16).toString('hex').toUpperCase();
const header = (h: Record<string, string | string[] | undefined>, name: string) => {
  const v = h[name] ?? h[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
};

/**
 * The WeChat Pay API v3 adapter: every request signed `WECHATPAY2-SHA256-RSA2048` over
 * `METHOD\nURL\ntimestamp\nnonce\nbody\n`; every response and callback verified against the platform
 * certificate named by `Wechatpay-Serial` over `timestamp\nnonce\nbody\n` within ±5 minutes, with
 * `WECHATPAY/SIGNTEST/` probes rejected; callback resources opened with AEAD_AES_256_GCM.
 */
export class WechatPayChannel implements PaymentChannel {
  readonly name = 'wechat';
  readonly notifyProtocol = 'wechatpay-v3';
  readonly tradeBills = true;
  readonly payoutKinds = ['wechat'] as const;
  #c: WechatPayConfig;
  #key: KeyObject;
  #certs = new Map<string, KeyObject>();
  #now: () => number;

  constructor(config: WechatPayConfig) {
    this.#c = config;
    this.#key = createPrivateKey(config.merchantPrivateKeyPem);
    this.#now = config.now ?? Date.now;
  }

  #authorization(method: string, url: string, body: string): string {
    const timestamp = String(Math.floor(this.#now() / 1000));
    const nonce = nonceStr();
    const signature = createSign('RSA-SHA256').update(`${method}\n${url}\n${timestamp}\n${nonce}\n${body}\n`).sign(this.#key, 'base64');
    return `WECHATPAY2-SHA256-RSA2048 mchid="${this.#c.mchid}",nonce_str="${nonce}",signature="${signature}",timestamp="${timestamp}",serial_no="${this.#c.merchantSerialNo}"`;
  }

  /** Verifies a platform signature (response or callback); refreshes certificates once for an unknown serial. */
  async #verify(h: Record<string, string | string[] | undefined>, body: string, bootstrap?: Map<string, KeyObject>): Promise<void> {
    const signature = header(h, 'Wechatpay-Signature');
    const timestamp = header(h, 'Wechatpay-Timestamp');
    const nonce = header(h, 'Wechatpay-Nonce');
    const serial = header(h, 'Wechatpay-Serial');
    if (!signature || !timestamp || !nonce || !serial) throw new ChannelError('SIGNATURE_INVALID', 'missing Wechatpay-* headers');
    if (signature.startsWith(PROBE_PREFIX)) throw new ChannelError('SIGNATURE_INVALID', 'signature probe rejected');
    const ts = Number(timestamp);
    if (!Number.isInteger(ts) || Math.abs(ts * 1000 - this.#now()) > WINDOW_MS)
      throw new ChannelError('SIGNATURE_INVALID', 'timestamp outside ±5 min');
    let key = (bootstrap ?? this.#certs).get(serial.toUpperCase());
    if (!key && !bootstrap) {
      await this.refreshCertificates();
      key = this.#certs.get(serial.toUpperCase());
    }
    if (!key) throw new ChannelError('SIGNATURE_INVALID', `unknown platform certificate ${serial}`);
    let ok = false;
    try {
      ok = createVerify('RSA-SHA256').update(`${timestamp}\n${nonce}\n${body}\n`).verify(key, signature, 'base64');
    } catch {
      ok = false;
    }
    if (!ok) throw new ChannelError('SIGNATURE_INVALID', 'signature does not verify');
  }

  /** Downloads the platform certificates, decrypts them with the API v3 key and trusts them by serial. */
  async refreshCertificates(): Promise<void> {
    const { status, headers, text } = await this.#raw('GET', '/v3/certificates', '');
    if (status !== 200) throw new ChannelError('CERTIFICATES_UNAVAILABLE', `HTTP ${status}`, status);
    const found = new Map<string, KeyObject>();
    for (const item of (
      JSON.parse(text) as {
        data: { serial_no: string; encrypt_certificate: { nonce: string; associated_data: string; ciphertext: string } }[];
      }
    ).data) {
      const e = item.encrypt_certificate;
      const pem = aeadDecrypt(this.#c.apiV3Key, e.nonce, e.associated_data, e.ciphertext);
      const cert = new X509Certificate(pem);
      if (cert.serialNumber.toUpperCase() !== item.serial_no.toUpperCase())
        throw new ChannelError('CERTIFICATES_UNAVAILABLE', 'serial mismatch');
      found.set(item.serial_no.toUpperCase(), cert.publicKey);
    }
    // The certificate list itself must be signed by one of the certificates it carries.
    await this.#verify(headers, text, found);
    this.#certs = found;
  }

  async #raw(method: string, path: string, body: string) {
    let res: Response;
    try {
      res = await fetch(this.#c.baseUrl + path, {
        method,
        headers: {
          Accept: 'application/json',
          'User-Agent': 'dingban-wechatpay/1',
          ...(body ? { 'Content-Type': 'application/json' } : {}),
          Authorization: this.#authorization(method, path, body),
        },
        ...(body ? { body } : {}),
        signal: AbortSignal.timeout(this.#c.timeoutMs ?? 10_000),
      });
    } catch (err) {
      throw new ChannelError('CHANNEL_UNREACHABLE', (err as Error).message);
    }
    const text = await res.text();
    const headers: Record<string, string> = {};
    res.headers.forEach((v, k) => (headers[k] = v));
    return { status: res.status, headers, text };
  }

  async #call<T>(method: string, path: string, payload?: unknown): Promise<T> {
    const body = payload === undefined ? '' : JSON.stringify(payload);
    const r = await this.#raw(method, path, body);
    await this.#verify(r.headers, r.text);
    if (r.status >= 300) {
      let code = 'HTTP_' + r.status;
      let message = '';
      try {
        const e = JSON.parse(r.text) as { code?: string; message?: string };
        code = e.code ?? code;
        message = e.message ?? '';
      } catch {
        /* not JSON */
      }
      throw new ChannelError(code, message, r.status);
    }
    return (r.text ? JSON.parse(r.text) : undefined) as T;
  }

  async createPayment(o: { outTradeNo: string; amountFen: number; description: string; expiresAt: Date; notifyUrl: string }) {
    const r = await this.#call<{ code_url: string }>('POST', '/v3/pay/transactions/native', {
      appid: this.#c.appid,
      mchid: this.#c.mchid,
      description: o.description,
      out_trade_no: o.outTradeNo,
      time_expire: new Date(o.expiresAt.getTime() + 8 * 3600_000).toISOString().slice(0, 19) + '+08:00',
      notify_url: o.notifyUrl,
      amount: { total: o.amountFen, currency: 'CNY' },
    });
    const pr = /[?&]pr=([A-Za-z0-9]+)/.exec(r.code_url)?.[1];
    return { codeUrl: r.code_url, payUrl: pr ? `${this.#c.baseUrl}/pay/${pr}` : null };
  }

  #payment(t: {
    out_trade_no: string;
    trade_state: string;
    transaction_id?: string;
    success_time?: string;
    amount: { total: number };
  }): ChannelPayment {
    const state =
      t.trade_state === 'SUCCESS'
        ? 'paid'
        : t.trade_state === 'REFUND'
          ? 'refunded'
          : t.trade_state === 'CLOSED' || t.trade_state === 'REVOKED'
            ? 'closed'
            : 'pending';
    return {
      outTradeNo: t.out_trade_no,
      state,
      amountFen: t.amount.total,
      transactionId: t.transaction_id ?? null,
      paidAt: t.success_time ? new Date(t.success_time) : null,
    };
  }

  async queryPayment(outTradeNo: string): Promise<ChannelPayment> {
    return this.#payment(
      await this.#call('GET', `/v3/pay/transactions/out-trade-no/${encodeURIComponent(outTradeNo)}?mchid=${this.#c.mchid}`),
    );
  }

  async closePayment(outTradeNo: string): Promise<void> {
    await this.#call('POST', `/v3/pay/transactions/out-trade-no/${encodeURIComponent(outTradeNo)}/close`, { mchid: this.#c.mchid });
  }

  async refund(o: { outTradeNo: string; outRefundNo: string; amountFen: number; totalFen: number; reason: string }) {
    const r = await this.#call<{ status: string }>('POST', '/v3/refund/domestic/refunds', {
      out_trade_no: o.outTradeNo,
      out_refund_no: o.outRefundNo,
      reason: o.reason,
      amount: { refund: o.amountFen, total: o.totalFen, currency: 'CNY' },
    });
    return {
      status: r.status === 'SUCCESS' ? ('success' as const) : r.status === 'PROCESSING' ? ('processing' as const) : ('failed' as const),
    };
  }

  async queryRefund(o: { outTradeNo: string; outRefundNo: string }) {
    try {
      const r = await this.#call<{ status: string; amount?: { refund?: number } }>(
        'GET',
        `/v3/refund/domestic/refunds/${encodeURIComponent(o.outRefundNo)}`,
      );
      const status = r.status === 'SUCCESS' ? 'success' : r.status === 'PROCESSING' ? 'processing' : 'failed';
      return { status: status as 'processing' | 'success' | 'failed', amountFen: r.amount?.refund ?? null };
    } catch (err) {
      if (err instanceof ChannelError && (err.code === 'RESOURCE_NOT_EXISTS' || err.code === 'ORDER_NOT_EXIST'))
        return { status: 'processing' as const, amountFen: null };
      throw err;
    }
  }

  async transfer(o: {
    outBatchNo: string;
    outDetailNo: string;
    amountFen: number;
    payeeAccount: string;
    payeeKind: PayoutKind;
    remark: string;
    notifyUrl?: string;
  }): Promise<void> {
    if (o.payeeKind !== 'wechat') throw new ChannelError('NOT_SUPPORTED', 'WeChat Pay transfers go to openids only', 400);
    await this.#call('POST', '/v3/transfer/batches', {
      appid: this.#c.appid,
      out_batch_no: o.outBatchNo,
      batch_name: o.remark,
      batch_remark: o.remark,
      total_amount: o.amountFen,
      total_num: 1,
      transfer_detail_list: [
        { out_detail_no: o.outDetailNo, transfer_amount: o.amountFen, transfer_remark: o.remark, openid: o.payeeAccount },
      ],
      ...(o.notifyUrl ? { notify_url: o.notifyUrl } : {}),
    });
  }

  async queryTransfer(outBatchNo: string, outDetailNo: string) {
    const d = await this.#call<{ detail_status: string; fail_reason?: string; transfer_amount?: number }>(
      'GET',
      `/v3/transfer/batches/out-batch-no/${encodeURIComponent(outBatchNo)}/details/out-detail-no/${encodeURIComponent(outDetailNo)}`,
    );
    const status =
      d.detail_status === 'SUCCESS' ? ('success' as const) : d.detail_status === 'FAIL' ? ('failed' as const) : ('processing' as const);
    return { status, failReason: d.fail_reason ?? null, amountFen: d.transfer_amount ?? null };
  }

  async openNotification(headers: Record<string, string | string[] | undefined>, rawBody: string): Promise<ChannelNotification> {
    await this.#verify(headers, rawBody);
    let event: { id: string; event_type: string; resource: { ciphertext: string; nonce: string; associated_data?: string } };
    let plain: string;
    try {
      event = JSON.parse(rawBody);
      plain = aeadDecrypt(this.#c.apiV3Key, event.resource.nonce, event.resource.associated_data ?? '', event.resource.ciphertext);
    } catch (err) {
      throw new ChannelError('SIGNATURE_INVALID', `resource cannot be opened: ${(err as Error).message}`);
    }
    const r = JSON.parse(plain);
    if (event.event_type === 'TRANSACTION.SUCCESS') {
      if (r.mchid !== this.#c.mchid || r.appid !== this.#c.appid)
        throw new ChannelError('SIGNATURE_INVALID', 'notification for another merchant');
      return { kind: 'payment', eventId: event.id, payment: this.#payment(r) };
    }
    if (event.event_type.startsWith('REFUND.')) {
      return {
        kind: 'refund',
        eventId: event.id,
        outTradeNo: r.out_trade_no,
        outRefundNo: r.out_refund_no,
        status: r.refund_status === 'SUCCESS' ? 'success' : 'failed',
      };
    }
    if (event.event_type.startsWith('MCHTRANSFER.')) return { kind: 'transfer', eventId: event.id, outBatchNo: r.out_batch_no };
    return { kind: 'other', eventId: event.id, eventType: event.event_type };
  }

  async tradeBill(day: string): Promise<{ csv: string } | null> {
    let meta: { hash_type: string; hash_value: string; download_url: string };
    try {
      meta = await this.#call('GET', `/v3/bill/tradebill?bill_date=${day}&bill_type=ALL`);
    } catch (err) {
      if (err instanceof ChannelError && err.code === 'NO_STATEMENT_EXIST') return null;
      throw err;
    }
    const u = new URL(meta.download_url);
    const r = await fetch(meta.download_url, {
      headers: { Authorization: this.#authorization('GET', u.pathname + u.search, '') },
      signal: AbortSignal.timeout(this.#c.timeoutMs ?? 30_000),
    });
    const csv = await r.text();
    if (r.status !== 200) throw new ChannelError('BILL_DOWNLOAD_FAILED', `HTTP ${r.status}`, r.status);
    const hash = createHash(meta.hash_type === 'SHA1' ? 'sha1' : 'sha256')
      .update(csv, 'utf8')
      .digest('hex');
    if (hash !== meta.hash_value.toLowerCase()) throw new ChannelError('BILL_HASH_MISMATCH', 'the downloaded bill does not match its hash');
    return { csv };
  }
}
