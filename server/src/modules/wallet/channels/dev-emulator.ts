import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Platform } from '../../../platform/platform.ts';

const EMULATOR_DIR = fileURLToPath(new URL('../../../../../emulators/payment-channel', import.meta.url));
const DEV_URL = 'http://127.0.0.1:4100';

/**
 * Development only: when the platform is configured for the local payment-channel emulator and nothing
 * answers there, start the emulator beside the platform (its own process, its own code), so `npm start`
 * gives a working top-up and withdrawal demo with no setup. Never in test or production.
 */
export async function startDevEmulatorIfNeeded(p: Platform): Promise<void> {
  if (p.config.env !== 'development') return;
  if (p.config.wechatPayBaseUrl !== DEV_URL && !p.config.alipayGatewayUrl?.startsWith(`${DEV_URL}/`)) return;
  const up = await fetch(`${DEV_URL}/__emulator/health`, { signal: AbortSignal.timeout(1000) }).then(
    (r) => r.ok,
    () => false,
  );
  if (up || !existsSync(`${EMULATOR_DIR}/src/main.ts`)) return;
  const child = spawn(process.execPath, ['src/main.ts', '--port', '4100', '--host', '127.0.0.1'], {
    cwd: EMULATOR_DIR,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  child.unref();
  process.once('exit', () => child.kill());
  p.logger.info({ url: DEV_URL, emulatorPid: child.pid }, 'started the payment-channel emulator for development');
}
