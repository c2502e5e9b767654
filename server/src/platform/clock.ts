/** The source of "now" for all business rules, injected so tests move time instead of sleeping. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock a test sets and advances by hand. */
export class ManualClock implements Clock {
  #t: number;
  constructor(start: Date | string | number = Date.now()) {
    this.#t = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.#t);
  }
  set(t: Date | string | number): void {
    this.#t = new Date(t).getTime();
  }
  advance(ms: number): void {
    this.#t += ms;
  }
}

/** A clock whose time a developer can move forward (dev tools, tests). */
export interface AdjustableClock extends Clock {
  advance(ms: number): void;
}

export const isAdjustable = (c: Clock): c is AdjustableClock => typeof (c as Partial<AdjustableClock>).advance === 'function';

/**
 * The system clock plus an offset that only grows: what a running development server uses, so browser
 * journeys can move to a shift's start instead of sleeping (`POST /api/v1/dev/clock`). Never in production
 * (`createPlatform` uses `systemClock` there). The offset lives in this process only.
 */
export class OffsetClock implements AdjustableClock {
  #offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.#offsetMs);
  }
  get offsetMs(): number {
    return this.#offsetMs;
  }
  advance(ms: number): void {
    if (!Number.isSafeInteger(ms) || ms < 0) throw new RangeError('the clock only moves forward, by whole milliseconds');
    this.#offsetMs += ms;
  }
}
