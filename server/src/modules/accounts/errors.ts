import { defineErrors } from '../../platform/errors.ts';

/** Error codes of the accounts module (registration, login, sessions, profile, staff, audit). */
export const AccountErrors = defineErrors({
  /** The phone number is not a mainland mobile number. */
  INVALID_PHONE: { status: 400, zh: '手机号格式不正确', en: 'The mobile number is not valid' },
  /** The e-mail address cannot be used. */
  INVALID_EMAIL: { status: 400, zh: '邮箱地址格式不正确', en: 'The e-mail address is not valid' },
  /** The identifier is neither a mainland mobile number nor an e-mail address. */
  INVALID_IDENTIFIER: { status: 400, zh: '请输入手机号或邮箱', en: 'Enter a mobile number or an e-mail address' },
  /** The channel does not match the destination (sms needs a phone, email an e-mail address). */
  CHANNEL_MISMATCH: { status: 400, zh: '发送方式与接收地址不匹配', en: 'The channel does not match the destination' },
  /** Resend cool-down: one code per destination per 60 s. */
  CODE_COOLDOWN: {
    status: 429,
    zh: '验证码发送过于频繁，请 {retryAfter} 秒后再试',
    en: 'Please wait {retryAfter} s before requesting another code',
  },
  /** Daily cap of codes per destination or per client address reached. */
  CODE_DAILY_LIMIT: { status: 429, zh: '今日验证码发送次数已达上限', en: 'The daily limit of verification codes has been reached' },
  /** The code is wrong, expired, used, or has had too many wrong tries. */
  CODE_INVALID: { status: 400, zh: '验证码错误或已失效', en: 'The verification code is wrong or no longer valid' },
  /** The password breaks the password rules (length, character classes, common passwords). */
  WEAK_PASSWORD: { status: 400, zh: '密码不符合要求：{reasonZh}', en: 'The password does not meet the rules: {reasonEn}' },
  /** A phone number, e-mail address or credit code is already registered. */
  ACCOUNT_EXISTS: { status: 409, zh: '该{what}已注册', en: 'This {what} is already registered' },
  /** Enterprise registration needs the company name and the unified social credit code. */
  ENTERPRISE_DETAILS_REQUIRED: {
    status: 400,
    zh: '企业注册需填写企业名称和统一社会信用代码',
    en: 'Enterprise registration needs the company name and credit code',
  },
  /** The unified social credit code fails the GB 32100 check. */
  INVALID_CREDIT_CODE: { status: 400, zh: '统一社会信用代码不正确', en: 'The unified social credit code is not valid' },
  /** Wrong identifier, password or code; the same answer whether or not the account exists. */
  LOGIN_FAILED: {
    status: 401,
    zh: '账号或密码错误，还可尝试 {remaining} 次',
    en: 'Wrong account or password; {remaining} attempt(s) left',
  },
  /** Too many failures: the account is locked until `lockedUntil`. */
  ACCOUNT_LOCKED: {
    status: 423,
    zh: '登录失败次数过多，账号已锁定至 {lockedUntilLocal}',
    en: 'Too many failed logins; locked until {lockedUntilLocal}',
  },
  /** Too many failed logins from this network address. */
  LOGIN_THROTTLED: { status: 429, zh: '登录尝试过于频繁，请稍后再试', en: 'Too many login attempts from your network; try again later' },
  /** After repeated failures an image captcha must be solved. */
  CAPTCHA_REQUIRED: { status: 400, zh: '请输入图形验证码', en: 'Please solve the image captcha' },
  /** The captcha answer is wrong or the captcha expired. */
  CAPTCHA_INVALID: { status: 400, zh: '图形验证码错误或已过期', en: 'The image captcha is wrong or expired' },
  /** Staff sign-in needs the 6-digit code of their authenticator app. */
  TOTP_REQUIRED: { status: 401, zh: '请输入动态口令', en: 'Enter the code from your authenticator app' },
  /** The current password given to confirm a sensitive change is wrong. */
  PASSWORD_MISMATCH: { status: 403, zh: '当前密码不正确', en: 'The current password is not correct' },
  /** The account still has obligations (unfinished orders, balances…) and cannot be cancelled. */
  ACCOUNT_HAS_OBLIGATIONS: {
    status: 409,
    zh: '账号存在未完成事项，暂不能注销：{reasons}',
    en: 'The account cannot be cancelled yet: {reasons}',
  },
  /** Staff accounts are cancelled by an administrator, not by themselves. */
  STAFF_CANNOT_SELF_CANCEL: { status: 403, zh: '员工账号需由管理员停用', en: 'Staff accounts are deactivated by an administrator' },
  /** Unknown role name. */
  UNKNOWN_ROLE: { status: 400, zh: '未知角色：{role}', en: 'Unknown role: {role}' },
  /** The last active administrator cannot lose the admin role. */
  LAST_ADMIN: { status: 409, zh: '不能移除最后一位管理员', en: 'The last administrator cannot be removed' },
  /** The target user is not a staff account. */
  NOT_STAFF: { status: 400, zh: '该用户不是员工账号', en: 'That user is not a staff account' },
});
