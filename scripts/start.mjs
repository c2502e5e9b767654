// `npm start`: builds the web app when needed, starts the outside-world emulators (payment channel,
// arbitration provider) unless real providers are configured, then the platform itself. Ctrl-C stops all.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
execFileSync(process.execPath, ['scripts/build-web-if-needed.mjs'], { cwd: root, stdio: 'inherit' });

const production = process.env.NODE_ENV === 'production';
const children = [];
const run = (name, script, env, cwd = root) => {
  const child = spawn(process.execPath, [script], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`[${name}] exited (${signal ?? code}); stopping everything`);
      stop(code ?? 1);
    }
  });
  children.push(child);
  return child;
};

/** Resolves once something accepts TCP connections on the port (at most `ms`). */
const listening = (port, ms = 15_000) =>
  new Promise((resolveUp) => {
    const deadline = Date.now() + ms;
    const attempt = () => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolveUp(true)));
      s.once('error', () => (Date.now() > deadline ? resolveUp(false) : setTimeout(attempt, 200)));
    };
    attempt();
  });

if (!production) {
  // Each emulator runs in its own folder (it keeps its generated keys in ./data there), on the port the
  // platform's development defaults point at (server/src/platform/config.ts).
  const emulators = [
    { name: 'payment-channel', dir: 'emulators/payment-channel', port: 4100, configured: 'WECHATPAY_BASE_URL' },
    { name: 'arbitration-provider', dir: 'emulators/arbitration-provider', port: 4020, configured: 'ARBITRATION_BASE_URL' },
  ];
  for (const e of emulators) {
    if (process.env[e.configured] || !existsSync(join(root, e.dir, 'src/main.ts'))) continue;
    if (await listening(e.port, 0)) continue; // already running
    run(e.name, 'src/main.ts', { PORT: String(e.port), HOST: '127.0.0.1' }, join(root, e.dir));
    if (!(await listening(e.port))) console.warn(`[${e.name}] did not start listening on ${e.port}`);
  }
}
run('server', 'server/src/main.ts', {});

let stopping = false;
function stop(code = 0) {
  stopping = true;
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  setTimeout(() => process.exit(code), 500).unref();
  Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.on('exit', r))))).then(() => process.exit(code));
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
