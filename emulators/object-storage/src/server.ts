import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ALGORITHM, canonicalRequest, sha256Hex, signature, UNSIGNED_PAYLOAD } from './sigv4.ts';

/**
 * An S3-compatible object storage emulator over HTTP: PutObject, GetObject, HeadObject, DeleteObject on
 * path-style URLs (`/<bucket>/<key>`), every request authenticated with AWS Signature Version 4 in the
 * Authorization header, errors as S3's XML documents. Objects live in memory. Imports nothing from the
 * server: it stands for the outside system (AWS S3, MinIO, Aliyun OSS, Tencent COS in S3 mode).
 */

export interface StoredObject {
  body: Buffer;
  contentType: string;
  etag: string;
  lastModified: Date;
}

export interface ObjectStorageOptions {
  region: string;
  /** accessKeyId → secretAccessKey */
  credentials: Record<string, string>;
  buckets: string[];
  /** Largest object accepted (default 16 MiB; S3's own single-PUT limit is 5 GiB). */
  maxObjectBytes?: number;
  /** Allowed clock difference between client and server (S3: 15 minutes). */
  maxSkewMs?: number;
  now?: () => Date;
}

export interface ObjectStorage {
  listen(port?: number, host?: string): Promise<string>;
  close(): Promise<void>;
  /** The stored object exactly as kept (tests check that only ciphertext arrives). */
  object(bucket: string, key: string): StoredObject | undefined;
  /** Every request seen, for tests: method, path, and the error code if it failed. */
  readonly log: { method: string; path: string; status: number; code?: string }[];
}

class S3Error extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const xmlEscape = (s: string) =>
  s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);

function parseAuthorization(header: string): { accessKeyId: string; scope: string[]; signedHeaders: string[]; signature: string } {
  if (!header.startsWith(`${ALGORITHM} `)) {
    throw new S3Error(400, 'AuthorizationHeaderMalformed', `Only ${ALGORITHM} is supported`);
  }
  const fields = new Map(
    header
      .slice(ALGORITHM.length + 1)
      .split(',')
      .map((part) => {
        const i = part.indexOf('=');
        return [part.slice(0, i).trim(), part.slice(i + 1).trim()] as const;
      }),
  );
  const credential = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const sig = fields.get('Signature');
  if (!credential || !signedHeaders || !sig) {
    throw new S3Error(
      400,
      'AuthorizationHeaderMalformed',
      'The authorization header is malformed; Credential, SignedHeaders and Signature are required',
    );
  }
  const [accessKeyId, ...scope] = credential.split('/');
  if (!accessKeyId || scope.length !== 4 || scope[3] !== 'aws4_request') {
    throw new S3Error(400, 'AuthorizationHeaderMalformed', 'The authorization header is malformed; the Credential is mal-formed');
  }
  return { accessKeyId, scope, signedHeaders: signedHeaders.split(';'), signature: sig };
}

const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

export function createObjectStorage(opts: ObjectStorageOptions): ObjectStorage {
  const now = opts.now ?? (() => new Date());
  const maxBytes = opts.maxObjectBytes ?? 16 * 1024 * 1024;
  const maxSkewMs = opts.maxSkewMs ?? 15 * 60_000;
  const buckets = new Map<string, Map<string, StoredObject>>(opts.buckets.map((b) => [b, new Map()]));
  const log: ObjectStorage['log'] = [];

  /** Verifies the SigV4 Authorization header against the request; throws the S3 error a real service would. */
  function authenticate(req: IncomingMessage, url: URL, rawPath: string, body: Buffer): void {
    const auth = req.headers.authorization;
    if (!auth) throw new S3Error(403, 'AccessDenied', 'Access Denied (anonymous requests are not allowed)');
    const a = parseAuthorization(auth);
    const secret = opts.credentials[a.accessKeyId];
    if (secret === undefined) {
      throw new S3Error(403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.');
    }
    const [date, region, service] = a.scope as [string, string, string, string];
    if (region !== opts.region) {
      throw new S3Error(
        400,
        'AuthorizationHeaderMalformed',
        `The authorization header is malformed; the region '${region}' is wrong; expecting '${opts.region}'`,
      );
    }
    if (service !== 's3') throw new S3Error(400, 'AuthorizationHeaderMalformed', `The service '${service}' is wrong; expecting 's3'`);
    const rawDate = req.headers['x-amz-date'];
    const amzDate = typeof rawDate === 'string' ? rawDate : '';
    const m = AMZ_DATE.exec(amzDate);
    if (!m) throw new S3Error(403, 'AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');
    if (amzDate.slice(0, 8) !== date) {
      throw new S3Error(403, 'SignatureDoesNotMatch', 'The credential date does not match the x-amz-date header');
    }
    const at = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
    if (Math.abs(at - now().getTime()) > maxSkewMs) {
      throw new S3Error(403, 'RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.');
    }
    for (const required of ['host', 'x-amz-date', 'x-amz-content-sha256']) {
      if (!a.signedHeaders.includes(required)) {
        throw new S3Error(403, 'AccessDenied', `Header ${required} must be signed`);
      }
    }
    const payloadHash = req.headers['x-amz-content-sha256'];
    if (typeof payloadHash !== 'string') {
      throw new S3Error(400, 'InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');
    }
    if (payloadHash !== UNSIGNED_PAYLOAD && !/^[0-9a-f]{64}$/.test(payloadHash)) {
      throw new S3Error(400, 'InvalidArgument', 'x-amz-content-sha256 must be UNSIGNED-PAYLOAD or a SHA-256 hex digest');
    }
    const headers: Record<string, string> = {};
    for (const name of a.signedHeaders) {
      const v = req.headers[name];
      headers[name] = Array.isArray(v) ? v.join(',') : (v ?? '');
    }
    const canonical = canonicalRequest({
      method: req.method!,
      rawPath,
      search: url.searchParams,
      headers,
      signedHeaders: a.signedHeaders,
      payloadHash,
    });
    const expected = Buffer.from(signature(secret, amzDate, region, service, canonical), 'utf8');
    const given = Buffer.from(a.signature, 'utf8');
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      throw new S3Error(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.');
    }
    // The signature covers the claimed hash; the body must match it.
    if (payloadHash !== UNSIGNED_PAYLOAD && sha256Hex(body) !== payloadHash) {
      throw new S3Error(400, 'XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.");
    }
  }

  function objectHeaders(o: StoredObject): Record<string, string> {
    return {
      'content-type': o.contentType,
      'content-length': String(o.body.length),
      etag: o.etag,
      'last-modified': o.lastModified.toUTCString(),
      'accept-ranges': 'bytes',
    };
  }

  async function handle(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
    const rawPath = (req.url ?? '/').split('?')[0]!;
    const url = new URL(req.url ?? '/', 'http://emulator');
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > maxBytes) throw new S3Error(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed object size.');
      chunks.push(chunk as Buffer);
    }
    const body = Buffer.concat(chunks);
    authenticate(req, url, rawPath, body);

    const slash = rawPath.indexOf('/', 1);
    const bucketName = decodeURIComponent(slash === -1 ? rawPath.slice(1) : rawPath.slice(1, slash));
    const key = slash === -1 ? '' : decodeURIComponent(rawPath.slice(slash + 1));
    const bucket = buckets.get(bucketName);
    if (!bucket) throw new S3Error(404, 'NoSuchBucket', 'The specified bucket does not exist');
    if (!key) {
      if (req.method === 'HEAD') return void res.writeHead(200).end();
      throw new S3Error(501, 'NotImplemented', 'Only object operations are emulated');
    }

    switch (req.method) {
      case 'PUT': {
        const md5 = req.headers['content-md5'];
        const digest = createHash('md5').update(body).digest();
        if (typeof md5 === 'string' && md5 !== digest.toString('base64')) {
          throw new S3Error(400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.');
        }
        const o: StoredObject = {
          body,
          contentType: (req.headers['content-type'] as string | undefined) ?? 'binary/octet-stream',
          etag: `"${digest.toString('hex')}"`,
          lastModified: now(),
        };
        bucket.set(key, o);
        return void res.writeHead(200, { etag: o.etag, 'content-length': '0' }).end();
      }
      case 'GET':
      case 'HEAD': {
        const o = bucket.get(key);
        if (!o) {
          if (req.method === 'HEAD') return void res.writeHead(404, { 'x-amz-request-id': requestId }).end();
          throw new S3Error(404, 'NoSuchKey', 'The specified key does not exist.');
        }
        res.writeHead(200, objectHeaders(o));
        return void res.end(req.method === 'GET' ? o.body : undefined);
      }
      case 'DELETE':
        bucket.delete(key);
        return void res.writeHead(204).end();
      default:
        throw new S3Error(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
    }
  }

  const server: Server = createServer((req, res) => {
    const requestId = randomBytes(8).toString('hex').toUpperCase();
    res.setHeader('x-amz-request-id', requestId);
    res.setHeader('server', 'DingbanObjectStorageEmulator');
    const path = (req.url ?? '/').split('?')[0]!;
    handle(req, res, requestId).then(
      () => log.push({ method: req.method!, path, status: res.statusCode }),
      (err: unknown) => {
        const e = err instanceof S3Error ? err : new S3Error(500, 'InternalError', 'We encountered an internal error. Please try again.');
        log.push({ method: req.method!, path, status: e.status, code: e.code });
        if (res.headersSent) return void res.destroy();
        if (req.method === 'HEAD') return void res.writeHead(e.status).end();
        const xml =
          `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${e.code}</Code><Message>${xmlEscape(e.message)}</Message>` +
          `<Resource>${xmlEscape(path)}</Resource><RequestId>${requestId}</RequestId></Error>`;
        res.writeHead(e.status, { 'content-type': 'application/xml' }).end(xml);
      },
    );
  });

  return {
    log,
    object: (bucket, key) => buckets.get(bucket)?.get(key),
    listen(port = 0, host = '127.0.0.1') {
      return new Promise((resolve) => {
        server.listen(port, host, () => {
          const a = server.address() as AddressInfo;
          resolve(`http://${host}:${a.port}`);
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}
