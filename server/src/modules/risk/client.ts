import { createPrivateKey, randomBytes, sign, type KeyObject } from 'node:crypto';
import type { Logger } from 'pino';
import { AppError } from '../../platform/errors.ts';
import type { Clock } from '../../platform/clock.ts';
import type { ArbitrationCase, ArbitrationSource, LookupResult } from './provider.ts';
import type { RiskMetrics } from './metrics.ts';

/** Provider codes that are worth another try; everything else fails at once (A6). */
const RETRIABLE = new Set([5001]);
export const QUERY_PATH = '/v1/arbitration/query';

export interface HttpClientOptions {
  baseUrl: string;
  appId: string;
  privateKeyPem: string;
  timeoutMs: number;
  clock: Clock;
  logger: Logger;
  metrics: RiskMetrics;
  /** Tries in all (A6: at most 3). */
  maxAttempts?: number;
  /** First backoff delay; doubles per try, plus up to the same again of jitter. */
  retryBaseMs: number;
  skewWarnSeconds: number;
  /** Injected so tests do not wait. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  fetch?: typeof fetch;
}

interface ProviderCase {
  caseNo: string;
  title: string;
  filedDate: string;
  amount: string | number;
  result: string;
  executed: boolean;
}

/** A failure of one try: retriable ones are 5001 and transport errors. */
class TryFailure extends Error {
  readonly type: string;
  readonly retriable: boolean;
  readonly providerCode: number | undefined;
  constructor(type: string, retriable: boolean, message: string, providerCode?: number) {
    super(message);
    this.type = type;
    this.retriable = retriable;
    this.providerCode = providerCode;
  }
}

/** CNY decimal string → integer fen, exactly (no float rounding of "0.29"). */
export function yuanToFen(amount: string | number): number {
  const s = typeof amount === 'number' ? amount.toFixed(2) : amount.trim();
  const m = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(s);
  if (!m) throw new Error(`bad amount ${s}`);
  const fen = Number(m[2]) * 100 + Number((m[3] ?? '').padEnd(2, '0'));
  return m[1] ? -fen : fen;
}

/**
 * The HTTP client of the arbitration provider (A1, A6). Signs timestamp, nonce and the exact body
 * bytes it sends (the seed signed a re-serialisation of the params, which breaks as soon as the
 * serialiser differs), learns the clock skew from the provider's `Date` header and warns before
 * 4001s happen, retries only 5001 and transport errors with exponential backoff and jitter.
 */
export class HttpArbitrationClient implements ArbitrationSource {
  readonly #o: HttpClientOptions;
  readonly #key: KeyObject;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;
  readonly #fetch: typeof fetch;
  #lastSkewWarnAt = 0;
  /** Provider time minus local time, seconds, as last seen (0 until the first answer). */
  skewSeconds = 0;

  constructor(o: HttpClientOptions) {
    this.#o = o;
    this.#key = createPrivateKey(o.privateKeyPem);
    this.#sleep = o.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.#random = o.random ?? Math.random;
    this.#fetch = o.fetch ?? fetch;
  }

  /** The delay before try `n + 1` after try `n` failed (n ≥ 1): base·2^(n−1) plus jitter in [0, base·2^(n−1)). */
  backoffMs(n: number): number {
    const exp = this.#o.retryBaseMs * 2 ** (n - 1);
    return Math.round(exp + this.#random() * exp);
  }

  async query(creditCode: string): Promise<LookupResult> {
    const max = this.#o.maxAttempts ?? 3;
    let last: TryFailure | undefined;
    for (let attempt = 1; attempt <= max; attempt++) {
      try {
        return await this.#try(creditCode);
      } catch (err) {
        if (!(err instanceof TryFailure)) throw err;
        last = err;
        if (!err.retriable) break;
        if (attempt < max) await this.#sleep(this.backoffMs(attempt));
      }
    }
    const f = last!;
    if (f.providerCode === 4001) {
      throw new AppError('ARBITRATION_SIGNATURE_REJECTED', { skewSeconds: this.skewSeconds }, { extra: { providerCode: 4001 } });
    }
    if (f.providerCode === 4003) {
      throw new AppError('ARBITRATION_PERMISSION_DENIED', { appId: this.#o.appId }, { extra: { providerCode: 4003 } });
    }
    this.#o.logger.warn({ type: f.type, message: f.message }, 'arbitration provider unavailable');
    throw new AppError(
      'ARBITRATION_PROVIDER_UNAVAILABLE',
      { reason: f.providerCode ? `${f.providerCode}` : f.type, attempts: f.retriable ? max : 1 },
      { extra: f.providerCode ? { providerCode: f.providerCode } : {} },
    );
  }

  async #try(creditCode: string): Promise<LookupResult> {
    const m = this.#o.metrics;
    const endpoint = QUERY_PATH;
    // The exact bytes that go on the wire are the bytes that are signed.
    const body = Buffer.from(JSON.stringify({ creditCode }), 'utf8');
    const ts = String(Math.floor(this.#o.clock.now().getTime() / 1000));
    const nonce = randomBytes(16).toString('hex');
    const signature = sign('sha256', Buffer.concat([Buffer.from(`${ts}\n${nonce}\n`, 'utf8'), body]), this.#key).toString('base64');
    m.apiRequests.labels(endpoint).inc();
    const end = m.apiLatency.labels(endpoint).startTimer();
    let res: Response;
    let text: string;
    try {
      res = await this.#fetch(new URL(QUERY_PATH, this.#o.baseUrl), {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'x-app-id': this.#o.appId,
          'x-timestamp': ts,
          'x-nonce': nonce,
          'x-signature': signature,
        },
        body,
        signal: AbortSignal.timeout(this.#o.timeoutMs),
      });
      text = await res.text();
    } catch (err) {
      end();
      m.apiErrors.labels(endpoint, 'transport').inc();
      throw new TryFailure('transport', true, (err as Error).message);
    }
    end();
    this.#observeSkew(res.headers.get('date'));
    let json: { code?: unknown; message?: unknown; data?: unknown };
    try {
      json = JSON.parse(text) as typeof json;
    } catch {
      // A gateway page instead of the provider's JSON: the provider is not really there.
      m.apiErrors.labels(endpoint, 'bad_response').inc();
      throw new TryFailure('bad_response', res.status >= 500, `HTTP ${res.status} without JSON`);
    }
    const code = typeof json.code === 'number' ? json.code : undefined;
    if (code === 0) return this.#parseRecord(creditCode, json.data);
    m.apiErrors.labels(endpoint, code === undefined ? 'bad_response' : String(code)).inc();
    if (code === 6002) return { found: false, creditCode, fetchedAt: this.#o.clock.now().toISOString() };
    if (code === 4001) this.#warnSkew(true);
    const retriable = code === undefined ? res.status >= 500 : RETRIABLE.has(code);
    throw new TryFailure(code === undefined ? 'bad_response' : String(code), retriable, String(json.message ?? `HTTP ${res.status}`), code);
  }

  #parseRecord(creditCode: string, data: unknown): LookupResult {
    const d = data as { creditCode?: string; companyName?: string; cases?: ProviderCase[] } | undefined;
    if (!d || typeof d.companyName !== 'string' || !Array.isArray(d.cases)) {
      this.#o.metrics.apiErrors.labels(QUERY_PATH, 'bad_response').inc();
      throw new TryFailure('bad_response', false, 'success answer without company data');
    }
    const cases: ArbitrationCase[] = d.cases.map((c) => ({
      caseNo: String(c.caseNo),
      title: String(c.title),
      filedDate: String(c.filedDate).slice(0, 10),
      amountFen: yuanToFen(c.amount),
      result: c.result === 'lose' ? 'lose' : 'win',
      executed: c.executed !== false,
    }));
    cases.sort((a, b) => (a.filedDate < b.filedDate ? 1 : a.filedDate > b.filedDate ? -1 : 0));
    return { found: true, record: { creditCode, companyName: d.companyName, cases, fetchedAt: this.#o.clock.now().toISOString() } };
  }

  #observeSkew(date: string | null) {
    if (!date) return;
    const t = Date.parse(date);
    if (Number.isNaN(t)) return;
    // The Date header has 1 s resolution: skews under 2 s are noise.
    const skew = Math.round((t - this.#o.clock.now().getTime()) / 1000);
    this.skewSeconds = Math.abs(skew) < 2 ? 0 : skew;
    this.#o.metrics.clockSkew.set(this.skewSeconds);
    this.#warnSkew(false);
  }

  #warnSkew(rejected: boolean) {
    if (Math.abs(this.skewSeconds) <= this.#o.skewWarnSeconds && !rejected) return;
    const now = Date.now();
    if (now - this.#lastSkewWarnAt < 60_000 && !rejected) return;
    this.#lastSkewWarnAt = now;
    this.#o.logger.warn(
      { skewSeconds: this.skewSeconds, limitSeconds: 300 },
      rejected
        ? 'arbitration provider rejected our signature (4001): check the clock (NTP) and the private key'
        : 'local clock differs from the arbitration provider; requests fail (4001) beyond ±300 s — check NTP',
    );
  }
}
