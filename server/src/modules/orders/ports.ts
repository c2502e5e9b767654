import type { Executor } from '../../platform/db.ts';
import type { Platform } from '../../platform/platform.ts';
import { requireVerified } from '../identity/index.ts';
import { requireGoodStanding, requireValidCertificate } from '../training/index.ts';
import { adjustEscrow, getBalances, holdToEscrow, refundOrderEscrow, releaseEscrow } from '../wallet/index.ts';
import './errors.ts';

/**
 * What the orders module needs from other modules (wallet escrow, identity and training checks),
 * behind one interface so the use cases read as the business rules. `platformPorts` calls the real
 * modules through their index.ts; tests may replace single functions (e.g. eligibility) with doubles.
 */
export interface OrdersPorts {
  /** Moves the order's pay from the payer's wallet balance into the order's escrow, on the caller's transaction. */
  holdEscrow(p: Platform, tx: Executor, o: { orderId: string; payerId: string; amountFen: number }): Promise<void>;
  /**
   * The pay of a paid order changed: a raise moves the difference from the payer's balance into the escrow,
   * a cut returns it (one transfer, idempotent by `key`). Returns the difference moved into the escrow.
   */
  adjustEscrow(p: Platform, tx: Executor, o: { orderId: string; newAmountFen: number; key: string }): Promise<number>;
  /** The user's available wallet balance (to refuse a raise the owner cannot cover before asking the courier). */
  availableFen(p: Platform, db: Executor, userId: string): Promise<number>;
  /** Pays the escrow to the courier minus the platform fee. */
  releaseEscrow(p: Platform, tx: Executor, o: { orderId: string; courierId: string; feeFen: number }): Promise<void>;
  /** Returns the whole escrow to the payer (to the payment channel when the order was paid through one). */
  refundEscrow(p: Platform, tx: Executor, o: { orderId: string }): Promise<void>;
  /**
   * Pays `courierFen` of the escrow to the courier as compensation and returns the rest to the payer (to
   * the payment channel, as a partial refund, when the order was paid through one).
   */
  compensateAndRefund(
    p: Platform,
    tx: Executor,
    o: { orderId: string; payerId: string; courierId: string; courierFen: number },
  ): Promise<void>;
  /** Throws (403, actionable message) unless the user is real-name verified and holds a valid certificate of the level. */
  assertCanTake(p: Platform, db: Executor, o: { userId: string; minCertLevel: 'bronze' | 'silver' | 'gold' | null }): Promise<void>;
  /**
   * Throws (403 IDENTITY_NOT_VERIFIED / IDENTITY_VERIFICATION_EXPIRED, actionable message) unless the owner
   * holds an approved real-name verification whose documents are still valid: posting and paying an order (S5.2).
   */
  assertCanPost(p: Platform, db: Executor, o: { userId: string }): Promise<void>;
}

/** The real thing: wallet escrow (S5.9a), identity (S5.2) and training certificates (S5.4a). */
export const platformPorts: OrdersPorts = {
  async holdEscrow(p, tx, o) {
    await holdToEscrow(p, tx, o);
  },
  async availableFen(_p, db, userId) {
    return (await getBalances(db, userId)).availableFen;
  },
  async adjustEscrow(p, tx, o) {
    return (await adjustEscrow(p, tx, o)).deltaFen;
  },
  async releaseEscrow(p, tx, o) {
    await releaseEscrow(p, tx, o);
  },
  async refundEscrow(p, tx, o) {
    // S5.9b: an order paid through WeChat Pay / Alipay is refunded to the account it was paid from.
    await refundOrderEscrow(p, tx, { orderId: o.orderId, reason: '订单退款 order refund' });
  },
  async compensateAndRefund(p, tx, o) {
    // S5.7a, S5.9b: the courier's compensation is paid from the escrow; the rest goes back to the channel
    // the order was paid through (a partial refund, up to what was paid) and anything beyond to the balance.
    await refundOrderEscrow(p, tx, {
      orderId: o.orderId,
      reason: '订单取消退款 order cancelled',
      compensation: { courierId: o.courierId, amountFen: o.courierFen },
    });
  },
  async assertCanTake(p, db, o) {
    await requireVerified(p, o.userId, db);
    await requireValidCertificate(p, o.userId, o.minCertLevel ?? undefined, db);
    await requireGoodStanding(p, o.userId, db);
  },
  async assertCanPost(p, db, o) {
    await requireVerified(p, o.userId, db);
  },
};
