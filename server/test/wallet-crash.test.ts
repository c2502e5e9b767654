import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, testDatabaseUrl } from './helpers.ts';

/**
 * S6.4b crash drill: a platform process runs a fixed stream of top-ups (through the emulator, with
 * callbacks), order payments (from the balance and through the channel), settlements, cancellations
 * (refunds to the balance, to the channel, and partial refunds after a courier's compensation) and
 * withdrawals paid out through the channel, and is killed with SIGKILL at random moments, then restarted;
 * every restart replays the stream from the start (idempotent keys). A last run finishes the stream and
 * what the job workers would retry (late callbacks, payout submissions and checks, refunds). Afterwards
 * the ledger's invariants hold, every payment the channel took is credited exactly once, every payout is
 * paid at most once and as the ledger says, and every refund reached the channel once, never more than paid.
 * The drill runs once per seed of a fixed set (WALLET_CRASH_SEEDS, default below) — the same streams and
 * kill points on every CI run.
 *
 * This file is also the child: with WALLET_CRASH_CHILD=1 it runs the platform instead of the test.
 */
const CHILD = process.env.WALLET_CRASH_CHILD === '1';
const OPS = 60;
const SEEDS = (process.env.WALLET_CRASH_SEEDS ?? '7,2026,31337,4242,9001')
  .split(',')
  .map((x) => Number(x.trim()))
  .filter((x) => Number.isSafeInteger(x));
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
  const { bindPayoutAccount, requestWithdrawal } = await import('../src/modules/wallet/withdrawals.ts');
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
  const verified = async () => {};
  const modules = [
    messagesModule,
    w.createWalletModule({ channel: () => channel, notifyBaseUrl: () => notifyBase, requireVerified: verified }),
  ];
  const app = await buildApp(p, modules);
  await startApp(app, p, modules, { workers: false });
  await app.listen({ port, host: '127.0.0.1' });
  const deps = {
    channels: [channel],
    notifyUrl: () => `${notifyBase}/api/v1/wallet/channels/wechat/notify`,
    requireVerified: verified,
  };
  const actor = (userId: string) => ({ userId, kind: 'person' as const, roles: [], permissions: new Set<string>(), sessionId: 'crash' });
  const tx = <T>(f: (t: import('../src/platform/db.ts').Tx) => Promise<T>) => p.db.transaction().execute(f);
  const soft = async (f: () => Promise<unknown>) => {
    try {
      await f();
    } catch (err) {
      const code = (err as { code?: string }).code;
      const ok = ['INSUFFICIENT_FUNDS', 'HOLD_NOT_FOUND', 'HOLD_ALREADY_SETTLED', 'ORDER_CLOSED', 'ESCROW_ALREADY_PAID'];
      if (!ok.includes(code ?? '')) throw err;
    }
  };
  const payAtChannel = async (outTradeNo: string) => {
    const paid = await fetch(`${emuUrl}/__emulator/transactions/${outTradeNo}/pay`, { method: 'POST' });
    if (paid.status !== 200) throw new Error(`emulator pay ${paid.status}`);
  };
  // Each user's WeChat account for payouts (binding again finds the same one).
  const payoutAccount = new Map<string, string>();
  for (const [k, user] of USERS.entries()) {
    payoutAccount.set(user, (await bindPayoutAccount(p, actor(user), { kind: 'wechat', openid: `oCrashPayee000${k}` })).id);
  }
  // Orders the stream has paid so far (from the balance or through the channel): settlements and
  // cancellations pick one of them. Chosen from the stream alone, so every replay picks the same.
  const orders: string[] = [];
  const rnd = prng(Number(env.CRASH_SEED ?? 7));
  for (let i = 0; i < OPS; i++) {
    const r = rnd();
    const user = USERS[Math.floor(rnd() * USERS.length)]!;
    const other = USERS[(USERS.indexOf(user) + 1) % USERS.length]!;
    const amount = 100 + Math.floor(rnd() * 50) * 100;
    const target = orders[Math.floor(rnd() * orders.length)] ?? uuidFor('001', 0);
    if (r >= 0.25 && r < 0.4) orders.push(uuidFor('001', i));
    if (r >= 0.4 && r < 0.55) orders.push(uuidFor('003', i));
    if (r < 0.25) {
      const tu = await createTopUp(p, deps, actor(user), { amountFen: amount, idempotencyKey: `crash-op-${i}` });
      await payAtChannel(tu.outTradeNo);
    } else if (r < 0.4) {
      await soft(() => tx((t) => w.holdToEscrow(p, t, { orderId: uuidFor('001', i), payerId: user, amountFen: amount })));
    } else if (r < 0.55) {
      // An order paid through the channel: the money lands in its escrow.
      let code: { outTradeNo: string } | undefined;
      await soft(async () => {
        code = await w.createOrderPayment(p, deps, { orderId: uuidFor('003', i), payerId: user, amountFen: amount });
      });
      if (code) await payAtChannel(code.outTradeNo);
    } else if (r < 0.63) {
      await soft(() => tx((t) => w.releaseEscrow(p, t, { orderId: target, courierId: other, feeFen: 10 })));
    } else if (r < 0.8) {
      // A cancellation: the whole escrow back, or a taken order's with the courier's compensation first
      // (channel-paid: the rest to the channel as a partial refund).
      const hold = await w.findHold(p.db, 'escrow', target);
      const compensate = rnd() < 0.5 && hold?.status === 'pending';
      await soft(() =>
        tx((t) =>
          w.refundOrderEscrow(p, t, {
            orderId: target,
            reason: 'crash drill',
            ...(compensate ? { compensation: { courierId: other, amountFen: Math.floor(hold.amountFen / 10) } } : {}),
          }),
        ),
      );
    } else {
      // A withdrawal paid out through the channel (the job's submission, made here at once).
      let wd: { id: string } | undefined;
      await soft(async () => {
        wd = await requestWithdrawal(p, deps, actor(user), {
          amountFen: amount,
          payoutAccountId: payoutAccount.get(user)!,
          idempotencyKey: `crash-wd-${i}`,
        });
      });
      if (wd) await w.submitWithdrawal(p, deps, wd.id);
    }
    process.stdout.write(`op ${i}\n`);
  }
  // What the job workers would retry: late or lost callbacks, payouts in flight, refunds not yet settled.
  const open = await p.db.selectFrom('wallet_payments').select('id').where('status', 'in', ['creating', 'pending']).execute();
  for (const o of open) await w.checkTopUp(p, deps, o.id).catch(() => {});
  for (const wd of await p.db.selectFrom('wallet_withdrawals').select('id').where('status', '=', 'requested').execute())
    await w.submitWithdrawal(p, deps, wd.id);
  // As the jobs do: ask again until the channel has settled each one (it processes them a moment later).
  const pause = () => new Promise((r) => setTimeout(r, 100));
  for (const wd of await p.db.selectFrom('wallet_withdrawals').select('id').where('status', '=', 'submitted').execute())
    for (let k = 0; k < 100 && (await w.checkWithdrawal(p, deps, wd.id))?.status === 'submitted'; k++) await pause();
  for (const rf of await p.db.selectFrom('wallet_refunds').select('id').where('status', '=', 'processing').execute())
    for (let k = 0; k < 100 && (await w.submitRefund(p, deps, rf.id)).status === 'processing'; k++) await pause();
  process.stdout.write('done\n');
  // Stay up for callbacks until the parent ends us.
  await new Promise(() => {});
}

if (CHILD) {
  await child();
} else {
  describe('wallet crash drill (SIGKILL)', () => {
    for (const seed of SEEDS) {
      it(
        `S6.4b: seed ${seed} — killed at random moments during top-ups, order payments, refunds and payouts, and restarted: the ledger holds, every channel payment is credited exactly once, every payout and refund happens once`,
        { skip: !testDatabaseUrl && 'needs TEST_DATABASE_URL (a real PostgreSQL shared by two processes)', timeout: 300_000 },
        (t) => drill(t, seed),
      );
    }
  });
}

async function drill(t: TestContext, seed: number): Promise<void> {
  const { createPaymentChannelEmulator } = await import('../../emulators/payment-channel/src/server.ts');
  const { WechatPayChannel } = await import('../src/modules/wallet/index.ts');
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
        CRASH_SEED: String(seed),
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
  // The kill points follow from the seed too.
  const rnd = prng(seed * 7919 + 1);
  try {
    for (let k = 0; k < 6; k++) {
      const c = start();
      // Let it start and get somewhere into the stream, then kill it without warning.
      const deadline = Date.now() + 60_000;
      const target = 1 + Math.floor(rnd() * 40);
      while (Date.now() < deadline && !new RegExp(`op ${target}\\n`).test(c.out()) && !/done/.test(c.out()) && c.proc.exitCode === null) {
        await new Promise((r) => setTimeout(r, 20));
      }
      await new Promise((r) => setTimeout(r, Math.floor(rnd() * 80)));
      c.proc.kill('SIGKILL');
      await c.exited;
      t.diagnostic(`seed ${seed}, run ${k}: killed after ${(c.out().match(/op \d+/g) ?? []).length} operations`);
      assert.ok(!/Error/.test(c.out()), c.out());
    }
    // The last run goes to the end; callbacks retried by the channel reach it.
    const last = start();
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline && !/done/.test(last.out()) && last.proc.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    assert.match(last.out(), /done/, last.out());
    await emu.advance(24 * 3600_000);
    await new Promise((r) => setTimeout(r, 300));
    last.proc.kill('SIGKILL');
    await last.exited;

    const { verifyLedger } = await import('../src/modules/wallet/verify.ts');
    const { Kysely, PostgresDialect, sql } = await import('kysely');
    const k = new Kysely<import('../src/db-schema.ts').DB>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: db.url, max: 2 }) }),
    });
    try {
      const report = await verifyLedger(k);
      assert.deepEqual(report.violations, []);
      assert.ok(report.counts.transfers > 10, `only ${report.counts.transfers} transfers`);
      // Exactly once: every payment the channel took (top-up or order) is paid here with one credit — the
      // top-up, the escrow hold, or the receipt of money returned at once — and no more.
      const payments = await k.selectFrom('wallet_payments').selectAll().execute();
      assert.ok(payments.length > 5);
      assert.ok(
        payments.some((x) => x.purpose === 'order'),
        'the stream paid orders through the channel',
      );
      for (const pay of payments) {
        const credits = await k
          .selectFrom('ledger_transfers')
          .select('id')
          .where(sql<string>`memo->>'channelTradeNo'`, '=', pay.out_trade_no)
          .where('kind', 'in', ['topup', 'escrow_hold'])
          .execute();
        assert.equal(credits.length, pay.status === 'paid' ? 1 : 0, pay.out_trade_no);
      }
      assert.ok(emu.deliveries.some((d) => d.eventType === 'TRANSACTION.SUCCESS'));
      assert.deepEqual(
        payments.filter((x) => x.status !== 'paid').map((x) => x.out_trade_no),
        [],
      );
      // Signed with the emulator's clock (it was moved a day ahead for the retried callbacks).
      const wechat = new WechatPayChannel({ ...emu.credentials, baseUrl: emuUrl, now: () => emu.now() });
      // Payouts: settled once, as the channel says (paid there ⇔ paid here), none left in flight.
      const withdrawals = await k.selectFrom('wallet_withdrawals').selectAll().execute();
      assert.ok(withdrawals.length > 0, 'the stream made withdrawals');
      for (const wd of withdrawals) {
        assert.ok(['paid', 'failed'].includes(wd.status), `${wd.out_batch_no} is ${wd.status}`);
        const atChannel = await wechat.queryTransfer(wd.out_batch_no, `D${wd.out_batch_no.slice(2)}`).catch((err: Error) => err.message);
        const paidThere = typeof atChannel === 'object' && atChannel.status === 'success';
        assert.equal(paidThere, wd.status === 'paid', `${wd.out_batch_no} ${wd.status}: ${JSON.stringify(atChannel)}`);
        if (typeof atChannel === 'object' && wd.status === 'paid') assert.equal(atChannel.amountFen, wd.amount_fen);
      }
      // Refunds to the channel: each settled at the channel with its amount; never more than the payment.
      const refunds = await k.selectFrom('wallet_refunds').selectAll().execute();
      for (const rf of refunds) {
        assert.equal(rf.status, 'success', rf.out_refund_no);
        const pay = payments.find((x) => x.id === rf.payment_id)!;
        assert.deepEqual(await wechat.queryRefund({ outTradeNo: pay.out_trade_no, outRefundNo: rf.out_refund_no }), {
          status: 'success',
          amountFen: rf.amount_fen,
        });
      }
      for (const pay of payments) {
        const sum = refunds.filter((r) => r.payment_id === pay.id).reduce((n, r) => n + Number(r.amount_fen), 0);
        assert.ok(sum <= pay.amount_fen, `${pay.out_trade_no}: refunded ${sum} of ${pay.amount_fen}`);
      }
      t.diagnostic(
        `seed ${seed}: ${payments.length} channel payments, ${withdrawals.length} withdrawals, ${refunds.length} refunds to the channel, ${report.counts.transfers} transfers`,
      );
    } finally {
      await k.destroy();
    }
  } finally {
    await emu.close();
    await db.drop();
  }
}
