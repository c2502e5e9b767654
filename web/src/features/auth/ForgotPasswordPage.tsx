import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { Alert, App as AntApp, Button, Form, Input, Typography } from 'antd';
import { LockOutlined, UserOutlined } from '@ant-design/icons';
import { api, call } from '../../api/client.ts';
import { useI18n } from '../../app/i18n.tsx';
import { CodeButton } from './CodeButton.tsx';
import { channelOf, passwordOk } from './validation.ts';

interface Fields {
  identifier: string;
  code: string;
  newPassword: string;
  confirm: string;
}

/** Password recovery by a code sent to the account's phone or e-mail (S5.1d). */
export function ForgotPasswordPage() {
  const { t, errorText } = useI18n();
  const { message } = AntApp.useApp();
  const navigate = useNavigate();
  const [form] = Form.useForm<Fields>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const submit = async (f: Fields) => {
    setBusy(true);
    setError(undefined);
    try {
      await call(
        api.POST('/api/v1/auth/password/reset', {
          body: { identifier: f.identifier.trim(), code: f.code.trim(), newPassword: f.newPassword },
        }),
      );
      message.success(t('auth.resetDone'));
      navigate('/login');
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <h1>{t('auth.resetTitle')}</h1>
      <Typography.Paragraph type="secondary">{t('auth.resetHint')}</Typography.Paragraph>
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 16 }} />}
      <Form form={form} layout="vertical" onFinish={submit} requiredMark={false} size="large">
        <Form.Item
          name="identifier"
          label={t('auth.identifier')}
          rules={[
            { required: true, message: t('common.required') },
            {
              validator: async (_r, v: string) => (!v || channelOf(v) ? undefined : Promise.reject(new Error(t('auth.identifierInvalid')))),
            },
          ]}
        >
          <Input prefix={<UserOutlined />} autoComplete="username" data-testid="identifier" />
        </Form.Item>
        <Form.Item label={t('auth.code')} required>
          <div style={{ display: 'flex', gap: 8 }}>
            <Form.Item name="code" noStyle rules={[{ required: true, message: t('common.required') }]}>
              <Input inputMode="numeric" maxLength={6} autoComplete="one-time-code" data-testid="code" />
            </Form.Item>
            <CodeButton
              purpose="reset"
              target={async () => {
                const { identifier } = await form.validateFields(['identifier']);
                const channel = channelOf(identifier);
                return channel ? { channel, destination: identifier.trim() } : undefined;
              }}
            />
          </div>
        </Form.Item>
        <Form.Item
          name="newPassword"
          label={t('auth.newPassword')}
          extra={t('auth.passwordRule')}
          rules={[
            { required: true, message: t('common.required') },
            { validator: async (_r, v: string) => (!v || passwordOk(v) ? undefined : Promise.reject(new Error(t('auth.passwordRule')))) },
          ]}
        >
          <Input.Password prefix={<LockOutlined />} autoComplete="new-password" data-testid="new-password" />
        </Form.Item>
        <Form.Item
          name="confirm"
          label={t('auth.passwordConfirm')}
          dependencies={['newPassword']}
          rules={[
            { required: true, message: t('common.required') },
            ({ getFieldValue }) => ({
              validator: async (_r, v: string) =>
                !v || v === getFieldValue('newPassword') ? undefined : Promise.reject(new Error(t('auth.passwordMismatch'))),
            }),
          ]}
        >
          <Input.Password prefix={<LockOutlined />} autoComplete="new-password" data-testid="confirm" />
        </Form.Item>
        <Button type="primary" htmlType="submit" block loading={busy} data-testid="reset-submit">
          {t('common.submit')}
        </Button>
      </Form>
      <div style={{ marginTop: 16, textAlign: 'center' }}>
        <Link to="/login">{t('auth.backToLogin')}</Link>
      </div>
    </>
  );
}
