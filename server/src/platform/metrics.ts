import { Registry, Histogram, Gauge, Counter, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of one process; modules add their own to `registry`. */
export class Metrics {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly httpShed: Counter<string>;
  readonly jobQueueDepth: Gauge<'queue'>;
  readonly poolConnections: Gauge<'state'>;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.httpDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [this.registry],
    });
    this.httpShed = new Counter({
      name: 'http_requests_shed_total',
      help: 'Requests refused with 503 under overload',
      registers: [this.registry],
    });
    this.jobQueueDepth = new Gauge({
      name: 'job_queue_depth',
      help: 'Jobs waiting per queue',
      labelNames: ['queue'],
      registers: [this.registry],
    });
    this.poolConnections = new Gauge({
      name: 'db_pool_connections',
      help: 'Database pool connections by state',
      labelNames: ['state'],
      registers: [this.registry],
    });
  }
}
