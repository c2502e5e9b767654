import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { App as AntApp } from 'antd';
import { BellOutlined } from '@ant-design/icons';
import { api, call, type ResponseOf } from '../api/client.ts';
import { useI18n } from './i18n.tsx';

export type UnreadCounts = ResponseOf<'/api/v1/notifications/unread-counts', 'get'>;
export type Notification = NonNullable<ResponseOf<'/api/v1/notifications', 'get'>>['items'][number];

interface Live {
  counts: UnreadCounts | undefined;
  /** Whether the event stream is currently open. */
  connected: boolean;
  refreshCounts: () => Promise<void>;
  /** Called with every notification pushed live; returns an unsubscribe function. */
  subscribe: (fn: (n: Notification) => void) => () => void;
}

const Ctx = createContext<Live | null>(null);

/**
 * Keeps the unread counts of the logged-in user live: loads them once, then follows the server's
 * event stream (SSE at /api/v1/events, authenticated by the session cookie). EventSource retries
 * dropped connections itself; when the server refuses the stream outright we back off and reopen.
 */
export function LiveProvider({ children }: { children: ReactNode }) {
  const { t } = useI18n();
  const { notification } = AntApp.useApp();
  const [counts, setCounts] = useState<UnreadCounts>();
  const [connected, setConnected] = useState(false);
  const listeners = useRef(new Set<(n: Notification) => void>());
  const tRef = useRef(t);
  tRef.current = t;

  const refreshCounts = useCallback(async () => {
    setCounts(await call(api.GET('/api/v1/notifications/unread-counts')));
  }, []);

  useEffect(() => {
    let es: EventSource | undefined;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let delay = 1000;
    let stopped = false;
    const open = () => {
      es = new EventSource('/api/v1/events', { withCredentials: true });
      es.onopen = () => {
        delay = 1000;
        setConnected(true);
        refreshCounts().catch(() => undefined); // catch up on anything missed while disconnected
      };
      es.addEventListener('notification', (ev) => {
        const data = JSON.parse((ev as MessageEvent<string>).data) as { notification: Notification; unread?: UnreadCounts };
        if (data.unread) setCounts(data.unread);
        else refreshCounts().catch(() => undefined);
        for (const fn of listeners.current) fn(data.notification);
        notification.info({
          key: data.notification.id,
          title: tRef.current('msg.new', { title: data.notification.title }),
          icon: <BellOutlined />,
          placement: 'top',
        });
      });
      // Counts changed elsewhere (read on another device): just take the new numbers.
      es.addEventListener('unread', (ev) => setCounts(JSON.parse((ev as MessageEvent<string>).data) as UnreadCounts));
      es.onerror = () => {
        setConnected(false);
        if (es?.readyState === EventSource.CLOSED && !stopped) {
          es.close();
          // Refused outright: if the session is gone, this call's 401 returns the app to the login page.
          refreshCounts().catch(() => undefined);
          retry = setTimeout(open, delay);
          delay = Math.min(delay * 2, 30_000);
        }
      };
    };
    refreshCounts().catch(() => undefined);
    open();
    return () => {
      stopped = true;
      clearTimeout(retry);
      es?.close();
    };
  }, [refreshCounts, notification]);

  const value = useMemo<Live>(
    () => ({
      counts,
      connected,
      refreshCounts,
      subscribe: (fn) => {
        listeners.current.add(fn);
        return () => listeners.current.delete(fn);
      },
    }),
    [counts, connected, refreshCounts],
  );
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useLive(): Live {
  const v = useContext(Ctx);
  if (!v) throw new Error('useLive outside LiveProvider');
  return v;
}
