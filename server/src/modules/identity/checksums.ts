/**
 * Check characters of Chinese identity numbers, pure functions so they can be unit-tested and reused
 * by the embedded verification provider.
 */

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';
// First digit of the administrative division code (GB/T 2260): 1 North … 8 Hong Kong/Macao/Taiwan residents.
const PROVINCES = new Set([
  '11',
  '12',
  '13',
  '14',
  '15',
  '21',
  '22',
  '23',
  '31',
  '32',
  '33',
  '34',
  '35',
  '36',
  '37',
  '41',
  '42',
  '43',
  '44',
  '45',
  '46',
  '50',
  '51',
  '52',
  '53',
  '54',
  '61',
  '62',
  '63',
  '64',
  '65',
  '71',
  '81',
  '82',
  '83',
]);

/** The GB 11643 check character for the first 17 digits of a resident ID number. */
export function idCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * ID_WEIGHTS[i]!;
  return ID_CHECK[sum % 11]!;
}

/** Why an ID number is not valid, or null when it is. `today` bounds the birth date. */
export function idNumberProblem(raw: string, today: Date): 'format' | 'region' | 'birthdate' | 'checksum' | null {
  const id = raw.trim().toUpperCase();
  if (!/^\d{17}[\dX]$/.test(id)) return 'format';
  if (!PROVINCES.has(id.slice(0, 2))) return 'region';
  const y = Number(id.slice(6, 10));
  const m = Number(id.slice(10, 12));
  const d = Number(id.slice(12, 14));
  const birth = new Date(Date.UTC(y, m - 1, d));
  if (y < 1900 || birth.getUTCFullYear() !== y || birth.getUTCMonth() !== m - 1 || birth.getUTCDate() !== d) return 'birthdate';
  if (birth.getTime() > today.getTime()) return 'birthdate';
  if (idCheckChar(id.slice(0, 17)) !== id[17]) return 'checksum';
  return null;
}

/** Normalises an ID number for storage and indexing: trimmed, upper-case X. */
export const normalizeIdNumber = (raw: string): string => raw.trim().toUpperCase();

/** Age in whole years on `today` from the birth date encoded in a valid ID number. */
export function ageFromIdNumber(id: string, today: Date): number {
  const y = Number(id.slice(6, 10));
  const m = Number(id.slice(10, 12));
  const d = Number(id.slice(12, 14));
  let age = today.getUTCFullYear() - y;
  if (today.getUTCMonth() + 1 < m || (today.getUTCMonth() + 1 === m && today.getUTCDate() < d)) age--;
  return age;
}

const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** The GB 32100 check character for the first 17 characters of a unified social credit code. */
export function creditCodeCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += USCC_ALPHABET.indexOf(first17[i]!) * USCC_WEIGHTS[i]!;
  const c = 31 - (sum % 31);
  return USCC_ALPHABET[c === 31 ? 0 : c]!;
}

/** Why a unified social credit code is not valid, or null when it is. */
export function creditCodeProblem(raw: string): 'format' | 'checksum' | null {
  const code = raw.trim().toUpperCase();
  // Registration department (1–9, A–G, Y), organisation type, 6-digit division code, 9-char organisation code, check.
  if (!/^[1-9A-GY][1-9]\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/.test(code)) return 'format';
  if (creditCodeCheckChar(code.slice(0, 17)) !== code[17]) return 'checksum';
  return null;
}

export const normalizeCreditCode = (raw: string): string => raw.trim().toUpperCase();

/** `110***********1234`: the first 3 and last 4 characters of an identifier, the rest starred. */
export function maskIdentifier(v: string): string {
  if (v.length <= 7) return '*'.repeat(v.length);
  return v.slice(0, 3) + '*'.repeat(v.length - 7) + v.slice(-4);
}

/** `张*` / `欧阳**` / `J***`: a personal name with all but its first character starred. */
export function maskName(v: string): string {
  const chars = [...v];
  if (chars.length <= 1) return '*';
  return chars[0] + '*'.repeat(chars.length - 1);
}
