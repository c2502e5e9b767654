import type { Actor } from '../../platform/auth.ts';
import type { Executor } from '../../platform/db.ts';
import { AppError } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import type { Platform } from '../../platform/platform.ts';
import { sniffUpload, type UploadMime } from '../../platform/uploads.ts';
import { audit } from '../accounts/index.ts';
import { notify } from '../messages/index.ts';
import { adjustBalance } from './ledger.ts';
import type { WalletTables } from './tables.ts';
import './errors.ts';

/** Finance must decide an appeal within this time (shown to both sides; overdue appeals are flagged in the queue). */
export const APPEAL_DECISION_MS = 7 * 24 * 3600_000;

/** Evidence for an appeal: JPEG, PNG or PDF, at most this size, at most this many per appeal. */
export const APPEAL_ATTACHMENT_MAX_BYTES = 2 * 1024 * 1024;
export const APPEAL_ATTACHMENTS_MAX = 5;
/** Uploads not yet named by an appeal, per user (bounds what an abandoned form leaves behind). */
const UNFILED_ATTACHMENTS_MAX = 20;

type Row = WalletTables['wallet_appeals'];

export interface AppealAttachmentView {
  id: string;
  mime: UploadMime;
  sizeBytes: number;
  createdAt: string;
}
const ATTACHMENT_META = ['id', 'appeal_id', 'mime', 'size_bytes', 'created_at'] as const;
const attachmentView = (r: { id: string; mime: UploadMime; size_bytes: number; created_at: Date }): AppealAttachmentView => ({
  id: r.id,
  mime: r.mime,
  sizeBytes: r.size_bytes,
  createdAt: r.created_at.toISOString(),
});
const sealContext = (id: string) => `wallet_appeal_attachments:${id}`;

export interface AppealView {
  id: string;
  userId: string;
  lineId: string;
  transferId: string;
  lineAmountFen: number;
  reason: string;
  attachmentRef: string | null;
  attachments: AppealAttachmentView[];
  status: Row['status'];
  decisionNote: string | null;
  adjustmentFen: number | null;
  adjustmentTransferId: string | null;
  decidedAt: string | null;
  dueAt: string;
  overdue: boolean;
  createdAt: string;
}

const view = (r: Row, now: Date, attachments: AppealAttachmentView[] = []): AppealView => ({
  id: r.id,
  userId: r.user_id,
  lineId: String(r.posting_id),
  transferId: r.transfer_id,
  lineAmountFen: r.amount_fen,
  reason: r.reason,
  attachmentRef: r.attachment_ref,
  attachments,
  status: r.status,
  decisionNote: r.decision_note,
  adjustmentFen: r.adjustment_fen,
  adjustmentTransferId: r.adjustment_transfer_id,
  decidedAt: r.decided_at?.toISOString() ?? null,
  dueAt: r.due_at.toISOString(),
  overdue: r.status === 'open' && r.due_at.getTime() < now.getTime(),
  createdAt: r.created_at.toISOString(),
});

/** The attachments of these appeals, by appeal (one query). */
async function attachmentsOf(db: Executor, appealIds: readonly string[]): Promise<Map<string, AppealAttachmentView[]>> {
  const out = new Map<string, AppealAttachmentView[]>();
  if (!appealIds.length) return out;
  const rows = await db
    .selectFrom('wallet_appeal_attachments')
    .select(ATTACHMENT_META)
    .where('appeal_id', 'in', [...appealIds])
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  for (const r of rows) out.set(r.appeal_id!, [...(out.get(r.appeal_id!) ?? []), attachmentView(r)]);
  return out;
}
const views = async (p: Platform, rows: Row[]) => {
  const att = await attachmentsOf(
    p.db,
    rows.map((r) => r.id),
  );
  return rows.map((r) => view(r, p.clock.now(), att.get(r.id)));
};

/**
 * Uploads one piece of evidence for an appeal the caller is about to file (S5.9c): JPEG, PNG or PDF by its
 * bytes, at most 2 MB; sealed with the keyring (it may show accounts and names). Named by the appeal later.
 */
export async function uploadAppealAttachment(p: Platform, actor: Actor, bytes: Uint8Array | null): Promise<AppealAttachmentView> {
  const mime = bytes && bytes.byteLength > 0 && bytes.byteLength <= APPEAL_ATTACHMENT_MAX_BYTES ? sniffUpload(bytes) : null;
  if (!bytes || !mime) throw new AppError('APPEAL_ATTACHMENT_INVALID', { maxMb: APPEAL_ATTACHMENT_MAX_BYTES / 1024 / 1024 });
  const id = newId();
  const row = {
    id,
    user_id: actor.userId,
    appeal_id: null,
    mime,
    size_bytes: bytes.byteLength,
    data_enc: p.keyring.encrypt(Buffer.from(bytes).toString('base64'), sealContext(id)),
    created_at: p.clock.now(),
  };
  return p.db.transaction().execute(async (tx) => {
    const { n } = await tx
      .selectFrom('wallet_appeal_attachments')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', actor.userId)
      .where('appeal_id', 'is', null)
      .executeTakeFirstOrThrow();
    if (Number(n) >= UNFILED_ATTACHMENTS_MAX) throw new AppError('APPEAL_ATTACHMENT_LIMIT', { max: UNFILED_ATTACHMENTS_MAX });
    await tx.insertInto('wallet_appeal_attachments').values(row).execute();
    return attachmentView(row);
  });
}

/**
 * An attachment's bytes, for the appellant (their own uploads) and for finance (`isFinance`: any filed
 * appeal's). Anyone else gets 404, as for a missing one.
 */
export async function readAppealAttachment(
  p: Platform,
  actor: Actor,
  o: { appealId: string; attachmentId: string; isFinance: boolean },
): Promise<{ mime: UploadMime; bytes: Buffer }> {
  const r = await p.db
    .selectFrom('wallet_appeal_attachments')
    .select(['id', 'user_id', 'mime', 'data_enc'])
    .where('id', '=', o.attachmentId)
    .where('appeal_id', '=', o.appealId)
    .executeTakeFirst();
  if (!r || (r.user_id !== actor.userId && !o.isFinance)) throw new AppError('APPEAL_ATTACHMENT_NOT_FOUND');
  return { mime: r.mime, bytes: Buffer.from(p.keyring.decrypt(r.data_enc, sealContext(r.id)), 'base64') };
}

/**
 * A user disputes one line of their bill (a posting on their own wallet), with a reason and up to five
 * attachments uploaded before (their ids); finance must decide by `dueAt`.
 */
export async function fileAppeal(
  p: Platform,
  actor: Actor,
  o: { lineId: string; reason: string; attachmentRef?: string | undefined; attachmentIds?: string[] | undefined },
): Promise<AppealView> {
  const attachmentIds = [...new Set(o.attachmentIds ?? [])];
  if (attachmentIds.length > APPEAL_ATTACHMENTS_MAX) throw new AppError('VALIDATION_FAILED', { detail: 'attachmentIds' });
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
    let attachments: AppealAttachmentView[] = [];
    if (attachmentIds.length) {
      const named = await tx
        .updateTable('wallet_appeal_attachments')
        .set({ appeal_id: row.id })
        .where('id', 'in', attachmentIds)
        .where('user_id', '=', actor.userId)
        .where('appeal_id', 'is', null)
        .returning(ATTACHMENT_META)
        .execute();
      if (named.length !== attachmentIds.length) throw new AppError('APPEAL_ATTACHMENT_NOT_FOUND');
      attachments = named.map(attachmentView).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
    }
    return view(row, now, attachments);
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
  return views(p, rows);
}

/** Finance's queue: by status, the nearest deadline first. */
export async function listAppeals(p: Platform, q: { status?: Row['status'] | undefined }): Promise<AppealView[]> {
  let s = p.db.selectFrom('wallet_appeals').selectAll();
  if (q.status) s = s.where('status', '=', q.status);
  const rows = await s.orderBy('due_at', 'asc').orderBy('id', 'asc').limit(500).execute();
  return views(p, rows);
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
    return view(updated, now, (await attachmentsOf(tx, [updated.id])).get(updated.id));
  });
}
