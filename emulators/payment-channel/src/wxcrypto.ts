import {
  createCipheriv,
  createDecipheriv,
  createSign,
  createVerify,
  generateKeyPairSync,
  randomBytes,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';
import { createPrivateKey, createPublicKey } from 'node:crypto';

/**
 * The cryptography of WeChat Pay API v3, as the platform side does it: RSA-SHA256 (PKCS#1 v1.5)
 * signatures over newline-terminated messages, AEAD_AES_256_GCM with the 32-byte API v3 key, and
 * X.509 certificates identified by their serial number in upper-case hex.
 */

/** `METHOD\nURL\ntimestamp\nnonce\nbody\n`: what a merchant signs for each request. */
export const requestMessage = (method: string, url: string, timestamp: string, nonce: string, body: string): string =>
  `${method}\n${url}\n${timestamp}\n${nonce}\n${body}\n`;

/** `timestamp\nnonce\nbody\n`: what the platform signs on responses and callbacks. */
export const responseMessage = (timestamp: string, nonce: string, body: string): string => `${timestamp}\n${nonce}\n${body}\n`;

export function rsaSign(key: KeyObject | string, message: string): string {
  return createSign('RSA-SHA256').update(message).sign(key, 'base64');
}

export function rsaVerify(key: KeyObject | string, message: string, signature: string): boolean {
  try {
    return createVerify('RSA-SHA256').update(message).verify(key, signature, 'base64');
  } catch {
    return false;
  }
}

/** AEAD_AES_256_GCM as WeChat Pay uses it: base64(ciphertext ‖ 16-byte tag). */
export function aeadEncrypt(apiV3Key: string, nonce: string, associatedData: string, plaintext: string): string {
  const c = createCipheriv('aes-256-gcm', Buffer.from(apiV3Key, 'utf8'), Buffer.from(nonce, 'utf8'));
  c.setAAD(Buffer.from(associatedData, 'utf8'));
  const body = Buffer.concat([c.update(plaintext, 'utf8'), c.final()]);
  return Buffer.concat([body, c.getAuthTag()]).toString('base64');
}

export function aeadDecrypt(apiV3Key: string, nonce: string, associatedData: string, ciphertext: string): string {
  const raw = Buffer.from(ciphertext, 'base64');
  const d = createDecipheriv('aes-256-gcm', Buffer.from(apiV3Key, 'utf8'), Buffer.from(nonce, 'utf8'));
  d.setAAD(Buffer.from(associatedData, 'utf8'));
  d.setAuthTag(raw.subarray(raw.length - 16));
  return Buffer.concat([d.update(raw.subarray(0, raw.length - 16)), d.final()]).toString('utf8');
}

/** A random alphanumeric string (nonces, API v3 keys). */
export function randomAlnum(n: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(n);
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[bytes[i]! % alphabet.length];
  return s;
}

/** The parts of an `Authorization: WECHATPAY2-SHA256-RSA2048 k="v",…` header, or undefined if malformed. */
export interface AuthorizationParts {
  mchid: string;
  nonce_str: string;
  signature: string;
  timestamp: string;
  serial_no: string;
}

export function parseAuthorization(header: string | undefined): AuthorizationParts | undefined {
  if (!header) return undefined;
  const m = /^WECHATPAY2-SHA256-RSA2048\s+(.+)$/.exec(header.trim());
  if (!m) return undefined;
  const out: Record<string, string> = {};
  for (const part of m[1]!.matchAll(/(\w+)="([^"]*)"/g)) out[part[1]!] = part[2]!;
  for (const k of ['mchid', 'nonce_str', 'signature', 'timestamp', 'serial_no']) if (!out[k]) return undefined;
  return out as unknown as AuthorizationParts;
}

// --- a minimal DER writer, enough for a self-signed X.509 v3 certificate ---------------------------

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  while (n > 0) {
    bytes.unshift(n & 0xff);
    n >>= 8;
  }
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
const tlv = (tag: number, content: Buffer) => Buffer.concat([Buffer.from([tag]), derLength(content.length), content]);
const seq = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => tlv(0x31, Buffer.concat(items));
function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const out = [40 * parts[0]! + parts[1]!];
  for (const p of parts.slice(2)) {
    const stack = [p & 0x7f];
    let v = p >> 7;
    while (v > 0) {
      stack.unshift((v & 0x7f) | 0x80);
      v >>= 7;
    }
    out.push(...stack);
  }
  return tlv(0x06, Buffer.from(out));
}
/** A non-negative DER INTEGER in its minimal form (no redundant leading zero bytes: X.509 parsers refuse them). */
export function integer(bytes: Buffer): Buffer {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  const b = bytes.subarray(i);
  return tlv(0x02, b[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
}
const utf8 = (s: string) => tlv(0x0c, Buffer.from(s, 'utf8'));
const printable = (s: string) => tlv(0x13, Buffer.from(s, 'ascii'));
function utcTime(d: Date): Buffer {
  const p = (n: number) => String(n).padStart(2, '0');
  const s = `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
  return tlv(0x17, Buffer.from(s, 'ascii'));
}
const name = (cn: string, o: string) =>
  seq(set(seq(oid('2.5.4.6'), printable('CN'))), set(seq(oid('2.5.4.10'), utf8(o))), set(seq(oid('2.5.4.3'), utf8(cn))));
const SHA256_RSA = seq(oid('1.2.840.113549.1.1.11'), tlv(0x05, Buffer.alloc(0)));

/** An RSA key pair and its self-signed certificate, as WeChat Pay identifies it (serial in hex). */
export interface CertifiedKey {
  privateKeyPem: string;
  certificatePem: string;
  serialNo: string;
  notBefore: Date;
  notAfter: Date;
}

/** Generates an RSA-2048 key and a self-signed X.509 v3 certificate for it (valid five years). */
export function generateCertifiedKey(commonName: string, organization: string, now = new Date()): CertifiedKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const serial = randomBytes(20);
  serial[0] = (serial[0]! & 0x7f) | 0x01; // positive and never zero, so all 20 bytes stay significant
  const notBefore = new Date(Math.floor(now.getTime() / 1000) * 1000 - 60_000);
  const notAfter = new Date(notBefore.getTime() + 5 * 365 * 86_400_000);
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const tbs = seq(
    tlv(0xa0, integer(Buffer.from([2]))),
    integer(serial),
    SHA256_RSA,
    name(commonName, organization),
    seq(utcTime(notBefore), utcTime(notAfter)),
    name(commonName, organization),
    spki,
  );
  const signature = createSign('RSA-SHA256').update(tbs).sign(privateKey);
  const cert = seq(tbs, SHA256_RSA, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const certificatePem = `-----BEGIN CERTIFICATE-----\n${cert
    .toString('base64')
    .replace(/.{64}/g, '$&\n')
    .trimEnd()}\n-----END CERTIFICATE-----\n`;
  const x509 = new X509Certificate(certificatePem);
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    certificatePem,
    serialNo: x509.serialNumber.toUpperCase(),
    notBefore,
    notAfter,
  };
}

export const privateKeyOf = (pem: string) => createPrivateKey(pem);
export const publicKeyOfCert = (pem: string) => new X509Certificate(pem).publicKey;
export const publicKeyOf = (pem: string) => createPublicKey(pem);
