-- Photos of a store (shop front, counter, shelves), shown on the store page and on its orders. Owned by the
-- stores module. Not personal data: any logged-in user may see them. The bytes live in PostgreSQL — the
-- storage every server process already shares and backs up — because photos are small (≤ 2 MiB, ≤ 9 per
-- store) and must be readable from any process; checked as JPEG/PNG by their first bytes before insert.
CREATE TABLE store_photos (
  id uuid PRIMARY KEY,
  store_id uuid NOT NULL REFERENCES stores (id),
  owner_id uuid NOT NULL,                                        -- L2: the store's owner who uploaded it
  mime text NOT NULL CHECK (mime IN ('image/jpeg', 'image/png')), -- L1: sniffed from the bytes, not the client
  size_bytes int NOT NULL CHECK (size_bytes BETWEEN 1 AND 2097152), -- L1
  sha256 char(64) NOT NULL,                                      -- L1: ETag
  bytes bytea NOT NULL,                                          -- L1: the picture
  created_at timestamptz NOT NULL,
  deleted_at timestamptz                                         -- removed by the owner: no longer served
);
CREATE INDEX store_photos_store_idx ON store_photos (store_id, created_at) WHERE deleted_at IS NULL;
