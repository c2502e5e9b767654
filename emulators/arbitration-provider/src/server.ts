import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createPublicKey, randomUUID, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { isValidCreditCode } from './credit-code.ts';
import { seededRandom, syntheticCompany, type ArbitrationCase, type CompanyRecord } from './dataset.ts';

/**
 * The labor-arbitration data provider (劳动仲裁信息查询), emulated over real HTTP: the platform's client
 * talks to it exactly as it would to the real provider. Protocol: docs/arbitration-provider.md.
 * It imports nothing from the server: it is the outside world.
 */

/** The permission a partner app needs to call the query endpoint. */
export const QUERY_PERMISSION = 'arbitration:query';

/** A partner app registered with the provider: its RSA public key and its permission package. */
export interface AppRegistration {
  appId: string;
  publicKeyPem: string;
  permissions: string[];
}

/** Fault-injection switches, changeable at run time through `PUT /admin/faults`. */
export interface Faults {
  /** Added delay before every answer to the query endpoint. */
  latencyMs: number;
  /** Probability (0–1) that a valid, authenticated query answers 5001 busy. */
  busyRate: number;
  /** `reset`: the connection is dropped; `http502`: a gateway error page instead of JSON. */
  outage: 'none' | 'reset' | 'http502';
  /** The next `count` authenticated queries fail with `code` (deterministic faults for tests). */
  failNext: { code: 5001 | 4003 | 6002; count: number }[];
}

export interface ProviderStats {
  /** Requests that reached the query endpoint. */
  requests: number;
  /** Answers by provider code (0 = success). */
  byCode: Record<string, number>;
  /** Authenticated queries per credit code. */
  byCreditCode: Record<string, number>;
  /** Queries being answered now, and the most at once since the last reset (a client's concurrency limit shows here). */
  inFlight: number;
  maxInFlight: number;
}

export interface ProviderOptions {
  /** Seed of the synthetic data set: the same seed always gives the same companies and cases. */
  seed?: string;
  apps?: AppRegistration[];
  /** Registers the dev app `dingban-dev` with the key pair in dev-keys/ (default true). */
  devApp?: boolean;
  /** The provider's clock (tests inject the platform's manual clock). */
  now?: () => Date;
  /** Randomness for the busy rate (seeded by default, so runs repeat). */
  random?: () => number;
  /** Allowed difference between X-Timestamp and the provider's clock, seconds (default 300). */
  maxSkewSeconds?: number;
  /** The day the synthetic case histories end (default: the provider clock at start-up). */
  asOf?: Date;
}

const DEV_APP_ID = 'dingban-dev';
const devPublicKeyPem = () => readFileSync(new URL('../dev-keys/dingban-dev.pub.pem', import.meta.url), 'utf8');

const MESSAGES: Record<number, string> = {
  0: 'OK',
  4001: 'signature verification failed',
  4003: 'permission denied',
  5001: 'system busy, retry later',
  6002: 'company not found',
};

/** Reads JSON apps from a file or an env string: `[{ appId, publicKeyPem | publicKeyFile, permissions }]`. */
export function parseApps(json: string): AppRegistration[] {
  const raw = JSON.parse(json) as { appId: string; publicKeyPem?: string; publicKeyFile?: string; permissions?: string[] }[];
  return raw.map((a) => ({
    appId: a.appId,
    publicKeyPem: a.publicKeyPem ?? readFileSync(a.publicKeyFile!, 'utf8'),
    permissions: a.permissions ?? [QUERY_PERMISSION],
  }));
}

export interface ArbitrationProvider {
  server: Server;
  /** Listens (port 0 = any free port) and returns the base URL. */
  listen(port?: number, host?: string): Promise<string>;
  close(): Promise<void>;
  readonly faults: Faults;
  readonly stats: ProviderStats;
  setFaults(f: Partial<Faults>): void;
  /** Replaces a company's record (fixture), or makes it unknown (`null` → 6002). */
  setCompany(creditCode: string, record: { companyName: string; cases: ArbitrationCase[] } | null): void;
  registerApp(app: AppRegistration): void;
  /** What the provider would answer for a code (for tests and the admin page). */
  company(creditCode: string): CompanyRecord | undefined;
}

/** Builds the provider's HTTP server. Nothing listens until `listen` is called. */
export function createArbitrationProvider(opts: ProviderOptions = {}): ArbitrationProvider {
  const seed = opts.seed ?? 'dingban';
  const now = opts.now ?? (() => new Date());
  const random = opts.random ?? seededRandom(`${seed}:faults`);
  const maxSkew = opts.maxSkewSeconds ?? 300;
  const asOf = opts.asOf ?? now();
  const apps = new Map<string, { key: KeyObject; permissions: Set<string> }>();
  const registerApp = (a: AppRegistration) => {
    apps.set(a.appId, { key: createPublicKey(a.publicKeyPem), permissions: new Set(a.permissions) });
  };
  if (opts.devApp !== false) registerApp({ appId: DEV_APP_ID, publicKeyPem: devPublicKeyPem(), permissions: [QUERY_PERMISSION] });
  for (const a of opts.apps ?? []) registerApp(a);

  const fixtures = new Map<string, CompanyRecord | null>();
  const company = (code: string): CompanyRecord | undefined => {
    if (fixtures.has(code)) return fixtures.get(code) ?? undefined;
    return syntheticCompany(seed, code, asOf);
  };

  // Nonces seen within the replay window (2 × skew), swept as they age out.
  const nonces = new Map<string, number>();
  const sweepNonces = (t: number) => {
    for (const [n, exp] of nonces) if (exp <= t) nonces.delete(n);
  };

  const faults: Faults = { latencyMs: 0, busyRate: 0, outage: 'none', failNext: [] };
  const stats: ProviderStats = { requests: 0, byCode: {}, byCreditCode: {}, inFlight: 0, maxInFlight: 0 };

  const send = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
      date: now().toUTCString(),
    });
    res.end(text);
  };
  const answer = (res: ServerResponse, code: number, data?: unknown, detail?: string) => {
    stats.byCode[code] = (stats.byCode[code] ?? 0) + 1;
    const status = code === 0 ? 200 : code === 4001 ? 401 : code === 4003 ? 403 : code === 5001 ? 503 : 404;
    send(res, status, {
      code,
      message: detail ? `${MESSAGES[code]}: ${detail}` : MESSAGES[code],
      requestId: randomUUID(),
      ...(data === undefined ? {} : { data }),
    });
  };

  const readBody = (req: IncomingMessage): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > 64 * 1024) {
          reject(new Error('body too large'));
          req.destroy();
        } else chunks.push(c);
      });
      req.on('end', () => resolve(Buffer.concat(chunks)));
      req.on('error', reject);
    });

  const header = (req: IncomingMessage, name: string): string | undefined => {
    const v = req.headers[name];
    return Array.isArray(v) ? v[0] : v;
  };

  async function query(req: IncomingMessage, res: ServerResponse) {
    stats.requests++;
    if (faults.outage === 'reset') {
      req.socket.destroy();
      return;
    }
    const body = await readBody(req);
    if (faults.latencyMs > 0) await new Promise((r) => setTimeout(r, faults.latencyMs));
    if (faults.outage === 'http502') {
      res.writeHead(502, { 'content-type': 'text/html', date: now().toUTCString() });
      res.end('<html><body><h1>502 Bad Gateway</h1></body></html>');
      return;
    }
    const appId = header(req, 'x-app-id');
    const ts = header(req, 'x-timestamp');
    const nonce = header(req, 'x-nonce');
    const sig = header(req, 'x-signature');
    if (!appId || !ts || !nonce || !sig) return answer(res, 4001, undefined, 'missing X-App-Id, X-Timestamp, X-Nonce or X-Signature');
    const app = apps.get(appId);
    if (!app) return answer(res, 4001, undefined, `unknown app ${appId}`);
    const t = now().getTime();
    if (!/^\d{1,12}$/.test(ts) || Math.abs(Number(ts) * 1000 - t) > maxSkew * 1000) {
      return answer(res, 4001, undefined, `timestamp outside ±${maxSkew} s of provider time ${Math.floor(t / 1000)}`);
    }
    if (!/^[\w-]{16,64}$/.test(nonce)) return answer(res, 4001, undefined, 'X-Nonce must be 16–64 characters [A-Za-z0-9_-]');
    // The signature covers the timestamp, the nonce and the exact body bytes, so none can be swapped.
    const message = Buffer.concat([Buffer.from(`${ts}\n${nonce}\n`, 'utf8'), body]);
    let ok = false;
    try {
      ok = verify('sha256', message, app.key, Buffer.from(sig, 'base64'));
    } catch {
      ok = false;
    }
    if (!ok) return answer(res, 4001, undefined, 'signature does not match the request');
    sweepNonces(t);
    const nonceKey = `${appId}:${nonce}`;
    if (nonces.has(nonceKey)) return answer(res, 4001, undefined, 'nonce already used (replay)');
    nonces.set(nonceKey, t + 2 * maxSkew * 1000);
    if (!app.permissions.has(QUERY_PERMISSION)) return answer(res, 4003, undefined, `app ${appId} lacks ${QUERY_PERMISSION}`);

    let parsed: { creditCode?: unknown };
    try {
      parsed = JSON.parse(body.toString('utf8')) as { creditCode?: unknown };
    } catch {
      return answer(res, 6002, undefined, 'body is not JSON {"creditCode": ...}');
    }
    const code = typeof parsed.creditCode === 'string' ? parsed.creditCode.trim().toUpperCase() : '';
    stats.byCreditCode[code] = (stats.byCreditCode[code] ?? 0) + 1;

    const forced = faults.failNext[0];
    if (forced) {
      forced.count--;
      if (forced.count <= 0) faults.failNext.shift();
      return answer(res, forced.code);
    }
    if (faults.busyRate > 0 && random() < faults.busyRate) return answer(res, 5001);
    if (!isValidCreditCode(code)) return answer(res, 6002, undefined, 'not a valid unified social credit code (GB 32100)');
    const rec = company(code);
    if (!rec) return answer(res, 6002);
    const totalAmount = rec.cases.reduce((s, c) => s + Math.round(Number(c.amount) * 100), 0);
    return answer(res, 0, {
      creditCode: rec.creditCode,
      companyName: rec.companyName,
      caseCount: rec.cases.length,
      totalAmount: (totalAmount / 100).toFixed(2),
      cases: rec.cases,
      queriedAt: now().toISOString(),
    });
  }

  async function admin(req: IncomingMessage, res: ServerResponse, path: string) {
    const body = await readBody(req);
    const json = () => (body.length ? JSON.parse(body.toString('utf8')) : {});
    if (req.method === 'GET' && path === '/admin/state') return send(res, 200, { faults, stats });
    if (req.method === 'PUT' && path === '/admin/faults') {
      api.setFaults(json() as Partial<Faults>);
      return send(res, 200, { faults });
    }
    if (req.method === 'POST' && path === '/admin/reset') {
      Object.assign(faults, { latencyMs: 0, busyRate: 0, outage: 'none', failNext: [] });
      Object.assign(stats, { requests: 0, byCode: {}, byCreditCode: {}, inFlight: 0, maxInFlight: 0 });
      return send(res, 200, { faults, stats });
    }
    const m = /^\/admin\/companies\/([0-9A-Z]{18})$/.exec(path);
    if (m) {
      const code = m[1]!;
      if (req.method === 'GET') return send(res, 200, { company: company(code) ?? null });
      if (req.method === 'PUT') {
        api.setCompany(code, json() as { companyName: string; cases: ArbitrationCase[] });
        return send(res, 200, { company: company(code) });
      }
      if (req.method === 'DELETE') {
        api.setCompany(code, null);
        return send(res, 200, { company: null });
      }
    }
    const a = /^\/admin\/apps\/([\w.-]{1,64})$/.exec(path);
    if (a && req.method === 'PUT') {
      const b = json() as { publicKeyPem: string; permissions?: string[] };
      api.registerApp({ appId: a[1]!, publicKeyPem: b.publicKeyPem, permissions: b.permissions ?? [QUERY_PERMISSION] });
      return send(res, 200, { appId: a[1] });
    }
    return send(res, 404, { error: 'no such admin endpoint' });
  }

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const run = async () => {
      if (path === '/v1/arbitration/query') {
        if (req.method !== 'POST') return send(res, 405, { code: 405, message: 'use POST' });
        stats.inFlight++;
        stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
        try {
          return await query(req, res);
        } finally {
          stats.inFlight--;
        }
      }
      if (path === '/health') return send(res, 200, { status: 'ok' });
      if (path.startsWith('/admin/')) return admin(req, res, path);
      return send(res, 404, { code: 404, message: 'not found' });
    };
    run().catch((err: unknown) => {
      if (!res.headersSent) send(res, 400, { code: 400, message: String((err as Error).message ?? err) });
      else res.destroy();
    });
  });

  const api: ArbitrationProvider = {
    server,
    faults,
    stats,
    listen(port = 0, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          const addr = server.address() as AddressInfo;
          resolve(`http://${host.includes(':') ? `[${host}]` : host}:${addr.port}`);
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
    setFaults(f) {
      if (f.latencyMs !== undefined) faults.latencyMs = Math.max(0, Math.min(60_000, Number(f.latencyMs) || 0));
      if (f.busyRate !== undefined) faults.busyRate = Math.max(0, Math.min(1, Number(f.busyRate) || 0));
      if (f.outage !== undefined) faults.outage = ['reset', 'http502'].includes(f.outage) ? f.outage : 'none';
      if (f.failNext !== undefined) faults.failNext = f.failNext.map((x) => ({ code: x.code, count: x.count }));
    },
    setCompany(code, record) {
      fixtures.set(code, record ? { creditCode: code, companyName: record.companyName, cases: record.cases } : null);
    },
    registerApp,
    company,
  };
  return api;
}
