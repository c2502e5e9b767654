import { Counter, Gauge, Histogram, Summary } from 'prom-client';
import type { Metrics } from '../../platform/metrics.ts';

/** Prometheus metrics of the risk module (A5); alert rules over them are in docs/risk.md. */
export interface RiskMetrics {
  /** Provider call latency per try, by provider endpoint, with p50/p90/p99. */
  apiLatency: Summary<'endpoint'>;
  /** Provider calls (tries) by endpoint; the denominator of the error rate. */
  apiRequests: Counter<'endpoint'>;
  /** Provider errors by type: 4001, 4003, 5001, 6002, transport, bad_response. */
  apiErrors: Counter<'endpoint' | 'type'>;
  /** Cache lookups by level (l1, l2) and result (hit, miss): hit ratio per level. */
  cacheRequests: Counter<'level' | 'result'>;
  /** Distribution of computed risk scores. */
  riskScore: Histogram<string>;
  /** Provider Date header minus local time, seconds (last seen). */
  clockSkew: Gauge<string>;
}

export function createRiskMetrics(m: Metrics): RiskMetrics {
  const registers = [m.registry];
  return {
    apiLatency: new Summary({
      name: 'api_latency_seconds',
      help: 'Arbitration provider call latency (per try)',
      labelNames: ['endpoint'],
      percentiles: [0.5, 0.9, 0.99],
      maxAgeSeconds: 600,
      ageBuckets: 5,
      registers,
    }),
    apiRequests: new Counter({
      name: 'api_requests_total',
      help: 'Arbitration provider calls (per try)',
      labelNames: ['endpoint'],
      registers,
    }),
    apiErrors: new Counter({
      name: 'api_errors_total',
      help: 'Arbitration provider errors by type (provider code, transport, bad_response)',
      labelNames: ['endpoint', 'type'],
      registers,
    }),
    cacheRequests: new Counter({
      name: 'arbitration_cache_requests_total',
      help: 'Arbitration cache lookups by level and result',
      labelNames: ['level', 'result'],
      registers,
    }),
    riskScore: new Histogram({
      name: 'risk_score',
      help: 'Labor-arbitration risk scores computed (0-100)',
      buckets: [10, 20, 30, 40, 50, 60, 70, 80, 90, 100],
      registers,
    }),
    clockSkew: new Gauge({ name: 'arbitration_clock_skew_seconds', help: 'Provider clock minus local clock', registers }),
  };
}
