import { Link } from 'react-router';
import { useI18n } from './i18n.tsx';

/** The logo and name, as in the PWA icon. */
export function Brand({ dark = false, compact = false }: { dark?: boolean; compact?: boolean }) {
  const { t } = useI18n();
  return (
    <Link to="/" className="brand" style={{ color: dark ? '#fff' : '#0f1f4b' }}>
      <img src="/favicon.svg" alt="" width={32} height={32} />
      {!compact && (
        <span className="brand-text">
          <strong>{t('app.name')}</strong>
          <small style={{ color: dark ? 'rgba(255,255,255,.7)' : '#64748b' }}>{t('app.tagline')}</small>
        </span>
      )}
    </Link>
  );
}

export function LanguageSwitch({ dark = false }: { dark?: boolean }) {
  const { t, locale, setLocale } = useI18n();
  return (
    <button
      type="button"
      className="lang-switch"
      data-testid="lang-switch"
      title={t('app.languageTitle')}
      style={{ color: dark ? '#fff' : undefined }}
      onClick={() => {
        sessionStorage.setItem('dingban.localeChosen', '1');
        setLocale(locale === 'zh-CN' ? 'en-US' : 'zh-CN');
      }}
    >
      {t('app.language')}
    </button>
  );
}
