import type { Locale } from '../../platform/i18n.ts';
import type { CompanyReport } from './service.ts';
import type { Deduction, RiskLevel } from './scoring.ts';
import type { RiskTables } from './tables.ts';
import type { Selectable } from 'kysely';

const yuan = (fen: number) => (fen / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** "−40: 2 cases in the last 12 months" — each rule's deduction explained beside it (A3). */
export function deductionLabel(d: Deduction, locale: Locale): string {
  const b = d.basis;
  const zh = locale === 'zh-CN';
  switch (d.rule) {
    case 'recent_cases':
      return zh ? `近12个月仲裁 ${b.cases} 件` : `${b.cases} case(s) filed in the last 12 months`;
    case 'amount':
      return zh ? `涉案金额 ${yuan(b.amountFen ?? 0)} 元` : `CNY ${yuan(b.amountFen ?? 0)} involved`;
    case 'lose_rate':
      return zh
        ? `败诉 ${b.lostCases}/${b.cases} 件（${b.lostPercent}%）`
        : `${b.lostCases} of ${b.cases} case(s) lost (${b.lostPercent} %)`;
    case 'unexecuted':
      return zh ? `未执行案件 ${b.cases} 件` : `${b.cases} award(s) not executed`;
  }
}

export function presentReport(r: CompanyReport, locale: Locale) {
  return {
    ...r,
    deductions: r.deductions.map((d) => ({ ...d, label: deductionLabel(d, locale) })),
    checkedAt: r.checkedAt.toISOString(),
  };
}

export function presentAlert(a: Selectable<RiskTables['risk_alerts']>) {
  return {
    id: a.id,
    creditCode: a.credit_code,
    companyName: a.company_name,
    severity: a.severity,
    reason: a.reason,
    score: a.score,
    threshold: a.threshold,
    caseCount: a.case_count,
    totalAmountFen: a.total_amount_fen,
    latestCase: a.latest_case,
    newCaseNos: a.new_case_nos,
    createdAt: a.created_at.toISOString(),
  };
}

const EXPLANATIONS: Record<RiskLevel | 'unknown', { zh: string; en: string }> = {
  low: {
    zh: '低风险：该企业近年劳动仲裁记录很少或没有。',
    en: 'Low risk: this company has few or no labor-arbitration records in recent years.',
  },
  medium: {
    zh: '中风险：该企业有一定数量的劳动仲裁记录，接单前请留意工作约定与结算方式。',
    en: 'Medium risk: this company has some labor-arbitration records; check the terms and how you will be paid before taking shifts.',
  },
  high: {
    zh: '高风险：该企业近期劳动仲裁较多，或有败诉后未执行的裁决（如拖欠工资），请谨慎接单。',
    en: 'High risk: this company has had many recent labor-arbitration cases, or awards it lost and has not paid; take its shifts with care.',
  },
  unknown: { zh: '暂无该企业的风险评估。', en: 'No risk assessment for this company yet.' },
};

/** The courier-facing level (no case details) with a plain explanation. */
export function presentLevel(creditCode: string, found: { companyName: string; level: RiskLevel; checkedAt: Date } | null, locale: Locale) {
  const level: RiskLevel | 'unknown' = found?.level ?? 'unknown';
  const e = EXPLANATIONS[level];
  return {
    creditCode,
    companyName: found?.companyName ?? null,
    level,
    explanation: locale === 'zh-CN' ? e.zh : e.en,
    checkedAt: found ? found.checkedAt.toISOString() : null,
  };
}

/** CSV of a batch: one row per code, results or the error; quotes every field (RFC 4180). */
export function batchCsv(
  rows: {
    creditCode: string;
    ok: boolean;
    companyName?: string;
    score?: number;
    level?: string;
    caseCount?: number;
    totalAmountFen?: number;
    error?: { code: string; detail: string };
  }[],
): string {
  const q = (v: unknown) => {
    let s = v === undefined || v === null ? '' : String(v);
    // Spreadsheet formula injection: a leading = + - @ would be evaluated by Excel.
    if (/^[=+\-@]/.test(s)) s = `'${s}`;
    return `"${s.replaceAll('"', '""')}"`;
  };
  const head = ['credit_code', 'status', 'company_name', 'score', 'level', 'case_count', 'amount_cny', 'error_code', 'error'];
  const lines = rows.map((r) =>
    [
      r.creditCode,
      r.ok ? 'ok' : 'error',
      r.companyName,
      r.score,
      r.level,
      r.caseCount,
      r.totalAmountFen === undefined ? undefined : (r.totalAmountFen / 100).toFixed(2),
      r.error?.code,
      r.error?.detail,
    ]
      .map(q)
      .join(','),
  );
  return '\uFEFF' + [head.map(q).join(','), ...lines].join('\r\n') + '\r\n';
}

/** Credit codes from an uploaded CSV: the first column of each row, header and blank lines skipped. */
export function parseCodesCsv(text: string): string[] {
  return text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .map((line) => (line.split(',')[0] ?? '').replace(/^"|"$/g, '').trim())
    .filter((c) => c && !/^(credit_?code|统一社会信用代码)$/i.test(c));
}

const HOLD_TEXT: Record<HoldStatus, { zh: string; en: string }> = {
  pending: {
    zh: '发单企业近期劳动仲裁风险评估为高风险（近期仲裁较多或有败诉未执行的裁决），订单须经风控人员审核后发布；款项暂存平台担保账户。开始时间前未审核的订单将自动关闭并全额退款。',
    en: 'The posting company is currently at high labor-arbitration risk (many recent cases, or awards lost and not paid), so risk staff review the order before it is published; the pay stays in escrow. An order not reviewed before it starts is closed and fully refunded.',
  },
  released: { zh: '风控审核通过，订单已发布。', en: 'The risk review passed; the order is published.' },
  rejected: {
    zh: '风控审核未通过，订单已取消并全额退款。',
    en: 'The risk review did not pass; the order is cancelled and fully refunded.',
  },
  expired: {
    zh: '开始时间前未完成风控审核，订单已关闭并全额退款。',
    en: 'The review did not finish before the start; the order is closed and fully refunded.',
  },
  withdrawn: { zh: '店主已取消订单，审核结束。', en: 'The owner cancelled the order; the review is over.' },
};

type HoldStatus = Selectable<RiskTables['risk_order_holds']>['status'];

/** A held order's review for its owner and risk staff (company figures are the company's own public record). */
export function presentHold(h: Selectable<RiskTables['risk_order_holds']>, locale: Locale) {
  const latest = h.latest_case;
  const text = HOLD_TEXT[h.status];
  return {
    orderId: h.order_id,
    orderNo: h.order_no,
    storeName: h.store_name,
    startsAt: h.starts_at.toISOString(),
    payFen: h.pay_fen,
    creditCode: h.credit_code,
    companyName: h.company_name,
    score: h.score,
    caseCount: h.case_count,
    totalAmountFen: h.total_amount_fen,
    latestCase: latest ? { title: latest.title, filedDate: latest.filedDate } : null,
    status: h.status,
    explanation: locale === 'zh-CN' ? text.zh : text.en,
    response: h.response,
    respondedAt: h.responded_at ? h.responded_at.toISOString() : null,
    decisionReason: h.decision_reason,
    decidedAt: h.decided_at ? h.decided_at.toISOString() : null,
    heldAt: h.held_at.toISOString(),
  };
}
