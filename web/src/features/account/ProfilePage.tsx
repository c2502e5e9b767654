import { Link, useSearchParams } from 'react-router';
import { Card, Space, Tabs } from 'antd';
import { useI18n } from '../../app/i18n.tsx';
import { PageHeader } from '../../app/layouts.tsx';
import { useSession } from '../../app/session.tsx';
import { ProfileForm } from './ProfileForm.tsx';
import { PasswordForm } from './PasswordForm.tsx';
import { SessionsList } from './SessionsList.tsx';
import { TotpEnrolment } from './TotpEnrolment.tsx';
import { NotificationPrefs } from './NotificationPrefs.tsx';
import { ContactForm } from './ContactForm.tsx';
import { CancelAccount } from './CancelAccount.tsx';

/** Profile and security (S5.3a, S6.6 personal configuration): profile, password, devices, 2FA, notifications. */
export function ProfilePage() {
  const { t } = useI18n();
  const { me, logout } = useSession();
  const [params, setParams] = useSearchParams();
  const tab = params.get('tab') ?? 'profile';
  if (!me) return null;
  return (
    <>
      <PageHeader title={t('me.title')} />
      <Tabs
        activeKey={tab}
        onChange={(k) => setParams(k === 'profile' ? {} : { tab: k }, { replace: true })}
        items={[
          { key: 'profile', label: t('me.profile'), children: <ProfileForm me={me} /> },
          {
            key: 'security',
            label: <span data-testid="tab-security">{t('me.security')}</span>,
            children: (
              <Space orientation="vertical" size={16} style={{ width: '100%' }}>
                <Card title={t('me.sessions')}>
                  <SessionsList />
                </Card>
                <Card title={t('me.changePassword')}>
                  <PasswordForm />
                </Card>
                {me.kind === 'staff' && (
                  <Card title={t('me.totp')}>
                    <TotpEnrolment me={me} />
                  </Card>
                )}
                <Card title={t('me.contact')}>
                  <ContactForm />
                </Card>
                {me.kind !== 'staff' && (
                  <Card title={t('me.cancelAccount')}>
                    <CancelAccount />
                  </Card>
                )}
              </Space>
            ),
          },
          { key: 'notifications', label: t('msg.prefs'), children: <NotificationPrefs /> },
        ]}
      />
      {me.kind !== 'staff' && (
        // Onboarding (issue 5): real-name verification, and training for persons (enterprises never take orders).
        <Card style={{ marginTop: 16 }}>
          <Space size={24} wrap>
            <Link to="/me/verification" data-testid="me-verification-link">
              {t('identity.nav')}
            </Link>
            {me.kind === 'person' && (
              <Link to="/training" data-testid="me-training-link">
                {t('training.nav')}
              </Link>
            )}
          </Space>
        </Card>
      )}
      <Card style={{ marginTop: 16 }}>
        <a onClick={() => void logout()} data-testid="logout" role="button">
          {t('nav.logout')}
        </a>
      </Card>
    </>
  );
}
