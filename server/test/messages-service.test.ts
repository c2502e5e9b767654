import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from './helpers.ts';
import { TEST_ENV } from './factories.ts';
import { newId } from '../src/platform/ids.ts';
import { messagesModule, notify, type NotificationRequest } from '../src/modules/messages/index.ts';
import * as svc from '../src/modules/messages/service.ts';

/** Service-level tests of the message center (no HTTP, no accounts): storage, ordering, read state. */
describe('message center service', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ modules: [messagesModule], env: TEST_ENV });
  });
  after(async () => t.close());

  const request = (userId: string, over: Partial<NotificationRequest> = {}): NotificationRequest => ({
    userId,
    category: 'order',
    title: { zh: '订单 {no} 已被接单', en: 'Order {no} was taken' },
    body: { zh: '骑手将于 {time} 到达', en: 'The courier arrives at {time}' },
    params: { no: 'DB1', time: '08:00' },
    link: '/orders/1',
    ...over,
  });
  const send = async (req: NotificationRequest) => {
    await t.p.db.transaction().execute((tx) => notify(t.p, tx, req));
    await t.p.jobs.drain();
  };

  it('S5.8b: a requested notification is stored once, rendered in both languages, with increasing per-user sequence numbers', async () => {
    const user = newId();
    await send(request(user));
    await send(request(user, { category: 'wallet', params: { no: 'DB2', time: '09:00' } }));
    const zh = await svc.findNotifications(t.p, user, {}, 'zh-CN');
    assert.equal(zh.items.length, 2);
    assert.deepEqual(
      zh.items.map((n) => n.seq),
      [2, 1],
    );
    assert.equal(zh.items[1]!.title, '订单 DB1 已被接单');
    assert.equal(zh.items[1]!.body, '骑手将于 08:00 到达');
    const en = await svc.findNotifications(t.p, user, {}, 'en-US');
    assert.equal(en.items[0]!.title, 'Order DB2 was taken');
    assert.equal(en.items[0]!.link, '/orders/1');
    // A rolled-back change leaves no notification behind.
    await t.p.db
      .transaction()
      .execute(async (tx) => {
        await notify(t.p, tx, request(user));
        throw new Error('rollback');
      })
      .catch(() => {});
    await t.p.jobs.drain();
    assert.equal((await svc.findNotifications(t.p, user, {}, 'zh-CN')).items.length, 2);
  });

  it('S5.8a: unread counts per category go down as notifications are read', async () => {
    const user = newId();
    await send(request(user));
    await send(request(user, { category: 'wallet' }));
    await send(request(user, { category: 'wallet' }));
    assert.deepEqual(await svc.getUnreadCounts(t.p, user), { order: 1, wallet: 2, account: 0, system: 0, total: 3 });
    const first = (await svc.findNotifications(t.p, user, { category: 'order' }, 'zh-CN')).items[0]!;
    const r = await svc.readNotification(t.p, user, first.id, 'zh-CN');
    assert.equal(r.notification.read, true);
    assert.deepEqual(r.unread, { order: 0, wallet: 2, account: 0, system: 0, total: 2 });
    const all = await svc.readAllNotifications(t.p, user, 'wallet');
    assert.equal(all.updated, 2);
    assert.equal(all.unread.total, 0);
  });

  it('S5.8a: another user cannot mark my notification read', async () => {
    const me = newId();
    await send(request(me));
    const mine = (await svc.findNotifications(t.p, me, {}, 'zh-CN')).items[0]!;
    await assert.rejects(svc.readNotification(t.p, newId(), mine.id, 'zh-CN'), { code: 'NOTIFICATION_NOT_FOUND' });
    assert.equal((await svc.getUnreadCounts(t.p, me)).total, 1);
  });

  it('S5.8b: replay after a sequence number returns exactly what came later, in order', async () => {
    const user = newId();
    for (let i = 0; i < 4; i++) await send(request(user, { params: { no: `N${i}`, time: '' } }));
    const missed = await svc.findMissed(t.p, user, 2);
    assert.deepEqual(
      missed.map((n) => n.seq),
      [3, 4],
    );
    assert.equal(await svc.currentSeq(t.p, user), 4);
  });

  it('S5.8b: a malformed request is dropped without blocking the queue, and later notifications still arrive', async () => {
    const user = newId();
    await send({ ...request(user), userId: 'not-a-uuid' });
    await send({ ...request(user), category: 'nope' as never });
    await send(request(user));
    const list = await svc.findNotifications(t.p, user, {}, 'zh-CN');
    assert.equal(list.items.length, 1);
    assert.equal(list.items[0]!.seq, 1);
  });

  it('S5.8a: read notifications older than 180 days are purged; unread ones stay', async () => {
    const user = newId();
    await send(request(user));
    await send(request(user, { category: 'wallet' }));
    const [wallet] = (await svc.findNotifications(t.p, user, { category: 'wallet' }, 'zh-CN')).items;
    await svc.readNotification(t.p, user, wallet!.id, 'zh-CN');
    t.clock.advance(179 * 86_400_000);
    await svc.purgeReadNotifications(t.p);
    assert.equal((await svc.findNotifications(t.p, user, {}, 'zh-CN')).items.length, 2);
    t.clock.advance(2 * 86_400_000);
    await svc.purgeReadNotifications(t.p);
    const left = (await svc.findNotifications(t.p, user, {}, 'zh-CN')).items;
    assert.deepEqual(
      left.map((n) => n.category),
      ['order'],
    );
  });
});
