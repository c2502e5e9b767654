import type { Actor } from '../../platform/auth.ts';

/** Whose wallet an actor may read: their own. Staff tools go through finance endpoints, not this one. */
export const walletOwnerOf = (actor: Actor): string => actor.userId;
