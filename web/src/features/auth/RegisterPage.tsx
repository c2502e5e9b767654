import { useState } from 'react';
import { Link } from 'react-router';
import { Alert, App as AntApp, Button, Checkbox, Form, Input, Tabs, Typography } from 'antd';
import { BankOutlined, UserOutlined } from '@ant-design/icons';
import { api, call } from '../../api/client.ts';
import { useI18n } from '../../app/i18n.tsx';
import { useSession } from '../../app/session.tsx';
import { ChannelDestination, CodeField, NewPasswordFields } from './fields.tsx';
import { HelpTip } from '../../app/HelpTip.tsx';
import { CREDIT_CODE_RE, type Channel } from './validation.ts';

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
        <ChannelDestination
          form={form}
          channel={channel}
          onChannel={setChannel}
          label={channel === 'sms' ? t('auth.phone') : t('auth.email')}
          block
          icons
          testIds
        />
        <CodeField
          purpose="register"
          label={
            <>
              {t('auth.code')}
              <HelpTip text={t('auth.codeHelp')} />
            </>
          }
          target={async () => {
            const { destination } = await form.validateFields(['destination']);
            return { channel, destination };
          }}
        />
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
        <NewPasswordFields name="password" label={t('auth.password')} icons testId="password" />
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
