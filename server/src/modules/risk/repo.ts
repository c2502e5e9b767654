import { sql } from 'kysely';
import type { Executor } from '../../platform/db.ts';
import type { ArbitrationCase } from './provider.ts';
import type { Deduction, RiskLevel } from './scoring.ts';

/** Queries on the risk module's own tables; every function takes the executor first. */

export async function findCompany(db: Executor, creditCode: string, opts: { forUpdate?: boolean } = {}) {
  let q = db.selectFrom('risk_companies').selectAll().where('credit_code', '=', creditCode);
  if (opts.forUpdate) q = q.forUpdate();
  return q.executeTakeFirst();
}

export interface CompanyRow {
  creditCode: string;
  companyName: string;
  score: number;
  rawScore: number;
  level: RiskLevel;
  threshold: number;
  deductions: Deduction[];
  caseCount: number;
  totalAmountFen: number;
  latestCase: ArbitrationCase | null;
  cases: ArbitrationCase[];
  checkedAt: Date;
}

/** Inserts or replaces a company's latest check; keeps its watch state unless `watchSource` is given. */
export async function upsertCompany(db: Executor, c: CompanyRow, watchSource?: string): Promise<void> {
  const values = {
    credit_code: c.creditCode,
    company_name: c.companyName,
    score: c.score,
    raw_score: c.rawScore,
    level: c.level,
    threshold: c.threshold,
    deductions: JSON.stringify(c.deductions),
    case_count: c.caseCount,
    total_amount_fen: c.totalAmountFen,
    latest_case: JSON.stringify(c.latestCase),
    cases: JSON.stringify(c.cases),
    checked_at: c.checkedAt,
  };
  const watch = watchSource ? { watched: true, watch_source: watchSource, watched_since: c.checkedAt } : {};
  await db
    .insertInto('risk_companies')
    .values({ ...values, ...watch })
    .onConflict((oc) =>
      oc.column('credit_code').doUpdateSet({
        ...values,
        ...(watchSource
          ? { watched: true, watch_source: watchSource, watched_since: sql<Date>`coalesce(risk_companies.watched_since, ${c.checkedAt})` }
          : {}),
      }),
    )
    .execute();
}

export async function insertCheck(
  db: Executor,
  row: {
    id: string;
    credit_code: string;
    checked_at: Date;
    reason: string;
    score: number;
    level: string;
    threshold: number;
    case_count: number;
    total_amount_fen: number;
  },
): Promise<void> {
  await db.insertInto('risk_checks').values(row).execute();
}

/**
 * Appends an alert to the company's chain after `supersedes` (its latest alert, null for the first);
 * returns false when a racing check appended after the same alert first.
 */
export async function insertAlert(
  db: Executor,
  a: {
    id: string;
    credit_code: string;
    company_name: string;
    severity: 'urgent' | 'warning' | 'info';
    reason: string;
    score: number;
    threshold: number;
    case_count: number;
    total_amount_fen: number;
    latest_case: ArbitrationCase | null;
    new_case_nos: string[];
    fingerprint: string;
    supersedes: string | null;
    created_at: Date;
  },
): Promise<boolean> {
  const r = await db
    .insertInto('risk_alerts')
    .values({ ...a, latest_case: JSON.stringify(a.latest_case), new_case_nos: JSON.stringify(a.new_case_nos) })
    .onConflict((oc) => oc.columns(['credit_code', 'supersedes']).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** The company's latest alert: the end of its chain (no alert supersedes it). */
export async function latestAlert(db: Executor, creditCode: string) {
  return db
    .selectFrom('risk_alerts as a')
    .select(['a.id', 'a.fingerprint'])
    .where('a.credit_code', '=', creditCode)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('risk_alerts as b')
            .select('b.id')
            .whereRef('b.credit_code', '=', 'a.credit_code')
            .whereRef('b.supersedes', '=', 'a.id'),
        ),
      ),
    )
    .executeTakeFirst();
}

export async function findAlert(db: Executor, id: string) {
  return db.selectFrom('risk_alerts').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Newest first, keyset-paginated on (created_at, id). */
export async function listAlerts(
  db: Executor,
  o: { limit: number; after?: { t: string; id: string } | undefined; severity?: string | undefined; creditCode?: string | undefined },
) {
  let q = db
    .selectFrom('risk_alerts')
    .selectAll()
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(o.limit + 1);
  if (o.severity) q = q.where('severity', '=', o.severity as 'urgent');
  if (o.creditCode) q = q.where('credit_code', '=', o.creditCode);
  if (o.after) {
    const after = o.after;
    q = q.where((eb) =>
      eb.or([eb('created_at', '<', new Date(after.t)), eb.and([eb('created_at', '=', new Date(after.t)), eb('id', '<', after.id)])]),
    );
  }
  return q.execute();
}

export async function latestThreshold(db: Executor) {
  return db.selectFrom('risk_thresholds').selectAll().orderBy('computed_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
}

export async function listThresholds(db: Executor, limit: number) {
  return db.selectFrom('risk_thresholds').selectAll().orderBy('computed_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}

export async function insertThreshold(
  db: Executor,
  t: {
    id: string;
    value: number;
    source: 'default' | 'dynamic';
    percentile: number | null;
    benchmark: string | null;
    sample_size: number;
    distribution: number[];
    computed_at: Date;
  },
): Promise<void> {
  await db
    .insertInto('risk_thresholds')
    .values({ ...t, distribution: JSON.stringify(t.distribution) })
    .execute();
}

export async function findScores(db: Executor, codes: string[]) {
  return db.selectFrom('risk_companies').select(['credit_code', 'score']).where('credit_code', 'in', codes).execute();
}

/** The latest score of every checked company: the peer group of the benchmark (A8). */
export async function allScores(db: Executor): Promise<number[]> {
  const rows = await db.selectFrom('risk_companies').select('score').execute();
  return rows.map((r) => r.score);
}

export async function listWatched(db: Executor) {
  return db
    .selectFrom('risk_companies')
    .select(['credit_code', 'company_name', 'score', 'level', 'checked_at', 'watch_source', 'watched_since', 'case_count'])
    .where('watched', '=', true)
    .orderBy('credit_code')
    .execute();
}

export async function listWatchRequests(db: Executor) {
  return db.selectFrom('risk_watch_requests').selectAll().orderBy('requested_at').execute();
}

export async function addWatchRequest(db: Executor, creditCode: string, source: string, at: Date): Promise<void> {
  await db
    .insertInto('risk_watch_requests')
    .values({ credit_code: creditCode, source, requested_at: at })
    .onConflict((oc) => oc.column('credit_code').doNothing())
    .execute();
}

export async function deleteWatchRequest(db: Executor, creditCode: string): Promise<void> {
  await db.deleteFrom('risk_watch_requests').where('credit_code', '=', creditCode).execute();
}

export async function setWatched(db: Executor, creditCode: string, watched: boolean): Promise<boolean> {
  const r = await db
    .updateTable('risk_companies')
    .set(watched ? { watched: true } : { watched: false, watch_source: null, watched_since: null })
    .where('credit_code', '=', creditCode)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}
