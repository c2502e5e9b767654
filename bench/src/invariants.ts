import { openDatabase } from '../../server/src/platform/db.ts';
import { verifyLedger } from '../../server/src/modules/wallet/verify.ts';

/** The correctness checks after a run: what load must never break (S6.4b). */
export interface InvariantReport {
  ok: boolean;
  ledger: { ok: boolean; violations: string[]; counts: Record<string, number> };
  /** Orders whose take events outnumber releases by more than one, or taken without a courier. */
  doubleTaken: number;
  /** Couriers holding overlapping active shifts (the database's exclusion constraint should make this 0). */
  overlappingShifts: number;
  /** Queued subscriber/job deliveries not yet completed (reported; the harness waits for it to drain). */
  outboxBacklog: number;
  /** Users whose notification sequence has gaps or disagrees with their counter. */
  notificationSeqProblems: number;
}

/** `target` is a PostgreSQL URL, or `pglite:<data dir>` for the embedded reference (only while no server has it open). */
export async function checkInvariants(target: string): Promise<InvariantReport> {
  const database = target.startsWith('pglite:')
    ? await openDatabase({ dataDir: target.slice('pglite:'.length) })
    : await openDatabase({ databaseUrl: target, dataDir: 'memory://', poolMax: 2 });
  try {
    const ledger = await verifyLedger(database.db);
    const q = async (text: string): Promise<number> => Number((await database.pool.query<{ n: string }>(text)).rows[0]?.n ?? 0);
    const doubleTaken = await q(`
      SELECT count(*) AS n FROM (
        SELECT e.order_id FROM order_events e
        GROUP BY e.order_id
        HAVING count(*) FILTER (WHERE e.action = 'take') - count(*) FILTER (WHERE e.action IN ('release', 'cancel', 'expire', 'republish')) > 1
      ) x`);
    const takenNoCourier = await q(
      `SELECT count(*) AS n FROM orders WHERE status IN ('taken', 'checked_in', 'checked_out') AND courier_id IS NULL`,
    );
    const overlappingShifts = await q(`
      SELECT count(*) AS n FROM orders a JOIN orders b
        ON a.courier_id = b.courier_id AND a.id < b.id AND tstzrange(a.starts_at, a.ends_at) && tstzrange(b.starts_at, b.ends_at)
      WHERE a.status IN ('taken', 'checked_in', 'checked_out') AND b.status IN ('taken', 'checked_in', 'checked_out')`);
    // Subscriber deliveries (one pg-boss job per event and handler) not yet completed.
    const boss = await q(`SELECT count(*) AS n FROM pg_tables WHERE schemaname = 'pgboss' AND tablename = 'job'`);
    const outboxBacklog = boss ? await q(`SELECT count(*) AS n FROM pgboss.job WHERE state IN ('created', 'retry', 'active')`) : 0;
    const notificationSeqProblems = await q(`
      SELECT count(*) AS n FROM notification_counters c
      LEFT JOIN (SELECT user_id, count(*) AS cnt, max(seq) AS mx FROM notifications GROUP BY user_id) n ON n.user_id = c.user_id
      WHERE coalesce(n.mx, 0) <> c.last_seq`);
    const report: InvariantReport = {
      ok: false,
      ledger: {
        ok: ledger.ok,
        violations: ledger.violations.slice(0, 20).map((v) => `${v.rule}: ${v.detail}`),
        counts: ledger.counts,
      },
      doubleTaken: doubleTaken + takenNoCourier,
      overlappingShifts,
      outboxBacklog,
      notificationSeqProblems,
    };
    report.ok = ledger.ok && report.doubleTaken === 0 && overlappingShifts === 0 && notificationSeqProblems === 0;
    return report;
  } finally {
    await database.close();
  }
}
