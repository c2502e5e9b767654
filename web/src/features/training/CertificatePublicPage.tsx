import { useEffect, useState } from 'react';
import { useParams } from 'react-router';
import { Card, Descriptions, Result, Spin, Tag } from 'antd';
import { api, call, type ResponseOf } from '../../api/client.ts';
import { useI18n } from '../../app/i18n.tsx';
import type { MessageKey } from '../../app/dictionary.ts';
import { LEVEL_COLOR } from './TrainingPage.tsx';

type Verification = ResponseOf<'/api/v1/certificates/{number}/verify', 'get'>;

/** Public (no login): what a certificate's QR code opens — genuine or not, valid or not, level, masked holder. */
export function CertificatePublicPage() {
  const { number = '' } = useParams();
  const { t, locale, formatTime, errorText } = useI18n();
  const [v, setV] = useState<Verification | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    call(api.GET('/api/v1/certificates/{number}/verify', { params: { path: { number } } })).then(setV, (err) => setError(errorText(err)));
  }, [number, errorText]);

  if (error) return <Result status="warning" title={t('cert.notFound')} subTitle={error} data-testid="cert-public-error" />;
  if (!v) return <Spin />;
  return (
    <Card data-testid="cert-public">
      <Result
        status={v.valid ? 'success' : 'warning'}
        title={t(v.valid ? 'cert.valid' : 'cert.invalid')}
        subTitle={t('cert.genuine')}
        style={{ padding: 16 }}
      />
      <Descriptions size="small" column={1} bordered>
        <Descriptions.Item label={t('training.certNumber')}>{v.number}</Descriptions.Item>
        <Descriptions.Item label={t('cert.holder')}>{v.holder ?? '—'}</Descriptions.Item>
        <Descriptions.Item label={t('training.course')}>{v.course[locale === 'en-US' ? 'en' : 'zh']}</Descriptions.Item>
        <Descriptions.Item label={t('training.level')}>
          <Tag color={LEVEL_COLOR[v.level]}>{t(`training.level.${v.level}` as MessageKey)}</Tag>
        </Descriptions.Item>
        <Descriptions.Item label={t('training.status')}>{t(`training.cert.${v.status}` as MessageKey)}</Descriptions.Item>
        <Descriptions.Item label={t('training.validity')}>
          {formatTime(v.issuedAt)} – {formatTime(v.expiresAt)}
        </Descriptions.Item>
      </Descriptions>
    </Card>
  );
}
