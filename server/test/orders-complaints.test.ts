import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo, Server } from 'node:net';
import nodemailer from 'nodemailer';
import { createTestApp, type TestApp } from './helpers.ts';
import { TEST_ENV } from './factories.ts';
import { modules } from '../src/modules/index.ts';
import { startComplaintMailbox } from '../src/modules/orders/index.ts';
import { parseMail } from '../src/modules/orders/mailbox.ts';
import {
  fakePerson,
  makeStore,
  notificationsFor,
  ordersModuleForTests,
  ordersTestActorModule,
  publishOrder,
  type FakeActor,
} from './orders-fixtures.ts';

describe('orders: complaints by app, phone and e-mail (S5.7d)', () => {
  let t: TestApp;
  const eligible = new Set<string>();
  let owner: FakeActor;
  let courier: FakeActor;
  let support: FakeActor;
  let orderId: string;
  let orderNo: string;
  let mailbox: Server;

  before(async () => {
    t = await createTestApp({
      env: TEST_ENV,
      now: '2026-11-23T02:00:00Z',
      modules: [...modules.filter((m) => m.name !== 'orders'), ordersModuleForTests(eligible), ordersTestActorModule],
    });
    owner = fakePerson();
    courier = fakePerson();
    support = fakePerson(['complaints:handle']);
    eligible.add(courier.userId);
    const storeId = await makeStore(t, owner);
    orderId = await publishOrder(t, owner, storeId);
    const took = await t.app.inject({ method: 'POST', url: `/api/v1/orders/${orderId}/take`, headers: courier.headers });
    orderNo = took.json().orderNo;
    mailbox = await startComplaintMailbox(t.p, { address: 'tousu@dingban.test', port: 0, host: '127.0.0.1' });
  });
  after(async () => {
    await new Promise((r) => mailbox.close(r));
    await t.close();
  });

  const call = (who: FakeActor, method: 'GET' | 'POST', url: string, payload?: unknown) =>
    t.app.inject({ method, url, headers: who.headers, ...(payload ? { payload } : {}) });

  it('S5.7d: a party complains online; support works the ticket open → in progress → resolved with deadlines, replies and notifications', async () => {
    const stranger = await call(fakePerson(), 'POST', `/api/v1/orders/${orderId}/complaints`, { category: 'conduct', text: '我也要投诉' });
    assert.equal(stranger.statusCode, 404);
    const r = await call(courier, 'POST', `/api/v1/orders/${orderId}/complaints`, {
      category: 'conduct',
      text: '店主要求超时工作且不加钱',
    });
    assert.equal(r.statusCode, 201, r.body);
    const c = r.json();
    assert.equal(c.status, 'open');
    assert.equal(c.channel, 'online');
    assert.equal(new Date(c.respondBy).getTime() - t.clock.now().getTime(), 24 * 3600_000);
    assert.equal(new Date(c.resolveBy).getTime() - t.clock.now().getTime(), 72 * 3600_000);
    assert.ok((await notificationsFor(t, courier.userId)).some((n) => n.params?.ticketNo === c.ticketNo));

    // Others cannot see it; only support has the queue.
    assert.equal((await call(owner, 'GET', `/api/v1/complaints/${c.id}`)).statusCode, 404);
    assert.equal((await call(courier, 'GET', '/api/v1/support/complaints')).statusCode, 403);
    const queue = await call(support, 'GET', '/api/v1/support/complaints');
    assert.ok(queue.json().items.some((x: { id: string }) => x.id === c.id));

    const assigned = await call(support, 'POST', `/api/v1/support/complaints/${c.id}/assign`, {});
    assert.equal(assigned.json().status, 'in_progress');
    assert.equal(assigned.json().assigneeId, support.userId);
    await call(support, 'POST', `/api/v1/complaints/${c.id}/messages`, { text: '内部备注：先联系店主', internal: true });
    const rep = await call(support, 'POST', `/api/v1/complaints/${c.id}/messages`, { text: '我们已联系店主核实。' });
    assert.equal(rep.statusCode, 200, rep.body);
    assert.ok(rep.json().firstResponseAt);
    const mine = (await call(courier, 'GET', `/api/v1/complaints/${c.id}`)).json();
    assert.deepEqual(
      mine.messages.map((m: { body: string }) => m.body),
      ['店主要求超时工作且不加钱', '我们已联系店主核实。'],
    );
    assert.equal(mine.assigneeId, null);
    await call(courier, 'POST', `/api/v1/complaints/${c.id}/messages`, { text: '谢谢' });

    t.clock.advance(80 * 3600_000);
    assert.equal(
      (await call(support, 'GET', '/api/v1/support/complaints')).json().items.find((x: { id: string }) => x.id === c.id).overdue,
      true,
    );
    const done = await call(support, 'POST', `/api/v1/support/complaints/${c.id}/resolve`, {
      outcome: 'resolved',
      resolution: '已补发加班费 50 元',
    });
    assert.equal(done.json().status, 'resolved');
    assert.ok((await notificationsFor(t, courier.userId)).some((n) => n.params?.resolution === '已补发加班费 50 元'));
    const rel = await t.p.db.selectFrom('order_reliability_events').selectAll().where('kind', '=', 'complaint_upheld').execute();
    assert.deepEqual(
      rel.map((e) => e.subject_kind),
      ['store'],
    );
    const late = await call(courier, 'POST', `/api/v1/complaints/${c.id}/messages`, { text: '还有' });
    assert.equal(late.json().code, 'COMPLAINT_CLOSED');
    assert.equal((await call(courier, 'GET', '/api/v1/complaints/mine')).json().items[0].status, 'resolved');
  });

  it('S5.7d: support records a complaint received by phone; the caller’s number is stored encrypted and shown masked', async () => {
    const denied = await call(owner, 'POST', '/api/v1/support/complaints', { callerPhone: '13700001234', category: 'late', text: 'x' });
    assert.equal(denied.statusCode, 403);
    const r = await call(support, 'POST', '/api/v1/support/complaints', {
      orderNo,
      callerPhone: '13700001234',
      complainantUserId: owner.userId,
      category: 'late',
      text: '店主来电：接单人迟到 40 分钟',
    });
    assert.equal(r.statusCode, 201, r.body);
    assert.equal(r.json().channel, 'phone');
    assert.equal(r.json().status, 'in_progress');
    assert.equal(r.json().complainantRole, 'owner');
    assert.equal(r.json().contactMasked, '137****1234');
    const row = await t.p.db.selectFrom('order_complaints').selectAll().where('id', '=', r.json().id).executeTakeFirstOrThrow();
    assert.ok(!row.contact_enc!.includes('13700001234'));
    // The owner sees it among their complaints.
    assert.ok((await call(owner, 'GET', '/api/v1/complaints/mine')).json().items.some((x: { id: string }) => x.id === r.json().id));
    const rejected = await call(support, 'POST', `/api/v1/support/complaints/${r.json().id}/resolve`, {
      outcome: 'rejected',
      resolution: '签到记录显示准时',
    });
    assert.equal(rejected.json().status, 'rejected');
  });

  it('S5.7d: mail to the complaints address over SMTP becomes a ticket linked to the order; replies go back by e-mail', async () => {
    const port = (mailbox.address() as AddressInfo).port;
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port,
      secure: false,
      ignoreTLS: true,
      logger: !!process.env.SMTP_DEBUG,
      debug: !!process.env.SMTP_DEBUG,
    } as never);
    const info = await transport.sendMail({
      from: '张先生 <zhang@example.cn>',
      to: 'tousu@dingban.test',
      subject: `投诉订单 ${orderNo} 未按时结算`,
      text: '你好：\n我在贵平台的订单结算有问题。\n.\n以上。',
    });
    assert.match(info.response, /^250 OK TS\d{8}-/);
    const wrong = await transport
      .sendMail({ from: 'a@example.cn', to: 'nobody@dingban.test', subject: 'x', text: 'y' })
      .catch((e: Error) => e);
    assert.ok(wrong instanceof Error);
    const row = await t.p.db.selectFrom('order_complaints').selectAll().where('channel', '=', 'email').executeTakeFirstOrThrow();
    assert.equal(row.order_id, orderId);
    assert.equal(row.subject, `投诉订单 ${orderNo} 未按时结算`);
    assert.equal(row.body, '你好：\n我在贵平台的订单结算有问题。\n.\n以上。');
    const view = (await call(support, 'GET', `/api/v1/complaints/${row.id}`)).json();
    assert.equal(view.contactMasked, 'z***@example.cn');
    await call(support, 'POST', `/api/v1/complaints/${row.id}/messages`, { text: '已核实，将于今日结算。' });
    await t.p.jobs.drain();
    const out = await t.p.db.selectFrom('dev_outbox').selectAll().where('recipient', '=', 'zhang@example.cn').execute();
    assert.ok(
      out.some((m) => m.body.includes('已核实，将于今日结算。') && m.subject!.includes(row.ticket_no)),
      JSON.stringify(out),
    );
  });

  it('S4.3.1: inbound mail in base64, quoted-printable and GBK decodes to the same Chinese text', () => {
    const b64 = Buffer.from(
      [
        'From: =?UTF-8?B?5byg5LiJ?= <Z@Example.CN>',
        'Subject: =?UTF-8?B?5oqV6K+J?= =?UTF-8?Q?_=E8=AE=A2=E5=8D=95?=',
        'Content-Type: multipart/alternative; boundary="b1"',
        '',
        '--b1',
        'Content-Type: text/html; charset=utf-8',
        '',
        '<p>忽略</p>',
        '--b1',
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: base64',
        '',
        Buffer.from('迟到了').toString('base64'),
        '--b1--',
        '',
      ].join('\r\n'),
    );
    assert.deepEqual(parseMail(b64), { from: 'z@example.cn', subject: '投诉 订单', text: '迟到了' });
    const gbk = Buffer.concat([
      Buffer.from(
        'From: a@b.cn\r\nSubject: =?GBK?B?zbbL3w==?=\r\nContent-Type: text/plain; charset=GBK\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n',
      ),
      Buffer.from('=CD=B6=CB=DF\r\n'),
    ]);
    assert.deepEqual(parseMail(gbk), { from: 'a@b.cn', subject: '投诉', text: '投诉' });
  });
});
