import { regionLabel } from '../stores/index.ts';
import { actionsFrom, TRANSITIONS } from './lifecycle.ts';
import type { Viewer } from './policy.ts';
import type { MarketRow, OrderEventRow, OrderRow, OrderRules, OrderTypeRow } from './repo.ts';
import type { OrdersTables } from './tables.ts';
import type { Selectable } from 'kysely';
import { cancellableUntil, cancellationCompensationFen, modifiableUntil, releaseFreeUntil } from './service.ts';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** Which actions the viewer may take, from the transition table (plus non-transition actions). */
function actionsFor(order: OrderRow, viewer: Viewer): string[] {
  const role = viewer === 'market' ? 'courier' : viewer;
  const out: string[] = actionsFrom(order.status).filter((a) => (TRANSITIONS[a].by as readonly string[]).includes(role));
  if (viewer === 'market') return out.filter((a) => a === 'take');
  if (viewer === 'courier') {
    if (order.status === 'taken' && !order.courier_confirmed_at) out.push('confirm_attendance');
    return out.filter((a) => a !== 'take');
  }
  if (viewer === 'owner' && ['pending_payment', 'published', 'taken'].includes(order.status)) out.push('edit');
  return out;
}

/** An order as its viewer may see it: the check-in code only for the owner, the courier id only for the parties. */
export function presentOrder(order: OrderRow, viewer: Viewer, rules: OrderRules, now: Date) {
  const party = viewer === 'owner' || viewer === 'courier' || viewer === 'staff';
  const mod = modifiableUntil(order);
  const can = cancellableUntil(order, rules);
  return {
    id: order.id,
    orderNo: order.order_no,
    status: order.status,
    viewer,
    storeId: order.store_id,
    storeName: order.store_name,
    regionCode: order.region_code,
    regionName: regionLabel(order.region_code),
    address: order.address,
    lat: order.lat,
    lng: order.lng,
    typeCode: order.type_code,
    startsAt: order.starts_at.toISOString(),
    endsAt: order.ends_at.toISOString(),
    payFen: order.pay_fen,
    headcount: order.headcount,
    description: order.description,
    minCertLevel: order.min_cert_level,
    brands: order.brands,
    payBefore: order.pay_before.toISOString(),
    paySecondsLeft:
      order.status === 'pending_payment' ? Math.max(0, Math.floor((order.pay_before.getTime() - now.getTime()) / 1000)) : null,
    modifiableUntil: viewer === 'owner' || viewer === 'staff' ? iso(mod) : null,
    cancellableUntil: viewer === 'owner' || viewer === 'staff' ? iso(can) : null,
    cancellationCompensationFen: order.status === 'taken' && viewer !== 'market' ? cancellationCompensationFen(rules, order, now) : null,
    releaseFreeUntil: viewer === 'courier' ? iso(releaseFreeUntil(rules, order)) : null,
    checkinCode: viewer === 'owner' ? order.checkin_code : null,
    courierId: party ? order.courier_id : null,
    takenAt: party ? iso(order.taken_at) : null,
    courierConfirmedAt: party ? iso(order.courier_confirmed_at) : null,
    checkedInAt: party ? iso(order.checked_in_at) : null,
    checkedOutAt: party ? iso(order.checked_out_at) : null,
    confirmHoursBefore: party ? iso(order.confirm_hours_before) : null,
    completedAt: party ? iso(order.completed_at) : null,
    settledAt: party ? iso(order.settled_at) : null,
    actions: actionsFor(order, viewer),
    createdAt: order.created_at.toISOString(),
    updatedAt: order.updated_at.toISOString(),
  };
}

export function presentMarketItem(r: MarketRow) {
  return {
    id: r.id,
    orderNo: r.order_no,
    storeName: r.store_name,
    regionCode: r.region_code,
    regionName: regionLabel(r.region_code),
    address: r.address,
    lat: r.lat,
    lng: r.lng,
    typeCode: r.type_code,
    startsAt: r.starts_at.toISOString(),
    endsAt: r.ends_at.toISOString(),
    payFen: r.pay_fen,
    description: r.description,
    minCertLevel: r.min_cert_level,
    brands: r.brands,
    publishedAt: (r.published_at ?? r.created_at).toISOString(),
    distanceM: r.distance_m === null ? null : Math.round(r.distance_m),
    storeRating: r.store_rating === null ? null : Math.round(r.store_rating * 10) / 10,
    storeRatingCount: r.store_rating_count,
  };
}

export const presentType = (t: OrderTypeRow) => ({ code: t.code, nameZh: t.name_zh, nameEn: t.name_en, active: t.active, sort: t.sort });

export function presentRules(r: OrderRules) {
  return {
    minHourlyPayFen: r.min_hourly_pay_fen,
    minShiftMinutes: r.min_shift_minutes,
    maxShiftMinutes: r.max_shift_minutes,
    payWindowMinutes: r.pay_window_minutes,
    cancelCutoffMinutes: r.cancel_cutoff_minutes,
    compensationBeforeCutoffPct: r.compensation_before_cutoff_pct,
    compensationAfterCutoffPct: r.compensation_after_cutoff_pct,
    releaseGraceMinutes: r.release_grace_minutes,
    confirmReminderMinutes: r.confirm_reminder_minutes,
    confirmDeadlineMinutes: r.confirm_deadline_minutes,
    checkinOpenMinutes: r.checkin_open_minutes,
    noShowAfterMinutes: r.no_show_after_minutes,
    geofenceM: r.geofence_m,
    confirmHoursWindowMinutes: r.confirm_hours_window_minutes,
    weeklyHoursCap: r.weekly_hours_cap,
    platformFeePct: r.platform_fee_pct,
    reviewWindowDays: r.review_window_days,
    noShowDecisionDays: r.no_show_decision_days,
    penalties: [
      {
        event: 'owner_cancels_taken_before_cutoff',
        zh: `开始前 ${r.cancel_cutoff_minutes / 60} 小时以前取消已接订单：向接单人支付报酬的 ${r.compensation_before_cutoff_pct}% 作为补偿，其余退回`,
        en: `Cancelling a taken order more than ${r.cancel_cutoff_minutes / 60} h before start: the courier gets ${r.compensation_before_cutoff_pct}% of the pay, the rest is refunded`,
      },
      {
        event: 'owner_cancels_taken_after_cutoff',
        zh: `开始前 ${r.cancel_cutoff_minutes / 60} 小时以内取消已接订单：向接单人支付报酬的 ${r.compensation_after_cutoff_pct}% 作为补偿，并计入门店信用`,
        en: `Cancelling a taken order within ${r.cancel_cutoff_minutes / 60} h of start: the courier gets ${r.compensation_after_cutoff_pct}% of the pay, and it counts against the store's reliability`,
      },
      {
        event: 'courier_releases_late',
        zh: `接单后 ${r.release_grace_minutes} 分钟以后或开始前 ${r.cancel_cutoff_minutes / 60} 小时以内放弃订单，计入接单人信用`,
        en: `Releasing a taken order more than ${r.release_grace_minutes} min after taking it, or within ${r.cancel_cutoff_minutes / 60} h of start, counts against the courier's reliability`,
      },
      {
        event: 'courier_no_show',
        zh: `开始后 ${r.no_show_after_minutes} 分钟仍未签到记为未到岗，计入接单人信用；店主可在开始后 ${r.no_show_decision_days} 天内按新的时间重新发布或取消并全额退款，逾期自动全额退款`,
        en: `No check-in ${r.no_show_after_minutes} min after start is a no-show: it counts against the courier's reliability; within ${r.no_show_decision_days} days of the start the owner re-publishes it for a new time or cancels for a full refund, after that the refund is automatic`,
      },
      {
        event: 'courier_unconfirmed',
        zh: `开始前 ${r.confirm_deadline_minutes / 60} 小时仍未确认到岗，订单自动重新发布，计入接单人信用`,
        en: `Not confirmed ${r.confirm_deadline_minutes / 60} h before start: the order returns to the marketplace and it counts against the courier's reliability`,
      },
    ],
  };
}

export const presentEvent = (e: OrderEventRow) => ({
  action: e.action,
  fromStatus: e.from_status,
  toStatus: e.to_status,
  actorRole: e.actor_role,
  note: e.note,
  at: e.at.toISOString(),
});

export const presentReview = (r: Selectable<OrdersTables['order_reviews']>) => ({
  authorRole: r.author_role,
  subjectKind: r.subject_kind,
  stars: r.stars,
  tags: r.tags,
  text: r.text,
  createdAt: r.created_at.toISOString(),
});
