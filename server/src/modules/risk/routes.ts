import { Type } from 'typebox';
import ExcelJS from 'exceljs';
import type { App } from '../../platform/http.ts';
import { AppError } from '../../platform/errors.ts';
import { actorOf, requireAuth, requirePermission } from '../../platform/auth.ts';
import { negotiateLocale } from '../../platform/i18n.ts';
import { decodeCursor, encodeCursor, Ok, problems } from '../../platform/schemas.ts';
import * as repo from './repo.ts';
import * as svc from './service.ts';
import type { RiskDeps } from './service.ts';
import {
  AlertPage,
  AlertsQuery,
  BatchBody,
  BatchQuery,
  BatchResultView,
  CheckQuery,
  CompanyReportView,
  CreditCodeParams,
  RiskLevelView,
  SyncResultView,
  ThresholdsView,
  WatchBody,
  WatchedView,
  HoldDecisionBody,
  HoldPage,
  HoldResponseBody,
  HoldsQuery,
  HoldView,
  OrderIdParams,
} from './schemas.ts';
import { batchCsv, parseCodesCsv, presentAlert, presentHold, presentLevel, presentReport } from './presenter.ts';
import * as holds from './holds.ts';

const MAX_BATCH = 500;
const tags = ['risk'];
const staff = [requirePermission('risk:read')];

/** HTTP of the risk module: staff console endpoints ('risk:read') and the courier-facing level. */
export async function riskRoutes(app: App, d: RiskDeps): Promise<void> {
  // Encapsulated so the CSV parser applies to these routes only.
  await app.register(async (r: App) => {
    r.addContentTypeParser(['text/csv', 'text/plain'], { parseAs: 'string', bodyLimit: 256 * 1024 }, (_req, body, done) =>
      done(null, body),
    );

    r.post(
      '/api/v1/risk/companies/:creditCode/check',
      {
        schema: {
          tags,
          summary: 'Check a company by unified social credit code: score, deduction per rule, cases (A1–A4)',
          params: CreditCodeParams,
          querystring: CheckQuery,
          response: { 200: CompanyReportView, ...problems(400, 401, 403, 404, 502, 503) },
        },
        preHandler: staff,
      },
      async (req) => {
        const report = await svc.checkCompany(d, req.params.creditCode, { reason: 'query', fresh: req.query.fresh ?? false });
        return presentReport(report, negotiateLocale(req.headers['accept-language']));
      },
    );

    const toRows = (outcomes: Awaited<ReturnType<typeof svc.batchCheck>>, locale: ReturnType<typeof negotiateLocale>) =>
      outcomes.map((o) =>
        o.ok
          ? {
              creditCode: o.creditCode,
              ok: true,
              companyName: o.value.companyName,
              score: o.value.score,
              level: o.value.level,
              caseCount: o.value.caseCount,
              totalAmountFen: o.value.totalAmountFen,
            }
          : {
              creditCode: o.creditCode,
              ok: false,
              error:
                o.error instanceof AppError
                  ? { code: o.error.code, detail: o.error.message_(locale) }
                  : { code: 'INTERNAL', detail: locale === 'zh-CN' ? '内部错误' : 'Internal error' },
            },
      );

    r.post(
      '/api/v1/risk/batch',
      {
        schema: {
          tags,
          summary: 'Batch check (at most 5 provider calls in flight): per-code result or error (A2)',
          body: BatchBody,
          response: { 200: BatchResultView, ...problems(400, 401, 403) },
        },
        preHandler: staff,
      },
      async (req) => {
        const outcomes = await svc.batchCheck(d, req.body.creditCodes);
        return { results: toRows(outcomes, negotiateLocale(req.headers['accept-language'])) };
      },
    );

    r.post(
      '/api/v1/risk/batch/csv',
      {
        schema: {
          tags,
          summary: 'Batch check from an uploaded CSV of credit codes (first column); results as CSV or XLSX',
          consumes: ['text/csv'],
          body: Type.String({ maxLength: 256 * 1024 }),
          querystring: BatchQuery,
          response: {
            200: { description: 'text/csv (UTF-8 with BOM) or XLSX', content: { 'text/csv': { schema: Type.String() } } } as never,
            ...problems(400, 401, 403, 415),
          },
        },
        preHandler: staff,
      },
      async (req, reply) => {
        const codes = parseCodesCsv(req.body);
        if (codes.length === 0 || codes.length > MAX_BATCH) throw new AppError('RISK_BATCH_INVALID', { max: MAX_BATCH });
        const locale = negotiateLocale(req.headers['accept-language']);
        const rows = toRows(await svc.batchCheck(d, codes), locale);
        const stamp = d.p.clock.now().toISOString().slice(0, 10);
        if (req.query.format === 'xlsx') {
          const wb = new ExcelJS.Workbook();
          const ws = wb.addWorksheet('risk');
          ws.addRow(['credit_code', 'status', 'company_name', 'score', 'level', 'case_count', 'amount_cny', 'error_code', 'error']);
          for (const x of rows) {
            ws.addRow([
              x.creditCode,
              x.ok ? 'ok' : 'error',
              x.companyName ?? '',
              x.score ?? '',
              x.level ?? '',
              x.caseCount ?? '',
              x.totalAmountFen === undefined ? '' : x.totalAmountFen / 100,
              x.error?.code ?? '',
              x.error?.detail ?? '',
            ]);
          }
          const buf = Buffer.from(await wb.xlsx.writeBuffer());
          return reply
            .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
            .header('content-disposition', `attachment; filename="risk-${stamp}.xlsx"`)
            .serializer((x: unknown) => x as string)
            .send(buf);
        }
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="risk-${stamp}.csv"`)
          .serializer((x: unknown) => x as string)
          .send(batchCsv(rows));
      },
    );

    r.get(
      '/api/v1/risk/alerts',
      {
        schema: {
          tags,
          summary: 'Risk alerts, newest first (A7, A9)',
          querystring: AlertsQuery,
          response: { 200: AlertPage, ...problems(400, 401, 403) },
        },
        preHandler: staff,
      },
      async (req) => {
        const limit = req.query.limit ?? 20;
        const rows = await repo.listAlerts(d.p.db, {
          limit,
          after: decodeCursor<{ t: string; id: string }>(req.query.cursor),
          severity: req.query.severity,
          creditCode: req.query.creditCode?.trim().toUpperCase(),
        });
        const page = rows.slice(0, limit);
        const last = page[page.length - 1];
        return {
          items: page.map(presentAlert),
          nextCursor: rows.length > limit && last ? encodeCursor({ t: last.created_at.toISOString(), id: last.id }) : null,
        };
      },
    );

    r.get(
      '/api/v1/risk/thresholds',
      {
        schema: {
          tags,
          summary: 'Threshold in force, its history and the score distribution of checked companies (A8)',
          response: { 200: ThresholdsView, ...problems(401, 403) },
        },
        preHandler: staff,
      },
      async () => {
        const current = await svc.currentThreshold(d.p);
        const history = await repo.listThresholds(d.p.db, 104);
        return {
          current: { value: current.value, source: current.source, computedAt: current.computedAt?.toISOString() ?? null },
          urgentBelow: d.p.config.risk.urgentBelow,
          distribution: svc.distribution(await repo.allScores(d.p.db)),
          history: history.map((t) => ({
            value: t.value,
            source: t.source,
            percentile: t.percentile,
            benchmark: t.benchmark === null ? null : Number(t.benchmark),
            sampleSize: t.sample_size,
            distribution: t.distribution,
            computedAt: t.computed_at.toISOString(),
          })),
        };
      },
    );

    r.post(
      '/api/v1/risk/thresholds/recompute',
      {
        schema: { tags, summary: 'Recompute the dynamic threshold now (normally weekly)', response: { 200: Ok, ...problems(401, 403) } },
        preHandler: [requirePermission('risk:manage')],
      },
      async () => {
        await svc.recomputeThreshold(d.p);
        return { ok: true as const };
      },
    );

    r.get(
      '/api/v1/risk/watched',
      {
        schema: { tags, summary: 'Watched companies (re-checked weekly, A9)', response: { 200: WatchedView, ...problems(401, 403) } },
        preHandler: staff,
      },
      async () => {
        const watched = await repo.listWatched(d.p.db);
        const pending = await repo.listWatchRequests(d.p.db);
        return {
          items: [
            ...watched.map((w) => ({
              creditCode: w.credit_code,
              companyName: w.company_name,
              score: w.score,
              level: w.level,
              caseCount: w.case_count,
              checkedAt: w.checked_at.toISOString(),
              source: w.watch_source ?? 'watch',
              pending: false,
            })),
            ...pending
              .filter((p) => !watched.some((w) => w.credit_code === p.credit_code))
              .map((p) => ({
                creditCode: p.credit_code,
                companyName: null,
                score: null,
                level: null,
                caseCount: null,
                checkedAt: null,
                source: p.source,
                pending: true,
              })),
          ],
        };
      },
    );

    r.post(
      '/api/v1/risk/watched',
      {
        schema: {
          tags,
          summary: 'Watch a company: check it now and re-check it weekly',
          body: WatchBody,
          response: { 200: CompanyReportView, ...problems(400, 401, 403, 404, 502, 503) },
        },
        preHandler: [requirePermission('risk:manage')],
      },
      async (req) =>
        presentReport(await svc.watchCompany(d, req.body.creditCode, 'staff'), negotiateLocale(req.headers['accept-language'])),
    );

    r.delete(
      '/api/v1/risk/watched/:creditCode',
      {
        schema: { tags, summary: 'Stop watching a company', params: CreditCodeParams, response: { 200: Ok, ...problems(400, 401, 403) } },
        preHandler: [requirePermission('risk:manage')],
      },
      async (req) => {
        await svc.unwatchCompany(d.p, req.params.creditCode);
        return { ok: true as const };
      },
    );

    r.post(
      '/api/v1/risk/watched/refresh',
      {
        schema: {
          tags,
          summary: 'Re-check every watched company now (normally weekly)',
          response: { 200: SyncResultView, ...problems(401, 403) },
        },
        preHandler: [requirePermission('risk:manage')],
      },
      async () => svc.refreshWatched(d),
    );

    r.get(
      '/api/v1/risk/levels/:creditCode',
      {
        schema: {
          tags,
          summary: "A company's risk level (low/medium/high) with a plain explanation; no case details (couriers)",
          params: CreditCodeParams,
          response: { 200: RiskLevelView, ...problems(400, 401) },
        },
        preHandler: [requireAuth],
      },
      async (req) => {
        const found = await svc.findRiskLevel(d.p, req.params.creditCode);
        return presentLevel(svc.requireCreditCode(req.params.creditCode), found, negotiateLocale(req.headers['accept-language']));
      },
    );

    // ─── Held orders (issue 6): urgent risk holds a company's new orders for review ───────────────
    r.get(
      '/api/v1/risk/order-holds',
      {
        schema: {
          tags,
          summary: 'Review queue: orders held because their company is at high risk, newest first',
          querystring: HoldsQuery,
          response: { 200: HoldPage, ...problems(400, 401, 403) },
        },
        preHandler: staff,
      },
      async (req) => {
        const limit = req.query.limit ?? 20;
        const rows = await holds.listHolds(d.p.db, {
          limit,
          after: decodeCursor<{ t: string; id: string }>(req.query.cursor),
          status: req.query.status,
        });
        const page = rows.slice(0, limit);
        const last = page[page.length - 1];
        const locale = negotiateLocale(req.headers['accept-language']);
        return {
          items: page.map((h) => presentHold(h, locale)),
          nextCursor: rows.length > limit && last ? encodeCursor({ t: last.held_at.toISOString(), id: last.order_id }) : null,
        };
      },
    );

    r.get(
      '/api/v1/risk/order-holds/:orderId',
      {
        schema: {
          tags,
          summary: "An order's risk review: why it is held, the owner's reply, the decision (owner or risk staff)",
          params: OrderIdParams,
          response: { 200: HoldView, ...problems(400, 401, 404) },
        },
        preHandler: [requireAuth],
      },
      async (req) =>
        presentHold(await holds.getHold(d.p, actorOf(req), req.params.orderId), negotiateLocale(req.headers['accept-language'])),
    );

    r.post(
      '/api/v1/risk/order-holds/:orderId/response',
      {
        schema: {
          tags,
          summary: "The owner's reply to the reviewers of a held order (replaces an earlier reply while pending)",
          params: OrderIdParams,
          body: HoldResponseBody,
          response: { 200: HoldView, ...problems(400, 401, 404, 409) },
        },
        preHandler: [requireAuth],
      },
      async (req) =>
        presentHold(
          await holds.respondToHold(d.p, actorOf(req), req.params.orderId, req.body.text),
          negotiateLocale(req.headers['accept-language']),
        ),
    );

    r.post(
      '/api/v1/risk/order-holds/:orderId/decision',
      {
        schema: {
          tags,
          summary: 'Release (→ published) or reject (→ cancelled, fully refunded) a held order, with a reason for the owner',
          params: OrderIdParams,
          body: HoldDecisionBody,
          response: { 200: HoldView, ...problems(400, 401, 403, 404, 409) },
        },
        preHandler: [requirePermission(holds.DECIDE_PERMISSION)],
      },
      async (req) =>
        presentHold(
          await holds.decideHold(d.p, actorOf(req), req.params.orderId, req.body),
          negotiateLocale(req.headers['accept-language']),
        ),
    );
  });
}
