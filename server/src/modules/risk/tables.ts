import type { ColumnType } from 'kysely';
import type { ArbitrationCase } from './provider.ts';
import type { Deduction } from './scoring.ts';

type Json<T> = ColumnType<T, string, string>;

/** A held order's review (issue 6): pending until released, rejected, expired (start passed) or withdrawn (owner cancelled). */
export type OrderHoldStatus = 'pending' | 'released' | 'rejected' | 'expired' | 'withdrawn';

/**
 * Tables of the risk module. Data class of every column in its comment: L1 public · L2 internal.
 * Everything here is about companies (public registry and arbitration data), nothing about people.
 */
export interface RiskTables {
  risk_companies: {
    credit_code: string; // L1 public registry data
    company_name: string; // L1
    score: number; // L2
    raw_score: number; // L2
    level: 'low' | 'medium' | 'high'; // L1 (shown to couriers)
    threshold: number; // L2
    deductions: Json<Deduction[]>; // L2
    case_count: number; // L2
    total_amount_fen: number; // L2
    latest_case: Json<ArbitrationCase | null>; // L2
    cases: Json<ArbitrationCase[]>; // L2 (public arbitration records; risk staff only)
    checked_at: Date; // L2
    watched: ColumnType<boolean, boolean | undefined, boolean>; // L2
    watch_source: string | null; // L2
    watched_since: Date | null; // L2
    created_at: ColumnType<Date, Date | undefined, never>; // L2
  };
  risk_watch_requests: {
    credit_code: string; // L1
    source: string; // L2
    requested_at: Date; // L2
  };
  risk_checks: {
    id: string; // L2
    credit_code: string; // L1
    checked_at: Date; // L2
    reason: string; // L2
    score: number; // L2
    level: string; // L2
    threshold: number; // L2
    case_count: number; // L2
    total_amount_fen: number; // L2
  };
  risk_alerts: {
    id: string; // L2
    credit_code: string; // L1
    company_name: string; // L1
    severity: 'urgent' | 'warning' | 'info'; // L2
    reason: string; // L2
    score: number; // L2
    threshold: number; // L2
    case_count: number; // L2
    total_amount_fen: number; // L2
    latest_case: Json<ArbitrationCase | null>; // L2
    new_case_nos: Json<string[]>; // L2
    fingerprint: string; // L2
    /** The company's previous alert (null for its first): one chain per company (migration 0062). */
    supersedes: string | null; // L2
    created_at: Date; // L2
  };
  risk_order_holds: {
    order_id: string; // L2
    order_no: string; // L1
    owner_id: string; // L2 the posting account
    store_name: string; // L1
    starts_at: Date; // L1
    pay_fen: number; // L1
    credit_code: string; // L1
    company_name: string; // L1
    score: number; // L2
    case_count: number; // L2
    total_amount_fen: number; // L2
    latest_case: Json<ArbitrationCase | null>; // L2
    status: OrderHoldStatus; // L2
    response: string | null; // L2 the owner's reply to the reviewers
    responded_at: Date | null; // L2
    decided_by: string | null; // L2
    decision_reason: string | null; // L2 (shown to the owner)
    decided_at: Date | null; // L2
    held_at: Date; // L2
    version: ColumnType<number, number | undefined, number>; // L2
  };
  risk_thresholds: {
    id: string; // L2
    value: number; // L2
    source: 'default' | 'dynamic'; // L2
    percentile: number | null; // L2
    benchmark: string | null; // L2 (numeric, exact)
    sample_size: number; // L2
    distribution: Json<number[]>; // L2 (companies per 10-point score bin, 0–9 … 90–100)
    computed_at: Date; // L2
  };
}
