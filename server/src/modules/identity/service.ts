import { createHash } from 'node:crypto';
import type { Actor } from '../../platform/auth.ts';
import type { Executor, Tx } from '../../platform/db.ts';
import { AppError } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import type { Platform } from '../../platform/platform.ts';
import { decodeCursor, encodeCursor } from '../../platform/schemas.ts';
import { audit as securityAudit } from '../accounts/index.ts';
import { notify } from '../messages/index.ts';
import { creditCodeProblem, idNumberProblem, normalizeCreditCode, normalizeIdNumber } from './checksums.ts';
import { canReadFile, verificationKindFor } from './policy.ts';
import { verificationProvider } from './provider.ts';
import * as repo from './repo.ts';
import { checkUpload, localFileStore, openFile, sealFile, type FileStore } from './storage.ts';
import { ObjectStorageError, s3FileStore } from './s3-store.ts';
import type { VerificationRow } from './repo.ts';

const DAY_MS = 86_400_000;
const SHANGHAI_MS = 8 * 3600_000;
/** Users are warned this long before a document expires. */
export const EXPIRY_WARNING_DAYS = 30;

/** Column contexts of the keyring (associated data binds each ciphertext to its column). */
export const CTX = {
  personName: 'identity_verifications.person_name',
  idNumber: 'identity_verifications.id_number',
  companyName: 'identity_verifications.company_name',
  creditCode: 'identity_verifications.credit_code',
} as const;

let fileStoreOverride: FileStore | undefined;
/** Plugs in another store (e.g. S3-compatible object storage); the local folder is the default. */
export function setFileStore(store: FileStore | undefined): void {
  fileStoreOverride = store;
}
const s3Stores = new WeakMap<object, FileStore>();
/** The override, else S3-compatible storage when STORAGE_S3_* is configured, else the local folder. */
const fileStore = (p: Platform): FileStore => {
  if (fileStoreOverride) return fileStoreOverride;
  const s3 = p.config.storageS3;
  if (!s3) return localFileStore(p.config.dataDir);
  let store = s3Stores.get(s3);
  if (!store) s3Stores.set(s3, (store = s3FileStore(s3)));
  return store;
};

/** `2030-12-31` (a date in China) → the instant the document stops being valid (the next midnight, Shanghai). */
export function endOfShanghaiDay(date: string): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + 1) - SHANGHAI_MS);
}
/** The inverse of endOfShanghaiDay: the last valid day as `YYYY-MM-DD`. */
export const lastValidDay = (until: Date): string => new Date(until.getTime() - 1 + SHANGHAI_MS).toISOString().slice(0, 10);

function checkValidity(date: string | null | undefined, now: Date): Date | null {
  if (!date) return null; // 长期 (long-term) documents
  const until = endOfShanghaiDay(date);
  if (Number.isNaN(until.getTime()) || lastValidDay(until) !== date)
    throw new AppError('VALIDATION_FAILED', { detail: `bad date ${date}` });
  if (until <= now) throw new AppError('IDENTITY_DOCUMENT_EXPIRED');
  return until;
}

const earliest = (...dates: (Date | null)[]): Date | null => dates.reduce<Date | null>((a, d) => (d && (!a || d < a) ? d : a), null);

/** Runs a storage call; an object-storage failure becomes IDENTITY_STORAGE_UNAVAILABLE (503), logged without data. */
async function stored<T>(p: Platform, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (!(err instanceof ObjectStorageError)) throw err;
    p.logger.error({ status: err.status, s3Code: err.s3Code }, 'identity document storage failed');
    throw new AppError('IDENTITY_STORAGE_UNAVAILABLE');
  }
}

/** Stores an uploaded document, encrypted, under a server-generated name; returns its metadata. */
export async function uploadDocument(
  p: Platform,
  actor: Actor,
  input: { purpose: repo.FileRow['purpose']; bytes: Uint8Array },
): Promise<repo.FileRow> {
  const mime = checkUpload(input.bytes);
  const id = newId();
  const row: repo.FileRow = {
    id,
    owner_id: actor.userId,
    purpose: input.purpose,
    mime,
    size_bytes: input.bytes.byteLength,
    sha256: createHash('sha256').update(input.bytes).digest('hex'),
    storage_key: `${id}.enc`,
    created_at: p.clock.now(),
    purged_at: null,
  };
  // Bytes first: a crash leaves an unreferenced blob, never a row pointing at nothing.
  await stored(p, () => fileStore(p).put(row.storage_key, sealFile(p.keyring, id, input.bytes)));
  await repo.insertFile(p.db, row);
  return row;
}

/** Returns a document's bytes to its owner or a reviewer, and records the view in the audit trail. */
export async function readDocument(p: Platform, actor: Actor, fileId: string, ip: string): Promise<{ mime: string; bytes: Buffer }> {
  const file = await repo.findFile(p.db, fileId);
  // A purged file's bytes are gone (retention ended): as if it never existed.
  if (!file || file.purged_at || !canReadFile(actor, file.owner_id)) throw new AppError('NOT_FOUND');
  const bytes = openFile(p.keyring, file.id, await stored(p, () => fileStore(p).get(file.storage_key)));
  await p.db.transaction().execute(async (tx) => {
    const at = p.clock.now();
    await repo.insertAudit(tx, {
      id: newId(),
      verification_id: null,
      file_id: file.id,
      actor_id: actor.userId,
      action: 'file_viewed',
      reason: null,
      ip,
      at,
    });
    await securityAudit(tx, {
      at,
      action: 'kyc.document.viewed',
      actorId: actor.userId,
      subjectId: file.owner_id,
      ip,
      detail: { fileId: file.id, purpose: file.purpose },
    });
  });
  return { mime: file.mime, bytes };
}

async function checkFile(db: Executor, actor: Actor, id: string, purpose: repo.FileRow['purpose'], field: string): Promise<void> {
  const f = await repo.findFile(db, id);
  if (!f || f.owner_id !== actor.userId || f.purpose !== purpose) throw new AppError('IDENTITY_FILE_INVALID', { field });
}

function checkIdNumber(raw: string, now: Date): string {
  const id = normalizeIdNumber(raw);
  const problem = idNumberProblem(id, now);
  if (problem) throw new AppError('IDENTITY_ID_NUMBER_INVALID', { problem });
  return id;
}

/** Claims an identifier for this account inside the transaction; refuses when another account holds it. */
async function claimIdentifier(tx: Tx, key: string, column: 'id_number_idx' | 'credit_code_idx', idx: string, userId: string, now: Date) {
  const holder = await repo.claim(tx, key, userId, now);
  if (holder === userId) return;
  if (await repo.hasActiveWithIndex(tx, holder, column, idx)) throw new AppError('IDENTITY_ID_NUMBER_IN_USE');
  // The previous holder's records were all rejected or withdrawn: the identifier is free again.
  if (!(await repo.transferClaim(tx, key, holder, userId, now))) throw new AppError('CONFLICT');
}

export interface PersonInput {
  name: string;
  idNumber: string;
  idValidUntil?: string | null | undefined;
  idFrontFileId: string;
  idBackFileId: string;
}

export interface EnterpriseInput {
  companyName: string;
  creditCode: string;
  licenseValidUntil?: string | null | undefined;
  licenseFileId: string;
  legalRepName: string;
  legalRepIdNumber: string;
  legalRepIdValidUntil?: string | null | undefined;
  legalRepIdFrontFileId: string;
  legalRepIdBackFileId: string;
}

type Decision = { status: 'approved' } | { status: 'rejected'; reason: string } | { status: 'pending' };

/** Individuals submit their ID card (S5.2b); auto-approved when the provider confirms, else reviewed. */
export async function submitPersonVerification(p: Platform, actor: Actor, input: PersonInput, ip: string): Promise<VerificationRow> {
  if (verificationKindFor(actor) !== 'person') throw new AppError('IDENTITY_WRONG_KIND');
  const now = p.clock.now();
  const name = input.name.trim();
  const idNumber = checkIdNumber(input.idNumber, now);
  const idUntil = checkValidity(input.idValidUntil, now);
  await checkFile(p.db, actor, input.idFrontFileId, 'id_front', 'idFrontFileId');
  await checkFile(p.db, actor, input.idBackFileId, 'id_back', 'idBackFileId');
  // The provider may be a remote service: ask before opening the transaction.
  const check = await verificationProvider().checkPerson({ name, idNumber });
  const decision: Decision =
    check.result === 'match'
      ? { status: 'approved' }
      : check.result === 'mismatch'
        ? { status: 'rejected', reason: '姓名与身份证号码不一致 / The name does not match the ID number' }
        : { status: 'pending' };
  const idIdx = p.keyring.blindIndex(idNumber, CTX.idNumber);
  const id = newId();
  const row: VerificationRow = {
    id,
    user_id: actor.userId,
    kind: 'person',
    status: 'pending',
    person_name_enc: p.keyring.encrypt(name, CTX.personName),
    id_number_enc: p.keyring.encrypt(idNumber, CTX.idNumber),
    id_number_idx: idIdx,
    id_front_file_id: input.idFrontFileId,
    id_back_file_id: input.idBackFileId,
    id_valid_until: idUntil,
    company_name_enc: null,
    credit_code_enc: null,
    credit_code_idx: null,
    license_file_id: null,
    license_valid_until: null,
    valid_until: idUntil,
    provider_result: `${verificationProvider().name}:${check.result}`,
    reject_reason: null,
    decided_by: null,
    reviewer_id: null,
    decided_at: null,
    expiry_warned_at: null,
    submitted_at: now,
    purged_at: null,
  };
  return submit(p, actor, row, `id:${idIdx}`, 'id_number_idx', idIdx, decision, ip);
}

/** Enterprises submit the business license and the legal representative's ID (S5.2a). */
export async function submitEnterpriseVerification(
  p: Platform,
  actor: Actor,
  input: EnterpriseInput,
  ip: string,
): Promise<VerificationRow> {
  if (verificationKindFor(actor) !== 'enterprise') throw new AppError('IDENTITY_WRONG_KIND');
  const now = p.clock.now();
  const creditCode = normalizeCreditCode(input.creditCode);
  const codeProblem = creditCodeProblem(creditCode);
  if (codeProblem) throw new AppError('IDENTITY_CREDIT_CODE_INVALID', { problem: codeProblem });
  const companyName = input.companyName.trim();
  const repName = input.legalRepName.trim();
  const repId = checkIdNumber(input.legalRepIdNumber, now);
  const licenseUntil = checkValidity(input.licenseValidUntil, now);
  const repUntil = checkValidity(input.legalRepIdValidUntil, now);
  await checkFile(p.db, actor, input.licenseFileId, 'business_license', 'licenseFileId');
  await checkFile(p.db, actor, input.legalRepIdFrontFileId, 'id_front', 'legalRepIdFrontFileId');
  await checkFile(p.db, actor, input.legalRepIdBackFileId, 'id_back', 'legalRepIdBackFileId');
  const provider = verificationProvider();
  const company = await provider.checkEnterprise({ companyName, creditCode });
  const person = await provider.checkPerson({ name: repName, idNumber: repId });
  let decision: Decision = { status: 'pending' };
  if (company.result === 'mismatch')
    decision = { status: 'rejected', reason: '企业名称与统一社会信用代码不一致 / The company name does not match the credit code' };
  else if (company.result === 'not_operating')
    decision = {
      status: 'rejected',
      reason: `企业登记状态为“${company.status}”，非存续 / The company is not in operation (${company.status})`,
    };
  else if (person.result === 'mismatch')
    decision = {
      status: 'rejected',
      reason: '法定代表人姓名与身份证号码不一致 / The legal representative’s name does not match the ID number',
    };
  else if (company.result === 'in_operation' && person.result === 'match') decision = { status: 'approved' };
  const codeIdx = p.keyring.blindIndex(creditCode, CTX.creditCode);
  const row: VerificationRow = {
    id: newId(),
    user_id: actor.userId,
    kind: 'enterprise',
    status: 'pending',
    person_name_enc: p.keyring.encrypt(repName, CTX.personName),
    id_number_enc: p.keyring.encrypt(repId, CTX.idNumber),
    // A legal representative may represent several companies: the credit code is what must be unique.
    id_number_idx: p.keyring.blindIndex(repId, CTX.idNumber),
    id_front_file_id: input.legalRepIdFrontFileId,
    id_back_file_id: input.legalRepIdBackFileId,
    id_valid_until: repUntil,
    company_name_enc: p.keyring.encrypt(companyName, CTX.companyName),
    credit_code_enc: p.keyring.encrypt(creditCode, CTX.creditCode),
    credit_code_idx: codeIdx,
    license_file_id: input.licenseFileId,
    license_valid_until: licenseUntil,
    valid_until: earliest(licenseUntil, repUntil),
    provider_result: `${provider.name}:company=${company.result},person=${person.result}`,
    reject_reason: null,
    decided_by: null,
    reviewer_id: null,
    decided_at: null,
    expiry_warned_at: null,
    submitted_at: now,
    purged_at: null,
  };
  return submit(p, actor, row, `uscc:${codeIdx}`, 'credit_code_idx', codeIdx, decision, ip);
}

async function submit(
  p: Platform,
  actor: Actor,
  row: VerificationRow,
  claimKey: string,
  column: 'id_number_idx' | 'credit_code_idx',
  idx: string,
  decision: Decision,
  ip: string,
): Promise<VerificationRow> {
  const now = row.submitted_at;
  return p.db
    .transaction()
    .execute(async (tx) => {
      // A new submission replaces one still in review (the user corrected a mistake); it stays for audit.
      const pending = await repo.findPendingOfUser(tx, actor.userId);
      if (pending && (await repo.transition(tx, pending.id, 'pending', 'withdrawn'))) {
        await audit(tx, p, pending.id, actor.userId, 'withdrawn', null, ip);
      }
      if (decision.status !== 'rejected') await claimIdentifier(tx, claimKey, column, idx, actor.userId, now);
      await repo.insertVerification(tx, row);
      await audit(tx, p, row.id, actor.userId, 'submitted', null, ip);
      await p.jobs.publish(tx, 'identity.verification.submitted', { verificationId: row.id, userId: row.user_id, kind: row.kind });
      if (decision.status === 'pending') return row;
      return decide(p, tx, row, decision.status === 'approved' ? { status: 'approved' } : decision, null, ip);
    })
    .catch((err: unknown) => {
      // Two submissions of one user racing: the partial unique indexes let one through.
      if ((err as { code?: string }).code === '23505') throw new AppError('CONFLICT');
      throw err;
    });
}

async function audit(
  tx: Executor,
  p: Platform,
  verificationId: string,
  actorId: string | null,
  action: string,
  reason: string | null,
  ip: string | null,
) {
  await repo.insertAudit(tx, {
    id: newId(),
    verification_id: verificationId,
    file_id: null,
    actor_id: actorId,
    action,
    reason,
    ip,
    at: p.clock.now(),
  });
}

/** Applies a decision to a pending record: audit entry, event and a notification in the same transaction. */
async function decide(
  p: Platform,
  tx: Tx,
  row: VerificationRow,
  decision: { status: 'approved' } | { status: 'rejected'; reason: string },
  reviewer: Actor | null,
  ip: string | null,
): Promise<VerificationRow> {
  const now = p.clock.now();
  if (decision.status === 'approved') {
    const previous = await repo.findApproved(tx, row.user_id);
    if (previous && previous.id !== row.id && (await repo.transition(tx, previous.id, 'approved', 'superseded'))) {
      await audit(tx, p, previous.id, reviewer?.userId ?? null, 'superseded', null, ip);
    }
  }
  const updated = await repo.transition(tx, row.id, 'pending', decision.status, {
    reject_reason: decision.status === 'rejected' ? decision.reason : null,
    decided_by: reviewer ? 'staff' : 'auto',
    reviewer_id: reviewer?.userId ?? null,
    decided_at: now,
  });
  if (!updated) throw new AppError('IDENTITY_NOT_PENDING');
  const action = (reviewer ? '' : 'auto_') + decision.status;
  await audit(tx, p, row.id, reviewer?.userId ?? null, action, decision.status === 'rejected' ? decision.reason : null, ip);
  await securityAudit(tx, {
    at: now,
    action: `kyc.verification.${action}`,
    actorId: reviewer?.userId ?? null,
    subjectId: row.user_id,
    ip,
    detail: { verificationId: row.id, kind: row.kind },
  });
  // An approved enterprise carries its credit code so the risk module checks and watches the company (A9).
  const creditCode =
    decision.status === 'approved' && row.kind === 'enterprise' && row.credit_code_enc
      ? { creditCode: p.keyring.decrypt(row.credit_code_enc, CTX.creditCode) }
      : {};
  await p.jobs.publish(tx, `identity.verification.${decision.status}`, {
    verificationId: row.id,
    userId: row.user_id,
    kind: row.kind,
    ...creditCode,
  });
  if (decision.status === 'approved') {
    await notify(p, tx, {
      userId: row.user_id,
      category: 'account',
      title: { zh: '实名认证已通过', en: 'Real-name verification approved' },
      body: {
        zh: '您的实名认证已通过，现在可以使用全部功能。',
        en: 'Your real-name verification was approved; every feature is now open to you.',
      },
      link: '/me/verification',
    });
  } else {
    await notify(p, tx, {
      userId: row.user_id,
      category: 'account',
      title: { zh: '实名认证未通过', en: 'Real-name verification rejected' },
      body: {
        zh: '您的实名认证未通过，原因：{reason}。请修改后重新提交。',
        en: 'Your real-name verification was rejected: {reason}. Please correct it and resubmit.',
      },
      params: { reason: decision.reason },
      link: '/me/verification',
    });
  }
  return updated;
}

/** A reviewer approves a submission in the queue (S5.2). */
export async function approveVerification(p: Platform, reviewer: Actor, id: string, ip: string): Promise<VerificationRow> {
  return p.db.transaction().execute(async (tx) => {
    const row = await repo.findVerification(tx, id);
    if (!row) throw new AppError('IDENTITY_VERIFICATION_NOT_FOUND');
    if (row.status !== 'pending') throw new AppError('IDENTITY_NOT_PENDING');
    return decide(p, tx, row, { status: 'approved' }, reviewer, ip);
  });
}

/** A reviewer rejects a submission with a reason the user sees (S5.2). */
export async function rejectVerification(p: Platform, reviewer: Actor, id: string, reason: string, ip: string): Promise<VerificationRow> {
  return p.db.transaction().execute(async (tx) => {
    const row = await repo.findVerification(tx, id);
    if (!row) throw new AppError('IDENTITY_VERIFICATION_NOT_FOUND');
    if (row.status !== 'pending') throw new AppError('IDENTITY_NOT_PENDING');
    return decide(p, tx, row, { status: 'rejected', reason: reason.trim() }, reviewer, ip);
  });
}

/** The caller's verification history, newest first (S5.2c: older records are kept). */
export async function findMyVerifications(p: Platform, actor: Actor): Promise<VerificationRow[]> {
  return repo.listVerificationsOfUser(p.db, actor.userId);
}

/** The review queue, oldest first. */
export async function findReviewQueue(p: Platform, query: { cursor?: string | undefined; limit?: number | undefined }) {
  const limit = query.limit ?? 20;
  const after = decodeCursor<{ at: string; id: string }>(query.cursor);
  const rows = await repo.listPending(p.db, { after, limit: limit + 1 });
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    rows: page,
    nextCursor: rows.length > limit && last ? encodeCursor({ at: last.submitted_at.toISOString(), id: last.id }) : null,
  };
}

/** One verification with its audit trail, for a reviewer. */
export async function getVerificationForReview(p: Platform, id: string) {
  const row = await repo.findVerification(p.db, id);
  if (!row) throw new AppError('IDENTITY_VERIFICATION_NOT_FOUND');
  return { row, audit: await repo.listAudit(p.db, id) };
}

/** Where a user stands: the approved record, or why not. */
export async function verificationState(
  db: Executor,
  userId: string,
  now: Date,
): Promise<{ verified: boolean; reason: 'none' | 'expired' | null; record: VerificationRow | undefined }> {
  const approved = await repo.findApproved(db, userId);
  if (approved && (!approved.valid_until || approved.valid_until > now)) return { verified: true, reason: null, record: approved };
  if (approved) return { verified: false, reason: 'expired', record: approved };
  const expired = await repo.findLatestExpired(db, userId);
  return { verified: false, reason: expired ? 'expired' : 'none', record: expired };
}

/**
 * Daily: approved records whose documents have expired become `expired` (which suspends everything
 * gated on verification), and users are warned EXPIRY_WARNING_DAYS ahead. Idempotent.
 */
export async function sweepIdentityExpiry(p: Platform): Promise<{ expired: number; warned: number }> {
  const now = p.clock.now();
  let expired = 0;
  let warned = 0;
  for (const row of await repo.listExpiredApproved(p.db, now)) {
    await p.db.transaction().execute(async (tx) => {
      if (!(await repo.transition(tx, row.id, 'approved', 'expired'))) return;
      expired++;
      await audit(tx, p, row.id, null, 'expired', null, null);
      await p.jobs.publish(tx, 'identity.verification.expired', { verificationId: row.id, userId: row.user_id, kind: row.kind });
      await notify(p, tx, {
        userId: row.user_id,
        category: 'account',
        title: { zh: '实名认证证件已过期', en: 'Verification documents expired' },
        body: {
          zh: '您提交的证件已于 {date} 到期，接单、发单和提现已暂停，请尽快更新认证资料。',
          en: 'Your documents expired on {date}; taking and posting orders and withdrawals are suspended until you update them.',
        },
        params: { date: lastValidDay(row.valid_until!) },
        link: '/me/verification',
        mandatoryCopy: true,
      });
    });
  }
  for (const row of await repo.listExpiringUnwarned(p.db, now, new Date(now.getTime() + EXPIRY_WARNING_DAYS * DAY_MS))) {
    await p.db.transaction().execute(async (tx) => {
      if (!(await repo.markWarned(tx, row.id, now))) return;
      warned++;
      await audit(tx, p, row.id, null, 'expiry_warned', null, null);
      await notify(p, tx, {
        userId: row.user_id,
        category: 'account',
        title: { zh: '实名认证证件即将到期', en: 'Verification documents expire soon' },
        body: {
          zh: '您提交的证件将于 {date} 到期，请在到期前更新认证资料，以免影响接单、发单和提现。',
          en: 'Your documents expire on {date}; update them before then to keep taking and posting orders and withdrawing.',
        },
        params: { date: lastValidDay(row.valid_until!) },
        link: '/me/verification',
        mandatoryCopy: true,
      });
    });
  }
  return { expired, warned };
}

/**
 * After an account is cancelled (PIPL): a submission in review is withdrawn and the identifiers are
 * released, so the person can verify a future account. The encrypted records and documents are kept
 * for the legal retention period (IDENTITY_RETENTION_DAYS, counted from now), then purged by
 * purgeExpiredRetention; nothing of them is shown any more.
 */
export async function releaseCancelledUser(p: Platform, tx: Tx, userId: string): Promise<void> {
  const pending = await repo.findPendingOfUser(tx, userId);
  if (pending && (await repo.transition(tx, pending.id, 'pending', 'withdrawn'))) {
    await audit(tx, p, pending.id, null, 'withdrawn', 'account cancelled', null);
  }
  await repo.releaseClaims(tx, userId);
  await repo.startRetention(tx, userId, p.clock.now());
}

/** Users purged per run at most; the rest wait for the next day's run. */
const PURGE_BATCH = 1000;

/**
 * Daily (S7.2a): when a cancelled user's retention period has ended, their document files are deleted
 * from storage and every L3 value of their records (names, ID numbers, company, credit code, blind
 * indexes, the files' plaintext hashes) is erased. The rows stay with ids, statuses and dates, so the
 * append-only audit trail keeps its references; each record and file gets a `purged` audit entry and
 * the security audit a `kyc.records.purged`. Bytes go first: a storage failure leaves the user for the
 * next run, never a row claiming files are gone that are not. Idempotent.
 */
export async function purgeExpiredRetention(p: Platform): Promise<{ users: number; records: number; files: number; failed: number }> {
  const now = p.clock.now();
  const days = p.config.identityRetentionDays;
  const cutoff = new Date(now.getTime() - days * DAY_MS);
  const out = { users: 0, records: 0, files: 0, failed: 0 };
  for (const due of await repo.listRetentionDue(p.db, cutoff, PURGE_BATCH)) {
    const files = await repo.listUnpurgedFilesOfOwner(p.db, due.user_id);
    try {
      for (const f of files) await fileStore(p).delete(f.storage_key);
    } catch (err) {
      out.failed++;
      p.logger.error(
        { userId: due.user_id, status: (err as ObjectStorageError).status, s3Code: (err as ObjectStorageError).s3Code },
        'identity retention purge: deleting documents failed; retrying on the next run',
      );
      continue;
    }
    await p.db.transaction().execute(async (tx) => {
      if (!(await repo.finishRetention(tx, due.user_id, now))) return;
      const reason = `retention ended: ${days} days after cancellation`;
      const records = await repo.purgeVerificationsOfUser(tx, due.user_id, now);
      await repo.markFilesPurged(
        tx,
        files.map((f) => f.id),
        now,
      );
      for (const id of records) await audit(tx, p, id, null, 'purged', reason, null);
      for (const f of files) {
        await repo.insertAudit(tx, {
          id: newId(),
          verification_id: null,
          file_id: f.id,
          actor_id: null,
          action: 'purged',
          reason,
          ip: null,
          at: now,
        });
      }
      await securityAudit(tx, {
        at: now,
        action: 'kyc.records.purged',
        actorId: null,
        subjectId: due.user_id,
        ip: null,
        detail: { records: records.length, files: files.length, retentionDays: days, cancelledAt: due.cancelled_at.toISOString() },
      });
      await p.jobs.publish(tx, 'identity.records.purged', { userId: due.user_id });
      out.users++;
      out.records += records.length;
      out.files += files.length;
    });
  }
  return out;
}
