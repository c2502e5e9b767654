import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { ConfigProvider, App as AntApp, theme } from 'antd';
import zhCN from 'antd/locale/zh_CN';
import enUS from 'antd/locale/en_US';
import { dictionary, type MessageKey } from './dictionary.ts';
import { currentLocale, onLocaleChange, setLocale, type Locale } from './locale-store.ts';
import { ApiError } from '../api/client.ts';

export type { Locale };
export type T = (key: MessageKey, params?: Record<string, string | number>) => string;

interface I18n {
  locale: Locale;
  t: T;
  setLocale: (l: Locale) => void;
  /** A date-time in China's time zone, as users there read it. */
  formatTime: (iso: string | null | undefined) => string;
  /** A staff role's name; unknown roles show as they are. */
  roleName: (role: string) => string;
  /** The text to show for a failed call: the server's own localized message when there is one. */
  errorText: (err: unknown) => string;
}

const Ctx = createContext<I18n | null>(null);

function fill(text: string, params?: Record<string, string | number>): string {
  return params ? text.replace(/\{(\w+)\}/g, (m, k: string) => (k in params ? String(params[k]) : m)) : text;
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [locale, setLoc] = useState<Locale>(currentLocale());
  useEffect(() => onLocaleChange(setLoc), []);
  useEffect(() => {
    document.documentElement.lang = locale;
  }, [locale]);

  const value = useMemo<I18n>(() => {
    const i = locale === 'en-US' ? 1 : 0;
    const t: T = (key, params) => fill(dictionary[key][i], params);
    const fmt = new Intl.DateTimeFormat(locale, {
      timeZone: 'Asia/Shanghai',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hour12: false,
    });
    return {
      locale,
      t,
      setLocale,
      roleName: (role) => (`role.${role}` in dictionary ? t(`role.${role}` as MessageKey) : role),
      formatTime: (iso) => (iso ? fmt.format(new Date(iso)) : '—'),
      errorText: (err) => {
        if (err instanceof ApiError) return err.code === 'NETWORK' ? t('common.networkError') : err.message;
        return err instanceof Error ? err.message : String(err);
      },
    };
  }, [locale]);

  return (
    <Ctx.Provider value={value}>
      <ConfigProvider
        locale={locale === 'en-US' ? enUS : zhCN}
        theme={{
          algorithm: theme.defaultAlgorithm,
          token: { colorPrimary: '#1d4ed8', borderRadius: 10, fontSize: 15 },
          components: { Layout: { headerBg: '#ffffff', bodyBg: '#f5f7fb', siderBg: '#0f1f4b' } },
        }}
      >
        <AntApp>{children}</AntApp>
      </ConfigProvider>
    </Ctx.Provider>
  );
}

export function useI18n(): I18n {
  const v = useContext(Ctx);
  if (!v) throw new Error('useI18n outside I18nProvider');
  return v;
}
