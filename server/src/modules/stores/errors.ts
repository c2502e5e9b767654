import { defineErrors } from '../../platform/errors.ts';

/** Error codes of the stores module. */
export const StoreErrors = defineErrors({
  /** The store does not exist or belongs to someone else (never reveal which). */
  STORE_NOT_FOUND: { status: 404, zh: '门店不存在', en: 'The store does not exist' },
  /** Stores are placed by a GB/T 2260 county-level code; provinces and cities alone are too coarse. */
  STORE_REGION_INVALID: {
    status: 400,
    zh: '地区代码 {code} 不是有效的区县代码',
    en: 'Region code {code} is not a valid county-level (district) code',
  },
  /** Contact phones are mainland mobile numbers (11 digits starting with 1) or landlines with area code. */
  STORE_PHONE_INVALID: { status: 400, zh: '联系电话格式不正确', en: 'The contact phone number is not valid' },
  /** The division code asked for does not exist. */
  REGION_NOT_FOUND: { status: 404, zh: '行政区划 {code} 不存在', en: 'Administrative division {code} does not exist' },
});
