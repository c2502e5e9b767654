import type { Executor } from '../../platform/db.ts';
import type { Module } from '../../platform/module.ts';
import { registerOrderJobs } from './jobs.ts';
import { platformPorts, type OrdersPorts } from './ports.ts';
import { orderRoutes } from './routes.ts';
import { complaintRoutes } from './complaints-routes.ts';
import { COMPLAINT_EMAIL_REPLY, ingestComplaintEmail, sendComplaintEmail } from './complaints.ts';
import { startMailbox } from './mailbox.ts';
import type { Platform } from '../../platform/platform.ts';
import type { Server } from 'node:net';
import { unfinishedOrdersOf, type Deps } from './service.ts';
import { countCompletedByCourier } from './repo.ts';
import { registerObligationCheck } from '../accounts/index.ts';
import { registerCourierStatsSource, setReliabilitySource } from '../training/index.ts';
import { countedCourierEvents } from './reliability.ts';
import { registerHeldOrderDecider } from '../risk/index.ts';
import { heldOrderDecider } from './risk-hold.ts';
import { registerChannelPayment } from './channel-payment.ts';
import { registerMarketLive } from './market-live.ts';
import './errors.ts';

export type { OrdersTables, OrderStatus } from './tables.ts';
export type { OrdersPorts } from './ports.ts';
export { platformPorts } from './ports.ts';
export { ORDER_SWEEP_JOB } from './jobs.ts';
export { TRANSITIONS, UNFINISHED } from './lifecycle.ts';

/** Unfinished orders of a user as owner or courier (for account cancellation, S5.3b). */
export const findUnfinishedOrders = (db: Executor, userId: string) => unfinishedOrdersOf(db, userId);

/**
 * The shift-orders marketplace: post and pay, find, take, work, settle, review. `ports` are the
 * other modules' functions it needs (escrow, eligibility); tests may pass doubles.
 */
export function createOrdersModule(ports: OrdersPorts = platformPorts): Module {
  return {
    name: 'orders',
    register(app, p) {
      const d: Deps = { p, ports };
      registerOrderJobs(p, d);
      orderRoutes(app, d);
      complaintRoutes(app, d);
      // S5.5b, S5.9b: paying through WeChat Pay / Alipay; the channel's confirmation marks the order paid.
      registerChannelPayment(app, d);
      // S5.7b: couriers' market lists and open orders follow the marketplace live (SSE).
      registerMarketLive(app, p);
      p.jobs.define<{ complaintId: string; body: { zh: string; en: string }; params: Record<string, string | number> }>(
        COMPLAINT_EMAIL_REPLY,
        async (data) => sendComplaintEmail(d, data),
      );
      // S5.3b: unfinished orders, as owner or courier, block account cancellation and are listed.
      registerObligationCheck('orders', async (pp, userId) => {
        const open = await unfinishedOrdersOf(pp.db, userId);
        if (!open.length) return [];
        return [`未完成的订单 Unfinished orders: ${open.map((o) => `${o.orderNo} (${o.status})`).join(', ')}`];
      });
      // S5.4b: training stages unlock by orders completed.
      registerCourierStatsSource(async (pp, userId) => ({ completedOrders: await countCompletedByCourier(pp.db, userId) }));
      // Issue 6: risk staff release or reject orders held for review; the order and its escrow change here.
      registerHeldOrderDecider(p, heldOrderDecider(d));
      // S5.4: reliability below the minimum sends the courier to the refresher course.
      setReliabilitySource(async (pp, userId, db) => countedCourierEvents(db, userId, pp.clock.now()));
    },
  };
}

export const ordersModule: Module = createOrdersModule();

/**
 * Starts the SMTP receiver of the complaints address (S5.7d): each message to `address` becomes a
 * complaint (the order is found by its number in the subject or text) and the sender gets replies by
 * e-mail. Not started by default: call it from main.ts where the port and address are configured.
 */
export function startComplaintMailbox(
  p: Platform,
  o: { address: string; port: number; host?: string },
  ports: OrdersPorts = platformPorts,
): Promise<Server> {
  const d: Deps = { p, ports };
  return startMailbox({ ...o, logger: p.logger, onMail: async (mail) => (await ingestComplaintEmail(d, mail)).ticket_no });
}
