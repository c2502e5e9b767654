import { createSign, createVerify, randomInt, type KeyObject } from 'node:crypto';
import type { ServerResponse } from 'node:http';

/**
 * An Alipay open-API gateway (`POST /alipay/gateway.do`), enough for Native (face-to-face) payments:
 * alipay.trade.precreate / query / close / refund, RSA2 (SHA256withRSA) request verification with the
 * app's public key, responses signed with "Alipay's" key over the raw `<method>_response` JSON, and the
 * asynchronous notification (form POST, RSA2 over the sorted parameters without `sign`/`sign_type`),
 * considered delivered when the merchant answers exactly `success`.
 */
export interface AlipayGateway {
  handle(res: ServerResponse, rawBody: string, query: URLSearchParams): Promise<void>;
  /** The demo buyer pays (as scanning the QR code would). */
  pay(outTradeNo: string): Promise<void>;
  /** Notification deliveries: merchant's answer per attempt. */
  readonly notifications: { outTradeNo: string; url: string; answer: string; at: number }[];
}

interface AliTrade {
  outTradeNo: string;
  tradeNo: string;
  totalFen: number;
  subject: string;
  status: 'WAIT_BUYER_PAY' | 'TRADE_SUCCESS' | 'TRADE_CLOSED';
  notifyUrl: string | undefined;
  paidAt: number | undefined;
  refundedFen: number;
}

const yuan = (fen: number) => (fen / 100).toFixed(2);
const fenOf = (s: unknown): number => {
  const m = /^(\d+)(?:\.(\d{1,2}))?$/.exec(String(s ?? ''));
  if (!m) return NaN;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
};
const cst = (ms: number) => new Date(ms + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');

/** The string Alipay signs: sorted `k=v` pairs joined by `&`, empty values and the excluded keys left out. */
export function alipaySignContent(params: Record<string, string>, exclude: string[] = ['sign']): string {
  return Object.keys(params)
    .filter((k) => !exclude.includes(k) && params[k] !== undefined && params[k] !== '')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
}

export function createAlipayGateway(o: { appPublicKey: KeyObject; alipayPrivateKeyPem: string; now: () => number }): AlipayGateway {
  const trades = new Map<string, AliTrade>();
  const notifications: AlipayGateway['notifications'] = [];
  const sign = (s: string) => createSign('RSA-SHA256').update(s, 'utf8').sign(o.alipayPrivateKeyPem, 'base64');

  function respond(res: ServerResponse, method: string, body: Record<string, unknown>): void {
    const key = `${method.replace(/\./g, '_')}_response`;
    const json = JSON.stringify(body);
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
    res.end(`{"${key}":${json},"sign":"${sign(json)}"}`);
  }
  const fail = (code: string, msg: string, subCode: string, subMsg: string) => ({ code, msg, sub_code: subCode, sub_msg: subMsg });

  async function notify(t: AliTrade): Promise<void> {
    if (!t.notifyUrl) return;
    const params: Record<string, string> = {
      notify_time: cst(o.now()),
      notify_type: 'trade_status_sync',
      notify_id: `ntf${Array.from({ length: 24 }, () => randomInt(10)).join('')}`,
      app_id: 'emulator',
      charset: 'utf-8',
      version: '1.0',
      sign_type: 'RSA2',
      trade_no: t.tradeNo,
      out_trade_no: t.outTradeNo,
      trade_status: t.status,
      total_amount: yuan(t.totalFen),
      receipt_amount: yuan(t.totalFen),
      subject: t.subject,
      gmt_payment: cst(t.paidAt ?? o.now()),
    };
    params.sign = sign(alipaySignContent(params, ['sign', 'sign_type']));
    let answer = '';
    try {
      const r = await fetch(t.notifyUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body: new URLSearchParams(params).toString(),
        signal: AbortSignal.timeout(5000),
      });
      answer = (await r.text()).trim();
    } catch (err) {
      answer = `error: ${(err as Error).message}`;
    }
    notifications.push({ outTradeNo: t.outTradeNo, url: t.notifyUrl, answer, at: o.now() });
  }

  return {
    notifications,
    async pay(outTradeNo) {
      const t = trades.get(outTradeNo);
      if (!t || t.status !== 'WAIT_BUYER_PAY') throw new Error('交易不存在或不可支付');
      t.status = 'TRADE_SUCCESS';
      t.paidAt = o.now();
      await notify(t);
    },
    async handle(res, rawBody, query) {
      const params = Object.fromEntries(new URLSearchParams(rawBody || query.toString())) as Record<string, string>;
      const method = params.method ?? '';
      if (!params.sign || params.sign_type !== 'RSA2') {
        return respond(res, method, fail('40001', 'Missing Required Arguments', 'isv.missing-signature', '缺少签名参数'));
      }
      const ok = createVerify('RSA-SHA256').update(alipaySignContent(params), 'utf8').verify(o.appPublicKey, params.sign, 'base64');
      if (!ok) return respond(res, method, fail('40002', 'Invalid Arguments', 'isv.invalid-signature', '验签出错'));
      let biz: Record<string, unknown>;
      try {
        biz = JSON.parse(params.biz_content ?? '{}') as Record<string, unknown>;
      } catch {
        return respond(res, method, fail('40002', 'Invalid Arguments', 'isv.invalid-parameter', 'biz_content 不是 JSON'));
      }
      const no = String(biz.out_trade_no ?? '');
      const t = trades.get(no);
      const notExist = () => respond(res, method, fail('40004', 'Business Failed', 'ACQ.TRADE_NOT_EXIST', '交易不存在'));
      switch (method) {
        case 'alipay.trade.precreate': {
          const total = fenOf(biz.total_amount);
          if (!no || !(total > 0)) return respond(res, method, fail('40002', 'Invalid Arguments', 'isv.invalid-parameter', '参数无效'));
          if (t && t.totalFen !== total)
            return respond(res, method, fail('40004', 'Business Failed', 'ACQ.CONTEXT_INCONSISTENT', '交易信息被篡改'));
          const trade = t ?? {
            outTradeNo: no,
            tradeNo: `2026${Array.from({ length: 24 }, () => randomInt(10)).join('')}`,
            totalFen: total,
            subject: String(biz.subject ?? ''),
            status: 'WAIT_BUYER_PAY' as const,
            notifyUrl: params.notify_url,
            paidAt: undefined,
            refundedFen: 0,
          };
          trades.set(no, trade);
          return respond(res, method, {
            code: '10000',
            msg: 'Success',
            out_trade_no: no,
            qr_code: `https://qr.alipay.com/emu${trade.tradeNo.slice(-10)}`,
          });
        }
        case 'alipay.trade.query':
          if (!t) return notExist();
          return respond(res, method, {
            code: '10000',
            msg: 'Success',
            out_trade_no: no,
            trade_no: t.tradeNo,
            trade_status: t.status,
            total_amount: yuan(t.totalFen),
            ...(t.paidAt ? { send_pay_date: cst(t.paidAt) } : {}),
          });
        case 'alipay.trade.close':
          if (!t) return notExist();
          if (t.status === 'TRADE_SUCCESS')
            return respond(res, method, fail('40004', 'Business Failed', 'ACQ.TRADE_STATUS_ERROR', '交易状态不合法'));
          t.status = 'TRADE_CLOSED';
          return respond(res, method, { code: '10000', msg: 'Success', out_trade_no: no, trade_no: t.tradeNo });
        case 'alipay.trade.refund': {
          if (!t) return notExist();
          const amount = fenOf(biz.refund_amount);
          if (t.status !== 'TRADE_SUCCESS')
            return respond(res, method, fail('40004', 'Business Failed', 'ACQ.TRADE_STATUS_ERROR', '交易状态不合法'));
          if (!(amount > 0) || t.refundedFen + amount > t.totalFen) {
            return respond(res, method, fail('40004', 'Business Failed', 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL', '退款金额超限'));
          }
          t.refundedFen += amount;
          return respond(res, method, {
            code: '10000',
            msg: 'Success',
            out_trade_no: no,
            trade_no: t.tradeNo,
            fund_change: 'Y',
            refund_fee: yuan(t.refundedFen),
          });
        }
        default:
          return respond(res, method, fail('40004', 'Business Failed', 'isv.invalid-method', '不存在的方法名'));
      }
    },
  };
}
