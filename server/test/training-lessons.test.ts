import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestApp, type TestApp } from './helpers.ts';
import { modules } from '../src/modules/index.ts';
import { fakeUser, testActorModule, type TestUser } from './test-actor.ts';

const ENTRY_COURSE = '0193a000-0000-7000-8000-000000000001';

interface Lesson {
  id: string;
  position: number;
  title: string;
  completed?: boolean;
}

describe('training: lessons managed by trainers, progress per courier', () => {
  let t: TestApp;
  let dataDir: string;
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'dingban-lessons-'));
    t = await createTestApp({
      env: { DATA_DIR: dataDir, WEB_DIST: join(dataDir, 'no-web'), MAX_EVENT_LOOP_DELAY_MS: '0' },
      modules: [...modules, testActorModule],
      now: '2026-11-23T02:00:00Z',
    });
  });
  after(async () => {
    await t.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const trainer = fakeUser('staff', ['training:manage']);
  const req = (u: TestUser, method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
    t.app.inject({ method, url, headers: u.headers, ...(payload ? { payload } : {}) });
  const course = async (u: TestUser, id: string) => (await req(u, 'GET', `/api/v1/training/courses/${id}`)).json();

  async function newCourse(code: string): Promise<{ id: string; lessons: Lesson[] }> {
    const c = await req(trainer, 'POST', '/api/v1/training/admin/courses', { code, titleZh: code, titleEn: code });
    assert.equal(c.statusCode, 201, c.body);
    const id = c.json().id as string;
    for (const n of [1, 2, 3]) {
      const l = await req(trainer, 'POST', `/api/v1/training/admin/courses/${id}/lessons`, {
        position: n,
        title: `第${n}课`,
        bodyMarkdown: `正文 ${n}`,
      });
      assert.equal(l.statusCode, 201, l.body);
    }
    return { id, lessons: (await course(trainer, id)).lessons };
  }

  it('S5.4b: trainers edit, reorder and delete lessons, each change audited; couriers cannot', async () => {
    const { id, lessons } = await newCourse('lessons-edit');
    const [a, b, c] = lessons as [Lesson, Lesson, Lesson];

    const edited = await req(trainer, 'PATCH', `/api/v1/training/admin/lessons/${b.id}`, {
      title: '第二课（修订）',
      bodyMarkdown: '## 新正文',
      imageUrls: ['/img/shelf.png'],
      videoUrl: null,
    });
    assert.equal(edited.statusCode, 200, edited.body);
    assert.deepEqual([edited.json().title, edited.json().position, edited.json().imageUrls], ['第二课（修订）', 2, ['/img/shelf.png']]);
    const badUrl = await req(trainer, 'PATCH', `/api/v1/training/admin/lessons/${b.id}`, { videoUrl: 'javascript:alert(1)' });
    assert.equal(badUrl.statusCode, 400);

    const order = await req(trainer, 'PUT', `/api/v1/training/admin/courses/${id}/lesson-order`, { lessonIds: [c.id, a.id, b.id] });
    assert.equal(order.statusCode, 200, order.body);
    assert.deepEqual(
      order.json().items.map((l: Lesson) => [l.id, l.position]),
      [
        [c.id, 1],
        [a.id, 2],
        [b.id, 3],
      ],
    );
    // A reorder must name every lesson of the course exactly once.
    for (const lessonIds of [
      [c.id, a.id],
      [c.id, a.id, a.id],
      [c.id, a.id, crypto.randomUUID()],
    ]) {
      const bad = await req(trainer, 'PUT', `/api/v1/training/admin/courses/${id}/lesson-order`, { lessonIds });
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().code, 'TRAINING_LESSON_ORDER_INVALID');
    }

    const del = await req(trainer, 'DELETE', `/api/v1/training/admin/lessons/${a.id}`);
    assert.equal(del.statusCode, 200, del.body);
    assert.deepEqual(
      (await course(trainer, id)).lessons.map((l: Lesson) => [l.id, l.position]),
      [
        [c.id, 1],
        [b.id, 2],
      ],
    );
    assert.equal((await req(trainer, 'DELETE', `/api/v1/training/admin/lessons/${a.id}`)).json().code, 'TRAINING_LESSON_NOT_FOUND');
    // After the close-up a new lesson can take the next position.
    assert.equal(
      (await req(trainer, 'POST', `/api/v1/training/admin/courses/${id}/lessons`, { position: 3, title: '补充', bodyMarkdown: 'x' }))
        .statusCode,
      201,
    );

    // Every trainer change is in the security audit, with who did it.
    const trail = await t.p.db
      .selectFrom('security_audit')
      .select(['action', 'actor_id'])
      .where('actor_id', '=', trainer.userId)
      .where('action', 'like', 'training.%')
      .execute();
    for (const action of [
      'training.course.created',
      'training.lesson.added',
      'training.lesson.changed',
      'training.lessons.reordered',
      'training.lesson.deleted',
    ]) {
      assert.ok(
        trail.some((r) => r.action === action),
        `${action} audited`,
      );
    }

    const courier = fakeUser('person');
    assert.equal((await req(courier, 'PATCH', `/api/v1/training/admin/lessons/${b.id}`, { title: 'x' })).statusCode, 403);
    assert.equal((await req(courier, 'DELETE', `/api/v1/training/admin/lessons/${b.id}`)).statusCode, 403);
    assert.equal(
      (await req(courier, 'PUT', `/api/v1/training/admin/courses/${id}/lesson-order`, { lessonIds: [b.id, c.id] })).statusCode,
      403,
    );
  });

  it('S5.4b: couriers mark lessons read and see per-lesson and per-course progress on the course and the training path', async () => {
    const u = fakeUser('person');
    const before = await course(u, ENTRY_COURSE);
    assert.equal(before.progress.completedLessons, 0);
    assert.ok(before.lessons.every((l: Lesson) => l.completed === false));
    const total = before.lessons.length as number;

    const first = before.lessons[0] as Lesson;
    const r = await req(u, 'POST', `/api/v1/training/lessons/${first.id}/complete`);
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(r.json(), {
      courseId: ENTRY_COURSE,
      completedLessons: 1,
      totalLessons: total,
      percent: Math.round(100 / total),
    });
    // Idempotent: reading it again changes nothing.
    assert.equal((await req(u, 'POST', `/api/v1/training/lessons/${first.id}/complete`)).json().completedLessons, 1);

    const after1 = await course(u, ENTRY_COURSE);
    assert.deepEqual(
      after1.lessons.map((l: Lesson) => l.completed),
      before.lessons.map((_: Lesson, i: number) => i === 0),
    );
    for (const l of before.lessons as Lesson[]) await req(u, 'POST', `/api/v1/training/lessons/${l.id}/complete`);
    const path = (await req(u, 'GET', '/api/v1/training/path')).json();
    assert.deepEqual(path.stages[0].progress, { completedLessons: total, totalLessons: total, percent: 100 });
    assert.equal(path.stages[1].progress.percent, 0);
    // Progress is per user.
    assert.equal((await course(fakeUser('person'), ENTRY_COURSE)).progress.completedLessons, 0);
    // Unknown lesson, and anonymous callers.
    assert.equal((await req(u, 'POST', `/api/v1/training/lessons/${crypto.randomUUID()}/complete`)).statusCode, 404);
    assert.equal((await t.app.inject({ method: 'POST', url: `/api/v1/training/lessons/${first.id}/complete` })).statusCode, 401);
  });

  it('S5.4b: deleting a lesson removes its progress, so the course percentage stays true', async () => {
    const { id, lessons } = await newCourse('lessons-progress');
    const u = fakeUser('person');
    await req(u, 'POST', `/api/v1/training/lessons/${lessons[0]!.id}/complete`);
    assert.equal((await course(u, id)).progress.percent, 33);
    await req(trainer, 'DELETE', `/api/v1/training/admin/lessons/${lessons[0]!.id}`);
    assert.deepEqual((await course(u, id)).progress, { completedLessons: 0, totalLessons: 2, percent: 0 });
  });
  it('S6.1: a NUL character in a certificate number or in trainer text is refused with 400, never a 500 (PostgreSQL text refuses it)', async () => {
    for (const url of ['/api/v1/certificates/%00abcdefg/verify', '/api/v1/certificates/DBC20261123-%00ABCDE/verify']) {
      const r = await t.app.inject({ method: 'GET', url });
      assert.equal(r.statusCode, 400, `${url}: ${r.body}`);
    }
    const lesson = await req(trainer, 'POST', `/api/v1/training/admin/courses/${ENTRY_COURSE}/lessons`, {
      position: 99,
      title: 'a\u0000b',
      bodyMarkdown: 'x',
    });
    assert.equal(lesson.statusCode, 400);
    const reviewer = fakeUser('staff', ['kyc:review']);
    const reject = await req(reviewer, 'POST', `/api/v1/identity/reviews/${crypto.randomUUID()}/reject`, { reason: '照片\u0000模糊' });
    assert.equal(reject.statusCode, 400);
  });
});
