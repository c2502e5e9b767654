import { useCallback, useState } from 'react';
import { Link } from 'react-router';
import { Alert, Button, Form, Input, Tabs } from 'antd';
import { LockOutlined, SafetyOutlined, UserOutlined } from '@ant-design/icons';
import { api, call, ApiError } from '../../api/client.ts';
import { useI18n } from '../../app/i18n.tsx';
import { useSession } from '../../app/session.tsx';
import { Captcha } from './Captcha.tsx';
import { CodeField, identifierTarget } from './fields.tsx';
import { HelpTip } from '../../app/HelpTip.tsx';
import { channelOf } from './validation.ts';

type Mode = 'password' | 'code';
interface Fields {
  identifier: string;
  password?: string;
  code?: string;
  totp?: string;
}

/** Login by phone or e-mail with a password or a one-time code (S5.1c). */
export function LoginPage() {
  const { t, errorText, formatTime } = useI18n();
  const { refresh } = useSession();
  const [form] = Form.useForm<Fields>();
  const [mode, setMode] = useState<Mode>('password');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ text: string; lockedUntil?: string }>();
  const [needCaptcha, setNeedCaptcha] = useState(false);
  const [needTotp, setNeedTotp] = useState(false);
  const [captcha, setCaptcha] = useState<{ captchaId: string; captchaAnswer: string }>();
  const [nonce, setNonce] = useState(0);
  const onCaptcha = useCallback((v: { captchaId: string; captchaAnswer: string } | undefined) => setCaptcha(v), []);

  const submit = async (f: Fields) => {
    setBusy(true);
    setError(undefined);
    try {
      await call(
        api.POST('/api/v1/auth/login', {
          body: {
            identifier: f.identifier.trim(),
            ...(mode === 'password' ? { password: f.password ?? '' } : { code: (f.code ?? '').trim() }),
            ...(needCaptcha && captcha ? captcha : {}),
            ...(needTotp && f.totp ? { totp: f.totp.trim() } : {}),
          },
        }),
      );
      await refresh();
    } catch (err) {
      if (err instanceof ApiError) {
        const p = err.problem;
        if (p.code === 'ACCOUNT_LOCKED') {
          setError({ text: err.message, lockedUntil: typeof p.lockedUntil === 'string' ? p.lockedUntil : undefined });
        } else setError({ text: errorText(err) });
        // The server decides when a captcha is needed; once it has, keep asking for one.
        if (p.captchaRequired === true || p.code === 'CAPTCHA_REQUIRED' || p.code === 'CAPTCHA_INVALID') setNeedCaptcha(true);
        if (p.code === 'TOTP_REQUIRED' || p.code === 'TOTP_INVALID') setNeedTotp(true);
      } else setError({ text: errorText(err) });
      setNonce((n) => n + 1);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <h1>{t('auth.login')}</h1>
      <Tabs
        activeKey={mode}
        onChange={(k) => setMode(k as Mode)}
        items={[
          { key: 'password', label: <span data-testid="mode-password">{t('auth.byPassword')}</span> },
          { key: 'code', label: <span data-testid="mode-code">{t('auth.byCode')}</span> },
        ]}
      />
      {error && (
        <Alert
          type="error"
          showIcon
          style={{ marginBottom: 16 }}
          data-testid={error.lockedUntil ? 'lockout' : 'login-error'}
          title={error.lockedUntil ? t('auth.locked') : error.text}
          description={
            error.lockedUntil ? (
              <>
                <div>{error.text}</div>
                <div data-testid="locked-until">{t('auth.lockedUntil', { time: formatTime(error.lockedUntil) })}</div>
                <div style={{ marginTop: 4 }}>
                  <Link to="/help">{t('auth.seeFaq')}</Link>
                </div>
              </>
            ) : undefined
          }
        />
      )}
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
          <Input prefix={<UserOutlined />} autoComplete="username" inputMode="email" data-testid="identifier" />
        </Form.Item>
        {mode === 'password' ? (
          <Form.Item name="password" label={t('auth.password')} rules={[{ required: true, message: t('common.required') }]}>
            <Input.Password prefix={<LockOutlined />} autoComplete="current-password" data-testid="password" />
          </Form.Item>
        ) : (
          <CodeField purpose="login" target={identifierTarget(form, 'identifier')} />
        )}
        {needTotp && (
          <Form.Item
            name="totp"
            label={t('auth.totp')}
            extra={t('auth.totpHint')}
            rules={[{ required: true, pattern: /^\d{6}$/, message: t('auth.totp') }]}
          >
            <Input prefix={<SafetyOutlined />} inputMode="numeric" maxLength={6} autoComplete="one-time-code" data-testid="totp" />
          </Form.Item>
        )}
        {needCaptcha && (
          <Form.Item
            label={
              <>
                {t('auth.captcha')}
                <HelpTip text={t('auth.lockHelp')} />
              </>
            }
            required
          >
            <Captcha onChange={onCaptcha} nonce={nonce} />
          </Form.Item>
        )}
        <Button type="primary" htmlType="submit" block loading={busy} data-testid="login-submit">
          {t('auth.login')}
        </Button>
      </Form>
      <div style={{ display: 'flex', justifyContent: 'space-between', marginTop: 16 }}>
        <Link to="/forgot-password">{t('auth.forgot')}</Link>
        <span>
          {t('auth.noAccount')} <Link to="/register">{t('auth.register')}</Link>
        </span>
      </div>
    </>
  );
}
