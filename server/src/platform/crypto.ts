import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Field encryption for L3/L4 data (AES-256-GCM) with a keyring: the first key encrypts, every key
 * decrypts, so keys rotate without re-encrypting everything at once. Ciphertext format:
 * `v1.<keyId>.<iv>.<ciphertext>.<tag>` (base64url parts). The associated data binds a value to its
 * column, so a ciphertext copied into another column does not decrypt.
 */
export class Keyring {
  #keys = new Map<string, Buffer>();
  #current: string;
  #indexKey: Buffer;

  constructor(keys: { id: string; key: Buffer }[], indexKey: Buffer) {
    if (!keys.length) throw new Error('the keyring needs at least one key');
    for (const { id, key } of keys) {
      if (!/^[A-Za-z0-9_-]{1,32}$/.test(id)) throw new Error(`bad key id ${id}`);
      if (key.length !== 32) throw new Error(`key ${id} must be 32 bytes`);
      this.#keys.set(id, key);
    }
    this.#current = keys[0]!.id;
    if (indexKey.length < 32) throw new Error('the index key must be at least 32 bytes');
    this.#indexKey = indexKey;
  }

  /** Parses `DATA_KEYS` (`id:base64,...`) and `INDEX_KEY` (base64). */
  static fromConfig(dataKeys: string, indexKey: string): Keyring {
    const keys = dataKeys.split(',').map((part) => {
      const [id, b64] = part.trim().split(':');
      if (!id || !b64) throw new Error('DATA_KEYS must look like "k1:<base64 of 32 bytes>,k0:<...>"');
      return { id, key: Buffer.from(b64, 'base64') };
    });
    return new Keyring(keys, Buffer.from(indexKey, 'base64'));
  }

  /** A random keyring, for tests and throw-away databases. */
  static random(): Keyring {
    return new Keyring([{ id: 'k1', key: randomBytes(32) }], randomBytes(32));
  }

  /**
   * For a laptop: keys kept in a 0600 file beside the embedded database, made on first run so
   * encrypted data survives restarts. Production passes DATA_KEYS / INDEX_KEY instead.
   */
  static localFile(path: string): Keyring {
    if (!existsSync(path)) {
      mkdirSync(dirname(path), { recursive: true });
      const content = { dataKeys: `k1:${randomBytes(32).toString('base64')}`, indexKey: randomBytes(32).toString('base64') };
      writeFileSync(path, JSON.stringify(content, null, 2), { mode: 0o600 });
    }
    const { dataKeys, indexKey } = JSON.parse(readFileSync(path, 'utf8')) as { dataKeys: string; indexKey: string };
    return Keyring.fromConfig(dataKeys, indexKey);
  }

  get currentKeyId(): string {
    return this.#current;
  }

  encrypt(plaintext: string, context: string): string {
    const key = this.#keys.get(this.#current)!;
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', key, iv);
    c.setAAD(Buffer.from(context));
    const ct = Buffer.concat([c.update(plaintext, 'utf8'), c.final()]);
    const tag = c.getAuthTag();
    return ['v1', this.#current, iv.toString('base64url'), ct.toString('base64url'), tag.toString('base64url')].join('.');
  }

  decrypt(sealed: string, context: string): string {
    const [v, id, iv, ct, tag] = sealed.split('.');
    if (v !== 'v1' || !id || iv === undefined || ct === undefined || tag === undefined) throw new Error('not a sealed value');
    const key = this.#keys.get(id);
    if (!key) throw new Error(`unknown key id ${id}`);
    const d = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    d.setAAD(Buffer.from(context));
    d.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([d.update(Buffer.from(ct, 'base64url')), d.final()]).toString('utf8');
  }

  /** Deterministic keyed hash for equality lookups on encrypted data (a "blind index"). */
  blindIndex(value: string, context: string): string {
    return createHmac('sha256', this.#indexKey).update(context).update('\0').update(value).digest('base64url');
  }

  /** HMAC with the index key: for signed, stateless tokens such as captcha challenges. */
  mac(data: string): string {
    return createHmac('sha256', this.#indexKey).update('mac\0').update(data).digest('base64url');
  }
}

/** SHA-256 of a secret token, as stored: a leaked table does not yield usable sessions. */
export const hashToken = (token: string): string => createHash('sha256').update(token).digest('base64url');

/** Constant-time string comparison for secrets. */
export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}
