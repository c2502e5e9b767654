/** One Server-Sent Event as a client sees it. `data` is parsed as JSON when it is JSON. */
export interface SseEvent {
  id: string | undefined;
  event: string;
  data: unknown;
}

/**
 * A minimal SSE reader over fetch(), for tests, benchmarks and operator tools that watch
 * /api/v1/events (browsers use EventSource). It parses frames as the WHATWG spec describes:
 * `field: value` lines, a blank line ends an event, lines starting with ':' are comments.
 */
export class SseReader {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  #waiters: { match: (e: SseEvent) => boolean; resolve: (e: SseEvent) => void }[] = [];
  #commentWaiters: ((c: string) => void)[] = [];
  #ended: Promise<void>;
  #abort = new AbortController();
  #endedFlag = false;
  status = 0;

  private constructor(body: ReadableStream<Uint8Array> | null) {
    this.#ended = this.#pump(body);
  }

  /** Opens a stream; resolves once the response headers arrived. */
  static async open(url: string, headers: Record<string, string> = {}): Promise<SseReader> {
    const abort = new AbortController();
    const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
    const r = new SseReader(res.ok ? res.body : null);
    r.#abort = abort;
    r.status = res.status;
    if (!res.ok) await res.body?.cancel();
    return r;
  }

  get ended(): boolean {
    return this.#endedFlag;
  }

  async #pump(body: ReadableStream<Uint8Array> | null): Promise<void> {
    if (!body) {
      this.#endedFlag = true;
      return;
    }
    const decoder = new TextDecoder();
    let buf = '';
    let cur: { id?: string; event?: string; data: string[] } = { data: [] };
    try {
      for await (const chunk of body) {
        buf += decoder.decode(chunk, { stream: true });
        let nl: number;
        while ((nl = buf.search(/\r\n|\r|\n/)) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + (buf.startsWith('\r\n', nl) ? 2 : 1));
          if (line === '') {
            if (cur.data.length) this.#emit(cur);
            cur = { data: [] };
          } else if (line.startsWith(':')) {
            const comment = line.slice(1).trim();
            this.comments.push(comment);
            for (const w of this.#commentWaiters.splice(0)) w(comment);
          } else {
            const i = line.indexOf(':');
            const field = i < 0 ? line : line.slice(0, i);
            const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
            if (field === 'data') cur.data.push(value);
            else if (field === 'event') cur.event = value;
            else if (field === 'id') cur.id = value;
          }
        }
      }
    } catch {
      // aborted or connection reset: the stream simply ends
    } finally {
      this.#endedFlag = true;
    }
  }

  #emit(cur: { id?: string; event?: string; data: string[] }) {
    const raw = cur.data.join('\n');
    let data: unknown = raw;
    try {
      data = JSON.parse(raw);
    } catch {
      // plain text data
    }
    const e: SseEvent = { id: cur.id, event: cur.event ?? 'message', data };
    this.events.push(e);
    for (const w of [...this.#waiters]) {
      if (w.match(e)) {
        this.#waiters.splice(this.#waiters.indexOf(w), 1);
        w.resolve(e);
      }
    }
  }

  /** The first event (already received or still to come) that matches; rejects after `timeoutMs` as a guard. */
  next(match: (e: SseEvent) => boolean, timeoutMs = 10_000): Promise<SseEvent> {
    const seen = this.events.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching SSE event within ${timeoutMs} ms`)), timeoutMs);
      this.#waiters.push({
        match,
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e);
        },
      });
    });
  }

  /** The next comment line (e.g. a heartbeat) from now on; rejects after `timeoutMs`. */
  nextComment(timeoutMs = 10_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no SSE comment within ${timeoutMs} ms`)), timeoutMs);
      this.#commentWaiters.push((c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
  }

  /** Resolves when the server ends the stream (rejects after `timeoutMs`). */
  async waitEnd(timeoutMs = 10_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.#ended,
      new Promise((_, rej) => {
        timer = setTimeout(() => rej(new Error('stream did not end')), timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
  }

  close(): void {
    this.#abort.abort();
  }
}
