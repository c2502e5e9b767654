import type { MessageKey } from '../../app/dictionary.ts';

/** Integer fen → "¥123.45". */
export const yuan = (fen: number | null | undefined): string => (fen == null ? '—' : `¥${(fen / 100).toFixed(2)}`);

/** "12.3 km" / "850 m". */
export const distance = (m: number | null | undefined): string => (m == null ? '—' : m >= 1000 ? `${(m / 1000).toFixed(1)} km` : `${m} m`);

export const STATUS_COLOR: Record<string, string> = {
  pending_payment: 'orange',
  published: 'blue',
  taken: 'cyan',
  checked_in: 'geekblue',
  checked_out: 'purple',
  completed: 'green',
  settled: 'green',
  closed: 'default',
  cancelled: 'default',
  no_show: 'red',
  disputed: 'volcano',
  held_for_review: 'gold',
};

export const statusKey = (s: string) => `orders.status.${s}` as MessageKey;

/** YYYY-MM-DD of a date in Asia/Shanghai. */
export const shanghaiDate = (d: Date): string => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(d);

/** The browser's position, or null when refused/unavailable (the caller then offers manual input). */
export function locate(): Promise<{ lat: number; lng: number } | null> {
  return new Promise((resolve) => {
    if (!navigator.geolocation) return resolve(null);
    navigator.geolocation.getCurrentPosition(
      (p) => resolve({ lat: Number(p.coords.latitude.toFixed(6)), lng: Number(p.coords.longitude.toFixed(6)) }),
      () => resolve(null),
      { timeout: 8000, maximumAge: 60_000 },
    );
  });
}

/** Employer labor-arbitration risk levels as tags. */
export const RISK_COLOR: Record<string, string> = { low: 'green', medium: 'orange', high: 'red', unknown: 'default' };
