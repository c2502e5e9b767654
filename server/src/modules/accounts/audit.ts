import type { Executor } from '../../platform/db.ts';
import { newId } from '../../platform/ids.ts';
import { insertAudit } from './repo.ts';

/** One security event (GB/T 22239): who did what to whom, when, from where, with what result. */
export interface AuditEntry {
  /** From the injected clock (`p.clock.now()`). */
  at: Date;
  action: string;
  result?: 'success' | 'failure';
  /** Who acted (null for anonymous attempts). */
  actorId?: string | null;
  /** Whose account or data it concerned. */
  subjectId?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  /** Non-personal details only: ids, counts, masked identifiers. Never L3 values in clear. */
  detail?: Record<string, unknown>;
}

/**
 * Appends a row to the append-only security audit, on the caller's transaction so the audit entry and
 * the change commit together. For use by every module (role changes, approvals, exports, …).
 */
export async function audit(tx: Executor, e: AuditEntry): Promise<void> {
  await insertAudit(tx, {
    id: newId(),
    at: e.at,
    action: e.action,
    result: e.result ?? 'success',
    actor_id: e.actorId ?? null,
    subject_id: e.subjectId ?? null,
    ip: e.ip ?? null,
    user_agent: e.userAgent ? e.userAgent.slice(0, 300) : null,
    detail: JSON.stringify(e.detail ?? {}),
  });
}
