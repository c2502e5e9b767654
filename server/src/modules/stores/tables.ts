import type { ColumnType } from 'kysely';

/** Tables owned by the stores module. Data class of each column in its comment. */
export interface StoresTables {
  stores: {
    id: string; // L1
    owner_id: string; // L2
    name: string; // L1
    brands: string[]; // L1
    region_code: string; // L1 (GB/T 2260 county-level code)
    address: string; // L1
    lat: number; // L1 (WGS-84)
    lng: number; // L1 (WGS-84)
    contact_phone_enc: string; // L3 (sealed, context 'stores.contact_phone')
    version: ColumnType<number, number | undefined, number>; // L2
    created_at: Date; // L2
    updated_at: Date; // L2
    deleted_at: Date | null; // L2
  };
  store_photos: {
    id: string; // L1
    store_id: string; // L1
    owner_id: string; // L2
    mime: 'image/jpeg' | 'image/png'; // L1 (sniffed from the bytes)
    size_bytes: number; // L1
    sha256: string; // L1
    bytes: Buffer; // L1 (not personal data; served to logged-in users)
    created_at: Date; // L2
    deleted_at: Date | null; // L2
  };
}
