import { Type } from 'typebox';
import { startEventStream, type App } from '../../platform/http.ts';
import type { Executor } from '../../platform/db.ts';
import type { OutboxEvent } from '../../platform/jobs.ts';
import type { Platform } from '../../platform/platform.ts';
import { actorOf, requireAuth } from '../../platform/auth.ts';
import { problems } from '../../platform/schemas.ts';
import { assertCanTake } from './policy.ts';
import type { OrderRow } from './repo.ts';
import type { OrderStatus } from './tables.ts';

/**
 * The marketplace, live (S5.7b "both parties' apps update live", S5.6b): couriers looking at the market list
 * or at an open order are no party to it, so the message center never tells them when it is taken, withdrawn
 * or published. Every change that makes an order enter or leave the marketplace (or edits a published one)
 * writes `orders.market.changed` to the outbox in the change's own transaction; one subscriber fans it out on
 * the pub/sub channel `orders:market` (Redis across processes); each open `GET /api/v1/orders/market/events`
 * stream forwards it as an SSE `market` event. Nothing personal is sent: the order id and its new status.
 * Clients drop an order that left from what they show and reload for one that entered; after a reconnect they
 * reload (there is no replay: the list itself is the state).
 */

/** The outbox event: an order entered or left the marketplace, or a published order changed. */
export const MARKET_CHANGED = 'orders.market.changed';
/** The pub/sub channel the streams listen on. */
export const MARKET_CHANNEL = 'orders:market';
/** Proxies drop idle connections after 30–60 s; a comment line keeps the stream open. */
const HEARTBEAT_MS = 25_000;

export interface MarketChange {
  orderId: string;
  /** The order's status now: `published` means it is (still) in the marketplace; anything else means it left. */
  status: OrderStatus;
  /** Its status before (the same as `status` for an edit). */
  from: OrderStatus;
  at: string;
}

/** Records a marketplace change on the caller's transaction (pushed only if the change commits). */
export async function publishMarketChange(p: Platform, tx: Executor, row: OrderRow, from: OrderStatus): Promise<void> {
  await p.jobs.publishAll(tx, [marketChangeEvent(p, row, from)]);
}

/** The marketplace change as an outbox event, for a command that publishes several at once. */
export function marketChangeEvent(p: Platform, row: OrderRow, from: OrderStatus): OutboxEvent<MarketChange> {
  return { type: MARKET_CHANGED, payload: { orderId: row.id, status: row.status, from, at: p.clock.now().toISOString() } };
}

/** Subscriber and route: fans changes out to every open market stream of every process. */
export function registerMarketLive(app: App, p: Platform, opts: { heartbeatMs?: number } = {}): void {
  p.jobs.subscribe<MarketChange>(MARKET_CHANGED, 'orders.market-push', async (event) => {
    // Best effort: a lost push only delays a list until its next reload; never retry the job for it.
    await p.pubsub
      .publish(MARKET_CHANNEL, event.payload)
      .catch((err: unknown) => p.logger.warn({ err, orderId: event.payload.orderId }, 'market push failed'));
  });

  const closers = new Set<() => void>();
  const closeAll = async () => {
    for (const close of [...closers]) close();
  };
  // preClose runs before the server waits for in-flight requests: open streams would block it forever.
  app.addHook('preClose', closeAll);
  app.addHook('onClose', closeAll);

  app.get(
    '/api/v1/orders/market/events',
    {
      schema: {
        tags: ['orders'],
        summary: 'The marketplace, live (Server-Sent Events): a `market` event whenever an order enters or leaves it or changes',
        description:
          'For couriers (orders:take), authenticated by the session cookie (EventSource) or a bearer token. Each `market` event is ' +
          '`{ orderId, status, from, at }`: `status` = published means the order is in the marketplace (new, back, or edited); ' +
          'anything else means it left (taken, cancelled, closed). A `ready` event follows the subscription; a comment line is ' +
          'sent every 25 s. No replay: after a reconnect, reload the list.',
        produces: ['text/event-stream'],
        response: { 200: Type.String({ description: 'text/event-stream' }), ...problems(401, 403) },
      },
      preHandler: requireAuth,
    },
    async (req, reply) => {
      assertCanTake(actorOf(req));
      const res = startEventStream(reply);
      let closed = false;
      let unsubscribe: (() => Promise<void>) | undefined;
      const write = (chunk: string) => {
        if (!closed) res.write(chunk);
      };
      const heartbeat = setInterval(() => write(': heartbeat\n\n'), opts.heartbeatMs ?? HEARTBEAT_MS);
      heartbeat.unref();
      const close = () => {
        if (closed) return;
        closed = true;
        clearInterval(heartbeat);
        closers.delete(close);
        void unsubscribe?.().catch(() => {});
        if (!res.writableEnded) res.end();
      };
      closers.add(close);
      res.on('close', close);
      req.raw.on('close', close);
      try {
        unsubscribe = await p.pubsub.subscribe(MARKET_CHANNEL, (msg) => write(`event: market\ndata: ${JSON.stringify(msg)}\n\n`));
      } catch (err) {
        req.log.warn({ err }, 'market stream could not subscribe');
        close();
        return reply;
      }
      if (closed) {
        void unsubscribe().catch(() => {});
        return reply;
      }
      write('event: ready\ndata: {}\n\n');
      return reply;
    },
  );
}
