import ExcelJS from 'exceljs';
import type { Actor } from '../../platform/auth.ts';
import { AppError } from '../../platform/errors.ts';
import type { Locale } from '../../platform/i18n.ts';
import { newId } from '../../platform/ids.ts';
import type { Platform } from '../../platform/platform.ts';
import { KIND_LABELS, type TransferKind } from './ledger.ts';
import type { WalletTables } from './tables.ts';
import './errors.ts';

/** Monthly statements are generated on the 1st at 10:30 China time, after the last day's reconciliation (09:30). */
export const STATEMENTS_MONTHLY_JOB = 'wallet.statements.monthly';
export const STATEMENTS_MONTHLY_CRON = '30 10 1 * *';

type StatementRow = WalletTables['wallet_statements'];
export type StatementType = StatementRow['type'];

export interface StatementSummary {
  id: string;
  type: StatementType;
  period: string;
  periodStart: string;
  periodEnd: string;
  currency: 'CNY';
  openingFen: number;
  inFen: number;
  outFen: number;
  feesFen: number;
  closingFen: number;
  lineCount: number;
  generatedAt: string;
}

export interface StatementLine {
  /** The ledger posting id: what an appeal refers to. */
  id: string;
  transferId: string;
  at: string;
  kind: string;
  label: string;
  amountFen: number;
  feeFen: number;
  balanceAfterFen: number;
  orderId: string | null;
  payoutId: string | null;
  memo: string | null;
}

const summary = (r: StatementRow): StatementSummary => ({
  id: r.id,
  type: r.type,
  period: r.period,
  periodStart: r.period_start.toISOString(),
  periodEnd: r.period_end.toISOString(),
  currency: 'CNY',
  openingFen: r.opening_fen,
  inFen: r.in_fen,
  outFen: r.out_fen,
  feesFen: r.fees_fen,
  closingFen: r.closing_fen,
  lineCount: r.line_count,
  generatedAt: r.generated_at.toISOString(),
});

/** [start, end) of a China-time month (YYYY-MM) or day (YYYY-MM-DD). */
export function periodBounds(type: StatementType, period: string): { start: Date; end: Date } {
  if (type === 'monthly') {
    const m = /^(\d{4})-(\d{2})$/.exec(period);
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) throw new AppError('STATEMENT_PERIOD_INVALID');
    const y = Number(m[1]);
    const mo = Number(m[2]);
    const next = mo === 12 ? `${y + 1}-01` : `${y}-${String(mo + 1).padStart(2, '0')}`;
    return { start: new Date(`${period}-01T00:00:00+08:00`), end: new Date(`${next}-01T00:00:00+08:00`) };
  }
  const start = new Date(`${period}T00:00:00+08:00`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(period) || Number.isNaN(start.getTime())) throw new AppError('STATEMENT_PERIOD_INVALID');
  return { start, end: new Date(start.getTime() + 24 * 3600_000) };
}

type LineRow = {
  id: number;
  transfer_id: string;
  amount_fen: number;
  balance_after_fen: number;
  created_at: Date;
  kind: string;
  memo: Record<string, unknown>;
};

async function periodLines(p: Platform, userId: string, start: Date, end: Date) {
  const rows: LineRow[] = await p.db
    .selectFrom('ledger_postings as p')
    .innerJoin('ledger_accounts as a', 'a.id', 'p.account_id')
    .innerJoin('ledger_transfers as t', 't.id', 'p.transfer_id')
    .select(['p.id', 'p.transfer_id', 'p.amount_fen', 'p.balance_after_fen', 'p.created_at', 't.kind', 't.memo'])
    .where('a.owner_id', '=', userId)
    .where('a.kind', '=', 'user_available')
    .where('p.created_at', '>=', start)
    .where('p.created_at', '<', end)
    .orderBy('p.id', 'asc')
    .execute();
  const fees = new Map<string, number>();
  const ids = [...new Set(rows.map((r) => r.transfer_id))];
  if (ids.length) {
    // Fees: what the platform took in the same transfer (order settlement) or, for a withdrawal, the fee held with it.
    const taken = await p.db
      .selectFrom('ledger_postings as p')
      .innerJoin('ledger_accounts as a', 'a.id', 'p.account_id')
      .select(['p.transfer_id', 'p.amount_fen'])
      .where('a.kind', '=', 'platform_fees')
      .where('p.transfer_id', 'in', ids)
      .execute();
    for (const f of taken) fees.set(f.transfer_id, (fees.get(f.transfer_id) ?? 0) + f.amount_fen);
    const held = await p.db
      .selectFrom('ledger_holds')
      .select(['hold_transfer_id', 'fee_fen'])
      .where('kind', '=', 'payout')
      .where('hold_transfer_id', 'in', ids)
      .execute();
    for (const h of held) fees.set(h.hold_transfer_id, (fees.get(h.hold_transfer_id) ?? 0) + h.fee_fen);
  }
  const before = await p.db
    .selectFrom('ledger_postings as p')
    .innerJoin('ledger_accounts as a', 'a.id', 'p.account_id')
    .select('p.balance_after_fen')
    .where('a.owner_id', '=', userId)
    .where('a.kind', '=', 'user_available')
    .where('p.created_at', '<', start)
    .orderBy('p.id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return { rows, fees, opening: before?.balance_after_fen ?? 0 };
}

/**
 * Generates (or returns the existing) statement of one user's available balance over a completed
 * China-time month or day: opening balance, money in, money out, fees, closing balance.
 */
export async function generateStatement(p: Platform, userId: string, type: StatementType, period: string): Promise<StatementSummary> {
  const { start, end } = periodBounds(type, period);
  if (end.getTime() > p.clock.now().getTime()) throw new AppError('STATEMENT_PERIOD_NOT_OVER');
  const existing = await p.db
    .selectFrom('wallet_statements')
    .selectAll()
    .where('user_id', '=', userId)
    .where('type', '=', type)
    .where('period', '=', period)
    .executeTakeFirst();
  if (existing) return summary(existing);
  const { rows, fees, opening } = await periodLines(p, userId, start, end);
  let inFen = 0;
  let outFen = 0;
  for (const r of rows) {
    if (r.amount_fen > 0) inFen += r.amount_fen;
    else outFen -= r.amount_fen;
  }
  const row: StatementRow = {
    id: newId(),
    user_id: userId,
    type,
    period,
    period_start: start,
    period_end: end,
    opening_fen: opening,
    closing_fen: opening + inFen - outFen,
    in_fen: inFen,
    out_fen: outFen,
    fees_fen: [...new Set(rows.map((r) => r.transfer_id))].reduce((s, id) => s + (fees.get(id) ?? 0), 0),
    line_count: rows.length,
    generated_at: p.clock.now(),
  };
  await p.db
    .insertInto('wallet_statements')
    .values(row)
    .onConflict((oc) => oc.columns(['user_id', 'type', 'period']).doNothing())
    .execute();
  const stored = await p.db
    .selectFrom('wallet_statements')
    .selectAll()
    .where('user_id', '=', userId)
    .where('type', '=', type)
    .where('period', '=', period)
    .executeTakeFirstOrThrow();
  return summary(stored);
}

/** The monthly job: last month's statement for every wallet that existed by the end of it. */
export async function generateMonthlyStatements(p: Platform): Promise<number> {
  const china = new Date(p.clock.now().getTime() + 8 * 3600_000);
  const y = china.getUTCFullYear();
  const m = china.getUTCMonth(); // 0-based: the previous month's number
  const period = m === 0 ? `${y - 1}-12` : `${y}-${String(m).padStart(2, '0')}`;
  const { end } = periodBounds('monthly', period);
  const owners = await p.db
    .selectFrom('ledger_accounts')
    .select('owner_id')
    .where('kind', '=', 'user_available')
    .where('created_at', '<', end)
    .execute();
  let n = 0;
  for (const o of owners) {
    if (!o.owner_id) continue;
    await generateStatement(p, o.owner_id, 'monthly', period);
    n++;
  }
  return n;
}

/** The caller's statements, newest period first, by type and period range (inclusive, same format as `period`). */
export async function listStatements(
  p: Platform,
  actor: Actor,
  q: { type?: StatementType | undefined; from?: string | undefined; to?: string | undefined },
): Promise<StatementSummary[]> {
  let s = p.db.selectFrom('wallet_statements').selectAll().where('user_id', '=', actor.userId);
  if (q.type) s = s.where('type', '=', q.type);
  if (q.from) s = s.where('period', '>=', q.from);
  if (q.to) s = s.where('period', '<=', q.to.length === 7 ? `${q.to}-99` : q.to);
  const rows = await s.orderBy('period_start', 'desc').orderBy('type', 'asc').limit(400).execute();
  return rows.map(summary);
}

/** One statement of the caller's, with its lines; NOT_FOUND for anyone else's. */
export async function getStatement(
  p: Platform,
  actor: Actor,
  id: string,
  locale: Locale,
): Promise<StatementSummary & { lines: StatementLine[] }> {
  const row = await p.db.selectFrom('wallet_statements').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row || row.user_id !== actor.userId) throw new AppError('NOT_FOUND');
  const { rows, fees } = await periodLines(p, row.user_id, row.period_start, row.period_end);
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  const seenFee = new Set<string>();
  const lines = rows.map((r): StatementLine => {
    const label = KIND_LABELS[r.kind as TransferKind] ?? { zh: r.kind, en: r.kind };
    const fee = seenFee.has(r.transfer_id) ? 0 : (fees.get(r.transfer_id) ?? 0);
    seenFee.add(r.transfer_id);
    return {
      id: String(r.id),
      transferId: r.transfer_id,
      at: r.created_at.toISOString(),
      kind: r.kind,
      label: locale === 'en-US' ? label.en : label.zh,
      amountFen: r.amount_fen,
      feeFen: fee,
      balanceAfterFen: r.balance_after_fen,
      orderId: str(r.memo.orderId),
      payoutId: str(r.memo.payoutId),
      memo: str(r.memo.reason),
    };
  });
  return { ...summary(row), lines };
}

const yuan = (fen: number) => (fen / 100).toFixed(2);
const chinaTime = (iso: string) => new Date(Date.parse(iso) + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
const csvField = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

const HEAD = {
  zh: ['时间（北京时间）', '流水号', '类型', '收入（元）', '支出（元）', '手续费（元）', '余额（元）', '订单号', '提现单号', '备注'],
  en: ['Time (China)', 'Line no.', 'Type', 'In (CNY)', 'Out (CNY)', 'Fee (CNY)', 'Balance (CNY)', 'Order', 'Withdrawal', 'Note'],
};

function tableOf(s: StatementSummary & { lines: StatementLine[] }, locale: Locale): string[][] {
  const en = locale === 'en-US';
  const title = en
    ? `Dingban wallet statement ${s.type === 'monthly' ? 'month' : 'day'} ${s.period}`
    : `顶班钱包${s.type === 'monthly' ? '月' : '日'}账单 ${s.period}`;
  const out: string[][] = [
    [title],
    [en ? 'Opening balance' : '期初余额', yuan(s.openingFen)],
    [en ? 'Total in' : '收入合计', yuan(s.inFen)],
    [en ? 'Total out' : '支出合计', yuan(s.outFen)],
    [en ? 'Fees' : '手续费合计', yuan(s.feesFen)],
    [en ? 'Closing balance' : '期末余额', yuan(s.closingFen)],
    [],
    en ? HEAD.en : HEAD.zh,
  ];
  for (const l of s.lines) {
    out.push([
      chinaTime(l.at),
      l.id,
      l.label,
      l.amountFen > 0 ? yuan(l.amountFen) : '',
      l.amountFen < 0 ? yuan(-l.amountFen) : '',
      l.feeFen ? yuan(l.feeFen) : '',
      yuan(l.balanceAfterFen),
      l.orderId ?? '',
      l.payoutId ?? '',
      l.memo ?? '',
    ]);
  }
  return out;
}

/** CSV with a UTF-8 byte-order mark, so Excel shows the Chinese text correctly. */
export function statementCsv(s: StatementSummary & { lines: StatementLine[] }, locale: Locale): string {
  return (
    '\uFEFF' +
    tableOf(s, locale)
      .map((r) => r.map(csvField).join(','))
      .join('\r\n') +
    '\r\n'
  );
}

/** XLSX: summary on top, then one row per line; amounts as numbers in yuan. */
export async function statementXlsx(s: StatementSummary & { lines: StatementLine[] }, locale: Locale): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet(locale === 'en-US' ? 'Statement' : '账单');
  for (const r of tableOf(s, locale)) {
    ws.addRow(r.map((v, i) => (/^-?\d+\.\d{2}$/.test(v) && i > 0 ? Number(v) : v)));
  }
  ws.columns.forEach((c) => (c.width = 18));
  return Buffer.from(await wb.xlsx.writeBuffer());
}
