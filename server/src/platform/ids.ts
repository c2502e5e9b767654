import { randomBytes, randomInt } from 'node:crypto';
import { v7 } from 'uuid';

/** Time-ordered primary keys (UUIDv7): index-friendly and unguessable enough for ids (not for secrets). */
export const newId = (): string => v7();

/** A 256-bit secret token (sessions, feed URLs) as base64url. */
export const newToken = (): string => randomBytes(32).toString('base64url');

/** A numeric one-time code of `digits` digits, uniformly random. */
export const newNumericCode = (digits = 6): string => String(randomInt(0, 10 ** digits)).padStart(digits, '0');

/**
 * A readable, unique-enough human-facing number such as `DB20261123-7K3Q9X`: a prefix, the Shanghai
 * date, and 6 random characters from an alphabet without look-alikes. Stored under a unique index.
 */
export function newHumanNumber(prefix: string, at: Date): string {
  const alphabet = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
  const day = new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 10).replaceAll('-', '');
  let s = '';
  for (let i = 0; i < 6; i++) s += alphabet[randomInt(alphabet.length)];
  return `${prefix}${day}-${s}`;
}
