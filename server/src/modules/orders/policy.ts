import type { Actor } from '../../platform/auth.ts';
import { can } from '../../platform/auth.ts';
import { AppError } from '../../platform/errors.ts';
import type { OrderRow } from './repo.ts';

/** Store owners (person or enterprise accounts) post orders. */
export const POST_PERMISSION = 'orders:post';
/** Couriers take orders. */
export const TAKE_PERMISSION = 'orders:take';
/** Staff who may read any order (support, ops). */
export const READ_ANY_PERMISSION = 'orders:read';
/** Staff who decide disputed hours (customer service). */
export const DISPUTE_PERMISSION = 'complaints:handle';
/** Staff who manage the order-type catalogue. */
export const MANAGE_PERMISSION = 'ops:manage';

export function assertCanPost(actor: Actor): void {
  if (!can(actor, POST_PERMISSION)) throw new AppError('FORBIDDEN');
}

export function assertCanTake(actor: Actor): void {
  if (!can(actor, TAKE_PERMISSION)) throw new AppError('FORBIDDEN');
}

export function assertCanManage(actor: Actor): void {
  if (!can(actor, MANAGE_PERMISSION)) throw new AppError('FORBIDDEN');
}

/** How the caller relates to an order; decides what they see and may do. */
export type Viewer = 'owner' | 'courier' | 'staff' | 'market';

/**
 * Object-level access: the owner, the courier holding it, staff with orders:read, and — while it is
 * published — any courier looking at the marketplace. Everyone else gets "not found".
 */
export function viewerOf(actor: Actor, order: OrderRow): Viewer {
  if (order.owner_id === actor.userId) return 'owner';
  if (order.courier_id && order.courier_id === actor.userId) return 'courier';
  if (can(actor, READ_ANY_PERMISSION)) return 'staff';
  if (order.status === 'published' && can(actor, TAKE_PERMISSION)) return 'market';
  throw new AppError('ORDER_NOT_FOUND');
}

/** The owner only; anyone else gets "not found". */
export function assertOwner(actor: Actor, order: OrderRow): void {
  if (order.owner_id !== actor.userId) throw new AppError('ORDER_NOT_FOUND');
}

/** The courier holding the order only. */
export function assertCourier(actor: Actor, order: OrderRow): void {
  if (!order.courier_id || order.courier_id !== actor.userId) throw new AppError('ORDER_NOT_FOUND');
}
