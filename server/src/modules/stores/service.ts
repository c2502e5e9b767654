import type { Actor } from '../../platform/auth.ts';
import type { Executor } from '../../platform/db.ts';
import { AppError } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import type { Platform } from '../../platform/platform.ts';
import { assertCanManageStores } from './policy.ts';
import * as repo from './repo.ts';
import type { StoreRow } from './repo.ts';
import { regionPath } from './regions.ts';
import type { StoreBody, StorePatch } from './schemas.ts';
import './errors.ts';

const PHONE = /^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$/;

function normalisePhone(raw: string): string {
  const phone = raw.replace(/[\s()（）]/g, '').replace(/^\+86/, '');
  if (!PHONE.test(phone)) throw new AppError('STORE_PHONE_INVALID');
  return phone;
}

function assertDistrict(code: string): void {
  if (!regionPath(code)) throw new AppError('STORE_REGION_INVALID', { code });
}

const cleanBrands = (brands: string[]) => [...new Set(brands.map((b) => b.trim()).filter(Boolean))];

/** A store owner adds a store (快递驿站/网点); its contact phone is sealed at rest. */
export async function createStore(p: Platform, actor: Actor, body: StoreBody): Promise<StoreRow> {
  assertCanManageStores(actor);
  assertDistrict(body.regionCode);
  const phone = normalisePhone(body.contactPhone);
  const now = p.clock.now();
  return repo.insertStore(p.db, {
    id: newId(),
    owner_id: actor.userId,
    name: body.name.trim(),
    brands: cleanBrands(body.brands ?? []),
    region_code: body.regionCode,
    address: body.address.trim(),
    lat: body.lat,
    lng: body.lng,
    contact_phone_enc: p.keyring.encrypt(phone, 'stores.contact_phone'),
    created_at: now,
    updated_at: now,
    deleted_at: null,
  });
}

/** The caller's own stores. */
export async function listMyStores(p: Platform, actor: Actor): Promise<StoreRow[]> {
  assertCanManageStores(actor);
  return repo.listOwnedStores(p.db, actor.userId);
}

/** One of the caller's stores; someone else's store is reported as not found. */
export async function getMyStore(p: Platform, actor: Actor, id: string): Promise<StoreRow> {
  assertCanManageStores(actor);
  const row = await repo.findOwnedStore(p.db, actor.userId, id);
  if (!row) throw new AppError('STORE_NOT_FOUND');
  return row;
}

export async function updateStore(p: Platform, actor: Actor, id: string, patch: StorePatch): Promise<StoreRow> {
  assertCanManageStores(actor);
  if (patch.regionCode !== undefined) assertDistrict(patch.regionCode);
  const row = await repo.updateOwnedStore(p.db, actor.userId, id, {
    ...(patch.name !== undefined ? { name: patch.name.trim() } : {}),
    ...(patch.brands !== undefined ? { brands: cleanBrands(patch.brands) } : {}),
    ...(patch.regionCode !== undefined ? { region_code: patch.regionCode } : {}),
    ...(patch.address !== undefined ? { address: patch.address.trim() } : {}),
    ...(patch.lat !== undefined ? { lat: patch.lat } : {}),
    ...(patch.lng !== undefined ? { lng: patch.lng } : {}),
    ...(patch.contactPhone !== undefined
      ? { contact_phone_enc: p.keyring.encrypt(normalisePhone(patch.contactPhone), 'stores.contact_phone') }
      : {}),
    updated_at: p.clock.now(),
  });
  if (!row) throw new AppError('STORE_NOT_FOUND');
  return row;
}

/** Removes a store from the owner's list; orders already posted keep their snapshot of it. */
export async function deleteStore(p: Platform, actor: Actor, id: string): Promise<void> {
  assertCanManageStores(actor);
  const now = p.clock.now();
  const row = await repo.updateOwnedStore(p.db, actor.userId, id, { deleted_at: now, updated_at: now });
  if (!row) throw new AppError('STORE_NOT_FOUND');
}

/** For the orders module: who owns a store (deleted stores too), or undefined. */
export async function storeOwnerOf(db: Executor, storeId: string): Promise<string | undefined> {
  return (await repo.findStoreById(db, storeId))?.owner_id;
}

/** For the orders module: a live store of this owner, read on the caller's transaction. */
export async function findOwnedStore(db: Executor, ownerId: string, storeId: string): Promise<StoreRow | undefined> {
  return repo.findOwnedStore(db, ownerId, storeId);
}
