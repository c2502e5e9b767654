import type { Actor } from '../../platform/auth.ts';
import { can } from '../../platform/auth.ts';
import { AppError } from '../../platform/errors.ts';

/** Permission that lets a store owner (person or enterprise) manage stores and post orders. */
export const STORE_MANAGE_PERMISSION = 'orders:post';

/** Only store owners manage stores; object-level ownership is enforced by every query (owner_id = actor). */
export function assertCanManageStores(actor: Actor): void {
  if (!can(actor, STORE_MANAGE_PERMISSION)) throw new AppError('FORBIDDEN');
}
