import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

/**
 * `node bench/src/profsum.ts <file.cpuprofile> [n] [--skip S] [--inclusive]`: self time per package and per
 * function (top n), to read a --cpu-prof profile without DevTools. `--skip S` leaves out the first S seconds
 * (start-up, migrations, the rollups' first refresh) so only the steady load is summed; `--inclusive` adds
 * the time spent in and under each of the server's own functions.
 */
interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { skip: { type: 'string', default: '0' }, inclusive: { type: 'boolean', default: false } },
});
const file = positionals[0];
if (!file) throw new Error('usage: node bench/src/profsum.ts <file.cpuprofile> [n] [--skip S] [--inclusive]');
const prof = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
const skipUs = Number(values.skip) * 1e6;
const self = new Map<number, number>();
let elapsed = 0;
prof.samples.forEach((id, i) => {
  const dt = prof.timeDeltas[i] ?? 0;
  elapsed += dt;
  if (elapsed >= skipUs) self.set(id, (self.get(id) ?? 0) + dt);
});
const strip = (url: string) => url.replace(/^file:\/\/\/[^ ]*?\/(server|bench|node_modules)\//, '$1/');
const keyOf = (n: Node) => `${n.callFrame.functionName || '(anonymous)'} ${strip(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
const byFn = new Map<string, number>();
const byPkg = new Map<string, number>();
let total = 0;
for (const n of prof.nodes) {
  const t = self.get(n.id) ?? 0;
  total += t;
  const url = strip(n.callFrame.url);
  byFn.set(keyOf(n), (byFn.get(keyOf(n)) ?? 0) + t);
  const pkg =
    /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ??
    (url.startsWith('server/') ? url.split('/').slice(0, 4).join('/') : url || n.callFrame.functionName);
  byPkg.set(pkg, (byPkg.get(pkg) ?? 0) + t);
}
const top = (m: Map<string, number>, n: number) =>
  [...m.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]) => `${((v / total) * 100).toFixed(1).padStart(5)} %  ${k}`)
    .join('\n');
const n = Number(positionals[1] ?? 25);
let out = `total ${(total / 1e6).toFixed(1)} s sampled\n\nby package / file:\n${top(byPkg, n)}\n\nby function (self):\n${top(byFn, n)}`;
if (values.inclusive) {
  // Time in and under each server function, counted once per sample even when it recurses.
  const byId = new Map(prof.nodes.map((x) => [x.id, x]));
  const parent = new Map<number, number>();
  for (const x of prof.nodes) for (const c of x.children ?? []) parent.set(c, x.id);
  const incl = new Map<string, number>();
  for (const [id, t] of self) {
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const node = byId.get(cur)!;
      if (!strip(node.callFrame.url).startsWith('server/')) continue;
      const k = keyOf(node);
      if (seen.has(k)) continue;
      seen.add(k);
      incl.set(k, (incl.get(k) ?? 0) + t);
    }
  }
  out += `\n\nserver functions (inclusive):\n${top(incl, n)}`;
}
console.log(out);
