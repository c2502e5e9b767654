import { createHash, randomUUID } from 'node:crypto';
import pg from 'pg';
import { hashToken, type Keyring } from '../../server/src/platform/crypto.ts';

/**
 * An operations staff member (role `ops`: ops:read, ops:manage) with a bearer session, for the analysis
 * scenarios. Idempotent (the same seed gives the same token; reused datasets get it once). The account
 * has no password or TOTP: it can only be used through this bench-only session.
 */
export async function ensureOpsSession(db: string | pg.Pool, seed: number, keyring: Keyring): Promise<string> {
  const token = createHash('sha256').update(`dingban-bench-ops:${seed}`).digest('base64url');
  const pool = typeof db === 'string' ? new pg.Pool({ connectionString: db, max: 1 }) : db;
  const c = await pool.connect();
  try {
    const found = await c.query(`SELECT 1 FROM sessions WHERE token_hash = $1`, [hashToken(token)]);
    if (found.rowCount) {
      await c.query(`UPDATE sessions SET last_seen_at = now(), expires_at = now() + interval '7 days' WHERE token_hash = $1`, [
        hashToken(token),
      ]);
      return token;
    }
    const userId = randomUUID();
    await c.query('BEGIN');
    const email = `bench-ops-${seed}@dingban.local`;
    await c.query(
      `INSERT INTO users (id, kind, display_name, email_enc, email_idx, roles, created_at, updated_at)
       VALUES ($1, 'staff', 'bench ops', $2, $3, '{ops}', now(), now())`,
      [userId, keyring.encrypt(email, 'users.email'), keyring.blindIndex(email, 'users.email')],
    );
    await c.query(
      `INSERT INTO sessions (id, user_id, token_hash, csrf_hash, client, created_at, last_seen_at, expires_at)
       VALUES ($1, $2, $3, $4, 'app', now(), now(), now() + interval '7 days')`,
      [randomUUID(), userId, hashToken(token), hashToken(`${token}.csrf`)],
    );
    await c.query('COMMIT');
    return token;
  } finally {
    c.release();
    if (typeof db === 'string') await pool.end();
  }
}
