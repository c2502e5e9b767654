import { createHash } from 'node:crypto';
import type { Actor } from '../../platform/auth.ts';
import type { Executor } from '../../platform/db.ts';
import { AppError } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import type { Platform } from '../../platform/platform.ts';
import { assertCanManageStores } from './policy.ts';
import * as repo from './repo.ts';
import './errors.ts';

/** Largest accepted store photo, and photos per store. */
export const MAX_PHOTO_BYTES = 2 * 1024 * 1024;
export const MAX_PHOTOS_PER_STORE = 9;

export type PhotoMime = 'image/jpeg' | 'image/png';

/** The picture type by its first bytes (magic numbers); the client's claimed name and type are ignored. */
export function sniffImage(bytes: Uint8Array): PhotoMime | null {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b.length >= 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  return null;
}

export interface PhotoMeta {
  id: string;
  storeId: string;
  mime: PhotoMime;
  sizeBytes: number;
  sha256: string;
  createdAt: Date;
}

const META = ['id', 'store_id', 'mime', 'size_bytes', 'sha256', 'created_at'] as const;
const meta = (r: { id: string; store_id: string; mime: PhotoMime; size_bytes: number; sha256: string; created_at: Date }): PhotoMeta => ({
  id: r.id,
  storeId: r.store_id,
  mime: r.mime,
  sizeBytes: r.size_bytes,
  sha256: r.sha256,
  createdAt: r.created_at,
});

/**
 * The owner adds a photo to one of their stores. Size and type are checked on the bytes; the per-store
 * limit is checked under a row lock on the store, so two parallel uploads cannot pass it together.
 */
export async function addPhoto(p: Platform, actor: Actor, storeId: string, bytes: Uint8Array): Promise<PhotoMeta> {
  assertCanManageStores(actor);
  if (bytes.byteLength > MAX_PHOTO_BYTES) throw new AppError('STORE_PHOTO_TOO_LARGE', { maxMb: MAX_PHOTO_BYTES / 1024 / 1024 });
  const mime = sniffImage(bytes);
  if (!mime || bytes.byteLength === 0) throw new AppError('STORE_PHOTO_TYPE');
  return p.db.transaction().execute(async (tx) => {
    const store = await tx
      .selectFrom('stores')
      .select('id')
      .where('id', '=', storeId)
      .where('owner_id', '=', actor.userId)
      .where('deleted_at', 'is', null)
      .forUpdate()
      .executeTakeFirst();
    if (!store) throw new AppError('STORE_NOT_FOUND');
    const { n } = await tx
      .selectFrom('store_photos')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('store_id', '=', storeId)
      .where('deleted_at', 'is', null)
      .executeTakeFirstOrThrow();
    if (Number(n) >= MAX_PHOTOS_PER_STORE) throw new AppError('STORE_PHOTO_LIMIT', { max: MAX_PHOTOS_PER_STORE });
    const row = await tx
      .insertInto('store_photos')
      .values({
        id: newId(),
        store_id: storeId,
        owner_id: actor.userId,
        mime,
        size_bytes: bytes.byteLength,
        sha256: createHash('sha256').update(bytes).digest('hex'),
        bytes: Buffer.from(bytes),
        created_at: p.clock.now(),
        deleted_at: null,
      })
      .returning(META)
      .executeTakeFirstOrThrow();
    return meta(row);
  });
}

/** The owner removes a photo of their store; it is no longer served. */
export async function removePhoto(p: Platform, actor: Actor, storeId: string, photoId: string): Promise<void> {
  assertCanManageStores(actor);
  const r = await p.db
    .updateTable('store_photos')
    .set({ deleted_at: p.clock.now() })
    .where('id', '=', photoId)
    .where('store_id', '=', storeId)
    .where('owner_id', '=', actor.userId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) === 0) throw new AppError('STORE_PHOTO_NOT_FOUND');
}

/** Live photos of the given stores, oldest first, without their bytes. */
export async function photosOf(db: Executor, storeIds: readonly string[]): Promise<Map<string, PhotoMeta[]>> {
  const out = new Map<string, PhotoMeta[]>();
  if (!storeIds.length) return out;
  const rows = await db
    .selectFrom('store_photos')
    .select(META)
    .where('store_id', 'in', [...storeIds])
    .where('deleted_at', 'is', null)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  for (const r of rows) {
    const list = out.get(r.store_id) ?? [];
    list.push(meta(r));
    out.set(r.store_id, list);
  }
  return out;
}

/** Photos of any live store, for any logged-in user (couriers see them on the store's orders). */
export async function listStorePhotos(p: Platform, storeId: string): Promise<PhotoMeta[]> {
  const store = await repo.findStoreById(p.db, storeId);
  if (!store) throw new AppError('STORE_NOT_FOUND');
  return (await photosOf(p.db, [storeId])).get(storeId) ?? [];
}

/** One photo's bytes (deleted photos are gone). */
export async function readPhoto(p: Platform, photoId: string): Promise<{ mime: PhotoMime; sha256: string; bytes: Buffer }> {
  const row = await p.db
    .selectFrom('store_photos')
    .select(['mime', 'sha256', 'bytes'])
    .where('id', '=', photoId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (!row) throw new AppError('STORE_PHOTO_NOT_FOUND');
  return row;
}
