import http from 'node:http';

/**
 * A small HTTP load generator (no dependency): open-loop at a fixed arrival rate, or closed-loop with N
 * connections back to back for maximum throughput. Latency in open-loop mode is measured from the
 * moment a request was *scheduled*, so queueing in the client or server counts (no coordinated omission).
 */

export interface Req {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** Label for per-endpoint breakdowns in mixed runs. */
  label?: string;
}

export interface LoadResult {
  mode: 'rate' | 'max';
  targetRate: number | null;
  connections: number;
  durationS: number;
  requests: number;
  throughput: number;
  latencyMs: { p50: number; p90: number; p95: number; p99: number; max: number; mean: number };
  statuses: Record<string, number>;
  /** Non-2xx answers (429/503 included) plus transport errors. */
  errors: number;
  transportErrors: number;
  /** Scheduled requests never sent because too many were already in flight (client saturated). */
  skipped: number;
  /** Whether every 429/503 answer carried Retry-After. */
  retryAfterOnShed: boolean;
  byLabel: Record<string, { requests: number; p50: number; p99: number; errors: number }>;
  firstErrors: string[];
}

function percentile(sorted: number[], q: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
const round = (x: number) => Math.round(x * 100) / 100;

export interface LoadOptions {
  port: number;
  /** Requests per second (open loop); omit for closed-loop maximum throughput. */
  rate?: number;
  durationS: number;
  connections: number;
  /** The i-th request; return undefined when the scenario's data is exhausted (the run stops early). */
  next: (i: number) => Req | undefined;
  /** Called with every answer (status, or 'transport'), e.g. to record which writes succeeded. */
  onResult?: (req: Req, status: string) => void;
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.connections });
  const latencies: number[] = [];
  const perLabel = new Map<string, { lat: number[]; errors: number }>();
  const statuses: Record<string, number> = {};
  const firstErrors: string[] = [];
  let transportErrors = 0;
  let skipped = 0;
  let inFlight = 0;
  let sent = 0;
  let shedWithoutRetryAfter = 0;
  let exhausted = false;

  const once = (req: Req, scheduled: number): Promise<void> =>
    new Promise((resolve) => {
      inFlight++;
      const done = (status: string, retryAfter: boolean) => {
        inFlight--;
        o.onResult?.(req, status);
        const ms = performance.now() - scheduled;
        latencies.push(ms);
        statuses[status] = (statuses[status] ?? 0) + 1;
        if ((status === '429' || status === '503') && !retryAfter) shedWithoutRetryAfter++;
        const label = req.label ?? 'all';
        const l = perLabel.get(label) ?? { lat: [], errors: 0 };
        l.lat.push(ms);
        if (!status.startsWith('2')) l.errors++;
        perLabel.set(label, l);
        resolve();
      };
      const headers: Record<string, string> = { ...(req.headers ?? {}) };
      if (req.body !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = String(Buffer.byteLength(req.body));
      }
      const r = http.request({ host: '127.0.0.1', port: o.port, method: req.method, path: req.path, headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => {
          if (firstErrors.length < 5 && (res.statusCode ?? 0) >= 300) chunks.push(c);
        });
        res.on('end', () => {
          const status = String(res.statusCode ?? 0);
          if (chunks.length && firstErrors.length < 5) {
            firstErrors.push(`${req.method} ${req.path.slice(0, 80)} → ${status} ${Buffer.concat(chunks).toString('utf8').slice(0, 200)}`);
          }
          done(status, res.headers['retry-after'] !== undefined);
        });
        res.on('error', () => done('transport', false));
      });
      r.setTimeout(30_000, () => r.destroy(new Error('timeout')));
      r.on('error', (err) => {
        transportErrors++;
        if (firstErrors.length < 5) firstErrors.push(`${req.method} ${req.path.slice(0, 80)} → ${err.message}`);
        done('transport', false);
      });
      if (req.body !== undefined) r.write(req.body);
      r.end();
    });

  const start = performance.now();
  const endAt = start + o.durationS * 1000;
  const pending = new Set<Promise<void>>();
  const track = (p: Promise<void>) => {
    pending.add(p);
    void p.then(() => pending.delete(p));
  };

  if (o.rate) {
    // Open loop: request i is due at start + i / rate; a timer tick sends everything due.
    const interval = 1000 / o.rate;
    const maxInFlight = Math.max(o.connections * 8, 64);
    await new Promise<void>((resolve) => {
      const tick = () => {
        const t = performance.now();
        while (!exhausted && start + sent * interval <= Math.min(t, endAt)) {
          const due = start + sent * interval;
          const req = o.next(sent);
          sent++;
          if (!req) {
            exhausted = true;
            break;
          }
          if (inFlight >= maxInFlight) {
            skipped++;
            continue;
          }
          track(once(req, due));
        }
        if (exhausted || t >= endAt) resolve();
        else setTimeout(tick, Math.max(1, Math.min(10, interval)));
      };
      tick();
    });
  } else {
    // Closed loop: each connection sends its next request when the previous one answers.
    const worker = async () => {
      while (performance.now() < endAt) {
        const req = o.next(sent++);
        if (!req) {
          exhausted = true;
          return;
        }
        await once(req, performance.now());
      }
    };
    await Promise.all(Array.from({ length: o.connections }, worker));
  }
  await Promise.all(pending);
  const elapsed = (performance.now() - start) / 1000;
  agent.destroy();

  const sorted = latencies.slice().sort((a, b) => a - b);
  const errors = Object.entries(statuses)
    .filter(([s]) => !s.startsWith('2'))
    .reduce((n, [, c]) => n + c, 0);
  const byLabel: LoadResult['byLabel'] = {};
  for (const [label, l] of perLabel) {
    const s = l.lat.sort((a, b) => a - b);
    byLabel[label] = { requests: s.length, p50: round(percentile(s, 0.5)), p99: round(percentile(s, 0.99)), errors: l.errors };
  }
  return {
    mode: o.rate ? 'rate' : 'max',
    targetRate: o.rate ?? null,
    connections: o.connections,
    durationS: round(elapsed),
    requests: latencies.length,
    throughput: round(latencies.length / Math.min(elapsed, o.durationS + 60)),
    latencyMs: {
      p50: round(percentile(sorted, 0.5)),
      p90: round(percentile(sorted, 0.9)),
      p95: round(percentile(sorted, 0.95)),
      p99: round(percentile(sorted, 0.99)),
      max: round(sorted[sorted.length - 1] ?? 0),
      mean: round(sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length)),
    },
    statuses,
    errors,
    transportErrors,
    skipped,
    retryAfterOnShed: shedWithoutRetryAfter === 0,
    byLabel,
    firstErrors,
  };
}
