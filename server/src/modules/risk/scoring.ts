import type { ArbitrationCase } from './provider.ts';

/**
 * Scoring weights and windows (A3). Defaults are the seed's values; RISK_SCORING_JSON overrides any
 * of them. A window of 0 months means "all cases the provider reports".
 */
export interface ScoringConfig {
  /** Rule 1: points per case filed within `recentWindowMonths`. */
  perRecentCase: number;
  recentWindowMonths: number;
  /** Rule 2: points per full `amountStepFen` involved in cases within `historyWindowMonths`, capped. */
  perAmountStep: number;
  amountStepFen: number;
  amountCap: number;
  /** Rule 3: points per full 10 percentage points of cases lost (within `historyWindowMonths`). */
  perTenPercentLost: number;
  /** Rule 4: points per case lost and not executed (any age: an unpaid award is still unpaid). */
  perUnexecutedCase: number;
  historyWindowMonths: number;
}

export const DEFAULT_SCORING: ScoringConfig = {
  perRecentCase: 20,
  recentWindowMonths: 12,
  perAmountStep: 5,
  amountStepFen: 10_000 * 100,
  amountCap: 150,
  perTenPercentLost: 15,
  perUnexecutedCase: 25,
  historyWindowMonths: 36,
};

/** Reads RISK_SCORING_JSON over the defaults; unknown or non-numeric keys are errors. */
export function parseScoringConfig(json: string | undefined): ScoringConfig {
  if (!json) return DEFAULT_SCORING;
  const raw = JSON.parse(json) as Record<string, unknown>;
  const out: ScoringConfig = { ...DEFAULT_SCORING };
  for (const [k, v] of Object.entries(raw)) {
    if (!(k in DEFAULT_SCORING)) throw new Error(`RISK_SCORING_JSON: unknown key ${k}`);
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Error(`RISK_SCORING_JSON: ${k} must be a number ≥ 0`);
    (out as unknown as Record<string, number>)[k] = v;
  }
  return out;
}

export type RuleId = 'recent_cases' | 'amount' | 'lose_rate' | 'unexecuted';

/** One rule's part of the score, shown beside it. */
export interface Deduction {
  rule: RuleId;
  /** Points taken off (≥ 0). */
  points: number;
  /** What the rule counted, e.g. 3 cases, 45,000 CNY, 66 %. */
  basis: { cases?: number; amountFen?: number; lostPercent?: number; lostCases?: number };
}

export interface ScoreResult {
  /** Clamped to 0–100: what users see. */
  score: number;
  /** 100 minus all deductions, unclamped (can be far below 0). */
  rawScore: number;
  deductions: Deduction[];
}

/** `YYYY-MM-DD` of the day `months` months before `now` (Asia/Shanghai calendar). */
function monthsAgo(now: Date, months: number): string {
  const sh = new Date(now.getTime() + 8 * 3600_000);
  sh.setUTCMonth(sh.getUTCMonth() - months);
  return sh.toISOString().slice(0, 10);
}

/**
 * The risk score of a company from its cases (A3): start at 100 and take off
 * 1. `perRecentCase` (20) per case filed in the last `recentWindowMonths` (12);
 * 2. `perAmountStep` (5) per full 10,000 CNY involved in the history window, at most `amountCap` (150);
 * 3. `perTenPercentLost` (15) per full 10 percentage points of history-window cases the company lost;
 * 4. `perUnexecutedCase` (25) per lost case whose award is not executed.
 * Integer arithmetic throughout (fen, whole steps), so the same cases always give the same score.
 */
export function scoreCases(cases: readonly ArbitrationCase[], now: Date, cfg: ScoringConfig = DEFAULT_SCORING): ScoreResult {
  const recentFrom = monthsAgo(now, cfg.recentWindowMonths);
  const historyFrom = cfg.historyWindowMonths > 0 ? monthsAgo(now, cfg.historyWindowMonths) : '0000-00-00';
  const recent = cases.filter((c) => cfg.recentWindowMonths === 0 || c.filedDate > recentFrom);
  const history = cases.filter((c) => c.filedDate > historyFrom);
  const amountFen = history.reduce((s, c) => s + c.amountFen, 0);
  const lost = history.filter((c) => c.result === 'lose').length;
  const tens = history.length ? Math.floor((lost * 10) / history.length) : 0;
  const unexecuted = cases.filter((c) => c.result === 'lose' && !c.executed).length;
  const deductions: Deduction[] = [
    { rule: 'recent_cases', points: recent.length * cfg.perRecentCase, basis: { cases: recent.length } },
    {
      rule: 'amount',
      points: Math.min(cfg.amountCap, Math.floor(amountFen / cfg.amountStepFen) * cfg.perAmountStep),
      basis: { amountFen, cases: history.length },
    },
    {
      rule: 'lose_rate',
      points: tens * cfg.perTenPercentLost,
      basis: { lostCases: lost, cases: history.length, lostPercent: history.length ? Math.round((lost * 100) / history.length) : 0 },
    },
    { rule: 'unexecuted', points: unexecuted * cfg.perUnexecutedCase, basis: { cases: unexecuted } },
  ];
  const rawScore = 100 - deductions.reduce((s, d) => s + d.points, 0);
  return { score: Math.max(0, Math.min(100, rawScore)), rawScore, deductions };
}

export type RiskLevel = 'low' | 'medium' | 'high';

/** high below the urgent line (40), medium below the threshold (60 or dynamic), low otherwise. */
export function levelOf(score: number, threshold: number, urgentBelow: number): RiskLevel {
  if (score < urgentBelow) return 'high';
  if (score < threshold) return 'medium';
  return 'low';
}

/** The alert severity of a score (A7): urgent < 40, warning < threshold, none otherwise. */
export function severityOf(score: number, threshold: number, urgentBelow: number): 'urgent' | 'warning' | undefined {
  if (score < urgentBelow) return 'urgent';
  if (score < threshold) return 'warning';
  return undefined;
}

/** The p-th percentile (0–100) of values by linear interpolation (same as PostgreSQL percentile_cont). */
export function percentile(values: readonly number[], p: number): number {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const pos = (p / 100) * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}
