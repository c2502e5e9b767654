import { createHash, createHmac } from 'node:crypto';
import { sql } from 'kysely';
import { AppError } from '../../platform/errors.ts';
import type { Executor, Tx } from '../../platform/db.ts';
import { newId } from '../../platform/ids.ts';
import type { Platform } from '../../platform/platform.ts';
import { notify } from '../messages/index.ts';
import { ROLE_PERMISSIONS } from '../accounts/index.ts';
import { findVerifiedCreditCodes } from '../identity/index.ts';
import { normaliseCreditCode } from './credit-code.ts';
import type { ArbitrationLookup, BatchOutcome } from './lookup.ts';
import { runBatch } from './lookup.ts';
import type { RiskMetrics } from './metrics.ts';
import type { ArbitrationCase } from './provider.ts';
import * as repo from './repo.ts';
import { levelOf, percentile, scoreCases, severityOf, type Deduction, type RiskLevel, type ScoringConfig } from './scoring.ts';

/** Who receives risk alerts: user ids of active staff holding 'risk:read'. */
export type RiskStaffDirectory = (tx: Executor) => Promise<string[]>;

/** The unified social credit codes of companies with live stores (A9: re-checked weekly). */
export type LiveStoreCompanies = (p: Platform) => Promise<string[]>;

/** Everything the risk use cases need; built once per platform in the module's register(). */
export interface RiskDeps {
  p: Platform;
  /** Undefined when no provider is configured (production without ARBITRATION_BASE_URL). */
  lookup: ArbitrationLookup | undefined;
  metrics: RiskMetrics;
  scoring: ScoringConfig;
  staff: RiskStaffDirectory;
  liveStoreCompanies: LiveStoreCompanies;
  fetch: typeof fetch;
}

/** Event published in the transaction that records a new alert. */
export const ALERT_RAISED = 'risk.alert.raised';

/** Staff roles whose permissions include 'risk:read', from the accounts module's role table. */
export const riskReadRoles = (): string[] =>
  Object.entries(ROLE_PERMISSIONS)
    .filter(([, perms]) => perms.includes('risk:read'))
    .map(([role]) => role);

/**
 * Default staff directory: active staff accounts holding a role that grants 'risk:read'. The accounts
 * module exports no "users by role" lookup yet, so this reads its `users` table (id, kind, status,
 * roles only — no personal data); replaceable via createRiskModule({ staffDirectory }).
 */
export const defaultStaffDirectory: RiskStaffDirectory = async (tx) => {
  const exists = await sql<{ t: string | null }>`SELECT to_regclass('users')::text AS t`.execute(tx);
  if (!exists.rows[0]?.t) return [];
  const r = await sql<{ id: string }>`
    SELECT id FROM users WHERE kind = 'staff' AND status = 'active' AND roles && ${riskReadRoles()}::text[] ORDER BY id`.execute(tx);
  return r.rows.map((x) => x.id);
};

/**
 * Default: verified enterprises owning at least one store that is not deleted — the only employers whose
 * orders carry a credit code. Reads the stores module's `stores` table (owner ids only; stores exports no
 * "owners with stores" lookup) and identity's verified credit codes, 1000 owners per query.
 */
export const defaultLiveStoreCompanies: LiveStoreCompanies = async (p) => {
  const exists = await sql<{ t: string | null }>`SELECT to_regclass('stores')::text AS t`.execute(p.db);
  if (!exists.rows[0]?.t) return [];
  const owners = (await sql<{ owner_id: string }>`SELECT DISTINCT owner_id FROM stores WHERE deleted_at IS NULL`.execute(p.db)).rows.map(
    (r) => r.owner_id,
  );
  const codes = new Set<string>();
  for (let i = 0; i < owners.length; i += 1000)
    for (const code of (await findVerifiedCreditCodes(p, owners.slice(i, i + 1000))).values()) {
      const valid = normaliseCreditCode(code);
      if (valid) codes.add(valid);
    }
  return [...codes];
};

/** The threshold in force: the latest weekly recomputation, or the configured default (A3, A8). */
export async function currentThreshold(
  p: Platform,
  db: Executor = p.db,
): Promise<{ value: number; source: 'default' | 'dynamic'; computedAt: Date | null }> {
  const t = await repo.latestThreshold(db);
  if (!t) return { value: p.config.risk.defaultThreshold, source: 'default', computedAt: null };
  return { value: t.value, source: t.source, computedAt: t.computed_at };
}

/** A company's risk as risk staff see it: score, each rule's deduction, cases, level. */
export interface CompanyReport {
  creditCode: string;
  companyName: string;
  score: number;
  rawScore: number;
  level: RiskLevel;
  threshold: number;
  thresholdSource: 'default' | 'dynamic';
  risky: boolean;
  deductions: Deduction[];
  caseCount: number;
  totalAmountFen: number;
  latestCase: ArbitrationCase | null;
  cases: ArbitrationCase[];
  checkedAt: Date;
  /** Alert raised by this check, if any. */
  alert: { id: string; severity: 'urgent' | 'warning' | 'info'; reason: string } | null;
}

export function requireCreditCode(raw: string): string {
  const code = normaliseCreditCode(raw);
  if (!code) throw new AppError('RISK_CREDIT_CODE_INVALID', { creditCode: raw.slice(0, 40) });
  return code;
}

function requireLookup(d: RiskDeps): ArbitrationLookup {
  if (!d.lookup) throw new AppError('ARBITRATION_NOT_CONFIGURED');
  return d.lookup;
}

const fingerprint = (parts: (string | number)[]) => createHash('sha256').update(parts.join('|')).digest('hex').slice(0, 32);

/**
 * Checks a company (A1–A4, A7, A9): its record through the two-level cache (or fresh from the
 * provider for scheduled re-checks), the score, and — in one transaction — the latest check, its
 * history row and any alert. Alerts: urgent < 40, warning < threshold; a new case or a crossing of
 * the threshold also alerts; an unchanged result never alerts twice.
 */
export async function checkCompany(
  d: RiskDeps,
  rawCode: string,
  opts: { reason: string; fresh?: boolean; watchSource?: string } = { reason: 'query' },
): Promise<CompanyReport> {
  const creditCode = requireCreditCode(rawCode);
  const result = await requireLookup(d).get(creditCode, { fresh: opts.fresh ?? false });
  if (!result.found) throw new AppError('ARBITRATION_COMPANY_NOT_FOUND', { creditCode });
  const { record } = result;
  const { p } = d;
  const now = p.clock.now();
  const s = scoreCases(record.cases, now, d.scoring);
  d.metrics.riskScore.observe(s.score);
  return p.db.transaction().execute(async (tx) => {
    const threshold = await currentThreshold(p, tx);
    const urgentBelow = p.config.risk.urgentBelow;
    const level = levelOf(s.score, threshold.value, urgentBelow);
    const prev = await repo.findCompany(tx, creditCode, { forUpdate: true });
    const totalAmountFen = record.cases.reduce((sum, c) => sum + c.amountFen, 0);
    const latestCase = record.cases[0] ?? null;
    await repo.upsertCompany(
      tx,
      {
        creditCode,
        companyName: record.companyName,
        score: s.score,
        rawScore: s.rawScore,
        level,
        threshold: threshold.value,
        deductions: s.deductions,
        caseCount: record.cases.length,
        totalAmountFen,
        latestCase,
        cases: record.cases,
        checkedAt: now,
      },
      opts.watchSource,
    );
    if (opts.watchSource) await repo.deleteWatchRequest(tx, creditCode);
    await repo.insertCheck(tx, {
      id: newId(),
      credit_code: creditCode,
      checked_at: now,
      reason: opts.reason,
      score: s.score,
      level,
      threshold: threshold.value,
      case_count: record.cases.length,
      total_amount_fen: totalAmountFen,
    });

    const prevCaseNos = new Set((prev?.cases ?? []).map((c) => c.caseNo));
    const newCaseNos = prev ? record.cases.filter((c) => !prevCaseNos.has(c.caseNo)).map((c) => c.caseNo) : [];
    const wasRisky = prev ? prev.score < prev.threshold : false;
    const severity = severityOf(s.score, threshold.value, urgentBelow);
    let alert: CompanyReport['alert'] = null;
    let kind: { severity: 'urgent' | 'warning' | 'info'; reason: string } | undefined;
    if (severity) {
      kind = { severity, reason: prev && !wasRisky ? 'crossed_threshold' : newCaseNos.length ? 'new_case' : 'below_threshold' };
    } else if (newCaseNos.length) {
      kind = { severity: 'info', reason: 'new_case' };
    } else if (prev && wasRisky) {
      kind = { severity: 'info', reason: 'recovered' };
    }
    // "Unchanged" is measured against the company's latest alert: the same severity, score and cases
    // as that alert raise nothing; a result seen before but not last (e.g. below a threshold that moved
    // up and back) alerts again.
    const fp = kind ? fingerprint([kind.severity, s.score, ...record.cases.map((c) => c.caseNo).sort()]) : '';
    const last = kind ? await repo.latestAlert(tx, creditCode) : undefined;
    if (kind && last?.fingerprint !== fp) {
      const id = newId();
      const inserted = await repo.insertAlert(tx, {
        id,
        credit_code: creditCode,
        company_name: record.companyName,
        severity: kind.severity,
        reason: kind.reason,
        score: s.score,
        threshold: threshold.value,
        case_count: record.cases.length,
        total_amount_fen: totalAmountFen,
        latest_case: latestCase,
        new_case_nos: newCaseNos,
        fingerprint: fp,
        supersedes: last?.id ?? null,
        created_at: now,
      });
      if (inserted) {
        await p.jobs.publish(tx, ALERT_RAISED, { alertId: id });
        alert = { id, ...kind };
      }
    }
    return {
      creditCode,
      companyName: record.companyName,
      score: s.score,
      rawScore: s.rawScore,
      level,
      threshold: threshold.value,
      thresholdSource: threshold.source,
      risky: s.score < threshold.value,
      deductions: s.deductions,
      caseCount: record.cases.length,
      totalAmountFen,
      latestCase,
      cases: record.cases,
      checkedAt: now,
      alert,
    };
  });
}

/** Checks many codes with at most ARBITRATION_BATCH_CONCURRENCY (5) provider calls in flight (A2). */
export async function batchCheck(d: RiskDeps, codes: string[]): Promise<BatchOutcome<CompanyReport>[]> {
  const unique = [...new Set(codes.map((c) => c.trim().toUpperCase()).filter(Boolean))];
  return runBatch(unique, d.p.config.arbitration.batchConcurrency, (code) => checkCompany(d, code, { reason: 'batch' }));
}

/** What couriers may see about a company: its level only, never case details (null: never checked). */
export async function findRiskLevel(
  p: Platform,
  rawCode: string,
): Promise<{ creditCode: string; companyName: string; level: RiskLevel; checkedAt: Date } | null> {
  const creditCode = requireCreditCode(rawCode);
  const c = await repo.findCompany(p.db, creditCode);
  if (!c) return null;
  const t = await currentThreshold(p);
  return { creditCode, companyName: c.company_name, level: levelOf(c.score, t.value, p.config.risk.urgentBelow), checkedAt: c.checked_at };
}

/** Levels of many companies at once (order lists): credit code → level; codes never checked are absent. */
export async function findRiskLevels(p: Platform, codes: readonly string[], db: Executor = p.db): Promise<Map<string, RiskLevel>> {
  const valid = [...new Set(codes.map((c) => normaliseCreditCode(c)).filter((c): c is string => !!c))];
  const out = new Map<string, RiskLevel>();
  if (!valid.length) return out;
  const t = await currentThreshold(p, db);
  for (const c of await repo.findScores(db, valid)) out.set(c.credit_code, levelOf(c.score, t.value, p.config.risk.urgentBelow));
  return out;
}

/** Companies per 10-point score bin: 0–9, 10–19, …, 90–100. */
export function distribution(scores: readonly number[]): number[] {
  const bins = new Array<number>(10).fill(0);
  for (const s of scores) bins[Math.min(9, Math.floor(s / 10))]!++;
  return bins;
}

/**
 * The weekly industry benchmark (A8): the configured percentile of all checked companies' latest
 * scores, bounded to [min, max], becomes the threshold; with too few peers the default stays.
 * Every run is kept, so the console can show the threshold over time.
 */
export async function recomputeThreshold(p: Platform) {
  const r = p.config.risk;
  const scores = await repo.allScores(p.db);
  const now = p.clock.now();
  const dist = distribution(scores);
  const enough = scores.length >= r.thresholdMinSample;
  const benchmark = enough ? percentile(scores, r.thresholdPercentile) : null;
  const value = benchmark === null ? r.defaultThreshold : Math.max(r.thresholdMin, Math.min(r.thresholdMax, Math.round(benchmark)));
  const row = {
    id: newId(),
    value,
    source: (enough ? 'dynamic' : 'default') as 'dynamic' | 'default',
    percentile: enough ? r.thresholdPercentile : null,
    benchmark: benchmark === null ? null : benchmark.toFixed(2),
    sample_size: scores.length,
    distribution: dist,
    computed_at: now,
  };
  await repo.insertThreshold(p.db, row);
  p.logger.info({ value, sampleSize: scores.length, benchmark }, 'risk threshold recomputed');
  return row;
}

/** Starts watching a company (A9): re-checked weekly. Checks it now when the provider answers. */
export async function watchCompany(d: RiskDeps, rawCode: string, source: string): Promise<CompanyReport> {
  return checkCompany(d, rawCode, { reason: 'watch', watchSource: source });
}

export async function unwatchCompany(p: Platform, rawCode: string): Promise<void> {
  const code = requireCreditCode(rawCode);
  await p.db.transaction().execute(async (tx) => {
    await repo.deleteWatchRequest(tx, code);
    await repo.setWatched(tx, code, false);
  });
}

/**
 * For other modules (identity on enterprise approval, stores on opening a store): asks, in the
 * caller's transaction, for the company to be checked and watched. The check runs after commit as
 * a job; until it succeeds the code stays in risk_watch_requests and the weekly sync retries it.
 */
export async function requestCompanyCheck(p: Platform, tx: Tx, rawCode: string, source: string): Promise<void> {
  const code = requireCreditCode(rawCode);
  await repo.addWatchRequest(tx, code, source, p.clock.now());
  await p.jobs.send('risk.company.check', { creditCode: code, source }, { tx });
}

/**
 * The weekly sync (A9): re-checks fresh from the provider every watched company, every pending request
 * and every company with a live store (watching it from then on — also one verified before the risk
 * module existed, or one a risk user stopped watching while it still has stores).
 */
export async function refreshWatched(d: RiskDeps): Promise<{ checked: number; failed: number; alerts: number }> {
  const watched = await repo.listWatched(d.p.db);
  const pending = await repo.listWatchRequests(d.p.db);
  const live = await d.liveStoreCompanies(d.p);
  const seen = new Set<string>();
  const jobs = [
    ...watched.map((w) => ({ code: w.credit_code, source: w.watch_source ?? 'watch' })),
    ...pending.map((r) => ({ code: r.credit_code, source: r.source })),
    ...live.map((code) => ({ code, source: 'stores' })),
  ].filter((j) => !seen.has(j.code) && seen.add(j.code));
  const sources = new Map(jobs.map((j) => [j.code, j.source]));
  const out = await runBatch(
    jobs.map((j) => j.code),
    d.p.config.arbitration.batchConcurrency,
    (code) => checkCompany(d, code, { reason: 'sync', fresh: true, watchSource: sources.get(code)! }),
  );
  const failed = out.filter((o) => !o.ok);
  for (const f of failed)
    if (!f.ok) d.p.logger.warn({ creditCode: f.creditCode, err: (f.error as Error).message }, 'risk sync check failed');
  return {
    checked: out.length - failed.length,
    failed: failed.length,
    alerts: out.filter((o) => o.ok && o.value.alert).length,
  };
}

const SEVERITY_TEXT = {
  urgent: { zh: '紧急', en: 'URGENT' },
  warning: { zh: '预警', en: 'Warning' },
  info: { zh: '变化', en: 'Change' },
};

const REASON_TEXT: Record<string, { zh: string; en: string }> = {
  below_threshold: { zh: '评分低于阈值', en: 'score below the threshold' },
  crossed_threshold: { zh: '评分跌破阈值', en: 'score fell below the threshold' },
  new_case: { zh: '出现新仲裁案件', en: 'new arbitration case' },
  recovered: { zh: '评分回升至阈值以上', en: 'score back above the threshold' },
};

const yuan = (fen: number) => (fen / 100).toFixed(2);

/** Tells every risk staff member about an alert through the message center (A7). */
export async function notifyRiskStaff(d: RiskDeps, tx: Tx, alertId: string): Promise<number> {
  const a = await repo.findAlert(tx, alertId);
  if (!a) return 0;
  const recipients = await d.staff(tx);
  const sev = SEVERITY_TEXT[a.severity];
  const reason = REASON_TEXT[a.reason] ?? { zh: a.reason, en: a.reason };
  const latest = a.latest_case;
  for (const userId of recipients) {
    await notify(d.p, tx, {
      userId,
      category: 'system',
      title: { zh: `【{sevZh}】用工风险预警 {company}`, en: `[{sevEn}] Labor risk alert: {company}` },
      body: {
        zh: '{reasonZh}。风险评分 {score}（阈值 {threshold}）；仲裁次数 {cases}；涉案金额 {amount} 元；最新案件：{latest}',
        en: '{reasonEn}. Risk score {score} (threshold {threshold}); arbitration cases {cases}; amount involved CNY {amount}; latest case: {latest}',
      },
      params: {
        sevZh: sev.zh,
        sevEn: sev.en,
        company: a.company_name,
        reasonZh: reason.zh,
        reasonEn: reason.en,
        score: a.score,
        threshold: a.threshold,
        cases: a.case_count,
        amount: yuan(a.total_amount_fen),
        latest: latest ? `${latest.title} (${latest.filedDate})` : '—',
      },
      link: `/risk/alerts?creditCode=${a.credit_code}`,
    });
  }
  return recipients.length;
}

/**
 * The robot message of an alert (WeCom or DingTalk group robot, markdown): severity, company, score,
 * case count, amount and latest case. Company data only.
 */
export function webhookPayload(
  kind: 'wecom' | 'dingtalk',
  a: {
    severity: string;
    company_name: string;
    credit_code: string;
    score: number;
    threshold: number;
    case_count: number;
    total_amount_fen: number;
    latest_case: ArbitrationCase | null;
    reason: string;
  },
): unknown {
  const sev = SEVERITY_TEXT[a.severity as 'urgent'] ?? SEVERITY_TEXT.info;
  const title = `【${sev.zh}】用工风险预警 ${a.company_name}`;
  const text = [
    `### ${title}`,
    `> 统一社会信用代码：${a.credit_code}`,
    `> 原因：${REASON_TEXT[a.reason]?.zh ?? a.reason}`,
    `> 风险评分：**${a.score}**（阈值 ${a.threshold}）`,
    `> 仲裁次数：${a.case_count}`,
    `> 涉案金额：${yuan(a.total_amount_fen)} 元`,
    `> 最新案件：${a.latest_case ? `${a.latest_case.title}（${a.latest_case.filedDate}）` : '无'}`,
  ].join('\n');
  return kind === 'dingtalk' ? { msgtype: 'markdown', markdown: { title, text } } : { msgtype: 'markdown', markdown: { content: text } };
}

/**
 * The robot URL to post to. With a secret (DingTalk "加签"), DingTalk wants `timestamp` (ms) and `sign` =
 * base64(HMAC-SHA256(secret, timestamp + "\n" + secret)) on the URL; it refuses a timestamp more than an
 * hour off. Without a secret the URL is used as configured (WeCom robots carry their key in the URL).
 */
export function signedWebhookUrl(url: string, secret: string | undefined, nowMs: number): string {
  if (!secret) return url;
  const u = new URL(url);
  const sign = createHmac('sha256', secret).update(`${nowMs}\n${secret}`, 'utf8').digest('base64');
  u.searchParams.set('timestamp', String(nowMs));
  u.searchParams.set('sign', sign);
  return u.toString();
}

/** Posts an alert to the configured robot webhook; throws on failure so the outbox retries it. */
export async function sendAlertWebhook(d: RiskDeps, tx: Tx, alertId: string): Promise<boolean> {
  const url = d.p.config.risk.alertWebhookUrl;
  if (!url) return false;
  const a = await repo.findAlert(tx, alertId);
  if (!a) return false;
  const res = await d.fetch(signedWebhookUrl(url, d.p.config.risk.alertWebhookSecret, d.p.clock.now().getTime()), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(webhookPayload(d.p.config.risk.alertWebhookKind, a)),
    signal: AbortSignal.timeout(5000),
  });
  if (!res.ok) throw new Error(`alert webhook answered HTTP ${res.status}`);
  const body = (await res.json().catch(() => ({}))) as { errcode?: number };
  if (body.errcode) throw new Error(`alert webhook errcode ${body.errcode}`);
  return true;
}
