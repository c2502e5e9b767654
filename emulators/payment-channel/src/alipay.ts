import { createSign, createVerify, randomInt, type KeyObject } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { encodeGbk, zip } from './zipgbk.ts';

/**
 * An Alipay open-API gateway (`POST /alipay/gateway.do`), enough for Native (face-to-face) payments:
 * alipay.trade.precreate / query / close / refund (partial refunds by out_request_no, announced by notify) /
 * fastpay.refund.query, RSA2 (SHA256withRSA) request verification with the
 * app's public key, responses signed with "Alipay's" key over the raw `<method>_response` JSON, and the
 * asynchronous notification (form POST, RSA2 over the sorted parameters without `sign`/`sign_type`),
 * considered delivered when the merchant answers exactly `success` and otherwise retried on Alipay's
 * schedule (4m, 10m, 10m, 1h, 2h, 6h, 15h). Payouts to bank cards: alipay.fund.trans.uni.transfer
 * (TRANS_BANKCARD_NO_PWD, idempotent by out_biz_no, DEALING → SUCCESS/FAIL) and
 * alipay.fund.trans.common.query, with the `alipay.fund.trans.order.changed` notification. The daily bill:
 * alipay.data.dataservice.bill.downloadurl.query (bill_type `trade`) answers a `bill_download_url` valid
 * for 30 seconds; it serves a ZIP with the day's detail CSV (业务明细) and summary CSV (业务明细(汇总)) in
 * GBK, each with its `#` header block, the lines (交易 and 退款) and the `#` summary block.
 */
export interface AlipayGateway {
  handle(res: ServerResponse, rawBody: string, query: URLSearchParams): Promise<void>;
  /** The payer's page behind the QR code (`/alipay/qr/<token>`, POST `…/confirm` pays). */
  page(res: ServerResponse, token: string, confirm: boolean): Promise<void>;
  /** The demo buyer pays (as scanning the QR code would). */
  pay(outTradeNo: string): Promise<void>;
  /** Notification deliveries: merchant's answer per attempt (`lost` when the switch drops it). */
  readonly notifications: { outTradeNo: string; url: string; body: string; answer: string; attempt: number; at: number }[];
  /** Bank-card transfers by out_biz_no (for tests: what Alipay paid). */
  readonly transfers: ReadonlyMap<string, AliTransfer>;
  /** The bank returns a paid transfer (a closed card: 退票); the query then says REFUND. */
  bounce(outBizNo: string): void;
  /** Serves a bill archive behind a `bill_download_url` (`/alipay/downloadBillFile.resource?token=…`). */
  bill(res: ServerResponse, token: string): void;
}

export interface AliTransfer {
  outBizNo: string;
  orderId: string;
  amountFen: number;
  cardNo: string;
  name: string;
  status: 'DEALING' | 'SUCCESS' | 'FAIL' | 'REFUND';
  errorCode: string | undefined;
  notifyUrl: string | undefined;
  createdAt: number;
  payDate: number | undefined;
}

/** What the gateway shares with the rest of the emulator: its switches and its task clock. */
export interface AlipaySwitches {
  loseCallbacks: boolean;
  duplicateCallbacks: boolean;
  callbackDelayMs: number;
  payoutFailure: boolean;
  /** The next N gateway calls are answered 20000 isp.unknow-error (Alipay's own trouble; the outcome is unknown). */
  failNext: number;
  /** Per trade or transfer number, fen added to the amount reported (a record with a wrong amount). */
  billAmountDeltaFen: Record<string, number>;
  /** Trade numbers left out of the daily bill (a bill with a missing line). */
  billDropTradeNos: string[];
}

/** Alipay's notification retry schedule after an answer other than `success`. */
export const ALIPAY_RETRY_SCHEDULE_MS = [4 * 60, 10 * 60, 10 * 60, 3600, 2 * 3600, 6 * 3600, 15 * 3600].map((s) => s * 1000);

interface AliTrade {
  token: string;
  outTradeNo: string;
  tradeNo: string;
  totalFen: number;
  subject: string;
  status: 'WAIT_BUYER_PAY' | 'TRADE_SUCCESS' | 'TRADE_CLOSED';
  notifyUrl: string | undefined;
  paidAt: number | undefined;
  refundedFen: number;
  createdAt: number;
  refunds: { outRequestNo: string; amountFen: number; at: number }[];
  closedAt: number | undefined;
}

/** The detail lines' columns, as in Alipay's 业务明细 file. */
const BILL_HEADER =
  '支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,券核销金额（元）,券名称,商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注';
/** The merchant's Alipay user id (the PID in the bill's header and file names). */
const ALIPAY_PID = '2088102177840156';
/** The demo buyer's masked Alipay account, as responses show it. */
const BUYER_LOGON_ID = '159****5620';
/** How long a bill_download_url can be used. */
const BILL_URL_TTL_MS = 30_000;

const yuan = (fen: number) => (fen / 100).toFixed(2);
const fenOf = (s: unknown): number => {
  const m = /^(\d+)(?:\.(\d{1,2}))?$/.exec(String(s ?? ''));
  if (!m) return NaN;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
};
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const cst = (ms: number) => new Date(ms + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');

/** The string Alipay signs: sorted `k=v` pairs joined by `&`, empty values and the excluded keys left out. */
export function alipaySignContent(params: Record<string, string>, exclude: string[] = ['sign']): string {
  return Object.keys(params)
    .filter((k) => !exclude.includes(k) && params[k] !== undefined && params[k] !== '')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
}

export function createAlipayGateway(o: {
  appPublicKey: KeyObject;
  alipayPrivateKeyPem: string;
  now: () => number;
  switches?: AlipaySwitches;
  schedule?: (delayMs: number, run: () => Promise<void>) => void;
  /** Runs whatever became due (so `pay()` returns after the notification was answered). */
  runDue?: () => Promise<void>;
  baseUrl?: () => string;
}): AlipayGateway {
  const trades = new Map<string, AliTrade>();
  const byToken = new Map<string, AliTrade>();
  const transfers = new Map<string, AliTransfer>();
  const notifications: AlipayGateway['notifications'] = [];
  const bills = new Map<string, { zip: Buffer; name: string; expiresAt: number }>();
  const sw: AlipaySwitches = o.switches ?? {
    loseCallbacks: false,
    duplicateCallbacks: false,
    callbackDelayMs: 0,
    payoutFailure: false,
    failNext: 0,
    billAmountDeltaFen: {},
    billDropTradeNos: [],
  };
  const schedule = o.schedule ?? ((ms: number, run: () => Promise<void>) => void setTimeout(() => void run(), ms));
  const sign = (s: string) => createSign('RSA-SHA256').update(s, 'utf8').sign(o.alipayPrivateKeyPem, 'base64');

  function respond(res: ServerResponse, method: string, body: Record<string, unknown>): void {
    const key = `${method.replace(/\./g, '_')}_response`;
    const json = JSON.stringify(body);
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
    res.end(`{"${key}":${json},"sign":"${sign(json)}"}`);
  }
  const fail = (code: string, msg: string, subCode: string, subMsg: string) => ({ code, msg, sub_code: subCode, sub_msg: subMsg });

  /** Delivers a signed form notification; retried on Alipay's schedule until the answer is exactly `success`. */
  function deliver(ref: string, notifyUrl: string, fields: Record<string, string>): void {
    const params: Record<string, string> = {
      notify_time: cst(o.now()),
      notify_id: `ntf${Array.from({ length: 24 }, () => randomInt(10)).join('')}`,
      app_id: 'emulator',
      charset: 'utf-8',
      version: '1.0',
      sign_type: 'RSA2',
      ...fields,
    };
    params.sign = sign(alipaySignContent(params, ['sign', 'sign_type']));
    const body = new URLSearchParams(params).toString();
    const attempt = async (n: number): Promise<void> => {
      if (sw.loseCallbacks) {
        notifications.push({ outTradeNo: ref, url: notifyUrl, body, answer: 'lost', attempt: n, at: o.now() });
        return;
      }
      let ok = false;
      for (let c = 0; c < (sw.duplicateCallbacks ? 2 : 1); c++) {
        let answer = '';
        try {
          const r = await fetch(notifyUrl, {
            method: 'POST',
            headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' },
            body,
            signal: AbortSignal.timeout(5000),
          });
          answer = (await r.text()).trim();
        } catch (err) {
          answer = `error: ${(err as Error).message}`;
        }
        notifications.push({ outTradeNo: ref, url: notifyUrl, body, answer, attempt: n, at: o.now() });
        if (answer === 'success') ok = true;
      }
      if (!ok && n <= ALIPAY_RETRY_SCHEDULE_MS.length) schedule(ALIPAY_RETRY_SCHEDULE_MS[n - 1]!, () => attempt(n + 1));
    };
    schedule(sw.callbackDelayMs, () => attempt(1));
  }

  function notify(t: AliTrade): void {
    if (!t.notifyUrl) return;
    deliver(t.outTradeNo, t.notifyUrl, {
      notify_type: 'trade_status_sync',
      trade_no: t.tradeNo,
      out_trade_no: t.outTradeNo,
      trade_status: t.status,
      total_amount: yuan(t.totalFen),
      receipt_amount: yuan(t.totalFen),
      subject: t.subject,
      gmt_payment: cst(t.paidAt ?? o.now()),
    });
  }

  /**
   * A refund is announced on the trade's notify_url like a status change: `out_biz_no` is the refund's
   * out_request_no, `refund_fee` the total refunded so far, `gmt_refund` its time; `trade_status` stays
   * TRADE_SUCCESS after a partial refund and is TRADE_CLOSED once the trade is refunded in full.
   */
  function notifyRefund(t: AliTrade, outRequestNo: string, at: number): void {
    if (!t.notifyUrl) return;
    deliver(t.outTradeNo, t.notifyUrl, {
      notify_type: 'trade_status_sync',
      trade_no: t.tradeNo,
      out_trade_no: t.outTradeNo,
      out_biz_no: outRequestNo,
      trade_status: t.status,
      total_amount: yuan(t.totalFen),
      receipt_amount: yuan(t.totalFen),
      refund_fee: yuan(t.refundedFen),
      subject: t.subject,
      gmt_payment: cst(t.paidAt ?? at),
      gmt_refund: `${cst(at)}.${String(at % 1000).padStart(3, '0')}`,
      ...(t.closedAt ? { gmt_close: cst(t.closedAt) } : {}),
    });
  }

  function payTrade(t: AliTrade): void {
    if (t.status !== 'WAIT_BUYER_PAY') throw new Error('交易不存在或不可支付');
    t.status = 'TRADE_SUCCESS';
    t.paidAt = o.now();
    notify(t);
  }

  const transferView = (tr: AliTransfer) => ({
    out_biz_no: tr.outBizNo,
    order_id: tr.orderId,
    pay_fund_order_id: `${tr.orderId}01`,
    status: tr.status,
    trans_amount: yuan(tr.amountFen + (sw.billAmountDeltaFen[tr.outBizNo] ?? 0)),
    ...(tr.payDate ? { pay_date: cst(tr.payDate) } : {}),
    ...(tr.errorCode ? { error_code: tr.errorCode, fail_reason: '收款方银行卡信息有误' } : {}),
  });

  function createTransfer(biz: Record<string, unknown>, notifyUrl: string | undefined): Record<string, unknown> {
    const outBizNo = String(biz.out_biz_no ?? '');
    const amount = fenOf(biz.trans_amount);
    const payee = (biz.payee_info ?? {}) as Record<string, unknown>;
    if (!outBizNo || outBizNo.length > 64 || !(amount > 0)) return fail('40004', 'Business Failed', 'INVALID_PARAMETER', '参数有误');
    if (biz.product_code !== 'TRANS_BANKCARD_NO_PWD' || payee.identity_type !== 'BANKCARD_ACCOUNT') {
      return fail('40004', 'Business Failed', 'PRODUCT_NOT_SIGNED', '产品未签约');
    }
    const cardNo = String(payee.identity ?? '');
    const name = String(payee.name ?? '');
    if (!/^\d{12,19}$/.test(cardNo) || !name) return fail('40004', 'Business Failed', 'PAYEE_CARD_INFO_ERROR', '收款方卡信息有误');
    const existing = transfers.get(outBizNo);
    if (existing) {
      // Idempotent by out_biz_no: the same request gets the same order; different content is refused.
      if (existing.amountFen !== amount || existing.cardNo !== cardNo) {
        return fail('40004', 'Business Failed', 'REQUEST_PROCESSING', '商户订单号重复且请求参数不一致');
      }
      return { code: '10000', msg: 'Success', ...transferView(existing) };
    }
    const tr: AliTransfer = {
      outBizNo,
      orderId: `2026${Array.from({ length: 24 }, () => randomInt(10)).join('')}`,
      amountFen: amount,
      cardNo,
      name,
      status: 'DEALING',
      errorCode: undefined,
      notifyUrl,
      createdAt: o.now(),
      payDate: undefined,
    };
    transfers.set(outBizNo, tr);
    // The bank answers later: a frozen or mistyped card (switch, or a holder name starting with FAIL) fails.
    schedule(0, async () => {
      const failed = sw.payoutFailure || name.startsWith('FAIL');
      tr.status = failed ? 'FAIL' : 'SUCCESS';
      tr.errorCode = failed ? 'PAYEE_CARD_INFO_ERROR' : undefined;
      tr.payDate = failed ? undefined : o.now();
      if (tr.notifyUrl) {
        deliver(tr.outBizNo, tr.notifyUrl, {
          msg_method: 'alipay.fund.trans.order.changed',
          biz_content: JSON.stringify({
            out_biz_no: tr.outBizNo,
            order_id: tr.orderId,
            status: tr.status,
            trans_amount: yuan(tr.amountFen),
            product_code: 'TRANS_BANKCARD_NO_PWD',
            biz_scene: 'DIRECT_TRANSFER',
            ...(tr.errorCode ? { error_code: tr.errorCode } : {}),
          }),
        });
      }
    });
    return { code: '10000', msg: 'Success', ...transferView(tr) };
  }

  /** The day's trade bill (China time) as Alipay's ZIP: detail and summary CSV files in GBK. */
  function tradeBill(day: string): { zip: Buffer; name: string } {
    const compact = day.replace(/-/g, '');
    const cn = (ms: number) => {
      const [d, t] = cst(ms).split(' ');
      const [y, m, dd] = d!.split('-');
      return `${y}年${m}月${dd}日 ${t}`;
    };
    const from = Date.parse(`${day}T00:00:00+08:00`);
    const to = from + 24 * 3600_000;
    const within = (ms: number | undefined) => ms !== undefined && ms >= from && ms < to;
    const clean = (s: string) => s.replace(/[,\r\n\t#]/g, ' ');
    const fee = (fen: number) => Math.round(fen * 0.006);
    // Every field is followed by a tab, as in Alipay's files (so spreadsheets keep long numbers as text).
    const row = (f: string[]) => f.map((x) => `${x}\t`).join(',');
    const rows: string[] = [];
    let paidCount = 0;
    let paidFen = 0;
    let refundCount = 0;
    let refundFen = 0;
    let feeFen = 0;
    for (const t of trades.values()) {
      if (sw.billDropTradeNos.includes(t.outTradeNo)) continue;
      const delta = sw.billAmountDeltaFen[t.outTradeNo] ?? 0;
      if (within(t.paidAt)) {
        const amount = t.totalFen + delta;
        paidCount++;
        paidFen += amount;
        feeFen += fee(amount);
        rows.push(
          row([
            t.tradeNo,
            t.outTradeNo,
            '交易',
            clean(t.subject),
            cst(t.createdAt),
            cst(t.paidAt!),
            '',
            '',
            '',
            '',
            '',
            yuan(amount),
            yuan(amount),
            '0.00',
            '0.00',
            '0.00',
            '0.00',
            '0.00',
            '',
            '0.00',
            '0.00',
            '',
            `-${yuan(fee(amount))}`,
            '0.00',
            '',
          ]),
        );
      }
      for (const r of t.refunds) {
        if (!within(r.at)) continue;
        refundCount++;
        refundFen += r.amountFen;
        feeFen -= fee(r.amountFen);
        rows.push(
          row([
            t.tradeNo,
            t.outTradeNo,
            '退款',
            clean(t.subject),
            cst(t.createdAt),
            cst(r.at),
            '',
            '',
            '',
            '',
            '',
            `-${yuan(r.amountFen)}`,
            `-${yuan(r.amountFen)}`,
            '0.00',
            '0.00',
            '0.00',
            '0.00',
            '0.00',
            '',
            '0.00',
            '0.00',
            r.outRequestNo,
            yuan(fee(r.amountFen)),
            '0.00',
            '',
          ]),
        );
      }
    }
    const signed = (fen: number) => (fen < 0 ? `-${yuan(-fen)}` : yuan(fen));
    const head = (title: string) => [
      `#支付宝${title}查询`,
      `#账号：[${ALIPAY_PID}0156]`,
      `#起始日期：[${cn(from)}]   终止日期：[${cn(to)}]`,
    ];
    const exported = `#导出时间：[${cn(o.now())}]`;
    const detail = [
      ...head('业务明细'),
      '#-----------------------------------------业务明细列表----------------------------------------',
      BILL_HEADER,
      ...rows,
      '#-----------------------------------------业务明细列表结束------------------------------------',
      `#交易合计：${paidCount}笔，商家实收共计：${yuan(paidFen)}元`,
      `#退款合计：${refundCount}笔，商家实收共计：${signed(-refundFen)}元`,
      exported,
    ].join('\r\n');
    const summary = [
      ...head('业务汇总'),
      '#-----------------------------------------业务汇总列表----------------------------------------',
      '门店编号,门店名称,交易订单总笔数,退款订单总笔数,订单金额（元）,商家实收（元）,支付宝优惠（元）,商家优惠（元）,卡消费金额（元）,服务费（元）,分润（元）,实收净额（元）',
      row([
        '',
        '合计',
        String(paidCount),
        String(refundCount),
        signed(paidFen - refundFen),
        signed(paidFen - refundFen),
        '0.00',
        '0.00',
        '0.00',
        signed(-feeFen),
        '0.00',
        signed(paidFen - refundFen - feeFen),
      ]),
      '#-----------------------------------------业务汇总列表结束------------------------------------',
      exported,
    ].join('\r\n');
    const base = `${ALIPAY_PID}_${compact}`;
    return {
      name: `${base}.csv.zip`,
      zip: zip(
        [
          { name: encodeGbk(`${base}_业务明细.csv`), data: encodeGbk(`${detail}\r\n`) },
          { name: encodeGbk(`${base}_业务明细(汇总).csv`), data: encodeGbk(`${summary}\r\n`) },
        ],
        o.now(),
      ),
    };
  }

  function payPage(t: AliTrade, message?: string): string {
    const paid = t.status === 'TRADE_SUCCESS';
    return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>支付宝（模拟）</title><style>body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;background:#eef3fb;margin:0}
main{max-width:420px;margin:40px auto;background:#fff;border-radius:8px;padding:24px;text-align:center}
.amount{font-size:40px;margin:16px 0}button{background:#1677ff;color:#fff;border:0;border-radius:4px;font-size:18px;padding:12px;width:100%}
.note{color:#888;font-size:13px}</style></head><body><main>
<p class="note">支付宝模拟器 · Alipay emulator</p>
<h1 id="merchant">顶班 Dingban</h1><p id="description">${escapeHtml(t.subject)}</p>
<div class="amount" id="amount">¥${yuan(t.totalFen)}</div>
${message ? `<p id="message">${escapeHtml(message)}</p>` : ''}
${
  paid
    ? '<p id="status">支付成功 Payment successful</p>'
    : t.status === 'TRADE_CLOSED'
      ? '<p id="status">交易已关闭 Trade closed</p>'
      : `<form method="post" action="/alipay/qr/${t.token}/confirm"><button type="submit" id="pay">确认付款 Pay</button></form>`
}
<p class="note">订单号 ${escapeHtml(t.outTradeNo)}</p></main></body></html>`;
  }

  return {
    notifications,
    transfers,
    bounce(outBizNo) {
      const tr = transfers.get(outBizNo);
      if (!tr || tr.status !== 'SUCCESS') throw new Error('没有可退票的转账');
      tr.status = 'REFUND';
      tr.errorCode = 'PAYEE_CARD_CLOSED';
    },
    bill(res, token) {
      const b = bills.get(token);
      if (!b || b.expiresAt < o.now()) {
        res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
        return void res.end('账单下载链接无效或已过期');
      }
      res.writeHead(200, {
        'Content-Type': 'application/octet-stream',
        'Content-Disposition': `attachment; filename="${b.name}"`,
      });
      res.end(b.zip);
    },
    async pay(outTradeNo) {
      const t = trades.get(outTradeNo);
      if (!t) throw new Error('交易不存在或不可支付');
      payTrade(t);
      await o.runDue?.();
    },
    async page(res, token, confirm) {
      const t = byToken.get(token);
      if (!t) {
        res.writeHead(404, { 'Content-Type': 'text/html; charset=utf-8' });
        return void res.end('<!doctype html><meta charset="utf-8"><p>二维码无效 Invalid code</p>');
      }
      let message: string | undefined;
      if (confirm) {
        try {
          payTrade(t);
          await o.runDue?.();
        } catch (err) {
          message = (err as Error).message;
        }
      }
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(payPage(t, message));
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
      if (sw.failNext > 0) {
        sw.failNext--;
        return respond(res, method, fail('20000', 'Service Currently Unavailable', 'isp.unknow-error', '系统繁忙'));
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
            token: Array.from({ length: 24 }, () => 'abcdefghijkmnpqrstuvwxyz23456789'[randomInt(32)]).join(''),
            outTradeNo: no,
            tradeNo: `2026${Array.from({ length: 24 }, () => randomInt(10)).join('')}`,
            totalFen: total,
            subject: String(biz.subject ?? ''),
            status: 'WAIT_BUYER_PAY' as const,
            notifyUrl: params.notify_url,
            paidAt: undefined,
            refundedFen: 0,
            createdAt: o.now(),
            refunds: [],
            closedAt: undefined,
          };
          trades.set(no, trade);
          byToken.set(trade.token, trade);
          // Real codes are https://qr.alipay.com/… pages; the emulator's open its own pay page.
          const base = o.baseUrl?.() ?? '';
          return respond(res, method, {
            code: '10000',
            msg: 'Success',
            out_trade_no: no,
            qr_code: base ? `${base}/alipay/qr/${trade.token}` : `https://qr.alipay.com/emu${trade.tradeNo.slice(-10)}`,
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
          t.closedAt = o.now();
          return respond(res, method, { code: '10000', msg: 'Success', out_trade_no: no, trade_no: t.tradeNo });
        case 'alipay.trade.refund': {
          if (!t) return notExist();
          const amount = fenOf(biz.refund_amount);
          // Partial refunds: each needs its own out_request_no (without one, the trade number stands for it,
          // so a second request without one is a retry of the first).
          const requestNo = String(biz.out_request_no ?? '') || no;
          const again = t.refunds.find((r) => r.outRequestNo === requestNo);
          // Idempotent by out_request_no: a repeated request answers the refund already made, moving no money.
          if (again) {
            return respond(res, method, {
              code: '10000',
              msg: 'Success',
              out_trade_no: no,
              trade_no: t.tradeNo,
              buyer_logon_id: BUYER_LOGON_ID,
              fund_change: 'N',
              refund_fee: yuan(t.refundedFen),
            });
          }
          if (t.status !== 'TRADE_SUCCESS')
            return respond(res, method, fail('40004', 'Business Failed', 'ACQ.TRADE_STATUS_ERROR', '交易状态不合法'));
          if (!(amount > 0))
            return respond(res, method, fail('40004', 'Business Failed', 'ACQ.REASON_TRADE_REFUND_FEE_ERR', '退款金额无效'));
          // Never more than was paid, over all the trade's refunds.
          if (t.refundedFen + amount > t.totalFen) {
            return respond(res, method, fail('40004', 'Business Failed', 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL', '退款金额超限'));
          }
          const at = o.now();
          t.refundedFen += amount;
          t.refunds.push({ outRequestNo: requestNo, amountFen: amount, at });
          // A trade refunded in full is closed; a partial refund leaves it TRADE_SUCCESS.
          if (t.refundedFen === t.totalFen) {
            t.status = 'TRADE_CLOSED';
            t.closedAt = at;
          }
          notifyRefund(t, requestNo, at);
          return respond(res, method, {
            code: '10000',
            msg: 'Success',
            out_trade_no: no,
            trade_no: t.tradeNo,
            buyer_logon_id: BUYER_LOGON_ID,
            fund_change: 'Y',
            refund_fee: yuan(t.refundedFen),
            send_back_fee: yuan(amount),
            gmt_refund_pay: cst(at),
          });
        }
        case 'alipay.trade.fastpay.refund.query': {
          if (!t) return notExist();
          const requestNo = String(biz.out_request_no ?? '') || no;
          const r = t.refunds.find((x) => x.outRequestNo === requestNo);
          // No such refund: Alipay answers Success without refund fields (the refund did not happen).
          if (!r) return respond(res, method, { code: '10000', msg: 'Success', out_trade_no: no, trade_no: t.tradeNo });
          return respond(res, method, {
            code: '10000',
            msg: 'Success',
            out_trade_no: no,
            trade_no: t.tradeNo,
            out_request_no: r.outRequestNo,
            total_amount: yuan(t.totalFen),
            refund_amount: yuan(r.amountFen),
            refund_status: 'REFUND_SUCCESS',
            gmt_refund_pay: cst(r.at),
          });
        }
        case 'alipay.fund.trans.uni.transfer':
          return respond(res, method, createTransfer(biz, params.notify_url));
        case 'alipay.fund.trans.common.query': {
          const tr = transfers.get(String(biz.out_biz_no ?? ''));
          if (!tr) return respond(res, method, fail('40004', 'Business Failed', 'ORDER_NOT_EXIST', '转账订单不存在'));
          return respond(res, method, { code: '10000', msg: 'Success', ...transferView(tr) });
        }
        case 'alipay.data.dataservice.bill.downloadurl.query': {
          const day = String(biz.bill_date ?? '');
          if (biz.bill_type !== 'trade' || !/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00+08:00`))) {
            return respond(res, method, fail('40004', 'Business Failed', 'isv.invalid-parameter', '参数不合法：bill_type 或 bill_date'));
          }
          // A day's bill exists once the day is over (China time).
          if (day >= cst(o.now()).slice(0, 10))
            return respond(res, method, fail('40004', 'Business Failed', 'isp.bill_not_exist', '账单不存在'));
          const b = tradeBill(day);
          const token = Array.from({ length: 32 }, () => 'abcdefghijkmnpqrstuvwxyz23456789'[randomInt(32)]).join('');
          bills.set(token, { ...b, expiresAt: o.now() + BILL_URL_TTL_MS });
          const query = `bizType=trade&userId=${ALIPAY_PID}&fileType=csv.zip&bizDates=${day.replace(/-/g, '')}&token=${token}`;
          return respond(res, method, {
            code: '10000',
            msg: 'Success',
            bill_download_url: `${o.baseUrl?.() ?? ''}/alipay/downloadBillFile.resource?${query}`,
          });
        }
        default:
          return respond(res, method, fail('40004', 'Business Failed', 'isv.invalid-method', '不存在的方法名'));
      }
    },
  };
}
