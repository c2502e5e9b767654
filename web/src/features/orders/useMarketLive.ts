import { useEffect, useRef } from 'react';

/** One change of the marketplace (server: orders/market-live.ts). `status` = published: in it; else it left. */
export interface MarketChange {
  orderId: string;
  status: string;
  from: string;
  at: string;
}

/**
 * Follows the marketplace live (S5.7b): calls `onChange` for every order that enters, changes in or leaves the
 * marketplace, and `onResync` when the stream (re)opens after a drop, so the caller reloads what it may have
 * missed (the stream has no replay). Couriers are no party to orders they only look at, so the message center
 * does not tell them; this stream does. EventSource reconnects by itself; a refused stream (403) stays closed.
 */
export function useMarketLive(enabled: boolean, onChange: (c: MarketChange) => void, onResync?: () => void): void {
  const change = useRef(onChange);
  const resync = useRef(onResync);
  change.current = onChange;
  resync.current = onResync;
  useEffect(() => {
    if (!enabled) return;
    const es = new EventSource('/api/v1/orders/market/events', { withCredentials: true });
    let opened = false;
    es.addEventListener('ready', () => {
      if (opened) resync.current?.(); // a reconnect: changes in between were not sent
      opened = true;
    });
    es.addEventListener('market', (ev) => {
      try {
        change.current(JSON.parse((ev as MessageEvent<string>).data) as MarketChange);
      } catch {
        // a malformed frame: ignore it, the next change or reload corrects the view
      }
    });
    return () => es.close();
  }, [enabled]);
}
