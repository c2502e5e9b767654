import { useEffect, useState, type ReactNode } from 'react';
import { Link, NavLink, Outlet, useLocation, useNavigate } from 'react-router';
import { Badge, Button, Dropdown, Layout, Menu, Tooltip } from 'antd';
import { BellOutlined, LogoutOutlined, UserOutlined } from '@ant-design/icons';
import { Brand, LanguageSwitch } from './Brand.tsx';
import { useI18n } from './i18n.tsx';
import { useLive } from './live.tsx';
import { navFor } from './nav.tsx';
import { useSession, type Me } from './session.tsx';

/** The bell with the live unread count; its test id lets the journeys watch it update. */
export function UnreadBell({ dark = false }: { dark?: boolean }) {
  const { t } = useI18n();
  const { counts, connected } = useLive();
  const total = counts?.total ?? 0;
  return (
    <Tooltip title={connected ? t('msg.live') : t('app.offline')}>
      <Link to="/messages" aria-label={t('nav.messages')} className="bell" data-testid="unread-bell">
        <Badge count={total} size="small" overflowCount={99}>
          <BellOutlined style={{ fontSize: 20, color: dark ? '#fff' : '#0f1f4b' }} />
        </Badge>
        <span className="sr-only" data-testid="unread-total">
          {total}
        </span>
      </Link>
    </Tooltip>
  );
}

/** Whether the device is online; the installed app keeps working from its cache, so say so when it is not. */
function useOnline(): boolean {
  const [online, setOnline] = useState(() => navigator.onLine);
  useEffect(() => {
    const on = () => setOnline(true);
    const off = () => setOnline(false);
    window.addEventListener('online', on);
    window.addEventListener('offline', off);
    return () => {
      window.removeEventListener('online', on);
      window.removeEventListener('offline', off);
    };
  }, []);
  return online;
}

function OfflineBanner() {
  const { t } = useI18n();
  return useOnline() ? null : (
    <div className="offline-banner" role="status">
      {t('app.offline')}
    </div>
  );
}

/** Phone-first shell for couriers and store owners: a slim header and a bottom tab bar. */
export function MobileLayout({ me }: { me: Me }) {
  const { t } = useI18n();
  const { counts } = useLive();
  const items = navFor(me);
  return (
    <div className="mobile-shell">
      <header className="mobile-header">
        <Brand compact={false} />
        <div className="header-actions">
          <LanguageSwitch />
          <UnreadBell />
        </div>
      </header>
      <OfflineBanner />
      <main className="mobile-main">
        <Outlet />
      </main>
      <nav className="tabbar" aria-label="main">
        {items.map((it) => (
          <NavLink key={it.path} to={it.path} end={it.path === '/'} className={({ isActive }) => (isActive ? 'tab active' : 'tab')}>
            <span className="tab-icon">
              {it.badge ? (
                <Badge count={counts?.total ?? 0} size="small">
                  {it.icon}
                </Badge>
              ) : (
                it.icon
              )}
            </span>
            <span>{t(it.label)}</span>
          </NavLink>
        ))}
      </nav>
    </div>
  );
}

/** Desktop console for platform staff: a side menu of what their roles allow. */
export function ConsoleLayout({ me }: { me: Me }) {
  const { t } = useI18n();
  const { logout } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const items = navFor(me);
  const selected = items
    .map((i) => i.path)
    .filter((p) => (p === '/' ? location.pathname === '/' : location.pathname.startsWith(p)))
    .sort((a, b) => b.length - a.length)[0];
  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Sider breakpoint="lg" collapsedWidth={64} width={224}>
        <div style={{ padding: '16px 16px 8px' }}>
          <Brand dark compact={false} />
        </div>
        <Menu
          theme="dark"
          mode="inline"
          style={{ background: 'transparent' }}
          selectedKeys={selected ? [selected] : []}
          items={items.map((it) => ({ key: it.path, icon: it.icon, label: t(it.label), onClick: () => navigate(it.path) }))}
        />
        <div style={{ padding: 16 }}>
          <a href="/docs" target="_blank" rel="noreferrer" style={{ color: 'rgba(255,255,255,.65)' }}>
            {t('nav.apiDocs')} ↗
          </a>
        </div>
      </Layout.Sider>
      <Layout>
        <Layout.Header className="console-header">
          <strong>{t('app.console')}</strong>
          <div className="header-actions">
            <LanguageSwitch />
            <UnreadBell />
            <Dropdown
              menu={{
                items: [
                  { key: 'me', icon: <UserOutlined />, label: t('nav.me'), onClick: () => navigate('/me') },
                  {
                    key: 'logout',
                    icon: <LogoutOutlined />,
                    label: t('nav.logout'),
                    onClick: () => void logout().then(() => navigate('/login')),
                  },
                ],
              }}
            >
              <Button type="text" icon={<UserOutlined />}>
                {me.displayName}
              </Button>
            </Dropdown>
          </div>
        </Layout.Header>
        <OfflineBanner />
        <Layout.Content style={{ padding: 24 }}>
          <Outlet />
        </Layout.Content>
      </Layout>
    </Layout>
  );
}

/** Logged-out pages: a centered card on a branded background. */
export function AuthLayout({ children, wide = false }: { children?: ReactNode; wide?: boolean }) {
  const { t } = useI18n();
  return (
    <div className="auth-shell">
      <div className="auth-top">
        <Brand dark />
        <LanguageSwitch dark />
      </div>
      <div className={wide ? 'auth-card wide' : 'auth-card'}>{children ?? <Outlet />}</div>
      <div className="auth-foot">
        <Link to="/help">{t('help.title')}</Link>
        <span>·</span>
        <a href="/docs" target="_blank" rel="noreferrer">
          {t('nav.apiDocs')}
        </a>
      </div>
    </div>
  );
}

/** Page title row used by every page. */
export function PageHeader({ title, extra }: { title: ReactNode; extra?: ReactNode }) {
  return (
    <div className="page-header">
      <h1>{title}</h1>
      {extra && <div>{extra}</div>}
    </div>
  );
}
