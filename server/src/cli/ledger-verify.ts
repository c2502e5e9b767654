import { loadConfig } from '../platform/config.ts';
import { openDatabase } from '../platform/db.ts';
import { verifyLedger } from '../modules/wallet/verify.ts';

/**
 * `npm run ledger:verify`: checks the ledger's invariants on the configured database (DATABASE_URL, or
 * the embedded PGlite under DATA_DIR) and exits 1 when any is broken, naming the rows.
 */
const config = loadConfig();
const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
let failed = false;
try {
  const exists = await database.pool.query(`SELECT to_regclass('public.ledger_postings') AS t`);
  if (!exists.rows[0]?.t) {
    console.log('ledger:verify: no ledger tables yet (run migrations first); nothing to check');
  } else {
    const report = await verifyLedger(database.db);
    const c = report.counts;
    console.log(`ledger:verify: ${c.accounts} accounts, ${c.transfers} transfers, ${c.postings} postings, ${c.pendingHolds} pending holds`);
    for (const v of report.violations) console.log(`  VIOLATION ${v.rule}: ${v.detail}`);
    console.log(
      report.ok ? 'ledger:verify: OK — every invariant holds' : `ledger:verify: FAILED — ${report.violations.length} violation(s)`,
    );
    failed = !report.ok;
  }
} finally {
  await database.close();
}
process.exit(failed ? 1 : 0);
