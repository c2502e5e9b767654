import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, testDatabaseUrl } from './helpers.ts';

/**
 * S6.4b crash drill: a platform process runs a fixed stream of top-ups (through the emulator, with
 * callbacks), order payments, completions, cancellations and payouts, and is killed with SIGKILL at
 * random moments, then restarted; every restart replays the stream from the start (idempotent keys).
 * Afterwards the ledger's invariants hold and every payment the channel took is credited exactly once.
 *
 * This file is also the child: with WALLET_CRASH_CHILD=1 it runs the platform instead of the test.
 */
const CHILD = process.env.WALLET_CRASH_CHILD === '1';
const OPS = 60;
const USERS = ['0192f000-0000-7000-8000-000000000001', '0192f000-0000-7000-8000-000000000002', '0192f000-0000-7000-8000-000000000003'];

/** A small deterministic PRNG (mulberry32): the same stream on every restart. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}
const uuidFor = (prefix: string, i: number) => `0192f000-0000-7000-8${prefix}-${String(i).padStart(12, '0')}`;

async function child(): Promise<void> {
  const { loadConfig } = await import('../src/platform/config.ts');
  const { createPlatform } = await import('../src/platform/platform.ts');
  const { createLogger } = await import('../src/platform/logger.ts');
  const { buildApp, startApp } = await import('../src/app.ts');
  const { messagesModule } = await import('../src/modules/messages/index.ts');
  const w = await import('../src/modules/wallet/index.ts');
  const { createTopUp } = await import('../src/modules/wallet/topups.ts');
  const env = process.env;
  const emuUrl = env.EMU_URL!;
  const creds = JSON.parse(env.EMU_CREDENTIALS!);
  const port = Number(env.CHILD_PORT);
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: env.CHILD_DATABASE_URL!,
    WEB_DIST: '/nonexistent',
    RATE_LIMIT_PER_MINUTE: '100000',
  });
  const p = await createPlatform(config, { logger: createLogger('silent') });
  const notifyBase = `http://127.0.0.1:${port}`;
  const channel = new w.WechatPayChannel({ ...creds, baseUrl: emuUrl });
  const modules = [messagesModule, w.createWalletModule({ channel: () => channel, notifyBaseUrl: () => notifyBase })];
  const app = await buildApp(p, modules);
  await startApp(app, p, modules, { workers: false });
  await app.listen({ port, host: '127.0.0.1' });
  const deps = { channels: [channel], notifyUrl: () => `${notifyBase}/api/v1/wallet/channels/wechat/notify` };
  const actor = (userId: string) => ({ userId, kind: 'person' as const, roles: [], permissions: new Set<string>(), sessionId: 'crash' });
  const tx = <T>(f: (t: import('../src/platform/db.ts').Tx) => Promise<T>) => p.db.transaction().execute(f);
  const soft = async (f: () => Promise<unknown>) => {
    try {
      await f();
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (!['INSUFFICIENT_FUNDS', 'HOLD_NOT_FOUND', 'HOLD_ALREADY_SETTLED', 'ORDER_CLOSED'].includes(code ?? '')) throw err;
    }
  };
  const rnd = prng(Number(env.CRASH_SEED ?? 7));
  for (let i = 0; i < OPS; i++) {
    const r = rnd();
    const user = USERS[Math.floor(rnd() * USERS.length)]!;
    const amount = 100 + Math.floor(rnd() * 50) * 100;
    const slot = Math.floor(rnd() * i);
    if (r < 0.35) {
      const tu = await createTopUp(p, deps, actor(user), { amountFen: amount, idempotencyKey: `crash-op-${i}` });
      const paid = await fetch(`${emuUrl}/__emulator/transactions/${tu.outTradeNo}/pay`, { method: 'POST' });
      if (paid.status !== 200) throw new Error(`emulator pay ${paid.status}`);
    } else if (r < 0.6) {
      await soft(() => tx((t) => w.holdToEscrow(p, t, { orderId: uuidFor('001', i), payerId: user, amountFen: amount })));
    } else if (r < 0.72) {
      await soft(() => tx((t) => w.releaseEscrow(p, t, { orderId: uuidFor('001', slot), courierId: user, feeFen: 10 })));
    } else if (r < 0.8) {
      await soft(() => tx((t) => w.refundEscrow(p, t, { orderId: uuidFor('001', slot) })));
    } else if (r < 0.92) {
      await soft(() => tx((t) => w.holdForPayout(p, t, { payoutId: uuidFor('002', i), userId: user, amountFen: amount, feeFen: 1 })));
    } else {
      const ok = rnd() < 0.7;
      await soft(() =>
        tx((t) =>
          ok
            ? w.settlePayout(p, t, { payoutId: uuidFor('002', slot), channel: 'wechat' })
            : w.voidPayout(p, t, { payoutId: uuidFor('002', slot) }),
        ),
      );
    }
    process.stdout.write(`op ${i}\n`);
  }
  // Late or lost callbacks: settle every open top-up by querying the channel.
  const open = await p.db.selectFrom('wallet_payments').select('id').where('status', 'in', ['creating', 'pending']).execute();
  for (const o of open) await w.checkTopUp(p, deps, o.id).catch(() => {});
  process.stdout.write('done\n');
  // Stay up for callbacks until the parent ends us.
  await new Promise(() => {});
}

if (CHILD) {
  await child();
} else {
  describe('wallet crash drill (SIGKILL)', () => {
    it(
      'S6.4b: killed at random moments and restarted, the ledger holds and every channel payment is credited exactly once',
      { skip: !testDatabaseUrl && 'needs TEST_DATABASE_URL (a real PostgreSQL shared by two processes)', timeout: 240_000 },
      async (t) => {
        const { createPaymentChannelEmulator } = await import('../../emulators/payment-channel/src/server.ts');
        const pg = (await import('pg')).default;
        const db = await createTestDatabase(testDatabaseUrl!);
        const emu = createPaymentChannelEmulator();
        const emuUrl = await emu.listen();
        emu.setSwitches({ duplicateCallbacks: true });
        const port = await new Promise<number>((resolve) => {
          const s = createServer().listen(0, '127.0.0.1', () => {
            const a = s.address() as { port: number };
            s.close(() => resolve(a.port));
          });
        });
        const self = fileURLToPath(import.meta.url);
        const start = (): { proc: ChildProcess; out: () => string; exited: Promise<number | null> } => {
          let out = '';
          const proc = spawn(process.execPath, [self], {
            env: {
              ...process.env,
              WALLET_CRASH_CHILD: '1',
              CHILD_DATABASE_URL: db.url,
              CHILD_PORT: String(port),
              EMU_URL: emuUrl,
              EMU_CREDENTIALS: JSON.stringify(emu.credentials),
            },
            stdio: ['ignore', 'pipe', 'pipe'],
          });
          proc.stdout!.on('data', (c) => (out += c));
          proc.stderr!.on('data', (c) => (out += c));
          const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
          return { proc, out: () => out, exited };
        };
        const rnd = prng(2026);
        try {
          for (let k = 0; k < 6; k++) {
            const c = start();
            // Let it start and get somewhere into the stream, then kill it without warning.
            const deadline = Date.now() + 60_000;
            const target = 1 + Math.floor(rnd() * 25);
            while (
              Date.now() < deadline &&
              !new RegExp(`op ${target}\\n`).test(c.out()) &&
              !/done/.test(c.out()) &&
              c.proc.exitCode === null
            ) {
              await new Promise((r) => setTimeout(r, 20));
            }
            await new Promise((r) => setTimeout(r, Math.floor(rnd() * 80)));
            c.proc.kill('SIGKILL');
            await c.exited;
            t.diagnostic(`run ${k}: killed after ${(c.out().match(/op \d+/g) ?? []).length} operations`);
            assert.ok(!/Error/.test(c.out()), c.out());
          }
          // The last run goes to the end; callbacks retried by the channel reach it.
          const last = start();
          const deadline = Date.now() + 120_000;
          while (Date.now() < deadline && !/done/.test(last.out()) && last.proc.exitCode === null)
            await new Promise((r) => setTimeout(r, 50));
          assert.match(last.out(), /done/, last.out());
          await emu.advance(24 * 3600_000);
          await new Promise((r) => setTimeout(r, 300));
          last.proc.kill('SIGKILL');
          await last.exited;

          const client = new pg.Client({ connectionString: db.url });
          await client.connect();
          try {
            const { verifyLedger } = await import('../src/modules/wallet/verify.ts');
            const { Kysely, PostgresDialect } = await import('kysely');
            const k = new Kysely<import('../src/db-schema.ts').DB>({
              dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: db.url, max: 2 }) }),
            });
            const report = await verifyLedger(k);
            assert.deepEqual(report.violations, []);
            assert.ok(report.counts.transfers > 10, `only ${report.counts.transfers} transfers`);
            // Exactly once: every top-up the channel reports paid is paid here with one credit, and no more.
            const payments = await k.selectFrom('wallet_payments').selectAll().execute();
            assert.ok(payments.length > 5);
            for (const pay of payments) {
              const credits = await k
                .selectFrom('ledger_transfers')
                .select('id')
                .where('idempotency_key', '=', `topup:wechat:${pay.out_trade_no}`)
                .execute();
              if (pay.status === 'paid') assert.equal(credits.length, 1, pay.out_trade_no);
              else assert.equal(credits.length, 0, pay.out_trade_no);
            }
            const paidAtChannel = emu.deliveries.filter((d) => d.eventType === 'TRANSACTION.SUCCESS').map((d) => d.eventId);
            assert.ok(paidAtChannel.length > 0);
            const notPaid = payments.filter((x) => x.status !== 'paid');
            assert.deepEqual(
              notPaid.map((x) => x.out_trade_no),
              [],
            );
            await k.destroy();
          } finally {
            await client.end();
          }
        } finally {
          await emu.close();
          await db.drop();
        }
      },
    );
  });
}
