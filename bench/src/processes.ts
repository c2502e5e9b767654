import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The platform under test: this checkout's server, or another checkout's (`BENCH_SERVER_DIR`) to compare two versions back to back. */
const SERVER_DIR = process.env.BENCH_SERVER_DIR ?? `${ROOT}server`;

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

/** Resident set size of a process in MiB (Linux /proc), or null. */
export function rssMiB(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : null;
  } catch {
    return null;
  }
}

export interface Proc {
  child: ChildProcess;
  port: number;
  /** Samples RSS every second into `rss`. */
  rss: number[];
  stderrTail: string[];
  stop(): Promise<number | null>;
}

async function waitFor(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`process exited with ${child.exitCode} before it was ready`);
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} not ready within ${timeoutMs} ms`);
}

function track(child: ChildProcess, port: number): Proc {
  const rss: number[] = [];
  const stderrTail: string[] = [];
  child.stderr?.on('data', (b: Buffer) => {
    stderrTail.push(b.toString('utf8'));
    if (stderrTail.length > 50) stderrTail.shift();
  });
  child.stdout?.on('data', () => {});
  const timer = setInterval(() => {
    const v = rssMiB(child.pid);
    if (v !== null) rss.push(v);
  }, 1000);
  timer.unref();
  return {
    child,
    port,
    rss,
    stderrTail,
    stop: () =>
      new Promise((resolve) => {
        clearInterval(timer);
        if (child.exitCode !== null) return resolve(child.exitCode);
        const kill = setTimeout(() => child.kill('SIGKILL'), 35_000);
        child.once('exit', (code) => {
          clearTimeout(kill);
          resolve(code);
        });
        child.kill('SIGTERM');
      }),
  };
}

/** Starts the platform (node server/src/main.ts) in production mode on the bench database. */
export async function startServer(env: Record<string, string>, dataDir: string): Promise<Proc> {
  const port = await freePort();
  const child = spawn(process.execPath, ['src/main.ts'], {
    cwd: SERVER_DIR,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      LOG_LEVEL: 'warn',
      WEB_DIST: '/nonexistent-web-dist',
      DEMO_ACCOUNTS: 'false',
      DATA_DIR: dataDir,
      SESSION_IDLE_MINUTES: '1440',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const proc = track(child, port);
  try {
    await waitFor(`http://127.0.0.1:${port}/health/ready`, child, 60_000);
  } catch (err) {
    await proc.stop();
    throw new Error(`${(err as Error).message}\n${proc.stderrTail.join('').slice(-3000)}`);
  }
  return proc;
}

/** Starts the bare Fastify hello-world reference. */
export async function startHello(): Promise<Proc> {
  const port = await freePort();
  const child = spawn(process.execPath, ['src/hello.ts', String(port)], {
    cwd: `${ROOT}bench`,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const proc = track(child, port);
  await waitFor(`http://127.0.0.1:${port}/`, child, 20_000);
  return proc;
}
