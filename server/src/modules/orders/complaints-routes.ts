import { Type } from 'typebox';
import type { App } from '../../platform/http.ts';
import { actorOf, requireAuth } from '../../platform/auth.ts';
import { IdParams, problems, Timestamp, Uuid } from '../../platform/schemas.ts';
import { maskPhone } from '../stores/index.ts';
import type { ComplaintMessageRow, ComplaintRow } from './complaints-repo.ts';
import * as c from './complaints.ts';
import type { Deps } from './service.ts';

const tags = ['complaints'];
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const StatusEnum = Type.Union([Type.Literal('open'), Type.Literal('in_progress'), Type.Literal('resolved'), Type.Literal('rejected')]);

const MessageView = Type.Object({ authorRole: Type.String(), body: Type.String(), internal: Type.Boolean(), createdAt: Timestamp });
const ComplaintView = Type.Object(
  {
    id: Type.String(),
    ticketNo: Type.String(),
    orderId: Nullable(Type.String()),
    channel: Type.Union([Type.Literal('online'), Type.Literal('email'), Type.Literal('phone')]),
    status: StatusEnum,
    category: Type.String(),
    subject: Type.String(),
    complainantRole: Type.String(),
    contactMasked: Nullable(Type.String({ description: 'Staff only: the e-mail or phone the complaint came from, masked' })),
    assigneeId: Nullable(Type.String()),
    respondBy: Timestamp,
    resolveBy: Timestamp,
    firstResponseAt: Nullable(Timestamp),
    overdue: Type.Boolean(),
    resolution: Nullable(Type.String()),
    resolvedAt: Nullable(Timestamp),
    createdAt: Timestamp,
    messages: Type.Optional(Type.Array(MessageView)),
  },
  { $id: 'ComplaintView' },
);
const ComplaintList = Type.Object({ items: Type.Array(Type.Ref('ComplaintView')) });

const maskContact = (s: string) => (s.includes('@') ? `${s.slice(0, 1)}***@${s.split('@')[1]}` : maskPhone(s));

export function complaintRoutes(app: App, d: Deps): void {
  const { p } = d;
  app.addSchema(ComplaintView);
  const Ref = Type.Ref('ComplaintView');
  const present = (row: ComplaintRow, staff: boolean, messages?: ComplaintMessageRow[]) => {
    const now = p.clock.now().getTime();
    const open = row.status === 'open' || row.status === 'in_progress';
    return {
      id: row.id,
      ticketNo: row.ticket_no,
      orderId: row.order_id,
      channel: row.channel,
      status: row.status,
      category: row.category,
      subject: row.subject,
      complainantRole: row.complainant_role,
      contactMasked: staff && row.contact_enc ? maskContact(p.keyring.decrypt(row.contact_enc, 'order_complaints.contact')) : null,
      assigneeId: staff ? row.assignee_id : null,
      respondBy: row.respond_by.toISOString(),
      resolveBy: row.resolve_by.toISOString(),
      firstResponseAt: row.first_response_at?.toISOString() ?? null,
      overdue: open && (now > row.resolve_by.getTime() || (!row.first_response_at && now > row.respond_by.getTime())),
      resolution: row.resolution,
      resolvedAt: row.resolved_at?.toISOString() ?? null,
      createdAt: row.created_at.toISOString(),
      ...(messages
        ? {
            messages: messages.map((m) => ({
              authorRole: m.author_role,
              body: m.body,
              internal: m.internal,
              createdAt: m.created_at.toISOString(),
            })),
          }
        : {}),
    };
  };

  app.post(
    '/api/v1/orders/:id/complaints',
    {
      schema: {
        tags,
        summary: 'Complain about an order I am a party of (S5.7d, online)',
        params: IdParams,
        body: Type.Object(
          {
            category: Type.String({ minLength: 1, maxLength: 40, description: 'e.g. late, no_show, payment, conduct, other' }),
            subject: Type.Optional(Type.String({ maxLength: 200 })),
            text: Type.String({ minLength: 1, maxLength: 5000 }),
          },
          { additionalProperties: false },
        ),
        response: { 201: Ref, ...problems(400, 401, 404) },
      },
      preHandler: requireAuth,
    },
    async (req, reply) => reply.code(201).send(present(await c.fileComplaint(d, actorOf(req), req.params.id, req.body), false)),
  );

  app.get(
    '/api/v1/complaints/mine',
    { schema: { tags, summary: 'My complaints', response: { 200: ComplaintList, ...problems(401) } }, preHandler: requireAuth },
    async (req) => ({ items: (await c.listMyComplaints(d, actorOf(req))).map((r) => present(r, false)) }),
  );

  app.get(
    '/api/v1/complaints/:id',
    {
      schema: {
        tags,
        summary: 'One complaint with its replies (complainant or support)',
        params: IdParams,
        response: { 200: Ref, ...problems(400, 401, 404) },
      },
      preHandler: requireAuth,
    },
    async (req) => {
      const r = await c.getComplaint(d, actorOf(req), req.params.id);
      return present(r.complaint, r.as === 'staff', r.messages);
    },
  );

  app.post(
    '/api/v1/complaints/:id/messages',
    {
      schema: {
        tags,
        summary: 'Reply on a complaint (support may add internal notes)',
        params: IdParams,
        body: Type.Object(
          { text: Type.String({ minLength: 1, maxLength: 5000 }), internal: Type.Optional(Type.Boolean()) },
          { additionalProperties: false },
        ),
        response: { 200: Ref, ...problems(400, 401, 404, 409) },
      },
      preHandler: requireAuth,
    },
    async (req) => {
      const actor = actorOf(req);
      const row = await c.replyComplaint(d, actor, req.params.id, req.body);
      const r = await c.getComplaint(d, actor, row!.id);
      return present(r.complaint, r.as === 'staff', r.messages);
    },
  );

  app.get(
    '/api/v1/support/complaints',
    {
      schema: {
        tags,
        summary: 'Support queue by resolution deadline (complaints:handle)',
        querystring: Type.Object({ status: Type.Optional(Type.Array(StatusEnum)), mine: Type.Optional(Type.Boolean()) }),
        response: { 200: ComplaintList, ...problems(400, 401, 403) },
      },
      preHandler: requireAuth,
    },
    async (req) => ({ items: (await c.complaintQueue(d, actorOf(req), req.query)).map((r) => present(r, true)) }),
  );

  app.post(
    '/api/v1/support/complaints',
    {
      schema: {
        tags,
        summary: 'Record a complaint received by phone (complaints:handle)',
        body: Type.Object(
          {
            orderNo: Type.Optional(Type.String({ maxLength: 30 })),
            callerPhone: Type.String({ minLength: 5, maxLength: 20 }),
            complainantUserId: Type.Optional(Uuid),
            category: Type.String({ minLength: 1, maxLength: 40 }),
            text: Type.String({ minLength: 1, maxLength: 5000 }),
          },
          { additionalProperties: false },
        ),
        response: { 201: Ref, ...problems(400, 401, 403, 404) },
      },
      preHandler: requireAuth,
    },
    async (req, reply) => reply.code(201).send(present(await c.recordPhoneComplaint(d, actorOf(req), req.body), true)),
  );

  app.post(
    '/api/v1/support/complaints/:id/assign',
    {
      schema: {
        tags,
        summary: 'Assign a complaint (default: to me)',
        params: IdParams,
        body: Type.Object({ assigneeId: Type.Optional(Uuid) }, { additionalProperties: false }),
        response: { 200: Ref, ...problems(400, 401, 403, 404, 409) },
      },
      preHandler: requireAuth,
    },
    async (req) => present(await c.assignComplaint(d, actorOf(req), req.params.id, req.body?.assigneeId), true),
  );

  app.post(
    '/api/v1/support/complaints/:id/resolve',
    {
      schema: {
        tags,
        summary: 'Close a complaint as resolved (upheld) or rejected, telling the complainant',
        params: IdParams,
        body: Type.Object(
          {
            outcome: Type.Union([Type.Literal('resolved'), Type.Literal('rejected')]),
            resolution: Type.String({ minLength: 1, maxLength: 2000 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: Ref, ...problems(400, 401, 403, 404, 409) },
      },
      preHandler: requireAuth,
    },
    async (req) => present(await c.resolveComplaint(d, actorOf(req), req.params.id, req.body), true),
  );
}
