import { defineErrors } from '../../platform/errors.ts';

/** Error codes of the orders module; each violation of the posting rules has its own (S5.5a). */
export const OrderErrors = defineErrors({
  /** The order does not exist or the caller may not see it (never reveal which). */
  ORDER_NOT_FOUND: { status: 404, zh: '订单不存在', en: 'The order does not exist' },
  /** The order type is not in the managed catalogue or was retired. */
  ORDER_TYPE_UNKNOWN: { status: 400, zh: '订单类型 {code} 不存在或已停用', en: 'Order type {code} does not exist or is retired' },
  /** A shift must start in the future (S5.5a). */
  ORDER_START_NOT_IN_FUTURE: { status: 400, zh: '班次开始时间必须晚于当前时间', en: 'The shift must start in the future' },
  /** A shift lasts between the published minimum and maximum (1–14 h by default). */
  ORDER_DURATION_OUT_OF_RANGE: {
    status: 400,
    zh: '班次时长必须在 {minHours} 到 {maxHours} 小时之间',
    en: 'The shift must last between {minHours} and {maxHours} hours',
  },
  /** An order is for one person (S5.5a); a station needing more posts one order per person. */
  ORDER_HEADCOUNT_UNSUPPORTED: {
    status: 400,
    zh: '每个订单只招 1 人；需要多人请分别发布订单',
    en: 'An order is for one person; post one order per person needed',
  },
  /** Pay is a positive whole number of fen. */
  ORDER_PAY_INVALID: { status: 400, zh: '报酬必须是正整数（单位：分）', en: 'Pay must be a positive whole number of fen' },
  /** Pay must reach the published hourly floor for the shift's length. */
  ORDER_PAY_BELOW_FLOOR: {
    status: 400,
    zh: '报酬不得低于 {minYuan} 元（每小时 {hourlyYuan} 元）',
    en: 'Pay must be at least CNY {minYuan} (CNY {hourlyYuan} per hour)',
  },
  /** The payment window closed; the order is closed and any late payment is refunded (S5.5b). */
  ORDER_PAYMENT_DEADLINE_PASSED: {
    status: 409,
    zh: '已超过支付期限，订单已关闭',
    en: 'The payment deadline has passed; the order is closed',
  },
  /** The action is not allowed in the order's current status (the transition table says no). */
  ORDER_INVALID_TRANSITION: {
    status: 409,
    zh: '订单当前状态（{status}）不允许此操作',
    en: 'This action is not allowed while the order is {status}',
  },
  /** Another courier took the order first. */
  ORDER_ALREADY_TAKEN: { status: 409, zh: '订单已被其他人接走', en: 'Someone else already took this order' },
  /** The order is no longer open in the marketplace (closed, cancelled or started). */
  ORDER_NOT_AVAILABLE: { status: 409, zh: '订单已不可接', en: 'The order is no longer available' },
  /** Owners cannot take their own orders. */
  ORDER_OWN_ORDER: { status: 409, zh: '不能接自己发布的订单', en: 'You cannot take your own order' },
  /** The courier already holds a shift overlapping this one (enforced by the database). */
  ORDER_SCHEDULE_CONFLICT: { status: 409, zh: '与您已接的班次时间冲突', en: 'This shift overlaps one you already hold' },
  /** Taking the order would exceed the weekly hours cap. */
  ORDER_WEEKLY_HOURS_CAP: {
    status: 409,
    zh: '本周接单时长将超过上限 {cap} 小时',
    en: 'Taking this order would exceed your weekly cap of {cap} hours',
  },
  /** The last moment to change the order has passed. */
  ORDER_NOT_MODIFIABLE: { status: 409, zh: '订单已不可修改', en: 'The order can no longer be changed' },
  /** After a courier took the order, changes of time or pay need their consent. */
  ORDER_CHANGE_NEEDS_CONSENT: {
    status: 409,
    zh: '订单已被接单，修改时间或报酬需要接单人同意',
    en: 'The order is taken; changing its time or pay needs the courier’s consent',
  },
  /** Re-publishing after a no-show needs a new shift time (the old one has started). */
  ORDER_REPUBLISH_NEEDS_TIME: {
    status: 400,
    zh: '重新发布需要填写新的开始和结束时间',
    en: 'Re-publishing needs a new start and end time',
  },
  /** The last moment to cancel has passed. */
  ORDER_NOT_CANCELLABLE: { status: 409, zh: '订单已不可取消', en: 'The order can no longer be cancelled' },
  /** Check-in opens a while before the shift starts. */
  ORDER_CHECKIN_TOO_EARLY: { status: 409, zh: '签到将于 {opensAt} 开放', en: 'Check-in opens at {opensAt}' },
  /** The courier must be within the store's geofence or type the store's code. */
  ORDER_OUTSIDE_GEOFENCE: {
    status: 409,
    zh: '您距离门店约 {distanceM} 米，需在 {limitM} 米以内或输入门店签到码',
    en: 'You are about {distanceM} m from the store; be within {limitM} m or enter the store code',
  },
  /** The check-in code typed does not match the one the store shows. */
  ORDER_CHECKIN_CODE_WRONG: { status: 409, zh: '签到码不正确', en: 'The check-in code is wrong' },
  /** Check-in or check-out needs a location or the store's code. */
  ORDER_CHECKIN_PROOF_MISSING: { status: 400, zh: '请提供位置或门店签到码', en: 'Provide your location or the store code' },
  /** Hours are confirmed or disputed within the window after check-out; silence confirms. */
  ORDER_CONFIRM_WINDOW_PASSED: { status: 409, zh: '确认工时的期限已过', en: 'The window to confirm or dispute hours has passed' },
  /** Sorting by distance needs a point. */
  ORDER_SEARCH_NEEDS_POINT: {
    status: 400,
    zh: '按距离排序或筛选需要提供经纬度',
    en: 'Sorting or filtering by distance needs a latitude and longitude',
  },
  /** Region filters take a GB/T 2260 code of a province, city or district. */
  ORDER_SEARCH_REGION_UNKNOWN: { status: 400, zh: '地区代码 {code} 不存在', en: 'Region code {code} does not exist' },
  /** A schedule range is at most 62 days. */
  ORDER_SCHEDULE_RANGE_INVALID: {
    status: 400,
    zh: '日程查询范围无效（最多 62 天）',
    en: 'The schedule range is invalid (at most 62 days)',
  },
  /** The calendar feed URL was rotated or never existed. */
  ORDER_CALENDAR_FEED_NOT_FOUND: { status: 404, zh: '日历订阅地址无效', en: 'The calendar feed URL is not valid' },
  /** Each side reviews the other once, within the review window after completion (S5.7c). */
  ORDER_REVIEW_NOT_ALLOWED: { status: 409, zh: '当前不能评价该订单', en: 'This order cannot be reviewed now' },
  /** A side already reviewed this order. */
  ORDER_ALREADY_REVIEWED: { status: 409, zh: '您已评价过该订单', en: 'You already reviewed this order' },
  /** The complaint does not exist or the caller may not see it. */
  COMPLAINT_NOT_FOUND: { status: 404, zh: '投诉工单不存在', en: 'The complaint does not exist' },
  /** A resolved or rejected complaint takes no more replies or changes. */
  COMPLAINT_CLOSED: { status: 409, zh: '投诉工单已结束', en: 'The complaint is closed' },
  /** The reliability event does not exist or is not the caller's to appeal. */
  RELIABILITY_EVENT_NOT_FOUND: { status: 404, zh: '信用记录不存在', en: 'The reliability record does not exist' },
  /** Each reliability event can be appealed once. */
  RELIABILITY_ALREADY_APPEALED: { status: 409, zh: '该记录已申诉过', en: 'This record was already appealed' },
  /** A change proposal must change the time or the pay. */
  ORDER_CHANGE_EMPTY: { status: 400, zh: '修改内容与当前订单相同', en: 'The proposed change is the same as the order' },
  /** The order already has an open change proposal; withdraw it or wait for the courier. */
  ORDER_CHANGE_PENDING: { status: 409, zh: '已有待接单人确认的修改', en: 'A change is already waiting for the courier' },
  /** The change proposal was decided, withdrawn or lapsed. */
  ORDER_CHANGE_NOT_PENDING: { status: 409, zh: '该修改已处理或已失效', en: 'This change was already decided or lapsed' },
});
