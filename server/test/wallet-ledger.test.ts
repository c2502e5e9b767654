import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { createTestApp, testDatabaseUrl, type TestApp } from './helpers.ts';
import { newId } from '../src/platform/ids.ts';
import type { Tx } from '../src/platform/db.ts';
import { messagesModule } from '../src/modules/messages/index.ts';
import * as messages from '../src/modules/messages/service.ts';
import * as wallet from '../src/modules/wallet/index.ts';

/** The double-entry ledger behind the wallet, on a real database (PGlite, or PostgreSQL in CI). */
describe('wallet ledger', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ modules: [messagesModule, wallet.walletModule] });
  });
  after(async () => t.close());

  const run = <T>(f: (tx: Tx) => Promise<T>) => t.p.db.transaction().execute(f);
  const balances = (userId: string) => wallet.getBalances(t.p.db, userId);
  const code = async (f: () => Promise<unknown>) => {
    try {
      await f();
    } catch (err) {
      return (err as { code?: string }).code;
    }
    return 'no error';
  };
  const assertLedgerHolds = async () => {
    const report = await wallet.verifyLedger(t.p.db);
    assert.deepEqual(report.violations, []);
  };
  const topUp = (userId: string, amountFen: number, tradeNo = newId()) =>
    run((tx) => wallet.creditTopUp(t.p, tx, { userId, channel: 'wechat', channelTradeNo: tradeNo, amountFen }));

  it('S5.9a: a top-up credits the available balance once per channel trade number', async () => {
    const user = newId();
    const first = await topUp(user, 10_000, 'T-1');
    const again = await topUp(user, 10_000, 'T-1');
    assert.equal(again.replayed, true);
    assert.equal(again.transferId, first.transferId);
    assert.deepEqual(await balances(user), { availableFen: 10_000, heldFen: 0 });
    // Same key, different content: refused, and the first transfer stands.
    assert.equal(await code(() => topUp(user, 99_999, 'T-1')), 'LEDGER_IDEMPOTENCY_CONFLICT');
    assert.deepEqual(await balances(user), { availableFen: 10_000, heldFen: 0 });
    await assertLedgerHolds();
  });

  it('S5.9a: a debit that would overdraw is refused and nothing moves', async () => {
    const user = newId();
    await topUp(user, 500);
    assert.equal(
      await code(() => run((tx) => wallet.debit(t.p, tx, { userId: user, amountFen: 501, reason: 'test', key: newId() }))),
      'INSUFFICIENT_FUNDS',
    );
    assert.deepEqual(await balances(user), { availableFen: 500, heldFen: 0 });
    await run((tx) => wallet.debit(t.p, tx, { userId: user, amountFen: 500, reason: 'test', key: newId() }));
    assert.deepEqual(await balances(user), { availableFen: 0, heldFen: 0 });
    await assertLedgerHolds();
  });

  it('S5.9a: unbalanced or zero transfers are rejected, by the code and by the database at commit', async () => {
    const user = newId();
    assert.equal(
      await code(() =>
        run((tx) =>
          wallet.postTransfer(t.p, tx, {
            key: newId(),
            kind: 'adjustment',
            postings: [
              { account: wallet.Accounts.adjustments(), amountFen: -100 },
              { account: wallet.Accounts.userAvailable(user), amountFen: 99 },
            ],
          }),
        ),
      ),
      'LEDGER_TRANSFER_INVALID',
    );
    // Bypassing the code: the deferred constraint trigger refuses to commit an unbalanced transfer.
    const acct = await run(async (tx) => {
      await wallet.credit(t.p, tx, { userId: user, amountFen: 1, reason: 'open account', key: newId() });
      return tx.selectFrom('ledger_accounts').select('id').where('code', '=', `user:${user}:available`).executeTakeFirstOrThrow();
    });
    await assert.rejects(
      run(async (tx) => {
        const id = newId();
        await sql`INSERT INTO ledger_transfers (id, idempotency_key, content_hash, kind, created_at) VALUES (${id}, ${id}, 'x', 'adjustment', now())`.execute(
          tx,
        );
        await sql`INSERT INTO ledger_postings (transfer_id, account_id, amount_fen, balance_after_fen, created_at)
                  VALUES (${id}, ${acct.id}, 5, 6, now())`.execute(tx);
      }),
      /unbalanced/,
    );
    await assertLedgerHolds();
  });

  it('S5.9a: transfers and postings are immutable; a correction is a reversing transfer, applied once', async () => {
    const user = newId();
    const tr = await topUp(user, 2_000);
    await assert.rejects(sql`UPDATE ledger_postings SET amount_fen = 1 WHERE transfer_id = ${tr.transferId}`.execute(t.p.db), /immutable/);
    await assert.rejects(sql`DELETE FROM ledger_transfers WHERE id = ${tr.transferId}`.execute(t.p.db), /immutable|foreign key/);
    const rev = await run((tx) => wallet.reverseTransfer(t.p, tx, { transferId: tr.transferId, reason: 'duplicate top-up' }));
    const again = await run((tx) => wallet.reverseTransfer(t.p, tx, { transferId: tr.transferId, reason: 'duplicate top-up' }));
    assert.equal(again.transferId, rev.transferId);
    assert.equal(
      await code(() => run((tx) => wallet.reverseTransfer(t.p, tx, { transferId: tr.transferId, reason: 'another reason' }))),
      'LEDGER_TRANSFER_NOT_REVERSIBLE',
    );
    assert.deepEqual(await balances(user), { availableFen: 0, heldFen: 0 });
    await assertLedgerHolds();
  });

  it('S5.9a: an order escrow is paid once, then released to the courier minus the platform fee, exactly once', async () => {
    const owner = newId();
    const courier = newId();
    const order = newId();
    await topUp(owner, 30_000);
    const hold = await run((tx) => wallet.holdToEscrow(t.p, tx, { orderId: order, payerId: owner, amountFen: 20_000 }));
    assert.equal(hold.status, 'pending');
    // A retried payment replays; a different payment for the same order is refused.
    const replay = await run((tx) => wallet.holdToEscrow(t.p, tx, { orderId: order, payerId: owner, amountFen: 20_000 }));
    assert.equal(replay.id, hold.id);
    assert.equal(
      await code(() => run((tx) => wallet.holdToEscrow(t.p, tx, { orderId: order, payerId: owner, amountFen: 1 }))),
      'ESCROW_ALREADY_PAID',
    );
    assert.deepEqual(await balances(owner), { availableFen: 10_000, heldFen: 0 });
    await assertLedgerHolds();

    assert.equal(
      await code(() => run((tx) => wallet.releaseEscrow(t.p, tx, { orderId: order, courierId: courier, feeFen: 20_001 }))),
      'ESCROW_FEE_TOO_LARGE',
    );
    const released = await run((tx) => wallet.releaseEscrow(t.p, tx, { orderId: order, courierId: courier, feeFen: 2_000 }));
    assert.equal(released.status, 'posted');
    await run((tx) => wallet.releaseEscrow(t.p, tx, { orderId: order, courierId: courier, feeFen: 2_000 })); // retry: no-op
    assert.equal(await code(() => run((tx) => wallet.refundEscrow(t.p, tx, { orderId: order }))), 'HOLD_ALREADY_SETTLED');
    assert.deepEqual(await balances(courier), { availableFen: 18_000, heldFen: 0 });
    assert.deepEqual(await balances(owner), { availableFen: 10_000, heldFen: 0 });
    assert.equal(
      await code(() => run((tx) => wallet.reverseTransfer(t.p, tx, { transferId: hold.holdTransferId, reason: 'x' }))),
      'LEDGER_TRANSFER_NOT_REVERSIBLE',
    );
    await assertLedgerHolds();
  });

  it('S5.9a: a cancelled order refunds its escrow to the payer; paying through a channel escrows from the clearing account', async () => {
    const owner = newId();
    const order = newId();
    await run((tx) =>
      wallet.holdToEscrow(t.p, tx, { orderId: order, payerId: owner, amountFen: 5_000, channel: { name: 'wechat', tradeNo: 'W-9' } }),
    );
    assert.deepEqual(await balances(owner), { availableFen: 0, heldFen: 0 });
    const refunded = await run((tx) => wallet.refundEscrow(t.p, tx, { orderId: order }));
    assert.equal(refunded.status, 'voided');
    assert.equal(
      await code(() => run((tx) => wallet.releaseEscrow(t.p, tx, { orderId: order, courierId: newId(), feeFen: 0 }))),
      'HOLD_ALREADY_SETTLED',
    );
    assert.deepEqual(await balances(owner), { availableFen: 5_000, heldFen: 0 });
    assert.equal(await code(() => run((tx) => wallet.refundEscrow(t.p, tx, { orderId: newId() }))), 'HOLD_NOT_FOUND');
    await assertLedgerHolds();
  });

  it('S5.9b: a withdrawal holds amount + fee, then pays out or returns the funds, never both', async () => {
    const courier = newId();
    await topUp(courier, 10_000);
    const payout = newId();
    await run((tx) => wallet.holdForPayout(t.p, tx, { payoutId: payout, userId: courier, amountFen: 6_000, feeFen: 100 }));
    assert.deepEqual(await balances(courier), { availableFen: 3_900, heldFen: 6_100 });
    assert.equal(
      await code(() => run((tx) => wallet.holdForPayout(t.p, tx, { payoutId: newId(), userId: courier, amountFen: 3_900, feeFen: 100 }))),
      'INSUFFICIENT_FUNDS',
    );
    await run((tx) => wallet.settlePayout(t.p, tx, { payoutId: payout, channel: 'wechat' }));
    assert.equal(await code(() => run((tx) => wallet.voidPayout(t.p, tx, { payoutId: payout }))), 'HOLD_ALREADY_SETTLED');
    assert.deepEqual(await balances(courier), { availableFen: 3_900, heldFen: 0 });

    const failed = newId();
    await run((tx) => wallet.holdForPayout(t.p, tx, { payoutId: failed, userId: courier, amountFen: 3_000, feeFen: 0 }));
    await run((tx) => wallet.voidPayout(t.p, tx, { payoutId: failed }));
    await run((tx) => wallet.voidPayout(t.p, tx, { payoutId: failed })); // a redelivered failure: no-op
    assert.equal(
      await code(() => run((tx) => wallet.settlePayout(t.p, tx, { payoutId: failed, channel: 'wechat' }))),
      'HOLD_ALREADY_SETTLED',
    );
    assert.deepEqual(await balances(courier), { availableFen: 3_900, heldFen: 0 });
    await assertLedgerHolds();
  });

  it('S5.8c: every wallet movement notifies its owner with the new balance', async () => {
    const user = newId();
    await topUp(user, 12_345);
    await t.p.jobs.drain();
    await run((tx) => wallet.holdForPayout(t.p, tx, { payoutId: newId(), userId: user, amountFen: 2_345, feeFen: 0 }));
    await t.p.jobs.drain();
    const zh = await messages.findNotifications(t.p, user, {}, 'zh-CN');
    assert.equal(zh.items.length, 2);
    assert.equal(zh.items[0]!.category, 'wallet');
    assert.match(zh.items[0]!.body, /可用余额 100\.00 元，冻结 23\.45 元/);
    assert.match(zh.items[1]!.body, /充值到账.*\+123\.45.*可用余额 123\.45 元/);
    const en = await messages.findNotifications(t.p, user, {}, 'en-US');
    assert.match(en.items[1]!.title, /Top-up received/);
  });

  it('S5.9a: ledger:verify names drifted balances and orphan holds', async () => {
    const user = newId();
    await topUp(user, 700);
    await sql`UPDATE ledger_accounts SET balance_fen = balance_fen + 1 WHERE code = ${`user:${user}:available`}`.execute(t.p.db);
    const report = await wallet.verifyLedger(t.p.db);
    assert.equal(report.ok, false);
    assert.ok(report.violations.some((v) => v.rule === 'account_balance_matches_postings' && v.detail.includes(user)));
    await sql`UPDATE ledger_accounts SET balance_fen = balance_fen - 1 WHERE code = ${`user:${user}:available`}`.execute(t.p.db);
    const order = newId();
    await run((tx) => wallet.holdToEscrow(t.p, tx, { orderId: order, payerId: user, amountFen: 700 }));
    await sql`UPDATE ledger_holds SET amount_fen = 600 WHERE reference_id = ${order}`.execute(t.p.db);
    const r2 = await wallet.verifyLedger(t.p.db);
    assert.ok(r2.violations.some((v) => v.rule === 'no_orphan_holds' && v.detail.includes(order)));
    await sql`UPDATE ledger_holds SET amount_fen = 700 WHERE reference_id = ${order}`.execute(t.p.db);
    await assertLedgerHolds();
  });

  it(`S6.4b: many concurrent debits never overdraw a balance (${testDatabaseUrl ? 'PostgreSQL' : 'PGlite'})`, async () => {
    const user = newId();
    await topUp(user, 1_000);
    const attempts = 40;
    const results = await Promise.allSettled(
      Array.from({ length: attempts }, (_, i) =>
        run((tx) => wallet.debit(t.p, tx, { userId: user, amountFen: 100, reason: 'race', key: `race-${user}-${i}` })),
      ),
    );
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    const refused = results.filter((r) => r.status === 'rejected' && (r.reason as { code?: string }).code === 'INSUFFICIENT_FUNDS').length;
    assert.equal(ok, 10);
    assert.equal(refused, attempts - 10);
    assert.deepEqual(await balances(user), { availableFen: 0, heldFen: 0 });
    // And racing identical retries of one payout hold: one hold, one debit.
    await topUp(user, 500);
    const payout = newId();
    const same = await Promise.allSettled(
      Array.from({ length: 10 }, () =>
        run((tx) => wallet.holdForPayout(t.p, tx, { payoutId: payout, userId: user, amountFen: 300, feeFen: 0 })),
      ),
    );
    assert.ok(same.every((r) => r.status === 'fulfilled'));
    assert.deepEqual(await balances(user), { availableFen: 200, heldFen: 300 });
    await assertLedgerHolds();
  });
});
