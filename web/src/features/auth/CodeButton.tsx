import { useEffect, useState } from 'react';
import { App as AntApp, Button } from 'antd';
import { api, call, ApiError } from '../../api/client.ts';
import { useI18n } from '../../app/i18n.tsx';
import type { Channel } from './validation.ts';

type Purpose = 'register' | 'login' | 'reset' | 'change_contact';

/**
 * "Send code" with the 60-second resend countdown. `target` validates the form fields first and
 * returns where to send, or undefined when they are not filled in correctly yet.
 */
export function CodeButton({
  purpose,
  target,
}: {
  purpose: Purpose;
  target: () => Promise<{ channel: Channel; destination: string } | undefined>;
}) {
  const { t, errorText } = useI18n();
  const { message } = AntApp.useApp();
  const [left, setLeft] = useState(0);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (left <= 0) return;
    const id = setTimeout(() => setLeft((s) => s - 1), 1000);
    return () => clearTimeout(id);
  }, [left]);

  const send = async () => {
    const to = await target();
    if (!to) return;
    setBusy(true);
    try {
      const r = await call(api.POST('/api/v1/auth/codes', { body: { purpose, channel: to.channel, destination: to.destination.trim() } }));
      message.success(t('auth.codeSent'));
      setLeft(r.resendAfterSeconds || 60);
    } catch (err) {
      message.error(errorText(err));
      const retry = err instanceof ApiError ? Number(err.problem.retryAfter) : NaN;
      if (Number.isFinite(retry) && retry > 0) setLeft(Math.ceil(retry));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Button onClick={send} disabled={left > 0} loading={busy} data-testid="send-code" style={{ minWidth: 120 }}>
      {left > 0 ? t('auth.resendIn', { s: left }) : t('auth.sendCode')}
    </Button>
  );
}
