import type { LoadResult } from './load.ts';

export interface ScenarioRun {
  scenario: string;
  class: string;
  note: string;
  targetP99Ms: number | null;
  result: LoadResult;
  /** Throughput as a ratio to the bare Fastify hello-world measured in the same run. */
  ratioToHello: number | null;
}

export interface RunResults {
  date: string;
  scale: string;
  seed: number;
  quick: boolean;
  machine: { cpus: number; node: string; postgres: string; loadAvg: number[] };
  dataset: Record<string, number>;
  generateSeconds: number;
  hello: LoadResult;
  runs: ScenarioRun[];
  analysis: { name: string; ms: number; rows: number }[];
  /** Time of the analysis rollup refresh (POST /api/v1/stats/platform/refresh): the first (everything) and an incremental one after the load. */
  rollups?: { firstRefreshMs: number | null; incrementalRefreshMs: number | null };
  capacity: { mixedRate: number | null; sustainableRate: number | null; note: string };
  overload: ScenarioRun[];
  recovery: ScenarioRun | null;
  serverRssMiB: { start: number | null; max: number | null; end: number | null };
  serverExitCode: number | null;
  /** Queued job deliveries (pg-boss) when the load stopped, left at the end of the wait, and the wait. */
  jobDrain: { backlogAtEnd: number | null; remaining: number | null; seconds: number | null };
  invariants: unknown;
  explain: Record<string, string>;
}

const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));

/** Markdown summary of one run. */
export function markdown(r: RunResults, chartFile: string): string {
  const lines: string[] = [];
  lines.push(`# Benchmark ${r.date} — scale ${r.scale}${r.quick ? ' (quick/smoke durations)' : ''}`);
  lines.push('');
  lines.push(
    `Machine: ${r.machine.cpus} CPUs, Node ${r.machine.node}, ${r.machine.postgres}; load average at start ${r.machine.loadAvg.map((x) => x.toFixed(2)).join(' ')}. ` +
      `Load generator, server and PostgreSQL share the machine (and other engineers' processes did too).`,
  );
  lines.push('');
  lines.push(
    `Dataset (seed ${r.seed}, generated in ${r.generateSeconds.toFixed(1)} s): ${Object.entries(r.dataset)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}.`,
  );
  lines.push('');
  lines.push(
    `Reference: bare Fastify hello-world, ${r.hello.connections} connections: **${fmt(r.hello.throughput)} req/s** (p99 ${fmt(r.hello.latencyMs.p99)} ms).`,
  );
  lines.push('');
  lines.push(`![latency vs load](${chartFile})`);
  lines.push('');
  lines.push('| scenario | mode | offered req/s | achieved req/s | × hello | p50 ms | p95 ms | p99 ms | target p99 | errors | skipped |');
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|');
  const row = (s: ScenarioRun) => {
    const res = s.result;
    const verdict =
      s.targetP99Ms === null ? '—' : `${s.targetP99Ms} ${res.latencyMs.p99 <= s.targetP99Ms && res.errors === 0 ? '✅' : '❌'}`;
    lines.push(
      `| ${s.scenario} | ${res.mode === 'max' ? `max, ${res.connections} conns` : 'rate'} | ${res.targetRate ?? '—'} | ${fmt(res.throughput)} | ${s.ratioToHello?.toFixed(3) ?? '—'} | ` +
        `${fmt(res.latencyMs.p50)} | ${fmt(res.latencyMs.p95)} | ${fmt(res.latencyMs.p99)} | ${verdict} | ${res.errors} | ${res.skipped} |`,
    );
  };
  for (const s of r.runs) row(s);
  lines.push('');
  if (r.analysis.length) {
    lines.push(
      'The same analysis computed straight from `orders`, without the rollups (for comparison — the analysis_* endpoints above read the rollups):',
    );
    lines.push('');
    lines.push('| query | ms | rows |');
    lines.push('|---|---|---|');
    for (const a of r.analysis) lines.push(`| ${a.name} | ${fmt(a.ms)} | ${a.rows} |`);
    lines.push('');
  }
  if (r.rollups) {
    lines.push(
      `Analysis rollups: first refresh (everything) ${r.rollups.firstRefreshMs ?? '?'} ms; incremental refresh after the load ${r.rollups.incrementalRefreshMs ?? '?'} ms (a job runs it every minute).`,
    );
    lines.push('');
  }
  lines.push(
    `Capacity (mixed workload, highest step with p99 ≤ 25 ms and no errors): **${r.capacity.mixedRate === null ? 'no step met it' : `${r.capacity.mixedRate} req/s`}** — ${r.capacity.note}`,
  );
  lines.push('');
  if (r.overload.length) {
    lines.push('Overload and recovery (mixed workload):');
    lines.push('');
    lines.push('| run | offered req/s | achieved req/s | p99 ms | statuses | shed answers carry Retry-After |');
    lines.push('|---|---|---|---|---|---|');
    for (const s of [...r.overload, ...(r.recovery ? [r.recovery] : [])]) {
      lines.push(
        `| ${s.scenario} | ${s.result.targetRate} | ${fmt(s.result.throughput)} | ${fmt(s.result.latencyMs.p99)} | ${JSON.stringify(s.result.statuses)} | ${s.result.retryAfterOnShed ? 'yes' : 'NO'} |`,
      );
    }
    lines.push('');
  }
  lines.push(
    `Server RSS: ${r.serverRssMiB.start ?? '?'} MiB after start, max ${r.serverRssMiB.max ?? '?'} MiB, ${r.serverRssMiB.end ?? '?'} MiB at the end; exit code after SIGTERM ${r.serverExitCode}.`,
  );
  lines.push('');
  lines.push(
    `Job queue (event subscribers, notification pushes): ${r.jobDrain.backlogAtEnd ?? '?'} deliveries queued when the load stopped, ` +
      `${r.jobDrain.remaining ?? '?'} left after waiting ${r.jobDrain.seconds ?? '?'} s.`,
  );
  lines.push('');
  lines.push('Invariants after the run:');
  lines.push('');
  lines.push('```json');
  lines.push(JSON.stringify(r.invariants, null, 2));
  lines.push('```');
  const errs = r.runs.flatMap((s) => s.result.firstErrors.map((e) => `- ${s.scenario}: ${e}`));
  if (errs.length) {
    lines.push('');
    lines.push('First error answers:');
    lines.push('');
    lines.push(...errs.slice(0, 20));
  }
  lines.push('');
  return lines.join('\n');
}

/** An SVG line chart: p99 latency (y, log scale) against achieved throughput (x), one line per stepped scenario. */
export function chartSvg(runs: ScenarioRun[], title: string): string {
  const series = new Map<string, { x: number; y: number }[]>();
  for (const s of runs) {
    if (s.result.mode !== 'rate') continue;
    const list = series.get(s.scenario) ?? [];
    list.push({ x: s.result.throughput, y: Math.max(0.5, s.result.latencyMs.p99) });
    series.set(s.scenario, list);
  }
  const W = 760;
  const H = 420;
  const L = 60;
  const B = 50;
  const T = 40;
  const R = 180;
  const all = [...series.values()].flat();
  const maxX = Math.max(10, ...all.map((p) => p.x)) * 1.05;
  const maxY = Math.max(10, ...all.map((p) => p.y));
  const logMax = Math.ceil(Math.log10(maxY));
  const logMin = -0.3;
  const px = (x: number) => L + (x / maxX) * (W - L - R);
  const py = (y: number) => H - B - ((Math.log10(y) - logMin) / (logMax - logMin)) * (H - B - T);
  const colors = ['#1677ff', '#f5222d', '#52c41a', '#fa8c16', '#722ed1', '#13c2c2', '#eb2f96', '#666'];
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  out.push(`<text x="${L}" y="22" font-size="14" font-weight="bold">${title}</text>`);
  for (let e = 0; e <= logMax; e++) {
    const y = py(10 ** e);
    out.push(
      `<line x1="${L}" x2="${W - R}" y1="${y}" y2="${y}" stroke="#eee"/><text x="${L - 8}" y="${y + 4}" text-anchor="end">${10 ** e}</text>`,
    );
  }
  for (let k = 0; k <= 5; k++) {
    const v = (maxX / 5) * k;
    out.push(`<text x="${px(v)}" y="${H - B + 18}" text-anchor="middle">${Math.round(v)}</text>`);
  }
  out.push(
    `<line x1="${L}" x2="${W - R}" y1="${H - B}" y2="${H - B}" stroke="#333"/><line x1="${L}" x2="${L}" y1="${T}" y2="${H - B}" stroke="#333"/>`,
  );
  out.push(`<text x="${(L + W - R) / 2}" y="${H - 12}" text-anchor="middle">achieved throughput (req/s)</text>`);
  out.push(`<text transform="translate(16 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle">p99 latency (ms, log)</text>`);
  let i = 0;
  for (const [name, pts] of series) {
    const c = colors[i % colors.length]!;
    pts.sort((a, b) => a.x - b.x);
    out.push(
      `<polyline fill="none" stroke="${c}" stroke-width="2" points="${pts.map((p) => `${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(' ')}"/>`,
    );
    for (const p of pts) out.push(`<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="3" fill="${c}"/>`);
    out.push(
      `<rect x="${W - R + 15}" y="${T + i * 20}" width="12" height="12" fill="${c}"/><text x="${W - R + 32}" y="${T + i * 20 + 10}">${name}</text>`,
    );
    i++;
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}
