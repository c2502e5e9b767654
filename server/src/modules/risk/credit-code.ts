/**
 * Unified social credit code (GB 32100-2015) check, so obviously wrong codes never cost a provider
 * call: 18 characters of a 31-symbol alphabet, the last a check character (weights 3^i mod 31).
 */
const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** Normalises (trim, upper-case) and validates; undefined when the code cannot be right. */
export function normaliseCreditCode(raw: string): string | undefined {
  const v = raw.trim().toUpperCase();
  if (!/^[0-9A-HJ-NPQRTUWXY]{18}$/.test(v)) return undefined;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += ALPHABET.indexOf(v[i]!) * WEIGHTS[i]!;
  return ALPHABET[(31 - (sum % 31)) % 31] === v[17] ? v : undefined;
}
