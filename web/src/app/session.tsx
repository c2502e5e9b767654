import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, call, ApiError, UNAUTHENTICATED_EVENT, type ResponseOf } from '../api/client.ts';
import { currentLocale, setLocale } from './locale-store.ts';

/** The logged-in user as GET /api/v1/me describes them. */
export type Me = ResponseOf<'/api/v1/me', 'get'>;

interface Session {
  /** undefined while loading, null when logged out. */
  me: Me | null | undefined;
  /** Why there is no session: the user logged out (start fresh) or it ended under them (come back after login). */
  endedBy: 'logout' | 'server' | undefined;
  refresh: () => Promise<Me | null>;
  logout: () => Promise<void>;
  can: (permission: string) => boolean;
}

const Ctx = createContext<Session | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [endedBy, setEndedBy] = useState<'logout' | 'server'>();

  const refresh = useCallback(async () => {
    try {
      const m = await call(api.GET('/api/v1/me'));
      setMe(m);
      setEndedBy(undefined);
      // The saved preference wins over the device default, once, at login.
      if (m.locale && m.locale !== currentLocale() && !sessionStorage.getItem('dingban.localeChosen')) setLocale(m.locale);
      return m;
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        setMe(null);
        return null;
      }
      setMe((prev) => (prev === undefined ? null : prev));
      throw err;
    }
  }, []);

  useEffect(() => {
    refresh().catch(() => undefined);
    const onUnauth = () => {
      setEndedBy('server');
      setMe(null);
    };
    window.addEventListener(UNAUTHENTICATED_EVENT, onUnauth);
    return () => window.removeEventListener(UNAUTHENTICATED_EVENT, onUnauth);
  }, [refresh]);

  const logout = useCallback(async () => {
    await call(api.POST('/api/v1/auth/logout')).catch(() => undefined);
    setEndedBy('logout');
    setMe(null);
  }, []);

  const value = useMemo<Session>(
    () => ({
      me,
      endedBy,
      refresh,
      logout,
      can: (perm) => !!me && (me.permissions as readonly string[]).includes(perm),
    }),
    [me, endedBy, refresh, logout],
  );
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useSession(): Session {
  const v = useContext(Ctx);
  if (!v) throw new Error('useSession outside SessionProvider');
  return v;
}
