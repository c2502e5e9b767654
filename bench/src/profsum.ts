import { readFileSync } from 'node:fs';

/** `node bench/src/profsum.ts <file.cpuprofile> [n]`: self time per function (top n), to read a --cpu-prof profile without DevTools. */
interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
const file = process.argv[2];
if (!file) throw new Error('usage: node bench/src/profsum.ts <file.cpuprofile> [n]');
const prof = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
const self = new Map<number, number>();
prof.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0)));
const byFn = new Map<string, number>();
const byPkg = new Map<string, number>();
let total = 0;
for (const n of prof.nodes) {
  const t = self.get(n.id) ?? 0;
  total += t;
  const url = n.callFrame.url.replace(/^file:\/\/\/work\/main\//, '');
  const key = `${n.callFrame.functionName || '(anonymous)'} ${url}:${n.callFrame.lineNumber + 1}`;
  byFn.set(key, (byFn.get(key) ?? 0) + t);
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
const n = Number(process.argv[3] ?? 25);
console.log(`total ${(total / 1e6).toFixed(1)} s sampled\n\nby package / file:\n${top(byPkg, n)}\n\nby function (self):\n${top(byFn, n)}`);
