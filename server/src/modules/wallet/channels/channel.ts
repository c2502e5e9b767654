/**
 * One interface over payment channels (WeChat Pay API v3, Alipay open API…): create a payment, query,
 * close, refund, pay out to a user, verify an asynchronous notification, download the daily bill.
 * Amounts are integer fen; times are Dates.
 */
export interface PaymentChannel {
  /** Stable name used in ledger account codes and transfer keys (`channel:<name>:clearing`). */
  readonly name: string;
  /**
   * How the platform answers the channel's asynchronous notifications: WeChat Pay API v3 wants JSON with
   * 204/200 (4xx/5xx → retry); Alipay posts a form and wants the plain text `success` (anything else → retry).
   */
  readonly notifyProtocol: 'wechatpay-v3' | 'alipay';
  /** Whether `tradeBill` downloads a daily bill (reconciliation matches payments only then). */
  readonly tradeBills: boolean;
  /** Which bound payout accounts this channel can pay out to (WeChat Pay: openids; Alipay: bank cards). */
  readonly payoutKinds: readonly PayoutKind[];
  createPayment(o: { outTradeNo: string; amountFen: number; description: string; expiresAt: Date; notifyUrl: string }): Promise<{
    /** What a QR code encodes (e.g. `weixin://wxpay/bizpayurl?pr=…`). */
    codeUrl: string;
    /** A web page where the payer can pay (the emulator's scan-and-pay page), when the channel has one. */
    payUrl: string | null;
  }>;
  queryPayment(outTradeNo: string): Promise<ChannelPayment>;
  closePayment(outTradeNo: string): Promise<void>;
  /**
   * Refunds `amountFen` of the payment `outTradeNo` (of `totalFen`): partial refunds are allowed, several
   * per payment, each with its own `outRefundNo`, never more in total than was paid (the channel refuses
   * that). A retry with the same `outRefundNo` and amount refunds once.
   */
  refund(o: {
    outTradeNo: string;
    outRefundNo: string;
    amountFen: number;
    totalFen: number;
    reason: string;
  }): Promise<{ status: 'processing' | 'success' | 'failed' }>;
  /**
   * A refund's state at the channel (WeChat Pay: GET /v3/refund/domestic/refunds/{out_refund_no}; Alipay:
   * alipay.trade.fastpay.refund.query). `processing` while the channel is still paying it back, and when
   * the channel has no record of it (it never arrived: submit it again with the same number).
   */
  queryRefund(o: {
    outTradeNo: string;
    outRefundNo: string;
  }): Promise<{ status: 'processing' | 'success' | 'failed'; amountFen: number | null }>;
  transfer(o: {
    outBatchNo: string;
    outDetailNo: string;
    amountFen: number;
    payeeAccount: string;
    /** The kind of payee account; a bank card also needs the holder's name (banks check it). */
    payeeKind: PayoutKind;
    payeeName?: string;
    remark: string;
    notifyUrl?: string;
  }): Promise<void>;
  queryTransfer(outBatchNo: string, outDetailNo: string): Promise<TransferOutcome>;
  /** Verifies and opens an asynchronous notification; throws ChannelError('SIGNATURE_INVALID') when it is not genuine. */
  openNotification(headers: Record<string, string | string[] | undefined>, rawBody: string): Promise<ChannelNotification>;
  /**
   * The day's trade bill (China time): the CSV text in the channel's own layout (`format`, WeChat Pay's by
   * default), hash-checked where the channel gives a hash (WeChat Pay does, Alipay does not).
   */
  tradeBill(day: string): Promise<{ csv: string; format?: 'wechatpay' | 'alipay' } | null>;
}

export type PayoutKind = 'wechat' | 'bank_card';

/** A payout as the channel sees it; `amountFen` is what the channel says it transferred. */
export interface TransferOutcome {
  status: 'processing' | 'success' | 'failed';
  failReason: string | null;
  amountFen: number | null;
}

export interface ChannelPayment {
  outTradeNo: string;
  state: 'pending' | 'paid' | 'closed' | 'refunded';
  amountFen: number;
  transactionId: string | null;
  paidAt: Date | null;
}

export type ChannelNotification =
  | { kind: 'payment'; eventId: string; payment: ChannelPayment }
  | { kind: 'refund'; eventId: string; outTradeNo: string; outRefundNo: string; status: 'success' | 'failed' }
  | { kind: 'transfer'; eventId: string; outBatchNo: string }
  | { kind: 'other'; eventId: string; eventType: string };

/** A channel refused or failed a call; `code` is the channel's own error code where it gave one. */
export class ChannelError extends Error {
  readonly code: string;
  readonly status: number | undefined;
  constructor(code: string, message: string, status?: number) {
    super(`${code}: ${message}`);
    this.code = code;
    this.status = status;
  }
}
