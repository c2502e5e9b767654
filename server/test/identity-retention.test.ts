import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestApp, type TestApp } from './helpers.ts';
import { createStaff, registerUser, TEST_ENV, type TestUser } from './factories.ts';
import { findMaskedRealName, purgeExpiredRetention, setFileStore, type FileStore } from '../src/modules/identity/index.ts';
import { localFileStore } from '../src/modules/identity/storage.ts';
import { ObjectStorageError } from '../src/modules/identity/s3-store.ts';
import { ConfigError, loadConfig } from '../src/platform/config.ts';
import { jpegBytes, multipart, pdfBytes } from './test-actor.ts';

const DAY = 86_400_000;
const RETENTION_DAYS = 400;

/**
 * S7.2a: a cancelled user's identity data is kept for the legal retention period, then purged — the
 * document files deleted, every L3 value erased, each step audited — by a daily job on the injected clock.
 */
describe('identity: retention purge after account cancellation', () => {
  let t: TestApp;
  let dataDir: string;
  const dir = () => join(dataDir, 'files', 'identity');
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'dingban-retention-'));
    t = await createTestApp({
      env: { ...TEST_ENV, DATA_DIR: dataDir, IDENTITY_RETENTION_DAYS: String(RETENTION_DAYS) },
      now: '2026-11-23T02:00:00Z',
    });
  });
  after(async () => {
    setFileStore(undefined);
    await t.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const upload = async (u: TestUser, purpose: string, bytes = jpegBytes(purpose)) => {
    const mp = multipart(bytes);
    const r = await t.app.inject({
      method: 'POST',
      url: `/api/v1/identity/files?purpose=${purpose}`,
      payload: mp.payload,
      headers: { ...u.headers, ...mp.headers },
    });
    assert.equal(r.statusCode, 201, r.body);
    return r.json().id as string;
  };
  const verifyPerson = async (u: TestUser, name: string, idNumber: string) => {
    const r = await t.app.inject({
      method: 'POST',
      url: '/api/v1/identity/verifications/person',
      headers: u.headers,
      payload: { name, idNumber, idFrontFileId: await upload(u, 'id_front'), idBackFileId: await upload(u, 'id_back') },
    });
    assert.equal(r.json().status, 'approved', r.body);
    return r.json().id as string;
  };
  const cancel = async (u: TestUser) => {
    const r = await t.app.inject({ method: 'POST', url: '/api/v1/me/cancel', headers: u.headers, payload: { password: u.password } });
    assert.equal(r.statusCode, 200, r.body);
    await t.p.jobs.drain();
  };
  const filesOf = (userId: string) => t.p.db.selectFrom('identity_files').selectAll().where('owner_id', '=', userId).execute();

  it('S7.2a: when the retention period ends, a cancelled user’s documents are deleted and their records erased, each step audited', async () => {
    const person = await registerUser(t, { kind: 'person' });
    const verificationId = await verifyPerson(person, '张三', '11010519491231002X');
    await upload(person, 'id_front'); // an upload never submitted goes too
    const enterprise = await registerUser(t, { kind: 'enterprise', creditCode: '91110108MA01ABCDEN', companyName: '北京顶班科技有限公司' });
    const ent = await t.app.inject({
      method: 'POST',
      url: '/api/v1/identity/verifications/enterprise',
      headers: enterprise.headers,
      payload: {
        companyName: '北京顶班科技有限公司',
        creditCode: '91110108MA01ABCDEN',
        licenseFileId: await upload(enterprise, 'business_license', pdfBytes()),
        legalRepName: '李四',
        legalRepIdNumber: '44030419900307123X',
        legalRepIdFrontFileId: await upload(enterprise, 'id_front'),
        legalRepIdBackFileId: await upload(enterprise, 'id_back'),
      },
    });
    assert.equal(ent.json().status, 'approved', ent.body);
    const stays = await registerUser(t, { kind: 'person' });
    await verifyPerson(stays, '王五', '310101198805124563');

    await cancel(person);
    await cancel(enterprise);
    const retention = await t.p.db.selectFrom('identity_retention').selectAll().execute();
    assert.deepEqual(retention.map((r) => r.user_id).sort(), [person.userId, enterprise.userId].sort());

    // One day before the period ends nothing is touched: the documents are still there for reviewers.
    t.clock.advance((RETENTION_DAYS - 1) * DAY);
    assert.deepEqual(await purgeExpiredRetention(t.p), { users: 0, records: 0, files: 0, failed: 0 });
    const personFiles = await filesOf(person.userId);
    assert.equal(personFiles.length, 3);
    for (const f of personFiles) assert.ok(existsSync(join(dir(), f.storage_key)));

    t.clock.advance(DAY);
    assert.deepEqual(await purgeExpiredRetention(t.p), { users: 2, records: 2, files: 6, failed: 0 });
    // The bytes are gone from storage; the rows keep only L2 (ids, statuses, dates).
    for (const f of [...(await filesOf(person.userId)), ...(await filesOf(enterprise.userId))]) {
      assert.ok(!existsSync(join(dir(), f.storage_key)), f.storage_key);
      assert.equal(f.sha256, null);
      assert.ok(f.purged_at);
    }
    const records = await t.p.db
      .selectFrom('identity_verifications')
      .selectAll()
      .where('user_id', 'in', [person.userId, enterprise.userId])
      .execute();
    for (const r of records) {
      assert.ok(r.purged_at);
      for (const col of [
        'person_name_enc',
        'id_number_enc',
        'id_number_idx',
        'company_name_enc',
        'credit_code_enc',
        'credit_code_idx',
      ] as const)
        assert.equal(r[col], null, col);
      assert.equal(r.status, 'approved'); // history stays as it was
    }
    // Audited: every record and file in the module's trail, the user in the security audit.
    const trail = await t.p.db.selectFrom('identity_audit').selectAll().where('action', '=', 'purged').execute();
    assert.equal(trail.length, 2 + 6);
    assert.ok(trail.some((a) => a.verification_id === verificationId && /400 days after cancellation/.test(a.reason ?? '')));
    const security = await t.p.db.selectFrom('security_audit').selectAll().where('action', '=', 'kyc.records.purged').execute();
    assert.deepEqual(security.map((s) => s.subject_id).sort(), [person.userId, enterprise.userId].sort());
    assert.deepEqual(
      security.find((s) => s.subject_id === person.userId)!.detail as { records: number; files: number; retentionDays: number },
      {
        records: 1,
        files: 3,
        retentionDays: RETENTION_DAYS,
        cancelledAt: retention.find((r) => r.user_id === person.userId)!.cancelled_at.toISOString(),
      },
    );

    // Reviewers find nothing left to show; the user who stayed is untouched.
    const reviewer = await createStaff(t, ['reviewer']);
    const doc = await t.app.inject({
      method: 'GET',
      url: `/api/v1/identity/files/${personFiles[0]!.id}/content`,
      headers: reviewer.headers,
    });
    assert.equal(doc.statusCode, 404);
    const detail = await t.app.inject({ method: 'GET', url: `/api/v1/identity/reviews/${verificationId}`, headers: reviewer.headers });
    assert.equal(detail.statusCode, 200);
    assert.equal(detail.json().verification.personName, '—');
    assert.equal(detail.json().verification.idNumber, '—');
    assert.ok(detail.json().audit.some((a: { action: string }) => a.action === 'purged'));
    assert.equal(await findMaskedRealName(t.p, person.userId), null);
    const kept = await filesOf(stays.userId);
    for (const f of kept) assert.ok(existsSync(join(dir(), f.storage_key)) && f.sha256 && !f.purged_at);
    assert.equal(await findMaskedRealName(t.p, stays.userId), '王*');
    const own = await t.app.inject({ method: 'GET', url: `/api/v1/identity/files/${kept[0]!.id}/content`, headers: reviewer.headers });
    assert.equal(own.statusCode, 200);

    // The next run finds nothing more to do.
    assert.deepEqual(await purgeExpiredRetention(t.p), { users: 0, records: 0, files: 0, failed: 0 });
  });

  it('S7.2a: when storage refuses a deletion, nothing is marked purged and the next run finishes the job', async () => {
    const u = await registerUser(t, { kind: 'person' });
    await verifyPerson(u, '赵六', '510107199508157895');
    await cancel(u);
    t.clock.advance(RETENTION_DAYS * DAY);
    const local = localFileStore(dataDir);
    const refusing: FileStore = {
      put: local.put,
      get: local.get,
      delete: async (key) => {
        throw new ObjectStorageError('DELETE', key, 503, 'SlowDown');
      },
    };
    setFileStore(refusing);
    try {
      assert.deepEqual(await purgeExpiredRetention(t.p), { users: 0, records: 0, files: 0, failed: 1 });
    } finally {
      setFileStore(undefined);
    }
    const row = await t.p.db.selectFrom('identity_verifications').selectAll().where('user_id', '=', u.userId).executeTakeFirstOrThrow();
    assert.equal(row.purged_at, null);
    assert.ok(row.person_name_enc);
    assert.deepEqual(await purgeExpiredRetention(t.p), { users: 1, records: 1, files: 2, failed: 0 });
  });

  it('S7.2a: the retention period is configured with IDENTITY_RETENTION_DAYS, three years by default', () => {
    assert.equal(loadConfig({ NODE_ENV: 'test' }).identityRetentionDays, 1095);
    assert.equal(loadConfig({ NODE_ENV: 'test', IDENTITY_RETENTION_DAYS: '1825' }).identityRetentionDays, 1825);
    assert.throws(
      () => loadConfig({ NODE_ENV: 'test', IDENTITY_RETENTION_DAYS: 'forever' }),
      (e: ConfigError) => e.problems.some((m) => m.startsWith('IDENTITY_RETENTION_DAYS')),
    );
  });
});
