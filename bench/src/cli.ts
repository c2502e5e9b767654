import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { generate, SCALES, type Manifest } from './generate.ts';
import { explainMarket } from './explain.ts';
import { checkInvariants } from './invariants.ts';
import { runLoad, type LoadResult } from './load.ts';
import { startHello, startServer, rssMiB } from './processes.ts';
import { chartSvg, markdown, type RunResults, type ScenarioRun } from './report.ts';
import { ANALYSIS_QUERIES, scenarios, TARGET_P99_MS, type Scenario } from './scenarios.ts';
import { ADMIN_URL, benchDatabaseUrl, benchKeys, dropDatabase, recreateDatabase } from './setup.ts';
import { ensureOpsSession } from './staff.ts';
import { openDatabase } from '../../server/src/platform/db.ts';
import { migrate } from '../../server/src/platform/migrate.ts';

/**
 * `npm run bench -- --scale small|medium|large [--quick] [--seed N] [--reuse] [--keep] [--smoke]`
 * Generates the dataset into a dedicated database, starts the platform and a hello-world reference,
 * runs the scenarios, checks the invariants, and writes bench/results/<date>-<scale>.{json,md,svg}.
 * --smoke: CI mode (quick durations, results to $BENCH_DATA_DIR (default /tmp/dingban-bench), fails only on broken harness or invariants).
 * --drop: only drop the bench database. --profile: the server writes a V8 CPU profile to $BENCH_DATA_DIR/prof.
 * --only <scenario>: just that scenario at maximum throughput (with --profile: where its time goes).
 * --generate-only: make the dataset and its manifest and stop (then run with --reuse, e.g. on a quieter machine).
 */
const { values: args } = parseArgs({
  options: {
    scale: { type: 'string', default: 'small' },
    seed: { type: 'string', default: '20261123' },
    quick: { type: 'boolean', default: false },
    smoke: { type: 'boolean', default: false },
    reuse: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    'admin-url': { type: 'string', default: process.env.BENCH_ADMIN_URL ?? ADMIN_URL },
    db: { type: 'string', default: 'dingban_bench' },
    'max-rate': { type: 'string' },
    /** First (order, courier) pair the take scenario offers: past the pairs an earlier run on this dataset used. */
    'take-from': { type: 'string' },
    drop: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    only: { type: 'string' },
    pglite: { type: 'boolean', default: false },
    /** Generate (or regenerate) the dataset and its manifest, then stop: later runs take it with --reuse. */
    'generate-only': { type: 'boolean', default: false },
    connections: { type: 'string' },
    /** Extra environment for the server under test, KEY=VALUE (repeatable), e.g. SESSION_CACHE_SECONDS=0. */
    'server-env': { type: 'string', multiple: true },
  },
});

if (args.drop) {
  await dropDatabase(args['admin-url'], args.db);
  process.exit(0);
}
const scale = SCALES[args.scale];
if (!scale) throw new Error(`unknown scale ${args.scale} (small, medium, large)`);
const seed = Number(args.seed);
const quick = args.quick || args.smoke;
const benchDir = fileURLToPath(new URL('../', import.meta.url));
// Scratch (manifests, smoke results, profiles) outside the repository, so lint never sees it.
const dataDir = process.env.BENCH_DATA_DIR ?? join(tmpdir(), 'dingban-bench');
mkdirSync(dataDir, { recursive: true });
const log = (msg: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);
const keys = benchKeys(seed);
// --pglite: the reference run on embedded PGlite (no PostgreSQL): dataset, server and checks on one data dir.
const pgliteDir = args.pglite ? `${dataDir}/pglite-${scale.name}` : null;
const manifestFile = `${dataDir}/manifest-${scale.name}-${pgliteDir ? 'pglite' : args.db}.json`;
const deadline = Date.now() + (args.smoke ? 170_000 : 3_600_000);

// ── dataset ───────────────────────────────────────────────────────────────────────────────────
let manifest: Manifest;
let dbUrl = pgliteDir ? `pglite:${pgliteDir}` : benchDatabaseUrl(args['admin-url'], args.db);
if (args.reuse) {
  manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest;
  log(`reusing ${args.db} (${JSON.stringify(manifest.counts)})`);
} else if (pgliteDir) {
  log(`recreating PGlite data dir ${pgliteDir} and migrating`);
  rmSync(pgliteDir, { recursive: true, force: true });
  const database = await openDatabase({ dataDir: pgliteDir });
  try {
    await migrate(database.db);
    manifest = await generate({ pool: database.pool, scale, seed, keyring: keys.keyring, log: (m) => log(`  ${m}`) });
  } finally {
    await database.close();
  }
  writeFileSync(manifestFile, JSON.stringify(manifest));
  log(`generated in ${manifest.loadSeconds.toFixed(1)} s: ${JSON.stringify(manifest.counts)}`);
} else {
  log(`recreating database ${args.db} and migrating`);
  dbUrl = await recreateDatabase(args['admin-url'], args.db);
  log(`generating scale ${scale.name} from seed ${seed}`);
  manifest = await generate({ databaseUrl: dbUrl, scale, seed, keyring: keys.keyring, log: (m) => log(`  ${m}`) });
  writeFileSync(manifestFile, JSON.stringify(manifest));
  log(`generated in ${manifest.loadSeconds.toFixed(1)} s: ${JSON.stringify(manifest.counts)}`);
}

if (args['generate-only']) process.exit(0);

const pgVersion = await (async () => {
  if (pgliteDir) return 'PGlite (embedded, WASM)';
  const c = new pg.Client({ connectionString: dbUrl });
  await c.connect();
  try {
    return (await c.query<{ v: string }>(`SELECT current_setting('server_version') AS v`)).rows[0]!.v;
  } finally {
    await c.end();
  }
})();

const dur = (full: number, smoke: number) => (quick ? smoke : full);
const CONNS = 32;

const opsToken = await (async () => {
  if (!pgliteDir) return ensureOpsSession(dbUrl, seed, keys.keyring);
  const database = await openDatabase({ dataDir: pgliteDir });
  try {
    return await ensureOpsSession(database.pool, seed, keys.keyring);
  } finally {
    await database.close();
  }
})();

// ── reference: bare Fastify hello-world ───────────────────────────────────────────────────────
log('hello-world reference');
const hello = await startHello();
let helloResult: LoadResult;
try {
  await runLoad({ port: hello.port, connections: CONNS, durationS: 1, next: () => ({ method: 'GET', path: '/' }) });
  helloResult = await runLoad({ port: hello.port, connections: CONNS, durationS: dur(10, 3), next: () => ({ method: 'GET', path: '/' }) });
} finally {
  await hello.stop();
}
log(`hello-world: ${helloResult.throughput} req/s`);

// ── the platform ──────────────────────────────────────────────────────────────────────────────
const server = await startServer(
  {
    // PGlite: no DATABASE_URL; production refuses to start without one, so the reference runs as development.
    ...(pgliteDir ? { NODE_ENV: 'development' } : { DATABASE_URL: dbUrl }),
    DATA_KEYS: keys.DATA_KEYS,
    INDEX_KEY: keys.INDEX_KEY,
    RATE_LIMIT_PER_MINUTE: '1000000',
    DATABASE_POOL_MAX: '20',
    ...Object.fromEntries((args['server-env'] ?? []).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])),
    ...(args.profile ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${dataDir}/prof` } : {}),
  },
  pgliteDir ?? `${dataDir}/server`,
);
const rssStart = rssMiB(server.child.pid);
log(`server up on ${server.port} (RSS ${rssStart} MiB)`);
const sc = scenarios(manifest, { opsToken, takeFrom: Number(args['take-from'] ?? 0) });
// The analysis rollups: the first refresh computes everything (the server's minute job would otherwise
// do it in the middle of the first scenarios); timed, with an incremental one after the run.
const refreshRollups = async (): Promise<number> => {
  const t = performance.now();
  const r = await fetch(`http://127.0.0.1:${server.port}/api/v1/stats/platform/refresh`, {
    method: 'POST',
    headers: { authorization: `Bearer ${opsToken}` },
  });
  if (!r.ok) throw new Error(`rollup refresh failed: ${r.status} ${await r.text()}`);
  return Math.round(performance.now() - t);
};
const rollups: NonNullable<RunResults['rollups']> = { firstRefreshMs: await refreshRollups(), incrementalRefreshMs: null };
log(`rollups refreshed in ${rollups.firstRefreshMs} ms`);
const runs: ScenarioRun[] = [];
const ratio = (r: LoadResult) => Math.round((r.throughput / helloResult.throughput) * 1000) / 1000;

async function run(s: Scenario, o: { rate?: number; durationS: number; connections?: number }, into = runs): Promise<ScenarioRun> {
  if (Date.now() > deadline) throw new Error('bench time budget exceeded');
  const result = await runLoad({
    port: server.port,
    rate: o.rate,
    durationS: o.durationS,
    connections: o.connections ?? CONNS,
    next: s.next,
  });
  const r: ScenarioRun = {
    scenario: s.name,
    class: s.class,
    note: s.note,
    targetP99Ms: TARGET_P99_MS[s.class],
    result,
    ratioToHello: ratio(result),
  };
  into.push(r);
  log(
    `${s.name.padEnd(18)} ${o.rate ? `${o.rate} req/s` : 'max'}: ${result.throughput} req/s, p50 ${result.latencyMs.p50} p99 ${result.latencyMs.p99} ms, ` +
      `errors ${result.errors}${result.skipped ? `, skipped ${result.skipped}` : ''} ${JSON.stringify(result.statuses)}`,
  );
  if (server.child.exitCode !== null)
    throw new Error(`server exited (${server.child.exitCode}):\n${server.stderrTail.join('').slice(-3000)}`);
  return r;
}

const steps = (top: number, n: number) => Array.from({ length: n }, (_, k) => Math.max(5, Math.round((top * (k + 1)) / n)));
const maxRate = args['max-rate'] ? Number(args['max-rate']) : quick ? 100 : 500;
let capacity: number | null = null;
/** Highest mixed step served in full (≥ 95 % of the offered rate, nothing skipped, no errors), whatever the latency. */
let sustainable: number | null = null;
const overload: ScenarioRun[] = [];
let recovery: ScenarioRun | null = null;
const analysis: RunResults['analysis'] = [];
const explain: Record<string, string> = {};
let exitCode: number | null = null;
const jobDrain: RunResults['jobDrain'] = { backlogAtEnd: null, remaining: null, seconds: null };
try {
  // Warm-up (JIT, pool, caches) — not recorded.
  await runLoad({ port: server.port, rate: 50, durationS: dur(3, 1), connections: CONNS, next: sc.mixed.next });

  const only = args.only
    ? (Object.values(sc).find((x) => typeof x === 'object' && x.name === args.only) as Scenario | undefined)
    : undefined;
  if (args.only && !only) throw new Error(`unknown scenario ${args.only}`);
  if (only) await run(only, { durationS: dur(15, 3), connections: args.connections ? Number(args.connections) : CONNS });
  else await fullRun();
} finally {
  // Let queued jobs (notifications, subscribers) drain before stopping, bounded; record how long it took.
  const drainStart = Date.now();
  // (PGlite: one process owns the data dir — the backlog is read after the server stopped.)
  for (; !pgliteDir;) {
    const inv = await checkInvariants(dbUrl);
    if (jobDrain.backlogAtEnd === null) jobDrain.backlogAtEnd = inv.outboxBacklog;
    jobDrain.remaining = inv.outboxBacklog;
    if (inv.outboxBacklog === 0 || Date.now() - drainStart > (quick ? 30_000 : 120_000)) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  jobDrain.seconds = Math.round((Date.now() - drainStart) / 100) / 10;
  log(`job backlog after load: ${jobDrain.backlogAtEnd}, ${jobDrain.remaining} left after ${jobDrain.seconds} s`);
  exitCode = await server.stop();
}
const rssMax = Math.max(...server.rss, rssStart ?? 0);
const rssEnd = server.rss.at(-1) ?? null;
log(`server stopped (exit ${exitCode}); checking invariants`);
const invariants = await checkInvariants(dbUrl);
if (pgliteDir) jobDrain.backlogAtEnd = jobDrain.remaining = invariants.outboxBacklog;
log(`invariants: ${invariants.ok ? 'OK' : 'FAILED'} ${JSON.stringify(invariants)}`);

const date = new Date().toISOString().slice(0, 10);
const results: RunResults = {
  date,
  scale: scale.name,
  seed,
  quick,
  machine: { cpus: cpus().length, node: process.versions.node, postgres: `PostgreSQL ${pgVersion}`, loadAvg: loadavg() },
  dataset: manifest.counts,
  generateSeconds: manifest.loadSeconds,
  hello: helloResult,
  runs,
  analysis,
  rollups,
  capacity: {
    mixedRate: capacity,
    sustainableRate: sustainable,
    note: quick
      ? 'quick durations (2 s steps) — indicative only'
      : 'steps of 10 s; the 10-minute soak at 85 % is a separate drill (node src/drill.ts soak)',
  },
  overload,
  recovery,
  serverRssMiB: { start: rssStart, max: Number.isFinite(rssMax) ? rssMax : null, end: rssEnd },
  serverExitCode: exitCode,
  jobDrain,
  invariants,
  explain,
};
const outDir = args.smoke || args.only ? dataDir : `${benchDir}results`;
mkdirSync(outDir, { recursive: true });
const base = `${date}-${scale.name}${pgliteDir ? '-pglite' : ''}`;
writeFileSync(`${outDir}/${base}.json`, JSON.stringify(results, null, 2) + '\n');
writeFileSync(`${outDir}/${base}.svg`, chartSvg([...runs, ...overload], `p99 latency vs throughput — ${scale.name} scale, ${date}`));
writeFileSync(`${outDir}/${base}.md`, markdown(results, `${base}.svg`));
log(`wrote ${outDir}/${base}.{json,md,svg}`);
if (!args.keep && args.smoke) await dropDatabase(args['admin-url'], args.db);

// The smoke test fails on broken invariants, a crashed server, 5xx other than clean 503 shedding, or transport errors.
const all = [...runs, ...overload, ...(recovery ? [recovery] : [])];
const bad5xx = all.reduce(
  (n, s) =>
    n +
    Object.entries(s.result.statuses)
      .filter(([st]) => st.startsWith('5') && st !== '503')
      .reduce((m, [, c]) => m + c, 0),
  0,
);
const transport = all.reduce((n, s) => n + s.result.transportErrors, 0);
const shedOk = all.every((s) => s.result.retryAfterOnShed);
const problems = [
  !invariants.ok && 'invariants broken',
  exitCode !== 0 && `server exit code ${exitCode}`,
  bad5xx > 0 && `${bad5xx} 5xx answers other than 503`,
  transport > 0 && `${transport} transport errors`,
  !shedOk && '429/503 without Retry-After',
].filter(Boolean);
if (problems.length) {
  console.error(`bench: FAILED — ${problems.join('; ')}`);
  process.exit(1);
}
log('bench: OK');

async function fullRun(): Promise<void> {
  // 1. Single operations, stepped up to the target rate (the latency-vs-load curve).
  for (const s of [sc.orderDetail, sc.walletBalance, sc.markRead]) {
    for (const rate of steps(maxRate, quick ? 2 : 4)) await run(s, { rate, durationS: dur(10, 2) });
  }
  await run(sc.accept, { rate: Math.min(maxRate, 200), durationS: dur(5, 1) });
  // Authenticated single-row read at maximum throughput, as a ratio to hello-world.
  await run(sc.walletBalance, { durationS: dur(10, 2), connections: CONNS });

  // 2. Complex query.
  for (const rate of steps(quick ? 50 : 200, quick ? 2 : 4)) await run(sc.market, { rate, durationS: dur(10, 2) });

  // 3. General statistics.
  await run(sc.ownerMonth, { rate: quick ? 20 : 50, durationS: dur(10, 2) });
  await run(sc.courierWeek, { rate: quick ? 20 : 50, durationS: dur(10, 2) });

  // 4. Complex analysis: the ops endpoints (rollups), then the same reports straight from orders for comparison.
  for (const s of [sc.analysisFill, sc.analysisGmv, sc.analysisRetention]) await run(s, { durationS: dur(5, 2), connections: 2 });
  rollups.incrementalRefreshMs = await refreshRollups();
  log(`incremental rollup refresh after load: ${rollups.incrementalRefreshMs} ms`);
  if (pgliteDir) return void (await mixedAndOverload()); // the server owns the PGlite data dir: no side connection
  const c = new pg.Client({ connectionString: dbUrl });
  await c.connect();
  try {
    for (const q of ANALYSIS_QUERIES) {
      const t = performance.now();
      const res = await c.query(q.sql);
      analysis.push({ name: q.name, ms: Math.round((performance.now() - t) * 10) / 10, rows: res.rowCount ?? 0 });
      log(`analysis ${q.name}: ${analysis.at(-1)!.ms} ms, ${res.rowCount} rows`);
    }
  } finally {
    await c.end();
  }
  // The plan of the complex query as the server runs it, for docs/performance.md.
  explain.market_query = await explainMarket(dbUrl, manifest);
  await mixedAndOverload();
}

async function mixedAndOverload(): Promise<void> {
  // 5. Mixed workload, stepped: capacity = highest step with p99 within the single-operation target and no errors.
  for (const rate of steps(maxRate, quick ? 2 : 5)) {
    const r = await run(sc.mixed, { rate, durationS: dur(10, 2) });
    if (r.result.errors === 0 && r.result.skipped === 0 && r.result.latencyMs.p99 <= TARGET_P99_MS.single) capacity = rate;
    if (r.result.errors === 0 && r.result.skipped === 0 && r.result.throughput >= rate * 0.95) sustainable = rate;
  }
  // Overload at 2× and 4× the capacity (else the highest step served in full), then recovery at half of it.
  const base = capacity ?? sustainable ?? steps(maxRate, 5)[0]!;
  for (const k of [2, 4]) {
    const r = await run(
      { ...sc.mixed, name: `mixed_overload_${k}x` },
      { rate: base * k, durationS: dur(10, 2), connections: 64 },
      overload,
    );
    void r;
  }
  recovery = await run({ ...sc.mixed, name: 'mixed_recovery_0.5x' }, { rate: Math.max(5, Math.round(base / 2)), durationS: dur(5, 2) }, []);
}
