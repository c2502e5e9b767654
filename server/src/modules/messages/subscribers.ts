import type { Platform } from '../../platform/platform.ts';
import { USER_CANCELLED, USER_REGISTERED } from '../accounts/index.ts';
import { NOTIFICATION_REQUESTED, notify, type NotificationRequest } from './index.ts';
import { deleteUserData } from './repo.ts';
import {
  COPY_JOB,
  PUSH_JOB,
  RETENTION_JOB,
  closeUserStreams,
  purgeReadNotifications,
  pushNotification,
  recordNotification,
  sendCopy,
} from './service.ts';
import type { CopyChannel } from './tables.ts';

/**
 * What the message center does in the background: store requested notifications (exactly once per
 * event), push them live after commit, and send SMS/e-mail copies as separately retried jobs.
 */
export function registerSubscribers(p: Platform): void {
  p.jobs.subscribe<{ userId: string; kind: string }>(USER_REGISTERED, 'messages.welcome', async (event, tx) => {
    await notify(p, tx, {
      userId: event.payload.userId,
      category: 'account',
      title: { zh: '欢迎加入顶班', en: 'Welcome to Dingban' },
      body: {
        zh: '账号已创建。完成实名认证后即可发布或承接顶班订单；在“消息设置”中可以选择哪些消息同时用短信或邮件提醒您。',
        en: 'Your account is ready. Once your identity is verified you can post or take shift orders; in message settings you choose which messages also reach you by SMS or e-mail.',
      },
      link: '/messages',
    });
  });
  p.jobs.subscribe<{ userId: string }>(USER_CANCELLED, 'messages.erase-user', async (event, tx) => {
    await deleteUserData(tx, event.payload.userId);
    // The account is already cancelled (this event committed with it), so its streams can end now.
    await closeUserStreams(p, event.payload.userId);
  });
  p.jobs.define(
    RETENTION_JOB,
    async () => {
      const n = await purgeReadNotifications(p);
      if (n) p.logger.info({ deleted: n }, 'old read notifications purged');
    },
    { cron: '17 3 * * *', retryLimit: 2 },
  );
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
