import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router';
import { Button, Result, Spin } from 'antd';
import { I18nProvider, useI18n } from './i18n.tsx';
import { SessionProvider, useSession } from './session.tsx';
import { LiveProvider } from './live.tsx';
import { AuthLayout, ConsoleLayout, MobileLayout } from './layouts.tsx';
import { LoginPage } from '../features/auth/LoginPage.tsx';
import { RegisterPage } from '../features/auth/RegisterPage.tsx';
import { ForgotPasswordPage } from '../features/auth/ForgotPasswordPage.tsx';
import { HelpPage } from '../features/help/HelpPage.tsx';
import { HomePage } from '../features/home/HomePage.tsx';
import { MessagesPage } from '../features/messages/MessagesPage.tsx';
import { ProfilePage } from '../features/account/ProfilePage.tsx';
import { StaffUsersPage } from '../features/staff/StaffUsersPage.tsx';
import { AuditPage } from '../features/staff/AuditPage.tsx';
import { OrdersRoutes } from '../features/orders/routes.tsx';
import { OnboardingRoutes, PublicCertificateRoute } from '../features/training/routes.tsx';
import { MoneyRoutes } from '../features/wallet/routes.tsx';

/** The whole web app: language and theme, session, then the routes the current user may see. */
export function App() {
  return (
    <I18nProvider>
      <SessionProvider>
        <BrowserRouter>
          <AppRoutes />
        </BrowserRouter>
      </SessionProvider>
    </I18nProvider>
  );
}

function NotFound() {
  const { t } = useI18n();
  return <Result status="404" title="404" subTitle={t('app.notFound')} extra={<Button href="/">{t('app.backHome')}</Button>} />;
}

function AppRoutes() {
  const { me, endedBy } = useSession();
  const { t } = useI18n();
  const location = useLocation();

  if (me === undefined) {
    return (
      <div style={{ minHeight: '100vh', display: 'grid', placeItems: 'center' }}>
        <Spin size="large" description={t('app.loading')} />
      </div>
    );
  }

  if (me === null) {
    // After a deliberate logout the next login starts at home, not on the page the user left.
    const next = endedBy === 'logout' ? '/' : location.pathname + location.search;
    return (
      <Routes>
        <Route element={<AuthLayout />}>
          <Route path="/login" element={<LoginPage />} />
          <Route path="/register" element={<RegisterPage />} />
          <Route path="/forgot-password" element={<ForgotPasswordPage />} />
        </Route>
        <Route path="/help" element={<AuthLayout wide children={<HelpPage />} />} />
        {PublicCertificateRoute()}
        <Route path="*" element={<Navigate to={next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`} replace />} />
      </Routes>
    );
  }

  const Shell = me.kind === 'staff' ? ConsoleLayout : MobileLayout;
  const perms = new Set<string>(me.permissions);
  return (
    <LiveProvider>
      <Routes>
        <Route element={<Shell me={me} />}>
          <Route index element={<HomePage />} />
          <Route path="/messages" element={<MessagesPage />} />
          <Route path="/me" element={<ProfilePage />} />
          <Route path="/account/security" element={<Navigate to="/me?tab=security" replace />} />
          <Route path="/help" element={<HelpPage />} />
          {me.kind === 'staff' && perms.has('staff:manage') && <Route path="/staff/users" element={<StaffUsersPage />} />}
          {me.kind === 'staff' && perms.has('audit:read') && <Route path="/audit" element={<AuditPage />} />}
          {OnboardingRoutes(me)}
          {MoneyRoutes(me)}
          {OrdersRoutes(me)}
          <Route path="*" element={<NotFound />} />
        </Route>
        <Route path="/login" element={<RedirectAfterLogin />} />
        <Route path="/register" element={<Navigate to="/" replace />} />
        <Route path="/forgot-password" element={<Navigate to="/" replace />} />
      </Routes>
    </LiveProvider>
  );
}

function RedirectAfterLogin() {
  const next = new URLSearchParams(useLocation().search).get('next');
  // Only same-site paths: never an open redirect.
  return <Navigate to={next && next.startsWith('/') && !next.startsWith('//') ? next : '/'} replace />;
}
