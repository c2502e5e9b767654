import { type Insertable, type Selectable, type Updateable } from 'kysely';
import type { Executor } from '../../platform/db.ts';
import type { ComplaintStatus, OrdersTables } from './tables.ts';

export type ComplaintRow = Selectable<OrdersTables['order_complaints']>;
export type ComplaintMessageRow = Selectable<OrdersTables['order_complaint_messages']>;

export async function insertComplaint(db: Executor, row: Insertable<OrdersTables['order_complaints']>): Promise<ComplaintRow> {
  return db.insertInto('order_complaints').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function findComplaint(db: Executor, id: string): Promise<ComplaintRow | undefined> {
  return db.selectFrom('order_complaints').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Conditional on the expected statuses: of racing staff actions exactly one applies. */
export async function updateComplaint(
  db: Executor,
  id: string,
  from: readonly ComplaintStatus[],
  set: Updateable<OrdersTables['order_complaints']>,
  now: Date,
): Promise<ComplaintRow | undefined> {
  return db
    .updateTable('order_complaints')
    .set((eb) => ({ ...set, updated_at: now, version: eb('version', '+', 1) }))
    .where('id', '=', id)
    .where('status', 'in', [...from])
    .returningAll()
    .executeTakeFirst();
}

export async function insertMessage(db: Executor, row: Insertable<OrdersTables['order_complaint_messages']>): Promise<void> {
  await db.insertInto('order_complaint_messages').values(row).execute();
}

export async function listMessages(db: Executor, complaintId: string, includeInternal: boolean): Promise<ComplaintMessageRow[]> {
  let q = db.selectFrom('order_complaint_messages').selectAll().where('complaint_id', '=', complaintId);
  if (!includeInternal) q = q.where('internal', '=', false);
  return q.orderBy('seq').execute();
}

export async function listByComplainant(db: Executor, userId: string): Promise<ComplaintRow[]> {
  return db
    .selectFrom('order_complaints')
    .selectAll()
    .where('complainant_id', '=', userId)
    .orderBy('created_at', 'desc')
    .limit(200)
    .execute();
}

/** The support queue: unresolved first by resolution deadline; optionally one assignee's. */
export async function queue(db: Executor, o: { statuses: ComplaintStatus[]; assigneeId?: string; limit: number }): Promise<ComplaintRow[]> {
  let q = db.selectFrom('order_complaints').selectAll().where('status', 'in', o.statuses);
  if (o.assigneeId) q = q.where('assignee_id', '=', o.assigneeId);
  return q.orderBy('resolve_by').orderBy('id').limit(o.limit).execute();
}

export async function findOrderByNo(db: Executor, orderNo: string) {
  return db
    .selectFrom('orders')
    .select(['id', 'owner_id', 'courier_id', 'store_id', 'order_no'])
    .where('order_no', '=', orderNo)
    .executeTakeFirst();
}
