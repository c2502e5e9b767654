import { readFileSync } from 'node:fs';
import { createArbitrationProvider, parseApps } from './server.ts';

// Stand-alone emulator: `npm start -w emulators/arbitration-provider`.
// PORT (4020), HOST (127.0.0.1), ARBITRATION_SEED, ARBITRATION_APPS (JSON) or ARBITRATION_APPS_FILE,
// ARBITRATION_LATENCY_MS, ARBITRATION_BUSY_RATE.
const env = process.env;
const appsJson = env.ARBITRATION_APPS ?? (env.ARBITRATION_APPS_FILE ? readFileSync(env.ARBITRATION_APPS_FILE, 'utf8') : undefined);
const provider = createArbitrationProvider({
  seed: env.ARBITRATION_SEED ?? 'dingban',
  apps: appsJson ? parseApps(appsJson) : [],
});
provider.setFaults({ latencyMs: Number(env.ARBITRATION_LATENCY_MS ?? 0), busyRate: Number(env.ARBITRATION_BUSY_RATE ?? 0) });
const url = await provider.listen(Number(env.PORT ?? 4020), env.HOST ?? '127.0.0.1');
console.log(`arbitration-provider emulator listening on ${url} (dev app: dingban-dev)`);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    void provider.close().then(() => process.exit(0));
  });
}
