-- Evidence attached to a bill appeal (S5.9c): screenshots or PDFs of a payment record, class L3 (they show
-- accounts and names), sealed with the keyring and kept in PostgreSQL like store photos (small: ≤ 2 MiB
-- each, ≤ 5 per appeal) so every process can read them. Uploaded first, then named when the appeal is
-- filed; only the appellant and finance can read them.
CREATE TABLE wallet_appeal_attachments (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL,                                            -- L2: who uploaded it
  appeal_id uuid REFERENCES wallet_appeals (id),                    -- L2: null until an appeal names it
  mime text NOT NULL CHECK (mime IN ('image/jpeg', 'image/png', 'application/pdf')), -- L1: from the bytes
  size_bytes int NOT NULL CHECK (size_bytes BETWEEN 1 AND 2097152), -- L1
  data_enc text NOT NULL,                                           -- L3: the file, AES-256-GCM via the keyring
  created_at timestamptz NOT NULL
);
CREATE INDEX wallet_appeal_attachments_appeal_idx ON wallet_appeal_attachments (appeal_id) WHERE appeal_id IS NOT NULL;
CREATE INDEX wallet_appeal_attachments_user_idx ON wallet_appeal_attachments (user_id, created_at);
