/** Tables of the identity module (S5.2). Data classes per column: L1 public · L2 internal · L3 personal. */
export interface IdentityTables {
  identity_files: {
    id: string; // L2
    owner_id: string; // L2
    purpose: 'id_front' | 'id_back' | 'business_license'; // L2
    mime: 'image/jpeg' | 'image/png' | 'application/pdf'; // L2
    size_bytes: number; // L2
    sha256: string | null; // L2 (of the plaintext; detects re-uploads; null once purged)
    storage_key: string; // L2: server-generated name; the bytes it names are L3, encrypted
    created_at: Date; // L2
    purged_at: Date | null; // L2: the bytes were deleted when the retention period ended
  };
  identity_verifications: {
    id: string; // L2
    user_id: string; // L2
    kind: 'person' | 'enterprise'; // L2
    status: VerificationStatus; // L2
    person_name_enc: string | null; // L3 encrypted (null once purged)
    id_number_enc: string | null; // L3 encrypted (null once purged)
    id_number_idx: string | null; // L3 blind index (null once purged)
    id_front_file_id: string; // L2
    id_back_file_id: string; // L2
    id_valid_until: Date | null; // L2
    company_name_enc: string | null; // L3 encrypted
    credit_code_enc: string | null; // L3 encrypted
    credit_code_idx: string | null; // L3 blind index
    license_file_id: string | null; // L2
    license_valid_until: Date | null; // L2
    valid_until: Date | null; // L2
    provider_result: string; // L2
    reject_reason: string | null; // L2
    decided_by: 'auto' | 'staff' | null; // L2
    reviewer_id: string | null; // L2
    decided_at: Date | null; // L2
    expiry_warned_at: Date | null; // L2
    submitted_at: Date; // L2
    purged_at: Date | null; // L2: every L3 value erased when the retention period ended
  };
  identity_claims: {
    claim: string; // L3 blind index
    user_id: string; // L2
    claimed_at: Date; // L2
  };
  /** Cancelled users whose identity data is kept until cancelled_at + the retention period (S7.2a). */
  identity_retention: {
    user_id: string; // L2
    cancelled_at: Date; // L2
    purged_at: Date | null; // L2
  };
  identity_audit: {
    id: string; // L2
    verification_id: string | null; // L2
    file_id: string | null; // L2
    actor_id: string | null; // L2
    action: string; // L2
    reason: string | null; // L2
    ip: string | null; // L3 (network identifier)
    at: Date; // L2 (rows are never updated: trigger)
  };
}

export type VerificationStatus = 'pending' | 'approved' | 'rejected' | 'withdrawn' | 'superseded' | 'expired';
