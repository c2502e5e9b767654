import { Type } from 'typebox';
import type { App } from '../../platform/http.ts';
import { actorOf, requireAuth } from '../../platform/auth.ts';
import { IdempotencyHeaders, IdParams, problems, Uuid } from '../../platform/schemas.ts';
import {
  CancelBody,
  ConfirmHoursBody,
  EditOrderBody,
  FeedParams,
  FeedView,
  FindOrdersQuery,
  MarketList,
  MyOrdersQuery,
  OrderList,
  OrderTypeBody,
  OrderTypeList,
  OrderTypeParams,
  OrderTypeView,
  OrderView,
  PostOrderBody,
  PresenceBody,
  RatingParams,
  RatingView,
  RepublishBody,
  ReviewBody,
  ReviewList,
  RulesView,
  ScheduleQuery,
  ScheduleView,
  TimelineView,
} from './schemas.ts';
import { presentEvent, presentMarketItem, presentOrder, presentReview, presentRules, presentType } from './presenter.ts';
import { renderCalendar } from './ical.ts';
import { presentEmployerRisk } from './employer-risk.ts';
import { negotiateLocale } from '../../platform/i18n.ts';
import * as s from './service.ts';
import { appealReliabilityEvent, reliabilityOf } from './reliability.ts';
import { decideChange, listChanges, proposeChange } from './changes.ts';
import type { Deps } from './service.ts';
import type { OrderRow } from './repo.ts';
import type { Viewer } from './policy.ts';

const tags = ['orders'];

export function orderRoutes(app: App, d: Deps): void {
  const { p } = d;
  app.addSchema(OrderView);
  const OrderRef = Type.Ref('OrderView');
  const view = async (row: OrderRow, viewer: Viewer) => presentOrder(row, viewer, await s.getRules(d), p.clock.now());

  app.get(
    '/api/v1/order-types',
    { schema: { tags, summary: 'The order-type catalogue (zh-CN/en names)', response: { 200: OrderTypeList } } },
    async () => ({
      items: (await s.listOrderTypes(d)).map(presentType),
    }),
  );

  app.put(
    '/api/v1/order-types/:code',
    {
      schema: {
        tags,
        summary: 'Ops: add, rename or retire an order type',
        params: OrderTypeParams,
        body: OrderTypeBody,
        response: { 200: OrderTypeView, ...problems(400, 401, 403) },
      },
      preHandler: requireAuth,
    },
    async (req) => presentType(await s.upsertOrderType(d, actorOf(req), req.params.code, req.body)),
  );

  app.get(
    '/api/v1/orders/rules',
    { schema: { tags, summary: 'Published rules: limits, deadlines, penalties and compensation (S5.7a)', response: { 200: RulesView } } },
    async () => presentRules(await s.getRules(d)),
  );

  const RulesPatch = Type.Object(
    {
      minHourlyPayFen: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
      minShiftMinutes: Type.Optional(Type.Integer({ minimum: 15, maximum: 1440 })),
      maxShiftMinutes: Type.Optional(Type.Integer({ minimum: 15, maximum: 1440 })),
      payWindowMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 1440 })),
      cancelCutoffMinutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_080 })),
      compensationBeforeCutoffPct: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
      compensationAfterCutoffPct: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
      releaseGraceMinutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 1440 })),
      confirmReminderMinutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_080 })),
      confirmDeadlineMinutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_080 })),
      checkinOpenMinutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 1440 })),
      noShowAfterMinutes: Type.Optional(Type.Integer({ minimum: 5, maximum: 1440 })),
      geofenceM: Type.Optional(Type.Integer({ minimum: 50, maximum: 10_000 })),
      confirmHoursWindowMinutes: Type.Optional(Type.Integer({ minimum: 60, maximum: 10_080 })),
      weeklyHoursCap: Type.Optional(Type.Integer({ minimum: 1, maximum: 168 })),
      platformFeePct: Type.Optional(Type.Integer({ minimum: 0, maximum: 50 })),
      reviewWindowDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 90 })),
      noShowDecisionDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 90 })),
    },
    { additionalProperties: false, minProperties: 1 },
  );
  /** camelCase API names → the rule columns (geofenceM → geofence_m). */
  const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

  app.patch(
    '/api/v1/orders/rules',
    {
      schema: {
        tags,
        summary: 'Ops: change the published rules (ops:manage)',
        body: RulesPatch,
        response: { 200: RulesView, ...problems(400, 401, 403) },
      },
      preHandler: requireAuth,
    },
    async (req) => {
      const patch = Object.fromEntries(Object.entries(req.body).map(([k, v]) => [snake(k), v])) as Partial<Record<s.RuleKey, number>>;
      return presentRules(await s.updateRules(d, actorOf(req), patch));
    },
  );

  app.get(
    '/api/v1/support/orders/by-no/:orderNo',
    {
      schema: {
        tags,
        summary: 'Staff: look an order up by its number (orders:read)',
        params: Type.Object({ orderNo: Type.String({ pattern: '^DB[0-9]{8}-[0-9A-Z]{6}$' }) }),
        response: { 200: OrderRef, ...problems(400, 401, 403, 404) },
      },
      preHandler: requireAuth,
    },
    async (req) => view(await s.findOrderByNo(d, actorOf(req), req.params.orderNo), 'staff'),
  );

  app.post(
    '/api/v1/orders',
    {
      schema: {
        tags,
        summary:
          'Post a shift order (S5.5a); it waits for payment until payBefore (S5.5b). 403 IDENTITY_NOT_VERIFIED / IDENTITY_VERIFICATION_EXPIRED unless the owner is real-name verified (S5.2)',
        headers: IdempotencyHeaders,
        body: PostOrderBody,
        response: { 201: OrderRef, ...problems(400, 401, 403, 404, 422) },
      },
      preHandler: requireAuth,
    },
    async (req, reply) =>
      reply.code(201).send(await view(await s.postOrder(d, actorOf(req), req.body, req.headers['idempotency-key']), 'owner')),
  );

  app.get(
    '/api/v1/orders/mine',
    {
      schema: {
        tags,
        summary: 'My orders as owner or courier',
        querystring: MyOrdersQuery,
        response: { 200: OrderList, ...problems(400, 401) },
      },
      preHandler: requireAuth,
    },
    async (req) => {
      const r = await s.listMyOrders(d, actorOf(req), req.query);
      const now = p.clock.now();
      return { items: r.rows.map((o) => presentOrder(o, req.query.role, r.rules, now)), nextCursor: r.nextCursor };
    },
  );

  app.get(
    '/api/v1/orders/market',
    {
      schema: {
        tags,
        summary: 'Find published, untaken orders (S5.6a, S5.6b): keyword, region, dates, type, pay, radius; sorted; keyset pages',
        querystring: FindOrdersQuery,
        response: { 200: MarketList, ...problems(400, 401, 403) },
      },
      preHandler: requireAuth,
    },
    async (req) => {
      const r = await s.findOrders(d, actorOf(req), req.query);
      const locale = negotiateLocale(req.headers['accept-language']);
      return {
        items: r.rows.map((o) => ({
          ...presentMarketItem(o),
          employerRisk: presentEmployerRisk(r.employerRisk.get(o.owner_id) ?? 'unknown', locale),
        })),
        nextCursor: r.nextCursor,
      };
    },
  );

  app.get(
    '/api/v1/orders/schedule',
    {
      schema: {
        tags,
        summary: 'My shifts as a day-by-day agenda (S5.6c)',
        querystring: ScheduleQuery,
        response: { 200: ScheduleView, ...problems(400, 401) },
      },
      preHandler: requireAuth,
    },
    async (req) => {
      const rows = await s.getSchedule(d, actorOf(req), req.query.from, req.query.to);
      const rules = await s.getRules(d);
      const now = p.clock.now();
      const days = new Map<string, ReturnType<typeof presentOrder>[]>();
      for (const o of rows) {
        const date = new Date(o.starts_at.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
        const list = days.get(date) ?? [];
        list.push(presentOrder(o, 'courier', rules, now));
        days.set(date, list);
      }
      return { days: [...days].map(([date, items]) => ({ date, items })) };
    },
  );

  app.post(
    '/api/v1/orders/schedule/feed',
    {
      schema: {
        tags,
        summary: 'Issue (or rotate) my personal iCalendar feed URL; the old URL stops working',
        response: { 201: FeedView, ...problems(401) },
      },
      preHandler: requireAuth,
    },
    async (req, reply) => {
      const token = await s.issueCalendarFeed(d, actorOf(req));
      return reply.code(201).send({ token, url: `${p.config.publicUrl}/api/v1/calendar/${token}.ics` });
    },
  );

  app.get(
    '/api/v1/calendar/:token',
    {
      schema: {
        tags,
        summary: 'iCalendar feed of a courier’s shifts (the secret token is the credential)',
        params: FeedParams,
        response: { 200: Type.String({ description: 'text/calendar' }), ...problems(400, 404) },
      },
    },
    async (req, reply) => {
      const orders = await s.calendarFeedOrders(d, req.params.token.replace(/\.ics$/, ''));
      return reply
        .type('text/calendar; charset=utf-8')
        .header('cache-control', 'private, max-age=300')
        .send(renderCalendar(orders, p.clock.now(), p.config.publicUrl));
    },
  );

  app.get(
    '/api/v1/orders/:id',
    {
      schema: { tags, summary: 'One order as I may see it', params: IdParams, response: { 200: OrderRef, ...problems(400, 401, 404) } },
      preHandler: requireAuth,
    },
    async (req) => {
      const r = await s.getOrder(d, actorOf(req), req.params.id);
      const now = p.clock.now();
      const view = presentOrder(r.order, r.viewer, r.rules, now);
      // S5.7c: each side reviews once, within the window; `review` is offered until then and until it is written.
      const canReview = !r.review.mine && !!r.review.until && now.getTime() <= r.review.until.getTime();
      return {
        ...view,
        actions: canReview ? [...view.actions, 'review'] : view.actions,
        myReview: r.review.mine ? presentReview(r.review.mine) : null,
        reviewableUntil: canReview ? r.review.until!.toISOString() : null,
        courier: r.courier,
        employerRisk: presentEmployerRisk(r.employerRisk, negotiateLocale(req.headers['accept-language'])),
      };
    },
  );

  app.get(
    '/api/v1/orders/:id/timeline',
    {
      schema: {
        tags,
        summary: 'Every status change of the order (S5.7b)',
        params: IdParams,
        response: { 200: TimelineView, ...problems(400, 401, 404) },
      },
      preHandler: requireAuth,
    },
    async (req) => {
      const r = await s.getTimeline(d, actorOf(req), req.params.id);
      return { orderId: r.order.id, status: r.order.status, events: r.events.map(presentEvent) };
    },
  );

  app.patch(
    '/api/v1/orders/:id',
    {
      schema: {
        tags,
        summary: 'Change my order (S5.7a) until modifiableUntil',
        params: IdParams,
        body: EditOrderBody,
        response: { 200: OrderRef, ...problems(400, 401, 403, 404, 409) },
      },
      preHandler: requireAuth,
    },
    async (req) => view(await s.editOrder(d, actorOf(req), req.params.id, req.body), 'owner'),
  );

  const ChangeView = Type.Object({
    id: Type.String(),
    orderId: Type.String(),
    startsAt: Type.String(),
    endsAt: Type.String(),
    payFen: Type.Union([Type.Integer(), Type.Null()], { description: 'Proposed pay; null keeps the pay' }),
    note: Type.Union([Type.String(), Type.Null()]),
    status: Type.String(),
    createdAt: Type.String(),
    decidedAt: Type.Union([Type.String(), Type.Null()]),
  });
  const presentChange = (c: Awaited<ReturnType<typeof proposeChange>>) => ({
    id: c.id,
    orderId: c.order_id,
    startsAt: c.starts_at.toISOString(),
    endsAt: c.ends_at.toISOString(),
    payFen: c.pay_fen === null ? null : Number(c.pay_fen),
    note: c.note,
    status: c.status,
    createdAt: c.created_at.toISOString(),
    decidedAt: c.decided_at?.toISOString() ?? null,
  });

  app.post(
    '/api/v1/orders/:id/change-requests',
    {
      schema: {
        tags,
        summary: 'Propose a new time and/or pay for a taken order; the courier must consent (S5.7a)',
        params: IdParams,
        body: Type.Object(
          {
            startsAt: Type.Optional(Type.String({ format: 'date-time' })),
            endsAt: Type.Optional(Type.String({ format: 'date-time' })),
            payFen: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000_000, description: 'New total pay' })),
            note: Type.Optional(Type.String({ maxLength: 200 })),
          },
          { additionalProperties: false },
        ),
        response: { 201: ChangeView, ...problems(400, 401, 404, 409) },
      },
      preHandler: requireAuth,
    },
    async (req, reply) => reply.code(201).send(presentChange(await proposeChange(d, actorOf(req), req.params.id, req.body))),
  );

  app.get(
    '/api/v1/orders/:id/change-requests',
    {
      schema: {
        tags,
        summary: 'The change proposals of an order, newest first (its owner and courier)',
        params: IdParams,
        response: { 200: Type.Object({ items: Type.Array(ChangeView) }), ...problems(400, 401, 404) },
      },
      preHandler: requireAuth,
    },
    async (req) => ({ items: (await listChanges(d, actorOf(req), req.params.id)).map(presentChange) }),
  );

  app.post(
    '/api/v1/orders/:id/change-requests/:requestId/:decision',
    {
      schema: {
        tags,
        summary: 'The courier accepts or declines a proposed time change',
        params: Type.Object({ id: Uuid, requestId: Uuid, decision: Type.Union([Type.Literal('accept'), Type.Literal('decline')]) }),
        response: { 200: ChangeView, ...problems(400, 401, 404, 409) },
      },
      preHandler: requireAuth,
    },
    async (req) =>
      presentChange(await decideChange(d, actorOf(req), req.params.id, req.params.requestId, req.params.decision === 'accept')),
  );

  app.post(
    '/api/v1/orders/:id/pay',
    {
      schema: {
        tags,
        summary:
          'Pay from my wallet balance into escrow; publishes the order (S5.5b). 403 IDENTITY_NOT_VERIFIED / IDENTITY_VERIFICATION_EXPIRED unless the owner is still real-name verified (S5.2)',
        params: IdParams,
        headers: IdempotencyHeaders,
        response: { 200: OrderRef, ...problems(400, 401, 403, 404, 409, 422, 503) },
      },
      preHandler: requireAuth,
    },
    async (req) => view(await s.payOrder(d, actorOf(req), req.params.id, req.headers['idempotency-key']), 'owner'),
  );

  app.post(
    '/api/v1/orders/:id/cancel',
    {
      schema: {
        tags,
        summary: 'Cancel my order until cancellableUntil; compensation per the published rules (S5.7a)',
        params: IdParams,
        headers: IdempotencyHeaders,
        body: CancelBody,
        response: { 200: OrderRef, ...problems(400, 401, 403, 404, 409, 422, 503) },
      },
      preHandler: requireAuth,
    },
    async (req) => view(await s.cancelOrder(d, actorOf(req), req.params.id, req.body?.reason, req.headers['idempotency-key']), 'owner'),
  );

  app.post(
    '/api/v1/orders/:id/republish',
    {
      schema: {
        tags,
        summary: 'After a no-show, put the order back on the marketplace for a new shift time (pay and escrow stay) (S5.7b)',
        params: IdParams,
        body: RepublishBody,
        response: { 200: OrderRef, ...problems(400, 401, 403, 404, 409) },
      },
      preHandler: requireAuth,
    },
    async (req) => view(await s.republishOrder(d, actorOf(req), req.params.id, req.body ?? {}), 'owner'),
  );

  app.post(
    '/api/v1/orders/:id/take',
    {
      schema: {
        tags,
        summary: 'Take a published order (S5.6c); exactly one courier wins',
        params: IdParams,
        headers: IdempotencyHeaders,
        response: { 200: OrderRef, ...problems(400, 401, 403, 404, 409, 422) },
      },
      preHandler: requireAuth,
    },
    async (req) => view(await s.takeOrder(d, actorOf(req), req.params.id, req.headers['idempotency-key']), 'courier'),
  );

  app.post(
    '/api/v1/orders/:id/release',
    {
      schema: {
        tags,
        summary: 'Give a taken order back to the marketplace',
        params: IdParams,
        response: { 200: OrderRef, ...problems(400, 401, 404, 409) },
      },
      preHandler: requireAuth,
    },
    async (req) => view(await s.releaseOrder(d, actorOf(req), req.params.id), 'market'),
  );

  app.post(
    '/api/v1/orders/:id/confirm-attendance',
    {
      schema: {
        tags,
        summary: 'Confirm I will come (asked 12 h before start)',
        params: IdParams,
        response: { 200: OrderRef, ...problems(400, 401, 404, 409) },
      },
      preHandler: requireAuth,
    },
    async (req) => view(await s.confirmAttendance(d, actorOf(req), req.params.id), 'courier'),
  );

  app.post(
    '/api/v1/orders/:id/check-in',
    {
      schema: {
        tags,
        summary: 'Check in within the store geofence or with the store code',
        params: IdParams,
        body: PresenceBody,
        response: { 200: OrderRef, ...problems(400, 401, 404, 409) },
      },
      preHandler: requireAuth,
    },
    async (req) => view(await s.checkIn(d, actorOf(req), req.params.id, req.body), 'courier'),
  );

  app.post(
    '/api/v1/orders/:id/check-out',
    {
      schema: {
        tags,
        summary: 'Check out within the store geofence or with the store code',
        params: IdParams,
        body: PresenceBody,
        response: { 200: OrderRef, ...problems(400, 401, 404, 409) },
      },
      preHandler: requireAuth,
    },
    async (req) => view(await s.checkOut(d, actorOf(req), req.params.id, req.body), 'courier'),
  );

  app.post(
    '/api/v1/orders/:id/hours',
    {
      schema: {
        tags,
        summary: 'Confirm or dispute the hours within 24 h of check-out; silence confirms',
        params: IdParams,
        body: ConfirmHoursBody,
        response: { 200: OrderRef, ...problems(400, 401, 404, 409) },
      },
      preHandler: requireAuth,
    },
    async (req) => view(await s.confirmHours(d, actorOf(req), req.params.id, req.body.verdict, req.body.note), 'owner'),
  );

  app.post(
    '/api/v1/support/orders/:id/resolve-dispute',
    {
      schema: {
        tags,
        summary: 'Support decides disputed hours: pay the courier or refund the owner (complaints:handle)',
        params: IdParams,
        body: Type.Object(
          {
            outcome: Type.Union([Type.Literal('pay_courier'), Type.Literal('refund_owner')]),
            note: Type.String({ minLength: 1, maxLength: 500 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: OrderRef, ...problems(400, 401, 403, 404, 409) },
      },
      preHandler: requireAuth,
    },
    async (req) => view(await s.resolveDispute(d, actorOf(req), req.params.id, req.body), 'staff'),
  );

  app.post(
    '/api/v1/orders/:id/reviews',
    {
      schema: {
        tags,
        summary: 'Rate the other side once after completion (S5.7c)',
        params: IdParams,
        body: ReviewBody,
        response: { 201: ReviewList, ...problems(400, 401, 404, 409) },
      },
      preHandler: requireAuth,
    },
    async (req, reply) =>
      reply.code(201).send({ items: (await s.reviewOrder(d, actorOf(req), req.params.id, req.body)).map(presentReview) }),
  );

  app.get(
    '/api/v1/reliability/:kind/:id',
    {
      schema: {
        tags,
        summary: 'Reliability score of a courier or store over 90 days, with the events behind it for the subject and support',
        params: RatingParams,
        response: {
          200: Type.Object({
            score: Type.Integer(),
            windowDays: Type.Integer(),
            weights: Type.Array(Type.Object({ kind: Type.String(), points: Type.Integer(), zh: Type.String(), en: Type.String() })),
            events: Type.Array(
              Type.Object({
                id: Type.String(),
                kind: Type.String(),
                orderNo: Type.String(),
                at: Type.String(),
                points: Type.Integer(),
                voided: Type.Boolean(),
                appealId: Type.Union([Type.String(), Type.Null()]),
              }),
            ),
          }),
          ...problems(400),
        },
      },
    },
    async (req) => reliabilityOf(d, req.actor, req.params.kind, req.params.id),
  );

  app.post(
    '/api/v1/reliability/events/:id/appeal',
    {
      schema: {
        tags,
        summary: 'Appeal a reliability event about me; support decides it as a complaint ticket',
        params: IdParams,
        body: Type.Object({ text: Type.String({ minLength: 1, maxLength: 2000 }) }, { additionalProperties: false }),
        response: { 201: Type.Object({ complaintId: Type.String(), ticketNo: Type.String() }), ...problems(400, 401, 404, 409) },
      },
      preHandler: requireAuth,
    },
    async (req, reply) => {
      const c = await appealReliabilityEvent(d, actorOf(req), req.params.id, req.body.text);
      return reply.code(201).send({ complaintId: c.id, ticketNo: c.ticket_no });
    },
  );

  app.get(
    '/api/v1/ratings/:kind/:id',
    {
      schema: {
        tags,
        summary: 'Average rating and recent reviews of a store or courier (S5.7c)',
        params: RatingParams,
        response: { 200: RatingView, ...problems(400) },
      },
    },
    async (req) => {
      const r = await s.ratingOf(d, req.params.kind, req.params.id);
      return { avg: r.avg, count: r.count, recent: r.recent.map(presentReview) };
    },
  );
}
