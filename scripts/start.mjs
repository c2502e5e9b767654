// `npm start`: builds the web app when needed, starts the outside-world emulators (payment channel,
// arbitration provider) unless real providers are configured, then the platform itself. Ctrl-C stops all.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
execFileSync(process.execPath, ['scripts/build-web-if-needed.mjs'], { cwd: root, stdio: 'inherit' });

const production = process.env.NODE_ENV === 'production';
const children = [];
const run = (name, script, env) => {
  const child = spawn(process.execPath, [script], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`[${name}] exited (${signal ?? code}); stopping everything`);
      stop(code ?? 1);
    }
  });
  children.push(child);
  return child;
};

const env = {};
if (!production) {
  const emulators = [
    { name: 'payment-channel', script: 'emulators/payment-channel/src/main.ts', port: 4010, configured: 'PAYMENT_CHANNEL_BASE_URL' },
    { name: 'arbitration-provider', script: 'emulators/arbitration-provider/src/main.ts', port: 4020, configured: 'ARBITRATION_BASE_URL' },
  ];
  for (const e of emulators) {
    if (process.env[e.configured] || !existsSync(new URL(`../${e.script}`, import.meta.url))) continue;
    run(e.name, e.script, {
      PORT: String(process.env[`${e.name.toUpperCase().replaceAll('-', '_')}_PORT`] ?? e.port),
      NODE_ENV: 'development',
    });
  }
}
run('server', 'server/src/main.ts', env);

let stopping = false;
function stop(code = 0) {
  stopping = true;
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  setTimeout(() => process.exit(code), 500).unref();
  Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.on('exit', r))))).then(() => process.exit(code));
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
