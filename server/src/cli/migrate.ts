import { loadConfig } from '../platform/config.ts';
import { openDatabase } from '../platform/db.ts';
import { migrate } from '../platform/migrate.ts';

/** `npm run migrate`: applies pending migrations to the configured database and exits. */
const config = loadConfig();
const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
try {
  const applied = await migrate(database.db);
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
} finally {
  await database.close();
}
