import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Executor } from '../../platform/db.ts';
import type { StoresTables } from './tables.ts';

export type StoreRow = Selectable<StoresTables['stores']>;

export async function insertStore(db: Executor, row: Insertable<StoresTables['stores']>): Promise<StoreRow> {
  return db.insertInto('stores').values(row).returningAll().executeTakeFirstOrThrow();
}

/** A live (not deleted) store of the given owner. */
export async function findOwnedStore(db: Executor, ownerId: string, id: string): Promise<StoreRow | undefined> {
  return db
    .selectFrom('stores')
    .selectAll()
    .where('id', '=', id)
    .where('owner_id', '=', ownerId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
}

export async function findStoreById(db: Executor, id: string): Promise<StoreRow | undefined> {
  return db.selectFrom('stores').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listOwnedStores(db: Executor, ownerId: string): Promise<StoreRow[]> {
  return db
    .selectFrom('stores')
    .selectAll()
    .where('owner_id', '=', ownerId)
    .where('deleted_at', 'is', null)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(500)
    .execute();
}

/** Conditional on the owner and liveness; returns undefined when nothing matched. */
export async function updateOwnedStore(
  db: Executor,
  ownerId: string,
  id: string,
  patch: Updateable<StoresTables['stores']>,
): Promise<StoreRow | undefined> {
  return db
    .updateTable('stores')
    .set((eb) => ({ ...patch, version: eb('version', '+', 1) }))
    .where('id', '=', id)
    .where('owner_id', '=', ownerId)
    .where('deleted_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
}
