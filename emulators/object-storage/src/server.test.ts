import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createObjectStorage, type ObjectStorage } from './server.ts';
import { canonicalRequest, sha256Hex, signature, signRequest, UNSIGNED_PAYLOAD } from './sigv4.ts';

const KEY = 'AKIDEXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const REGION = 'cn-north-1';
const NOW = new Date('2026-11-23T02:00:00Z');

describe('object-storage emulator: S3 object API with Signature V4', () => {
  let s3: ObjectStorage;
  let base: string;
  let clock = NOW;
  before(async () => {
    s3 = createObjectStorage({ region: REGION, credentials: { [KEY]: SECRET }, buckets: ['docs'], now: () => clock, maxObjectBytes: 1024 });
    base = await s3.listen();
  });
  after(() => s3.close());

  async function send(
    method: string,
    path: string,
    o: {
      body?: Buffer;
      headers?: Record<string, string>;
      secret?: string;
      key?: string;
      region?: string;
      at?: Date;
      payloadHash?: string;
    } = {},
  ) {
    const url = new URL(path, base);
    const headers = signRequest({
      method,
      url,
      headers: o.headers ?? {},
      ...(o.body && { body: o.body }),
      accessKeyId: o.key ?? KEY,
      secretAccessKey: o.secret ?? SECRET,
      region: o.region ?? REGION,
      now: o.at ?? clock,
      ...(o.payloadHash && { payloadHash: o.payloadHash }),
    });
    delete headers.host;
    const res = await fetch(url, { method, headers, ...(o.body && { body: o.body }) });
    const text = method === 'HEAD' ? '' : await res.text();
    return { status: res.status, headers: res.headers, text, code: /<Code>([^<]+)<\/Code>/.exec(text)?.[1] };
  }

  it('puts, heads, gets and deletes an object; the ETag is the MD5 of the body', async () => {
    const body = Buffer.from('ciphertext \u0000\u0001 bytes');
    const put = await send('PUT', '/docs/identity/a%20b+c.enc', { body, headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.headers.get('etag'), `"${createHash('md5').update(body).digest('hex')}"`);
    assert.deepEqual(s3.object('docs', 'identity/a b+c.enc')?.body, body);

    const head = await send('HEAD', '/docs/identity/a%20b+c.enc');
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(body.length));
    assert.equal(head.headers.get('content-type'), 'application/octet-stream');

    const url = new URL('/docs/identity/a%20b+c.enc', base);
    const h = signRequest({ method: 'GET', url, accessKeyId: KEY, secretAccessKey: SECRET, region: REGION, now: clock });
    delete h.host;
    const get = await fetch(url, { headers: h });
    assert.equal(get.status, 200);
    assert.deepEqual(Buffer.from(await get.arrayBuffer()), body);

    assert.equal((await send('DELETE', '/docs/identity/a%20b+c.enc')).status, 204);
    const gone = await send('GET', '/docs/identity/a%20b+c.enc');
    assert.deepEqual([gone.status, gone.code], [404, 'NoSuchKey']);
    assert.match(gone.text, /<RequestId>[0-9A-F]{16}<\/RequestId>/);
    assert.equal((await send('HEAD', '/docs/identity/a%20b+c.enc')).status, 404);
    // Deleting what is not there is not an error in S3.
    assert.equal((await send('DELETE', '/docs/identity/a%20b+c.enc')).status, 204);
  });

  it('refuses unsigned, wrongly signed, unknown-key, wrong-region and stale requests with S3 error codes', async () => {
    const anon = await fetch(new URL('/docs/x', base));
    assert.equal(anon.status, 403);
    assert.match(await anon.text(), /<Code>AccessDenied<\/Code>/);
    assert.deepEqual((await send('GET', '/docs/x', { secret: 'wrong' })).code, 'SignatureDoesNotMatch');
    assert.deepEqual((await send('GET', '/docs/x', { key: 'AKIDUNKNOWN' })).code, 'InvalidAccessKeyId');
    const region = await send('GET', '/docs/x', { region: 'us-east-1' });
    assert.deepEqual([region.status, region.code], [400, 'AuthorizationHeaderMalformed']);
    const stale = await send('GET', '/docs/x', { at: new Date(NOW.getTime() - 16 * 60_000) });
    assert.deepEqual([stale.status, stale.code], [403, 'RequestTimeTooSkewed']);
    assert.equal((await send('GET', '/docs/x', { at: new Date(NOW.getTime() - 14 * 60_000) })).code, 'NoSuchKey');
  });

  it('checks the body against the signed SHA-256 (or accepts UNSIGNED-PAYLOAD) and Content-MD5', async () => {
    const body = Buffer.from('payload');
    const tampered = await send('PUT', '/docs/t', { body, payloadHash: sha256Hex('something else') });
    assert.deepEqual([tampered.status, tampered.code], [400, 'XAmzContentSHA256Mismatch']);
    assert.equal(s3.object('docs', 't'), undefined);
    assert.equal((await send('PUT', '/docs/t', { body, payloadHash: UNSIGNED_PAYLOAD })).status, 200);
    const md5 = await send('PUT', '/docs/t', { body, headers: { 'content-md5': createHash('md5').update('other').digest('base64') } });
    assert.deepEqual([md5.status, md5.code], [400, 'BadDigest']);
  });

  it('answers NoSuchBucket, EntityTooLarge and MethodNotAllowed as S3 does', async () => {
    const nb = await send('GET', '/nope/x');
    assert.deepEqual([nb.status, nb.code], [404, 'NoSuchBucket']);
    const big = await send('PUT', '/docs/big', { body: Buffer.alloc(2048) });
    assert.deepEqual([big.status, big.code], [400, 'EntityTooLarge']);
    assert.deepEqual((await send('POST', '/docs/x')).code, 'MethodNotAllowed');
    assert.equal((await send('HEAD', '/docs')).status, 200);
  });

  it('verifies a signature over a query string and extra signed headers', async () => {
    clock = new Date(NOW.getTime() + 60_000);
    const r = await send('GET', '/docs/missing?versionId=null&x-id=GetObject', { headers: { 'x-amz-meta-purpose': '  id   front ' } });
    assert.equal(r.code, 'NoSuchKey');
    clock = NOW;
  });
});

describe('object-storage emulator: Signature V4 against the AWS documentation example', () => {
  it('reproduces the signature of the documented "GET Object" example', () => {
    // From the Amazon S3 API reference, "Signature Calculations for the Authorization Header: Example GET Object".
    const empty = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
    const canonical = canonicalRequest({
      method: 'GET',
      rawPath: '/test.txt',
      search: new URLSearchParams(),
      headers: {
        host: 'examplebucket.s3.amazonaws.com',
        range: 'bytes=0-9',
        'x-amz-content-sha256': empty,
        'x-amz-date': '20130524T000000Z',
      },
      signedHeaders: ['host', 'range', 'x-amz-content-sha256', 'x-amz-date'],
      payloadHash: empty,
    });
    assert.equal(
      signature('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', '20130524T000000Z', 'us-east-1', 's3', canonical),
      'f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    );
  });
});
