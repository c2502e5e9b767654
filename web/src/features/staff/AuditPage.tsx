import { useCallback, useEffect, useState } from 'react';
import { App as AntApp, Button, DatePicker, Form, Input, Table, Tag, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { api, call, type ResponseOf } from '../../api/client.ts';
import { useI18n } from '../../app/i18n.tsx';
import { PageHeader } from '../../app/layouts.tsx';

type Entry = ResponseOf<'/api/v1/audit', 'get'>['items'][number];
interface Filters {
  action?: string;
  actor?: string;
  range?: [Dayjs | null, Dayjs | null] | null;
}

/** Security audit search (permission audit:read): who did what, when, from where, with what result. */
export function AuditPage() {
  const { t, errorText, formatTime } = useI18n();
  const { message } = AntApp.useApp();
  const [form] = Form.useForm<Filters>();
  const [items, setItems] = useState<Entry[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);

  const load = useCallback(
    async (after?: string) => {
      const f = form.getFieldsValue();
      setLoading(true);
      try {
        const page = await call(
          api.GET('/api/v1/audit', {
            params: {
              query: {
                ...(f.action?.trim() ? { action: f.action.trim() } : {}),
                ...(f.actor?.trim() ? { actor: f.actor.trim() } : {}),
                ...(f.range?.[0] ? { from: f.range[0].toISOString() } : {}),
                ...(f.range?.[1] ? { to: f.range[1].toISOString() } : {}),
                ...(after ? { cursor: after } : {}),
                limit: 50,
              },
            },
          }),
        );
        setItems((prev) => (after ? [...prev, ...page.items] : page.items));
        setCursor(page.nextCursor);
      } catch (err) {
        message.error(errorText(err));
      } finally {
        setLoading(false);
      }
    },
    [form, message, errorText],
  );
  useEffect(() => {
    void load();
  }, [load]);

  return (
    <>
      <PageHeader title={t('audit.title')} />
      <Form form={form} layout="inline" onFinish={() => void load()} style={{ marginBottom: 16, rowGap: 8 }}>
        <Form.Item name="action" label={t('audit.action')}>
          <Input placeholder="login" allowClear />
        </Form.Item>
        <Form.Item name="actor" label={t('audit.actor')}>
          <Input placeholder="uuid" allowClear style={{ width: 300 }} />
        </Form.Item>
        <Form.Item name="range" label={t('audit.range')}>
          <DatePicker.RangePicker showTime />
        </Form.Item>
        <Button type="primary" htmlType="submit">
          {t('common.search')}
        </Button>
      </Form>
      <Table<Entry>
        rowKey="id"
        size="small"
        loading={loading}
        dataSource={items}
        pagination={false}
        scroll={{ x: 1000 }}
        columns={[
          { title: t('audit.at'), dataIndex: 'at', width: 180, render: (v: string) => formatTime(v) },
          { title: t('audit.action'), dataIndex: 'action', width: 160 },
          {
            title: t('audit.result'),
            dataIndex: 'result',
            width: 90,
            render: (v: string) => <Tag color={v === 'success' ? 'green' : 'red'}>{v}</Tag>,
          },
          {
            title: t('audit.actor'),
            dataIndex: 'actorId',
            width: 130,
            render: (v: string | null) => <ShortId id={v} />,
          },
          {
            title: t('audit.subject'),
            dataIndex: 'subjectId',
            width: 130,
            render: (v: string | null) => <ShortId id={v} />,
          },
          { title: t('me.ip'), dataIndex: 'ip', width: 130, render: (v: string | null) => v ?? '—' },
          {
            title: '',
            dataIndex: 'detail',
            render: (d: Record<string, unknown>) => <Typography.Text type="secondary">{JSON.stringify(d)}</Typography.Text>,
          },
        ]}
      />
      {cursor && (
        <div style={{ textAlign: 'center', marginTop: 12 }}>
          <Button onClick={() => void load(cursor)} loading={loading}>
            {t('common.more')}
          </Button>
        </div>
      )}
    </>
  );
}

/** UUIDv7s share their leading timestamp bits, so the tail tells rows apart; the full id is in the tooltip and copyable. */
function ShortId({ id }: { id: string | null }) {
  if (!id) return <>—</>;
  return (
    <Typography.Text code copyable={{ text: id }} title={id}>
      …{id.slice(-8)}
    </Typography.Text>
  );
}
