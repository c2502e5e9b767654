import type { Tx } from '../../platform/db.ts';
import type { HeldOrderDecider } from '../risk/index.ts';
import * as repo from './repo.ts';
import { transition, type Deps } from './service.ts';

/**
 * How a risk decision changes a held order (issue 6), on the decision's transaction: release →
 * published (into the marketplace, escrow stays); reject → cancelled with the whole escrow refunded.
 * Conditional on the status and version read, so a cancel or the start-time sweep racing a reviewer
 * leaves exactly one winner. The owner is notified by the transition, with the reviewer's reason.
 */
export function heldOrderDecider(d: Deps): HeldOrderDecider {
  return async (tx: Tx, o) => {
    const order = await repo.findOrder(tx, o.orderId);
    if (!order || order.status !== 'held_for_review') return 'not_held';
    const now = d.p.clock.now();
    const by = { id: o.staffId, role: 'staff' as const };
    const opts = { note: o.reason, guard: { version: order.version } };
    if (o.decision === 'release') {
      if (order.starts_at.getTime() <= now.getTime()) return 'started';
      const row = await transition(d, tx, order, 'release_hold', by, { published_at: now }, opts);
      return row ? 'done' : 'not_held';
    }
    await d.ports.refundEscrow(d.p, tx, { orderId: order.id });
    const row = await transition(d, tx, order, 'reject_hold', by, { cancelled_at: now }, opts);
    return row ? 'done' : 'not_held'; // the caller then fails, rolling the refund back
  };
}
