import type { App } from '../../platform/http.ts';
import type { Platform } from '../../platform/platform.ts';
import { actorOf, requireAuth, requirePermission } from '../../platform/auth.ts';
import { AppError } from '../../platform/errors.ts';
import { problems } from '../../platform/schemas.ts';
import { fillByProvinceDay, gmvByMonth, refreshRollups, retentionCohorts } from './rollups.ts';
import {
  CourierWeekQuery,
  CourierWeekView,
  FillView,
  GmvView,
  OwnerMonthQuery,
  OwnerMonthView,
  RangeQuery,
  RefreshView,
  RetentionView,
} from './schemas.ts';
import { courierWeek, ownerMonth, STATS_PERMISSIONS } from './service.ts';

const tags = ['stats'];
/** The longest range the platform reports answer (a year and a day). */
const MAX_RANGE_DAYS = 366;

function checkRange(q: { from: string; to: string }): void {
  const days = (Date.parse(q.to) - Date.parse(q.from)) / 86_400_000;
  if (!Number.isFinite(days) || days < 0 || days > MAX_RANGE_DAYS) {
    throw new AppError('VALIDATION_FAILED', { detail: `from..to must be a valid range of at most ${MAX_RANGE_DAYS} days` });
  }
}

export function statsRoutes(app: App, p: Platform): void {
  app.get(
    '/api/v1/stats/owner-month',
    {
      schema: {
        tags,
        summary: "A store owner's month: orders posted and filled, fill rate, spend (staff: any owner with orders:read)",
        querystring: OwnerMonthQuery,
        response: { 200: OwnerMonthView, ...problems(400, 401, 403) },
      },
      preHandler: requireAuth,
    },
    async (req) => ownerMonth(p, actorOf(req), req.query),
  );

  app.get(
    '/api/v1/stats/courier-week',
    {
      schema: {
        tags,
        summary: "A courier's weekly earnings by day, from the ledger (staff: any courier with finance:read)",
        querystring: CourierWeekQuery,
        response: { 200: CourierWeekView, ...problems(400, 401, 403) },
      },
      preHandler: requireAuth,
    },
    async (req) => courierWeek(p, actorOf(req), req.query),
  );

  const staff = requirePermission(STATS_PERMISSIONS.platform);
  app.get(
    '/api/v1/stats/platform/fill',
    {
      schema: {
        tags,
        summary: 'Fill rate and median time to fill by province × shift day (ops; from rollups)',
        querystring: RangeQuery,
        response: { 200: FillView, ...problems(400, 401, 403) },
      },
      preHandler: staff,
    },
    async (req) => {
      checkRange(req.query);
      return fillByProvinceDay(p, req.query);
    },
  );

  app.get(
    '/api/v1/stats/platform/gmv',
    {
      schema: {
        tags,
        summary: 'GMV and settled shifts by month (ops; from rollups)',
        querystring: RangeQuery,
        response: { 200: GmvView, ...problems(400, 401, 403) },
      },
      preHandler: staff,
    },
    async (req) => {
      checkRange(req.query);
      return gmvByMonth(p, req.query);
    },
  );

  app.get(
    '/api/v1/stats/platform/retention',
    {
      schema: {
        tags,
        summary: 'Courier retention cohorts: first month worked × months after (ops; from rollups)',
        response: { 200: RetentionView, ...problems(401, 403) },
      },
      preHandler: staff,
    },
    async () => retentionCohorts(p),
  );

  app.post(
    '/api/v1/stats/platform/refresh',
    {
      schema: {
        tags,
        summary: 'Bring the analysis rollups up to date now (ops:manage; a job does it every minute)',
        response: { 200: RefreshView, ...problems(401, 403) },
      },
      preHandler: requirePermission('ops:manage'),
    },
    async () => refreshRollups(p),
  );
}
