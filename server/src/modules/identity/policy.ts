import type { Actor } from '../../platform/auth.ts';
import { can } from '../../platform/auth.ts';

/** Staff who decide verifications and view documents. */
export const KYC_REVIEW = 'kyc:review';

/** Who may read a document's bytes: its owner, or a KYC reviewer (every read is audited). */
export const canReadFile = (actor: Actor, ownerId: string): boolean => actor.userId === ownerId || can(actor, KYC_REVIEW);

/** Which verification an account submits: persons the ID card, enterprises the license + legal representative. */
export const verificationKindFor = (actor: Actor): 'person' | 'enterprise' | null =>
  actor.kind === 'person' ? 'person' : actor.kind === 'enterprise' ? 'enterprise' : null;
