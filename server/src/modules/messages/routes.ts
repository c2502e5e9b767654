import { Type } from 'typebox';
import type { App } from '../../platform/http.ts';
import type { Platform } from '../../platform/platform.ts';
import { actorOf, requireAuth } from '../../platform/auth.ts';
import { AppError } from '../../platform/errors.ts';
import { IdParams, problems } from '../../platform/schemas.ts';
import { notify } from './index.ts';
import { MessagesErrors } from './errors.ts';
import {
  EventsQuery,
  NotificationPage,
  NotificationsQuery,
  NotificationView,
  PreferencesBody,
  PreferencesView,
  ReadAllBody,
  ReadAllResult,
  ReadResult,
  TestNotificationResult,
  UnreadCounts,
} from './schemas.ts';
import {
  findNotifications,
  getPreferences,
  getUnreadCounts,
  localeFor,
  readAllNotifications,
  readNotification,
  updatePreferences,
} from './service.ts';
import type { EventStreams } from './sse.ts';

const tags = ['messages'];
const security: Record<string, string[]>[] = [{ bearer: [] }, { cookie: [] }];
const PREFS_NOTE = {
  'zh-CN': '账户安全类通知（如账户锁定）无论如何设置都会通过短信和邮件发送。',
  'en-US': 'Security notices (such as an account lockout) are always sent by SMS and e-mail, whatever these settings say.',
} as const;

/** HTTP surface of the message center: list, badges, read state, preferences, and the live event stream. */
export function registerRoutes(app: App, p: Platform, streams: EventStreams): void {
  app.addSchema(NotificationView);
  app.addSchema(UnreadCounts);

  app.get(
    '/api/v1/notifications',
    {
      schema: {
        tags,
        security,
        summary: 'My notifications, newest first (filter by category and read state)',
        querystring: NotificationsQuery,
        response: { 200: NotificationPage, ...problems(400, 401) },
      },
      preHandler: requireAuth,
    },
    async (req, reply) => {
      const actor = actorOf(req);
      const locale = await localeFor(p, actor.userId, req.headers['accept-language']);
      reply.header('content-language', locale);
      return findNotifications(p, actor.userId, req.query, locale);
    },
  );

  app.get(
    '/api/v1/notifications/unread-counts',
    {
      schema: {
        tags,
        security,
        summary: 'Unread notifications per category and in total',
        response: { 200: Type.Ref('UnreadCounts'), ...problems(401) },
      },
      preHandler: requireAuth,
    },
    async (req) => getUnreadCounts(p, actorOf(req).userId),
  );

  app.post(
    '/api/v1/notifications/:id/read',
    {
      schema: {
        tags,
        security,
        summary: 'Mark one of my notifications read',
        params: IdParams,
        response: { 200: ReadResult, ...problems(400, 401, 403, 404) },
      },
      preHandler: requireAuth,
    },
    async (req) => {
      const actor = actorOf(req);
      const locale = await localeFor(p, actor.userId, req.headers['accept-language']);
      return readNotification(p, actor.userId, req.params.id, locale);
    },
  );

  app.post(
    '/api/v1/notifications/read-all',
    {
      schema: {
        tags,
        security,
        summary: 'Mark all my unread notifications read (optionally of one category)',
        body: ReadAllBody,
        response: { 200: ReadAllResult, ...problems(400, 401, 403) },
      },
      // The body is optional: a bare POST marks everything read.
      preValidation: async (req) => {
        if (req.body == null) req.body = {};
      },
      preHandler: requireAuth,
    },
    async (req) => readAllNotifications(p, actorOf(req).userId, req.body.category),
  );

  app.get(
    '/api/v1/notification-preferences',
    {
      schema: {
        tags,
        security,
        summary: 'My SMS/e-mail copy settings per category',
        response: { 200: PreferencesView, ...problems(401) },
      },
      preHandler: requireAuth,
    },
    async (req) => {
      const actor = actorOf(req);
      const locale = await localeFor(p, actor.userId, req.headers['accept-language']);
      return { categories: await getPreferences(p, actor.userId), note: PREFS_NOTE[locale] };
    },
  );

  app.put(
    '/api/v1/notification-preferences',
    {
      schema: {
        tags,
        security,
        summary: 'Change my SMS/e-mail copy settings (listed categories only)',
        body: PreferencesBody,
        response: { 200: PreferencesView, ...problems(400, 401, 403) },
      },
      preHandler: requireAuth,
    },
    async (req) => {
      const actor = actorOf(req);
      const locale = await localeFor(p, actor.userId, req.headers['accept-language']);
      return { categories: await updatePreferences(p, actor.userId, req.body.categories), note: PREFS_NOTE[locale] };
    },
  );

  app.get(
    '/api/v1/events',
    {
      schema: {
        tags,
        security,
        summary: 'Live events (Server-Sent Events): `notification` (id = sequence number) and `unread`; resumes after Last-Event-ID',
        description:
          'Authenticated by the session cookie (EventSource cannot set headers) or a bearer token. Send `Last-Event-ID` (or `?lastEventId=`) to replay what was missed. A comment line is sent every 25 s.',
        querystring: EventsQuery,
        produces: ['text/event-stream'],
        response: { 200: Type.String({ description: 'text/event-stream' }), ...problems(400, 401) },
      },
      preHandler: requireAuth,
    },
    async (req, reply) => {
      const actor = actorOf(req);
      const header = req.headers['last-event-id'];
      const given = (typeof header === 'string' && header !== '' ? header : undefined) ?? req.query.lastEventId;
      if (given !== undefined && !/^\d{1,15}$/.test(given))
        throw new AppError(MessagesErrors.EVENT_ID_INVALID, { lastEventId: given.slice(0, 20) });
      const locale = await localeFor(p, actor.userId, req.headers['accept-language']);
      await streams.open(req, reply, { userId: actor.userId, lastEventId: given === undefined ? undefined : Number(given), locale });
      return reply;
    },
  );

  if (p.config.env !== 'production') {
    // Development aid: sends the caller a system notification, to try channels and the live stream.
    app.post(
      '/api/v1/dev/notifications/test',
      {
        schema: {
          tags: ['dev'],
          security,
          summary: 'Dev only: send myself a test notification (not in production)',
          response: { 202: TestNotificationResult, ...problems(401, 403) },
        },
        preHandler: requireAuth,
      },
      async (req, reply) => {
        const actor = actorOf(req);
        await p.db.transaction().execute((tx) =>
          notify(p, tx, {
            userId: actor.userId,
            category: 'system',
            title: { zh: '测试消息', en: 'Test message' },
            body: { zh: '这是一条测试消息，发送于 {at}。', en: 'This is a test message, sent at {at}.' },
            params: { at: p.clock.now().toISOString() },
          }),
        );
        return reply.code(202).send({ queued: true as const });
      },
    );
  }
}
