import type { Executor } from '../../platform/db.ts';
import type { Locale } from '../../platform/i18n.ts';
import type { Platform } from '../../platform/platform.ts';
import { findVerifiedCreditCodes } from '../identity/index.ts';
import { findRiskLevels } from '../risk/index.ts';

/** What couriers see of the employing company's labor-arbitration risk (A3): the level, never cases or scores. */
export type EmployerRiskLevel = 'low' | 'medium' | 'high' | 'unknown';
export const EMPLOYER_RISK_LEVELS: readonly EmployerRiskLevel[] = ['low', 'medium', 'high', 'unknown'];

const EXPLANATIONS: Record<EmployerRiskLevel, { zh: string; en: string }> = {
  low: {
    zh: '低风险：发单企业近年劳动仲裁记录很少或没有。',
    en: 'Low risk: the company posting this order has few or no labor-arbitration records in recent years.',
  },
  medium: {
    zh: '中风险：发单企业有一定数量的劳动仲裁记录，接单前请留意工作约定与结算方式。',
    en: 'Medium risk: the company posting this order has some labor-arbitration records; check the terms and how you will be paid.',
  },
  high: {
    zh: '高风险：发单企业近期劳动仲裁较多，或有败诉后未执行的裁决（如拖欠工资），请谨慎接单。',
    en: 'High risk: the company posting this order has had many recent labor-arbitration cases, or awards it lost and has not paid; take it with care.',
  },
  unknown: {
    zh: '暂无发单方的劳动仲裁风险评估（个人店主或尚未评估的企业）。',
    en: 'No labor-arbitration risk assessment for this poster yet (an individual owner or a company not yet checked).',
  },
};

/**
 * Risk levels of the employers behind orders, one batch per page: owner id → level. An owner is
 * the employer; a verified enterprise owner's credit code is looked up in the risk module; persons
 * and companies never checked are 'unknown'.
 */
export async function employerRiskOf(
  p: Platform,
  ownerIds: readonly string[],
  db: Executor = p.db,
): Promise<Map<string, EmployerRiskLevel>> {
  const owners = [...new Set(ownerIds)];
  const codes = await findVerifiedCreditCodes(p, owners, db);
  const levels = await findRiskLevels(p, [...codes.values()]);
  const out = new Map<string, EmployerRiskLevel>();
  for (const o of owners) {
    const code = codes.get(o);
    out.set(o, (code && levels.get(code)) || 'unknown');
  }
  return out;
}

/**
 * The company behind an owner and its current level, for deciding at payment whether the order waits
 * for risk review (issue 6): null for persons and unverified owners, level null if never checked.
 */
export async function employerCompanyOf(
  p: Platform,
  ownerId: string,
  db: Executor = p.db,
): Promise<{ creditCode: string; level: EmployerRiskLevel } | null> {
  const code = (await findVerifiedCreditCodes(p, [ownerId], db)).get(ownerId);
  if (!code) return null;
  return { creditCode: code, level: (await findRiskLevels(p, [code], db)).get(code) ?? 'unknown' };
}

/** The `employerRisk` field of order views: level and a plain explanation in the caller's language. */
export function presentEmployerRisk(level: EmployerRiskLevel, locale: Locale) {
  const e = EXPLANATIONS[level];
  return { level, explanation: locale === 'zh-CN' ? e.zh : e.en };
}
