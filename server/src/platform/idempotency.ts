import { createHash } from 'node:crypto';
import type { Db, Tx } from './db.ts';
import { AppError } from './errors.ts';

const hashBody = (body: unknown) =>
  createHash('sha256')
    .update(JSON.stringify(body ?? null))
    .digest('base64url');

/**
 * Runs a mutating command at most once per (scope, Idempotency-Key). The stored result is written in
 * the command's own transaction, so a crash either keeps both or neither. Same key + same body →
 * the first result; same key + different body → IDEMPOTENCY_KEY_REUSED (422).
 * Without a key the command simply runs.
 */
export async function idempotent<T>(
  db: Db,
  opts: { scope: string; key: string | undefined; body: unknown },
  command: (tx: Tx) => Promise<T>,
): Promise<T> {
  if (!opts.key) return db.transaction().execute(command);
  const requestHash = hashBody(opts.body);
  const lookup = async () => {
    const row = await db
      .selectFrom('idempotency_keys')
      .selectAll()
      .where('scope', '=', opts.scope)
      .where('key', '=', opts.key!)
      .executeTakeFirst();
    if (!row) return undefined;
    if (row.request_hash !== requestHash) throw new AppError('IDEMPOTENCY_KEY_REUSED');
    return { value: row.response as T };
  };
  const first = await lookup();
  if (first) return first.value;
  try {
    return await db.transaction().execute(async (tx) => {
      const result = await command(tx);
      await tx
        .insertInto('idempotency_keys')
        .values({ scope: opts.scope, key: opts.key!, request_hash: requestHash, status_code: 200, response: JSON.stringify(result) })
        .execute();
      return result;
    });
  } catch (err) {
    // A concurrent request with the same key won the insert: answer with its result.
    if ((err as { code?: string }).code === '23505') {
      const again = await lookup();
      if (again) return again.value;
    }
    throw err;
  }
}
