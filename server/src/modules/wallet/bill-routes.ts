import { Type } from 'typebox';
import { actorOf, requireAuth, requirePermission } from '../../platform/auth.ts';
import type { App } from '../../platform/http.ts';
import { negotiateLocale } from '../../platform/i18n.ts';
import type { Platform } from '../../platform/platform.ts';
import { IdParams, problems, Timestamp, Uuid } from '../../platform/schemas.ts';
import { multipartFile } from '../../platform/uploads.ts';
import {
  APPEAL_ATTACHMENT_MAX_BYTES,
  APPEAL_ATTACHMENTS_MAX,
  decideAppeal,
  fileAppeal,
  listAppeals,
  listMyAppeals,
  readAppealAttachment,
  uploadAppealAttachment,
} from './appeals.ts';
import { FINANCE_READ } from './finance-routes.ts';
import { generateStatement, getStatement, listStatements, statementCsv, statementXlsx } from './statements.ts';
import { statementPdf } from './statement-pdf.ts';

/** Finance permission to decide appeals (accounts/policy.ts). */
export const FINANCE_APPROVE = 'finance:approve';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const StatementTypeT = Type.Union([Type.Literal('monthly'), Type.Literal('daily')]);
const Period = Type.String({ pattern: '^\\d{4}-\\d{2}(-\\d{2})?$', description: 'YYYY-MM (monthly) or YYYY-MM-DD (daily), China time' });

export const StatementSummary = Type.Object({
  id: Uuid,
  type: StatementTypeT,
  period: Type.String(),
  periodStart: Timestamp,
  periodEnd: Timestamp,
  currency: Type.Literal('CNY'),
  openingFen: Type.Integer(),
  inFen: Type.Integer(),
  outFen: Type.Integer(),
  feesFen: Type.Integer(),
  closingFen: Type.Integer(),
  lineCount: Type.Integer(),
  generatedAt: Timestamp,
});
export const StatementLine = Type.Object({
  id: Type.String({ description: 'Line id (what an appeal refers to)' }),
  transferId: Uuid,
  at: Timestamp,
  kind: Type.String(),
  label: Type.String(),
  amountFen: Type.Integer(),
  feeFen: Type.Integer(),
  balanceAfterFen: Type.Integer(),
  orderId: Nullable(Type.String()),
  payoutId: Nullable(Type.String()),
  memo: Nullable(Type.String()),
});
export const StatementDetail = Type.Intersect([StatementSummary, Type.Object({ lines: Type.Array(StatementLine) })]);
export const AppealAttachmentView = Type.Object({
  id: Uuid,
  mime: Type.Union([Type.Literal('image/jpeg'), Type.Literal('image/png'), Type.Literal('application/pdf')]),
  sizeBytes: Type.Integer(),
  createdAt: Timestamp,
});
export const AppealView = Type.Object({
  id: Uuid,
  userId: Uuid,
  lineId: Type.String(),
  transferId: Uuid,
  lineAmountFen: Type.Integer(),
  reason: Type.String(),
  attachmentRef: Nullable(Type.String()),
  attachments: Type.Array(AppealAttachmentView, {
    description: 'Evidence filed with the appeal: GET /api/v1/wallet/appeals/{id}/attachments/{attachmentId}',
  }),
  status: Type.Union([Type.Literal('open'), Type.Literal('accepted'), Type.Literal('rejected')]),
  decisionNote: Nullable(Type.String()),
  adjustmentFen: Nullable(Type.Integer()),
  adjustmentTransferId: Nullable(Uuid),
  decidedAt: Nullable(Timestamp),
  dueAt: Timestamp,
  overdue: Type.Boolean(),
  createdAt: Timestamp,
});

/** Bills (statements) and appeals for wallet owners; the appeal queue for finance (S5.9c). */
export function billRoutes(app: App, p: Platform): void {
  app.get(
    '/api/v1/wallet/statements',
    {
      schema: {
        tags: ['wallet'],
        summary: 'My statements (bills) by type and period range',
        querystring: Type.Object({ type: Type.Optional(StatementTypeT), from: Type.Optional(Period), to: Type.Optional(Period) }),
        response: { 200: Type.Object({ items: Type.Array(StatementSummary) }), ...problems(400, 401) },
      },
      preHandler: [requireAuth],
    },
    async (req) => ({ items: await listStatements(p, actorOf(req), req.query) }) as never,
  );

  app.post(
    '/api/v1/wallet/statements',
    {
      schema: {
        tags: ['wallet'],
        summary: 'Generate (or fetch) my statement of a completed day or month',
        body: Type.Object({ type: StatementTypeT, period: Period }),
        response: { 201: StatementSummary, ...problems(400, 401, 409) },
      },
      preHandler: [requireAuth],
    },
    async (req, reply) => reply.code(201).send((await generateStatement(p, actorOf(req).userId, req.body.type, req.body.period)) as never),
  );

  app.get(
    '/api/v1/wallet/statements/:id',
    {
      schema: {
        tags: ['wallet'],
        summary: 'One of my statements with every line',
        params: IdParams,
        response: { 200: StatementDetail, ...problems(401, 404) },
      },
      preHandler: [requireAuth],
    },
    async (req) => (await getStatement(p, actorOf(req), req.params.id, negotiateLocale(req.headers['accept-language']))) as never,
  );

  app.get(
    '/api/v1/wallet/statements/:id/download',
    {
      schema: {
        tags: ['wallet'],
        summary: 'Download one of my statements as CSV (UTF-8 with BOM), XLSX or PDF',
        params: IdParams,
        querystring: Type.Object({ format: Type.Union([Type.Literal('csv'), Type.Literal('xlsx'), Type.Literal('pdf')]) }),
        response: {
          200: {
            description: 'text/csv (UTF-8 with BOM), XLSX, or PDF (Chinese text embedded with Noto Sans SC)',
            content: { 'text/csv': { schema: Type.String() } },
          } as never,
          ...problems(400, 401, 404),
        },
      },
      preHandler: [requireAuth],
    },
    async (req, reply) => {
      const locale = negotiateLocale(req.headers['accept-language']);
      const s = await getStatement(p, actorOf(req), req.params.id, locale);
      const name = `dingban-statement-${s.period}`;
      if (req.query.format === 'xlsx') {
        return reply
          .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
          .header('content-disposition', `attachment; filename="${name}.xlsx"`)
          .serializer((x: unknown) => x as string)
          .send(await statementXlsx(s, locale));
      }
      if (req.query.format === 'pdf') {
        return reply
          .type('application/pdf')
          .header('content-disposition', `attachment; filename="${name}.pdf"`)
          .serializer((x: unknown) => x as string)
          .send(await statementPdf(s, locale));
      }
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${name}.csv"`)
        .serializer((x: unknown) => x as string)
        .send(statementCsv(s, locale));
    },
  );

  app.post(
    '/api/v1/wallet/appeals',
    {
      schema: {
        tags: ['wallet'],
        summary: 'Dispute a line of my bill',
        body: Type.Object({
          lineId: Type.String({ pattern: '^\\d{1,18}$' }),
          reason: Type.String({ minLength: 1, maxLength: 1000 }),
          attachmentRef: Type.Optional(Type.String({ maxLength: 200, description: 'A reference, e.g. the channel receipt number' })),
          attachmentIds: Type.Optional(
            Type.Array(Uuid, {
              maxItems: APPEAL_ATTACHMENTS_MAX,
              description: 'Evidence uploaded first (POST /api/v1/wallet/appeal-attachments); JPEG, PNG or PDF',
            }),
          ),
        }),
        response: { 201: AppealView, ...problems(400, 401, 404, 409) },
      },
      preHandler: [requireAuth],
    },
    async (req, reply) => reply.code(201).send((await fileAppeal(p, actorOf(req), req.body)) as never),
  );

  // Evidence for an appeal: uploaded one file at a time before the appeal is filed (multipart, part "file").
  app.register(async (instance) => {
    const scope = instance as unknown as App;
    const limit = APPEAL_ATTACHMENT_MAX_BYTES + 256 * 1024;
    scope.addContentTypeParser('multipart/form-data', { parseAs: 'buffer', bodyLimit: limit }, (_req, body, done) => done(null, body));
    scope.post(
      '/api/v1/wallet/appeal-attachments',
      {
        schema: {
          tags: ['wallet'],
          summary: 'Upload evidence for a bill appeal (multipart/form-data, part "file"; JPEG, PNG or PDF by content, ≤ 2 MB)',
          consumes: ['multipart/form-data'],
          response: { 201: AppealAttachmentView, ...problems(400, 401, 409, 413, 415) },
        },
        preHandler: [requireAuth],
        bodyLimit: limit,
      },
      async (req, reply) =>
        reply
          .code(201)
          .send((await uploadAppealAttachment(p, actorOf(req), await multipartFile(req.body, req.headers['content-type']))) as never),
    );
  });

  app.get(
    '/api/v1/wallet/appeals/:id/attachments/:attachmentId',
    {
      schema: {
        tags: ['wallet'],
        summary: 'An attachment of a bill appeal (the appellant, or finance)',
        params: Type.Object({ id: Uuid, attachmentId: Uuid }),
        response: { 200: Type.Unsafe<Buffer>({ type: 'string', format: 'binary' }), ...problems(400, 401, 404) },
      },
      preHandler: [requireAuth],
    },
    async (req, reply) => {
      const actor = actorOf(req);
      const file = await readAppealAttachment(p, actor, {
        appealId: req.params.id,
        attachmentId: req.params.attachmentId,
        isFinance: actor.permissions.has(FINANCE_READ),
      });
      return reply
        .type(file.mime)
        .header('cache-control', 'private, no-store')
        .header('x-content-type-options', 'nosniff')
        .header(
          'content-disposition',
          `inline; filename="appeal-${req.params.attachmentId}.${file.mime === 'application/pdf' ? 'pdf' : file.mime.slice(6)}"`,
        )
        .send(file.bytes);
    },
  );

  app.get(
    '/api/v1/wallet/appeals',
    {
      schema: {
        tags: ['wallet'],
        summary: 'My bill appeals',
        response: { 200: Type.Object({ items: Type.Array(AppealView) }), ...problems(401) },
      },
      preHandler: [requireAuth],
    },
    async (req) => ({ items: await listMyAppeals(p, actorOf(req)) }) as never,
  );

  app.get(
    '/api/v1/wallet/finance/appeals',
    {
      schema: {
        tags: ['wallet', 'finance'],
        summary: 'Bill appeals, nearest deadline first (finance)',
        querystring: Type.Object({
          status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('accepted'), Type.Literal('rejected')])),
        }),
        response: { 200: Type.Object({ items: Type.Array(AppealView) }), ...problems(400, 401, 403) },
      },
      preHandler: [requirePermission(FINANCE_READ)],
    },
    async (req) => ({ items: await listAppeals(p, req.query) }) as never,
  );

  app.post(
    '/api/v1/wallet/finance/appeals/:id/decide',
    {
      schema: {
        tags: ['wallet', 'finance'],
        summary: 'Accept (with an adjustment transfer) or reject (with an explanation) a bill appeal (finance)',
        params: IdParams,
        body: Type.Object({
          decision: Type.Union([Type.Literal('accept'), Type.Literal('reject')]),
          note: Type.String({ minLength: 1, maxLength: 1000 }),
          adjustmentFen: Type.Optional(Type.Integer({ description: 'accept only: + credit / − charge, in fen' })),
        }),
        response: { 200: AppealView, ...problems(400, 401, 403, 404, 409) },
      },
      preHandler: [requirePermission(FINANCE_APPROVE)],
    },
    async (req) => (await decideAppeal(p, actorOf(req), req.params.id, req.body)) as never,
  );
}
