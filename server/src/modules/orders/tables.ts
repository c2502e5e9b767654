import type { ColumnType, Generated } from 'kysely';

/** A status of the order lifecycle (see lifecycle.ts for the transition table). */
export type OrderStatus =
  | 'pending_payment'
  | 'published'
  | 'taken'
  | 'checked_in'
  | 'checked_out'
  | 'completed'
  | 'settled'
  | 'closed'
  | 'cancelled'
  | 'no_show'
  | 'disputed'
  | 'held_for_review';

/** Status of a complaint ticket (S5.7d). */
export type ComplaintStatus = 'open' | 'in_progress' | 'resolved' | 'rejected';

/** Tables owned by the orders module. Data class of each column in its comment. */
export interface OrdersTables {
  order_types: {
    code: string; // L1
    name_zh: string; // L1
    name_en: string; // L1
    active: ColumnType<boolean, boolean | undefined, boolean>; // L1
    sort: ColumnType<number, number | undefined, number>; // L1
  };
  order_rules: {
    id: ColumnType<number, number | undefined, never>; // L1
    min_hourly_pay_fen: number; // L1
    min_shift_minutes: number; // L1
    max_shift_minutes: number; // L1
    pay_window_minutes: number; // L1
    cancel_cutoff_minutes: number; // L1
    compensation_before_cutoff_pct: number; // L1
    compensation_after_cutoff_pct: number; // L1
    release_grace_minutes: number; // L1
    confirm_reminder_minutes: number; // L1
    confirm_deadline_minutes: number; // L1
    checkin_open_minutes: number; // L1
    no_show_after_minutes: number; // L1
    geofence_m: number; // L1
    confirm_hours_window_minutes: number; // L1
    weekly_hours_cap: number; // L1
    platform_fee_pct: number; // L1
    review_window_days: number; // L1
    no_show_decision_days: number; // L1
    updated_at: ColumnType<Date, Date | undefined, Date>; // L2
  };
  orders: {
    id: string; // L1
    order_no: string; // L1
    owner_id: string; // L2
    store_id: string; // L1
    type_code: string; // L1
    status: OrderStatus; // L1
    store_name: string; // L1
    region_code: string; // L1
    city_code: string; // L1
    province_code: string; // L1
    address: string; // L1
    lat: number; // L1
    lng: number; // L1
    starts_at: Date; // L1
    ends_at: Date; // L1
    pay_fen: number; // L1
    headcount: ColumnType<number, number | undefined, number>; // L1
    description: string | null; // L1
    min_cert_level: 'bronze' | 'silver' | 'gold' | null; // L1
    brands: string[]; // L1
    search_text: string; // L1
    search_grams: string[]; // L1
    checkin_code: string; // L2 (owner only)
    pay_before: Date; // L1
    paid_at: Date | null; // L2
    published_at: Date | null; // L1
    courier_id: string | null; // L2
    taken_at: Date | null; // L2
    courier_confirmed_at: Date | null; // L2
    confirm_reminded_at: Date | null; // L2
    checked_in_at: Date | null; // L2
    checked_out_at: Date | null; // L2
    confirm_hours_before: Date | null; // L2
    completed_at: Date | null; // L2
    settled_at: Date | null; // L2
    closed_at: Date | null; // L2
    cancelled_at: Date | null; // L2
    courier_comp_fen: number | null; // L2
    version: ColumnType<number, number | undefined, number>; // L2
    created_at: Date; // L2
    updated_at: Date; // L2
  };
  order_events: {
    id: string; // L2
    order_id: string; // L2
    seq: Generated<number>; // L2
    action: string; // L2
    from_status: string | null; // L2
    to_status: string; // L2
    actor_id: string | null; // L2
    actor_role: 'owner' | 'courier' | 'system' | 'staff'; // L2
    note: string | null; // L2
    data: unknown; // L2
    at: Date; // L2
  };
  order_calendar_feeds: {
    user_id: string; // L2
    token_hash: string; // L4 (hash of the feed secret)
    created_at: Date; // L2
  };
  order_reliability_events: {
    id: string; // L2
    subject_kind: 'courier' | 'store'; // L2
    subject_id: string; // L2
    order_id: string; // L2
    kind: string; // L2
    at: Date; // L2
    appeal_complaint_id: ColumnType<string | null, string | null | undefined, string | null>; // L2
    voided_at: ColumnType<Date | null, Date | null | undefined, Date | null>; // L2
  };
  order_reviews: {
    id: string; // L1
    order_id: string; // L1
    author_id: string; // L2
    author_role: 'owner' | 'courier'; // L1
    subject_kind: 'courier' | 'store'; // L1
    subject_id: string; // L1
    stars: number; // L1
    tags: string[]; // L1
    text: string | null; // L1
    created_at: Date; // L1
  };
  order_complaints: {
    id: string; // L1
    ticket_no: string; // L1
    order_id: string | null; // L2
    complainant_id: string | null; // L2
    complainant_role: 'owner' | 'courier' | 'other'; // L2
    channel: 'online' | 'email' | 'phone'; // L1
    status: ComplaintStatus; // L1
    category: string; // L1
    subject: string; // L2
    body: string; // L2
    contact_enc: string | null; // L3 (sealed, context 'order_complaints.contact')
    assignee_id: string | null; // L2
    respond_by: Date; // L2
    resolve_by: Date; // L2
    first_response_at: Date | null; // L2
    resolution: string | null; // L2
    resolved_at: Date | null; // L2
    version: ColumnType<number, number | undefined, number>; // L2
    created_at: Date; // L2
    updated_at: Date; // L2
  };
  order_complaint_messages: {
    id: string; // L2
    complaint_id: string; // L2
    seq: Generated<number>; // L2
    author_id: string | null; // L2
    author_role: 'complainant' | 'staff' | 'system'; // L2
    body: string; // L2
    internal: ColumnType<boolean, boolean | undefined, boolean>; // L2
    created_at: Date; // L2
  };
  order_change_requests: {
    id: string; // L2
    order_id: string; // L2
    courier_id: string; // L2
    starts_at: Date; // L1
    ends_at: Date; // L1
    pay_fen: ColumnType<number | null, number | null | undefined, number | null>; // L1 (proposed pay; null keeps it)
    note: string | null; // L1
    status: 'pending' | 'accepted' | 'declined' | 'withdrawn' | 'lapsed'; // L1
    created_at: Date; // L2
    decided_at: Date | null; // L2
  };
}
