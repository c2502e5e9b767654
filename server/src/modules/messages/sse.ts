import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Locale } from '../../platform/i18n.ts';
import type { Platform } from '../../platform/platform.ts';
import { startEventStream } from '../../platform/http.ts';
import { presentNotification, type StoredNotification, type UnreadCounts } from './presenter.ts';
import { currentSeq, findMissed, getUnreadCounts, userChannel, type LiveMessage } from './service.ts';

/** Proxies drop idle connections after 30–60 s; a comment line every 25 s keeps the stream open. */
export const HEARTBEAT_MS = 25_000;
const REPLAY_BATCH = 200;

/**
 * The live event streams (Server-Sent Events) held by this process. Each stream listens on the user's
 * pub/sub channel, so a notification committed by any process reaches every open stream of that user.
 * Event ids are the user's notification sequence numbers: a client that reconnects with Last-Event-ID
 * gets what it missed from the table, and a gap in the live feed is filled from the table too.
 */
export class EventStreams {
  #p: Platform;
  #heartbeatMs: number;
  #closers = new Set<() => void>();

  constructor(p: Platform, opts: { heartbeatMs?: number } = {}) {
    this.#p = p;
    this.#heartbeatMs = opts.heartbeatMs ?? HEARTBEAT_MS;
  }

  /** Number of open streams in this process. */
  get size(): number {
    return this.#closers.size;
  }

  /** Takes over the response and streams events until the client goes away or the server closes. */
  async open(
    req: FastifyRequest,
    reply: FastifyReply,
    o: { userId: string; lastEventId: number | undefined; locale: Locale },
  ): Promise<void> {
    const p = this.#p;
    const res = startEventStream(reply, { 'content-language': o.locale });

    let closed = false;
    let lastSent = 0;
    let unsubscribe: (() => Promise<void>) | undefined;
    const write = (chunk: string) => {
      if (!closed) res.write(chunk);
    };
    const sendNotification = (n: StoredNotification, unread: UnreadCounts) => {
      write(`id: ${n.seq}\nevent: notification\ndata: ${JSON.stringify({ notification: presentNotification(n, o.locale), unread })}\n\n`);
      lastSent = n.seq;
    };
    const sendUnread = (unread: UnreadCounts) => write(`event: unread\ndata: ${JSON.stringify(unread)}\n\n`);
    const catchUp = async (unread?: UnreadCounts) => {
      const counts = unread ?? (await getUnreadCounts(p, o.userId));
      for (;;) {
        const missed = await findMissed(p, o.userId, lastSent, REPLAY_BATCH);
        for (const n of missed) sendNotification(n, counts);
        if (missed.length < REPLAY_BATCH || closed) return;
      }
    };

    const heartbeat = setInterval(() => write(': heartbeat\n\n'), this.#heartbeatMs);
    heartbeat.unref();
    const close = () => {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      this.#closers.delete(close);
      void unsubscribe?.().catch(() => {});
      if (!res.writableEnded) res.end();
    };
    this.#closers.add(close);
    res.on('close', close);
    req.raw.on('close', close);

    // Messages are handled one at a time, after the initial replay, in arrival order.
    let chain: Promise<void> = Promise.resolve();
    const enqueue = (step: () => Promise<void>) => {
      chain = chain.then(step).catch((err) => {
        req.log.warn({ err }, 'event stream step failed; closing the stream (the client reconnects)');
        close();
      });
    };
    const onMessage = (raw: unknown) => {
      const msg = raw as LiveMessage;
      enqueue(async () => {
        if (closed) return;
        if (msg.kind === 'closed') return close();
        if (msg.kind === 'unread') return sendUnread(msg.unread);
        if (msg.kind !== 'notification' || msg.notification.seq <= lastSent) return; // already sent (replay, or twice)
        if (msg.notification.seq > lastSent + 1) await catchUp(msg.unread); // a gap: fill it from the table
        if (msg.notification.seq > lastSent) sendNotification(msg.notification, msg.unread);
      });
    };

    // Subscribe before reading the table, so nothing committed in between is lost (duplicates are skipped by seq).
    try {
      unsubscribe = await p.pubsub.subscribe(userChannel(o.userId), onMessage);
    } catch (err) {
      req.log.warn({ err }, 'event stream could not subscribe');
      close();
      return;
    }
    if (closed) {
      void unsubscribe().catch(() => {});
      return;
    }
    enqueue(async () => {
      if (o.lastEventId !== undefined) {
        lastSent = o.lastEventId;
        await catchUp();
      } else {
        lastSent = await currentSeq(p, o.userId);
      }
      sendUnread(await getUnreadCounts(p, o.userId));
    });
  }

  /** Ends every open stream (graceful shutdown must not wait for clients that never hang up). */
  closeAll(): void {
    for (const close of [...this.#closers]) close();
  }
}
