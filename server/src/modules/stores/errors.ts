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
  /** Store photos: JPEG or PNG by content, at most 2 MiB, at most 9 per store. */
  STORE_PHOTO_TYPE: { status: 415, zh: '门店照片须为 JPEG 或 PNG 图片', en: 'Store photos must be JPEG or PNG images' },
  STORE_PHOTO_TOO_LARGE: { status: 413, zh: '门店照片不能超过 {maxMb} MB', en: 'Store photos may be at most {maxMb} MB' },
  STORE_PHOTO_LIMIT: {
    status: 409,
    zh: '每个门店最多 {max} 张照片，请先删除旧照片',
    en: 'A store has at most {max} photos; remove one first',
  },
  STORE_PHOTO_MALFORMED: {
    status: 400,
    zh: '请以 multipart/form-data 上传，文件字段名为 file',
    en: 'Upload as multipart/form-data with the picture in the part named "file"',
  },
  STORE_PHOTO_NOT_FOUND: { status: 404, zh: '照片不存在', en: 'The photo does not exist' },
  /** The division code asked for does not exist. */
  REGION_NOT_FOUND: { status: 404, zh: '行政区划 {code} 不存在', en: 'Administrative division {code} does not exist' },
});
