import { useState } from 'react';
import { App as AntApp, Button, Descriptions, Form, Input, Select } from 'antd';
import { api, call } from '../../api/client.ts';
import { useI18n } from '../../app/i18n.tsx';
import { setLocale } from '../../app/locale-store.ts';
import { useSession, type Me } from '../../app/session.tsx';
import type { MessageKey } from '../../app/dictionary.ts';

interface Fields {
  displayName: string;
  avatarUrl?: string;
  locale: 'zh-CN' | 'en-US';
  companyName?: string;
}

/** Edit the registration data (S5.3a); contact details are shown masked. */
export function ProfileForm({ me }: { me: Me }) {
  const { t, errorText, formatTime } = useI18n();
  const { message } = AntApp.useApp();
  const { refresh } = useSession();
  const [busy, setBusy] = useState(false);

  const submit = async (f: Fields) => {
    setBusy(true);
    try {
      await call(
        api.PATCH('/api/v1/me', {
          body: {
            displayName: f.displayName.trim(),
            avatarUrl: f.avatarUrl?.trim() ? f.avatarUrl.trim() : null,
            locale: f.locale,
            ...(me.kind === 'enterprise' && f.companyName ? { companyName: f.companyName.trim() } : {}),
          },
        }),
      );
      setLocale(f.locale);
      await refresh();
      message.success(t('common.saved'));
    } catch (err) {
      message.error(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <Descriptions column={1} size="small" bordered style={{ marginBottom: 16, background: '#fff' }}>
        <Descriptions.Item label={t('me.kind')}>{t(`home.${me.kind}` as MessageKey)}</Descriptions.Item>
        <Descriptions.Item label={t('me.phone')}>{me.phone ?? '—'}</Descriptions.Item>
        <Descriptions.Item label={t('me.email')}>{me.email ?? '—'}</Descriptions.Item>
        {me.kind === 'enterprise' && <Descriptions.Item label={t('auth.creditCode')}>{me.enterprise?.creditCode ?? '—'}</Descriptions.Item>}
        <Descriptions.Item label={t('me.createdAt')}>{formatTime(me.createdAt)}</Descriptions.Item>
      </Descriptions>
      <Form<Fields>
        layout="vertical"
        onFinish={submit}
        initialValues={{
          displayName: me.displayName,
          avatarUrl: me.avatarUrl ?? '',
          locale: me.locale,
          companyName: me.enterprise?.companyName ?? '',
        }}
      >
        <Form.Item
          name="displayName"
          label={t('auth.displayName')}
          rules={[{ required: true, message: t('common.required') }, { max: 40 }]}
        >
          <Input />
        </Form.Item>
        {me.kind === 'enterprise' && (
          <Form.Item
            name="companyName"
            label={t('auth.companyName')}
            rules={[{ required: true, message: t('common.required') }, { max: 100 }]}
          >
            <Input />
          </Form.Item>
        )}
        <Form.Item name="avatarUrl" label={t('me.avatar')} rules={[{ pattern: /^(https:\/\/|\/)/, message: 'https://…' }]}>
          <Input placeholder="https://" />
        </Form.Item>
        <Form.Item name="locale" label={t('me.locale')}>
          <Select
            options={[
              { value: 'zh-CN', label: '简体中文' },
              { value: 'en-US', label: 'English' },
            ]}
          />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={busy}>
          {t('common.save')}
        </Button>
      </Form>
    </>
  );
}
