import { createHash } from 'node:crypto';
import { AwsClient } from 'aws4fetch';
import type { StorageS3Config } from '../../platform/config.ts';
import type { FileStore } from './storage.ts';

/** Raised when object storage refuses or fails a request; carries S3's error code, never the data. */
export class ObjectStorageError extends Error {
  readonly status: number;
  readonly s3Code: string | undefined;
  constructor(op: string, key: string, status: number, s3Code: string | undefined) {
    super(`object storage ${op} ${key} failed: HTTP ${status}${s3Code ? ` ${s3Code}` : ''}`);
    this.name = 'ObjectStorageError';
    this.status = status;
    this.s3Code = s3Code;
  }
}

const s3CodeOf = async (res: Response): Promise<string | undefined> => /<Code>([^<]+)<\/Code>/.exec(await res.text())?.[1];

/**
 * The FileStore on S3-compatible object storage (AWS S3, MinIO, Aliyun OSS / Tencent COS in S3 mode):
 * path-style URLs `<endpoint>/<bucket>/<prefix><key>`, every request signed with AWS Signature V4
 * (aws4fetch), the body's SHA-256 signed too (`x-amz-content-sha256`) so a changed body is refused.
 * What arrives here is already AES-256-GCM ciphertext (the keyring encrypts before `put`), so the
 * storage provider never sees a document. Keys are server-generated uuids, so a PUT never overwrites.
 */
export function s3FileStore(cfg: StorageS3Config, fetchImpl: typeof fetch = fetch): FileStore {
  const client = new AwsClient({
    accessKeyId: cfg.accessKeyId,
    secretAccessKey: cfg.secretAccessKey,
    service: 's3',
    region: cfg.region,
  });
  const urlOf = (key: string) => {
    if (!/^[0-9a-f-]{36}\.enc$/.test(key)) throw new Error('bad storage key');
    return `${cfg.endpoint}/${encodeURIComponent(cfg.bucket)}/${cfg.prefix.split('/').map(encodeURIComponent).join('/')}${key}`;
  };
  const send = async (method: string, key: string, body?: Buffer) => {
    const headers: Record<string, string> = {
      'x-amz-content-sha256': createHash('sha256')
        .update(body ?? '')
        .digest('hex'),
    };
    if (body) {
      headers['content-type'] = 'application/octet-stream';
      headers['content-md5'] = createHash('md5').update(body).digest('base64');
    }
    const signed = await client.sign(urlOf(key), { method, headers, ...(body && { body: new Uint8Array(body) }) });
    try {
      return await fetchImpl(signed);
    } catch (err) {
      // Unreachable endpoint, reset connection, DNS: the same error as a refusal, for the caller to map.
      throw new ObjectStorageError(method, key, 0, (err as Error).cause ? String((err as { cause: Error }).cause.message) : undefined);
    }
  };
  return {
    async put(key, data) {
      const res = await send('PUT', key, data);
      if (!res.ok) throw new ObjectStorageError('PUT', key, res.status, await s3CodeOf(res));
      await res.body?.cancel();
    },
    async get(key) {
      const res = await send('GET', key);
      if (!res.ok) throw new ObjectStorageError('GET', key, res.status, await s3CodeOf(res));
      return Buffer.from(await res.arrayBuffer());
    },
    async delete(key) {
      const res = await send('DELETE', key);
      if (!res.ok && res.status !== 404) throw new ObjectStorageError('DELETE', key, res.status, await s3CodeOf(res));
      await res.body?.cancel();
    },
  };
}
