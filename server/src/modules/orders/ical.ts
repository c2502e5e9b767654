import type { OrderRow } from './repo.ts';

/** Escapes a TEXT value (RFC 5545 §3.3.11). */
const esc = (s: string) =>
  s
    .replace(/\\/g, '\\\\')
    .replace(/\n/g, '\\n')
    .replace(/([,;])/g, '\\$1');

/** UTC date-time form 20261123T010000Z. */
const stamp = (d: Date) =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

/** Folds a content line at 75 octets without splitting a UTF-8 character (RFC 5545 §3.1). */
function fold(line: string): string {
  const out: string[] = [];
  let cur = '';
  let bytes = 0;
  for (const ch of line) {
    const n = Buffer.byteLength(ch);
    if (bytes + n > (out.length ? 74 : 75)) {
      out.push(cur);
      cur = '';
      bytes = 0;
    }
    cur += ch;
    bytes += n;
  }
  out.push(cur);
  return out.join('\r\n ');
}

/** A courier's shifts as an iCalendar feed phone calendars can subscribe to (S5.6c). */
export function renderCalendar(orders: OrderRow[], now: Date, publicUrl: string): string {
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Dingban//Shifts//ZH',
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    'X-WR-CALNAME:顶班日程',
    'X-WR-TIMEZONE:Asia/Shanghai',
  ];
  for (const o of orders) {
    const cancelled = ['cancelled', 'closed', 'no_show'].includes(o.status);
    lines.push(
      'BEGIN:VEVENT',
      `UID:${o.id}@dingban`,
      `DTSTAMP:${stamp(now)}`,
      `LAST-MODIFIED:${stamp(o.updated_at)}`,
      `SEQUENCE:${o.version}`,
      `DTSTART:${stamp(o.starts_at)}`,
      `DTEND:${stamp(o.ends_at)}`,
      `SUMMARY:${esc(`顶班 · ${o.store_name}`)}`,
      `LOCATION:${esc(o.address)}`,
      `GEO:${o.lat.toFixed(6)};${o.lng.toFixed(6)}`,
      `DESCRIPTION:${esc(`订单 ${o.order_no}，报酬 ¥${(o.pay_fen / 100).toFixed(2)}${o.description ? `\n${o.description}` : ''}`)}`,
      `URL:${publicUrl}/orders/${o.id}`,
      `STATUS:${cancelled ? 'CANCELLED' : 'CONFIRMED'}`,
      'END:VEVENT',
    );
  }
  lines.push('END:VCALENDAR');
  return lines.map(fold).join('\r\n') + '\r\n';
}
