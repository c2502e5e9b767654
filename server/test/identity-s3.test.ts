import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { createObjectStorage, type ObjectStorage } from '../../emulators/object-storage/src/server.ts';
import { createTestApp, type TestApp } from './helpers.ts';
import { modules } from '../src/modules/index.ts';
import { s3FileStore, ObjectStorageError } from '../src/modules/identity/s3-store.ts';
import { setFileStore } from '../src/modules/identity/index.ts';
import { localFileStore } from '../src/modules/identity/storage.ts';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { loadConfig } from '../src/platform/config.ts';
import { fakeUser, jpegBytes, multipart, pdfBytes, testActorModule } from './test-actor.ts';

const ACCESS = 'DINGBANTESTKEY';
const SECRET = 'dingban-test-secret';

/**
 * S5.2 uploads on S3-compatible storage: the identity module's FileStore talks to the object-storage
 * emulator over real HTTP with AWS Signature V4; only ciphertext leaves the server.
 */
describe('identity: documents on S3-compatible object storage', () => {
  let s3: ObjectStorage;
  let endpoint: string;
  let t: TestApp;
  let dataDir: string;
  before(async () => {
    s3 = createObjectStorage({ region: 'cn-east-1', credentials: { [ACCESS]: SECRET }, buckets: ['dingban-docs'] });
    endpoint = await s3.listen();
    dataDir = mkdtempSync(join(tmpdir(), 'dingban-s3-'));
    t = await createTestApp({
      env: {
        DATA_DIR: dataDir,
        WEB_DIST: join(dataDir, 'no-web'),
        MAX_EVENT_LOOP_DELAY_MS: '0',
        STORAGE_S3_ENDPOINT: endpoint,
        STORAGE_S3_BUCKET: 'dingban-docs',
        STORAGE_S3_REGION: 'cn-east-1',
        STORAGE_S3_ACCESS_KEY_ID: ACCESS,
        STORAGE_S3_SECRET_ACCESS_KEY: SECRET,
      },
      modules: [...modules, testActorModule],
      now: new Date().toISOString(), // Signature V4 is checked against the emulator's wall clock.
    });
  });
  after(async () => {
    await t.close();
    await s3.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('S5.2b: an uploaded ID photo is stored encrypted in the bucket, not on disk, and read back through the audited endpoint', async () => {
    const u = fakeUser('person');
    const photo = jpegBytes('s3-front');
    const m = multipart(photo);
    const up = await t.app.inject({
      method: 'POST',
      url: '/api/v1/identity/files?purpose=id_front',
      headers: { ...u.headers, ...m.headers },
      payload: m.payload,
    });
    assert.equal(up.statusCode, 201, up.body);
    const id = up.json().id as string;

    const obj = s3.object('dingban-docs', `identity/${id}.enc`);
    assert.ok(obj, 'the object is in the bucket under the configured prefix');
    assert.equal(obj.body.includes(Buffer.from('s3-front')), false, 'no plaintext in the stored object');
    assert.equal(obj.body.includes(photo.subarray(0, 4)), false);
    assert.ok(!existsSync(join(dataDir, 'files', 'identity')) || readdirSync(join(dataDir, 'files', 'identity')).length === 0);
    assert.ok(s3.log.some((l) => l.method === 'PUT' && l.status === 200));

    const back = await t.app.inject({ method: 'GET', url: `/api/v1/identity/files/${id}/content`, headers: u.headers });
    assert.equal(back.statusCode, 200);
    assert.deepEqual(back.rawPayload, photo);
    assert.ok(s3.log.some((l) => l.method === 'GET' && l.path.endsWith(`${id}.enc`) && l.status === 200));
  });

  it('S5.2a: the adapter signs with Signature V4 (a wrong secret is refused by the storage) and round-trips, then deletes', async () => {
    const cfg = {
      endpoint,
      bucket: 'dingban-docs',
      region: 'cn-east-1',
      accessKeyId: ACCESS,
      secretAccessKey: SECRET,
      prefix: 'identity/',
    };
    const store = s3FileStore(cfg);
    const key = `${randomUUID()}.enc`;
    await store.put(key, pdfBytes());
    assert.deepEqual(await store.get(key), pdfBytes());
    await store.delete(key);
    await assert.rejects(store.get(key), (e: ObjectStorageError) => e.status === 404 && e.s3Code === 'NoSuchKey');

    const forged = s3FileStore({ ...cfg, secretAccessKey: 'not-the-secret' });
    await assert.rejects(forged.put(key, pdfBytes()), (e: ObjectStorageError) => e.status === 403 && e.s3Code === 'SignatureDoesNotMatch');
    assert.equal(s3.object('dingban-docs', `identity/${key}`), undefined);
    await assert.rejects(
      s3FileStore({ ...cfg, bucket: 'missing' }).put(key, pdfBytes()),
      (e: ObjectStorageError) => e.s3Code === 'NoSuchBucket',
    );
    await assert.rejects(store.get('../../etc/passwd'), /bad storage key/);
  });

  it('S5.2b: when the storage cannot be reached the upload fails with a clear 503, never a 500', async () => {
    const down = createObjectStorage({ region: 'cn-east-1', credentials: { [ACCESS]: SECRET }, buckets: ['dingban-docs'] });
    const url = await down.listen();
    await down.close();
    const dir = mkdtempSync(join(tmpdir(), 'dingban-s3-down-'));
    const t2 = await createTestApp({
      env: {
        DATA_DIR: dir,
        WEB_DIST: join(dir, 'no-web'),
        MAX_EVENT_LOOP_DELAY_MS: '0',
        STORAGE_S3_ENDPOINT: url,
        STORAGE_S3_BUCKET: 'dingban-docs',
        STORAGE_S3_ACCESS_KEY_ID: ACCESS,
        STORAGE_S3_SECRET_ACCESS_KEY: SECRET,
      },
      modules: [...modules, testActorModule],
    });
    try {
      const m = multipart(jpegBytes());
      const r = await t2.app.inject({
        method: 'POST',
        url: '/api/v1/identity/files?purpose=id_back',
        headers: { ...fakeUser('person').headers, ...m.headers },
        payload: m.payload,
      });
      assert.equal(r.statusCode, 503, r.body);
      assert.equal(r.json().code, 'IDENTITY_STORAGE_UNAVAILABLE');
      assert.equal(await t2.p.db.selectFrom('identity_files').select('id').executeTakeFirst(), undefined, 'no row without bytes');
    } finally {
      await t2.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('S5.2: switching to object storage, the one-off command copies the existing local documents into the bucket (idempotent)', async () => {
    // Before the switch: documents were written to the local folder.
    setFileStore(localFileStore(dataDir));
    const u = fakeUser('person');
    const photo = jpegBytes('before-the-switch');
    const m = multipart(photo);
    let id: string;
    try {
      const up = await t.app.inject({
        method: 'POST',
        url: '/api/v1/identity/files?purpose=id_front',
        headers: { ...u.headers, ...m.headers },
        payload: m.payload,
      });
      assert.equal(up.statusCode, 201, up.body);
      id = up.json().id as string;
    } finally {
      setFileStore(undefined);
    }
    // After the switch the bucket does not have it yet …
    const missing = await t.app.inject({ method: 'GET', url: `/api/v1/identity/files/${id}/content`, headers: u.headers });
    assert.equal(missing.statusCode, 503);
    // … until the command copies the folder (the server's own environment; no database needed).
    const env = {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATA_DIR: dataDir,
      STORAGE_S3_ENDPOINT: endpoint,
      STORAGE_S3_BUCKET: 'dingban-docs',
      STORAGE_S3_REGION: 'cn-east-1',
      STORAGE_S3_ACCESS_KEY_ID: ACCESS,
      STORAGE_S3_SECRET_ACCESS_KEY: SECRET,
    };
    const cli = new URL('../src/cli/identity-files-to-s3.ts', import.meta.url).pathname;
    const run = (...args: string[]) => promisify(execFile)(process.execPath, [cli, ...args], { env });
    const dry = await run('--dry-run');
    assert.match(dry.stdout, /1 to copy, 0 already present, 0 conflicting/);
    assert.equal(s3.object('dingban-docs', `identity/${id}.enc`), undefined, 'a dry run copies nothing');
    const first = await run();
    assert.match(first.stdout, new RegExp(`copied +${id}\\.enc`));
    assert.match(first.stdout, /1 copied, 0 already present, 0 conflicting/);
    assert.equal(s3.object('dingban-docs', `identity/${id}.enc`)!.body.includes(Buffer.from('before-the-switch')), false);
    const back = await t.app.inject({ method: 'GET', url: `/api/v1/identity/files/${id}/content`, headers: u.headers });
    assert.equal(back.statusCode, 200);
    assert.deepEqual(back.rawPayload, photo);
    const again = await run();
    assert.match(again.stdout, /0 copied, 1 already present, 0 conflicting/);
    // Without STORAGE_S3_* it refuses to run.
    await assert.rejects(
      promisify(execFile)(process.execPath, [cli], { env: { ...process.env, NODE_ENV: 'test', DATA_DIR: dataDir } }),
      (e: { code: number; stderr: string }) => e.code === 1 && /STORAGE_S3_ENDPOINT/.test(e.stderr),
    );
  });

  it('S5.2: STORAGE_S3_* is all or nothing, and absent means the local folder', () => {
    assert.equal(loadConfig({ NODE_ENV: 'test' }).storageS3, undefined);
    assert.throws(
      () => loadConfig({ NODE_ENV: 'test', STORAGE_S3_ENDPOINT: 'https://s3.example.com', STORAGE_S3_BUCKET: 'b' }),
      /STORAGE_S3_ACCESS_KEY_ID, STORAGE_S3_SECRET_ACCESS_KEY/,
    );
    const c = loadConfig({
      NODE_ENV: 'test',
      STORAGE_S3_ENDPOINT: 'https://oss-cn-hangzhou.aliyuncs.com/',
      STORAGE_S3_BUCKET: 'b',
      STORAGE_S3_ACCESS_KEY_ID: 'k',
      STORAGE_S3_SECRET_ACCESS_KEY: 's',
      STORAGE_S3_REGION: 'oss-cn-hangzhou',
    }).storageS3;
    assert.deepEqual(c, {
      endpoint: 'https://oss-cn-hangzhou.aliyuncs.com',
      bucket: 'b',
      region: 'oss-cn-hangzhou',
      accessKeyId: 'k',
      secretAccessKey: 's',
      prefix: 'identity/',
    });
  });
});
