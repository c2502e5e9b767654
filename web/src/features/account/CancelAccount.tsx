import { useState } from 'react';
import { Alert, Button, Input, Modal, Typography } from 'antd';
import { api, call } from '../../api/client.ts';
import { useI18n } from '../../app/i18n.tsx';
import { useSession } from '../../app/session.tsx';

/**
 * Account cancellation (S5.3b): the password confirms it; the server refuses while orders, balances or
 * other obligations are open and lists them — shown here as the server words them.
 */
export function CancelAccount() {
  const { t, errorText } = useI18n();
  const { logout } = useSession();
  const [open, setOpen] = useState(false);
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await call(api.POST('/api/v1/me/cancel', { body: { password } }));
      setOpen(false);
      await logout();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <Typography.Paragraph type="secondary">{t('me.cancelHint')}</Typography.Paragraph>
      <Button danger onClick={() => setOpen(true)}>
        {t('me.cancelAccount')}
      </Button>
      <Modal
        open={open}
        title={t('me.cancelAccount')}
        okText={t('me.cancelConfirm')}
        okButtonProps={{ danger: true, disabled: !password, loading: busy }}
        onOk={confirm}
        onCancel={() => setOpen(false)}
      >
        <Alert type="warning" showIcon title={t('me.cancelHint')} style={{ marginBottom: 12 }} />
        {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 12 }} />}
        <Input.Password
          placeholder={t('me.currentPassword')}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          autoComplete="current-password"
        />
      </Modal>
    </>
  );
}
