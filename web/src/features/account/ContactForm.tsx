import { useState } from 'react';
import { App as AntApp, Button, Form, Input, Segmented } from 'antd';
import { MailOutlined, MobileOutlined } from '@ant-design/icons';
import { api, call } from '../../api/client.ts';
import { useI18n } from '../../app/i18n.tsx';
import { useSession } from '../../app/session.tsx';
import { CodeButton } from '../auth/CodeButton.tsx';
import { EMAIL_RE, PHONE_RE, type Channel } from '../auth/validation.ts';

interface Fields {
  destination: string;
  code: string;
  password: string;
}

/** Change or add the phone number / e-mail: the password again and a code sent to the new address (S5.3a). */
export function ContactForm() {
  const { t, errorText } = useI18n();
  const { message } = AntApp.useApp();
  const { refresh } = useSession();
  const [form] = Form.useForm<Fields>();
  const [channel, setChannel] = useState<Channel>('sms');
  const [busy, setBusy] = useState(false);

  const submit = async (f: Fields) => {
    setBusy(true);
    try {
      await call(
        api.POST('/api/v1/me/contact', { body: { channel, destination: f.destination.trim(), code: f.code.trim(), password: f.password } }),
      );
      form.resetFields();
      await refresh();
      message.success(t('common.saved'));
    } catch (err) {
      message.error(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Form form={form} layout="vertical" onFinish={submit} requiredMark={false}>
      <Form.Item>
        <Segmented<Channel>
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
        label={channel === 'sms' ? t('me.newPhone') : t('me.newEmail')}
        rules={[
          { required: true, message: t('common.required') },
          channel === 'sms'
            ? { pattern: PHONE_RE, message: t('auth.phoneInvalid') }
            : { pattern: EMAIL_RE, message: t('auth.emailInvalid') },
        ]}
      >
        <Input inputMode={channel === 'sms' ? 'tel' : 'email'} />
      </Form.Item>
      <Form.Item label={t('auth.code')} required>
        <div style={{ display: 'flex', gap: 8 }}>
          <Form.Item name="code" noStyle rules={[{ required: true, message: t('common.required') }]}>
            <Input inputMode="numeric" maxLength={6} autoComplete="one-time-code" />
          </Form.Item>
          <CodeButton
            purpose="change_contact"
            target={async () => {
              const { destination } = await form.validateFields(['destination']);
              return { channel, destination };
            }}
          />
        </div>
      </Form.Item>
      <Form.Item name="password" label={t('me.currentPassword')} rules={[{ required: true, message: t('common.required') }]}>
        <Input.Password autoComplete="current-password" />
      </Form.Item>
      <Button type="primary" htmlType="submit" loading={busy}>
        {t('common.save')}
      </Button>
    </Form>
  );
}
