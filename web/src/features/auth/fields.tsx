import type { ReactNode } from 'react';
import { Form, Input, Segmented, type FormInstance } from 'antd';
import { LockOutlined, MailOutlined, MobileOutlined } from '@ant-design/icons';
import { useI18n } from '../../app/i18n.tsx';
import { CodeButton } from './CodeButton.tsx';
import { EMAIL_RE, PHONE_RE, channelOf, passwordOk, type Channel } from './validation.ts';

type Purpose = Parameters<typeof CodeButton>[0]['purpose'];

/**
 * The verification-code input with its "send code" button. `target` validates the fields it needs and
 * says where to send (see `identifierTarget` for forms whose identifier decides the channel).
 */
export function CodeField({
  purpose,
  target,
  label,
  testIds = true,
}: {
  purpose: Purpose;
  target: () => Promise<{ channel: Channel; destination: string } | undefined>;
  label?: ReactNode;
  testIds?: boolean;
}) {
  const { t } = useI18n();
  return (
    <Form.Item label={label ?? t('auth.code')} required>
      <div style={{ display: 'flex', gap: 8 }}>
        <Form.Item name="code" noStyle rules={[{ required: true, message: t('common.required') }]}>
          <Input inputMode="numeric" maxLength={6} autoComplete="one-time-code" data-testid={testIds ? 'code' : undefined} />
        </Form.Item>
        <CodeButton purpose={purpose} target={target} />
      </div>
    </Form.Item>
  );
}

/** Where a code goes when the form has one identifier field that is a phone number or an e-mail. */
export function identifierTarget(form: FormInstance, field: string) {
  return async () => {
    // A field that fails validation shows its own message under it; no code is sent.
    const values = (await form.validateFields([field]).catch(() => undefined)) as Record<string, string> | undefined;
    if (!values) return undefined;
    const identifier = values[field] ?? '';
    const channel = channelOf(identifier);
    return channel ? { channel, destination: identifier.trim() } : undefined;
  };
}

/** SMS or e-mail switch and the matching address field (named `destination`). */
export function ChannelDestination({
  form,
  channel,
  onChannel,
  label,
  block = false,
  icons = false,
  testIds = false,
}: {
  form: FormInstance;
  channel: Channel;
  onChannel: (c: Channel) => void;
  label: ReactNode;
  block?: boolean;
  icons?: boolean;
  testIds?: boolean;
}) {
  const { t } = useI18n();
  const sms = channel === 'sms';
  return (
    <>
      <Form.Item>
        <Segmented<Channel>
          block={block}
          value={channel}
          onChange={(c) => {
            onChannel(c);
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
        label={label}
        rules={[
          { required: true, message: t('common.required') },
          sms ? { pattern: PHONE_RE, message: t('auth.phoneInvalid') } : { pattern: EMAIL_RE, message: t('auth.emailInvalid') },
        ]}
      >
        <Input
          prefix={icons ? sms ? <MobileOutlined /> : <MailOutlined /> : undefined}
          inputMode={sms ? 'tel' : 'email'}
          autoComplete={sms ? 'tel' : 'email'}
          data-testid={testIds ? 'destination' : undefined}
        />
      </Form.Item>
    </>
  );
}

/**
 * A new password checked against the server's rule, and its confirmation. `name` is the form field of the
 * password; the confirmation is always `confirm`.
 */
export function NewPasswordFields({
  name,
  label,
  icons = false,
  testId,
}: {
  name: string;
  label: ReactNode;
  icons?: boolean;
  /** data-testid of the password input; the confirmation gets `confirm`. */
  testId?: string;
}) {
  const { t } = useI18n();
  const prefix = icons ? <LockOutlined /> : undefined;
  return (
    <>
      <Form.Item
        name={name}
        label={label}
        extra={t('auth.passwordRule')}
        rules={[
          { required: true, message: t('common.required') },
          { validator: async (_r, v: string) => (!v || passwordOk(v) ? undefined : Promise.reject(new Error(t('auth.passwordRule')))) },
        ]}
      >
        <Input.Password prefix={prefix} autoComplete="new-password" data-testid={testId} />
      </Form.Item>
      <Form.Item
        name="confirm"
        label={t('auth.passwordConfirm')}
        dependencies={[name]}
        rules={[
          { required: true, message: t('common.required') },
          ({ getFieldValue }) => ({
            validator: async (_r, v: string) =>
              !v || v === getFieldValue(name) ? undefined : Promise.reject(new Error(t('auth.passwordMismatch'))),
          }),
        ]}
      >
        <Input.Password prefix={prefix} autoComplete="new-password" data-testid={testId ? 'confirm' : undefined} />
      </Form.Item>
    </>
  );
}
