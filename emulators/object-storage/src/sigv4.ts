import { createHash, createHmac } from 'node:crypto';

/**
 * AWS Signature Version 4 for S3 (header-signed requests), written from the AWS documentation
 * ("Signature Version 4 signing process", "Authenticating Requests: Using the Authorization Header")
 * and independent of any client library, so the emulator checks what a real client sends.
 */

export const ALGORITHM = 'AWS4-HMAC-SHA256';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

export const sha256Hex = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

/** RFC 3986 encoding as S3 wants it: unreserved characters stay, everything else is %XX (upper-case). */
export function uriEncode(s: string, keepSlash: boolean): string {
  const out = encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
  return keepSlash ? out.replaceAll('%2F', '/') : out;
}

/** The canonical URI of a path as received (percent-encoded): decoded once and encoded once (S3 does not double-encode). */
export function canonicalUri(rawPath: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    decoded = rawPath;
  }
  return uriEncode(decoded, true) || '/';
}

export function canonicalQuery(search: URLSearchParams): string {
  return [...search]
    .filter(([k]) => k !== 'X-Amz-Signature')
    .map(([k, v]) => [uriEncode(k, false), uriEncode(v, false)] as const)
    .sort(([k1, v1], [k2, v2]) => (k1 < k2 ? -1 : k1 > k2 ? 1 : v1 < v2 ? -1 : v1 > v2 ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

/** Header values trimmed, inner runs of spaces collapsed, names lower-cased and sorted. */
export function canonicalHeaders(headers: Record<string, string>, signed: string[]): string {
  return signed.map((name) => `${name}:${(headers[name] ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
}

export function signingKey(secretAccessKey: string, date: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, date), region), service), 'aws4_request');
}

export interface CanonicalParts {
  method: string;
  rawPath: string;
  search: URLSearchParams;
  headers: Record<string, string>;
  signedHeaders: string[];
  payloadHash: string;
}

export function canonicalRequest(c: CanonicalParts): string {
  return [
    c.method.toUpperCase(),
    canonicalUri(c.rawPath),
    canonicalQuery(c.search),
    canonicalHeaders(c.headers, c.signedHeaders),
    c.signedHeaders.join(';'),
    c.payloadHash,
  ].join('\n');
}

export function stringToSign(amzDate: string, scope: string, canonical: string): string {
  return [ALGORITHM, amzDate, scope, sha256Hex(canonical)].join('\n');
}

export function signature(secretAccessKey: string, amzDate: string, region: string, service: string, canonical: string): string {
  const date = amzDate.slice(0, 8);
  const scope = `${date}/${region}/${service}/aws4_request`;
  return createHmac('sha256', signingKey(secretAccessKey, date, region, service))
    .update(stringToSign(amzDate, scope, canonical), 'utf8')
    .digest('hex');
}

/** `20261123T020000Z` from a Date. */
export const amzDateOf = (d: Date): string =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

/**
 * Signs a request the way an S3 client does (used by the emulator's own tests; the server uses a
 * client library). Returns the headers to send, `authorization` included.
 */
export function signRequest(o: {
  method: string;
  url: URL;
  headers?: Record<string, string>;
  body?: Uint8Array;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  now: Date;
  payloadHash?: string;
}): Record<string, string> {
  const amzDate = amzDateOf(o.now);
  const headers: Record<string, string> = {
    ...Object.fromEntries(Object.entries(o.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
    host: o.url.host,
    'x-amz-date': amzDate,
    'x-amz-content-sha256': o.payloadHash ?? sha256Hex(o.body ?? new Uint8Array()),
  };
  const signedHeaders = Object.keys(headers).sort();
  const canonical = canonicalRequest({
    method: o.method,
    rawPath: o.url.pathname,
    search: o.url.searchParams,
    headers,
    signedHeaders,
    payloadHash: headers['x-amz-content-sha256']!,
  });
  const sig = signature(o.secretAccessKey, amzDate, o.region, 's3', canonical);
  const scope = `${amzDate.slice(0, 8)}/${o.region}/s3/aws4_request`;
  return {
    ...headers,
    authorization: `${ALGORITHM} Credential=${o.accessKeyId}/${scope}, SignedHeaders=${signedHeaders.join(';')}, Signature=${sig}`,
  };
}
