import { Link } from 'react-router';
import { Card, Col, Row, Statistic, Steps, Tag } from 'antd';
import { BellOutlined, CustomerServiceOutlined, SafetyCertificateOutlined } from '@ant-design/icons';
import { useI18n } from '../../app/i18n.tsx';
import { useLive } from '../../app/live.tsx';
import { useSession } from '../../app/session.tsx';
import type { MessageKey } from '../../app/dictionary.ts';

/** The landing page after login: who you are, what is unread, where to go next. */
export function HomePage() {
  const { t } = useI18n();
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
                  {r}
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
          <Link to="/me">
            <Card hoverable style={{ height: '100%' }}>
              <Card.Meta
                avatar={<SafetyCertificateOutlined style={{ fontSize: 24, color: '#1d4ed8' }} />}
                title={t('home.security')}
                description={t('home.securityHint')}
              />
            </Card>
          </Link>
        </Col>
        <Col xs={12} sm={staff ? 8 : 12}>
          <Link to="/help">
            <Card hoverable style={{ height: '100%' }}>
              <Card.Meta
                avatar={<CustomerServiceOutlined style={{ fontSize: 24, color: '#f59e0b' }} />}
                title={t('home.help')}
                description={t('home.helpHint')}
              />
            </Card>
          </Link>
        </Col>
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
