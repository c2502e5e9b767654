import { Type } from 'typebox';
import type { App } from './http.ts';
import type { Platform } from './platform.ts';
import { isAdjustable } from './clock.ts';
import { AppError, defineErrors } from './errors.ts';
import { problems, Timestamp } from './schemas.ts';

/**
 * Development only: move a running server's clock forward and run the scheduled sweeps now, so browser
 * journeys (and people trying the app) reach a shift's start or a payment deadline without sleeping.
 * `buildApp` registers these routes only outside production, and this function refuses to register them in
 * production too (the routes then answer 404 `ROUTE_NOT_FOUND`). Every use is logged at `warn` (the audit
 * of a dev tool: who asked, from where, what moved). See docs/operations.md "Dev clock".
 */
export const DevErrors = defineErrors({
  DEV_CLOCK_NOT_ADJUSTABLE: { status: 409, zh: '此服务的时钟不可调整', en: "This server's clock cannot be moved" },
  DEV_JOB_UNKNOWN: { status: 400, zh: '没有名为 {name} 的定时任务', en: 'There is no scheduled job named {name}' },
});

const MAX_ADVANCE_MS = 400 * 86_400_000;

const ClockView = Type.Object({
  now: Timestamp,
  offsetMs: Type.Integer({ description: 'How far this process is ahead of the system clock' }),
  adjustable: Type.Boolean(),
});

export function registerDevTime(app: App, p: Platform): void {
  if (p.config.env === 'production') return;
  const view = () => {
    const now = p.clock.now();
    return { now: now.toISOString(), offsetMs: now.getTime() - Date.now(), adjustable: isAdjustable(p.clock) };
  };

  app.get(
    '/api/v1/dev/clock',
    { schema: { tags: ['dev'], summary: 'Dev clock: the server’s "now" (not in production)', response: { 200: ClockView } } },
    async () => view(),
  );

  app.post(
    '/api/v1/dev/clock',
    {
      schema: {
        tags: ['dev'],
        summary: 'Dev clock: move this server’s time forward (not in production)',
        body: Type.Object({ advanceMs: Type.Integer({ minimum: 1, maximum: MAX_ADVANCE_MS }) }, { additionalProperties: false }),
        response: { 200: ClockView, ...problems(400, 409) },
      },
    },
    async (req) => {
      if (!isAdjustable(p.clock)) throw new AppError(DevErrors.DEV_CLOCK_NOT_ADJUSTABLE);
      const before = p.clock.now();
      p.clock.advance(req.body.advanceMs);
      const after = view();
      p.logger.warn(
        { dev: 'clock', advanceMs: req.body.advanceMs, from: before.toISOString(), to: after.now, ip: req.ip },
        'dev clock advanced',
      );
      return after;
    },
  );

  app.post(
    '/api/v1/dev/jobs/run',
    {
      schema: {
        tags: ['dev'],
        summary:
          'Dev jobs: run scheduled jobs (e.g. orders.sweep) now against the server’s clock, then the jobs they queued (not in production)',
        body: Type.Object(
          { jobs: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { minItems: 1, maxItems: 20 }) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ ran: Type.Array(Type.String()), followUps: Type.Integer({ description: 'Queued jobs run after them' }) }),
          ...problems(400),
        },
      },
    },
    async (req) => {
      const scheduled = new Set(p.jobs.scheduledJobNames);
      for (const name of req.body.jobs) if (!scheduled.has(name)) throw new AppError(DevErrors.DEV_JOB_UNKNOWN, { name });
      p.logger.warn({ dev: 'jobs', jobs: req.body.jobs, now: p.clock.now().toISOString(), ip: req.ip }, 'dev: running scheduled jobs now');
      for (const name of req.body.jobs) await p.jobs.runNow(name);
      // What the sweeps queued (outbox events such as settlement, notifications) runs before answering.
      const followUps = await p.jobs.drain();
      return { ran: req.body.jobs, followUps };
    },
  );
}
