import type { Keyring } from '../../platform/crypto.ts';
import type { StoreRow } from './repo.ts';
import type { StorePhotoView, StoreView } from './schemas.ts';
import type { PhotoMeta } from './photos.ts';
import { regionLabel } from './regions.ts';

/** Masks a phone number for display: 13812345678 → 138****5678; landlines keep area code and last 4. */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  if (digits.length <= 4) return '****';
  const head = digits.slice(0, Math.min(3, digits.length - 4));
  return `${head}****${digits.slice(-4)}`;
}

export const presentPhoto = (m: PhotoMeta): StorePhotoView => ({
  id: m.id,
  url: `/api/v1/store-photos/${m.id}`,
  mime: m.mime,
  sizeBytes: m.sizeBytes,
  createdAt: m.createdAt.toISOString(),
});

export function presentStore(row: StoreRow, keyring: Keyring, photos: readonly PhotoMeta[] = []): StoreView {
  return {
    id: row.id,
    name: row.name,
    brands: row.brands,
    regionCode: row.region_code,
    regionName: regionLabel(row.region_code),
    address: row.address,
    lat: row.lat,
    lng: row.lng,
    contactPhoneMasked: maskPhone(keyring.decrypt(row.contact_phone_enc, 'stores.contact_phone')),
    photos: photos.map(presentPhoto),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
