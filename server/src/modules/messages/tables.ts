import type { NotificationCategory } from './index.ts';

/** A channel a notification can be copied to outside the app. */
export type CopyChannel = 'sms' | 'email';

/**
 * The message center's tables. Data classes: L1 public · L2 internal · L3 personal · L4 secret.
 * No column holds L3 data: contacts are looked up from accounts when a copy is sent, never stored here.
 */
export interface MessagesTables {
  notifications: {
    id: string; // L2
    user_id: string; // L2
    seq: number; // L2: per-user SSE event id
    category: NotificationCategory; // L2
    title_zh: string; // L2
    title_en: string; // L2
    body_zh: string; // L2
    body_en: string; // L2
    link: string | null; // L2
    mandatory_copy: boolean; // L2
    source_event_id: string | null; // L2
    read_at: Date | null; // L2
    created_at: Date; // L2
  };
  notification_counters: {
    user_id: string; // L2
    last_seq: number; // L2
  };
  notification_preferences: {
    user_id: string; // L2
    category: NotificationCategory; // L2
    sms: boolean; // L2
    email: boolean; // L2
    updated_at: Date; // L2
  };
  notification_copies: {
    notification_id: string; // L2
    channel: CopyChannel; // L2
    sent_at: Date; // L2
  };
}
