import type { Keyring } from '../../platform/crypto.ts';
import { maskIdentifier, maskName } from './checksums.ts';
import type { VerificationRow } from './repo.ts';
import { CTX, lastValidDay } from './service.ts';
import type { IdentityTables } from './tables.ts';

/** What a purged record shows instead of a masked value. */
export const PURGED = '—';

const day = (d: Date | null) => (d ? lastValidDay(d) : null);

/** A verification as its owner and reviewers see it: L3 values decrypted only to be masked here. */
export function presentVerification(keyring: Keyring, r: VerificationRow) {
  return {
    id: r.id,
    userId: r.user_id,
    kind: r.kind,
    status: r.status,
    // A purged record (retention ended) has nothing left to mask.
    personName: r.person_name_enc ? maskName(keyring.decrypt(r.person_name_enc, CTX.personName)) : PURGED,
    idNumber: r.id_number_enc ? maskIdentifier(keyring.decrypt(r.id_number_enc, CTX.idNumber)) : PURGED,
    idValidUntil: day(r.id_valid_until),
    idFrontFileId: r.id_front_file_id,
    idBackFileId: r.id_back_file_id,
    // A company name is public registry data; only the code is masked.
    companyName: r.company_name_enc ? keyring.decrypt(r.company_name_enc, CTX.companyName) : null,
    creditCode: r.credit_code_enc ? maskIdentifier(keyring.decrypt(r.credit_code_enc, CTX.creditCode)) : null,
    licenseFileId: r.license_file_id,
    licenseValidUntil: day(r.license_valid_until),
    validUntil: day(r.valid_until),
    rejectReason: r.reject_reason,
    decidedBy: r.decided_by,
    decidedAt: r.decided_at?.toISOString() ?? null,
    submittedAt: r.submitted_at.toISOString(),
  };
}

export function presentFile(f: IdentityTables['identity_files']) {
  return { id: f.id, purpose: f.purpose, mime: f.mime, sizeBytes: f.size_bytes, createdAt: f.created_at.toISOString() };
}

export function presentAudit(a: IdentityTables['identity_audit']) {
  return { action: a.action, actorId: a.actor_id, reason: a.reason, at: a.at.toISOString() };
}
