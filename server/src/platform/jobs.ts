import { PgBoss, fromKysely } from 'pg-boss';
import type pg from 'pg';
import type { Logger } from 'pino';
import { sql } from 'kysely';
import type { Db, Executor, Tx } from './db.ts';
import { newId } from './ids.ts';

/** A background job handler. Jobs may run more than once (at-least-once): handlers must be idempotent. */
export type JobHandler<T> = (data: T) => Promise<void>;

interface JobDef {
  handler: JobHandler<unknown>;
  retryLimit: number;
  /** Cron (UTC) for recurring jobs. */
  cron?: string | undefined;
}

/** A domain event as stored in the outbox. */
export interface DomainEvent<T = unknown> {
  id: string;
  type: string;
  payload: T;
  createdAt: Date;
}

/** An event to publish: its type and payload (JSON). */
export interface OutboxEvent<T = unknown> {
  type: string;
  payload: T;
}

/** Deliveries of one event to one subscriber before it is left failed (with back-off between them). */
const EVENT_RETRY_LIMIT = 10;

/** A subscriber applies an event inside a transaction that also records it as handled (exactly-once effect). */
export type EventHandler<T> = (event: DomainEvent<T>, tx: Tx) => Promise<void>;

/**
 * Jobs a worker claims per fetch. With `burstWhenBatchFull` a full batch is followed by another fetch at
 * once, so a backlog drains at handler speed; a short batch means the queue caught up and the worker
 * goes back to polling.
 */
const WORKER_BATCH = 50;

/** Queue names pg-boss accepts: letters, digits, `-`, `_`, `.`, `/`. */
const queueOf = (handlerName: string) => `event.${handlerName}`;

/**
 * Jobs, schedules and the transactional outbox, on pg-boss over the platform's own pool.
 *
 * Publishing an event inserts it into `outbox_events` and enqueues one job per subscriber, all on the
 * caller's transaction: the change and its consequences commit or vanish together. Each subscriber
 * runs in its own transaction that first records (event id, handler) in `outbox_handled`, so a
 * redelivered event is applied once.
 */
export class Jobs {
  #boss: PgBoss;
  #db: Db;
  #log: Logger;
  #defs = new Map<string, JobDef>();
  #subs = new Map<string, string[]>(); // event type → handler names
  #started = false;
  #booted = false;

  constructor(opts: { db: Db; pool: pg.Pool; logger: Logger; schema?: string }) {
    this.#db = opts.db;
    this.#log = opts.logger;
    this.#boss = new PgBoss({
      db: { executeSql: (text: string, values?: unknown[]) => opts.pool.query(text, values as unknown[]) },
      schema: opts.schema ?? 'pgboss',
    } as ConstructorParameters<typeof PgBoss>[0]);
    this.#boss.on('error', (err: unknown) => this.#log.error({ err }, 'job queue error'));
  }

  /** Declares a job and its handler. Must happen before start(). */
  define<T>(name: string, handler: JobHandler<T>, opts: { retryLimit?: number; cron?: string } = {}): void {
    if (this.#started) throw new Error(`job ${name} defined after start`);
    if (this.#defs.has(name)) throw new Error(`job ${name} defined twice`);
    this.#defs.set(name, { handler: handler as JobHandler<unknown>, retryLimit: opts.retryLimit ?? 5, cron: opts.cron });
  }

  /** Subscribes a named, idempotent handler to an event type. Must happen before start(). */
  subscribe<T>(type: string, handlerName: string, handler: EventHandler<T>): void {
    this.define<{ eventId: string }>(queueOf(handlerName), async ({ eventId }) => {
      await this.#db.transaction().execute(async (tx) => {
        // Claim (event, handler) and read the event in one round trip: one row always, `claimed` 0 when this
        // handler applied the event before, the event's columns null when it does not exist (the job then
        // fails and the claim rolls back, as before).
        const { rows } = await sql<{ claimed: number; id: string | null; type: string; payload: unknown; created_at: Date }>`
          WITH claim AS (
            INSERT INTO outbox_handled (event_id, handler) VALUES (${eventId}, ${handlerName})
            ON CONFLICT DO NOTHING RETURNING event_id)
          SELECT (SELECT count(*) FROM claim)::int AS claimed, e.id, e.type, e.payload, e.created_at
          FROM (VALUES (1)) AS one (x) LEFT JOIN outbox_events e ON e.id = ${eventId}`.execute(tx);
        const row = rows[0]!;
        if (!row.claimed) return; // already applied
        if (!row.id) throw new Error(`outbox event ${eventId} not found`);
        await handler({ id: row.id, type: row.type, payload: row.payload as T, createdAt: row.created_at }, tx);
      });
    });
    const list = this.#subs.get(type) ?? [];
    list.push(handlerName);
    this.#subs.set(type, list);
  }

  /** Records an event in the caller's transaction and enqueues its subscribers there too. */
  async publish<T>(tx: Executor, type: string, payload: T): Promise<DomainEvent<T>> {
    const [event] = await this.publishAll(tx, [{ type, payload }]);
    return event as DomainEvent<T>;
  }

  /**
   * Records several events in the caller's transaction with one outbox INSERT and one job INSERT per
   * subscriber queue — a command that publishes four events (a take: the status change, the marketplace
   * change, two notifications) pays three round trips instead of seven. Same effect as publishing each.
   */
  async publishAll(tx: Executor, events: readonly OutboxEvent[]): Promise<DomainEvent[]> {
    if (!events.length) return [];
    const createdAt = new Date();
    const stored = events.map((e) => ({ id: newId(), type: e.type, payload: e.payload, createdAt }));
    await tx
      .insertInto('outbox_events')
      .values(stored.map((e) => ({ id: e.id, type: e.type, payload: JSON.stringify(e.payload) })))
      .execute();
    const byQueue = new Map<string, { data: { eventId: string }; retryLimit: number; retryBackoff: boolean }[]>();
    for (const e of stored) {
      for (const handlerName of this.#subs.get(e.type) ?? []) {
        const queue = queueOf(handlerName);
        const jobs = byQueue.get(queue) ?? [];
        jobs.push({ data: { eventId: e.id }, retryLimit: EVENT_RETRY_LIMIT, retryBackoff: true });
        byQueue.set(queue, jobs);
      }
    }
    for (const [queue, jobs] of byQueue) await this.#boss.insert(queue, jobs, { db: fromKysely(tx as Tx) } as never);
    return stored;
  }

  /** Enqueues a job, on the caller's transaction when one is given. */
  async send<T extends object>(
    name: string,
    data: T,
    opts: { tx?: Executor; startAfter?: Date; singletonKey?: string } = {},
  ): Promise<void> {
    const def = this.#defs.get(name);
    if (!def) throw new Error(`no handler for job ${name}`);
    await this.#boss.send(name, data, {
      retryLimit: def.retryLimit,
      retryBackoff: true,
      ...(opts.startAfter ? { startAfter: opts.startAfter } : {}),
      ...(opts.singletonKey ? { singletonKey: opts.singletonKey } : {}),
      ...(opts.tx ? { db: fromKysely(opts.tx as Tx) } : {}),
    } as never);
  }

  /**
   * Creates the queues and schedules, checks that every queue in the database has a handler in this
   * build (a job nobody handles would wait forever), and starts workers when asked.
   */
  async start(opts: { workers: boolean; pollingIntervalSeconds?: number; concurrency?: number }): Promise<void> {
    this.#started = true;
    // Before anything runs: every queue that exists in the database must have a handler in this build.
    const existing = await sql<{ name: string }>`
      SELECT name FROM pgboss.queue WHERE to_regclass('pgboss.queue') IS NOT NULL`
      .execute(this.#db)
      .catch(() => ({ rows: [] as { name: string }[] }));
    const orphans = existing.rows.map((q) => q.name).filter((n) => !n.startsWith('__') && !this.#defs.has(n));
    if (orphans.length) throw new Error(`refusing to start: no handler for job queue(s) ${orphans.join(', ')}`);
    await this.#boss.start();
    this.#booted = true;
    for (const [name, def] of this.#defs) {
      await this.#boss.createQueue(name, { retryLimit: def.retryLimit, retryBackoff: true } as never).catch(() => {});
      if (def.cron) await this.#boss.schedule(name, def.cron, {}, { tz: 'Asia/Shanghai' } as never);
    }
    if (!opts.workers) return;
    for (const [name, def] of this.#defs) {
      await this.#boss.work(
        name,
        {
          pollingIntervalSeconds: opts.pollingIntervalSeconds ?? 1,
          batchSize: WORKER_BATCH,
          // Fetch again at once while batches come back full, so a backlog drains at the speed of the
          // handlers rather than one batch per polling interval (pg-boss polls otherwise).
          burstWhenBatchFull: true,
          localConcurrency: opts.concurrency ?? 2,
          // One failing job is retried on its own; the rest of its batch completes.
          perJobResults: true,
        } as { pollingIntervalSeconds: number },
        async (jobs: { id: string; data: unknown }[]) => {
          const results: { id: string; status: 'completed' | 'failed'; output?: object }[] = [];
          for (const job of jobs) {
            try {
              await def.handler(job.data);
              results.push({ id: job.id, status: 'completed' });
            } catch (err) {
              this.#log.warn({ err, job: name, jobId: job.id }, 'job failed; it will be retried');
              results.push({ id: job.id, status: 'failed', output: { message: String(err) } });
            }
          }
          return results;
        },
      );
    }
  }

  /**
   * Runs every job that is due now, in this process, until the queues are empty (or `maxRounds`).
   * Tests use it instead of waiting for pollers; operators can use it to drain before shutdown.
   */
  async drain(maxRounds = 20): Promise<number> {
    let ran = 0;
    for (let round = 0; round < maxRounds; round++) {
      let any = false;
      for (const [name, def] of this.#defs) {
        const jobs = await this.#boss.fetch<unknown>(name, { batchSize: 50 } as never);
        for (const job of jobs) {
          any = true;
          ran++;
          try {
            await def.handler(job.data);
            await this.#boss.complete(name, job.id);
          } catch (err) {
            await this.#boss.fail(name, job.id, { message: String(err) });
          }
        }
      }
      if (!any) break;
    }
    return ran;
  }

  /** Jobs waiting per queue, for /metrics. */
  async queueDepths(): Promise<{ name: string; queued: number }[]> {
    const r = await sql<{ name: string; queued: number }>`
      SELECT name, count(*)::int AS queued FROM pgboss.job WHERE state IN ('created', 'retry') GROUP BY name`.execute(this.#db);
    return r.rows;
  }

  get jobNames(): string[] {
    return [...this.#defs.keys()];
  }

  /** The jobs that run on a schedule (cron), e.g. deadline sweeps. */
  get scheduledJobNames(): string[] {
    return [...this.#defs].filter(([, d]) => d.cron).map(([name]) => name);
  }

  /** Runs a declared job's handler now, in this process, outside the queue (the dev tools' "run the sweeps now"). */
  async runNow(name: string, data: object = {}): Promise<void> {
    const def = this.#defs.get(name);
    if (!def) throw new Error(`no handler for job ${name}`);
    await def.handler(data);
  }

  /** Stops taking jobs and waits for the ones in flight. */
  async stop(): Promise<void> {
    if (!this.#booted) return;
    await this.#boss.stop({ graceful: true, wait: true, timeout: 20_000 } as never);
  }
}
