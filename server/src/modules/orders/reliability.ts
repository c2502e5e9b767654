import type { Actor } from '../../platform/auth.ts';
import { can } from '../../platform/auth.ts';
import type { Executor } from '../../platform/db.ts';
import { AppError } from '../../platform/errors.ts';
import type { Bilingual } from '../../platform/i18n.ts';
import { storeOwnerOf } from '../stores/index.ts';
import { fileAppeal, HANDLE_PERMISSION } from './complaints.ts';
import type { Deps } from './service.ts';
import './errors.ts';

/** Only events this recent count. */
export const RELIABILITY_WINDOW_DAYS = 90;

/** Points each recorded event costs (published with every score). */
export const RELIABILITY_WEIGHTS: Record<'courier' | 'store', Record<string, { points: number; label: Bilingual }>> = {
  courier: {
    late_release: { points: 5, label: { zh: '接单后超时放弃', en: 'Late release of a taken order' } },
    unconfirmed: { points: 5, label: { zh: '未按时确认到岗', en: 'Did not confirm attendance in time' } },
    no_show: { points: 20, label: { zh: '未到岗', en: 'No-show' } },
    dispute_lost: { points: 10, label: { zh: '工时争议被判不成立', en: 'Lost an hours dispute' } },
    complaint_upheld: { points: 10, label: { zh: '被投诉且投诉成立', en: 'Complaint upheld' } },
  },
  store: {
    late_cancel: { points: 10, label: { zh: '临近开始取消已接订单', en: 'Late cancellation of a taken order' } },
    dispute_lost: { points: 10, label: { zh: '工时争议被判不成立', en: 'Lost an hours dispute' } },
    complaint_upheld: { points: 10, label: { zh: '被投诉且投诉成立', en: 'Complaint upheld' } },
  },
};

async function eventsOf(db: Executor, kind: 'courier' | 'store', subjectId: string, since: Date) {
  return db
    .selectFrom('order_reliability_events as e')
    .innerJoin('orders as o', 'o.id', 'e.order_id')
    .select(['e.id', 'e.kind', 'e.at', 'e.voided_at', 'e.appeal_complaint_id', 'o.order_no', 'o.owner_id'])
    .where('e.subject_kind', '=', kind)
    .where('e.subject_id', '=', subjectId)
    .where('e.at', '>=', since)
    .orderBy('e.at', 'desc')
    .limit(200)
    .execute();
}

/** A courier's counted (not voided) events of the window with their points, for training's standing gate (S5.4). */
export async function countedCourierEvents(db: Executor, courierId: string, now: Date) {
  const events = await eventsOf(db, 'courier', courierId, new Date(now.getTime() - RELIABILITY_WINDOW_DAYS * 86_400_000));
  return events.filter((e) => !e.voided_at).map((e) => ({ at: e.at, points: RELIABILITY_WEIGHTS.courier[e.kind]?.points ?? 0 }));
}

/** Is the caller the subject (the courier, or the store's owner) or support staff? */
async function mayInspect(d: Deps, actor: Actor | null, kind: 'courier' | 'store', subjectId: string): Promise<boolean> {
  if (!actor) return false;
  if (can(actor, HANDLE_PERMISSION)) return true;
  if (kind === 'courier') return actor.userId === subjectId;
  return (await storeOwnerOf(d.p.db, subjectId)) === actor.userId;
}

/**
 * A courier's or store's reliability score over the last 90 days: 100 minus the published weight of
 * each recorded event not voided on appeal. The subject and support see the events behind it.
 */
export async function reliabilityOf(d: Deps, actor: Actor | null, kind: 'courier' | 'store', subjectId: string) {
  const since = new Date(d.p.clock.now().getTime() - RELIABILITY_WINDOW_DAYS * 86_400_000);
  const events = await eventsOf(d.p.db, kind, subjectId, since);
  const weights = RELIABILITY_WEIGHTS[kind];
  const lost = events.filter((e) => !e.voided_at).reduce((sum, e) => sum + (weights[e.kind]?.points ?? 0), 0);
  const inspect = await mayInspect(d, actor, kind, subjectId);
  return {
    score: Math.max(0, 100 - lost),
    windowDays: RELIABILITY_WINDOW_DAYS,
    weights: Object.entries(weights).map(([k, w]) => ({ kind: k, points: w.points, zh: w.label.zh, en: w.label.en })),
    events: inspect
      ? events.map((e) => ({
          id: e.id,
          kind: e.kind,
          orderNo: e.order_no,
          at: e.at.toISOString(),
          points: weights[e.kind]?.points ?? 0,
          voided: !!e.voided_at,
          appealId: e.appeal_complaint_id,
        }))
      : [],
  };
}

/** The subject of a reliability event appeals it: a complaint ticket of category 'appeal' support decides. */
export async function appealReliabilityEvent(d: Deps, actor: Actor, eventId: string, text: string) {
  return d.p.db.transaction().execute(async (tx) => {
    const e = await tx.selectFrom('order_reliability_events').selectAll().where('id', '=', eventId).forUpdate().executeTakeFirst();
    if (!e || !(await mayInspect(d, actor, e.subject_kind, e.subject_id)) || can(actor, HANDLE_PERMISSION)) {
      throw new AppError('RELIABILITY_EVENT_NOT_FOUND');
    }
    if (e.appeal_complaint_id) throw new AppError('RELIABILITY_ALREADY_APPEALED');
    const role = e.subject_kind === 'courier' ? 'courier' : 'owner';
    const c = await fileAppeal(d, tx, { actor, orderId: e.order_id, role, text, eventKind: e.kind });
    await tx.updateTable('order_reliability_events').set({ appeal_complaint_id: c.id }).where('id', '=', e.id).execute();
    return c;
  });
}
