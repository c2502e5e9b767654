/**
 * What the risk module needs from an arbitration data provider. The HTTP client in client.ts speaks
 * the protocol of docs/arbitration-provider.md; another provider drops in by implementing this.
 */

/** One labor-arbitration case of a company (the employer). Public court/arbitration data (L1). */
export interface ArbitrationCase {
  caseNo: string;
  title: string;
  /** `YYYY-MM-DD`, the day the case was filed. */
  filedDate: string;
  amountFen: number;
  /** From the company's side. */
  result: 'win' | 'lose';
  /** Whether the award has been carried out. */
  executed: boolean;
}

/** A provider's answer about one company. */
export interface ArbitrationRecord {
  creditCode: string;
  companyName: string;
  /** Newest first. */
  cases: ArbitrationCase[];
  /** When the provider produced it (ISO). */
  fetchedAt: string;
}

/** Either the company's record or "the provider has no such company" (6002). */
export type LookupResult = { found: true; record: ArbitrationRecord } | { found: false; creditCode: string; fetchedAt: string };

/**
 * A source of arbitration records. Implementations throw AppError with the ARBITRATION_* codes of
 * errors.ts for provider failures and return `{ found: false }` for 6002.
 */
export interface ArbitrationSource {
  query(creditCode: string): Promise<LookupResult>;
}
