import type { Actor } from '../../platform/auth.ts';
import { AppError } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import type { Platform } from '../../platform/platform.ts';
import { audit } from '../accounts/index.ts';
import { notify } from '../messages/index.ts';
import { adjustBalance } from './ledger.ts';
import type { WalletTables } from './tables.ts';
import './errors.ts';

/** Finance must decide an appeal within this time (shown to both sides; overdue appeals are flagged in the queue). */
export const APPEAL_DECISION_MS = 7 * 24 * 3600_000;

type Row = WalletTables['wallet_appeals'];

export interface AppealView {
  id: string;
  userId: string;
  lineId: string;
  transferId: string;
  lineAmountFen: number;
  reason: string;
  attachmentRef: string | null;
  status: Row['status'];
  decisionNote: string | null;
  adjustmentFen: number | null;
  adjustmentTransferId: string | null;
  decidedAt: string | null;
  dueAt: string;
  overdue: boolean;
  createdAt: string;
}

const view = (r: Row, now: Date): AppealView => ({
  id: r.id,
  userId: r.user_id,
  lineId: String(r.posting_id),
  transferId: r.transfer_id,
  lineAmountFen: r.amount_fen,
  reason: r.reason,
  attachmentRef: r.attachment_ref,
  status: r.status,
  decisionNote: r.decision_note,
  adjustmentFen: r.adjustment_fen,
  adjustmentTransferId: r.adjustment_transfer_id,
  decidedAt: r.decided_at?.toISOString() ?? null,
  dueAt: r.due_at.toISOString(),
  overdue: r.status === 'open' && r.due_at.getTime() < now.getTime(),
  createdAt: r.created_at.toISOString(),
});

/** A user disputes one line of their bill (a posting on their own wallet), with a reason. */
export async function fileAppeal(
  p: Platform,
  actor: Actor,
  o: { lineId: string; reason: string; attachmentRef?: string | undefined },
): Promise<AppealView> {
  const postingId = Number(o.lineId);
  if (!Number.isSafeInteger(postingId) || postingId <= 0) throw new AppError('APPEAL_LINE_NOT_FOUND');
  const reason = o.reason.trim();
  if (!reason) throw new AppError('VALIDATION_FAILED', { detail: 'reason' });
  return p.db.transaction().execute(async (tx) => {
    const line = await tx
      .selectFrom('ledger_postings as p')
      .innerJoin('ledger_accounts as a', 'a.id', 'p.account_id')
      .select(['p.id', 'p.transfer_id', 'p.amount_fen'])
      .where('p.id', '=', postingId)
      .where('a.owner_id', '=', actor.userId)
      .where('a.kind', 'in', ['user_available', 'user_held'])
      .executeTakeFirst();
    if (!line) throw new AppError('APPEAL_LINE_NOT_FOUND');
    const open = await tx
      .selectFrom('wallet_appeals')
      .select('id')
      .where('posting_id', '=', postingId)
      .where('status', '=', 'open')
      .executeTakeFirst();
    if (open) throw new AppError('APPEAL_ALREADY_OPEN');
    const now = p.clock.now();
    const row: Row = {
      id: newId(),
      user_id: actor.userId,
      posting_id: postingId,
      transfer_id: line.transfer_id,
      amount_fen: line.amount_fen,
      reason,
      attachment_ref: o.attachmentRef ?? null,
      status: 'open',
      decision_note: null,
      adjustment_fen: null,
      adjustment_transfer_id: null,
      decided_by: null,
      decided_at: null,
      due_at: new Date(now.getTime() + APPEAL_DECISION_MS),
      created_at: now,
    };
    await tx.insertInto('wallet_appeals').values(row).execute();
    return view(row, now);
  });
}

/** The caller's appeals, newest first. */
export async function listMyAppeals(p: Platform, actor: Actor): Promise<AppealView[]> {
  const rows = await p.db
    .selectFrom('wallet_appeals')
    .selectAll()
    .where('user_id', '=', actor.userId)
    .orderBy('created_at', 'desc')
    .limit(200)
    .execute();
  return rows.map((r) => view(r, p.clock.now()));
}

/** Finance's queue: by status, the nearest deadline first. */
export async function listAppeals(p: Platform, q: { status?: Row['status'] | undefined }): Promise<AppealView[]> {
  let s = p.db.selectFrom('wallet_appeals').selectAll();
  if (q.status) s = s.where('status', '=', q.status);
  const rows = await s.orderBy('due_at', 'asc').orderBy('id', 'asc').limit(500).execute();
  return rows.map((r) => view(r, p.clock.now()));
}

/**
 * Finance decides an appeal: accept posts an adjustment transfer (`adjustmentFen`, + credit / − charge)
 * with the note as its reason; reject records the explanation. The user is notified either way, in the
 * same transaction.
 */
export async function decideAppeal(
  p: Platform,
  actor: Actor,
  id: string,
  o: { decision: 'accept' | 'reject'; note: string; adjustmentFen?: number | undefined },
): Promise<AppealView> {
  const note = o.note.trim();
  if (!note) throw new AppError('VALIDATION_FAILED', { detail: 'note' });
  return p.db.transaction().execute(async (tx) => {
    const a = await tx.selectFrom('wallet_appeals').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    if (!a) throw new AppError('NOT_FOUND');
    if (a.status !== 'open') throw new AppError('APPEAL_ALREADY_DECIDED');
    const now = p.clock.now();
    let transferId: string | null = null;
    if (o.decision === 'accept') {
      if (!o.adjustmentFen || !Number.isSafeInteger(o.adjustmentFen)) throw new AppError('APPEAL_ADJUSTMENT_INVALID');
      const t = await adjustBalance(p, tx, {
        userId: a.user_id,
        amountFen: o.adjustmentFen,
        reason: `账单申诉成立 Bill appeal accepted（流水 ${a.posting_id}）：${note}`,
        key: `appeal:${a.id}`,
      });
      transferId = t.transferId;
    }
    const updated = await tx
      .updateTable('wallet_appeals')
      .set({
        status: o.decision === 'accept' ? 'accepted' : 'rejected',
        decision_note: note,
        adjustment_fen: o.decision === 'accept' ? o.adjustmentFen! : null,
        adjustment_transfer_id: transferId,
        decided_by: actor.userId,
        decided_at: now,
      })
      .where('id', '=', a.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await notify(p, tx, {
      userId: a.user_id,
      category: 'wallet',
      title:
        o.decision === 'accept'
          ? { zh: '账单申诉已受理', en: 'Your bill appeal was accepted' }
          : { zh: '账单申诉未通过', en: 'Your bill appeal was rejected' },
      body:
        o.decision === 'accept'
          ? {
              zh: '您对流水 {line} 的申诉已受理，已调整 {amount} 元。说明：{note}',
              en: 'Your appeal on line {line} was accepted; CNY {amount} adjusted. Note: {note}',
            }
          : { zh: '您对流水 {line} 的申诉未通过。说明：{note}', en: 'Your appeal on line {line} was rejected. Explanation: {note}' },
      params: { line: String(a.posting_id), amount: ((o.adjustmentFen ?? 0) / 100).toFixed(2), note },
      link: '/wallet/appeals',
    });
    await audit(tx, {
      at: now,
      action: 'wallet.appeal.decide',
      actorId: actor.userId,
      subjectId: a.user_id,
      detail: { appealId: a.id, decision: o.decision, adjustmentFen: o.adjustmentFen ?? 0, transferId },
    });
    return view(updated, now);
  });
}
