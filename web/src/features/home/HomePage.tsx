import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { Card, Col, Row, Statistic, Steps, Tag } from 'antd';
import { BellOutlined, BookOutlined, CustomerServiceOutlined, IdcardOutlined, SafetyCertificateOutlined } from '@ant-design/icons';
import { ProfileOutlined, ShopOutlined } from '@ant-design/icons';
import { WalletOutlined } from '@ant-design/icons';
import { useI18n } from '../../app/i18n.tsx';
import { useLive } from '../../app/live.tsx';
import { useSession } from '../../app/session.tsx';
import type { MessageKey } from '../../app/dictionary.ts';

/** The landing page after login: who you are, what is unread, where to go next. */
export function HomePage() {
  const { t, roleName } = useI18n();
  const { me } = useSession();
  const { counts } = useLive();
  if (!me) return null;
  const staff = me.kind === 'staff';
  return (
    <>
      <div className="hero" data-testid="home-hero">
        <h2>{t('home.hello', { name: me.displayName })}</h2>
        <p>
          {t(`home.${me.kind}` as MessageKey)}
          {staff && me.roles.length > 0 && (
            <span style={{ marginLeft: 8 }}>
              {me.roles.map((r) => (
                <Tag key={r} color="gold">
                  {roleName(r)}
                </Tag>
              ))}
            </span>
          )}
        </p>
      </div>
      <Row gutter={[12, 12]}>
        <Col xs={24} sm={staff ? 8 : 24}>
          <Link to="/messages">
            <Card hoverable>
              <Statistic title={t('home.unread')} value={counts?.total ?? 0} prefix={<BellOutlined />} />
            </Card>
          </Link>
        </Col>
        <Col xs={12} sm={staff ? 8 : 12}>
          <Shortcut
            to="/me"
            icon={<SafetyCertificateOutlined style={{ color: '#1d4ed8' }} />}
            title={t('home.security')}
            hint={t('home.securityHint')}
          />
        </Col>
        <Col xs={12} sm={staff ? 8 : 12}>
          <Shortcut
            to="/help"
            icon={<CustomerServiceOutlined style={{ color: '#f59e0b' }} />}
            title={t('home.help')}
            hint={t('home.helpHint')}
          />
        </Col>
        {/* onboarding: real-name verification and training (persons), verification (enterprises) */}
        {!staff && (
          <Col xs={12} sm={12}>
            <Shortcut
              to="/me/verification"
              icon={<IdcardOutlined style={{ color: '#059669' }} />}
              title={t('identity.nav')}
              hint={t('identity.navHint')}
            />
          </Col>
        )}
        {me.kind === 'person' && (
          <Col xs={12} sm={12}>
            <Shortcut
              to="/training"
              icon={<BookOutlined style={{ color: '#7c3aed' }} />}
              title={t('training.nav')}
              hint={t('training.navHint')}
            />
          </Col>
        )}
        {/* orders: stores (owners) and shift orders (couriers and owners) */}
        {me.permissions.includes('orders:take') && !staff && (
          <Col xs={12} sm={12}>
            <Shortcut
              to="/orders"
              icon={<ProfileOutlined style={{ color: '#2563eb' }} />}
              title={t('home.orders')}
              hint={t('home.ordersHint')}
            />
          </Col>
        )}
        {me.permissions.includes('orders:post') && !staff && (
          <Col xs={12} sm={12}>
            <Shortcut
              to="/stores"
              icon={<ShopOutlined style={{ color: '#dc2626' }} />}
              title={t('home.stores')}
              hint={t('home.storesHint')}
            />
          </Col>
        )}
        {/* wallet */}
        {me.permissions.includes('wallet:use') && !staff && (
          <Col xs={12} sm={12}>
            <Shortcut
              to="/wallet"
              icon={<WalletOutlined style={{ color: '#16a34a' }} />}
              title={t('home.wallet')}
              hint={t('home.walletHint')}
            />
          </Col>
        )}
      </Row>
      {!staff && (
        <Card title={t('home.stepsTitle')} style={{ marginTop: 12 }}>
          <Steps
            orientation="vertical"
            size="small"
            current={-1}
            items={[{ title: t('home.step1') }, { title: t('home.step2') }, { title: t('home.step3') }]}
          />
        </Card>
      )}
    </>
  );
}

function Shortcut({ to, icon, title, hint }: { to: string; icon: ReactNode; title: string; hint: string }) {
  return (
    <Link to={to}>
      <Card hoverable style={{ height: '100%' }} styles={{ body: { padding: 16 } }}>
        <div style={{ fontSize: 24, lineHeight: 1, marginBottom: 8 }}>{icon}</div>
        <div style={{ fontWeight: 600, fontSize: 16 }}>{title}</div>
        <div style={{ color: '#64748b', fontSize: 13, marginTop: 4 }}>{hint}</div>
      </Card>
    </Link>
  );
}
