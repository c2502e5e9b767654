import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createTestApp, type TestApp } from './helpers.ts';
import { newId } from '../src/platform/ids.ts';
import type { Tx } from '../src/platform/db.ts';
import { messagesModule } from '../src/modules/messages/index.ts';
import * as wallet from '../src/modules/wallet/index.ts';

type Cmd =
  | { op: 'topUp'; user: number; trade: number }
  | { op: 'pay'; slot: number }
  | { op: 'complete'; slot: number }
  | { op: 'cancel'; slot: number }
  | { op: 'cancelTaken'; slot: number; toChannel: boolean }
  | { op: 'withdraw'; slot: number }
  | { op: 'payoutResult'; slot: number; success: boolean }
  | { op: 'crash'; inner: 'topUp' | 'pay' | 'withdraw'; slot: number };

const USERS = 3;
// Every business fact is a function of its slot, so a repeated command is a genuine retry (same content).
const topUpAmount = (user: number, trade: number) => 1_000 + user * 300 + trade * 1_700;
const orderAmount = (slot: number) => 800 + slot * 900;
const orderPayer = (slot: number) => slot % USERS;
const orderCourier = (slot: number) => (slot + 1) % USERS;
const orderFee = (slot: number) => (slot * 37) % 300;
/** A cancelled taken order: the courier's compensation, and how much of the rest goes back to the channel. */
const compensation = (slot: number) => Math.floor(orderAmount(slot) / 10);
const channelPart = (slot: number) => Math.min(orderAmount(slot) - compensation(slot), 500 + slot * 400);
const payoutAmount = (slot: number) => 500 + slot * 1_100;
const payoutUser = (slot: number) => (slot * 2) % USERS;
const payoutFee = (slot: number) => (slot % 2) * 100;

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  fc.record({ op: fc.constant('topUp' as const), user: fc.nat(USERS - 1), trade: fc.nat(4) }),
  fc.record({ op: fc.constant('pay' as const), slot: fc.nat(5) }),
  fc.record({ op: fc.constant('complete' as const), slot: fc.nat(5) }),
  fc.record({ op: fc.constant('cancel' as const), slot: fc.nat(5) }),
  fc.record({ op: fc.constant('cancelTaken' as const), slot: fc.nat(5), toChannel: fc.boolean() }),
  fc.record({ op: fc.constant('withdraw' as const), slot: fc.nat(4) }),
  fc.record({ op: fc.constant('payoutResult' as const), slot: fc.nat(4), success: fc.boolean() }),
  fc.record({
    op: fc.constant('crash' as const),
    inner: fc.constantFrom('topUp' as const, 'pay' as const, 'withdraw' as const),
    slot: fc.nat(4),
  }),
);

/**
 * Random sequences of top-ups, order payments, completions, cancellations (also of taken orders: the
 * courier's compensation, the rest partly refunded to the channel), withdrawals, channel failures,
 * retries and crashes mid-transaction, against a simple model; after every step the ledger's
 * invariants hold and every user's balances equal the model's.
 */
describe('wallet ledger (property-based)', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ modules: [messagesModule, wallet.walletModule] });
  });
  after(async () => t.close());

  it('S5.9a S6.4b: invariants hold after every step of random money flows with failures and retries', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(cmd, { minLength: 1, maxLength: 25 }), async (cmds) => {
        const users = Array.from({ length: USERS }, () => newId());
        const orders = Array.from({ length: 6 }, () => newId());
        const payouts = Array.from({ length: 5 }, () => newId());
        const trades = new Map<string, string>();
        const model = users.map(() => ({ available: 0, held: 0 }));
        const topped = new Set<string>();
        const orderState = new Map<number, 'paid' | 'released' | 'refunded'>();
        const payoutState = new Map<number, 'held' | 'paid' | 'failed'>();
        const run = <T>(f: (tx: Tx) => Promise<T>) => t.p.db.transaction().execute(f);
        const outcome = async (f: () => Promise<unknown>): Promise<string> => {
          try {
            await f();
            return 'ok';
          } catch (err) {
            const c = (err as { code?: string }).code;
            if (!c || c === 'ERR_ASSERTION') throw err;
            return c;
          }
        };
        const tradeNo = (user: number, trade: number) => {
          const k = `${user}:${trade}`;
          if (!trades.has(k)) trades.set(k, newId());
          return trades.get(k)!;
        };
        const doTopUp = (tx: Tx, user: number, trade: number) =>
          wallet.creditTopUp(t.p, tx, {
            userId: users[user]!,
            channel: 'emu',
            channelTradeNo: tradeNo(user, trade),
            amountFen: topUpAmount(user, trade),
          });
        const doPay = (tx: Tx, slot: number) =>
          wallet.holdToEscrow(t.p, tx, { orderId: orders[slot]!, payerId: users[orderPayer(slot)]!, amountFen: orderAmount(slot) });
        const doWithdraw = (tx: Tx, slot: number) =>
          wallet.holdForPayout(t.p, tx, {
            payoutId: payouts[slot]!,
            userId: users[payoutUser(slot)]!,
            amountFen: payoutAmount(slot),
            feeFen: payoutFee(slot),
          });

        for (const c of cmds) {
          switch (c.op) {
            case 'topUp': {
              const r = await outcome(() => run((tx) => doTopUp(tx, c.user, c.trade)));
              assert.equal(r, 'ok');
              const k = `${c.user}:${c.trade}`;
              if (!topped.has(k)) model[c.user]!.available += topUpAmount(c.user, c.trade);
              topped.add(k);
              break;
            }
            case 'pay': {
              const r = await outcome(() => run((tx) => doPay(tx, c.slot)));
              const payer = model[orderPayer(c.slot)]!;
              if (orderState.has(c.slot))
                assert.equal(r, 'ok'); // a retry replays
              else if (payer.available >= orderAmount(c.slot)) {
                assert.equal(r, 'ok');
                payer.available -= orderAmount(c.slot);
                orderState.set(c.slot, 'paid');
              } else assert.equal(r, 'INSUFFICIENT_FUNDS');
              break;
            }
            case 'complete':
            case 'cancel': {
              const r = await outcome(() =>
                run((tx) =>
                  c.op === 'complete'
                    ? wallet.releaseEscrow(t.p, tx, {
                        orderId: orders[c.slot]!,
                        courierId: users[orderCourier(c.slot)]!,
                        feeFen: orderFee(c.slot),
                      })
                    : wallet.refundEscrow(t.p, tx, { orderId: orders[c.slot]! }),
                ),
              );
              const s = orderState.get(c.slot);
              const target = c.op === 'complete' ? 'released' : 'refunded';
              if (!s) assert.equal(r, 'HOLD_NOT_FOUND');
              else if (s === 'paid') {
                assert.equal(r, 'ok');
                orderState.set(c.slot, target);
                if (target === 'released') model[orderCourier(c.slot)]!.available += orderAmount(c.slot) - orderFee(c.slot);
                else model[orderPayer(c.slot)]!.available += orderAmount(c.slot);
              } else assert.equal(r, s === target ? 'ok' : 'HOLD_ALREADY_SETTLED');
              break;
            }
            case 'cancelTaken': {
              // S5.7a, S5.9b: compensation from the escrow to the courier, then the rest back — part of it to
              // the channel (a partial refund) or all of it to the payer's balance.
              const orderId = orders[c.slot]!;
              const r = await outcome(() =>
                run(async (tx) => {
                  if (!c.toChannel) {
                    await wallet.refundOrderEscrow(t.p, tx, {
                      orderId,
                      reason: 'property',
                      compensation: { courierId: users[orderCourier(c.slot)]!, amountFen: compensation(c.slot) },
                    });
                    return;
                  }
                  await wallet.payFromEscrow(t.p, tx, {
                    orderId,
                    courierId: users[orderCourier(c.slot)]!,
                    amountFen: compensation(c.slot),
                    key: `escrow.compensation:${orderId}`,
                  });
                  await wallet.refundEscrowSplit(t.p, tx, {
                    orderId,
                    toChannel: { channel: 'emu', outRefundNo: `RF${c.slot}`, amountFen: channelPart(c.slot) },
                  });
                }),
              );
              const s = orderState.get(c.slot);
              if (s === 'paid') {
                assert.equal(r, 'ok');
                orderState.set(c.slot, 'refunded');
                model[orderCourier(c.slot)]!.available += compensation(c.slot);
                model[orderPayer(c.slot)]!.available +=
                  orderAmount(c.slot) - compensation(c.slot) - (c.toChannel ? channelPart(c.slot) : 0);
              } else if (!s) assert.equal(r, 'HOLD_NOT_FOUND');
              // Already settled: refused, or a replay of the same refund that moves nothing (the balances below say so).
              else assert.ok(['ok', 'HOLD_NOT_FOUND', 'HOLD_ALREADY_SETTLED'].includes(r), r);
              break;
            }
            case 'withdraw': {
              const r = await outcome(() => run((tx) => doWithdraw(tx, c.slot)));
              const u = model[payoutUser(c.slot)]!;
              const total = payoutAmount(c.slot) + payoutFee(c.slot);
              if (payoutState.has(c.slot)) assert.equal(r, 'ok');
              else if (u.available >= total) {
                assert.equal(r, 'ok');
                u.available -= total;
                u.held += total;
                payoutState.set(c.slot, 'held');
              } else assert.equal(r, 'INSUFFICIENT_FUNDS');
              break;
            }
            case 'payoutResult': {
              const r = await outcome(() =>
                run((tx) =>
                  c.success
                    ? wallet.settlePayout(t.p, tx, { payoutId: payouts[c.slot]!, channel: 'emu' })
                    : wallet.voidPayout(t.p, tx, { payoutId: payouts[c.slot]! }),
                ),
              );
              const s = payoutState.get(c.slot);
              const target = c.success ? 'paid' : 'failed';
              const u = model[payoutUser(c.slot)]!;
              const total = payoutAmount(c.slot) + payoutFee(c.slot);
              if (!s) assert.equal(r, 'HOLD_NOT_FOUND');
              else if (s === 'held') {
                assert.equal(r, 'ok');
                payoutState.set(c.slot, target);
                u.held -= total;
                if (!c.success) u.available += total;
              } else assert.equal(r, s === target ? 'ok' : 'HOLD_ALREADY_SETTLED');
              break;
            }
            case 'crash': {
              // The process dies after the ledger work but before commit: nothing of it may remain.
              const r = await outcome(() =>
                run(async (tx) => {
                  if (c.inner === 'topUp') await doTopUp(tx, c.slot % USERS, 4);
                  if (c.inner === 'pay') await doPay(tx, c.slot);
                  if (c.inner === 'withdraw') await doWithdraw(tx, c.slot);
                  throw Object.assign(new Error('crash'), { code: 'SIMULATED_CRASH' });
                }),
              );
              assert.ok(r === 'SIMULATED_CRASH' || r === 'INSUFFICIENT_FUNDS', r);
              break;
            }
          }
          const report = await wallet.verifyLedger(t.p.db);
          assert.deepEqual(report.violations, [], `after ${JSON.stringify(c)}`);
          for (let i = 0; i < USERS; i++) {
            const b = await wallet.getBalances(t.p.db, users[i]!);
            assert.deepEqual(b, { availableFen: model[i]!.available, heldFen: model[i]!.held }, `user ${i} after ${JSON.stringify(c)}`);
          }
        }
      }),
      { numRuns: 25, seed: 20261123 },
    );
  });
});
