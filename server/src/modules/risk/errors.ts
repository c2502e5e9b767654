import { defineErrors } from '../../platform/errors.ts';

/**
 * Error codes of the risk module. Provider failures say what an operator should check (A6): 4001 →
 * clock and key, 4003 → permission package, 6002 → the credit code, 5001 → retried, then this.
 */
export const RiskErrors = defineErrors({
  /** The credit code fails the GB 32100 format or check character; no provider call is made. */
  RISK_CREDIT_CODE_INVALID: {
    status: 400,
    zh: '统一社会信用代码 {creditCode} 格式或校验位不正确，请核对',
    en: 'The unified social credit code {creditCode} is malformed or its check character is wrong; please check it',
  },
  /** Provider 6002: the provider has no company under this (valid-looking) code. */
  ARBITRATION_COMPANY_NOT_FOUND: {
    status: 404,
    zh: '仲裁数据源查无此企业（6002），请确认统一社会信用代码 {creditCode} 是否有效',
    en: 'The arbitration provider has no company {creditCode} (6002); check that the credit code is valid',
  },
  /** Provider 4001: signature rejected, usually local clock skew beyond ±300 s or a key that does not match. */
  ARBITRATION_SIGNATURE_REJECTED: {
    status: 502,
    zh: '仲裁数据源拒绝签名（4001）：请检查服务器时钟偏差（当前约 {skewSeconds} 秒，须在 ±300 秒内）及 ARBITRATION_PRIVATE_KEY 是否与登记公钥匹配',
    en: 'The arbitration provider rejected the signature (4001): check the server clock (skew about {skewSeconds} s, must be within ±300 s) and that ARBITRATION_PRIVATE_KEY matches the registered public key',
  },
  /** Provider 4003: the app's permission package lacks the arbitration query. */
  ARBITRATION_PERMISSION_DENIED: {
    status: 502,
    zh: '仲裁数据源权限不足（4003）：请确认应用 {appId} 的接口权限包包含劳动仲裁查询',
    en: 'The arbitration provider denied permission (4003): check that app {appId} has the arbitration query in its permission package',
  },
  /** Provider 5001 on every try (at most 3), or it could not be reached / answered garbage. */
  ARBITRATION_PROVIDER_UNAVAILABLE: {
    status: 503,
    zh: '仲裁数据源暂不可用（{reason}），已重试 {attempts} 次，请稍后再试',
    en: 'The arbitration provider is unavailable ({reason}) after {attempts} tries; try again later',
  },
  /** No provider is configured (ARBITRATION_BASE_URL / key missing). */
  ARBITRATION_NOT_CONFIGURED: {
    status: 503,
    zh: '未配置仲裁数据源（ARBITRATION_BASE_URL、ARBITRATION_PRIVATE_KEY）',
    en: 'No arbitration provider is configured (ARBITRATION_BASE_URL, ARBITRATION_PRIVATE_KEY)',
  },
  /** The uploaded batch has no credit codes, or more than the limit. */
  RISK_BATCH_INVALID: { status: 400, zh: '批量查询需包含 1 至 {max} 个统一社会信用代码', en: 'A batch needs 1 to {max} credit codes' },
  /** The company has never been checked. */
  RISK_COMPANY_UNKNOWN: { status: 404, zh: '该企业尚未做过风险检查', en: 'This company has not been checked yet' },
  /** No risk review of this order that the caller may see. */
  RISK_HOLD_NOT_FOUND: { status: 404, zh: '该订单没有风控审核记录', en: 'This order has no risk review' },
  /** The review is over (decided, expired, or the owner cancelled the order); nothing more can change. */
  RISK_HOLD_CLOSED: {
    status: 409,
    zh: '该订单的风控审核已结束（{status}），无法再操作',
    en: 'The risk review of this order is over ({status}); it can no longer change',
  },
  /** Release asked after the shift started: the order can only be rejected or left to close. */
  RISK_HOLD_TOO_LATE: {
    status: 409,
    zh: '该订单的开始时间已过，不能再发布；请驳回或等待系统自动关闭退款',
    en: 'The shift has already started, so the order can no longer be published; reject it or let it close with a refund',
  },
});
