import { Tag, Typography } from 'antd';
import { SafetyCertificateOutlined } from '@ant-design/icons';
import { useI18n } from '../../app/i18n.tsx';
import type { Me } from '../../app/session.tsx';

/**
 * Staff sign in with a second factor. Their authenticator is enrolled when an administrator creates the
 * account (the QR code is shown once, on the staff page); here the staff member sees that it is on.
 */
export function TotpEnrolment({ me: _me }: { me: Me }) {
  const { t } = useI18n();
  return (
    <Typography.Paragraph>
      <SafetyCertificateOutlined style={{ color: '#16a34a' }} /> <Tag color="green">{t('me.totpOn')}</Tag>
      {t('auth.totpHint')}
    </Typography.Paragraph>
  );
}
