import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import { Type } from 'typebox';
import { sql } from 'kysely';
import { createHttp, sendProblem, type App } from './platform/http.ts';
import { migrate } from './platform/migrate.ts';
import type { Platform } from './platform/platform.ts';
import type { Module } from './platform/module.ts';
import { problems, Timestamp } from './platform/schemas.ts';
import { modules as allModules } from './modules/index.ts';
import { registerDevTime } from './platform/dev-time.ts';

/**
 * Builds the whole platform on top of the given machinery: platform routes (health, metrics, dev
 * outbox), every module, and the web app. Does not listen; call `start` to migrate and run jobs.
 */
export async function buildApp(p: Platform, modules: Module[] = allModules): Promise<App> {
  const app = await createHttp(p);

  app.get('/health/live', { schema: { tags: ['ops'], response: { 200: Type.Object({ status: Type.Literal('ok') }) } } }, async () => ({
    status: 'ok' as const,
  }));

  app.get(
    '/health/ready',
    {
      schema: {
        tags: ['ops'],
        response: {
          200: Type.Object({ status: Type.String(), database: Type.String(), redis: Type.String() }),
          503: Type.Object({ status: Type.String(), database: Type.String(), redis: Type.String() }),
        },
      },
    },
    async (_req, reply) => {
      const check = async (f: () => Promise<unknown>) => {
        try {
          await Promise.race([f(), new Promise((_, rej) => setTimeout(() => rej(new Error('timeout')), 2000))]);
          return 'ok';
        } catch {
          return 'down';
        }
      };
      const database = await check(() => sql`SELECT 1`.execute(p.db));
      const redis = p.redis ? await check(() => p.redis!.ping()) : 'not-configured';
      const ok = database === 'ok' && redis !== 'down';
      return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'degraded', database, redis });
    },
  );

  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    const pool = p.database.pool;
    p.metrics.poolConnections.labels('total').set(pool.totalCount);
    p.metrics.poolConnections.labels('idle').set(pool.idleCount);
    p.metrics.poolConnections.labels('waiting').set(pool.waitingCount);
    p.metrics.jobQueueDepth.reset();
    for (const name of p.jobs.jobNames) p.metrics.jobQueueDepth.labels(name).set(0);
    for (const q of await p.jobs.queueDepths().catch(() => [])) p.metrics.jobQueueDepth.labels(q.name).set(q.queued);
    reply.type(p.metrics.registry.contentType);
    return p.metrics.registry.metrics();
  });

  if (p.config.env !== 'production') {
    // Development only: move the clock and run the scheduled sweeps now (docs/operations.md "Dev clock").
    registerDevTime(app, p);
    // Development only: what would have gone out by SMS or e-mail. Absent in production builds.
    app.get(
      '/api/v1/dev/outbox',
      {
        schema: {
          tags: ['dev'],
          summary: 'Dev outbox: SMS and e-mail that were "sent" (not in production)',
          querystring: Type.Object({
            to: Type.Optional(Type.String({ maxLength: 200 })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
          }),
          response: {
            200: Type.Object({
              items: Type.Array(
                Type.Object({
                  id: Type.String(),
                  channel: Type.String(),
                  to: Type.String(),
                  subject: Type.Union([Type.String(), Type.Null()]),
                  body: Type.String(),
                  createdAt: Timestamp,
                }),
              ),
            }),
            ...problems(400),
          },
        },
      },
      async (req) => {
        let q = p.db
          .selectFrom('dev_outbox')
          .selectAll()
          .orderBy('created_at', 'desc')
          .limit(req.query.limit ?? 50);
        if (req.query.to) q = q.where('recipient', '=', req.query.to);
        const rows = await q.execute();
        return {
          items: rows.map((r) => ({
            id: r.id,
            channel: r.channel,
            to: r.recipient,
            subject: r.subject,
            body: r.body,
            createdAt: r.created_at.toISOString(),
          })),
        };
      },
    );
  }

  for (const m of modules) await m.register(app, p);

  // The web app (built by `npm start`): static files, and index.html for client-side routes.
  const hasWeb = existsSync(join(p.config.webDist, 'index.html'));
  if (hasWeb) await app.register(fastifyStatic, { root: p.config.webDist, wildcard: false, index: ['index.html'] });
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0]!;
    const isApi = /^\/(api|open|health|metrics|docs|openapi)/.test(path);
    if (hasWeb && req.method === 'GET' && !isApi && !/\.\w+$/.test(path)) return reply.sendFile('index.html');
    return sendProblem(req, reply, 'ROUTE_NOT_FOUND');
  });
  return app;
}

/** Applies migrations, starts job queues (and workers when configured), then each module's onReady. */
export async function startApp(app: App, p: Platform, modules: Module[] = allModules, opts: { workers?: boolean } = {}): Promise<void> {
  const applied = await migrate(p.db);
  if (applied.length) p.logger.info({ applied }, 'migrations applied');
  await p.jobs.start({ workers: opts.workers ?? p.config.runWorkers });
  for (const m of modules) await m.onReady?.(p, app);
  await app.ready();
}
