import { useCallback, useEffect, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { App as AntApp, Button, Card, Drawer, Empty, Form, Input, List, Space, Tag, Timeline } from 'antd';
import { api, call, type ResponseOf } from '../../api/client.ts';
import { useI18n } from '../../app/i18n.tsx';
import { useLive } from '../../app/live.tsx';
import { PageHeader } from '../../app/layouts.tsx';
import { COMPLAINT_CATEGORIES } from '../orders/OrderDetailPage.tsx';

type Complaint = ResponseOf<'/api/v1/complaints/mine', 'get'>['items'][number];
type Full = ResponseOf<'/api/v1/complaints/{id}', 'get'>;
type Status = 'open' | 'in_progress' | 'resolved' | 'rejected';
const COLOR: Record<string, string> = { open: 'orange', in_progress: 'blue', resolved: 'green', rejected: 'default' };

/**
 * "My complaints" for couriers and store owners: every ticket I filed (online, by e-mail or recorded from my
 * call) with its status, deadlines, support's replies and the resolution; I can add to an open ticket.
 * The server only returns my own tickets (`GET /complaints/mine`, `GET /complaints/{id}` checks the complainant).
 */
export function MyComplaintsPage() {
  const { t, errorText, formatTime } = useI18n();
  const { message } = AntApp.useApp();
  const [items, setItems] = useState<Complaint[]>();
  const [open, setOpen] = useState<Full>();
  // A notification links to /complaints/<id>: that ticket opens over the list.
  const { id: linked } = useParams();
  const navigate = useNavigate();

  const load = useCallback(async () => {
    try {
      setItems((await call(api.GET('/api/v1/complaints/mine'))).items);
    } catch (err) {
      message.error(errorText(err));
    }
  }, [message, errorText]);
  useEffect(() => {
    void load();
  }, [load]);
  const openOne = useCallback(
    async (id: string) => {
      try {
        setOpen(await call(api.GET('/api/v1/complaints/{id}', { params: { path: { id } } })));
      } catch (err) {
        message.error(errorText(err));
      }
    },
    [message, errorText],
  );
  useEffect(() => {
    if (linked) void openOne(linked);
  }, [linked, openOne]);
  // Support's replies and resolutions arrive as live notifications: refresh what is on screen.
  const { subscribe } = useLive();
  const openId = open?.id;
  useEffect(
    () =>
      subscribe(() => {
        void load();
        if (openId) void openOne(openId);
      }),
    [subscribe, load, openOne, openId],
  );

  return (
    <>
      <PageHeader title={t('complaints.myTitle')} />
      <List<Complaint>
        data-testid="my-complaints"
        loading={items === undefined}
        dataSource={items ?? []}
        locale={{ emptyText: <Empty description={t('complaints.none')} /> }}
        renderItem={(c) => (
          <Card
            size="small"
            style={{ marginBottom: 8, cursor: 'pointer' }}
            onClick={() => void openOne(c.id)}
            data-testid="my-complaint"
            title={`${c.ticketNo} · ${c.subject}`}
          >
            <Space wrap>
              <Tag color={COLOR[c.status]}>{t(`complaints.status.${c.status as Status}`)}</Tag>
              {c.overdue && <Tag color="red">{t('complaints.overdue')}</Tag>}
              <span>{categoryLabel(t, c.category)}</span>
              <span>{t(`complaints.channel.${c.channel}`)}</span>
            </Space>
            <div style={{ marginTop: 4, color: 'var(--ant-color-text-secondary)' }}>
              {c.status === 'open' || c.status === 'in_progress'
                ? `${c.firstResponseAt ? '' : `${t('complaints.respondBy')} ${formatTime(c.respondBy)} · `}${t('complaints.resolveBy')} ${formatTime(c.resolveBy)}`
                : `${t('complaints.closedAt')} ${c.resolvedAt ? formatTime(c.resolvedAt) : '—'}`}
            </div>
          </Card>
        )}
      />
      {open && (
        <MyComplaintDrawer
          c={open}
          onClose={() => {
            setOpen(undefined);
            if (linked) navigate('/complaints', { replace: true });
          }}
          onChanged={(c) => (setOpen(c), void load())}
        />
      )}
    </>
  );
}

type T = ReturnType<typeof useI18n>['t'];
const categoryLabel = (t: T, c: string) =>
  (COMPLAINT_CATEGORIES as readonly string[]).includes(c)
    ? t(`complaints.cat.${c as (typeof COMPLAINT_CATEGORIES)[number]}`)
    : c === 'appeal'
      ? t('complaints.cat.appeal')
      : c;

function MyComplaintDrawer({ c, onClose, onChanged }: { c: Full; onClose: () => void; onChanged: (c: Full) => void }) {
  const { t, errorText, formatTime } = useI18n();
  const { message } = AntApp.useApp();
  const [busy, setBusy] = useState(false);
  const [form] = Form.useForm<{ text: string }>();
  const active = c.status === 'open' || c.status === 'in_progress';
  const send = async (v: { text: string }) => {
    setBusy(true);
    try {
      await call(api.POST('/api/v1/complaints/{id}/messages', { params: { path: { id: c.id } }, body: { text: v.text } }));
      form.resetFields();
      onChanged(await call(api.GET('/api/v1/complaints/{id}', { params: { path: { id: c.id } } })));
    } catch (err) {
      message.error(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Drawer open placement="bottom" size="large" title={`${c.ticketNo} · ${c.subject}`} onClose={onClose} data-testid="my-complaint-drawer">
      <Space wrap style={{ marginBottom: 8 }}>
        <Tag color={COLOR[c.status]}>{t(`complaints.status.${c.status as Status}`)}</Tag>
        {c.overdue && <Tag color="red">{t('complaints.overdue')}</Tag>}
        <span>{categoryLabel(t, c.category)}</span>
      </Space>
      <p>
        {t('complaints.filedAt')} {formatTime(c.createdAt)}
        <br />
        {t('complaints.respondBy')} {formatTime(c.respondBy)}
        {c.firstResponseAt && ` (${t('complaints.respondedAt')} ${formatTime(c.firstResponseAt)})`}
        <br />
        {t('complaints.resolveBy')} {formatTime(c.resolveBy)}
      </p>
      {c.orderId && (
        <p>
          <Link to={`/orders/${c.orderId}`}>{t('complaints.openOrder')}</Link>
        </p>
      )}
      {c.resolution && (
        <Card size="small" title={t('complaints.resolutionTitle')} style={{ marginBottom: 12 }} data-testid="my-complaint-resolution">
          {c.resolution}
        </Card>
      )}
      <Timeline
        items={(c.messages ?? [])
          .filter((m) => !m.internal)
          .map((m) => ({
            color: m.authorRole === 'staff' ? 'blue' : 'gray',
            content: (
              <div>
                <b>{m.authorRole === 'staff' ? t('complaints.fromSupport') : t('complaints.fromMe')}</b> · {formatTime(m.createdAt)}
                <div style={{ whiteSpace: 'pre-wrap' }}>{m.body}</div>
              </div>
            ),
          }))}
      />
      {active && (
        <Form form={form} layout="vertical" onFinish={(v) => void send(v)}>
          <Form.Item name="text" label={t('complaints.addMessage')} rules={[{ required: true }]}>
            <Input.TextArea rows={3} maxLength={5000} />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={busy}>
            {t('complaints.send')}
          </Button>
        </Form>
      )}
    </Drawer>
  );
}
