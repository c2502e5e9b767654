import { defineErrors } from '../../platform/errors.ts';

/** Error codes of the message center. */
export const MessagesErrors = defineErrors({
  /** The notification does not exist or belongs to someone else (never say which: no probing of ids). */
  NOTIFICATION_NOT_FOUND: { status: 404, zh: '消息不存在', en: 'No such notification' },
  /** A client resumed the event stream with a Last-Event-ID that is not a sequence number. */
  EVENT_ID_INVALID: { status: 400, zh: '事件编号无效：{lastEventId}', en: 'Invalid event id: {lastEventId}' },
});
