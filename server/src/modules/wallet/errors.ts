import { defineErrors } from '../../platform/errors.ts';

/** The wallet's error codes. */
export const WalletErrors = defineErrors({
  /** A debit would take a balance below zero; nothing moved. */
  INSUFFICIENT_FUNDS: { status: 409, zh: '余额不足', en: 'Insufficient balance' },
  /** A transfer key was reused for different content: the first transfer stands, this one is refused. */
  LEDGER_IDEMPOTENCY_CONFLICT: {
    status: 422,
    zh: '该交易编号已用于另一笔不同的交易',
    en: 'This transfer key was already used for a different transfer',
  },
  /** A transfer must move a positive amount and balance to zero; a programming error when it does not. */
  LEDGER_TRANSFER_INVALID: { status: 400, zh: '交易不平衡或金额无效：{detail}', en: 'The transfer is invalid: {detail}' },
  /** Reversing something that does not exist or was already reversed. */
  LEDGER_TRANSFER_NOT_REVERSIBLE: { status: 409, zh: '该交易无法冲正：{detail}', en: 'The transfer cannot be reversed: {detail}' },
  /** No escrow or payout hold exists for the reference. */
  HOLD_NOT_FOUND: { status: 404, zh: '没有找到对应的冻结款项', en: 'No held funds found for this reference' },
  /** The hold was already posted or voided in the other direction; money moves only once. */
  HOLD_ALREADY_SETTLED: { status: 409, zh: '该款项已经结算，不能重复处理', en: 'These funds were already settled' },
  /** A fee larger than the escrowed amount. */
  ESCROW_FEE_TOO_LARGE: { status: 400, zh: '平台服务费不能超过托管金额', en: 'The platform fee cannot exceed the escrowed amount' },
  /** An order's escrow can be paid once; a second, different payment for the same order is refused. */
  ESCROW_ALREADY_PAID: { status: 409, zh: '该订单已支付', en: 'This order has already been paid' },
});

/** Top-up and channel errors. */
export const WalletChannelErrors = defineErrors({
  /** No payment channel is configured (or it is unreachable): top-up is unavailable for now. */
  PAYMENT_CHANNEL_UNAVAILABLE: {
    status: 503,
    zh: '支付渠道暂时不可用，请稍后再试',
    en: 'The payment channel is unavailable right now; please try again later',
  },
  /** A top-up outside the allowed amount range. */
  TOPUP_AMOUNT_OUT_OF_RANGE: {
    status: 400,
    zh: '充值金额需在 {min} 元到 {max} 元之间',
    en: 'A top-up must be between CNY {min} and CNY {max}',
  },
});

/** Withdrawal and payout-account errors. */
export const WalletWithdrawalErrors = defineErrors({
  /** A withdrawal outside the per-transaction range. */
  WITHDRAWAL_AMOUNT_OUT_OF_RANGE: {
    status: 400,
    zh: '单笔提现金额需在 {min} 元到 {max} 元之间',
    en: 'A withdrawal must be between CNY {min} and CNY {max}',
  },
  /** Today's withdrawals would exceed the daily limit (China time). */
  WITHDRAWAL_DAILY_LIMIT: {
    status: 409,
    zh: '超出每日提现限额 {max} 元，今日还可提现 {left} 元',
    en: 'This exceeds the daily withdrawal limit of CNY {max}; CNY {left} left today',
  },
  /** Payouts to this kind of account are not available through the configured channel yet. */
  WITHDRAWAL_ACCOUNT_UNSUPPORTED: {
    status: 409,
    zh: '暂不支持提现到该类账户，请绑定微信账户',
    en: 'Withdrawals to this kind of account are not available yet; bind a WeChat account',
  },
  /** A bank card number that fails the Luhn check or has the wrong length. */
  PAYOUT_ACCOUNT_INVALID: { status: 400, zh: '收款账户号码不正确：{detail}', en: 'The payout account number is invalid: {detail}' },
});

/** Reconciliation (S5.9c) errors. */
export const WalletReconErrors = defineErrors({
  /** The day to reconcile is not a past China-time day in YYYY-MM-DD form. */
  RECON_DAY_INVALID: {
    status: 400,
    zh: '对账日期无效：只能对今天之前的日期对账',
    en: 'Invalid reconciliation day: only past days can be reconciled',
  },
  /** Resolving a discrepancy needs a reason. */
  RECON_REASON_REQUIRED: { status: 400, zh: '请填写处理原因', en: 'A reason is required' },
  /** The discrepancy was already resolved; nothing changed. */
  RECON_ALREADY_RESOLVED: { status: 409, zh: '该差错已处理', en: 'This discrepancy was already resolved' },
  /** An adjustment needs a user: the discrepancy has no known owner and none was given. */
  RECON_ADJUST_NEEDS_USER: { status: 400, zh: '请指定调账的用户', en: 'Name the user whose balance to adjust' },
  /** An adjustment needs a non-zero whole amount in fen. */
  RECON_ADJUST_AMOUNT_INVALID: { status: 400, zh: '调账金额无效', en: 'The adjustment amount is invalid' },
});

/** Statement (bill) and appeal errors (S5.9c). */
export const WalletBillErrors = defineErrors({
  /** The period is not a YYYY-MM month or YYYY-MM-DD day. */
  STATEMENT_PERIOD_INVALID: { status: 400, zh: '账单期间格式不正确', en: 'Invalid statement period' },
  /** A statement is only generated once its period is over. */
  STATEMENT_PERIOD_NOT_OVER: { status: 409, zh: '该期间尚未结束，暂不能生成账单', en: 'This period is not over yet' },
  /** The disputed line is not one of the caller's bill lines. */
  APPEAL_LINE_NOT_FOUND: { status: 404, zh: '没有找到该账单明细', en: 'No such bill line' },
  /** The line already has an appeal being handled. */
  APPEAL_ALREADY_OPEN: { status: 409, zh: '该明细已有处理中的申诉', en: 'This line already has an open appeal' },
  /** The appeal was already decided. */
  APPEAL_ALREADY_DECIDED: { status: 409, zh: '该申诉已处理', en: 'This appeal was already decided' },
  /** An appeal names an attachment that is not the caller's, or already belongs to another appeal. */
  APPEAL_ATTACHMENT_NOT_FOUND: { status: 404, zh: '没有找到该附件', en: 'No such attachment' },
  /** Attachments are JPEG, PNG or PDF (by content), at most 2 MB each. */
  APPEAL_ATTACHMENT_INVALID: {
    status: 415,
    zh: '附件须为不超过 {maxMb} MB 的 JPEG、PNG 或 PDF 文件',
    en: 'An attachment must be a JPEG, PNG or PDF file of at most {maxMb} MB',
  },
  /** Too many uploads not yet named by an appeal. */
  APPEAL_ATTACHMENT_LIMIT: {
    status: 409,
    zh: '未提交的附件过多（最多 {max} 个），请先提交申诉',
    en: 'Too many attachments not yet filed (at most {max}); file the appeal first',
  },
  /** Accepting an appeal needs a non-zero adjustment amount in fen. */
  APPEAL_ADJUSTMENT_INVALID: { status: 400, zh: '请填写调整金额', en: 'An adjustment amount is required to accept' },
});
