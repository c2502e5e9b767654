-- Stores (快递驿站 / 网点) that store owners manage; an order belongs to a store. Owned by the stores module.
CREATE TABLE stores (
  id uuid PRIMARY KEY,
  owner_id uuid NOT NULL,                      -- L2: the owning user (accounts module), by id
  name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),            -- L1
  brands text[] NOT NULL DEFAULT '{}',         -- L1: express brands handled (中通, 圆通, …)
  region_code char(6) NOT NULL,                -- L1: GB/T 2260 county-level code
  address text NOT NULL CHECK (char_length(address) BETWEEN 1 AND 200),     -- L1: detailed address
  lat double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),             -- L1: WGS-84
  lng double precision NOT NULL CHECK (lng BETWEEN -180 AND 180),           -- L1: WGS-84
  contact_phone_enc text NOT NULL,             -- L3: AES-GCM sealed, context 'stores.contact_phone'
  version int NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  deleted_at timestamptz                       -- soft delete: orders keep referring to the store
);
CREATE INDEX stores_owner_idx ON stores (owner_id, created_at DESC) WHERE deleted_at IS NULL;
