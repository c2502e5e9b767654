import { defineErrors } from '../../platform/errors.ts';

/** Error codes of training, exams and certificates (S5.4). */
export const TrainingErrors = defineErrors({
  /** The course does not exist or is not offered. */
  TRAINING_COURSE_NOT_FOUND: { status: 404, zh: '课程不存在', en: 'No such course' },
  /** The stage of this course needs more completed orders or days on the platform. */
  TRAINING_STAGE_LOCKED: {
    status: 403,
    zh: '该阶段尚未解锁：需完成 {orders} 单并在平台满 {days} 天',
    en: 'This stage is locked: it needs {orders} completed orders and {days} days on the platform',
  },
  /** The course's question bank has fewer questions than its exam draws. */
  TRAINING_QUESTION_BANK_TOO_SMALL: {
    status: 409,
    zh: '题库题目不足，暂时无法考试',
    en: 'The question bank is too small for this exam at the moment',
  },
  /** The attempt does not exist or belongs to someone else. */
  TRAINING_ATTEMPT_NOT_FOUND: { status: 404, zh: '考试记录不存在', en: 'No such exam attempt' },
  /** The attempt was already submitted (a paper is graded once). */
  TRAINING_ATTEMPT_SUBMITTED: { status: 409, zh: '试卷已提交', en: 'This paper has already been submitted' },
  /** The time limit passed; the paper can no longer be submitted. */
  TRAINING_ATTEMPT_TIMED_OUT: { status: 409, zh: '考试时间已到，请重新开始考试', en: 'Time is up for this exam; start a new attempt' },
  /** An answer refers to a question not on the paper or an option the question does not have. */
  TRAINING_ANSWER_INVALID: { status: 400, zh: '答案无效：{detail}', en: 'Invalid answer: {detail}' },
  /** Orders need a valid certificate of the entry training (S5.4a). */
  TRAINING_CERTIFICATE_REQUIRED: {
    status: 403,
    zh: '接单前须完成岗前培训并通过考试取得有效证书',
    en: 'Pass the entry training exam and hold a valid certificate before taking orders',
  },
  /** The order needs a higher certificate level than the courier holds. */
  TRAINING_CERTIFICATE_LEVEL_TOO_LOW: {
    status: 403,
    zh: '该订单要求{level}及以上证书',
    en: 'This order requires a {level} certificate or better',
  },
  /** The courier's reliability score (events since the last restoration) is below the minimum: pass the refresher. */
  TRAINING_REFRESHER_REQUIRED: {
    status: 403,
    zh: '您的信用分为 {score}，低于 {min} 分，暂停接单；通过复训考试后可恢复接单资格',
    en: 'Your reliability score is {score}, below {min}: pass the refresher course to take orders again',
  },
  /** Restricted, and a refresher pass already restored standing within the cool-down period. */
  TRAINING_STANDING_COOLDOWN: {
    status: 403,
    zh: '您的信用分为 {score}，低于 {min} 分，暂停接单；复训恢复每 30 天限一次，{date} 起可再次通过复训恢复',
    en: 'Your reliability score is {score}, below {min}; a refresher restores standing once per 30 days, next on {date}',
  },
  /** The lesson does not exist. */
  TRAINING_LESSON_NOT_FOUND: { status: 404, zh: '课时不存在', en: 'No such lesson' },
  /** A reorder must list every lesson of the course exactly once. */
  TRAINING_LESSON_ORDER_INVALID: {
    status: 400,
    zh: '排序须包含该课程的每个课时且各出现一次',
    en: 'The new order must list each lesson of the course exactly once',
  },
  /** Only a certificate that is still valid can be revoked. */
  TRAINING_CERTIFICATE_NOT_VALID: {
    status: 409,
    zh: '该证书已失效，无法撤销',
    en: 'This certificate is no longer valid and cannot be revoked',
  },
  /** No certificate has this number. */
  CERTIFICATE_NOT_FOUND: { status: 404, zh: '证书不存在', en: 'No certificate with this number' },
  /** A question's options or correct answers do not fit its kind. */
  TRAINING_QUESTION_INVALID: { status: 400, zh: '题目无效：{detail}', en: 'Invalid question: {detail}' },
  /** A course or stage code is already taken. */
  TRAINING_CODE_TAKEN: { status: 409, zh: '编码已被使用', en: 'This code is already in use' },
});
