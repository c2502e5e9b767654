import { mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../../platform/errors.ts';
import type { Keyring } from '../../platform/crypto.ts';

/** Largest accepted document upload. */
export const MAX_UPLOAD_BYTES = 5 * 1024 * 1024;

export type DocumentMime = 'image/jpeg' | 'image/png' | 'application/pdf';

/** The type of a file by its first bytes (magic numbers), ignoring whatever name or type the client claimed. */
export function sniffMime(bytes: Uint8Array): DocumentMime | null {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b.length >= 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (b.length >= 5 && b.subarray(0, 5).toString('latin1') === '%PDF-') return 'application/pdf';
  return null;
}

/** Checks an upload's size and content; returns its real type. */
export function checkUpload(bytes: Uint8Array): DocumentMime {
  if (bytes.byteLength > MAX_UPLOAD_BYTES) throw new AppError('IDENTITY_FILE_TOO_LARGE', { maxMb: MAX_UPLOAD_BYTES / 1024 / 1024 });
  const mime = sniffMime(bytes);
  if (!mime) throw new AppError('IDENTITY_FILE_TYPE');
  return mime;
}

/**
 * Where document bytes live. The local default writes under `<dataDir>/files/identity/` (outside the
 * web root, never served statically); an S3-compatible adapter can implement the same two calls.
 * What it stores is already ciphertext: the keyring encrypts before `put`.
 */
export interface FileStore {
  put(key: string, data: Buffer): Promise<void>;
  get(key: string): Promise<Buffer>;
  /** Removes the bytes (the retention purge); a key that is already gone is not an error. */
  delete(key: string): Promise<void>;
}

export function localFileStore(dataDir: string): FileStore {
  const root = join(dataDir, 'files', 'identity');
  const pathOf = (key: string) => {
    if (!/^[0-9a-f-]{36}\.enc$/.test(key)) throw new Error('bad storage key');
    return join(root, key);
  };
  return {
    async put(key, data) {
      await mkdir(root, { recursive: true, mode: 0o700 });
      await writeFile(pathOf(key), data, { mode: 0o600, flag: 'wx' });
    },
    async get(key) {
      return readFile(pathOf(key));
    },
    async delete(key) {
      await unlink(pathOf(key)).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
    },
  };
}

/** AES-256-GCM via the keyring, bound to the file id so a blob moved to another record does not decrypt. */
export const sealFile = (keyring: Keyring, fileId: string, bytes: Uint8Array): Buffer =>
  Buffer.from(keyring.encrypt(Buffer.from(bytes).toString('base64'), `identity_files:${fileId}`), 'utf8');

export const openFile = (keyring: Keyring, fileId: string, sealed: Buffer): Buffer =>
  Buffer.from(keyring.decrypt(sealed.toString('utf8'), `identity_files:${fileId}`), 'base64');
