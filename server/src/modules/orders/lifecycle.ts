import type { OrderStatus } from './tables.ts';

/** Who performs a transition. */
export type OrderRole = 'owner' | 'courier' | 'system' | 'staff';

/** One allowed move of the order lifecycle (S5.7b). */
export interface Transition {
  from: readonly OrderStatus[];
  to: OrderStatus;
  by: readonly OrderRole[];
}

/**
 * The order lifecycle as an explicit table: every status change goes through `transition()` in the
 * repo, which updates `WHERE status IN (from)` so concurrent actors have exactly one winner.
 */
export const TRANSITIONS = {
  pay: { from: ['pending_payment'], to: 'published', by: ['owner'] },
  // Issue 6: paid by an owner whose company is at high labor-arbitration risk → risk staff review first.
  // The owner's payment triggers it but the system decides, so it is never offered as an owner action.
  hold: { from: ['pending_payment'], to: 'held_for_review', by: ['system'] },
  release_hold: { from: ['held_for_review'], to: 'published', by: ['staff'] },
  reject_hold: { from: ['held_for_review'], to: 'cancelled', by: ['staff'] },
  expire_hold: { from: ['held_for_review'], to: 'closed', by: ['system'] },
  close_unpaid: { from: ['pending_payment'], to: 'closed', by: ['system'] },
  expire: { from: ['published'], to: 'closed', by: ['system'] },
  cancel: { from: ['pending_payment', 'published', 'taken', 'no_show', 'held_for_review'], to: 'cancelled', by: ['owner'] },
  take: { from: ['published'], to: 'taken', by: ['courier'] },
  release: { from: ['taken'], to: 'published', by: ['courier'] },
  release_unconfirmed: { from: ['taken'], to: 'published', by: ['system'] },
  check_in: { from: ['taken'], to: 'checked_in', by: ['courier'] },
  no_show: { from: ['taken'], to: 'no_show', by: ['system'] },
  republish: { from: ['no_show'], to: 'published', by: ['owner'] },
  // The owner neither re-published nor cancelled within the published no-show decision days: refunded.
  expire_no_show: { from: ['no_show'], to: 'closed', by: ['system'] },
  check_out: { from: ['checked_in'], to: 'checked_out', by: ['courier'] },
  confirm_hours: { from: ['checked_out'], to: 'completed', by: ['owner'] },
  auto_confirm: { from: ['checked_out'], to: 'completed', by: ['system'] },
  dispute: { from: ['checked_out'], to: 'disputed', by: ['owner'] },
  resolve_dispute: { from: ['disputed'], to: 'completed', by: ['staff'] },
  resolve_dispute_refund: { from: ['disputed'], to: 'cancelled', by: ['staff'] },
  settle: { from: ['completed'], to: 'settled', by: ['system'] },
} as const satisfies Record<string, Transition>;

export type OrderAction = keyof typeof TRANSITIONS;

/** Statuses in which an order is still someone's obligation (blocks account cancellation, S5.3b). */
export const UNFINISHED: readonly OrderStatus[] = [
  'pending_payment',
  'published',
  'taken',
  'checked_in',
  'checked_out',
  'completed',
  'no_show',
  'disputed',
  'held_for_review',
];

/** Statuses in which the courier holds the shift. */
export const HELD: readonly OrderStatus[] = ['taken', 'checked_in', 'checked_out'];

/** The actions allowed from a status, for clients to show the right buttons. */
export function actionsFrom(status: OrderStatus): OrderAction[] {
  return (Object.keys(TRANSITIONS) as OrderAction[]).filter((a) => (TRANSITIONS[a].from as readonly OrderStatus[]).includes(status));
}
