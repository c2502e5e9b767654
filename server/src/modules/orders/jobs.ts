import type { Platform } from '../../platform/platform.ts';
import { runSweeps, settleOrder, type Deps } from './service.ts';

/** The job that enforces every order deadline; cron every minute, also run by tests after moving the clock. */
export const ORDER_SWEEP_JOB = 'orders.sweep';

export function registerOrderJobs(p: Platform, d: Deps): void {
  p.jobs.define(
    ORDER_SWEEP_JOB,
    async () => {
      const counts = await runSweeps(d);
      if (Object.values(counts).some((n) => n > 0)) p.logger.info({ counts }, 'order sweeps');
    },
    { cron: '* * * * *', retryLimit: 1 },
  );
  // Completion releases the escrow to the courier minus the platform fee (after the commit, from the outbox).
  p.jobs.subscribe<{ orderId: string }>('orders.order.completed', 'ordersSettleOnCompleted', async (event, tx) => {
    await settleOrder(d, tx, event.payload.orderId);
  });
}
