import { useEffect, useState, type ReactNode } from 'react';
import { Link } from 'react-router';
import { Alert, App as AntApp, Button, Card, Descriptions, Empty, Progress, QRCode, Spin, Steps, Tag } from 'antd';
import { LockOutlined } from '@ant-design/icons';
import { api, call, type ResponseOf } from '../../api/client.ts';
import { useI18n } from '../../app/i18n.tsx';
import { PageHeader } from '../../app/layouts.tsx';
import type { MessageKey } from '../../app/dictionary.ts';

type Path = ResponseOf<'/api/v1/training/path', 'get'>;
export type Certificate = ResponseOf<'/api/v1/training/certificates', 'get'>['items'][number];

export const LEVEL_COLOR = { gold: 'gold', silver: 'default', bronze: 'orange' } as const;

/** Training path (S5.4b): stages with progress and why a stage is locked; my certificates (S5.4a) with QR codes. */
export function TrainingPage() {
  const { t, locale, errorText, formatTime } = useI18n();
  const { message } = AntApp.useApp();
  const [path, setPath] = useState<Path | null>(null);
  const [certs, setCerts] = useState<Certificate[] | null>(null);

  useEffect(() => {
    call(api.GET('/api/v1/training/path')).then(setPath, (err) => message.error(errorText(err)));
    call(api.GET('/api/v1/training/certificates')).then(
      (r) => setCerts(r.items),
      (err) => message.error(errorText(err)),
    );
  }, [message, errorText]);

  if (!path || !certs) return <Spin />;
  const lang = locale === 'en-US' ? 'en' : 'zh';
  return (
    <>
      <PageHeader title={t('training.title')} />
      {path.standing.restricted && (
        <Alert
          type="error"
          showIcon
          style={{ marginBottom: 12 }}
          data-testid="training-restricted"
          title={t('training.restricted', { score: path.standing.countedScore, min: path.standing.minScore })}
          description={
            path.standing.restoreAvailableAt
              ? t('training.restrictedCooldown', { date: formatTime(path.standing.restoreAvailableAt) })
              : t('training.restrictedHint')
          }
          action={
            path.refresher && (
              <Link to={`/training/courses/${path.refresher.course.id}`}>
                <Button type="primary" danger data-testid="training-to-refresher">
                  {t('training.toRefresher')}
                </Button>
              </Link>
            )
          }
        />
      )}
      {path.mayTakeOrders ? (
        <Alert type="success" showIcon title={t('training.certified')} style={{ marginBottom: 12 }} data-testid="training-certified" />
      ) : path.standing.restricted ? null : (
        <Alert
          type="warning"
          showIcon
          title={t('training.notCertified')}
          style={{ marginBottom: 12 }}
          data-testid="training-not-certified"
        />
      )}
      <Card
        title={t('training.path')}
        style={{ marginBottom: 12 }}
        extra={t('training.progress', { orders: path.completedOrders, days: path.daysOnPlatform })}
      >
        <Steps
          orientation="vertical"
          current={path.stages.findIndex((s) => !s.passed)}
          items={path.stages.map((s) => {
            const locks: string[] = [];
            if (!s.unlocked) {
              const r = s.stage.requirements;
              if (path.completedOrders < r.completedOrders)
                locks.push(t('training.lockOrders', { need: r.completedOrders, have: path.completedOrders }));
              if (path.daysOnPlatform < r.daysOnPlatform)
                locks.push(t('training.lockDays', { need: r.daysOnPlatform, have: path.daysOnPlatform }));
            }
            let desc: ReactNode;
            if (s.passed)
              desc = (
                <>
                  <Tag color="success">{t('training.passed')}</Tag>
                  <LessonProgress p={s.progress} code={s.stage.code} />
                </>
              );
            else if (!s.unlocked)
              desc = (
                <div data-testid={`stage-locked-${s.stage.code}`}>
                  <LockOutlined /> {locks.join(t('training.and')) || t('training.locked')}
                </div>
              );
            else
              desc = (
                <>
                  <Link to={`/training/courses/${s.course.id}`} data-testid={`stage-open-${s.stage.code}`}>
                    {t('training.start')}
                  </Link>
                  <LessonProgress p={s.progress} code={s.stage.code} />
                </>
              );
            return {
              key: s.stage.code,
              status: s.passed ? 'finish' : s.unlocked ? 'process' : 'wait',
              title: (
                <Link to={`/training/courses/${s.course.id}`}>
                  {s.stage.name[lang]} · {s.course.title[lang]}
                </Link>
              ),
              content: desc,
            };
          })}
        />
      </Card>
      {path.refresher && (
        <Card
          title={t('training.refresher')}
          style={{ marginBottom: 12 }}
          data-testid="training-refresher"
          extra={path.refresher.certificate && <Tag color="success">{t('training.passed')}</Tag>}
        >
          <Link to={`/training/courses/${path.refresher.course.id}`}>{path.refresher.course.title[lang]}</Link>
          <div style={{ color: 'rgba(0,0,0,0.45)' }}>{t('training.refresherHint')}</div>
          <LessonProgress p={path.refresher.progress} code="refresher" />
        </Card>
      )}
      <Card title={t('training.certificates')}>
        {certs.length === 0 ? (
          <Empty description={t('training.noCertificates')} />
        ) : (
          certs.map((c) => <CertificateCard key={c.number} c={c} />)
        )}
      </Card>
    </>
  );
}

/** Lessons read of a course, as a bar and a count. */
function LessonProgress({ p, code }: { p: Path['stages'][number]['progress']; code: string }) {
  const { t } = useI18n();
  if (!p.totalLessons) return null;
  return (
    <div style={{ maxWidth: 280 }} data-testid={`progress-${code}`}>
      <Progress percent={p.percent} size="small" />
      <span style={{ fontSize: 12 }}>{t('training.lessonProgress', { done: p.completedLessons, total: p.totalLessons })}</span>
    </div>
  );
}

export function CertificateCard({ c }: { c: Certificate }) {
  const { t, locale, formatTime } = useI18n();
  return (
    <Card size="small" style={{ marginBottom: 8 }} data-testid="certificate">
      <div style={{ display: 'flex', gap: 12, flexWrap: 'wrap' }}>
        {/* The server's verifyUrl is the public page /certificates/<number>, which shows genuine and valid. */}
        <QRCode value={c.verifyUrl} size={120} bordered={false} />
        <Descriptions size="small" column={1} style={{ flex: 1, minWidth: 200 }}>
          <Descriptions.Item label={t('training.certNumber')}>
            <Link to={`/certificates/${encodeURIComponent(c.number)}`} data-testid="certificate-number">
              {c.number}
            </Link>
          </Descriptions.Item>
          <Descriptions.Item label={t('training.course')}>{c.course.title[locale === 'en-US' ? 'en' : 'zh']}</Descriptions.Item>
          <Descriptions.Item label={t('training.level')}>
            <Tag color={LEVEL_COLOR[c.level]}>{t(`training.level.${c.level}` as MessageKey)}</Tag>
            {t('training.scoreOf', { score: c.score })}
          </Descriptions.Item>
          <Descriptions.Item label={t('training.status')}>{t(`training.cert.${c.status}` as MessageKey)}</Descriptions.Item>
          <Descriptions.Item label={t('training.validity')}>
            {formatTime(c.issuedAt)} – {formatTime(c.expiresAt)}
          </Descriptions.Item>
        </Descriptions>
      </div>
    </Card>
  );
}
