import { exec } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { Manifest } from './generate.ts';
import { checkInvariants } from './invariants.ts';
import { runLoad, type LoadResult, type Req } from './load.ts';
import { freePort, rssMiB, startServer, type Proc } from './processes.ts';
import { scenarios, TARGET_P99_MS } from './scenarios.ts';
import { ADMIN_URL, benchDatabaseUrl, benchKeys } from './setup.ts';

/**
 * Capacity and failure drills on a generated dataset (`npm run bench -- --scale medium` first, or any
 * earlier run: the manifest is reused). Each writes bench/results/<date>-<scale>-<drill>.{json,md}.
 *
 *   node src/drill.ts soak    --scale medium [--rate N] [--minutes 10]   85 % of the max sustainable rate
 *   node src/drill.ts db-kill --scale medium [--rate N]                  PostgreSQL backends terminated mid-load
 *   node src/drill.ts db-kill --scale medium --restart                   the PostgreSQL server itself restarted mid-load
 *   node src/drill.ts cluster --scale medium                             two server processes behind a round-robin proxy
 *
 * --rate defaults to 85 % of the sustainable mixed rate of the latest results file of the scale.
 */
const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    scale: { type: 'string', default: 'medium' },
    seed: { type: 'string', default: '20261123' },
    db: { type: 'string', default: 'dingban_bench' },
    'admin-url': { type: 'string', default: process.env.BENCH_ADMIN_URL ?? ADMIN_URL },
    rate: { type: 'string' },
    /** First (order, courier) pair the takes of the mixed workload offer (see bench --take-from). */
    'take-from': { type: 'string', default: '0' },
    minutes: { type: 'string', default: '10' },
    'window-seconds': { type: 'string', default: '60' },
    /**
     * db-kill: restart the PostgreSQL server (every process of the cluster) instead of terminating the bench
     * database's backends. Needs a cluster nobody else is using; the command is `$BENCH_PG_RESTART`
     * (default: Debian's `pg_ctlcluster <version> main restart -m fast`).
     */
    restart: { type: 'boolean', default: false },
  },
});
const drill = positionals[0];
if (!drill || !['soak', 'db-kill', 'cluster'].includes(drill)) throw new Error('usage: drill.ts soak|db-kill|cluster --scale <scale>');
const seed = Number(args.seed);
const benchDir = fileURLToPath(new URL('../', import.meta.url));
const dataDir = process.env.BENCH_DATA_DIR ?? join(tmpdir(), 'dingban-bench');
const manifest = JSON.parse(readFileSync(`${dataDir}/manifest-${args.scale}-${args.db}.json`, 'utf8')) as Manifest;
const dbUrl = benchDatabaseUrl(args['admin-url'], args.db);
const keys = benchKeys(seed);
const log = (msg: string) => console.log(`[drill ${new Date().toISOString().slice(11, 19)}] ${msg}`);
const sc = scenarios(manifest, { takeFrom: Number(args['take-from']) });
const summary = (r: LoadResult) =>
  `${r.throughput} req/s, p50 ${r.latencyMs.p50} p99 ${r.latencyMs.p99} ms, errors ${r.errors}, skipped ${r.skipped} ${JSON.stringify(r.statuses)}`;

/** The sustainable mixed rate recorded by the latest full run of this scale. */
function recordedSustainableRate(): number | null {
  const files = readdirSync(`${benchDir}results`)
    .filter((f) => f.endsWith(`-${args.scale}.json`))
    .sort();
  if (!files.length) return null;
  const r = JSON.parse(readFileSync(`${benchDir}results/${files.at(-1)}`, 'utf8')) as { capacity?: { sustainableRate?: number | null } };
  return r.capacity?.sustainableRate ?? null;
}

const serverEnv = (extra: Record<string, string> = {}) => ({
  DATABASE_URL: dbUrl,
  DATA_KEYS: keys.DATA_KEYS,
  INDEX_KEY: keys.INDEX_KEY,
  RATE_LIMIT_PER_MINUTE: '1000000',
  DATABASE_POOL_MAX: '20',
  ...extra,
});

const started = new Date();
const out: Record<string, unknown> = { drill, scale: args.scale, date: started.toISOString().slice(0, 10), loadAvgAtStart: loadavg() };
const md: string[] = [];
let ok = true;

if (drill === 'soak') await soak();
else if (drill === 'db-kill') await dbKill();
else await cluster();

const invariants = await checkInvariants(dbUrl);
out.invariants = invariants;
ok &&= invariants.ok;
md.push('', `Invariants after the drill: ${invariants.ok ? 'all hold' : '**BROKEN**'} — \`${JSON.stringify(invariants)}\``);
out.ok = ok;
const base = `${out.date as string}-${args.scale}-${drill}${drill === 'db-kill' && args.restart ? '-restart' : ''}`;
mkdirSync(`${benchDir}results`, { recursive: true });
writeFileSync(`${benchDir}results/${base}.json`, JSON.stringify(out, null, 2) + '\n');
writeFileSync(
  `${benchDir}results/${base}.md`,
  [
    `# Drill ${drill} — ${args.scale} scale, ${out.date as string}`,
    '',
    `Load average at start: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}.`,
    '',
    ...md,
    '',
  ].join('\n'),
);
log(`wrote bench/results/${base}.{json,md}; ${ok ? 'OK' : 'FAILED'}`);
process.exit(ok ? 0 : 1);

// ── soak: 85 % of the maximum sustainable mixed rate for N minutes ────────────────────────────────
async function soak(): Promise<void> {
  const sustainable = recordedSustainableRate();
  const rate = args.rate ? Number(args.rate) : Math.round((sustainable ?? 100) * 0.85);
  const minutes = Number(args.minutes);
  const windowS = Number(args['window-seconds']);
  const windows = Math.max(1, Math.round((minutes * 60) / windowS));
  log(`soak: mixed workload at ${rate} req/s for ${windows} × ${windowS} s (sustainable rate on record: ${sustainable ?? 'none'})`);
  const server = await startServer(serverEnv(), `${dataDir}/server`);
  const rows: { window: number; result: LoadResult; rssMiB: number | null }[] = [];
  try {
    await runLoad({ port: server.port, rate: Math.min(rate, 50), durationS: 5, connections: 32, next: sc.mixed.next }); // warm-up
    for (let k = 0; k < windows; k++) {
      const result = await runLoad({ port: server.port, rate, durationS: windowS, connections: 32, next: sc.mixed.next });
      rows.push({ window: k + 1, result, rssMiB: rssMiB(server.child.pid) });
      log(`window ${k + 1}/${windows}: ${summary(result)}, RSS ${rows.at(-1)!.rssMiB} MiB`);
      if (server.child.exitCode !== null) throw new Error('server exited during the soak');
    }
  } finally {
    out.serverExitCode = await server.stop();
  }
  const errors = rows.reduce((n, r) => n + r.result.errors + r.result.skipped, 0);
  const worstP99 = Math.max(...rows.map((r) => r.result.latencyMs.p99));
  // Memory is flat when the last third of the windows is not above the second third (by more than 10 %).
  const rss = rows.map((r) => r.rssMiB ?? 0);
  const third = Math.max(1, Math.floor(rss.length / 3));
  const mid = Math.max(...rss.slice(third, 2 * third || 1));
  const last = Math.max(...rss.slice(-third));
  const flat = last <= mid * 1.1;
  out.soak = { rate, sustainableOnRecord: sustainable, minutes, windowS, windows: rows, errors, worstP99, rss: { mid, last, flat } };
  ok = ok && errors === 0 && flat;
  md.push(
    `Mixed workload at **${rate} req/s** (${args.rate ? 'rate given with --rate' : `85 % of ${sustainable ?? 'no'} req/s sustainable on record`}) for ${minutes} min, windows of ${windowS} s.`,
    '',
    '| window | achieved req/s | p50 ms | p99 ms | errors | skipped | RSS MiB |',
    '|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.window} | ${r.result.throughput} | ${r.result.latencyMs.p50} | ${r.result.latencyMs.p99} | ${r.result.errors} | ${r.result.skipped} | ${r.rssMiB ?? '?'} |`,
    ),
    '',
    `Errors ${errors} (target 0); worst window p99 ${worstP99} ms (target ${TARGET_P99_MS.single} ms: ${worstP99 <= TARGET_P99_MS.single ? 'met' : 'missed'}); ` +
      `memory ${flat ? 'flat' : '**growing**'} (max RSS middle third ${mid} MiB, last third ${last} MiB); server exit code ${String(out.serverExitCode)}.`,
  );
}

// ── db-kill: every backend of the bench database terminated, repeatedly, while the load runs ──────
async function dbKill(): Promise<void> {
  const rate = args.rate ? Number(args.rate) : 60;
  const totalS = 40;
  const killFromS = 10;
  const killForS = 5;
  log(
    args.restart
      ? `db-kill: mixed at ${rate} req/s for ${totalS} s; PostgreSQL restarted at ${killFromS} s`
      : `db-kill: mixed at ${rate} req/s for ${totalS} s; backends terminated every 250 ms from ${killFromS} s for ${killForS} s`,
  );
  const server = await startServer(serverEnv(), `${dataDir}/server`);
  const takes: { orderId: string; courierToken: string }[] = [];
  const probes: { t: number; status: number | 'down' }[] = [];
  let terminated = 0;
  let restartMs: number | null = null;
  const t0 = performance.now();
  const admin = new pg.Client({ connectionString: args['admin-url'] });
  await admin.connect();
  let result: LoadResult;
  try {
    const load = runLoad({
      port: server.port,
      rate,
      durationS: totalS,
      connections: 32,
      next: sc.mixed.next,
      onResult: (req: Req, status: string) => {
        const m = /^\/api\/v1\/orders\/([^/]+)\/take$/.exec(req.path);
        if (m && status === '200') takes.push({ orderId: m[1]!, courierToken: req.headers?.authorization ?? '' });
      },
    });
    const probe = (async () => {
      while (performance.now() - t0 < totalS * 1000 + 10_000) {
        const t = Math.round(performance.now() - t0);
        try {
          const r = await fetch(`http://127.0.0.1:${server.port}/health/ready`, { signal: AbortSignal.timeout(3000) });
          probes.push({ t, status: r.status });
        } catch {
          probes.push({ t, status: 'down' });
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    await new Promise((r) => setTimeout(r, killFromS * 1000));
    const killUntil = performance.now() + killForS * 1000;
    if (args.restart) {
      await admin.end().catch(() => {});
      const t = performance.now();
      // Asynchronously: the load and the readiness probes go on while PostgreSQL is down.
      await promisify(exec)(restartCommand());
      restartMs = Math.round(performance.now() - t);
      log(`PostgreSQL restarted in ${restartMs} ms`);
    }
    while (!args.restart && performance.now() < killUntil) {
      const r = await admin.query(
        `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
        [args.db],
      );
      terminated += (r.rows[0] as { n: number }).n;
      await new Promise((r2) => setTimeout(r2, 250));
    }
    result = await load;
    await probe;
  } finally {
    if (!args.restart) await admin.end();
    out.serverExitCode = await server.stop();
    if (out.serverExitCode !== 0) log(`server output:\n${server.stderrTail.join('').slice(-4000)}`);
  }
  // Nothing committed is lost: every take the platform answered 200 is in the database with a courier.
  const c = new pg.Client({ connectionString: dbUrl });
  await c.connect();
  let lost = 0;
  try {
    for (const tk of takes) {
      const r = await c.query(`SELECT courier_id FROM orders WHERE id = $1`, [tk.orderId]);
      if (!(r.rows[0] as { courier_id: string | null } | undefined)?.courier_id) lost++;
    }
  } finally {
    await c.end();
  }
  const killStart = killFromS * 1000;
  const killEnd = (killFromS + (args.restart ? (restartMs ?? 0) / 1000 : killForS)) * 1000;
  const notReady = probes.filter((p) => p.status !== 200);
  const lastBad = notReady.at(-1)?.t ?? null;
  const recoveredAfterMs = lastBad === null ? 0 : Math.max(0, lastBad + 250 - killEnd);
  const bad5xx = Object.entries(result.statuses)
    .filter(([s]) => s.startsWith('5') && s !== '503')
    .reduce((n, [, k]) => n + k, 0);
  out.dbKill = {
    rate,
    mode: args.restart ? 'restart' : 'terminate',
    restartMs,
    terminated,
    result,
    probes,
    takesAcknowledged: takes.length,
    takesLost: lost,
    recoveredAfterMs,
    bad5xx,
  };
  ok = ok && lost === 0 && notReady.length > 0 && probes.at(-1)?.status === 200 && out.serverExitCode === 0 && result.retryAfterOnShed;
  md.push(
    args.restart
      ? `Mixed workload at ${rate} req/s for ${totalS} s; at ${killFromS} s the PostgreSQL server was restarted (\`${restartCommand()}\`, ${restartMs} ms): every connection dropped, the server down until it accepted connections again.`
      : `Mixed workload at ${rate} req/s for ${totalS} s; from ${killFromS} s to ${killFromS + killForS} s every backend of the database was terminated every 250 ms (${terminated} backends in all).`,
    '',
    `- Load: ${summary(result)}; answers other than 2xx/503: ${bad5xx}; 503s carry Retry-After: ${result.retryAfterOnShed ? 'yes' : 'NO'}.`,
    `- /health/ready polled every 250 ms: ${notReady.length} not-ready answers (first at ${notReady[0]?.t ?? '—'} ms, last at ${lastBad ?? '—'} ms; outage ${killStart}–${killEnd} ms); ready again ${recoveredAfterMs} ms after the terminations stopped; last answer ${String(probes.at(-1)?.status)}.`,
    `- Nothing committed lost: ${takes.length} takes answered 200, ${lost} of them missing in the database.`,
    `- Server exit code after SIGTERM: ${String(out.serverExitCode)}.`,
  );
}

/** How to restart the PostgreSQL server for `db-kill --restart`. */
function restartCommand(): string {
  if (process.env.BENCH_PG_RESTART) return process.env.BENCH_PG_RESTART;
  const version = readdirSync('/etc/postgresql').sort().at(-1);
  if (!version) throw new Error('no Debian PostgreSQL cluster found: set BENCH_PG_RESTART to the restart command');
  return `pg_ctlcluster --skip-systemctl-redirect ${version} main restart -m fast`;
}

// ── cluster: two server processes behind a round-robin TCP proxy ───────────────────────────────────
async function cluster(): Promise<void> {
  const a = await startServer(serverEnv(), `${dataDir}/server-a`);
  const b = await startServer(serverEnv(), `${dataDir}/server-b`);
  const proxy = await roundRobin([a.port, b.port]);
  const rows: { name: string; target: string; result: LoadResult }[] = [];
  const measure = async (name: string, target: string, port: number, next: (i: number) => Req | undefined) => {
    await runLoad({ port, durationS: 2, connections: 32, next }); // warm-up
    const result = await runLoad({ port, durationS: 15, connections: 32, next });
    rows.push({ name, target, result });
    log(`${name} via ${target}: ${summary(result)}`);
  };
  let race = { orders: 0, bothAnswered200: 0, exactlyOne: 0, none: 0 };
  try {
    for (const [name, next] of [
      ['wallet_balance', sc.walletBalance.next],
      ['order_detail', sc.orderDetail.next],
      ['market_query', sc.market.next],
    ] as const) {
      await measure(name, 'one process', a.port, next);
      await measure(name, 'two processes (proxy)', proxy.port, next);
    }
    race = await takeRace([a, b]);
    log(`take race across processes: ${JSON.stringify(race)}`);
  } finally {
    proxy.server.close();
    out.serverExitCodes = [await a.stop(), await b.stop()];
  }
  out.cluster = { rows, race };
  ok = ok && race.bothAnswered200 === 0 && race.none === 0;
  md.push(
    'Two server processes (workers on in both, one PostgreSQL) behind a round-robin TCP proxy in the bench process, against one process directly; closed loop, 32 connections, 15 s each.',
    '',
    '| scenario | target | req/s | p50 ms | p99 ms | errors |',
    '|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.target} | ${r.result.throughput} | ${r.result.latencyMs.p50} | ${r.result.latencyMs.p99} | ${r.result.errors} |`,
    ),
    '',
    `Correctness across processes: ${race.orders} published orders each taken at the same moment by two couriers, one request to each process — ` +
      `exactly one winner for ${race.exactlyOne}, two winners for ${race.bothAnswered200}, none for ${race.none}. Exit codes ${JSON.stringify(out.serverExitCodes)}.`,
  );
}

/** A TCP proxy handing each new connection to the next backend in turn. */
async function roundRobin(ports: number[]): Promise<{ server: Server; port: number }> {
  let k = 0;
  const server = createServer((client: Socket) => {
    const upstream = connect(ports[k++ % ports.length]!, '127.0.0.1');
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end);
    upstream.on('error', end);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, port };
}

/** Each of the last published orders is taken by two couriers at once, one request per process. */
async function takeRace(procs: Proc[]): Promise<{ orders: number; bothAnswered200: number; exactlyOne: number; none: number }> {
  const n = Math.min(40, Math.floor(manifest.couriers.length / 2), manifest.takeable.length);
  const orders = manifest.takeable.slice(-n);
  const res = { orders: n, bothAnswered200: 0, exactlyOne: 0, none: 0 };
  for (let i = 0; i < n; i++) {
    const couriers = [manifest.couriers.at(-1 - 2 * i)!, manifest.couriers.at(-2 - 2 * i)!];
    const answers = await Promise.all(
      procs.map((p, j) =>
        fetch(`http://127.0.0.1:${p.port}/api/v1/orders/${orders[i]!}/take`, {
          method: 'POST',
          headers: { authorization: `Bearer ${couriers[j]!.token}` },
        }).then((r) => r.status),
      ),
    );
    const wins = answers.filter((s) => s === 200).length;
    if (wins === 2) res.bothAnswered200++;
    else if (wins === 1) res.exactlyOne++;
    else res.none++;
  }
  return res;
}
