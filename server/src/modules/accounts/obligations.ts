import type { Platform } from '../../platform/platform.ts';

/**
 * Something another module owes or is owed by a user (unfinished orders, a wallet balance, an open
 * complaint) that blocks cancellation (S5.3b). Returns the blocking reasons, empty when none.
 */
export type ObligationCheck = (p: Platform, userId: string) => Promise<string[]>;

const checks = new Map<string, ObligationCheck>();

/** Registers a check by a unique name (a module's register() calls this). Re-registering replaces it. */
export function registerObligationCheck(name: string, check: ObligationCheck): void {
  checks.set(name, check);
}

/** Removes a check (tests). */
export function unregisterObligationCheck(name: string): void {
  checks.delete(name);
}

/** Every blocking reason from every registered check. */
export async function collectObligations(p: Platform, userId: string): Promise<string[]> {
  const reasons: string[] = [];
  for (const check of checks.values()) reasons.push(...(await check(p, userId)));
  return reasons;
}
