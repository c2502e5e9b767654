import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestApp, type TestApp } from './helpers.ts';
import { modules } from '../src/modules/index.ts';
import {
  registerCourierStatsSource,
  requireGoodStanding,
  setReliabilitySource,
  requireValidCertificate,
  findCertificateSummary,
  sweepCertificates,
  levelFor,
} from '../src/modules/training/index.ts';
import { fakeUser, jpegBytes, testActorModule, type TestUser } from './test-actor.ts';
import { submitPersonVerification, uploadDocument } from '../src/modules/identity/service.ts';
import type { AppError } from '../src/platform/errors.ts';

const DAY = 86_400_000;
const ENTRY_COURSE = '0193a000-0000-7000-8000-000000000001';
const ADVANCED_COURSE = '0193a000-0000-7000-8000-000000000002';
const REFRESHER_COURSE = '0193a000-0000-7000-8000-000000000003';

interface PaperQ {
  questionId: string;
  kind: string;
  stem: string;
  options: { key: string; text: string }[];
}

describe('training: courses, exams and certificates', () => {
  let t: TestApp;
  let dataDir: string;
  const veterans = new Set<string>();
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'dingban-training-'));
    t = await createTestApp({
      env: { DATA_DIR: dataDir, WEB_DIST: join(dataDir, 'no-web'), MAX_EVENT_LOOP_DELAY_MS: '0' },
      modules: [...modules, testActorModule],
      now: '2026-11-23T02:00:00Z',
    });
    // Stands in for the orders and accounts modules: veterans have 20 completed orders and 31 days.
    registerCourierStatsSource(async (p, userId) =>
      veterans.has(userId) ? { completedOrders: 20, memberSince: new Date(p.clock.now().getTime() - 31 * DAY) } : {},
    );
  });
  after(async () => {
    await t.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const start = (u: TestUser, courseId = ENTRY_COURSE) =>
    t.app.inject({ method: 'POST', url: `/api/v1/training/courses/${courseId}/attempts`, headers: u.headers });
  /** Answers a paper with exactly `right` correct answers (the test reads the key from the database). */
  const answer = async (questions: PaperQ[], right: number) => {
    const rows = await t.p.db
      .selectFrom('training_questions')
      .select(['id', 'correct'])
      .where(
        'id',
        'in',
        questions.map((q) => q.questionId),
      )
      .execute();
    const key = new Map(rows.map((r) => [r.id, r.correct as string[]]));
    return questions.map((q, i) => {
      const correct = key.get(q.questionId)!;
      const wrong = q.options.map((o) => o.key).find((k) => !correct.includes(k))!;
      return { questionId: q.questionId, choices: i < right ? correct : [wrong] };
    });
  };
  const sit = async (u: TestUser, right: number, courseId = ENTRY_COURSE) => {
    const paper = (await start(u, courseId)).json();
    const answers = await answer(paper.questions, right);
    return t.app.inject({
      method: 'POST',
      url: `/api/v1/training/attempts/${paper.attemptId}/submit`,
      headers: u.headers,
      payload: { answers },
    });
  };
  const trainer = () => fakeUser('staff', ['training:manage']);

  it('S5.4a: a new courier must pass the entry training before taking orders', async () => {
    const u = fakeUser('person');
    await assert.rejects(requireValidCertificate(t.p, u.userId), (e: AppError) => e.code === 'TRAINING_CERTIFICATE_REQUIRED');
    const path = (await t.app.inject({ method: 'GET', url: '/api/v1/training/path', headers: u.headers })).json();
    assert.equal(path.certifiedForOrders, false);
    assert.deepEqual(
      path.stages.map((s: { stage: { code: string }; unlocked: boolean; passed: boolean }) => [s.stage.code, s.unlocked, s.passed]),
      [
        ['entry', true, false],
        ['advanced', false, false],
      ],
    );
    const course = (await t.app.inject({ method: 'GET', url: `/api/v1/training/courses/${ENTRY_COURSE}`, headers: u.headers })).json();
    assert.equal(course.course.title.zh, '岗前培训：驿站值守与末端派送基础');
    assert.ok(course.lessons.length >= 5);
    assert.ok(course.lessons.some((l: { videoUrl: string | null }) => l.videoUrl?.startsWith('https://')));
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/training/path' })).statusCode, 401);
  });

  it('S5.4a: each attempt draws a randomised, timed paper and the answers never reach the client before submission', async () => {
    const u = fakeUser('person');
    const r1 = await start(u);
    assert.equal(r1.statusCode, 201);
    const p1 = r1.json();
    assert.equal(p1.questions.length, 10);
    assert.equal(new Date(p1.deadlineAt).getTime() - new Date(p1.startedAt).getTime(), 20 * 60_000);
    const p2 = (await start(u)).json();
    assert.notDeepEqual(
      p1.questions.map((q: PaperQ) => q.questionId),
      p2.questions.map((q: PaperQ) => q.questionId),
    );
    // Nothing about the key leaves the server: no fields for it, and no explanation text.
    const bank = await t.p.db
      .selectFrom('training_questions')
      .select(['id', 'explanation'])
      .where('course_id', '=', ENTRY_COURSE)
      .execute();
    for (const r of [r1, await start(u)]) {
      assert.doesNotMatch(r.body, /"correct|"explanation|"answer/i);
      for (const q of bank) assert.ok(!r.body.includes(q.explanation));
      for (const q of r.json().questions as PaperQ[]) assert.deepEqual(Object.keys(q).sort(), ['kind', 'options', 'questionId', 'stem']);
    }
    const kinds = new Set(bank.length ? (await t.p.db.selectFrom('training_questions').select('kind').execute()).map((r) => r.kind) : []);
    assert.deepEqual([...kinds].sort(), ['multiple', 'single', 'true_false']);
  });

  it('S5.4a: passing the exam issues a certificate at once, and the courier may then take orders', async () => {
    const u = fakeUser('person');
    // The courier is also real-name verified, so the public page shows the masked holder name.
    const front = await uploadDocument(
      t.p,
      { ...u, kind: 'person', roles: [], permissions: new Set(), sessionId: 's' },
      { purpose: 'id_front', bytes: jpegBytes() },
    );
    const back = await uploadDocument(
      t.p,
      { ...u, kind: 'person', roles: [], permissions: new Set(), sessionId: 's' },
      { purpose: 'id_back', bytes: jpegBytes() },
    );
    await submitPersonVerification(
      t.p,
      { userId: u.userId, kind: 'person', roles: [], permissions: new Set(), sessionId: 's' },
      { name: '王五', idNumber: '310101198805124563', idFrontFileId: front.id, idBackFileId: back.id },
      '127.0.0.1',
    );
    const r = await sit(u, 10);
    assert.equal(r.statusCode, 200, r.body);
    const result = r.json();
    assert.equal(result.score, 100);
    assert.equal(result.passed, true);
    assert.equal(result.level, 'gold');
    assert.match(result.certificate.number, /^DBC\d{8}-[2-9A-Z]{6}$/);
    assert.equal(result.review.length, 10);
    assert.ok(result.review.every((x: { correct: boolean; explanation: string }) => x.correct && x.explanation.length > 0));
    await requireValidCertificate(t.p, u.userId);
    await requireValidCertificate(t.p, u.userId, 'gold');
    assert.equal((await findCertificateSummary(t.p, u.userId))?.level, 'gold');
    const path = (await t.app.inject({ method: 'GET', url: '/api/v1/training/path', headers: u.headers })).json();
    assert.equal(path.certifiedForOrders, true);
    assert.equal(path.stages[0].certificate.number, result.certificate.number);
    const verify = await t.app.inject({ method: 'GET', url: `/api/v1/certificates/${result.certificate.number}/verify` });
    assert.equal(verify.statusCode, 200);
    assert.deepEqual(
      { genuine: verify.json().genuine, valid: verify.json().valid, level: verify.json().level, holder: verify.json().holder },
      { genuine: true, valid: true, level: 'gold', holder: '王*' },
    );
    // S5.4b: the QR code opens the public page (which shows genuine/valid); the JSON check stays for machines.
    assert.ok(result.certificate.verifyUrl.endsWith(`/certificates/${result.certificate.number}`), result.certificate.verifyUrl);
    assert.ok(!result.certificate.verifyUrl.includes('/api/'));
    assert.ok(result.certificate.verifyApiUrl.endsWith(`/api/v1/certificates/${result.certificate.number}/verify`));
    const notes = (
      await t.p.db.selectFrom('outbox_events').select('payload').where('type', '=', 'messages.notification.requested').execute()
    )
      .map((e) => e.payload as { userId: string; title: { zh: string } })
      .filter((n) => n.userId === u.userId);
    assert.ok(notes.some((n) => n.title.zh === '恭喜通过考试'));
    const unknown = await t.app.inject({ method: 'GET', url: '/api/v1/certificates/DBC20260101-XXXXXX/verify' });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().code, 'CERTIFICATE_NOT_FOUND');
  });

  it('S5.4b: the exam score sets the certificate level (≥90 gold, ≥75 silver, ≥60 bronze); below that there is none', async () => {
    const silver = fakeUser('person');
    assert.equal((await sit(silver, 8)).json().level, 'silver');
    await requireValidCertificate(t.p, silver.userId);
    await assert.rejects(
      requireValidCertificate(t.p, silver.userId, 'gold'),
      (e: AppError) => e.code === 'TRAINING_CERTIFICATE_LEVEL_TOO_LOW',
    );
    const bronze = fakeUser('person');
    const b = (await sit(bronze, 6)).json();
    assert.deepEqual([b.score, b.level], [60, 'bronze']);
    const failed = fakeUser('person');
    const f = (await sit(failed, 5)).json();
    assert.deepEqual([f.score, f.passed, f.level, f.certificate], [50, false, null, null]);
    await assert.rejects(requireValidCertificate(t.p, failed.userId), (e: AppError) => e.code === 'TRAINING_CERTIFICATE_REQUIRED');
    // Retaking: the newest pass replaces the old certificate.
    t.clock.advance(60_000);
    const again = (await sit(silver, 10)).json();
    assert.equal(again.level, 'gold');
    const mine = (await t.app.inject({ method: 'GET', url: '/api/v1/training/certificates', headers: silver.headers })).json();
    assert.deepEqual(
      mine.items.map((c: { level: string; status: string }) => [c.level, c.status]),
      [
        ['gold', 'valid'],
        ['silver', 'superseded'],
      ],
    );
    assert.equal(levelFor(85, { gold_min: 85, silver_min: 70, bronze_min: 50 }), 'gold');
  });

  it('S5.4a: a paper is graded once, only for its owner, and not after its time limit', async () => {
    const u = fakeUser('person');
    const paper = (await start(u)).json();
    const answers = await answer(paper.questions, 10);
    const other = await t.app.inject({
      method: 'POST',
      url: `/api/v1/training/attempts/${paper.attemptId}/submit`,
      headers: fakeUser('person').headers,
      payload: { answers },
    });
    assert.equal(other.statusCode, 404);
    t.clock.advance(21 * 60_000 + 1000);
    const late = await t.app.inject({
      method: 'POST',
      url: `/api/v1/training/attempts/${paper.attemptId}/submit`,
      headers: u.headers,
      payload: { answers },
    });
    assert.equal(late.json().code, 'TRAINING_ATTEMPT_TIMED_OUT');
    const fresh = (await start(u)).json();
    const a2 = await answer(fresh.questions, 10);
    const ok = await t.app.inject({
      method: 'POST',
      url: `/api/v1/training/attempts/${fresh.attemptId}/submit`,
      headers: u.headers,
      payload: { answers: a2 },
    });
    assert.equal(ok.statusCode, 200);
    const twice = await t.app.inject({
      method: 'POST',
      url: `/api/v1/training/attempts/${fresh.attemptId}/submit`,
      headers: u.headers,
      payload: { answers: a2 },
    });
    assert.equal(twice.json().code, 'TRAINING_ATTEMPT_SUBMITTED');
    const foreign = (await start(u)).json();
    const bad = await t.app.inject({
      method: 'POST',
      url: `/api/v1/training/attempts/${foreign.attemptId}/submit`,
      headers: u.headers,
      payload: { answers: [{ questionId: '0193a000-0000-7000-8000-0000000000ff', choices: ['A'] }] },
    });
    assert.equal(bad.json().code, 'TRAINING_ANSWER_INVALID');
  });

  it('S5.4b: later stages unlock with completed orders and days on the platform, each with its own course', async () => {
    const newbie = fakeUser('person');
    const locked = await start(newbie, ADVANCED_COURSE);
    assert.equal(locked.statusCode, 403);
    assert.equal(locked.json().code, 'TRAINING_STAGE_LOCKED');
    const vet = fakeUser('person');
    veterans.add(vet.userId);
    const path = (await t.app.inject({ method: 'GET', url: '/api/v1/training/path', headers: vet.headers })).json();
    assert.deepEqual([path.completedOrders, path.daysOnPlatform], [20, 31]);
    assert.equal(path.stages[1].unlocked, true);
    assert.deepEqual(path.stages[1].stage.requirements, { completedOrders: 20, daysOnPlatform: 30 });
    const r = await sit(vet, 5, ADVANCED_COURSE);
    assert.equal(r.json().level, 'gold');
    // The advanced certificate alone does not replace the entry one for taking orders.
    await assert.rejects(requireValidCertificate(t.p, vet.userId), (e: AppError) => e.code === 'TRAINING_CERTIFICATE_REQUIRED');
  });

  it('S5.4b: days on the platform count from the real-name approval', async () => {
    const u = fakeUser('person');
    const actor = { userId: u.userId, kind: 'person' as const, roles: [], permissions: new Set<string>(), sessionId: 's' };
    const front = await uploadDocument(t.p, actor, { purpose: 'id_front', bytes: jpegBytes() });
    const back = await uploadDocument(t.p, actor, { purpose: 'id_back', bytes: jpegBytes() });
    const before = (await t.app.inject({ method: 'GET', url: '/api/v1/training/path', headers: u.headers })).json();
    assert.equal(before.daysOnPlatform, 0);
    await submitPersonVerification(
      t.p,
      actor,
      { name: '李四', idNumber: '44030419900307123X', idFrontFileId: front.id, idBackFileId: back.id },
      '127.0.0.1',
    );
    const t0 = t.clock.now().getTime();
    t.clock.set(t0 + 31 * DAY);
    const after = (await t.app.inject({ method: 'GET', url: '/api/v1/training/path', headers: u.headers })).json();
    assert.equal(after.daysOnPlatform, 31);
    t.clock.set(t0);
  });

  it('S5.4b: certificates expire after their validity, with a reminder 30 days before', async () => {
    const u = fakeUser('person');
    const cert = (await sit(u, 10)).json().certificate;
    const issued = t.clock.now().getTime();
    t.clock.set(issued + 334 * DAY);
    await sweepCertificates(t.p);
    t.clock.set(issued + 336 * DAY);
    await sweepCertificates(t.p);
    await sweepCertificates(t.p);
    const notes = () =>
      t.p.db
        .selectFrom('outbox_events')
        .select('payload')
        .where('type', '=', 'messages.notification.requested')
        .execute()
        .then((rows) => rows.map((e) => e.payload as { userId: string; title: { zh: string } }).filter((n) => n.userId === u.userId));
    assert.equal((await notes()).filter((n) => n.title.zh === '培训证书即将到期').length, 1);
    await requireValidCertificate(t.p, u.userId);
    t.clock.set(issued + 365 * DAY + 1000);
    // Invalid the moment it expires, before any sweep runs.
    await assert.rejects(requireValidCertificate(t.p, u.userId), (e: AppError) => e.code === 'TRAINING_CERTIFICATE_REQUIRED');
    assert.equal((await t.app.inject({ method: 'GET', url: `/api/v1/certificates/${cert.number}/verify` })).json().valid, false);
    await sweepCertificates(t.p);
    const v = (await t.app.inject({ method: 'GET', url: `/api/v1/certificates/${cert.number}/verify` })).json();
    assert.deepEqual([v.valid, v.status], [false, 'expired']);
    assert.ok((await notes()).some((n) => n.title.zh === '培训证书已过期'));
    t.clock.set(issued);
  });

  it('S5.4b: trainers manage courses, lessons, questions, stages and thresholds; nobody else can', async () => {
    const courier = fakeUser('person');
    for (const [method, url] of [
      ['GET', '/api/v1/training/admin/courses'],
      ['POST', '/api/v1/training/admin/courses'],
      ['GET', `/api/v1/training/admin/courses/${ENTRY_COURSE}/questions`],
    ] as const) {
      const r = await t.app.inject({
        method,
        url,
        headers: courier.headers,
        payload: method === 'POST' ? { code: 'x1', titleZh: 'x', titleEn: 'x' } : undefined,
      });
      assert.equal(r.statusCode, 403, url);
    }
    const tr = trainer();
    const bankView = (
      await t.app.inject({ method: 'GET', url: `/api/v1/training/admin/courses/${ENTRY_COURSE}/questions`, headers: tr.headers })
    ).json();
    assert.ok(bankView.items.length >= 20 && bankView.items.every((q: { correct: string[] }) => q.correct.length >= 1));
    const c = await t.app.inject({
      method: 'POST',
      url: '/api/v1/training/admin/courses',
      headers: tr.headers,
      payload: {
        code: 'service-review',
        titleZh: '复训：服务规范回顾',
        titleEn: 'Refresher: service standards',
        examQuestionCount: 3,
        goldMin: 100,
        silverMin: 90,
        bronzeMin: 60,
      },
    });
    assert.equal(c.statusCode, 201, c.body);
    const courseId = c.json().id as string;
    const lesson = await t.app.inject({
      method: 'POST',
      url: `/api/v1/training/admin/courses/${courseId}/lessons`,
      headers: tr.headers,
      payload: {
        position: 1,
        title: '守时与签到',
        bodyMarkdown: '到岗后**立即签到**。',
        imageUrls: ['https://img.example/a.png'],
        videoUrl: null,
      },
    });
    assert.equal(lesson.statusCode, 201);
    const badUrl = await t.app.inject({
      method: 'POST',
      url: `/api/v1/training/admin/courses/${courseId}/lessons`,
      headers: tr.headers,
      payload: { position: 2, title: 'x', bodyMarkdown: 'x', videoUrl: 'javascript:alert(1)' },
    });
    assert.equal(badUrl.statusCode, 400);
    const badQ = await t.app.inject({
      method: 'POST',
      url: `/api/v1/training/admin/courses/${courseId}/questions`,
      headers: tr.headers,
      payload: {
        kind: 'multiple',
        stem: '哪些正确？',
        options: [
          { key: 'A', text: '甲' },
          { key: 'B', text: '乙' },
        ],
        correct: ['A'],
      },
    });
    assert.equal(badQ.json().code, 'TRAINING_QUESTION_INVALID');
    const u = fakeUser('person');
    assert.equal((await start(u, courseId)).json().code, 'TRAINING_QUESTION_BANK_TOO_SMALL');
    const add = (payload: object) =>
      t.app.inject({ method: 'POST', url: `/api/v1/training/admin/courses/${courseId}/questions`, headers: tr.headers, payload });
    assert.equal((await add({ kind: 'true_false', stem: '到岗后应立即在平台签到。', correct: ['T'] })).statusCode, 201);
    assert.equal(
      (
        await add({
          kind: 'single',
          stem: '迟到时应？',
          options: [
            { key: 'A', text: '提前告知站长' },
            { key: 'B', text: '不理会' },
          ],
          correct: ['A'],
        })
      ).statusCode,
      201,
    );
    assert.equal(
      (
        await add({
          kind: 'multiple',
          stem: '签退前应？',
          options: [
            { key: 'A', text: '交接设备' },
            { key: 'B', text: '登记异常件' },
            { key: 'C', text: '直接离开' },
          ],
          correct: ['A', 'B'],
        })
      ).statusCode,
      201,
    );
    // Outside every stage: open to everyone, the way back for couriers sent to retrain.
    const r2 = await sit(u, 2, courseId);
    assert.deepEqual([r2.json().score, r2.json().level], [67, 'bronze']);
    const patched = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/training/admin/courses/${courseId}`,
      headers: tr.headers,
      payload: { bronzeMin: 70, silverMin: 80 },
    });
    assert.deepEqual(patched.json().levels, { gold: 100, silver: 80, bronze: 70 });
    assert.equal((await sit(u, 2, courseId)).json().passed, false);
    const badLevels = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/training/admin/courses/${courseId}`,
      headers: tr.headers,
      payload: { silverMin: 100, goldMin: 95 },
    });
    assert.equal(badLevels.statusCode, 400);
    const stage = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/training/admin/stages/expert',
      headers: tr.headers,
      payload: { position: 3, nameZh: '专家', nameEn: 'Expert', courseId, minCompletedOrders: 100, minDaysOnPlatform: 180, isEntry: false },
    });
    assert.equal(stage.statusCode, 200, stage.body);
    assert.equal((await start(u, courseId)).json().code, 'TRAINING_STAGE_LOCKED');
    const secondEntry = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/training/admin/stages/expert',
      headers: tr.headers,
      payload: { position: 3, nameZh: '专家', nameEn: 'Expert', courseId, minCompletedOrders: 100, minDaysOnPlatform: 180, isEntry: true },
    });
    assert.equal(secondEntry.statusCode, 409);
    const stages = (await t.app.inject({ method: 'GET', url: '/api/v1/training/admin/stages', headers: tr.headers })).json();
    assert.deepEqual(
      stages.items.map((s: { code: string }) => s.code),
      ['entry', 'advanced', 'expert'],
    );
  });
  it('S5.4b: staff revoke a certificate with a reason: the public check and the order gate see it at once, the holder is told', async () => {
    const u = fakeUser('person');
    const number = (await sit(u, 10)).json().certificate.number as string;
    await requireValidCertificate(t.p, u.userId);
    const revoke = (who: TestUser, payload: Record<string, unknown> = { reason: '考试作弊，经核实' }) =>
      t.app.inject({ method: 'POST', url: `/api/v1/training/admin/certificates/${number}/revoke`, headers: who.headers, payload });
    assert.equal((await revoke(u)).statusCode, 403);
    assert.equal((await revoke(trainer(), { reason: '' })).statusCode, 400);
    const tr = trainer();
    const r = await revoke(tr);
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.json().status, 'revoked');
    const again = await revoke(tr);
    assert.deepEqual([again.statusCode, again.json().code], [409, 'TRAINING_CERTIFICATE_NOT_VALID']);
    const unknown = await t.app.inject({
      method: 'POST',
      url: '/api/v1/training/admin/certificates/DBC20200101-XXXXXX/revoke',
      headers: tr.headers,
      payload: { reason: '不存在' },
    });
    assert.equal(unknown.json().code, 'CERTIFICATE_NOT_FOUND');

    const pub = (await t.app.inject({ method: 'GET', url: `/api/v1/certificates/${number}/verify` })).json();
    assert.deepEqual([pub.genuine, pub.valid, pub.status], [true, false, 'revoked']);
    assert.equal(JSON.stringify(pub).includes('作弊'), false, 'the reason is not public');
    await assert.rejects(requireValidCertificate(t.p, u.userId), (e: AppError) => e.code === 'TRAINING_CERTIFICATE_REQUIRED');
    const audit = await t.p.db
      .selectFrom('security_audit')
      .select('action')
      .where('actor_id', '=', tr.userId)
      .where('action', '=', 'training.certificate.revoked')
      .execute();
    assert.equal(audit.length, 1);
    const notes = (
      await t.p.db.selectFrom('outbox_events').select('payload').where('type', '=', 'messages.notification.requested').execute()
    )
      .map((e) => e.payload as { userId: string; title: { zh: string } })
      .filter((n) => n.userId === u.userId);
    assert.ok(notes.some((n) => n.title.zh === '培训证书已被撤销'));
    // Passing again earns a new, valid certificate.
    assert.equal((await sit(u, 10)).json().certificate.status, 'valid');
    await requireValidCertificate(t.p, u.userId);
  });

  it('S5.4b: trainers switch a stage off: it leaves the courier path and opens nothing; the entry stage stays on', async () => {
    const tr = trainer();
    const u = fakeUser('person');
    const body = {
      position: 9,
      nameZh: '旺季',
      nameEn: 'Peak season',
      courseId: ADVANCED_COURSE,
      minCompletedOrders: 0,
      minDaysOnPlatform: 0,
      isEntry: false,
    };
    const put = (payload: Record<string, unknown>, code = 'seasonal') =>
      t.app.inject({ method: 'PUT', url: `/api/v1/training/admin/stages/${code}`, headers: tr.headers, payload });
    const onPath = async () =>
      (
        (await t.app.inject({ method: 'GET', url: '/api/v1/training/path', headers: u.headers })).json().stages as {
          stage: { code: string };
        }[]
      ).map((s) => s.stage.code);
    assert.equal((await put(body)).json().active, true);
    assert.ok((await onPath()).includes('seasonal'));
    assert.equal((await start(u, ADVANCED_COURSE)).statusCode, 201); // open through the seasonal stage
    const off = await put({ ...body, active: false });
    assert.equal(off.statusCode, 200, off.body);
    assert.equal(off.json().active, false);
    assert.ok(!(await onPath()).includes('seasonal'));
    assert.equal((await start(u, ADVANCED_COURSE)).json().code, 'TRAINING_STAGE_LOCKED');
    // Trainers still see it, to switch it on again.
    const list = (await t.app.inject({ method: 'GET', url: '/api/v1/training/admin/stages', headers: tr.headers })).json();
    assert.deepEqual(
      list.items.filter((s: { code: string }) => s.code === 'seasonal').map((s: { active: boolean }) => s.active),
      [false],
    );
    const audited = await t.p.db
      .selectFrom('security_audit')
      .select('detail')
      .where('action', '=', 'training.stage.saved')
      .where('actor_id', '=', tr.userId)
      .execute();
    assert.deepEqual(
      audited.map((a) => (a.detail as { active: boolean }).active),
      [true, false],
    );
    const entry = await put({ ...body, position: 1, courseId: ENTRY_COURSE, isEntry: true, active: false }, 'entry');
    assert.equal(entry.statusCode, 400);
    assert.equal(entry.json().code, 'VALIDATION_FAILED');
    assert.ok((await onPath()).includes('entry'));
  });

  it('S5.4: trainers set the minimum reliability score and the refresher cool-down in the console; the gate applies them at once, audited', async () => {
    const tr = trainer();
    const u = fakeUser('person');
    const settings = (payload?: Record<string, unknown>, who = tr) =>
      t.app.inject({
        method: payload ? 'PUT' : 'GET',
        url: '/api/v1/training/admin/settings',
        headers: who.headers,
        ...(payload && { payload }),
      });
    assert.deepEqual((await settings()).json(), { minScore: 60, cooldownDays: 30, updatedAt: null, updatedBy: null });
    // Stands in for the orders module: this courier lost 30 points (score 70), a second loss comes later.
    const events: { at: Date; points: number }[] = [{ at: new Date(t.clock.now().getTime() - DAY), points: 30 }];
    setReliabilitySource(async (_p, userId) => (userId === u.userId ? events : []));
    await requireGoodStanding(t.p, u.userId);

    const raised = await settings({ minScore: 80 });
    assert.equal(raised.statusCode, 200, raised.body);
    assert.deepEqual([raised.json().minScore, raised.json().cooldownDays, raised.json().updatedBy], [80, 30, tr.userId]);
    await assert.rejects(requireGoodStanding(t.p, u.userId), (e: AppError) => e.code === 'TRAINING_REFRESHER_REQUIRED');
    const path = (await t.app.inject({ method: 'GET', url: '/api/v1/training/path', headers: u.headers })).json();
    assert.deepEqual([path.standing.restricted, path.standing.minScore, path.mayTakeOrders], [true, 80, false]);
    assert.equal((await sit(u, 5, REFRESHER_COURSE)).json().standingRestored, true);
    await requireGoodStanding(t.p, u.userId);

    // A new loss after the restoration: within the 30-day cool-down the refresher cannot restore again …
    t.clock.advance(60_000);
    events.push({ at: t.clock.now(), points: 30 });
    await assert.rejects(requireGoodStanding(t.p, u.userId), (e: AppError) => e.code === 'TRAINING_STANDING_COOLDOWN');
    // … a shorter cool-down applies at once …
    assert.equal((await settings({ cooldownDays: 0 })).json().cooldownDays, 0);
    await assert.rejects(requireGoodStanding(t.p, u.userId), (e: AppError) => e.code === 'TRAINING_REFRESHER_REQUIRED');
    // … and a lower minimum lifts the restriction.
    assert.equal((await settings({ minScore: 60, cooldownDays: 30 })).json().minScore, 60);
    await requireGoodStanding(t.p, u.userId);

    const audit = await t.p.db
      .selectFrom('security_audit')
      .select(['detail', 'actor_id'])
      .where('action', '=', 'training.settings.changed')
      .orderBy('at')
      .orderBy('id')
      .execute();
    assert.equal(audit.length, 3);
    assert.equal(audit[0]!.actor_id, tr.userId);
    assert.deepEqual(audit[0]!.detail, { before: { minScore: 60, cooldownDays: 30 }, after: { minScore: 80, cooldownDays: 30 } });
    // Out of range values and non-trainers are refused.
    assert.equal((await settings({ minScore: 0 })).statusCode, 400);
    assert.equal((await settings({ cooldownDays: 366 })).statusCode, 400);
    assert.equal((await settings({ minScore: 70 }, u)).statusCode, 403);
    assert.equal((await settings(undefined, u)).statusCode, 403);
    setReliabilitySource(async () => []);
  });
});
