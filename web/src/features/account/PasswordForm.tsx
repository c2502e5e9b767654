import { useState } from 'react';
import { App as AntApp, Button, Form, Input } from 'antd';
import { api, call } from '../../api/client.ts';
import { useI18n } from '../../app/i18n.tsx';
import { NewPasswordFields } from '../auth/fields.tsx';

interface Fields {
  currentPassword: string;
  newPassword: string;
  confirm: string;
}

/** Change the password with the current one; the server signs out every other device. */
export function PasswordForm() {
  const { t, errorText } = useI18n();
  const { message } = AntApp.useApp();
  const [form] = Form.useForm<Fields>();
  const [busy, setBusy] = useState(false);

  const submit = async (f: Fields) => {
    setBusy(true);
    try {
      await call(api.POST('/api/v1/me/password', { body: { currentPassword: f.currentPassword, newPassword: f.newPassword } }));
      form.resetFields();
      message.success(t('me.passwordChanged'));
    } catch (err) {
      message.error(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Form form={form} layout="vertical" onFinish={submit} requiredMark={false}>
      <Form.Item name="currentPassword" label={t('me.currentPassword')} rules={[{ required: true, message: t('common.required') }]}>
        <Input.Password autoComplete="current-password" />
      </Form.Item>
      <NewPasswordFields name="newPassword" label={t('auth.newPassword')} />
      <Button type="primary" htmlType="submit" loading={busy}>
        {t('me.changePassword')}
      </Button>
    </Form>
  );
}
