import type { Actor } from '../../platform/auth.ts';
import { can } from '../../platform/auth.ts';
import type { Executor } from '../../platform/db.ts';
import { AppError } from '../../platform/errors.ts';
import type { Bilingual } from '../../platform/i18n.ts';
import { newHumanNumber, newId } from '../../platform/ids.ts';
import { notify } from '../messages/index.ts';
import * as crepo from './complaints-repo.ts';
import type { ComplaintRow } from './complaints-repo.ts';
import * as repo from './repo.ts';
import type { Deps } from './service.ts';
import type { ComplaintStatus } from './tables.ts';
import './errors.ts';

/** Staff who handle complaints (customer service). */
export const HANDLE_PERMISSION = 'complaints:handle';
/** Published service levels: first response within 24 h, resolution within 72 h. */
export const COMPLAINT_RESPOND_HOURS = 24;
export const COMPLAINT_RESOLVE_HOURS = 72;
/**
 * Job that e-mails a reply to a complainant who wrote in by e-mail. A job rather than an outbox
 * subscriber: delivery must not hold the subscriber's transaction open (at-least-once, like all mail).
 */
export const COMPLAINT_EMAIL_REPLY = 'orders.complaint-email-reply';

const HOUR = 3600_000;
const CONTACT_CTX = 'order_complaints.contact';
/** Order numbers as printed (newHumanNumber('DB', …)). */
export const ORDER_NO_PATTERN = /DB\d{8}-[23456789A-HJ-NP-Z]{6}/;

const isStaff = (a: Actor) => can(a, HANDLE_PERMISSION);

function assertStaff(actor: Actor): void {
  if (!isStaff(actor)) throw new AppError('FORBIDDEN');
}

async function tellComplainant(d: Deps, tx: Executor, c: ComplaintRow, body: Bilingual, params: Record<string, string | number> = {}) {
  const all = { ticketNo: c.ticket_no, ...params };
  if (c.complainant_id) {
    await notify(d.p, tx, {
      userId: c.complainant_id,
      category: 'order',
      title: { zh: '投诉 {ticketNo} 有新进展', en: 'Update on complaint {ticketNo}' },
      body,
      params: all,
      link: `/complaints/${c.id}`,
    });
  } else if (c.channel === 'email' && c.contact_enc) {
    await d.p.jobs.send(COMPLAINT_EMAIL_REPLY, { complaintId: c.id, body, params: all }, { tx });
  }
}

async function open(
  d: Deps,
  tx: Executor,
  o: {
    orderId: string | null;
    complainantId: string | null;
    role: 'owner' | 'courier' | 'other';
    channel: 'online' | 'email' | 'phone';
    category: string;
    subject: string;
    body: string;
    contact?: string | undefined;
    assigneeId?: string | undefined;
    authorRole: 'complainant' | 'staff';
    authorId: string | null;
  },
): Promise<ComplaintRow> {
  const now = d.p.clock.now();
  const c = await crepo.insertComplaint(tx, {
    id: newId(),
    ticket_no: newHumanNumber('TS', now),
    order_id: o.orderId,
    complainant_id: o.complainantId,
    complainant_role: o.role,
    channel: o.channel,
    status: o.assigneeId ? 'in_progress' : 'open',
    category: o.category,
    subject: o.subject.slice(0, 200),
    body: o.body.slice(0, 10_000),
    contact_enc: o.contact ? d.p.keyring.encrypt(o.contact, CONTACT_CTX) : null,
    assignee_id: o.assigneeId ?? null,
    respond_by: new Date(now.getTime() + COMPLAINT_RESPOND_HOURS * HOUR),
    resolve_by: new Date(now.getTime() + COMPLAINT_RESOLVE_HOURS * HOUR),
    first_response_at: o.assigneeId ? now : null,
    resolution: null,
    resolved_at: null,
    created_at: now,
    updated_at: now,
  });
  await crepo.insertMessage(tx, {
    id: newId(),
    complaint_id: c.id,
    author_id: o.authorId,
    author_role: o.authorRole,
    body: c.body,
    created_at: now,
  });
  await d.p.jobs.publish(tx, 'orders.complaint.opened', {
    complaintId: c.id,
    ticketNo: c.ticket_no,
    orderId: c.order_id,
    channel: c.channel,
  });
  await tellComplainant(
    d,
    tx,
    c,
    {
      zh: '我们已收到您的投诉（工单号 {ticketNo}），将在 {respondBy} 前答复，{resolveBy} 前处理完毕。',
      en: 'We received your complaint (ticket {ticketNo}); we will respond by {respondBy} and resolve it by {resolveBy}.',
    },
    { respondBy: c.respond_by.toISOString(), resolveBy: c.resolve_by.toISOString() },
  );
  return c;
}

/** A party of an order complains about it online (S5.7d). */
export async function fileComplaint(
  d: Deps,
  actor: Actor,
  orderId: string,
  body: { category: string; subject?: string | undefined; text: string },
) {
  return d.p.db.transaction().execute(async (tx) => {
    const order = await repo.findOrder(tx, orderId);
    const role = order?.owner_id === actor.userId ? 'owner' : order?.courier_id && order.courier_id === actor.userId ? 'courier' : null;
    if (!order || !role) throw new AppError('ORDER_NOT_FOUND');
    return open(d, tx, {
      orderId: order.id,
      complainantId: actor.userId,
      role,
      channel: 'online',
      category: body.category,
      subject: body.subject ?? `订单 ${order.order_no}`,
      body: body.text,
      authorRole: 'complainant',
      authorId: actor.userId,
    });
  });
}

/** Support staff record a complaint received by phone; it starts assigned to them (S5.7d). */
export async function recordPhoneComplaint(
  d: Deps,
  staff: Actor,
  body: { orderNo?: string | undefined; callerPhone: string; complainantUserId?: string | undefined; category: string; text: string },
) {
  assertStaff(staff);
  return d.p.db.transaction().execute(async (tx) => {
    const order = body.orderNo ? await crepo.findOrderByNo(tx, body.orderNo) : undefined;
    if (body.orderNo && !order) throw new AppError('ORDER_NOT_FOUND');
    const uid = body.complainantUserId;
    const role = order && uid ? (order.owner_id === uid ? 'owner' : order.courier_id === uid ? 'courier' : 'other') : 'other';
    return open(d, tx, {
      orderId: order?.id ?? null,
      complainantId: role === 'other' ? null : uid!,
      role,
      channel: 'phone',
      category: body.category,
      subject: order ? `电话投诉 订单 ${order.order_no}` : '电话投诉',
      body: body.text,
      contact: body.callerPhone,
      assigneeId: staff.userId,
      authorRole: 'staff',
      authorId: staff.userId,
    });
  });
}

/** Opens the appeal ticket of a reliability event (see reliability.ts), on the caller's transaction. */
export async function fileAppeal(
  d: Deps,
  tx: Executor,
  o: { actor: Actor; orderId: string; role: 'owner' | 'courier'; text: string; eventKind: string },
): Promise<ComplaintRow> {
  const order = await repo.findOrder(tx, o.orderId);
  return open(d, tx, {
    orderId: o.orderId,
    complainantId: o.actor.userId,
    role: o.role,
    channel: 'online',
    category: 'appeal',
    subject: `信用记录申诉 Appeal: ${o.eventKind}${order ? ` · ${order.order_no}` : ''}`,
    body: o.text,
    authorRole: 'complainant',
    authorId: o.actor.userId,
  });
}

/** Turns an inbound e-mail into a complaint; the order is found by the order number in the subject or text. */
export async function ingestComplaintEmail(d: Deps, mail: { from: string; subject: string; text: string }): Promise<ComplaintRow> {
  return d.p.db.transaction().execute(async (tx) => {
    const m = ORDER_NO_PATTERN.exec(`${mail.subject}\n${mail.text}`);
    const order = m ? await crepo.findOrderByNo(tx, m[0]) : undefined;
    return open(d, tx, {
      orderId: order?.id ?? null,
      complainantId: null,
      role: 'other',
      channel: 'email',
      category: 'email',
      subject: mail.subject || '(无主题)',
      body: mail.text || '(空)',
      contact: mail.from,
      authorRole: 'complainant',
      authorId: null,
    });
  });
}

function viewable(actor: Actor, c: ComplaintRow): 'complainant' | 'staff' {
  if (isStaff(actor)) return 'staff';
  if (c.complainant_id && c.complainant_id === actor.userId) return 'complainant';
  throw new AppError('COMPLAINT_NOT_FOUND');
}

export async function getComplaint(d: Deps, actor: Actor, id: string) {
  const c = await crepo.findComplaint(d.p.db, id);
  if (!c) throw new AppError('COMPLAINT_NOT_FOUND');
  const as = viewable(actor, c);
  return { complaint: c, as, messages: await crepo.listMessages(d.p.db, id, as === 'staff') };
}

export const listMyComplaints = (d: Deps, actor: Actor) => crepo.listByComplainant(d.p.db, actor.userId);

/** The support queue (by resolution deadline); `mine` limits it to the caller's tickets. */
export async function complaintQueue(d: Deps, staff: Actor, q: { status?: ComplaintStatus[] | undefined; mine?: boolean | undefined }) {
  assertStaff(staff);
  return crepo.queue(d.p.db, {
    statuses: q.status?.length ? q.status : ['open', 'in_progress'],
    ...(q.mine ? { assigneeId: staff.userId } : {}),
    limit: 200,
  });
}

/** A reply from the complainant or staff (staff may leave internal notes). A staff reply starts the work. */
export async function replyComplaint(d: Deps, actor: Actor, id: string, body: { text: string; internal?: boolean | undefined }) {
  return d.p.db.transaction().execute(async (tx) => {
    const c = await crepo.findComplaint(tx, id);
    if (!c) throw new AppError('COMPLAINT_NOT_FOUND');
    const as = viewable(actor, c);
    if (c.status === 'resolved' || c.status === 'rejected') throw new AppError('COMPLAINT_CLOSED');
    const now = d.p.clock.now();
    const internal = as === 'staff' && !!body.internal;
    await crepo.insertMessage(tx, {
      id: newId(),
      complaint_id: c.id,
      author_id: actor.userId,
      author_role: as,
      body: body.text,
      internal,
      created_at: now,
    });
    if (as === 'staff' && !internal) {
      const row = await crepo.updateComplaint(
        tx,
        c.id,
        ['open', 'in_progress'],
        { status: 'in_progress', assignee_id: c.assignee_id ?? actor.userId, first_response_at: c.first_response_at ?? now },
        now,
      );
      if (!row) throw new AppError('COMPLAINT_CLOSED');
      await tellComplainant(d, tx, c, { zh: '客服回复：{text}', en: 'Support replied: {text}' }, { text: body.text.slice(0, 500) });
    }
    return crepo.findComplaint(tx, c.id);
  });
}

/** Assigns a ticket to a staff member (default: the caller); an open ticket moves to in progress. */
export async function assignComplaint(d: Deps, staff: Actor, id: string, assigneeId?: string) {
  assertStaff(staff);
  return d.p.db.transaction().execute(async (tx) => {
    const now = d.p.clock.now();
    const row = await crepo.updateComplaint(
      tx,
      id,
      ['open', 'in_progress'],
      { status: 'in_progress', assignee_id: assigneeId ?? staff.userId },
      now,
    );
    if (!row) {
      if (!(await crepo.findComplaint(tx, id))) throw new AppError('COMPLAINT_NOT_FOUND');
      throw new AppError('COMPLAINT_CLOSED');
    }
    await crepo.insertMessage(tx, {
      id: newId(),
      complaint_id: id,
      author_id: staff.userId,
      author_role: 'system',
      body: `assigned to ${row.assignee_id}`,
      internal: true,
      created_at: now,
    });
    return row;
  });
}

/**
 * Closes a ticket as resolved (upheld) or rejected, with the outcome told to the complainant. An upheld
 * complaint by one party of an order counts against the other's reliability.
 */
export async function resolveComplaint(d: Deps, staff: Actor, id: string, body: { outcome: 'resolved' | 'rejected'; resolution: string }) {
  assertStaff(staff);
  return d.p.db.transaction().execute(async (tx) => {
    const now = d.p.clock.now();
    const row = await crepo.updateComplaint(
      tx,
      id,
      ['open', 'in_progress'],
      { status: body.outcome, resolution: body.resolution, resolved_at: now },
      now,
    );
    if (!row) {
      if (!(await crepo.findComplaint(tx, id))) throw new AppError('COMPLAINT_NOT_FOUND');
      throw new AppError('COMPLAINT_CLOSED');
    }
    await crepo.insertMessage(tx, {
      id: newId(),
      complaint_id: id,
      author_id: staff.userId,
      author_role: 'staff',
      body: body.resolution,
      created_at: now,
    });
    if (row.category === 'appeal') {
      // An upheld appeal voids the reliability event it was about.
      if (body.outcome === 'resolved') {
        await tx
          .updateTable('order_reliability_events')
          .set({ voided_at: now })
          .where('appeal_complaint_id', '=', id)
          .where('voided_at', 'is', null)
          .execute();
      }
    } else if (body.outcome === 'resolved' && row.order_id && row.complainant_role !== 'other') {
      const order = await repo.findOrder(tx, row.order_id);
      if (order) {
        const subject =
          row.complainant_role === 'courier'
            ? { kind: 'store' as const, id: order.store_id }
            : order.courier_id
              ? { kind: 'courier' as const, id: order.courier_id }
              : null;
        if (subject) {
          await repo.insertReliabilityEvent(tx, {
            id: newId(),
            subject_kind: subject.kind,
            subject_id: subject.id,
            order_id: order.id,
            kind: 'complaint_upheld',
            at: now,
          });
        }
      }
    }
    await d.p.jobs.publish(tx, 'orders.complaint.closed', { complaintId: id, outcome: body.outcome });
    await tellComplainant(
      d,
      tx,
      row,
      body.outcome === 'resolved'
        ? { zh: '您的投诉 {ticketNo} 已处理：{resolution}', en: 'Your complaint {ticketNo} is resolved: {resolution}' }
        : { zh: '您的投诉 {ticketNo} 经核实未予支持：{resolution}', en: 'Your complaint {ticketNo} was not upheld: {resolution}' },
      { resolution: body.resolution.slice(0, 500) },
    );
    return row;
  });
}

/** Sends an e-mail reply to a complainant who wrote in by e-mail (job handler, after the reply committed). */
export async function sendComplaintEmail(
  d: Deps,
  payload: { complaintId: string; body: Bilingual; params: Record<string, string | number> },
) {
  const c = await crepo.findComplaint(d.p.db, payload.complaintId);
  if (!c?.contact_enc) return;
  const to = d.p.keyring.decrypt(c.contact_enc, CONTACT_CTX);
  const fill = (s: string) => s.replace(/\{(\w+)\}/g, (m, k: string) => (k in payload.params ? String(payload.params[k]) : m));
  await d.p.delivery.send({
    channel: 'email',
    to,
    subject: `Re: ${c.subject} [${c.ticket_no}]`,
    text: `${fill(payload.body.zh)}\n\n${fill(payload.body.en)}\n\n— 顶班客服 Dingban support`,
  });
}
