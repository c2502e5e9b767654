-- Training: staff revoke a certificate (e.g. cheating found later); the row stays, with when and why (L2).
ALTER TABLE training_certificates ADD COLUMN revoked_at timestamptz;
ALTER TABLE training_certificates ADD COLUMN revoke_reason text;
