import { useEffect, useState } from 'react';
import { App as AntApp, Button, Switch, Table, Typography } from 'antd';
import { api, call, type ResponseOf } from '../../api/client.ts';
import { useI18n } from '../../app/i18n.tsx';
import type { MessageKey } from '../../app/dictionary.ts';

type Prefs = ResponseOf<'/api/v1/notification-preferences', 'get'>;
type Row = Prefs['categories'][number];

/** Which categories also go out by SMS or e-mail (S6.6 personal configuration). */
export function NotificationPrefs() {
  const { t, errorText } = useI18n();
  const { message } = AntApp.useApp();
  const [prefs, setPrefs] = useState<Prefs>();
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    call(api.GET('/api/v1/notification-preferences'))
      .then(setPrefs)
      .catch((err: unknown) => message.error(errorText(err)));
  }, [message, errorText]);

  const set = (category: Row['category'], key: 'sms' | 'email', value: boolean) =>
    setPrefs((p) => p && { ...p, categories: p.categories.map((c) => (c.category === category ? { ...c, [key]: value } : c)) });

  const save = async () => {
    if (!prefs) return;
    setSaving(true);
    try {
      setPrefs(await call(api.PUT('/api/v1/notification-preferences', { body: { categories: prefs.categories } })));
      message.success(t('common.saved'));
    } catch (err) {
      message.error(errorText(err));
    } finally {
      setSaving(false);
    }
  };

  return (
    <>
      <Typography.Paragraph type="secondary">{t('msg.prefsHint')}</Typography.Paragraph>
      <Table<Row>
        rowKey="category"
        size="small"
        pagination={false}
        loading={!prefs}
        dataSource={prefs?.categories ?? []}
        columns={[
          { title: '', dataIndex: 'category', render: (c: Row['category']) => t(`msg.cat.${c}` as MessageKey) },
          {
            title: t('msg.sms'),
            dataIndex: 'sms',
            render: (v: boolean, r) => <Switch checked={v} onChange={(x) => set(r.category, 'sms', x)} />,
          },
          {
            title: t('msg.emailCopy'),
            dataIndex: 'email',
            render: (v: boolean, r) => <Switch checked={v} onChange={(x) => set(r.category, 'email', x)} />,
          },
        ]}
      />
      {prefs?.note && (
        <Typography.Paragraph type="secondary" style={{ marginTop: 8 }}>
          {prefs.note}
        </Typography.Paragraph>
      )}
      <Button type="primary" onClick={save} loading={saving} style={{ marginTop: 8 }}>
        {t('common.save')}
      </Button>
    </>
  );
}
