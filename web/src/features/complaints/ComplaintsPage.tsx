import { useCallback, useEffect, useState } from 'react';
import { useNavigate } from 'react-router';
import { App as AntApp, Button, Card, Drawer, Form, Input, Modal, Select, Space, Table, Tag, Timeline } from 'antd';
import { PhoneOutlined } from '@ant-design/icons';
import { api, call, type ResponseOf } from '../../api/client.ts';
import { useI18n } from '../../app/i18n.tsx';
import { PageHeader } from '../../app/layouts.tsx';
import { useSession } from '../../app/session.tsx';
import { COMPLAINT_CATEGORIES } from '../orders/OrderDetailPage.tsx';

type Complaint = ResponseOf<'/api/v1/support/complaints', 'get'>['items'][number];
type Status = 'open' | 'in_progress' | 'resolved' | 'rejected';

const COLOR: Record<string, string> = { open: 'orange', in_progress: 'blue', resolved: 'green', rejected: 'default' };

/** Support console (complaints:handle): the queue by deadline, assign, reply, resolve or reject, record a phone complaint. */
export function ComplaintsPage() {
  const { t, errorText, formatTime } = useI18n();
  const { message } = AntApp.useApp();
  const [status, setStatus] = useState<Status[]>(['open', 'in_progress']);
  const [mine, setMine] = useState(false);
  const [items, setItems] = useState<Complaint[]>();
  const [open, setOpen] = useState<Complaint>();
  const [phone, setPhone] = useState(false);
  const navigate = useNavigate();
  const { me } = useSession();
  const canReadOrders = (me?.permissions ?? []).includes('orders:read');
  // Support looks an order up by the number a caller reads out, then opens it (staff view, with its timeline).
  const findOrder = async (raw: string) => {
    const orderNo = raw.trim().toUpperCase();
    if (!orderNo) return;
    try {
      const o = await call(api.GET('/api/v1/support/orders/by-no/{orderNo}', { params: { path: { orderNo } } }));
      navigate(`/orders/${o.id}`);
    } catch (err) {
      message.error(errorText(err));
    }
  };

  const load = useCallback(async () => {
    try {
      setItems(
        (
          await call(
            api.GET('/api/v1/support/complaints', {
              params: { query: { ...(status.length ? { status } : {}), ...(mine ? { mine } : {}) } },
            }),
          )
        ).items,
      );
    } catch (err) {
      message.error(errorText(err));
    }
  }, [status, mine, message, errorText]);
  useEffect(() => {
    void load();
  }, [load]);

  const openOne = async (id: string) => {
    try {
      setOpen(await call(api.GET('/api/v1/complaints/{id}', { params: { path: { id } } })));
    } catch (err) {
      message.error(errorText(err));
    }
  };

  return (
    <>
      <PageHeader
        title={t('complaints.title')}
        extra={
          <Space wrap>
            {canReadOrders && (
              <Input.Search
                placeholder={t('complaints.findOrder')}
                allowClear
                style={{ width: 240 }}
                data-testid="find-order-no"
                onSearch={(v) => void findOrder(v)}
              />
            )}
            <Button icon={<PhoneOutlined />} onClick={() => setPhone(true)} data-testid="record-phone">
              {t('complaints.recordPhone')}
            </Button>
          </Space>
        }
      />
      <Space style={{ marginBottom: 12 }} wrap>
        <Select
          mode="multiple"
          style={{ minWidth: 260 }}
          value={status}
          onChange={setStatus}
          options={(['open', 'in_progress', 'resolved', 'rejected'] as const).map((s) => ({
            value: s,
            label: t(`complaints.status.${s}`),
          }))}
        />
        <Select
          value={mine ? 'mine' : 'all'}
          onChange={(v) => setMine(v === 'mine')}
          options={[
            { value: 'all', label: t('complaints.all') },
            { value: 'mine', label: t('complaints.mine') },
          ]}
        />
        <Button onClick={() => void load()}>{t('common.refresh')}</Button>
      </Space>
      <Table<Complaint>
        rowKey="id"
        size="small"
        loading={items === undefined}
        dataSource={items ?? []}
        pagination={false}
        onRow={(r) => ({ onClick: () => void openOne(r.id), style: { cursor: 'pointer' } })}
        columns={[
          { title: t('complaints.ticket'), dataIndex: 'ticketNo' },
          { title: t('complaints.subject'), dataIndex: 'subject' },
          { title: t('complaints.category'), dataIndex: 'category', render: (c: string) => categoryLabel(t, c) },
          { title: t('complaints.channel'), dataIndex: 'channel', render: (c: string) => t(`complaints.channel.${c as 'online'}`) },
          {
            title: t('complaints.statusCol'),
            dataIndex: 'status',
            render: (s: Status, r) => (
              <>
                <Tag color={COLOR[s]}>{t(`complaints.status.${s}`)}</Tag>
                {r.overdue && <Tag color="red">{t('complaints.overdue')}</Tag>}
              </>
            ),
          },
          { title: t('complaints.resolveBy'), dataIndex: 'resolveBy', render: (v: string) => formatTime(v) },
          { title: t('complaints.contact'), dataIndex: 'contactMasked', render: (v: string | null) => v ?? '—' },
        ]}
      />
      {open && <ComplaintDrawer c={open} onClose={() => setOpen(undefined)} onChanged={(c) => (setOpen(c), void load())} />}
      <PhoneComplaint
        open={phone}
        onClose={() => setPhone(false)}
        onDone={() => {
          setPhone(false);
          void load();
        }}
      />
    </>
  );
}

type T = ReturnType<typeof useI18n>['t'];
const categoryLabel = (t: T, c: string) =>
  (COMPLAINT_CATEGORIES as readonly string[]).includes(c) ? t(`complaints.cat.${c as (typeof COMPLAINT_CATEGORIES)[number]}`) : c;

function ComplaintDrawer({ c, onClose, onChanged }: { c: Complaint; onClose: () => void; onChanged: (c: Complaint) => void }) {
  const { t, errorText, formatTime } = useI18n();
  const { message } = AntApp.useApp();
  const [busy, setBusy] = useState(false);
  const [replyForm] = Form.useForm<{ text: string; internal: boolean }>();
  const [closeForm] = Form.useForm<{ outcome: 'resolved' | 'rejected'; resolution: string }>();
  const run = async (fn: () => Promise<Complaint>) => {
    setBusy(true);
    try {
      const next = await fn();
      onChanged(await call(api.GET('/api/v1/complaints/{id}', { params: { path: { id: next.id } } })));
      message.success(t('common.saved'));
    } catch (err) {
      message.error(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  const path = { params: { path: { id: c.id } } };
  const active = c.status === 'open' || c.status === 'in_progress';
  return (
    <Drawer open size="large" title={`${c.ticketNo} · ${c.subject}`} onClose={onClose}>
      <p>
        <Tag color={COLOR[c.status]}>{t(`complaints.status.${c.status as Status}`)}</Tag> {categoryLabel(t, c.category)} ·{' '}
        {t(`complaints.channel.${c.channel}`)} · {t('complaints.resolveBy')} {formatTime(c.resolveBy)}
      </p>
      {c.orderId && (
        <p>
          <a href={`/orders/${c.orderId}`}>{t('complaints.openOrder')}</a>
        </p>
      )}
      {c.resolution && <Card size="small">{c.resolution}</Card>}
      <Timeline
        style={{ marginTop: 12 }}
        items={(c.messages ?? []).map((m) => ({
          color: m.internal ? 'gray' : 'blue',
          content: (
            <div>
              <b>{m.authorRole}</b> · {formatTime(m.createdAt)} {m.internal && <Tag>{t('complaints.internal')}</Tag>}
              <div style={{ whiteSpace: 'pre-wrap' }}>{m.body}</div>
            </div>
          ),
        }))}
      />
      {active && (
        <>
          <Button
            loading={busy}
            onClick={() => void run(() => call(api.POST('/api/v1/support/complaints/{id}/assign', { ...path, body: {} })))}
            style={{ marginBottom: 12 }}
          >
            {t('complaints.assignMe')}
          </Button>
          <Form
            form={replyForm}
            layout="vertical"
            initialValues={{ internal: false }}
            onFinish={(v) =>
              void run(async () => {
                const r = await call(api.POST('/api/v1/complaints/{id}/messages', { ...path, body: v }));
                replyForm.resetFields();
                return r;
              })
            }
          >
            <Form.Item name="text" label={t('complaints.reply')} rules={[{ required: true }]}>
              <Input.TextArea rows={3} maxLength={5000} />
            </Form.Item>
            <Space>
              <Form.Item name="internal" noStyle>
                <Select
                  style={{ width: 160 }}
                  options={[
                    { value: false, label: t('complaints.toComplainant') },
                    { value: true, label: t('complaints.internal') },
                  ]}
                />
              </Form.Item>
              <Button type="primary" htmlType="submit" loading={busy}>
                {t('complaints.send')}
              </Button>
            </Space>
          </Form>
          <Form
            form={closeForm}
            layout="vertical"
            style={{ marginTop: 24 }}
            initialValues={{ outcome: 'resolved' }}
            onFinish={(v) => void run(() => call(api.POST('/api/v1/support/complaints/{id}/resolve', { ...path, body: v })))}
          >
            <Form.Item name="outcome" label={t('complaints.outcome')}>
              <Select
                options={[
                  { value: 'resolved', label: t('complaints.status.resolved') },
                  { value: 'rejected', label: t('complaints.status.rejected') },
                ]}
              />
            </Form.Item>
            <Form.Item name="resolution" label={t('complaints.resolution')} rules={[{ required: true }]}>
              <Input.TextArea rows={3} maxLength={2000} />
            </Form.Item>
            <Button htmlType="submit" loading={busy}>
              {t('complaints.close')}
            </Button>
          </Form>
        </>
      )}
    </Drawer>
  );
}

function PhoneComplaint({ open, onClose, onDone }: { open: boolean; onClose: () => void; onDone: () => void }) {
  const { t, errorText } = useI18n();
  const { message } = AntApp.useApp();
  const [busy, setBusy] = useState(false);
  type F = { orderNo?: string; callerPhone: string; category: string; text: string };
  const submit = async (v: F) => {
    setBusy(true);
    try {
      const c = await call(
        api.POST('/api/v1/support/complaints', {
          body: {
            callerPhone: v.callerPhone,
            category: v.category,
            text: v.text,
            ...(v.orderNo?.trim() ? { orderNo: v.orderNo.trim() } : {}),
          },
        }),
      );
      message.success(t('complaints.recorded', { ticket: c.ticketNo }));
      onDone();
    } catch (err) {
      message.error(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal open={open} title={t('complaints.recordPhone')} footer={null} onCancel={onClose} destroyOnHidden>
      <Form<F> layout="vertical" initialValues={{ category: 'other' }} onFinish={(v) => void submit(v)}>
        <Form.Item name="callerPhone" label={t('complaints.callerPhone')} rules={[{ required: true }]}>
          <Input inputMode="tel" maxLength={20} />
        </Form.Item>
        <Form.Item name="orderNo" label={t('orders.no')}>
          <Input maxLength={30} placeholder="DB20261123-XXXXXX" />
        </Form.Item>
        <Form.Item name="category" label={t('complaints.category')} rules={[{ required: true }]}>
          <Select options={COMPLAINT_CATEGORIES.map((c) => ({ value: c, label: t(`complaints.cat.${c}`) }))} />
        </Form.Item>
        <Form.Item name="text" label={t('complaints.text')} rules={[{ required: true }]}>
          <Input.TextArea rows={4} maxLength={5000} />
        </Form.Item>
        <Button type="primary" htmlType="submit" block loading={busy}>
          {t('common.submit')}
        </Button>
      </Form>
    </Modal>
  );
}
