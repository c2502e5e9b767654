import { Type } from 'typebox';
import { actorOf, requirePermission } from '../../platform/auth.ts';
import type { App } from '../../platform/http.ts';
import type { Platform } from '../../platform/platform.ts';
import { IdParams, problems, Timestamp, Uuid } from '../../platform/schemas.ts';
import { pickChannel, type ChannelDeps } from './channel-payments.ts';
import { listDiscrepancies, listRuns, reconcileDay, resolveDiscrepancy } from './reconciliation.ts';

/** Finance permissions (accounts/policy.ts): reading the books, and acting on reconciliation. */
export const FINANCE_READ = 'finance:read';
export const FINANCE_RECONCILE = 'finance:reconcile';

const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'A China-time day, YYYY-MM-DD' });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const DiscKind = Type.Union([Type.Literal('missing_ours'), Type.Literal('missing_channel'), Type.Literal('amount_mismatch')]);
const DiscStatus = Type.Union([Type.Literal('open'), Type.Literal('resolved')]);

export const ReconRunView = Type.Object({
  id: Uuid,
  channel: Type.String(),
  day: Day,
  status: Type.Union([Type.Literal('balanced'), Type.Literal('discrepancies'), Type.Literal('no_bill'), Type.Literal('failed')]),
  billSha1: Nullable(Type.String()),
  billLines: Type.Integer(),
  matched: Type.Integer(),
  discrepancies: Type.Integer(),
  autoCredited: Type.Integer(),
  error: Nullable(Type.String()),
  triggeredBy: Nullable(Uuid),
  createdAt: Timestamp,
});

export const DiscrepancyView = Type.Object({
  id: Uuid,
  runId: Uuid,
  channel: Type.String(),
  day: Day,
  outTradeNo: Type.String(),
  kind: DiscKind,
  channelAmountFen: Nullable(Type.Integer()),
  ourAmountFen: Nullable(Type.Integer()),
  paymentId: Nullable(Uuid),
  userId: Nullable(Uuid),
  status: DiscStatus,
  resolution: Nullable(Type.Union([Type.Literal('auto_credited'), Type.Literal('adjusted'), Type.Literal('dismissed')])),
  resolutionReason: Nullable(Type.String()),
  transferId: Nullable(Uuid),
  resolvedBy: Nullable(Uuid),
  resolvedAt: Nullable(Timestamp),
  createdAt: Timestamp,
});

const ResolveBody = Type.Object({
  action: Type.Union([Type.Literal('adjust'), Type.Literal('dismiss')]),
  amountFen: Type.Optional(Type.Integer({ description: 'adjust only: + credit / − charge the user, in fen' })),
  userId: Type.Optional(Uuid),
  reason: Type.String({ minLength: 1, maxLength: 500 }),
});

/** Finance staff: reconciliation runs and the discrepancy queue (S5.9c). */
export function financeRoutes(app: App, p: Platform, d: ChannelDeps): void {
  app.post(
    '/api/v1/wallet/finance/reconciliations',
    {
      schema: {
        tags: ['wallet', 'finance'],
        summary: "Reconcile a past day's channel trade bill and payouts now (finance; default channel: the first enabled)",
        body: Type.Object({ day: Day, channel: Type.Optional(Type.String({ minLength: 1, maxLength: 20 })) }),
        response: { 201: ReconRunView, ...problems(400, 401, 403, 503) },
      },
      preHandler: [requirePermission(FINANCE_RECONCILE)],
    },
    async (req, reply) =>
      reply.code(201).send((await reconcileDay(p, pickChannel(d, req.body.channel), req.body.day, actorOf(req).userId)) as never),
  );

  app.get(
    '/api/v1/wallet/finance/reconciliations',
    {
      schema: {
        tags: ['wallet', 'finance'],
        summary: 'Reconciliation runs, newest first (finance)',
        querystring: Type.Object({ day: Type.Optional(Day), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })) }),
        response: { 200: Type.Object({ items: Type.Array(ReconRunView) }), ...problems(400, 401, 403) },
      },
      preHandler: [requirePermission(FINANCE_READ)],
    },
    async (req) => ({ items: await listRuns(p, req.query) }) as never,
  );

  app.get(
    '/api/v1/wallet/finance/discrepancies',
    {
      schema: {
        tags: ['wallet', 'finance'],
        summary: 'The reconciliation discrepancy queue, oldest first (finance)',
        querystring: Type.Object({
          status: Type.Optional(DiscStatus),
          day: Type.Optional(Day),
          kind: Type.Optional(DiscKind),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
        }),
        response: { 200: Type.Object({ items: Type.Array(DiscrepancyView) }), ...problems(400, 401, 403) },
      },
      preHandler: [requirePermission(FINANCE_READ)],
    },
    async (req) => ({ items: await listDiscrepancies(p, req.query) }) as never,
  );

  app.post(
    '/api/v1/wallet/finance/discrepancies/:id/resolve',
    {
      schema: {
        tags: ['wallet', 'finance'],
        summary: 'Resolve a discrepancy: adjustment transfer with a reason, or dismiss with a reason (finance)',
        params: IdParams,
        body: ResolveBody,
        response: { 200: DiscrepancyView, ...problems(400, 401, 403, 404, 409) },
      },
      preHandler: [requirePermission(FINANCE_RECONCILE)],
    },
    async (req) => (await resolveDiscrepancy(p, actorOf(req), req.params.id, req.body)) as never,
  );
}
