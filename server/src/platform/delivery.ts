import nodemailer, { type Transporter } from 'nodemailer';
import type { Db } from './db.ts';
import { newId } from './ids.ts';
import type { Clock } from './clock.ts';

/** A message to a person outside the app: a text message or an e-mail. */
export interface OutboundMessage {
  channel: 'sms' | 'email';
  to: string;
  subject?: string;
  text: string;
}

/**
 * Sends SMS and e-mail. E-mail goes over SMTP when SMTP_URL is set (nodemailer); SMS goes to the
 * provider's HTTP API when SMS_PROVIDER_URL is set. Otherwise — on a laptop or in tests — messages land
 * in the dev outbox table, readable at /api/v1/dev/outbox (a route that does not exist in production).
 */
export interface Delivery {
  send(msg: OutboundMessage): Promise<void>;
}

export class DevOutbox implements Delivery {
  #db: Db;
  #clock: Clock;
  constructor(db: Db, clock: Clock) {
    this.#db = db;
    this.#clock = clock;
  }
  async send(msg: OutboundMessage) {
    await this.#db
      .insertInto('dev_outbox')
      .values({
        id: newId(),
        channel: msg.channel,
        recipient: msg.to,
        subject: msg.subject ?? null,
        body: msg.text,
        created_at: this.#clock.now(),
      })
      .execute();
  }
}

/** SMTP e-mail through nodemailer; SMS delegated to `sms` (provider adapter or dev outbox). */
export class RoutedDelivery implements Delivery {
  #mail: Transporter | undefined;
  #from: string;
  #fallback: Delivery;
  #smsUrl: string | undefined;
  constructor(opts: { smtpUrl?: string | undefined; from: string; smsProviderUrl?: string | undefined; fallback: Delivery }) {
    this.#mail = opts.smtpUrl ? nodemailer.createTransport(opts.smtpUrl) : undefined;
    this.#from = opts.from;
    this.#fallback = opts.fallback;
    this.#smsUrl = opts.smsProviderUrl;
  }
  async send(msg: OutboundMessage) {
    if (msg.channel === 'email' && this.#mail) {
      await this.#mail.sendMail({ from: this.#from, to: msg.to, subject: msg.subject ?? 'Dingban 顶班', text: msg.text });
      return;
    }
    if (msg.channel === 'sms' && this.#smsUrl) {
      // Generic SMS gateway protocol: JSON POST {phone, content}; any 2xx is accepted.
      const res = await fetch(this.#smsUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify({ phone: msg.to, content: msg.text }),
        signal: AbortSignal.timeout(10_000),
      });
      if (!res.ok) throw new Error(`SMS provider answered ${res.status}`);
      return;
    }
    await this.#fallback.send(msg);
  }
}
