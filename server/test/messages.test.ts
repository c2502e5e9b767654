import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { createTestApp, type TestApp } from './helpers.ts';
import { TEST_ENV, registerUser, type TestUser } from './factories.ts';
import { createMessagesModule, notify, type NotificationRequest } from '../src/modules/messages/index.ts';
import { accountsModule } from '../src/modules/accounts/index.ts';
import { SseReader } from '../src/modules/messages/sse-client.ts';

const env = TEST_ENV;

const orderTaken = (userId: string, no: string, over: Partial<NotificationRequest> = {}): NotificationRequest => ({
  userId,
  category: 'order',
  title: { zh: '订单 {no} 已被接单', en: 'Order {no} was taken' },
  body: { zh: '顶班员将准时到岗', en: 'The substitute will be on time' },
  params: { no },
  link: `/orders/${no}`,
  ...over,
});

/** What another module does: notify inside its own transaction; then the background jobs run. */
async function tell(t: TestApp, ...reqs: NotificationRequest[]) {
  await t.p.db.transaction().execute(async (tx) => {
    for (const r of reqs) await notify(t.p, tx, r);
  });
  await t.p.jobs.drain();
}

const get = (t: TestApp, url: string, headers: Record<string, string>) => t.app.inject({ method: 'GET', url, headers });
const post = (t: TestApp, url: string, headers: Record<string, string>, payload?: object) =>
  t.app.inject({ method: 'POST', url, headers, ...(payload ? { payload } : {}) });

describe('message center over HTTP', () => {
  let t: TestApp;
  let alice: TestUser;
  let bob: TestUser;
  before(async () => {
    t = await createTestApp({ env });
    alice = await registerUser(t);
    bob = await registerUser(t);
    await t.p.jobs.drain(); // welcome notifications
  });
  after(async () => t.close());

  it('S5.8a: a new user finds a welcome notification, unread', async () => {
    const r = await get(t, '/api/v1/notifications', alice.headers);
    assert.equal(r.statusCode, 200, r.body);
    const [welcome] = r.json().items;
    assert.equal(welcome.category, 'account');
    assert.equal(welcome.title, '欢迎加入顶班');
    assert.equal(welcome.read, false);
    const counts = await get(t, '/api/v1/notifications/unread-counts', alice.headers);
    assert.deepEqual(counts.json(), { total: 1, order: 0, wallet: 0, account: 1, system: 0 });
  });

  it('S5.8a/S5.8b: lists newest first, filters by category and read state, pages by cursor, in the caller language', async () => {
    // One change after another (within one transaction, the order of several notifications is not defined).
    await tell(t, orderTaken(alice.userId, 'DB1'));
    await tell(t, orderTaken(alice.userId, 'DB2'));
    await tell(t, orderTaken(alice.userId, 'DB3'));
    await tell(t, {
      userId: alice.userId,
      category: 'wallet',
      title: { zh: '收入 {amount} 元', en: 'Income CNY {amount}' },
      body: { zh: '已入账', en: 'Credited' },
      params: { amount: '120.00' },
    });
    const all = await get(t, '/api/v1/notifications', alice.headers);
    assert.deepEqual(
      all.json().items.map((n: { title: string }) => n.title),
      ['收入 120.00 元', '订单 DB3 已被接单', '订单 DB2 已被接单', '订单 DB1 已被接单', '欢迎加入顶班'],
    );
    assert.equal(all.json().locale, 'zh-CN');

    const en = await get(t, '/api/v1/notifications?category=order', { ...alice.headers, 'accept-language': 'en-US,en;q=0.9' });
    assert.deepEqual(
      en.json().items.map((n: { title: string }) => n.title),
      ['Order DB3 was taken', 'Order DB2 was taken', 'Order DB1 was taken'],
    );
    assert.equal(en.headers['content-language'], 'en-US');

    const page1 = await get(t, '/api/v1/notifications?limit=2', alice.headers);
    assert.equal(page1.json().items.length, 2);
    const page2 = await get(t, `/api/v1/notifications?limit=2&cursor=${page1.json().nextCursor}`, alice.headers);
    const page3 = await get(t, `/api/v1/notifications?limit=2&cursor=${page2.json().nextCursor}`, alice.headers);
    assert.equal(page3.json().items.length, 1);
    assert.equal(page3.json().nextCursor, null);
    const seqs = [...page1.json().items, ...page2.json().items, ...page3.json().items].map((n: { seq: number }) => n.seq);
    assert.deepEqual(seqs, [5, 4, 3, 2, 1]);

    const bad = await get(t, '/api/v1/notifications?cursor=garbage', alice.headers);
    assert.equal(bad.statusCode, 400);
  });

  it('S5.8a: reading one and reading all of a category moves them from unread to read', async () => {
    const before = await get(t, '/api/v1/notifications/unread-counts', alice.headers);
    assert.deepEqual(before.json(), { total: 5, order: 3, wallet: 1, account: 1, system: 0 });

    const [newestOrder] = (await get(t, '/api/v1/notifications?category=order', alice.headers)).json().items;
    const r = await post(t, `/api/v1/notifications/${newestOrder.id}/read`, alice.headers);
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.json().notification.read, true);
    assert.ok(r.json().notification.readAt);
    assert.deepEqual(r.json().unread, { total: 4, order: 2, wallet: 1, account: 1, system: 0 });

    // Reading again keeps the first read time.
    t.clock.advance(60_000);
    const again = await post(t, `/api/v1/notifications/${newestOrder.id}/read`, alice.headers);
    assert.equal(again.json().notification.readAt, r.json().notification.readAt);

    const unreadOnly = await get(t, '/api/v1/notifications?status=unread', alice.headers);
    assert.equal(unreadOnly.json().items.length, 4);
    assert.ok(unreadOnly.json().items.every((n: { read: boolean }) => !n.read));
    const readOnly = await get(t, '/api/v1/notifications?status=read', alice.headers);
    assert.deepEqual(
      readOnly.json().items.map((n: { id: string }) => n.id),
      [newestOrder.id],
    );

    const orders = await post(t, '/api/v1/notifications/read-all', alice.headers, { category: 'order' });
    assert.equal(orders.statusCode, 200, orders.body);
    assert.equal(orders.json().updated, 2);
    assert.deepEqual(orders.json().unread, { total: 2, order: 0, wallet: 1, account: 1, system: 0 });

    const rest = await post(t, '/api/v1/notifications/read-all', alice.headers); // no body: everything
    assert.equal(rest.json().updated, 2);
    assert.equal(rest.json().unread.total, 0);
  });

  it('S5.8a: nobody can read or mark another user’s notifications (404, nothing changes)', async () => {
    await tell(t, orderTaken(alice.userId, 'DB9'));
    const [mine] = (await get(t, '/api/v1/notifications?status=unread', alice.headers)).json().items;

    const theirs = await post(t, `/api/v1/notifications/${mine.id}/read`, bob.headers);
    assert.equal(theirs.statusCode, 404);
    assert.equal(theirs.json().code, 'NOTIFICATION_NOT_FOUND');
    const unknown = await post(t, `/api/v1/notifications/01900000-0000-7000-8000-000000000000/read`, bob.headers);
    assert.equal(unknown.json().code, theirs.json().code); // indistinguishable from a missing id

    const bobsList = await get(t, '/api/v1/notifications', bob.headers);
    assert.ok(bobsList.json().items.every((n: { id: string }) => n.id !== mine.id));
    await post(t, '/api/v1/notifications/read-all', bob.headers, {});
    const aliceCounts = await get(t, '/api/v1/notifications/unread-counts', alice.headers);
    assert.equal(aliceCounts.json().total, 1);

    for (const [method, url] of [
      ['GET', '/api/v1/notifications'],
      ['GET', '/api/v1/notifications/unread-counts'],
      ['POST', `/api/v1/notifications/${mine.id}/read`],
      ['GET', '/api/v1/notification-preferences'],
      ['GET', '/api/v1/events'],
    ] as const) {
      const anon = await t.app.inject({ method, url });
      assert.equal(anon.statusCode, 401, `${method} ${url}`);
    }
  });

  it('S6.6: users choose per category whether SMS copies go out; copies land in the dev outbox', async () => {
    const prefs = await get(t, '/api/v1/notification-preferences', alice.headers);
    assert.equal(prefs.statusCode, 200);
    assert.deepEqual(prefs.json().categories, [
      { category: 'order', sms: false, email: false },
      { category: 'wallet', sms: false, email: false },
      { category: 'account', sms: false, email: false },
      { category: 'system', sms: false, email: false },
    ]);
    const put = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/notification-preferences',
      headers: alice.headers,
      payload: { categories: [{ category: 'order', sms: true, email: true }] },
    });
    assert.equal(put.statusCode, 200, put.body);
    assert.deepEqual(put.json().categories[0], { category: 'order', sms: true, email: true });
    assert.deepEqual(put.json().categories[1], { category: 'wallet', sms: false, email: false });
    // Bob's settings are his own.
    const bobs = await get(t, '/api/v1/notification-preferences', bob.headers);
    assert.equal(bobs.json().categories[0].sms, false);

    await tell(t, orderTaken(alice.userId, 'DB77'), { ...orderTaken(alice.userId, 'W1'), category: 'wallet' });
    const outbox = await get(t, `/api/v1/dev/outbox?to=${alice.identifier}`, {});
    const texts = outbox.json().items.map((m: { body: string }) => m.body);
    assert.ok(
      texts.some((b: string) => b.includes('订单 DB77 已被接单')),
      texts.join('\n'),
    );
    assert.ok(!texts.some((b: string) => b.includes('W1')), 'wallet copies are off');
    // Alice registered by phone: there is no e-mail address to copy to, and the in-app message exists anyway.
    const list = await get(t, '/api/v1/notifications?category=order', alice.headers);
    assert.equal(list.json().items[0].title, '订单 DB77 已被接单');
  });

  it('S5.8b/S6.6: a mandatory notice is copied even with copies turned off; a failing provider does not lose the in-app message', async () => {
    await tell(t, {
      userId: bob.userId,
      category: 'account',
      mandatoryCopy: true,
      title: { zh: '密码已修改', en: 'Password changed' },
      body: { zh: '如非本人操作请联系客服', en: 'Contact support if this was not you' },
    });
    const outbox = await get(t, `/api/v1/dev/outbox?to=${bob.identifier}`, {});
    assert.ok(outbox.json().items.some((m: { body: string }) => m.body.includes('密码已修改')));

    const original = t.p.delivery.send;
    let attempts = 0;
    t.p.delivery.send = async () => {
      attempts++;
      throw new Error('SMS provider down');
    };
    try {
      await tell(t, { ...orderTaken(alice.userId, 'DB88') });
    } finally {
      t.p.delivery.send = original;
    }
    assert.ok(attempts >= 1);
    const list = await get(t, '/api/v1/notifications?category=order', alice.headers);
    assert.equal(list.json().items[0].title, '订单 DB88 已被接单');
    const outbox2 = await get(t, `/api/v1/dev/outbox?to=${alice.identifier}`, {});
    assert.ok(!outbox2.json().items.some((m: { body: string }) => m.body.includes('DB88')), 'not sent while the provider is down');
  });
});

describe('live events (SSE) on a listening server', () => {
  let t: TestApp;
  let base: string;
  let carol: TestUser;
  before(async () => {
    t = await createTestApp({ env });
    carol = await registerUser(t);
    await t.p.jobs.drain();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const addr = t.app.server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  });
  after(async () => t.close());

  it('S5.8b: a connected client receives a notification live, with the new unread counts', async () => {
    const s = await SseReader.open(`${base}/api/v1/events`, carol.headers);
    try {
      assert.equal(s.status, 200);
      const hello = await s.next((e) => e.event === 'unread');
      assert.equal((hello.data as { total: number }).total, 1); // the welcome notification
      await tell(t, orderTaken(carol.userId, 'LIVE1'));
      const e = await s.next((e) => e.event === 'notification');
      const data = e.data as { notification: { title: string; seq: number; link: string }; unread: { total: number; order: number } };
      assert.equal(data.notification.title, '订单 LIVE1 已被接单');
      assert.equal(data.notification.link, '/orders/LIVE1');
      assert.equal(e.id, String(data.notification.seq));
      assert.equal(data.unread.total, 2);
      assert.equal(data.unread.order, 1);
    } finally {
      s.close();
    }
  });

  it('S5.8b: the session cookie authenticates the stream (EventSource cannot send headers); others get 401', async () => {
    const s = await SseReader.open(`${base}/api/v1/events`, { cookie: `dingban_session=${carol.token}`, 'accept-language': 'en-US' });
    try {
      assert.equal(s.status, 200);
      await s.next((e) => e.event === 'unread');
      await tell(t, orderTaken(carol.userId, 'COOKIE1'));
      const e = await s.next((e) => e.event === 'notification');
      assert.equal((e.data as { notification: { title: string } }).notification.title, 'Order COOKIE1 was taken');
    } finally {
      s.close();
    }
    const anon = await SseReader.open(`${base}/api/v1/events`);
    assert.equal(anon.status, 401);
    const bogus = await SseReader.open(`${base}/api/v1/events`, { cookie: 'dingban_session=not-a-session' });
    assert.equal(bogus.status, 401);
  });

  it('S5.8b: a client reconnecting with Last-Event-ID gets exactly what it missed, in order, then live ones', async () => {
    const first = await SseReader.open(`${base}/api/v1/events`, carol.headers);
    await first.next((e) => e.event === 'unread');
    await tell(t, orderTaken(carol.userId, 'R1'));
    const seen = await first.next((e) => e.event === 'notification');
    first.close();

    await tell(t, orderTaken(carol.userId, 'R2'));
    await tell(t, orderTaken(carol.userId, 'R3'));

    const resumed = await SseReader.open(`${base}/api/v1/events`, { ...carol.headers, 'last-event-id': seen.id! });
    try {
      const r3 = await resumed.next(
        (e) => e.event === 'notification' && (e.data as { notification: { title: string } }).notification.title.includes('R3'),
      );
      const replayed = resumed.events
        .filter((e) => e.event === 'notification')
        .map((e) => (e.data as { notification: { title: string } }).notification.title);
      assert.deepEqual(replayed, ['订单 R2 已被接单', '订单 R3 已被接单']);
      assert.equal(Number(r3.id), Number(seen.id) + 2);
      await tell(t, orderTaken(carol.userId, 'R4'));
      const r4 = await resumed.next((e) => e.event === 'notification' && Number(e.id) === Number(seen.id) + 3);
      assert.equal((r4.data as { notification: { title: string } }).notification.title, '订单 R4 已被接单');
    } finally {
      resumed.close();
    }

    // The query-string form, for clients that cannot set headers.
    const viaQuery = await SseReader.open(`${base}/api/v1/events?lastEventId=${seen.id}`, carol.headers);
    try {
      await viaQuery.next((e) => e.event === 'unread');
      assert.equal(viaQuery.events.filter((e) => e.event === 'notification').length, 3);
    } finally {
      viaQuery.close();
    }
    const bad = await SseReader.open(`${base}/api/v1/events`, { ...carol.headers, 'last-event-id': 'abc' });
    assert.equal(bad.status, 400);
  });

  it('S5.8a: reading on one device updates the badge on another', async () => {
    const s = await SseReader.open(`${base}/api/v1/events`, carol.headers);
    try {
      await s.next((e) => e.event === 'unread');
      const already = s.events.length;
      const r = await post(t, '/api/v1/notifications/read-all', carol.headers, {});
      assert.equal(r.statusCode, 200);
      const e = await s.next((e) => e.event === 'unread' && s.events.indexOf(e) >= already);
      assert.equal((e.data as { total: number }).total, 0);
    } finally {
      s.close();
    }
  });
});

describe('account cancellation', () => {
  it('S5.3b: cancelling an account erases its notifications and ends its open streams', async () => {
    const t = await createTestApp({ env });
    try {
      const frank = await registerUser(t);
      await t.p.jobs.drain();
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      const addr = t.app.server.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      const s = await SseReader.open(`http://127.0.0.1:${port}/api/v1/events`, frank.headers);
      await s.next((e) => e.event === 'unread');
      const cancel = await post(t, '/api/v1/me/cancel', frank.headers, { password: frank.password });
      assert.equal(cancel.statusCode < 300, true, cancel.body);
      await t.p.jobs.drain();
      await s.waitEnd(5_000);
      const left = await t.p.db.selectFrom('notifications').select('id').where('user_id', '=', frank.userId).execute();
      assert.equal(left.length, 0);
    } finally {
      await t.close();
    }
  });
});

describe('stream keep-alive', () => {
  it('S5.8b: an idle stream gets heartbeat comments so proxies keep it open (every 25 s by default)', async () => {
    const t = await createTestApp({ env, modules: [accountsModule, createMessagesModule({ heartbeatMs: 50 })] });
    try {
      const erin = await registerUser(t);
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      const addr = t.app.server.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      const s = await SseReader.open(`http://127.0.0.1:${port}/api/v1/events`, erin.headers);
      await s.next((e) => e.event === 'unread');
      assert.equal(await s.nextComment(5_000), 'heartbeat');
      s.close();
    } finally {
      await t.close();
    }
  });
});

describe('graceful shutdown with open streams', () => {
  it('S5.8b: closing the app ends open event streams instead of waiting for the clients', async () => {
    const t = await createTestApp({ env });
    const dave = await registerUser(t);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const addr = t.app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    const s = await SseReader.open(`http://127.0.0.1:${port}/api/v1/events`, dave.headers);
    await s.next((e) => e.event === 'unread');
    await t.close();
    await s.waitEnd(5_000);
    assert.equal(s.ended, true);
  });
});

/** The text of a single-part message as nodemailer writes it (quoted-printable or base64). */
function mailText(raw: string): string {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split);
  const body = raw.slice(split + 4);
  const cte = /content-transfer-encoding:\s*([\w-]+)/i.exec(head)?.[1]?.toLowerCase();
  if (cte === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (cte === 'quoted-printable') {
    const bytes = body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return body;
}

describe('e-mail copies over real SMTP', () => {
  let t: TestApp;
  let smtp: SMTPServer;
  const mails: { to: string[]; raw: string }[] = [];
  before(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('latin1') });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve()));
    const port = (smtp.server.address() as AddressInfo).port;
    t = await createTestApp({ env: { ...env, SMTP_URL: `smtp://127.0.0.1:${port}`, PUBLIC_URL: 'https://dingban.example' } });
  });
  after(async () => {
    await t.close();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  });

  it('S6.6/S5.8c: with e-mail copies on for wallet, a wallet notification is also mailed through the SMTP server', async () => {
    // Register by e-mail; the code itself arrives through the same SMTP server.
    const email = `mailcopy.${Date.now()}@test.dingban.local`;
    const codeRes = await post(t, '/api/v1/auth/codes', {}, { purpose: 'register', channel: 'email', destination: email });
    assert.equal(codeRes.statusCode, 202, codeRes.body);
    const codeMail = mails.find((m) => m.to.includes(email));
    assert.ok(codeMail, 'the registration code was mailed');
    const code = /\b(\d{6})\b/.exec(mailText(codeMail.raw))![1]!;
    const reg = await post(
      t,
      '/api/v1/auth/register',
      {},
      {
        kind: 'person',
        channel: 'email',
        destination: email,
        code,
        password: 'Shift-Cover#2026',
        displayName: '邮件用户',
        client: 'app',
      },
    );
    assert.equal(reg.statusCode, 201, reg.body);
    const headers = { authorization: `Bearer ${reg.json().token as string}` };
    const userId = reg.json().user.id as string;

    const put = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/notification-preferences',
      headers,
      payload: { categories: [{ category: 'wallet', sms: false, email: true }] },
    });
    assert.equal(put.statusCode, 200, put.body);

    const before = mails.length;
    await tell(t, {
      userId,
      category: 'wallet',
      title: { zh: '提现已到账', en: 'Withdrawal paid out' },
      body: { zh: '提现 {amount} 元已到账', en: 'CNY {amount} reached your bank account' },
      params: { amount: '350.00' },
      link: '/wallet',
    });
    const copies = mails.slice(before).filter((m) => m.to.includes(email));
    assert.equal(copies.length, 1, 'exactly one e-mail copy');
    const text = mailText(copies[0]!.raw);
    assert.match(text, /提现 350\.00 元已到账/);
    assert.match(text, /https:\/\/dingban\.example\/wallet/);
    // Nothing went to the dev outbox instead, and the in-app notification is there.
    const outbox = await get(t, `/api/v1/dev/outbox?to=${encodeURIComponent(email)}`, {});
    assert.equal(outbox.json().items.length, 0);
    const list = await get(t, '/api/v1/notifications?category=wallet', headers);
    assert.equal(list.json().items[0].title, '提现已到账');

    // An order notification (copies off) is not mailed.
    await tell(t, orderTaken(userId, 'NOMAIL'));
    assert.equal(mails.slice(before).filter((m) => m.to.includes(email)).length, 1);
  });
});
