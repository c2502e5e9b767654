import { Type } from 'typebox';
import { PageQuery, Timestamp, Uuid } from '../../platform/schemas.ts';

/** The four categories of the message center. */
export const Category = Type.Union([Type.Literal('order'), Type.Literal('wallet'), Type.Literal('account'), Type.Literal('system')]);

export const NotificationView = Type.Object(
  {
    id: Uuid,
    seq: Type.Integer({ description: 'Per-user sequence number; the SSE event id' }),
    category: Category,
    title: Type.String(),
    body: Type.String(),
    link: Type.Union([Type.String(), Type.Null()], { description: 'In-app path, e.g. /orders/<id>' }),
    read: Type.Boolean(),
    readAt: Type.Union([Timestamp, Type.Null()]),
    createdAt: Timestamp,
  },
  { $id: 'NotificationView' },
);

export const UnreadCounts = Type.Object(
  {
    total: Type.Integer(),
    order: Type.Integer(),
    wallet: Type.Integer(),
    account: Type.Integer(),
    system: Type.Integer(),
  },
  { $id: 'UnreadCounts' },
);

export const NotificationsQuery = Type.Object({
  category: Type.Optional(Category),
  status: Type.Optional(Type.Union([Type.Literal('read'), Type.Literal('unread'), Type.Literal('all')], { default: 'all' })),
  ...PageQuery,
});

export const NotificationPage = Type.Object({
  items: Type.Array(Type.Ref('NotificationView')),
  nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `cursor` for the next (older) page; null at the end' }),
  locale: Type.Union([Type.Literal('zh-CN'), Type.Literal('en-US')]),
});

export const ReadResult = Type.Object({ notification: Type.Ref('NotificationView'), unread: Type.Ref('UnreadCounts') });

export const ReadAllBody = Type.Object({ category: Type.Optional(Category) }, { additionalProperties: false });
export const ReadAllResult = Type.Object({ updated: Type.Integer(), unread: Type.Ref('UnreadCounts') });

export const CategoryPreference = Type.Object({
  category: Category,
  sms: Type.Boolean({ description: 'Also send a text message' }),
  email: Type.Boolean({ description: 'Also send an e-mail' }),
});

export const PreferencesView = Type.Object({
  categories: Type.Array(CategoryPreference),
  note: Type.String({ description: 'Security notices (e.g. account lockouts) are always copied, whatever these settings say' }),
});

export const PreferencesBody = Type.Object(
  { categories: Type.Array(CategoryPreference, { minItems: 1, maxItems: 4 }) },
  { additionalProperties: false },
);

export const EventsQuery = Type.Object({
  lastEventId: Type.Optional(
    Type.String({ maxLength: 20, description: 'Resume after this event id (for clients that cannot set Last-Event-ID)' }),
  ),
});

export const TestNotificationResult = Type.Object({ queued: Type.Literal(true) });
