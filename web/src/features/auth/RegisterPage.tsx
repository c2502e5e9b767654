import { useState } from 'react';
import { Link } from 'react-router';
import { Alert, App as AntApp, Button, Checkbox, Form, Input, Segmented, Tabs, Typography } from 'antd';
import { BankOutlined, LockOutlined, MailOutlined, MobileOutlined, UserOutlined } from '@ant-design/icons';
import { api, call } from '../../api/client.ts';
import { useI18n } from '../../app/i18n.tsx';
import { useSession } from '../../app/session.tsx';
import { CodeButton } from './CodeButton.tsx';
import { HelpTip } from '../../app/HelpTip.tsx';
import { CREDIT_CODE_RE, EMAIL_RE, PHONE_RE, passwordOk, type Channel } from './validation.ts';

type Kind = 'person' | 'enterprise';
interface Fields {
  destination: string;
  code: string;
  displayName: string;
  password: string;
  confirm: string;
  companyName?: string;
  creditCode?: string;
  agree: boolean;
}

/** Personal or enterprise registration, verified by an SMS or e-mail code (S5.1a, S5.1b). */
export function RegisterPage() {
  const { t, errorText } = useI18n();
  const { message } = AntApp.useApp();
  const { refresh } = useSession();
  const [form] = Form.useForm<Fields>();
  const [kind, setKind] = useState<Kind>('person');
  const [channel, setChannel] = useState<Channel>('sms');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const submit = async (f: Fields) => {
    setBusy(true);
    setError(undefined);
    try {
      await call(
        api.POST('/api/v1/auth/register', {
          body: {
            kind,
            channel,
            destination: f.destination.trim(),
            code: f.code.trim(),
            password: f.password,
            displayName: f.displayName.trim(),
            ...(kind === 'enterprise'
              ? { enterprise: { companyName: (f.companyName ?? '').trim(), creditCode: (f.creditCode ?? '').trim().toUpperCase() } }
              : {}),
          },
        }),
      );
      message.success(t('auth.registered'));
      // Registration signs the user in (the server sets the session cookie); if not, go to login.
      await refresh().catch(() => null);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <h1>{t('auth.register')}</h1>
      <Tabs
        activeKey={kind}
        onChange={(k) => setKind(k as Kind)}
        items={[
          { key: 'person', label: <span data-testid="kind-person">{t('auth.kindPerson')}</span> },
          { key: 'enterprise', label: <span data-testid="kind-enterprise">{t('auth.kindEnterprise')}</span> },
        ]}
      />
      <Typography.Paragraph type="secondary" style={{ marginTop: -8 }}>
        {kind === 'person' ? t('auth.kindPersonHint') : t('auth.kindEnterpriseHint')}
      </Typography.Paragraph>
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 16 }} data-testid="register-error" />}
      <Form form={form} layout="vertical" onFinish={submit} requiredMark={false} size="large">
        <Form.Item>
          <Segmented<Channel>
            block
            value={channel}
            onChange={(c) => {
              setChannel(c);
              form.setFieldValue('destination', '');
            }}
            options={[
              { value: 'sms', label: t('auth.channelSms'), icon: <MobileOutlined /> },
              { value: 'email', label: t('auth.channelEmail'), icon: <MailOutlined /> },
            ]}
          />
        </Form.Item>
        <Form.Item
          name="destination"
          label={channel === 'sms' ? t('auth.phone') : t('auth.email')}
          rules={[
            { required: true, message: t('common.required') },
            channel === 'sms'
              ? { pattern: PHONE_RE, message: t('auth.phoneInvalid') }
              : { pattern: EMAIL_RE, message: t('auth.emailInvalid') },
          ]}
        >
          <Input
            prefix={channel === 'sms' ? <MobileOutlined /> : <MailOutlined />}
            inputMode={channel === 'sms' ? 'tel' : 'email'}
            autoComplete={channel === 'sms' ? 'tel' : 'email'}
            data-testid="destination"
          />
        </Form.Item>
        <Form.Item
          label={
            <>
              {t('auth.code')}
              <HelpTip text={t('auth.codeHelp')} />
            </>
          }
          required
        >
          <div style={{ display: 'flex', gap: 8 }}>
            <Form.Item name="code" noStyle rules={[{ required: true, message: t('common.required') }]}>
              <Input inputMode="numeric" maxLength={6} autoComplete="one-time-code" data-testid="code" />
            </Form.Item>
            <CodeButton
              purpose="register"
              target={async () => {
                const { destination } = await form.validateFields(['destination']);
                return { channel, destination };
              }}
            />
          </div>
        </Form.Item>
        {kind === 'enterprise' && (
          <>
            <Form.Item
              name="companyName"
              label={t('auth.companyName')}
              rules={[{ required: true, message: t('common.required') }, { max: 100 }]}
            >
              <Input prefix={<BankOutlined />} data-testid="company-name" />
            </Form.Item>
            <Form.Item
              name="creditCode"
              label={
                <>
                  {t('auth.creditCode')}
                  <HelpTip text={t('auth.creditCodeHelp')} />
                </>
              }
              normalize={(v: string) => v?.toUpperCase()}
              rules={[
                { required: true, message: t('common.required') },
                { pattern: CREDIT_CODE_RE, message: t('auth.creditCodeInvalid') },
              ]}
            >
              <Input maxLength={18} data-testid="credit-code" />
            </Form.Item>
          </>
        )}
        <Form.Item
          name="displayName"
          label={t('auth.displayName')}
          rules={[{ required: true, message: t('common.required') }, { max: 40 }]}
        >
          <Input prefix={<UserOutlined />} autoComplete="nickname" data-testid="display-name" />
        </Form.Item>
        <Form.Item
          name="password"
          label={t('auth.password')}
          extra={t('auth.passwordRule')}
          rules={[
            { required: true, message: t('common.required') },
            { validator: async (_r, v: string) => (!v || passwordOk(v) ? undefined : Promise.reject(new Error(t('auth.passwordRule')))) },
          ]}
        >
          <Input.Password prefix={<LockOutlined />} autoComplete="new-password" data-testid="password" />
        </Form.Item>
        <Form.Item
          name="confirm"
          label={t('auth.passwordConfirm')}
          dependencies={['password']}
          rules={[
            { required: true, message: t('common.required') },
            ({ getFieldValue }) => ({
              validator: async (_r, v: string) =>
                !v || v === getFieldValue('password') ? undefined : Promise.reject(new Error(t('auth.passwordMismatch'))),
            }),
          ]}
        >
          <Input.Password prefix={<LockOutlined />} autoComplete="new-password" data-testid="confirm" />
        </Form.Item>
        <Form.Item
          name="agree"
          valuePropName="checked"
          rules={[{ validator: async (_r, v: boolean) => (v ? undefined : Promise.reject(new Error(t('auth.agreeRequired')))) }]}
        >
          <Checkbox data-testid="agree">
            <Link to="/help" target="_blank">
              {t('auth.agree')}
            </Link>
          </Checkbox>
        </Form.Item>
        <Button type="primary" htmlType="submit" block loading={busy} data-testid="register-submit">
          {t('auth.register')}
        </Button>
      </Form>
      <div style={{ marginTop: 16, textAlign: 'center' }}>
        {t('auth.haveAccount')} <Link to="/login">{t('auth.login')}</Link>
      </div>
    </>
  );
}
