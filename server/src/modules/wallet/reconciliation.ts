import { createHash } from 'node:crypto';
import type { Actor } from '../../platform/auth.ts';
import { AppError } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import type { Platform } from '../../platform/platform.ts';
import { audit } from '../accounts/index.ts';
import { ChannelError, type PaymentChannel, type TransferOutcome } from './channels/channel.ts';
import { adjustBalance } from './ledger.ts';
import { confirmPaid } from './topups.ts';
import { checkWithdrawal } from './withdrawals.ts';
import type { WalletTables } from './tables.ts';
import './errors.ts';

/** The daily reconciliation job (cron 09:30 China time: the channels publish the previous day's bill by 09:00). */
export const RECONCILE_DAILY_JOB = 'wallet.reconcile.daily';
export const RECONCILE_CRON = '30 9 * * *';

type RunRow = WalletTables['wallet_recon_runs'];
type DiscRow = WalletTables['wallet_recon_discrepancies'];

export interface ReconRunView {
  id: string;
  channel: string;
  day: string;
  status: RunRow['status'];
  billSha1: string | null;
  billLines: number;
  matched: number;
  discrepancies: number;
  autoCredited: number;
  error: string | null;
  triggeredBy: string | null;
  createdAt: string;
}

export interface DiscrepancyView {
  id: string;
  runId: string;
  channel: string;
  day: string;
  outTradeNo: string;
  kind: DiscRow['kind'];
  channelAmountFen: number | null;
  ourAmountFen: number | null;
  paymentId: string | null;
  userId: string | null;
  status: DiscRow['status'];
  resolution: DiscRow['resolution'];
  resolutionReason: string | null;
  transferId: string | null;
  resolvedBy: string | null;
  resolvedAt: string | null;
  createdAt: string;
}

const runView = (r: RunRow): ReconRunView => ({
  id: r.id,
  channel: r.channel,
  day: r.bill_day,
  status: r.status,
  billSha1: r.bill_sha1,
  billLines: r.bill_lines,
  matched: r.matched,
  discrepancies: r.discrepancies,
  autoCredited: r.auto_credited,
  error: r.error,
  triggeredBy: r.triggered_by,
  createdAt: r.created_at.toISOString(),
});

const discView = (r: DiscRow): DiscrepancyView => ({
  id: r.id,
  runId: r.run_id,
  channel: r.channel,
  day: r.bill_day,
  outTradeNo: r.out_trade_no,
  kind: r.kind,
  channelAmountFen: r.channel_amount_fen,
  ourAmountFen: r.our_amount_fen,
  paymentId: r.payment_id,
  userId: r.user_id,
  status: r.status,
  resolution: r.resolution,
  resolutionReason: r.resolution_reason,
  transferId: r.transfer_id,
  resolvedBy: r.resolved_by,
  resolvedAt: r.resolved_at?.toISOString() ?? null,
  createdAt: r.created_at.toISOString(),
});

/** One successful payment line of a channel's trade bill. */
export interface BillLine {
  outTradeNo: string;
  transactionId: string;
  amountFen: number;
  paidAt: Date;
}

/** Yuan with two decimals ("66.00") → integer fen, without floating point. */
export function yuanToFen(s: string): number {
  const m = /^(-)?(\d+)(?:\.(\d{1,2}))?$/.exec(s.trim());
  if (!m) throw new Error(`not an amount: ${s}`);
  const fen = Number(m[2]) * 100 + Number((m[3] ?? '').padEnd(2, '0'));
  return m[1] ? -fen : fen;
}

/**
 * Parses a WeChat Pay trade bill (CSV, every field prefixed with a back-tick, a header line, then the
 * trades, then two summary lines). Returns the SUCCESS payment lines; refund lines are returned apart.
 */
export interface BillRefundLine {
  outRefundNo: string;
  outTradeNo: string;
  amountFen: number;
}

export function parseTradeBill(csv: string): { payments: BillLine[]; refundLines: number; refunds: BillRefundLine[] } {
  const lines = csv
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '');
  const header = lines[0]?.split(',') ?? [];
  const col = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`trade bill without column ${name}`);
    return i;
  };
  const iTime = col('交易时间');
  const iTxn = col('微信订单号');
  const iOut = col('商户订单号');
  const iState = col('交易状态');
  const iAmount = col('应结订单金额');
  const iRefundNo = header.indexOf('商户退款单号');
  const iRefundAmount = header.indexOf('退款金额');
  const payments: BillLine[] = [];
  const refunds: BillRefundLine[] = [];
  let refundLines = 0;
  for (const line of lines.slice(1)) {
    if (line.startsWith('总交易单数')) break;
    const f = line.split(',').map((x) => x.replace(/^`/, ''));
    if (f[iState] === 'REFUND') {
      refundLines++;
      if (iRefundNo >= 0 && iRefundAmount >= 0) {
        refunds.push({ outRefundNo: f[iRefundNo]!, outTradeNo: f[iOut]!, amountFen: yuanToFen(f[iRefundAmount]!) });
      }
      continue;
    }
    if (f[iState] !== 'SUCCESS') continue;
    payments.push({
      outTradeNo: f[iOut]!,
      transactionId: f[iTxn]!,
      amountFen: yuanToFen(f[iAmount]!),
      // The bill's times are China time without a zone.
      paidAt: new Date(`${f[iTime]!.replace(' ', 'T')}+08:00`),
    });
  }
  return { payments, refundLines, refunds };
}

/**
 * Parses the detail file of Alipay's trade bill (业务明细: `#` header lines, the column line starting with
 * 支付宝交易号, the lines — every field followed by a tab — then `#` summary lines). 业务类型 交易 lines are
 * payments (订单金额（元）, 完成时间 in China time); 退款 lines are refunds, their 退款批次号/请求号 being our
 * refund number (sent as `out_request_no`) and their amount negative in the bill.
 */
export function parseAlipayBill(csv: string): { payments: BillLine[]; refundLines: number; refunds: BillRefundLine[] } {
  const lines = csv.replace(/^\uFEFF/, '').split(/\r?\n/);
  const at = lines.findIndex((l) => l.startsWith('支付宝交易号'));
  if (at < 0) throw new Error('Alipay bill without its column line');
  const header = lines[at]!.split(',').map((x) => x.trim());
  const col = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`Alipay bill without column ${name}`);
    return i;
  };
  const iTxn = col('支付宝交易号');
  const iOut = col('商户订单号');
  const iType = col('业务类型');
  const iTime = col('完成时间');
  const iAmount = col('订单金额（元）');
  const iRequest = col('退款批次号/请求号');
  const payments: BillLine[] = [];
  const refunds: BillRefundLine[] = [];
  let refundLines = 0;
  for (const line of lines.slice(at + 1)) {
    if (line.startsWith('#')) break;
    if (line.trim() === '') continue;
    const f = line.split(',').map((x) => x.trim());
    if (f[iType] === '退款') {
      refundLines++;
      refunds.push({ outRefundNo: f[iRequest]!, outTradeNo: f[iOut]!, amountFen: Math.abs(yuanToFen(f[iAmount]!)) });
    } else if (f[iType] === '交易') {
      payments.push({
        outTradeNo: f[iOut]!,
        transactionId: f[iTxn]!,
        amountFen: yuanToFen(f[iAmount]!),
        paidAt: new Date(`${f[iTime]!.replace(' ', 'T')}+08:00`),
      });
    }
  }
  return { payments, refundLines, refunds };
}

/** The China-time day of an instant, YYYY-MM-DD. */
export const chinaDay = (d: Date): string => new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
const dayStart = (day: string): Date => new Date(`${day}T00:00:00+08:00`);

/**
 * Reconciles one channel's trade bill of one China-time day with the platform's records (S5.9c):
 * downloads the bill (WeChat Pay's CSV, whose SHA-1 the adapter checks, or Alipay's ZIP of GBK CSV, which
 * has no hash), then matches it line by line with the paid top-ups.
 * - matched: same trade number and amount on both sides;
 * - missing on our side (a lost callback): the top-up is credited exactly once through the same path as
 *   the callback (ledger key `topup:<channel>:<no>`) and recorded as resolved `auto_credited`; a trade
 *   number we do not know at all, or whose amount differs from our record, goes to the finance queue;
 * - missing on the channel's side, and amount mismatch: into the finance queue (status `open`).
 * Running the same day again records nothing twice.
 */
export async function reconcileDay(
  p: Platform,
  channel: PaymentChannel | undefined,
  day: string,
  triggeredBy: string | null = null,
): Promise<ReconRunView> {
  if (!channel) throw new AppError('PAYMENT_CHANNEL_UNAVAILABLE');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(dayStart(day).getTime())) throw new AppError('RECON_DAY_INVALID');
  if (dayStart(day).getTime() >= dayStart(chinaDay(p.clock.now())).getTime()) throw new AppError('RECON_DAY_INVALID');
  const runId = newId();
  const base = {
    id: runId,
    channel: channel.name,
    bill_day: day,
    bill_sha1: null as string | null,
    bill_lines: 0,
    matched: 0,
    discrepancies: 0,
    auto_credited: 0,
    error: null as string | null,
    triggered_by: triggeredBy,
    created_at: p.clock.now(),
  };
  let bill: { csv: string; format?: 'wechatpay' | 'alipay' } | null;
  let parsed: { payments: BillLine[]; refunds: BillRefundLine[] };
  try {
    // A channel without a bill download is reconciled on its payouts only.
    bill = channel.tradeBills ? await channel.tradeBill(day) : null;
    // A bill we cannot read fails the run like a failed download (recorded with its error, not a 500).
    parsed = !bill ? { payments: [], refunds: [] } : bill.format === 'alipay' ? parseAlipayBill(bill.csv) : parseTradeBill(bill.csv);
  } catch (err) {
    const row = { ...base, status: 'failed' as const, error: (err as Error).message.slice(0, 500) };
    await p.db.insertInto('wallet_recon_runs').values(row).execute();
    p.logger.error({ day, channel: channel.name, err: row.error }, 'reconciliation: bill download failed');
    return runView(row);
  }
  const from = dayStart(day);
  const to = new Date(from.getTime() + 24 * 3600_000);
  const ours = !channel.tradeBills
    ? []
    : await p.db
        .selectFrom('wallet_payments')
        .selectAll()
        .where('channel', '=', channel.name)
        .where('status', '=', 'paid')
        .where('paid_at', '>=', from)
        .where('paid_at', '<', to)
        .execute();
  const { payments, refunds } = parsed;
  const sha1 = bill ? createHash('sha1').update(bill.csv, 'utf8').digest('hex') : null;

  let matched = 0;
  let autoCredited = 0;
  const found: Omit<DiscRow, 'id' | 'run_id' | 'channel' | 'bill_day' | 'created_at'>[] = [];
  const open = (d: Pick<DiscRow, 'out_trade_no' | 'kind' | 'channel_amount_fen' | 'our_amount_fen' | 'payment_id' | 'user_id'>) =>
    found.push({
      ...d,
      status: 'open',
      resolution: null,
      resolution_reason: null,
      transfer_id: null,
      resolved_by: null,
      resolved_at: null,
    });
  const oursByNo = new Map(ours.map((r) => [r.out_trade_no, r]));
  const seen = new Set<string>();
  for (const line of payments) {
    seen.add(line.outTradeNo);
    const mine = oursByNo.get(line.outTradeNo);
    if (mine) {
      if (mine.amount_fen === line.amountFen) matched++;
      else
        open({
          out_trade_no: line.outTradeNo,
          kind: 'amount_mismatch',
          channel_amount_fen: line.amountFen,
          our_amount_fen: mine.amount_fen,
          payment_id: mine.id,
          user_id: mine.user_id,
        });
      continue;
    }
    // Not paid on our side (or paid on another day): a lost callback, or a trade we never started.
    const row = await p.db.selectFrom('wallet_payments').selectAll().where('out_trade_no', '=', line.outTradeNo).executeTakeFirst();
    if (row && row.status === 'paid') {
      if (row.amount_fen === line.amountFen) matched++;
      else
        open({
          out_trade_no: line.outTradeNo,
          kind: 'amount_mismatch',
          channel_amount_fen: line.amountFen,
          our_amount_fen: row.amount_fen,
          payment_id: row.id,
          user_id: row.user_id,
        });
      continue;
    }
    if (row && row.channel === channel.name && row.amount_fen === line.amountFen) {
      const r = await confirmPaid(p, channel.name, {
        outTradeNo: line.outTradeNo,
        state: 'paid',
        amountFen: line.amountFen,
        transactionId: line.transactionId,
        paidAt: line.paidAt,
      });
      const paid = await p.db.selectFrom('wallet_payments').select('transfer_id').where('id', '=', row.id).executeTakeFirstOrThrow();
      found.push({
        out_trade_no: line.outTradeNo,
        kind: 'missing_ours',
        channel_amount_fen: line.amountFen,
        our_amount_fen: null,
        payment_id: row.id,
        user_id: row.user_id,
        status: 'resolved',
        resolution: 'auto_credited',
        resolution_reason: `对账补记：渠道账单显示已支付，本方未收到回调（${r}）`,
        transfer_id: paid.transfer_id,
        resolved_by: null,
        resolved_at: p.clock.now(),
      });
      autoCredited++;
      continue;
    }
    open({
      out_trade_no: line.outTradeNo,
      kind: row ? 'amount_mismatch' : 'missing_ours',
      channel_amount_fen: line.amountFen,
      our_amount_fen: row?.amount_fen ?? null,
      payment_id: row?.id ?? null,
      user_id: row?.user_id ?? null,
    });
  }
  for (const mine of ours) {
    if (seen.has(mine.out_trade_no)) continue;
    open({
      out_trade_no: mine.out_trade_no,
      kind: 'missing_channel',
      channel_amount_fen: null,
      our_amount_fen: mine.amount_fen,
      payment_id: mine.id,
      user_id: mine.user_id,
    });
  }

  // Refunds to the channel: each refund line against wallet_refunds (a line confirms a refund still
  // `processing` on our side); our refunds settled that day but absent from the bill go to the queue.
  const refundSeen = new Set<string>();
  for (const line of refunds) {
    refundSeen.add(line.outRefundNo);
    const mine = await p.db.selectFrom('wallet_refunds').selectAll().where('out_refund_no', '=', line.outRefundNo).executeTakeFirst();
    if (!mine) {
      open({
        out_trade_no: line.outRefundNo,
        kind: 'missing_ours',
        channel_amount_fen: line.amountFen,
        our_amount_fen: null,
        payment_id: null,
        user_id: null,
      });
    } else if (mine.amount_fen !== line.amountFen) {
      open({
        out_trade_no: line.outRefundNo,
        kind: 'amount_mismatch',
        channel_amount_fen: line.amountFen,
        our_amount_fen: mine.amount_fen,
        payment_id: mine.payment_id,
        user_id: mine.user_id,
      });
    } else {
      matched++;
      if (mine.status === 'processing') {
        await p.db
          .updateTable('wallet_refunds')
          .set({ status: 'success', updated_at: p.clock.now() })
          .where('id', '=', mine.id)
          .where('status', '=', 'processing')
          .execute();
      }
    }
  }
  const ourRefunds = !channel.tradeBills
    ? []
    : await p.db
        .selectFrom('wallet_refunds')
        .selectAll()
        .where('channel', '=', channel.name)
        .where('status', '=', 'success')
        .where('updated_at', '>=', from)
        .where('updated_at', '<', to)
        .execute();
  for (const mine of ourRefunds) {
    if (refundSeen.has(mine.out_refund_no)) continue;
    open({
      out_trade_no: mine.out_refund_no,
      kind: 'missing_channel',
      channel_amount_fen: null,
      our_amount_fen: mine.amount_fen,
      payment_id: mine.payment_id,
      user_id: mine.user_id,
    });
  }

  // Payouts: every withdrawal through this channel requested that day, against the channel's own record
  // of the transfer (its transfer query): matched, paid by the channel but not by our ledger
  // (`missing_ours`), recorded as paid by us but failed or returned at the channel (`missing_channel`),
  // or a different amount. A late outcome of a payout still in flight is applied like its callback.
  const payouts = await p.db
    .selectFrom('wallet_withdrawals')
    .selectAll()
    .where('channel', '=', channel.name)
    .where('status', 'in', ['submitted', 'paid', 'failed'])
    .where('created_at', '>=', from)
    .where('created_at', '<', to)
    .orderBy('created_at')
    .execute();
  let payoutError: string | null = null;
  for (const w of payouts) {
    let q: TransferOutcome | null;
    try {
      q = await channel.queryTransfer(w.out_batch_no, `D${w.out_batch_no.slice(2)}`);
    } catch (err) {
      if (err instanceof ChannelError && (err.code === 'ORDER_NOT_EXIST' || err.code === 'NOT_FOUND' || err.status === 404)) q = null;
      else {
        payoutError = `payout ${w.out_batch_no}: ${(err as Error).message}`.slice(0, 500);
        break;
      }
    }
    if (q?.status === 'processing') continue;
    let ourStatus = w.status;
    if (ourStatus === 'submitted' && q) {
      ourStatus = (await checkWithdrawal(p, { channels: [channel], notifyUrl: () => '' }, w.id))?.status ?? ourStatus;
      if (ourStatus === 'submitted') continue;
    }
    const disc = (kind: DiscRow['kind']) =>
      open({
        out_trade_no: w.out_batch_no,
        kind,
        channel_amount_fen: q?.status === 'success' ? (q.amountFen ?? w.amount_fen) : null,
        our_amount_fen: ourStatus === 'paid' ? w.amount_fen : null,
        payment_id: null,
        user_id: w.user_id,
      });
    const channelPaid = q?.status === 'success';
    if (channelPaid && ourStatus === 'paid') {
      if (q!.amountFen !== null && q!.amountFen !== w.amount_fen) disc('amount_mismatch');
      else matched++;
    } else if (channelPaid) disc('missing_ours');
    else if (ourStatus === 'paid') disc('missing_channel');
    else matched++;
  }

  const status: RunRow['status'] = payoutError
    ? 'failed'
    : !bill && ours.length === 0 && ourRefunds.length === 0 && payouts.length === 0
      ? 'no_bill'
      : found.length
        ? 'discrepancies'
        : 'balanced';
  const run = {
    ...base,
    status,
    bill_sha1: sha1,
    bill_lines: payments.length + refunds.length,
    matched,
    discrepancies: found.length,
    auto_credited: autoCredited,
    error: payoutError,
  };
  await p.db.transaction().execute(async (tx) => {
    await tx.insertInto('wallet_recon_runs').values(run).execute();
    for (const d of found) {
      await tx
        .insertInto('wallet_recon_discrepancies')
        .values({ ...d, id: newId(), run_id: runId, channel: channel.name, bill_day: day, created_at: p.clock.now() })
        .onConflict((oc) => oc.columns(['channel', 'out_trade_no', 'kind']).doNothing())
        .execute();
    }
  });
  p.logger.info({ day, channel: channel.name, status, matched, discrepancies: found.length, autoCredited }, 'reconciliation finished');
  return runView(run);
}

/** Reconciliation runs, newest first, optionally of one day. */
export async function listRuns(p: Platform, q: { day?: string | undefined; limit?: number | undefined }): Promise<ReconRunView[]> {
  let s = p.db.selectFrom('wallet_recon_runs').selectAll();
  if (q.day) s = s.where('bill_day', '=', q.day);
  const rows = await s
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(q.limit ?? 50)
    .execute();
  return rows.map(runView);
}

/** The finance queue: discrepancies by status (open first by age), day and kind. */
export async function listDiscrepancies(
  p: Platform,
  q: { status?: DiscRow['status'] | undefined; day?: string | undefined; kind?: DiscRow['kind'] | undefined; limit?: number | undefined },
): Promise<DiscrepancyView[]> {
  let s = p.db.selectFrom('wallet_recon_discrepancies').selectAll();
  if (q.status) s = s.where('status', '=', q.status);
  if (q.day) s = s.where('bill_day', '=', q.day);
  if (q.kind) s = s.where('kind', '=', q.kind);
  const rows = await s
    .orderBy('created_at', 'asc')
    .orderBy('id', 'asc')
    .limit(q.limit ?? 100)
    .execute();
  return rows.map(discView);
}

/**
 * Finance resolves an open discrepancy: `adjust` posts an adjustment transfer on the top-up's owner
 * (`amountFen` signed: + credit, − charge) with the reason, keyed by the discrepancy so a retry posts
 * once; `dismiss` closes it with the reason and moves no money (e.g. the channel's bill was corrected).
 */
export async function resolveDiscrepancy(
  p: Platform,
  actor: Actor,
  id: string,
  o: { action: 'adjust' | 'dismiss'; amountFen?: number | undefined; userId?: string | undefined; reason: string },
): Promise<DiscrepancyView> {
  const reason = o.reason.trim();
  if (!reason) throw new AppError('RECON_REASON_REQUIRED');
  return p.db.transaction().execute(async (tx) => {
    const d = await tx.selectFrom('wallet_recon_discrepancies').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    if (!d) throw new AppError('NOT_FOUND');
    if (d.status !== 'open') throw new AppError('RECON_ALREADY_RESOLVED');
    let transferId: string | null = null;
    if (o.action === 'adjust') {
      const userId = o.userId ?? d.user_id;
      if (!userId) throw new AppError('RECON_ADJUST_NEEDS_USER');
      if (!o.amountFen || !Number.isSafeInteger(o.amountFen)) throw new AppError('RECON_ADJUST_AMOUNT_INVALID');
      const t = await adjustBalance(p, tx, {
        userId,
        amountFen: o.amountFen,
        reason: `对账差错处理 ${d.channel} ${d.out_trade_no}（${d.kind}）：${reason}`,
        key: `recon:${d.id}`,
      });
      transferId = t.transferId;
    }
    const now = p.clock.now();
    const updated = await tx
      .updateTable('wallet_recon_discrepancies')
      .set({
        status: 'resolved',
        resolution: o.action === 'adjust' ? 'adjusted' : 'dismissed',
        resolution_reason: reason,
        transfer_id: transferId,
        resolved_by: actor.userId,
        resolved_at: now,
      })
      .where('id', '=', d.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await audit(tx, {
      at: now,
      action: 'wallet.reconciliation.resolve',
      actorId: actor.userId,
      subjectId: d.user_id,
      detail: { discrepancyId: d.id, action: o.action, amountFen: o.amountFen ?? 0, transferId },
    });
    return discView(updated);
  });
}

/** Used by the daily job: the previous China-time day. */
export const previousChinaDay = (now: Date): string => chinaDay(new Date(now.getTime() - 24 * 3600_000));
