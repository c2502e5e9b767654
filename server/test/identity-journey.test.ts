import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestApp, type TestApp } from './helpers.ts';
import { createStaff, registerUser, TEST_ENV, type TestUser } from './factories.ts';
import { isVerified, requireVerified } from '../src/modules/identity/index.ts';
import { requireValidCertificate } from '../src/modules/training/index.ts';
import { jpegBytes, multipart } from './test-actor.ts';
import type { AppError } from '../src/platform/errors.ts';

const ENTRY_COURSE = '0193a000-0000-7000-8000-000000000001';

/** The onboarding journey on the real accounts module: sessions, roles and permissions as in production. */
describe('onboarding journey with real accounts', () => {
  let t: TestApp;
  let dataDir: string;
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'dingban-journey-'));
    t = await createTestApp({ env: { ...TEST_ENV, DATA_DIR: dataDir } });
  });
  after(async () => {
    await t.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const upload = async (u: TestUser, purpose: string) => {
    const mp = multipart(jpegBytes(purpose));
    const r = await t.app.inject({
      method: 'POST',
      url: `/api/v1/identity/files?purpose=${purpose}`,
      payload: mp.payload,
      headers: { ...u.headers, ...mp.headers },
    });
    assert.equal(r.statusCode, 201, r.body);
    return r.json().id as string;
  };
  const takeExam = async (u: TestUser, right: number) => {
    const paper = (
      await t.app.inject({ method: 'POST', url: `/api/v1/training/courses/${ENTRY_COURSE}/attempts`, headers: u.headers })
    ).json();
    const rows = await t.p.db
      .selectFrom('training_questions')
      .select(['id', 'correct', 'options'])
      .where(
        'id',
        'in',
        paper.questions.map((q: { questionId: string }) => q.questionId),
      )
      .execute();
    const key = new Map(rows.map((r) => [r.id, r]));
    const answers = paper.questions.map((q: { questionId: string }, i: number) => {
      const row = key.get(q.questionId)!;
      const correct = row.correct as string[];
      const wrong = (row.options as { key: string }[]).map((o) => o.key).find((k) => !correct.includes(k))!;
      return { questionId: q.questionId, choices: i < right ? correct : [wrong] };
    });
    return t.app.inject({
      method: 'POST',
      url: `/api/v1/training/attempts/${paper.attemptId}/submit`,
      headers: u.headers,
      payload: { answers },
    });
  };

  it('S5.2b S5.4a: a new courier verifies (via a reviewer), passes the entry exam and may then take orders; one who fails may not', async () => {
    const courier = await registerUser(t, { kind: 'person' });
    const r = await t.app.inject({
      method: 'POST',
      url: '/api/v1/identity/verifications/person',
      headers: courier.headers,
      payload: {
        name: '刘洋',
        idNumber: '11010119850620999X',
        idFrontFileId: await upload(courier, 'id_front'),
        idBackFileId: await upload(courier, 'id_back'),
      },
    });
    assert.equal(r.statusCode, 201, r.body);
    assert.equal(r.json().status, 'pending');
    await assert.rejects(requireVerified(t.p, courier.userId), (e: AppError) => e.code === 'IDENTITY_NOT_VERIFIED');

    // Staff without kyc:review cannot see the queue or the documents; a reviewer can.
    const support = await createStaff(t, ['support']);
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/identity/reviews', headers: support.headers })).statusCode, 403);
    assert.equal(
      (await t.app.inject({ method: 'GET', url: `/api/v1/identity/files/${r.json().idFrontFileId}/content`, headers: support.headers }))
        .statusCode,
      404,
    );
    const reviewer = await createStaff(t, ['reviewer']);
    const doc = await t.app.inject({
      method: 'GET',
      url: `/api/v1/identity/files/${r.json().idFrontFileId}/content`,
      headers: reviewer.headers,
    });
    assert.equal(doc.statusCode, 200);
    const ok = await t.app.inject({ method: 'POST', url: `/api/v1/identity/reviews/${r.json().id}/approve`, headers: reviewer.headers });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(await isVerified(t.p, courier.userId), true);
    // The decision and the document view are in the platform's security audit too.
    const audit = await t.p.db
      .selectFrom('security_audit')
      .select(['action', 'actor_id'])
      .where('subject_id', '=', courier.userId)
      .execute();
    assert.ok(audit.some((a) => a.action === 'kyc.verification.approved' && a.actor_id === reviewer.userId));
    assert.ok(audit.some((a) => a.action === 'kyc.document.viewed' && a.actor_id === reviewer.userId));

    // Verified but untrained: still no orders, and told why.
    await assert.rejects(requireValidCertificate(t.p, courier.userId), (e: AppError) => e.code === 'TRAINING_CERTIFICATE_REQUIRED');
    const failed = await takeExam(courier, 4);
    assert.equal(failed.json().passed, false);
    await assert.rejects(requireValidCertificate(t.p, courier.userId), (e: AppError) => e.code === 'TRAINING_CERTIFICATE_REQUIRED');
    const passed = await takeExam(courier, 9);
    assert.deepEqual([passed.json().score, passed.json().level], [90, 'gold']);
    await requireVerified(t.p, courier.userId);
    await requireValidCertificate(t.p, courier.userId);
    const verify = await t.app.inject({ method: 'GET', url: `/api/v1/certificates/${passed.json().certificate.number}/verify` });
    assert.equal(verify.json().holder, '刘*');
  });

  it('S5.2b: another user cannot see my verification or my documents; anonymous callers get 401', async () => {
    const a = await registerUser(t, { kind: 'person' });
    const b = await registerUser(t, { kind: 'person' });
    const fileId = await upload(a, 'id_front');
    assert.equal(
      (await t.app.inject({ method: 'GET', url: `/api/v1/identity/files/${fileId}/content`, headers: b.headers })).statusCode,
      404,
    );
    assert.equal((await t.app.inject({ method: 'GET', url: `/api/v1/identity/files/${fileId}/content` })).statusCode, 401);
    assert.equal(
      (await t.app.inject({ method: 'GET', url: `/api/v1/identity/files/${fileId}/content`, headers: a.headers })).statusCode,
      200,
    );
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/identity/me' })).statusCode, 401);
    const mine = (await t.app.inject({ method: 'GET', url: '/api/v1/identity/me', headers: b.headers })).json();
    assert.deepEqual([mine.verified, mine.history.length], [false, 0]);
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/training/admin/courses', headers: a.headers })).statusCode, 403);
  });

  it('S5.3b: cancelling an account withdraws its pending verification and frees its ID number', async () => {
    const u = await registerUser(t, { kind: 'person' });
    const payload = { name: '周八', idFrontFileId: await upload(u, 'id_front'), idBackFileId: await upload(u, 'id_back') };
    const pending = await t.app.inject({
      method: 'POST',
      url: '/api/v1/identity/verifications/person',
      headers: u.headers,
      payload: { ...payload, idNumber: '320502199201013218' },
    });
    assert.equal(pending.json().status, 'pending');
    const cancel = await t.app.inject({ method: 'POST', url: '/api/v1/me/cancel', headers: u.headers, payload: { password: u.password } });
    assert.equal(cancel.statusCode, 200, cancel.body);
    await t.p.jobs.drain();
    const row = await t.p.db
      .selectFrom('identity_verifications')
      .select('status')
      .where('id', '=', pending.json().id)
      .executeTakeFirstOrThrow();
    assert.equal(row.status, 'withdrawn');
    assert.equal((await t.p.db.selectFrom('identity_claims').select('claim').where('user_id', '=', u.userId).execute()).length, 0);
    // The same person can verify a new account.
    const again = await registerUser(t, { kind: 'person' });
    const r = await t.app.inject({
      method: 'POST',
      url: '/api/v1/identity/verifications/person',
      headers: again.headers,
      payload: {
        name: '周八',
        idNumber: '320502199201013218',
        idFrontFileId: await upload(again, 'id_front'),
        idBackFileId: await upload(again, 'id_back'),
      },
    });
    assert.equal(r.json().status, 'pending');
  });

  it('S5.4b: a trainer (staff role) manages the question bank', async () => {
    const trainerUser = await createStaff(t, ['trainer']);
    const r = await t.app.inject({
      method: 'POST',
      url: `/api/v1/training/admin/courses/${ENTRY_COURSE}/questions`,
      headers: trainerUser.headers,
      payload: { kind: 'true_false', stem: '派件前应核对包裹与面单信息一致。', correct: ['T'], explanation: '核对可避免错派。' },
    });
    assert.equal(r.statusCode, 201, r.body);
    const reviewer = await createStaff(t, ['reviewer']);
    const denied = await t.app.inject({
      method: 'POST',
      url: `/api/v1/training/admin/courses/${ENTRY_COURSE}/questions`,
      headers: reviewer.headers,
      payload: { kind: 'true_false', stem: '测试题目', correct: ['T'] },
    });
    assert.equal(denied.statusCode, 403);
  });

  it('S6.7: the identity and training endpoints are in the OpenAPI document', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    for (const path of [
      '/api/v1/identity/files',
      '/api/v1/identity/verifications/person',
      '/api/v1/training/path',
      '/api/v1/certificates/{number}/verify',
    ]) {
      assert.ok(doc.paths[path], path);
    }
  });
});
