import { createHash, randomInt } from 'node:crypto';
import { createAlipayGateway, type AlipayGateway } from './alipay.ts';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  aeadEncrypt,
  generateCertifiedKey,
  parseAuthorization,
  publicKeyOfCert,
  randomAlnum,
  requestMessage,
  responseMessage,
  rsaSign,
  rsaVerify,
  type CertifiedKey,
} from './wxcrypto.ts';

/**
 * A payment-channel emulator speaking the WeChat Pay API v3 protocol: signed requests and responses,
 * Native payments with a "scan and pay" page, query, close, refunds, merchant transfers (payouts),
 * encrypted asynchronous callbacks with the real retry schedule, the daily trade bill with its SHA-1
 * hash, and switches for latency, failures, lost and duplicate callbacks. It is the outside world:
 * it shares no code with the platform.
 */

/** Fault and behaviour switches, changeable at run time (`POST /__emulator/switches`). */
export interface Switches {
  /** Added to every merchant API call. */
  latencyMs: number;
  /** Fraction (0–1) of merchant API calls answered 500 SYSTEM_ERROR. */
  failureRate: number;
  /** The next N merchant API calls are answered 500 SYSTEM_ERROR. */
  failNext: number;
  /** Callbacks are never sent (the merchant must query). */
  loseCallbacks: boolean;
  /** Every callback attempt is delivered twice. */
  duplicateCallbacks: boolean;
  /** Delay before the first callback attempt (a late callback). */
  callbackDelayMs: number;
  /** Sign responses and callbacks with a `WECHATPAY/SIGNTEST/` probe signature (merchants must reject it). */
  signatureProbe: boolean;
  /** Every transfer detail fails (e.g. the payee's account is frozen). */
  payoutFailure: boolean;
  /** Refunds end ABNORMAL (the payer's card was cancelled) with a REFUND.ABNORMAL callback. */
  refundFailure: boolean;
  /** Trade numbers left out of the trade bill (a bill with a missing line). */
  billDropTradeNos: string[];
  /** Per trade number, fen added to the amount the bill reports (a bill with a wrong amount). */
  billAmountDeltaFen: Record<string, number>;
}

const defaultSwitches = (): Switches => ({
  latencyMs: 0,
  failureRate: 0,
  failNext: 0,
  loseCallbacks: false,
  duplicateCallbacks: false,
  callbackDelayMs: 0,
  signatureProbe: false,
  payoutFailure: false,
  refundFailure: false,
  billDropTradeNos: [],
  billAmountDeltaFen: {},
});

/** WeChat Pay refunds one transaction at most 50 times (partial refunds). */
export const MAX_REFUNDS_PER_TRADE = 50;

/** WeChat Pay's callback retry schedule after a failed delivery: 15s/15s/30s/3m/10m/20m/30m/30m/30m/60m/3h/3h/3h/6h/6h. */
export const RETRY_SCHEDULE_MS = [15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600].map(
  (s) => s * 1000,
);

/** What a merchant needs to talk to this emulator (in production these come from the merchant platform). */
export interface MerchantCredentials {
  mchid: string;
  appid: string;
  apiV3Key: string;
  merchantSerialNo: string;
  merchantPrivateKeyPem: string;
  merchantCertificatePem: string;
  platformSerialNo: string;
  platformCertificatePem: string;
}

export interface EmulatorKeys {
  mchid: string;
  appid: string;
  apiV3Key: string;
  merchant: CertifiedKey;
  platform: CertifiedKey;
}

export function generateKeys(o: { mchid?: string; appid?: string } = {}): EmulatorKeys {
  return {
    mchid: o.mchid ?? '1900000109',
    appid: o.appid ?? 'wxd678efh567hg6787',
    apiV3Key: randomAlnum(32),
    merchant: generateCertifiedKey('Dingban merchant 1900000109', 'Dingban'),
    platform: generateCertifiedKey('Tenpay.com Root CA', 'Tenpay.com'),
  };
}

export interface EmulatorOptions {
  keys?: EmulatorKeys;
  /** Base clock (ms); the emulator adds its own offset moved by advance(). */
  now?: () => number;
  /** Run due callbacks and processing on a timer (default true); tests may call advance()/runDue() instead. */
  autoRun?: boolean;
}

type TradeState = 'NOTPAY' | 'SUCCESS' | 'CLOSED' | 'REFUND';

interface Trade {
  appid: string;
  mchid: string;
  description: string;
  outTradeNo: string;
  transactionId: string;
  attach: string | undefined;
  notifyUrl: string;
  total: number;
  state: TradeState;
  createTime: number;
  successTime: number | undefined;
  timeExpire: number | undefined;
  token: string;
  requestHash: string;
  openid: string | undefined;
  refunded: number;
}

interface Refund {
  refundId: string;
  outRefundNo: string;
  outTradeNo: string;
  transactionId: string;
  amount: number;
  total: number;
  reason: string | undefined;
  notifyUrl: string | undefined;
  status: 'PROCESSING' | 'SUCCESS' | 'ABNORMAL';
  createTime: number;
  successTime: number | undefined;
}

interface TransferDetail {
  outDetailNo: string;
  detailId: string;
  amount: number;
  openid: string;
  remark: string;
  status: 'PROCESSING' | 'SUCCESS' | 'FAIL';
  failReason: string | undefined;
  updateTime: number;
}

interface Batch {
  outBatchNo: string;
  batchId: string;
  appid: string;
  name: string;
  remark: string;
  notifyUrl: string | undefined;
  status: 'ACCEPTED' | 'PROCESSING' | 'FINISHED';
  createTime: number;
  updateTime: number;
  details: TransferDetail[];
}

/** One callback attempt as the emulator saw it (for tests and the control page). */
export interface DeliveryRecord {
  eventId: string;
  eventType: string;
  url: string;
  attempt: number;
  status: number | 'error' | 'lost';
  at: number;
}

interface Task {
  dueAt: number;
  run: () => Promise<void> | void;
}

export interface PaymentChannelEmulator {
  readonly credentials: MerchantCredentials;
  readonly switches: Switches;
  setSwitches(s: Partial<Switches>): Switches;
  listen(port?: number, host?: string): Promise<string>;
  close(): Promise<void>;
  readonly url: string;
  /** Moves the emulator's clock forward and runs whatever became due (callbacks, retries, processing). */
  advance(ms: number): Promise<void>;
  /** Runs every task already due. */
  runDue(): Promise<void>;
  /** A demo user scans the code and pays (as the pay page does). */
  pay(outTradeNo: string): Promise<void>;
  readonly deliveries: DeliveryRecord[];
  now(): number;
  /** The Alipay gateway at `/alipay/gateway.do` (app key = the merchant key, "Alipay" key = the platform key). */
  readonly alipay: AlipayGateway;
}

class ApiError extends Error {
  status: number;
  code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** RFC 3339 in China Standard Time, as WeChat Pay writes times: 2026-11-23T10:34:56+08:00. */
export function cstTime(ms: number): string {
  return new Date(ms + 8 * 3600_000).toISOString().slice(0, 19) + '+08:00';
}
const cstDay = (ms: number) => new Date(ms + 8 * 3600_000).toISOString().slice(0, 10);
const cstDateTime = (ms: number) => new Date(ms + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
const yuan = (fen: number) => (fen / 100).toFixed(2);
const digits = (n: number) => Array.from({ length: n }, () => randomInt(10)).join('');
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const DEMO_OPENID = 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o';

export function createPaymentChannelEmulator(opts: EmulatorOptions = {}): PaymentChannelEmulator {
  const keys = opts.keys ?? generateKeys();
  const baseNow = opts.now ?? Date.now;
  let offset = 0;
  const now = () => baseNow() + offset;
  const switches: Switches = defaultSwitches();
  const merchantKey = publicKeyOfCert(keys.merchant.certificatePem);
  const alipay = createAlipayGateway({
    appPublicKey: merchantKey,
    alipayPrivateKeyPem: keys.platform.privateKeyPem,
    now: () => now(),
    switches,
    schedule: (ms, run) => schedule(ms, run),
    runDue: () => runDue(),
    baseUrl: () => url,
  });
  const trades = new Map<string, Trade>();
  const tradesByToken = new Map<string, Trade>();
  const refunds = new Map<string, Refund>();
  const batches = new Map<string, Batch>();
  const bills = new Map<string, string>(); // download token → CSV
  const nonces = new Map<string, number>();
  const deliveries: DeliveryRecord[] = [];
  let tasks: Task[] = [];
  let url = '';
  let running = Promise.resolve();

  const schedule = (delayMs: number, run: Task['run']) => tasks.push({ dueAt: now() + delayMs, run });

  async function runDue(): Promise<void> {
    // Serialised: the timer and advance() never run the same task twice.
    const next = running.then(async () => {
      for (let guard = 0; guard < 1000; guard++) {
        const t = now();
        const due = tasks.filter((x) => x.dueAt <= t).sort((a, b) => a.dueAt - b.dueAt);
        if (!due.length) return;
        tasks = tasks.filter((x) => !due.includes(x));
        for (const task of due) await task.run();
      }
    });
    running = next.catch(() => {});
    return next;
  }

  // ---- signing ---------------------------------------------------------------------------------
  function signedHeaders(body: string): Record<string, string> {
    const timestamp = String(Math.floor(now() / 1000));
    const nonce = randomAlnum(32);
    const signature = switches.signatureProbe
      ? `WECHATPAY/SIGNTEST/${Buffer.from(randomAlnum(48)).toString('base64')}`
      : rsaSign(keys.platform.privateKeyPem, responseMessage(timestamp, nonce, body));
    return {
      'Wechatpay-Timestamp': timestamp,
      'Wechatpay-Nonce': nonce,
      'Wechatpay-Signature': signature,
      'Wechatpay-Serial': keys.platform.serialNo,
    };
  }

  function send(res: ServerResponse, status: number, payload: unknown, requestId: string): void {
    const body = payload === undefined ? '' : JSON.stringify(payload);
    res.writeHead(status, {
      ...(body ? { 'Content-Type': 'application/json; charset=utf-8' } : {}),
      'Request-ID': requestId,
      ...signedHeaders(body),
    });
    res.end(body);
  }

  function authenticate(req: IncomingMessage, body: string): void {
    const auth = parseAuthorization(req.headers.authorization);
    if (!auth) throw new ApiError(401, 'SIGN_ERROR', 'Authorization 头缺失或格式错误 (WECHATPAY2-SHA256-RSA2048)');
    if (auth.mchid !== keys.mchid) throw new ApiError(401, 'SIGN_ERROR', '商户号与证书不匹配');
    if (auth.serial_no.toUpperCase() !== keys.merchant.serialNo) throw new ApiError(401, 'SIGN_ERROR', '商户证书序列号不正确');
    const ts = Number(auth.timestamp);
    if (!Number.isInteger(ts) || Math.abs(ts * 1000 - now()) > 5 * 60_000) throw new ApiError(401, 'SIGN_ERROR', '请求时间戳已过期');
    const message = requestMessage(req.method ?? 'GET', req.url ?? '/', auth.timestamp, auth.nonce_str, body);
    if (!rsaVerify(merchantKey, message, auth.signature)) throw new ApiError(401, 'SIGN_ERROR', '签名错误');
    // Replays: a nonce is accepted once within the time window.
    for (const [n, exp] of nonces) if (exp < now()) nonces.delete(n);
    if (nonces.has(auth.nonce_str)) throw new ApiError(401, 'SIGN_ERROR', '重复的请求随机串');
    nonces.set(auth.nonce_str, now() + 10 * 60_000);
  }

  // ---- callbacks -------------------------------------------------------------------------------
  function notifyMerchant(notifyUrl: string, eventType: string, summary: string, originalType: string, resource: unknown): void {
    const eventId = `EV-${digits(18)}`;
    const plaintext = JSON.stringify(resource);
    const nonce = randomAlnum(12);
    const associatedData = originalType;
    const body = JSON.stringify({
      id: eventId,
      create_time: cstTime(now()),
      resource_type: 'encrypt-resource',
      event_type: eventType,
      summary,
      resource: {
        original_type: originalType,
        algorithm: 'AEAD_AES_256_GCM',
        ciphertext: aeadEncrypt(keys.apiV3Key, nonce, associatedData, plaintext),
        associated_data: associatedData,
        nonce,
      },
    });
    const attempt = async (n: number): Promise<void> => {
      if (switches.loseCallbacks) {
        deliveries.push({ eventId, eventType, url: notifyUrl, attempt: n, status: 'lost', at: now() });
        return;
      }
      const copies = switches.duplicateCallbacks ? 2 : 1;
      let ok = false;
      for (let c = 0; c < copies; c++) {
        let status: number | 'error';
        try {
          const r = await fetch(notifyUrl, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', 'User-Agent': 'Mozilla/4.0', ...signedHeaders(body) },
            body,
            signal: AbortSignal.timeout(5000),
          });
          await r.arrayBuffer();
          status = r.status;
        } catch {
          status = 'error';
        }
        deliveries.push({ eventId, eventType, url: notifyUrl, attempt: n, status, at: now() });
        if (status === 200 || status === 204) ok = true;
      }
      if (!ok && n <= RETRY_SCHEDULE_MS.length) schedule(RETRY_SCHEDULE_MS[n - 1]!, () => attempt(n + 1));
    };
    schedule(switches.callbackDelayMs, () => attempt(1));
  }

  // ---- the business --------------------------------------------------------------------------------
  const tradeView = (t: Trade) => ({
    appid: t.appid,
    mchid: t.mchid,
    out_trade_no: t.outTradeNo,
    ...(t.state === 'SUCCESS' || t.state === 'REFUND' ? { transaction_id: t.transactionId } : {}),
    trade_type: 'NATIVE',
    trade_state: t.state,
    trade_state_desc: { NOTPAY: '未支付', SUCCESS: '支付成功', CLOSED: '已关闭', REFUND: '转入退款' }[t.state],
    ...(t.successTime ? { bank_type: 'OTHERS', success_time: cstTime(t.successTime), payer: { openid: t.openid } } : {}),
    ...(t.attach !== undefined ? { attach: t.attach } : {}),
    amount: {
      total: t.total,
      currency: 'CNY',
      ...(t.successTime ? { payer_total: t.total, payer_currency: 'CNY' } : {}),
    },
  });

  function payTrade(t: Trade): void {
    if (t.state === 'SUCCESS' || t.state === 'REFUND') return;
    if (t.state === 'CLOSED') throw new ApiError(400, 'ORDER_CLOSED', '订单已关闭');
    if (t.timeExpire && now() > t.timeExpire) throw new ApiError(400, 'ORDER_CLOSED', '订单已过支付期限');
    t.state = 'SUCCESS';
    t.successTime = now();
    t.openid = DEMO_OPENID;
    notifyMerchant(t.notifyUrl, 'TRANSACTION.SUCCESS', '支付成功', 'transaction', tradeView(t));
  }

  const str = (v: unknown, field: string, max = 256): string => {
    if (typeof v !== 'string' || !v.length || v.length > max) throw new ApiError(400, 'PARAM_ERROR', `参数错误：${field}`);
    return v;
  };
  const posInt = (v: unknown, field: string): number => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) throw new ApiError(400, 'PARAM_ERROR', `参数错误：${field}`);
    return v;
  };
  const notifyUrlOf = (v: unknown): string => {
    const s = str(v, 'notify_url');
    if (!/^https?:\/\//.test(s)) throw new ApiError(400, 'PARAM_ERROR', '参数错误：notify_url');
    return s;
  };
  const requireTrade = (outTradeNo: string) => {
    const t = trades.get(outTradeNo);
    if (!t) throw new ApiError(404, 'ORDER_NOT_EXIST', '订单不存在');
    return t;
  };

  function createNative(b: Record<string, unknown>): unknown {
    if (b.mchid !== keys.mchid) throw new ApiError(400, 'MCH_NOT_EXISTS', '商户号不存在');
    if (b.appid !== keys.appid) throw new ApiError(400, 'APPID_MCHID_NOT_MATCH', 'appid 和 mch_id 不匹配');
    const outTradeNo = str(b.out_trade_no, 'out_trade_no', 32);
    if (!/^[0-9A-Za-z_\-|*]{6,32}$/.test(outTradeNo)) throw new ApiError(400, 'PARAM_ERROR', '参数错误：out_trade_no');
    const amount = b.amount as { total?: unknown; currency?: unknown } | undefined;
    const total = posInt(amount?.total, 'amount.total');
    if (amount?.currency !== undefined && amount.currency !== 'CNY') throw new ApiError(400, 'PARAM_ERROR', '参数错误：amount.currency');
    const description = str(b.description, 'description', 127);
    const notifyUrl = notifyUrlOf(b.notify_url);
    let timeExpire: number | undefined;
    if (b.time_expire !== undefined) {
      timeExpire = Date.parse(str(b.time_expire, 'time_expire', 64));
      if (Number.isNaN(timeExpire)) throw new ApiError(400, 'PARAM_ERROR', '参数错误：time_expire');
    }
    const requestHash = createHash('sha256')
      .update(JSON.stringify([outTradeNo, total, description, notifyUrl, b.attach ?? null]))
      .digest('hex');
    const existing = trades.get(outTradeNo);
    if (existing) {
      if (existing.state === 'SUCCESS' || existing.state === 'REFUND') throw new ApiError(403, 'ORDERPAID', '该订单已支付');
      if (existing.state === 'CLOSED') throw new ApiError(400, 'ORDER_CLOSED', '订单已关闭');
      if (existing.requestHash !== requestHash) throw new ApiError(403, 'OUT_TRADE_NO_USED', '商户订单号重复');
      return { code_url: `weixin://wxpay/bizpayurl?pr=${existing.token}` };
    }
    const t: Trade = {
      appid: keys.appid,
      mchid: keys.mchid,
      description,
      outTradeNo,
      transactionId: `4200${digits(24)}`,
      attach: typeof b.attach === 'string' ? b.attach : undefined,
      notifyUrl,
      total,
      state: 'NOTPAY',
      createTime: now(),
      successTime: undefined,
      timeExpire,
      token: randomAlnum(10),
      requestHash,
      openid: undefined,
      refunded: 0,
    };
    trades.set(outTradeNo, t);
    tradesByToken.set(t.token, t);
    return { code_url: `weixin://wxpay/bizpayurl?pr=${t.token}` };
  }

  const refundView = (r: Refund) => ({
    refund_id: r.refundId,
    out_refund_no: r.outRefundNo,
    transaction_id: r.transactionId,
    out_trade_no: r.outTradeNo,
    channel: 'ORIGINAL',
    user_received_account: '支付用户零钱',
    ...(r.successTime ? { success_time: cstTime(r.successTime) } : {}),
    create_time: cstTime(r.createTime),
    status: r.status,
    funds_account: 'AVAILABLE',
    amount: {
      total: r.total,
      refund: r.amount,
      from: [],
      payer_total: r.total,
      payer_refund: r.amount,
      settlement_total: r.total,
      settlement_refund: r.amount,
      discount_refund: 0,
      currency: 'CNY',
    },
  });

  function createRefund(b: Record<string, unknown>): unknown {
    const outRefundNo = str(b.out_refund_no, 'out_refund_no', 64);
    const t = b.out_trade_no
      ? requireTrade(str(b.out_trade_no, 'out_trade_no'))
      : [...trades.values()].find((x) => x.transactionId === b.transaction_id);
    if (!t) throw new ApiError(404, 'RESOURCE_NOT_EXISTS', '订单不存在');
    const amount = b.amount as { refund?: unknown; total?: unknown } | undefined;
    const refund = posInt(amount?.refund, 'amount.refund');
    if (posInt(amount?.total, 'amount.total') !== t.total) throw new ApiError(400, 'PARAM_ERROR', '订单金额与原订单不一致');
    // A retry with the same out_refund_no answers the refund already made; other content is refused.
    const existing = refunds.get(outRefundNo);
    if (existing) {
      if (existing.outTradeNo !== t.outTradeNo || existing.amount !== refund)
        throw new ApiError(400, 'INVALID_REQUEST', '订单金额或退款金额与之前请求不一致，请核实后再试');
      return refundView(existing);
    }
    if (t.state !== 'SUCCESS' && t.state !== 'REFUND') throw new ApiError(400, 'INVALID_REQUEST', '订单未支付，不能退款');
    // Partial refunds: several per transaction, each with its own out_refund_no, never more than was paid,
    // at most 50 per transaction, within a year of payment.
    if (t.successTime !== undefined && now() - t.successTime > 365 * 24 * 3600_000)
      throw new ApiError(400, 'INVALID_REQUEST', '交易时间超过一年的订单无法提交退款');
    if (t.refunded >= t.total) throw new ApiError(400, 'INVALID_REQUEST', '订单已全额退款');
    if (t.refunded + refund > t.total) throw new ApiError(400, 'INVALID_REQUEST', '申请退款金额超过订单可退金额');
    if ([...refunds.values()].filter((x) => x.outTradeNo === t.outTradeNo).length >= MAX_REFUNDS_PER_TRADE)
      throw new ApiError(400, 'INVALID_REQUEST', '每个支付订单的部分退款次数不能超过50次');
    t.refunded += refund;
    t.state = 'REFUND';
    const r: Refund = {
      refundId: `5030${digits(25)}`,
      outRefundNo,
      outTradeNo: t.outTradeNo,
      transactionId: t.transactionId,
      amount: refund,
      total: t.total,
      reason: typeof b.reason === 'string' ? b.reason : undefined,
      notifyUrl: typeof b.notify_url === 'string' ? b.notify_url : t.notifyUrl,
      status: 'PROCESSING',
      createTime: now(),
      successTime: undefined,
    };
    refunds.set(outRefundNo, r);
    schedule(0, () => {
      const failed = switches.refundFailure;
      r.status = failed ? 'ABNORMAL' : 'SUCCESS';
      // An abnormal refund no longer counts against what can be refunded.
      if (failed) t.refunded -= r.amount;
      else r.successTime = now();
      if (r.notifyUrl) {
        notifyMerchant(r.notifyUrl, failed ? 'REFUND.ABNORMAL' : 'REFUND.SUCCESS', failed ? '退款异常' : '退款成功', 'refund', {
          mchid: keys.mchid,
          out_trade_no: r.outTradeNo,
          transaction_id: r.transactionId,
          out_refund_no: r.outRefundNo,
          refund_id: r.refundId,
          refund_status: r.status,
          ...(r.successTime ? { success_time: cstTime(r.successTime) } : {}),
          user_received_account: '支付用户零钱',
          amount: { total: r.total, refund: r.amount, payer_total: r.total, payer_refund: r.amount },
        });
      }
    });
    return refundView(r);
  }

  const batchView = (bt: Batch, withDetails: boolean) => {
    const ok = bt.details.filter((d) => d.status === 'SUCCESS');
    const failed = bt.details.filter((d) => d.status === 'FAIL');
    return {
      transfer_batch: {
        mchid: keys.mchid,
        out_batch_no: bt.outBatchNo,
        batch_id: bt.batchId,
        appid: bt.appid,
        batch_status: bt.status,
        batch_type: 'API',
        batch_name: bt.name,
        batch_remark: bt.remark,
        total_amount: bt.details.reduce((s, d) => s + d.amount, 0),
        total_num: bt.details.length,
        create_time: cstTime(bt.createTime),
        update_time: cstTime(bt.updateTime),
        success_amount: ok.reduce((s, d) => s + d.amount, 0),
        success_num: ok.length,
        fail_amount: failed.reduce((s, d) => s + d.amount, 0),
        fail_num: failed.length,
      },
      ...(withDetails
        ? {
            transfer_detail_list: bt.details.map((d) => ({ detail_id: d.detailId, out_detail_no: d.outDetailNo, detail_status: d.status })),
          }
        : {}),
    };
  };

  function createBatch(b: Record<string, unknown>): unknown {
    if (b.appid !== keys.appid) throw new ApiError(400, 'PARAM_ERROR', '参数错误：appid');
    const outBatchNo = str(b.out_batch_no, 'out_batch_no', 32);
    const list = b.transfer_detail_list;
    if (!Array.isArray(list) || !list.length || list.length > 1000)
      throw new ApiError(400, 'PARAM_ERROR', '参数错误：transfer_detail_list');
    const details: TransferDetail[] = list.map((d: Record<string, unknown>) => ({
      outDetailNo: str(d.out_detail_no, 'out_detail_no', 32),
      detailId: `1040${digits(28)}`,
      amount: posInt(d.transfer_amount, 'transfer_amount'),
      openid: str(d.openid, 'openid', 64),
      remark: str(d.transfer_remark, 'transfer_remark', 32),
      status: 'PROCESSING',
      failReason: undefined,
      updateTime: now(),
    }));
    const totalAmount = posInt(b.total_amount, 'total_amount');
    if (totalAmount !== details.reduce((s, d) => s + d.amount, 0) || b.total_num !== details.length) {
      throw new ApiError(400, 'PARAM_ERROR', '批次总金额或总笔数与明细不一致');
    }
    const existing = batches.get(outBatchNo);
    if (existing) {
      const same =
        existing.details.length === details.length &&
        existing.details.every((d, i) => d.outDetailNo === details[i]!.outDetailNo && d.amount === details[i]!.amount);
      if (!same) throw new ApiError(400, 'INVALID_REQUEST', '商家批次单号重复');
      return {
        out_batch_no: existing.outBatchNo,
        batch_id: existing.batchId,
        create_time: cstTime(existing.createTime),
        batch_status: existing.status,
      };
    }
    const bt: Batch = {
      outBatchNo,
      batchId: `1030${digits(28)}`,
      appid: keys.appid,
      name: str(b.batch_name, 'batch_name', 32),
      remark: str(b.batch_remark, 'batch_remark', 32),
      notifyUrl: typeof b.notify_url === 'string' ? b.notify_url : undefined,
      status: 'ACCEPTED',
      createTime: now(),
      updateTime: now(),
      details,
    };
    batches.set(outBatchNo, bt);
    schedule(0, () => {
      bt.status = 'PROCESSING';
      for (const d of bt.details) {
        const fail = switches.payoutFailure || d.openid.startsWith('FAIL');
        d.status = fail ? 'FAIL' : 'SUCCESS';
        d.failReason = fail ? 'ACCOUNT_FROZEN' : undefined;
        d.updateTime = now();
      }
      bt.status = 'FINISHED';
      bt.updateTime = now();
      if (bt.notifyUrl) {
        const v = batchView(bt, false).transfer_batch;
        notifyMerchant(bt.notifyUrl, 'MCHTRANSFER.BATCH.FINISHED', '商家转账批次完成', 'mch_payment', {
          out_batch_no: v.out_batch_no,
          batch_id: v.batch_id,
          batch_status: v.batch_status,
          total_num: v.total_num,
          total_amount: v.total_amount,
          success_amount: v.success_amount,
          success_num: v.success_num,
          fail_amount: v.fail_amount,
          fail_num: v.fail_num,
          mchid: keys.mchid,
          update_time: v.update_time,
        });
      }
    });
    return { out_batch_no: bt.outBatchNo, batch_id: bt.batchId, create_time: cstTime(bt.createTime), batch_status: bt.status };
  }

  /** The trade bill of one day (China time), in WeChat Pay's CSV layout with back-tick-prefixed fields. */
  function tradeBill(day: string, type: string): string | undefined {
    const header =
      '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注';
    const rows: string[][] = [];
    let paidTotal = 0;
    let refundTotal = 0;
    let feeTotal = 0;
    const clean = (s: string) => s.replace(/[,`\r\n]/g, ' ');
    if (type === 'ALL' || type === 'SUCCESS') {
      for (const t of trades.values()) {
        if (!t.successTime || cstDay(t.successTime) !== day || switches.billDropTradeNos.includes(t.outTradeNo)) continue;
        const amount = t.total + (switches.billAmountDeltaFen[t.outTradeNo] ?? 0);
        const fee = amount * 0.006;
        paidTotal += amount;
        feeTotal += fee;
        rows.push([
          cstDateTime(t.successTime),
          t.appid,
          t.mchid,
          '0',
          '',
          t.transactionId,
          t.outTradeNo,
          t.openid ?? '',
          'NATIVE',
          'SUCCESS',
          'OTHERS',
          'CNY',
          yuan(amount),
          '0.00',
          '0',
          '0',
          '0.00',
          '0.00',
          '',
          '',
          clean(t.description),
          clean(t.attach ?? ''),
          (fee / 100).toFixed(5),
          '0.60%',
          yuan(amount),
          '0.00',
          '',
        ]);
      }
    }
    if (type === 'ALL' || type === 'REFUND') {
      for (const r of refunds.values()) {
        if (r.status !== 'SUCCESS' || !r.successTime || cstDay(r.successTime) !== day) continue;
        const t = trades.get(r.outTradeNo)!;
        const fee = -r.amount * 0.006;
        refundTotal += r.amount;
        feeTotal += fee;
        rows.push([
          cstDateTime(r.successTime),
          t.appid,
          t.mchid,
          '0',
          '',
          t.transactionId,
          t.outTradeNo,
          t.openid ?? '',
          'NATIVE',
          'REFUND',
          'OTHERS',
          'CNY',
          '0.00',
          '0.00',
          r.refundId,
          r.outRefundNo,
          yuan(r.amount),
          '0.00',
          'ORIGINAL',
          'SUCCESS',
          clean(t.description),
          clean(t.attach ?? ''),
          (fee / 100).toFixed(5),
          '0.60%',
          yuan(t.total),
          yuan(r.amount),
          '',
        ]);
      }
    }
    if (!rows.length) return undefined;
    rows.sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
    const lines = [header, ...rows.map((r) => r.map((f) => '`' + f).join(','))];
    lines.push('总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额');
    lines.push(
      [String(rows.length), yuan(paidTotal), yuan(refundTotal), '0.00', (feeTotal / 100).toFixed(5), yuan(paidTotal), yuan(refundTotal)]
        .map((f) => '`' + f)
        .join(','),
    );
    return lines.join('\r\n') + '\r\n';
  }

  // ---- HTTP --------------------------------------------------------------------------------------
  async function readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req) {
      size += (c as Buffer).length;
      if (size > 1024 * 1024) throw new ApiError(400, 'PARAM_ERROR', '请求体过大');
      chunks.push(c as Buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  const baseUrlOf = (req: IncomingMessage) => `http://${req.headers.host ?? '127.0.0.1'}`;

  async function merchantApi(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    query: URLSearchParams,
    rawBody: string,
    requestId: string,
  ) {
    authenticate(req, rawBody);
    if (switches.latencyMs > 0) await new Promise((r) => setTimeout(r, switches.latencyMs));
    if (switches.failNext > 0 || (switches.failureRate > 0 && Math.random() < switches.failureRate)) {
      if (switches.failNext > 0) switches.failNext--;
      throw new ApiError(500, 'SYSTEM_ERROR', '系统错误');
    }
    let body: Record<string, unknown> = {};
    if (rawBody) {
      try {
        body = JSON.parse(rawBody) as Record<string, unknown>;
      } catch {
        throw new ApiError(400, 'PARAM_ERROR', '请求体不是合法的 JSON');
      }
    }
    const method = req.method ?? 'GET';
    let m: RegExpExecArray | null;
    if (method === 'POST' && path === '/v3/pay/transactions/native') return send(res, 200, createNative(body), requestId);
    if (method === 'GET' && (m = /^\/v3\/pay\/transactions\/out-trade-no\/([^/]+)$/.exec(path))) {
      if (query.get('mchid') !== keys.mchid) throw new ApiError(400, 'PARAM_ERROR', '参数错误：mchid');
      return send(res, 200, tradeView(requireTrade(decodeURIComponent(m[1]!))), requestId);
    }
    if (method === 'GET' && (m = /^\/v3\/pay\/transactions\/id\/([^/]+)$/.exec(path))) {
      const t = [...trades.values()].find((x) => x.transactionId === m![1] && x.successTime);
      if (!t) throw new ApiError(404, 'ORDER_NOT_EXIST', '订单不存在');
      return send(res, 200, tradeView(t), requestId);
    }
    if (method === 'POST' && (m = /^\/v3\/pay\/transactions\/out-trade-no\/([^/]+)\/close$/.exec(path))) {
      if (body.mchid !== keys.mchid) throw new ApiError(400, 'PARAM_ERROR', '参数错误：mchid');
      const t = requireTrade(decodeURIComponent(m[1]!));
      if (t.state === 'SUCCESS' || t.state === 'REFUND') throw new ApiError(400, 'ORDERPAID', '订单已支付，不能关闭');
      t.state = 'CLOSED';
      return send(res, 204, undefined, requestId);
    }
    if (method === 'POST' && path === '/v3/refund/domestic/refunds') return send(res, 200, createRefund(body), requestId);
    if (method === 'GET' && (m = /^\/v3\/refund\/domestic\/refunds\/([^/]+)$/.exec(path))) {
      const r = refunds.get(decodeURIComponent(m[1]!));
      if (!r) throw new ApiError(404, 'RESOURCE_NOT_EXISTS', '退款单不存在');
      return send(res, 200, refundView(r), requestId);
    }
    if (method === 'POST' && path === '/v3/transfer/batches') return send(res, 200, createBatch(body), requestId);
    if (method === 'GET' && (m = /^\/v3\/transfer\/batches\/out-batch-no\/([^/]+)$/.exec(path))) {
      const bt = batches.get(decodeURIComponent(m[1]!));
      if (!bt) throw new ApiError(404, 'NOT_FOUND', '记录不存在');
      return send(res, 200, batchView(bt, query.get('need_query_detail') === 'true'), requestId);
    }
    if (method === 'GET' && (m = /^\/v3\/transfer\/batches\/out-batch-no\/([^/]+)\/details\/out-detail-no\/([^/]+)$/.exec(path))) {
      const bt = batches.get(decodeURIComponent(m[1]!));
      const d = bt?.details.find((x) => x.outDetailNo === decodeURIComponent(m![2]!));
      if (!bt || !d) throw new ApiError(404, 'NOT_FOUND', '记录不存在');
      return send(
        res,
        200,
        {
          mchid: keys.mchid,
          out_batch_no: bt.outBatchNo,
          batch_id: bt.batchId,
          appid: bt.appid,
          out_detail_no: d.outDetailNo,
          detail_id: d.detailId,
          detail_status: d.status,
          transfer_amount: d.amount + (switches.billAmountDeltaFen[bt.outBatchNo] ?? 0),
          transfer_remark: d.remark,
          ...(d.failReason ? { fail_reason: d.failReason } : {}),
          openid: d.openid,
          initiate_time: cstTime(bt.createTime),
          update_time: cstTime(d.updateTime),
        },
        requestId,
      );
    }
    if (method === 'GET' && path === '/v3/certificates') {
      const nonce = randomAlnum(12);
      return send(
        res,
        200,
        {
          data: [
            {
              serial_no: keys.platform.serialNo,
              effective_time: cstTime(keys.platform.notBefore.getTime()),
              expire_time: cstTime(keys.platform.notAfter.getTime()),
              encrypt_certificate: {
                algorithm: 'AEAD_AES_256_GCM',
                nonce,
                associated_data: 'certificate',
                ciphertext: aeadEncrypt(keys.apiV3Key, nonce, 'certificate', keys.platform.certificatePem),
              },
            },
          ],
        },
        requestId,
      );
    }
    if (method === 'GET' && path === '/v3/bill/tradebill') {
      const day = query.get('bill_date') ?? '';
      if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new ApiError(400, 'PARAM_ERROR', '参数错误：bill_date');
      const type = query.get('bill_type') ?? 'ALL';
      if (!['ALL', 'SUCCESS', 'REFUND'].includes(type)) throw new ApiError(400, 'PARAM_ERROR', '参数错误：bill_type');
      const csv = tradeBill(day, type);
      if (!csv) throw new ApiError(400, 'NO_STATEMENT_EXIST', '当日无交易，账单不存在');
      const token = randomAlnum(24);
      bills.set(token, csv);
      return send(
        res,
        200,
        {
          hash_type: 'SHA1',
          hash_value: createHash('sha1').update(csv, 'utf8').digest('hex'),
          download_url: `${baseUrlOf(req)}/v3/billdownload/file?token=${token}`,
        },
        requestId,
      );
    }
    if (method === 'GET' && path === '/v3/billdownload/file') {
      const csv = bills.get(query.get('token') ?? '');
      if (!csv) throw new ApiError(404, 'RESOURCE_NOT_EXISTS', '账单文件不存在或已过期');
      // Bill files are sent as a plain stream, without a response signature (the hash checks them).
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Request-ID': requestId });
      res.end(csv);
      return;
    }
    throw new ApiError(404, 'NOT_FOUND', '接口不存在');
  }

  function payPage(t: Trade, message?: string): string {
    const paid = t.state === 'SUCCESS' || t.state === 'REFUND';
    return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>微信支付（模拟）</title><style>body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;background:#ededed;margin:0}
main{max-width:420px;margin:40px auto;background:#fff;border-radius:8px;padding:24px;text-align:center}
.amount{font-size:40px;margin:16px 0}button{background:#07c160;color:#fff;border:0;border-radius:4px;font-size:18px;padding:12px;width:100%}
.note{color:#888;font-size:13px}</style></head><body><main>
<p class="note">支付渠道模拟器 · Payment channel emulator</p>
<h1 id="merchant">顶班 Dingban</h1><p id="description">${escapeHtml(t.description)}</p>
<div class="amount" id="amount">¥${yuan(t.total)}</div>
${message ? `<p id="message">${escapeHtml(message)}</p>` : ''}
${
  paid
    ? '<p id="status">支付成功 Payment successful</p>'
    : t.state === 'CLOSED'
      ? '<p id="status">订单已关闭 Order closed</p>'
      : `<form method="post" action="/pay/${t.token}/confirm"><button type="submit" id="pay">确认支付 Pay</button></form>`
}
<p class="note">订单号 ${escapeHtml(t.outTradeNo)}</p></main></body></html>`;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = `08${digits(30)}`;
    const u = new URL(req.url ?? '/', 'http://emulator');
    const path = u.pathname;
    try {
      const rawBody = await readBody(req);
      if (path.startsWith('/v3/')) return await merchantApi(req, res, path, u.searchParams, rawBody, requestId);
      if (path === '/alipay/gateway.do') return await alipay.handle(res, rawBody, u.searchParams);
      if (path === '/alipay/downloadBillFile.resource') return alipay.bill(res, u.searchParams.get('token') ?? '');
      let qr: RegExpExecArray | null;
      if ((qr = /^\/alipay\/qr\/([a-z0-9]+)(\/confirm)?$/.exec(path)))
        return await alipay.page(res, qr[1]!, !!qr[2] && req.method === 'POST');

      // The page the payer's phone opens after scanning `weixin://wxpay/bizpayurl?pr=<token>`.
      let m: RegExpExecArray | null;
      if ((m = /^\/pay\/([A-Za-z0-9]+)(\/confirm)?$/.exec(path))) {
        const t = tradesByToken.get(m[1]!);
        if (!t) {
          res.writeHead(404, { 'Content-Type': 'text/html; charset=utf-8' });
          return void res.end('<!doctype html><meta charset="utf-8"><p>二维码无效 Invalid code</p>');
        }
        let message: string | undefined;
        if (m[2] && req.method === 'POST') {
          try {
            payTrade(t);
          } catch (err) {
            message = (err as Error).message;
          }
        }
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
        return void res.end(payPage(t, message));
      }

      // Emulator controls (not part of WeChat Pay).
      const json = (status: number, v: unknown) => {
        res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify(v));
      };
      if (path === '/__emulator/health') return json(200, { ok: true });
      if (path === '/__emulator/credentials' && req.method === 'GET') return json(200, api.credentials);
      if (path === '/__emulator/switches') {
        if (req.method === 'POST') api.setSwitches(JSON.parse(rawBody || '{}') as Partial<Switches>);
        return json(200, switches);
      }
      if (path === '/__emulator/advance' && req.method === 'POST') {
        await api.advance(Number((JSON.parse(rawBody || '{}') as { ms?: number }).ms ?? 0));
        return json(200, { now: cstTime(now()) });
      }
      if ((m = /^\/__emulator\/transactions\/([^/]+)\/pay$/.exec(path)) && req.method === 'POST') {
        await api.pay(decodeURIComponent(m[1]!));
        return json(200, tradeView(requireTrade(decodeURIComponent(m[1]!))));
      }
      if (path === '/__emulator/deliveries') return json(200, deliveries);
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ code: 'NOT_FOUND', message: '接口不存在' }));
    } catch (err) {
      if (err instanceof ApiError) return send(res, err.status, { code: err.code, message: err.message }, requestId);
      send(res, 500, { code: 'SYSTEM_ERROR', message: '系统错误' }, requestId);
    }
  }

  const server: Server = createServer((req, res) => void handle(req, res));
  let timer: NodeJS.Timeout | undefined;

  const api: PaymentChannelEmulator = {
    credentials: {
      mchid: keys.mchid,
      appid: keys.appid,
      apiV3Key: keys.apiV3Key,
      merchantSerialNo: keys.merchant.serialNo,
      merchantPrivateKeyPem: keys.merchant.privateKeyPem,
      merchantCertificatePem: keys.merchant.certificatePem,
      platformSerialNo: keys.platform.serialNo,
      platformCertificatePem: keys.platform.certificatePem,
    },
    switches,
    setSwitches(s) {
      Object.assign(switches, s);
      return switches;
    },
    async listen(port = 0, host = '127.0.0.1') {
      await new Promise<void>((resolve) => server.listen(port, host, resolve));
      const a = server.address() as AddressInfo;
      url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${a.port}`;
      if (opts.autoRun ?? true) timer = setInterval(() => void runDue(), 200);
      return url;
    },
    async close() {
      if (timer) clearInterval(timer);
      await running;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    get url() {
      return url;
    },
    async advance(ms) {
      offset += Math.max(0, ms);
      await runDue();
    },
    runDue,
    async pay(outTradeNo) {
      payTrade(requireTrade(outTradeNo));
      await runDue();
    },
    deliveries,
    alipay,
    now,
  };
  return api;
}
