import type { Executor } from '../../platform/db.ts';
import type { OutboxEvent } from '../../platform/jobs.ts';
import type { Bilingual } from '../../platform/i18n.ts';
import type { Platform } from '../../platform/platform.ts';
import type { Module } from '../../platform/module.ts';
import { registerRoutes } from './routes.ts';
import { EventStreams } from './sse.ts';
import { registerSubscribers } from './subscribers.ts';

/** Categories of the message center (S5.8a); users choose per category whether SMS/e-mail copies go out. */
export type NotificationCategory = 'order' | 'wallet' | 'account' | 'system';

/** What a module asks the message center to tell a user. Texts are the caller's, in both languages. */
export interface NotificationRequest {
  userId: string;
  category: NotificationCategory;
  /** `{name}` placeholders are filled from `params`. */
  title: Bilingual;
  body: Bilingual;
  params?: Record<string, string | number>;
  /** An in-app path such as `/orders/<id>`. */
  link?: string;
  /** Send even if the user turned this category's SMS/e-mail copies off (security notices). */
  mandatoryCopy?: boolean;
}

/** The outbox event type the message center subscribes to. */
export const NOTIFICATION_REQUESTED = 'messages.notification.requested';

/**
 * Asks the message center to notify a user. Written to the outbox on the caller's transaction, so the
 * notification exists if and only if the change that caused it commits (S5.8b, S5.8c).
 */
export async function notify(p: Platform, tx: Executor, req: NotificationRequest): Promise<void> {
  await p.jobs.publish(tx, NOTIFICATION_REQUESTED, req);
}

/** The same request as an outbox event, for a command that publishes several at once (`jobs.publishAll`). */
export const notificationEvent = (req: NotificationRequest): OutboxEvent<NotificationRequest> => ({
  type: NOTIFICATION_REQUESTED,
  payload: req,
});

/** The message center's module: notification subscriber, push and copy jobs, routes and live streams. */
export function createMessagesModule(opts: { heartbeatMs?: number } = {}): Module {
  return {
    name: 'messages',
    register(app, p) {
      const streams = new EventStreams(p, opts);
      // preClose runs before the server waits for in-flight requests: open streams would block it forever.
      app.addHook('preClose', async () => streams.closeAll());
      app.addHook('onClose', async () => streams.closeAll());
      registerSubscribers(p);
      registerRoutes(app, p, streams);
    },
  };
}

/** Registered in server/src/modules/index.ts. */
export const messagesModule: Module = createMessagesModule();
