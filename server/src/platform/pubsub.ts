import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';

/** Fan-out of live messages (SSE pushes) to every server process. Fire-and-forget: durability lives in the database. */
export interface PubSub {
  publish(channel: string, message: unknown): Promise<void>;
  /** Returns an unsubscribe function. */
  subscribe(channel: string, listener: (message: unknown) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export class MemoryPubSub implements PubSub {
  #e = new EventEmitter();
  constructor() {
    this.#e.setMaxListeners(0);
  }
  async publish(channel: string, message: unknown) {
    // Copy through JSON so in-process behaves like Redis (no shared object references).
    this.#e.emit(channel, JSON.parse(JSON.stringify(message)));
  }
  async subscribe(channel: string, listener: (message: unknown) => void) {
    this.#e.on(channel, listener);
    return async () => {
      this.#e.off(channel, listener);
    };
  }
  async close() {
    this.#e.removeAllListeners();
  }
}

/** Redis pub/sub: one subscriber connection per process, multiplexed over local listeners. */
export class RedisPubSub implements PubSub {
  #pub: Redis;
  #sub: Redis;
  #prefix: string;
  #local = new EventEmitter();
  constructor(pub: Redis, prefix: string) {
    this.#pub = pub;
    this.#sub = pub.duplicate();
    this.#prefix = prefix + 'ps:';
    this.#local.setMaxListeners(0);
    this.#sub.on('message', (ch: string, raw: string) => {
      let msg: unknown;
      try {
        msg = JSON.parse(raw);
      } catch {
        return;
      }
      this.#local.emit(ch.slice(this.#prefix.length), msg);
    });
  }
  async publish(channel: string, message: unknown) {
    await this.#pub.publish(this.#prefix + channel, JSON.stringify(message));
  }
  async subscribe(channel: string, listener: (message: unknown) => void) {
    if (this.#local.listenerCount(channel) === 0) await this.#sub.subscribe(this.#prefix + channel);
    this.#local.on(channel, listener);
    return async () => {
      this.#local.off(channel, listener);
      if (this.#local.listenerCount(channel) === 0) await this.#sub.unsubscribe(this.#prefix + channel).catch(() => {});
    };
  }
  async close() {
    this.#local.removeAllListeners();
    this.#sub.disconnect();
  }
}
