import { useState } from 'react';
import { App as AntApp, Button, Form, Input } from 'antd';
import { api, call } from '../../api/client.ts';
import { useI18n } from '../../app/i18n.tsx';
import { useSession } from '../../app/session.tsx';
import { ChannelDestination, CodeField } from '../auth/fields.tsx';
import type { Channel } from '../auth/validation.ts';

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
      <ChannelDestination
        form={form}
        channel={channel}
        onChannel={setChannel}
        label={channel === 'sms' ? t('me.newPhone') : t('me.newEmail')}
      />
      <CodeField
        purpose="change_contact"
        testIds={false}
        target={async () => {
          const { destination } = await form.validateFields(['destination']);
          return { channel, destination };
        }}
      />
      <Form.Item name="password" label={t('me.currentPassword')} rules={[{ required: true, message: t('common.required') }]}>
        <Input.Password autoComplete="current-password" />
      </Form.Item>
      <Button type="primary" htmlType="submit" loading={busy}>
        {t('common.save')}
      </Button>
    </Form>
  );
}
