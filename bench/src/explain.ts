import { openDatabase } from '../../server/src/platform/db.ts';
import { marketQuery } from '../../server/src/modules/orders/repo.ts';
import { keywordTerms } from '../../server/src/modules/orders/search.ts';
import type { Manifest } from './generate.ts';

/**
 * EXPLAIN (ANALYZE, BUFFERS) of the exact SQL the server runs for the complex market query (compiled
 * from the orders module's own query builder), on the bench database.
 */
export async function explainMarket(databaseUrl: string, m: Manifest): Promise<string> {
  const p = m.queryPoints[0];
  if (!p) return '(no query point)';
  const database = await openDatabase({ databaseUrl, dataDir: 'memory://', poolMax: 1 });
  try {
    const now = new Date(m.now);
    const q = marketQuery(database.db, {
      now,
      terms: keywordTerms(p.keyword),
      region: { code: p.region, level: 'province' },
      startsFrom: now,
      startsBefore: new Date(now.getTime() + 30 * 86_400_000),
      point: { lat: p.lat, lng: p.lng },
      radiusM: 5000,
      sort: 'distance',
      limit: 21,
    }).compile();
    const r = await database.pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${q.sql}`, q.parameters as unknown[]);
    return r.rows.map((x) => x['QUERY PLAN']).join('\n');
  } finally {
    await database.close();
  }
}
