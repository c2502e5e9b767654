import { defineErrors } from '../../platform/errors.ts';

/** Error codes of real-name verification (S5.2). */
export const IdentityErrors = defineErrors({
  /** The ID number fails the GB 11643 format, division, birth-date or check-digit rules. */
  IDENTITY_ID_NUMBER_INVALID: { status: 400, zh: '身份证号码无效（{problem}）', en: 'The ID number is not valid ({problem})' },
  /** The unified social credit code fails the GB 32100 format or check character. */
  IDENTITY_CREDIT_CODE_INVALID: {
    status: 400,
    zh: '统一社会信用代码无效（{problem}）',
    en: 'The unified social credit code is not valid ({problem})',
  },
  /** A document's validity date is already past at submission. */
  IDENTITY_DOCUMENT_EXPIRED: { status: 400, zh: '证件已过有效期', en: 'The document has already expired' },
  /** A person account submitted enterprise data or the other way round. */
  IDENTITY_WRONG_KIND: {
    status: 403,
    zh: '该账户类型不能提交此类认证',
    en: 'This kind of account cannot submit this kind of verification',
  },
  /** The same ID number (or credit code) already verifies, or is in review for, another account. */
  IDENTITY_ID_NUMBER_IN_USE: {
    status: 409,
    zh: '该证件号码已被其他账户认证',
    en: 'This identifier is already verified by another account',
  },
  /** A referenced upload is missing, someone else's, or uploaded for another purpose. */
  IDENTITY_FILE_INVALID: { status: 400, zh: '证件图片无效：{field}', en: 'The document file is not valid: {field}' },
  /** The upload is not a JPEG, PNG or PDF by its content. */
  IDENTITY_FILE_TYPE: { status: 415, zh: '只接受 JPEG、PNG 或 PDF 文件', en: 'Only JPEG, PNG or PDF files are accepted' },
  /** The upload exceeds the size limit. */
  IDENTITY_FILE_TOO_LARGE: { status: 413, zh: '文件不能超过 {maxMb} MB', en: 'The file must not exceed {maxMb} MB' },
  /** The upload request is not multipart/form-data with one `file` part. */
  IDENTITY_UPLOAD_MALFORMED: {
    status: 400,
    zh: '上传格式不正确，请以 multipart/form-data 提交 file 字段',
    en: 'Send the upload as multipart/form-data with a "file" part',
  },
  /** The verification does not exist or is not visible to the caller. */
  IDENTITY_VERIFICATION_NOT_FOUND: { status: 404, zh: '认证记录不存在', en: 'No such verification' },
  /** A reviewer tried to decide a submission that is no longer in review (someone else decided it). */
  IDENTITY_NOT_PENDING: { status: 409, zh: '该认证已处理', en: 'This verification has already been decided' },
  /** Orders, withdrawals and posting need an approved, unexpired real-name verification. */
  IDENTITY_NOT_VERIFIED: {
    status: 403,
    zh: '请先完成实名认证',
    en: 'Complete real-name verification first',
  },
  /** The approved verification's documents have expired; the user must resubmit. */
  IDENTITY_VERIFICATION_EXPIRED: {
    status: 403,
    zh: '实名认证证件已过期，请更新认证资料',
    en: 'Your verification documents have expired; please update them',
  },
  /** The document store (S3-compatible object storage) refused or could not be reached; nothing was saved. */
  IDENTITY_STORAGE_UNAVAILABLE: {
    status: 503,
    zh: '证件存储服务暂时不可用，请稍后重试',
    en: 'Document storage is temporarily unavailable; please try again shortly',
  },
});
