import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from './helpers.ts';
import { TEST_ENV } from './factories.ts';
import { modules } from '../src/modules/index.ts';
import { ORDER_SWEEP_JOB } from '../src/modules/orders/index.ts';
import { courierStanding, REFRESHER_COOLDOWN_DAYS, STANDING_MIN_SCORE } from '../src/modules/training/index.ts';
import { submitPersonVerification, uploadDocument } from '../src/modules/identity/service.ts';
import {
  fakePerson,
  makeStore,
  notificationsFor,
  ordersModuleForTests,
  ordersTestActorModule,
  publishOrder,
  type FakeActor,
} from './orders-fixtures.ts';
import { jpegBytes } from './test-actor.ts';

const DAY = 86_400_000;
const ENTRY_COURSE = '0193a000-0000-7000-8000-000000000001';
const REFRESHER_COURSE = '0193a000-0000-7000-8000-000000000003';

interface PaperQ {
  questionId: string;
  options: { key: string }[];
}

/**
 * The way back (S5.4, S5.3): real orders record real no-shows, the real gate restricts the courier,
 * and the refresher exam restores standing by a recorded event without touching the history.
 */
describe('training: the refresher course as the way back after reliability dropped', () => {
  let t: TestApp;
  const eligible = new Set<string>();
  let owner: FakeActor;
  let courier: FakeActor;
  let storeId: string;

  before(async () => {
    t = await createTestApp({
      env: TEST_ENV,
      now: '2026-11-23T02:00:00Z',
      modules: [...modules.filter((m) => m.name !== 'orders'), ordersModuleForTests(eligible), ordersTestActorModule],
    });
    owner = fakePerson();
    courier = fakePerson();
    storeId = await makeStore(t, owner);
    // The courier is really verified (auto-approved by the provider's dataset) and really certified.
    const actor = { userId: courier.userId, kind: 'person' as const, roles: [], permissions: new Set<string>(), sessionId: 's' };
    const front = await uploadDocument(t.p, actor, { purpose: 'id_front', bytes: jpegBytes() });
    const back = await uploadDocument(t.p, actor, { purpose: 'id_back', bytes: jpegBytes('back') });
    await submitPersonVerification(
      t.p,
      actor,
      { name: '张三', idNumber: '11010519491231002X', idFrontFileId: front.id, idBackFileId: back.id },
      '127.0.0.1',
    );
    assert.equal((await sit(courier, ENTRY_COURSE, 10)).json().passed, true);
  });
  after(async () => t.close());

  const act = (who: FakeActor, id: string, action: string) =>
    t.app.inject({ method: 'POST', url: `/api/v1/orders/${id}/${action}`, headers: who.headers });
  const path = async (who: FakeActor) => (await t.app.inject({ method: 'GET', url: '/api/v1/training/path', headers: who.headers })).json();

  async function sit(who: FakeActor, courseId: string, right: number) {
    const paper = (
      await t.app.inject({ method: 'POST', url: `/api/v1/training/courses/${courseId}/attempts`, headers: who.headers })
    ).json();
    const qs = paper.questions as PaperQ[];
    const rows = await t.p.db
      .selectFrom('training_questions')
      .select(['id', 'correct'])
      .where(
        'id',
        'in',
        qs.map((q) => q.questionId),
      )
      .execute();
    const key = new Map(rows.map((r) => [r.id, r.correct as string[]]));
    const answers = qs.map((q, i) => {
      const correct = key.get(q.questionId)!;
      return { questionId: q.questionId, choices: i < right ? correct : [q.options.map((o) => o.key).find((k) => !correct.includes(k))!] };
    });
    return t.app.inject({
      method: 'POST',
      url: `/api/v1/training/attempts/${paper.attemptId}/submit`,
      headers: who.headers,
      payload: { answers },
    });
  }

  /** The courier takes an order (let through the gate), confirms, and does not show up: a recorded no-show (−20). */
  async function noShow() {
    eligible.add(courier.userId);
    const id = await publishOrder(t, owner, storeId);
    assert.equal((await act(courier, id, 'take')).statusCode, 200);
    await act(courier, id, 'confirm-attendance');
    const o = (await t.app.inject({ method: 'GET', url: `/api/v1/orders/${id}`, headers: owner.headers })).json();
    t.clock.set(new Date(o.startsAt).getTime() + 31 * 60_000);
    await t.p.jobs.send(ORDER_SWEEP_JOB, {});
    await t.p.jobs.drain();
    eligible.delete(courier.userId);
  }

  it('S5.4: a courier whose reliability fell below the minimum is restricted from taking orders and told why', async () => {
    for (let i = 0; i < 3; i++) await noShow();
    const standing = await courierStanding(t.p, courier.userId);
    assert.deepEqual([standing.score, standing.countedScore, standing.restricted], [40, 40, true]);
    assert.ok(standing.countedScore < STANDING_MIN_SCORE);

    const id = await publishOrder(t, owner, storeId);
    const take = await act(courier, id, 'take');
    assert.equal(take.statusCode, 403, take.body);
    assert.equal(take.json().code, 'TRAINING_REFRESHER_REQUIRED');
    assert.match(take.json().detail, /40/);

    const p = await path(courier);
    assert.equal(p.certifiedForOrders, true);
    assert.equal(p.mayTakeOrders, false);
    assert.deepEqual(
      { restricted: p.standing.restricted, countedScore: p.standing.countedScore, minScore: p.standing.minScore },
      { restricted: true, countedScore: 40, minScore: STANDING_MIN_SCORE },
    );
    assert.equal(p.refresher.course.id, REFRESHER_COURSE);
    assert.equal(p.refresher.course.isRefresher, true);
  });

  it('S5.4: failing the refresher changes nothing; passing it restores standing by a recorded, audited event and keeps the history', async () => {
    const failed = (await sit(courier, REFRESHER_COURSE, 0)).json();
    assert.deepEqual([failed.passed, failed.standingRestored], [false, false]);
    assert.equal((await courierStanding(t.p, courier.userId)).restricted, true);

    const r = await sit(courier, REFRESHER_COURSE, 5);
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual([r.json().passed, r.json().standingRestored], [true, true]);

    const rows = await t.p.db.selectFrom('training_standing_restorations').selectAll().where('user_id', '=', courier.userId).execute();
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.score_before, 40);
    const audit = await t.p.db
      .selectFrom('security_audit')
      .selectAll()
      .where('action', '=', 'training.standing.restored')
      .where('subject_id', '=', courier.userId)
      .execute();
    assert.equal(audit.length, 1);
    assert.ok((await notificationsFor(t, courier.userId)).some((n) => n.title.zh === '接单资格已恢复'));
    // The restoration itself cannot be rewritten.
    await assert.rejects(t.p.db.updateTable('training_standing_restorations').set({ score_before: 100 }).execute(), /append-only/);

    // History is not deleted: orders still shows the same score and events.
    const rel = (
      await t.app.inject({ method: 'GET', url: `/api/v1/reliability/courier/${courier.userId}`, headers: courier.headers })
    ).json();
    assert.equal(rel.score, 40);
    assert.equal(rel.events.filter((e: { kind: string }) => e.kind === 'no_show').length, 3);

    const standing = await courierStanding(t.p, courier.userId);
    assert.deepEqual([standing.score, standing.countedScore, standing.restricted], [40, 100, false]);
    const p = await path(courier);
    assert.equal(p.mayTakeOrders, true);
    assert.ok(p.standing.restoreAvailableAt);

    const id = await publishOrder(t, owner, storeId);
    const take = await act(courier, id, 'take');
    assert.equal(take.statusCode, 200, take.body);
    // Let it go again so the next test starts clean (releasing early costs nothing).
    await act(courier, id, 'release');
  });

  it('S5.4: new events count again, and a refresher restores standing at most once per cool-down period', async () => {
    for (let i = 0; i < 3; i++) await noShow();
    assert.equal((await courierStanding(t.p, courier.userId)).countedScore, 40);
    // Within the cool-down a second pass renews the certificate but does not restore.
    const again = (await sit(courier, REFRESHER_COURSE, 5)).json();
    assert.deepEqual([again.passed, again.standingRestored], [true, false]);
    const id = await publishOrder(t, owner, storeId);
    const take = await act(courier, id, 'take');
    assert.equal(take.statusCode, 403);
    assert.equal(take.json().code, 'TRAINING_STANDING_COOLDOWN');

    t.clock.advance(REFRESHER_COOLDOWN_DAYS * DAY);
    assert.equal((await act(courier, await publishOrder(t, owner, storeId), 'take')).json().code, 'TRAINING_REFRESHER_REQUIRED');
    assert.equal((await sit(courier, REFRESHER_COURSE, 5)).json().standingRestored, true);
    assert.equal((await act(courier, await publishOrder(t, owner, storeId), 'take')).statusCode, 200);
    const rows = await t.p.db.selectFrom('training_standing_restorations').select('id').where('user_id', '=', courier.userId).execute();
    assert.equal(rows.length, 2);
  });

  it('S5.4: a courier in good standing passing the refresher records no restoration', async () => {
    const other = fakePerson();
    const r = (await sit(other, REFRESHER_COURSE, 5)).json();
    assert.deepEqual([r.passed, r.standingRestored], [true, false]);
    assert.equal((await path(other)).standing.restricted, false);
  });

  it('S5.4: trainers manage the refresher like any course; marking another course as the refresher moves the flag', async () => {
    const trainer = fakePerson(['training:manage']);
    const c = await t.app.inject({
      method: 'POST',
      url: '/api/v1/training/admin/courses',
      headers: trainer.headers,
      payload: { code: 'refresher-2027', titleZh: '复训 2027', titleEn: 'Refresher 2027', isRefresher: true },
    });
    assert.equal(c.statusCode, 201, c.body);
    const list = (await t.app.inject({ method: 'GET', url: '/api/v1/training/admin/courses', headers: trainer.headers })).json();
    assert.deepEqual(
      list.items.filter((x: { isRefresher: boolean }) => x.isRefresher).map((x: { code: string }) => x.code),
      ['refresher-2027'],
    );
    assert.equal((await path(courier)).refresher.course.code, 'refresher-2027');
    const back = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/training/admin/courses/${REFRESHER_COURSE}`,
      headers: trainer.headers,
      payload: { isRefresher: true },
    });
    assert.equal(back.json().isRefresher, true);
    assert.equal((await path(courier)).refresher.course.id, REFRESHER_COURSE);
    const denied = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/training/admin/courses/${REFRESHER_COURSE}`,
      headers: courier.headers,
      payload: { isRefresher: false },
    });
    assert.equal(denied.statusCode, 403);
  });
});
