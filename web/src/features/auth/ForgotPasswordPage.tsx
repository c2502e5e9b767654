import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { Alert, App as AntApp, Button, Form, Input, Typography } from 'antd';
import { UserOutlined } from '@ant-design/icons';
import { api, call } from '../../api/client.ts';
import { useI18n } from '../../app/i18n.tsx';
import { CodeField, NewPasswordFields, identifierTarget } from './fields.tsx';
import { channelOf } from './validation.ts';

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
        <CodeField purpose="reset" target={identifierTarget(form, 'identifier')} />
        <NewPasswordFields name="newPassword" label={t('auth.newPassword')} icons testId="new-password" />
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
