import type { ColumnType, Generated } from 'kysely';

/** Tables of the platform machinery (outbox, idempotency). Class L2 (internal). */
export interface PlatformTables extends DevOutboxTable {
  outbox_events: {
    id: string;
    seq: Generated<number>;
    type: string;
    payload: unknown;
    created_at: ColumnType<Date, Date | undefined, never>;
  };
  outbox_handled: {
    event_id: string;
    handler: string;
    handled_at: ColumnType<Date, Date | undefined, never>;
  };
  idempotency_keys: {
    scope: string;
    key: string;
    request_hash: string;
    status_code: number;
    response: unknown;
    created_at: ColumnType<Date, Date | undefined, never>;
  };
}

/** Where SMS and e-mail land without providers (development and tests only). */
export interface DevOutboxTable {
  dev_outbox: {
    id: string;
    channel: 'sms' | 'email';
    recipient: string;
    subject: string | null;
    body: string;
    created_at: Date;
  };
}
