import type { Platform } from '../../platform/platform.ts';
import { NOTIFICATION_REQUESTED, type NotificationRequest } from './index.ts';
import { COPY_JOB, PUSH_JOB, pushNotification, recordNotification, sendCopy } from './service.ts';
import type { CopyChannel } from './tables.ts';

/**
 * What the message center does in the background: store requested notifications (exactly once per
 * event), push them live after commit, and send SMS/e-mail copies as separately retried jobs.
 */
export function registerSubscribers(p: Platform): void {
  p.jobs.subscribe<NotificationRequest>(NOTIFICATION_REQUESTED, 'messages.store-notification', async (event, tx) => {
    await recordNotification(p, tx, event);
  });
  // A lost push is harmless (streams fill gaps from the table), so few retries.
  p.jobs.define<{ notificationId: string }>(PUSH_JOB, async ({ notificationId }) => pushNotification(p, notificationId), { retryLimit: 2 });
  p.jobs.define<{ notificationId: string; channel: CopyChannel }>(
    COPY_JOB,
    async ({ notificationId, channel }) => {
      await sendCopy(p, notificationId, channel);
    },
    { retryLimit: 8 },
  );
}
