import { useCallback, useEffect, useState } from 'react';
import { Alert, App as AntApp, Button, DatePicker, Form, Input, InputNumber, Modal, Space } from 'antd';
import { EditOutlined } from '@ant-design/icons';
import dayjs, { type Dayjs } from 'dayjs';
import { api, call, type ResponseOf } from '../../api/client.ts';
import { useI18n } from '../../app/i18n.tsx';
import { yuan } from './format.ts';

type Order = ResponseOf<'/api/v1/orders/{id}', 'get'>;
type Change = ResponseOf<'/api/v1/orders/{id}/change-requests', 'get'>['items'][number];
interface EditForm {
  startsAt: Dayjs;
  endsAt: Dayjs;
  pay: number;
  description?: string;
  note?: string;
}

/**
 * Changing an order (S5.7a). The owner edits it directly until it is taken — a pay change moves the difference
 * between the wallet balance and the escrow at once — and afterwards proposes a new time and/or pay that the
 * courier accepts or declines here (the money moves on acceptance). Both parties see the open proposal.
 */
export function OrderChanges({ order, onChanged }: { order: Order; onChanged: () => void }) {
  const { t, errorText, formatTime } = useI18n();
  const { message } = AntApp.useApp();
  const [changes, setChanges] = useState<Change[]>([]);
  const [editing, setEditing] = useState(false);
  const [busy, setBusy] = useState(false);
  const party = order.viewer === 'owner' || order.viewer === 'courier';
  const path = { params: { path: { id: order.id } } };

  const loadChanges = useCallback(async () => {
    if (!party || !['taken', 'checked_in'].includes(order.status)) return setChanges([]);
    setChanges(
      await call(api.GET('/api/v1/orders/{id}/change-requests', path)).then(
        (r) => r.items,
        () => [],
      ),
    );
  }, [order]); // refetched whenever the order (re)loads
  useEffect(() => {
    void loadChanges();
  }, [loadChanges]);
  const pending = changes.find((c) => c.status === 'pending');

  const run = async (fn: () => Promise<unknown>, done: string) => {
    setBusy(true);
    try {
      await fn();
      message.success(done);
      setEditing(false);
      onChanged();
      await loadChanges();
    } catch (err) {
      message.error(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const submit = (v: EditForm) => {
    const startsAt = v.startsAt.toISOString();
    const endsAt = v.endsAt.toISOString();
    const payFen = Math.round(v.pay * 100);
    const timeChanged = startsAt !== new Date(order.startsAt).toISOString() || endsAt !== new Date(order.endsAt).toISOString();
    const payChanged = payFen !== order.payFen;
    const description = v.description?.trim() ?? '';
    const descriptionChanged = description !== (order.description ?? '');
    return run(
      async () => {
        if (order.status === 'taken' && (timeChanged || payChanged)) {
          await call(
            api.POST('/api/v1/orders/{id}/change-requests', {
              ...path,
              body: {
                ...(timeChanged ? { startsAt, endsAt } : {}),
                ...(payChanged ? { payFen } : {}),
                ...(v.note?.trim() ? { note: v.note.trim() } : {}),
              },
            }),
          );
          if (descriptionChanged) await call(api.PATCH('/api/v1/orders/{id}', { ...path, body: { description } }));
        } else {
          await call(
            api.PATCH('/api/v1/orders/{id}', {
              ...path,
              body: {
                ...(timeChanged ? { startsAt, endsAt } : {}),
                ...(payChanged ? { payFen } : {}),
                ...(descriptionChanged ? { description } : {}),
              },
            }),
          );
        }
      },
      t(order.status === 'taken' && (timeChanged || payChanged) ? 'orders.changeProposed' : 'common.saved'),
    );
  };

  return (
    <>
      {pending && (
        <Alert
          type="info"
          showIcon
          style={{ marginBottom: 12 }}
          data-testid="change-pending"
          title={t('orders.changePending', {
            time: `${formatTime(pending.startsAt)} – ${formatTime(pending.endsAt)}`,
            pay: yuan(pending.payFen ?? order.payFen),
          })}
          description={pending.note ?? undefined}
          action={
            order.viewer === 'courier' ? (
              <Space orientation="vertical">
                <Button
                  type="primary"
                  size="small"
                  loading={busy}
                  data-testid="change-accept"
                  onClick={() =>
                    void run(
                      () =>
                        call(
                          api.POST('/api/v1/orders/{id}/change-requests/{requestId}/{decision}', {
                            params: { path: { id: order.id, requestId: pending.id, decision: 'accept' } },
                          }),
                        ),
                      t('orders.changeAccepted'),
                    )
                  }
                >
                  {t('orders.changeAccept')}
                </Button>
                <Button
                  size="small"
                  loading={busy}
                  data-testid="change-decline"
                  onClick={() =>
                    void run(
                      () =>
                        call(
                          api.POST('/api/v1/orders/{id}/change-requests/{requestId}/{decision}', {
                            params: { path: { id: order.id, requestId: pending.id, decision: 'decline' } },
                          }),
                        ),
                      t('orders.changeDeclined'),
                    )
                  }
                >
                  {t('orders.changeDecline')}
                </Button>
              </Space>
            ) : undefined
          }
        />
      )}
      {order.actions.includes('edit') && (
        <Button icon={<EditOutlined />} onClick={() => setEditing(true)} data-testid="edit-order" style={{ marginBottom: 12 }}>
          {t('orders.edit')}
        </Button>
      )}
      <Modal open={editing} title={t('orders.edit')} footer={null} onCancel={() => setEditing(false)} destroyOnHidden>
        <Alert
          type={order.status === 'taken' ? 'warning' : 'info'}
          showIcon
          style={{ marginBottom: 12 }}
          title={t(
            order.status === 'taken'
              ? 'orders.editNeedsConsent'
              : order.status === 'pending_payment'
                ? 'orders.editUnpaid'
                : 'orders.editPaid',
          )}
        />
        <Form<EditForm>
          layout="vertical"
          data-testid="edit-form"
          initialValues={{
            startsAt: dayjs(order.startsAt),
            endsAt: dayjs(order.endsAt),
            pay: order.payFen / 100,
            description: order.description ?? '',
          }}
          onFinish={(v) => void submit(v)}
        >
          <Form.Item name="startsAt" label={t('orders.startsAt')} rules={[{ required: true }]}>
            <DatePicker showTime={{ format: 'HH:mm', minuteStep: 15 }} format="YYYY-MM-DD HH:mm" style={{ width: '100%' }} />
          </Form.Item>
          <Form.Item name="endsAt" label={t('orders.endsAt')} rules={[{ required: true }]}>
            <DatePicker showTime={{ format: 'HH:mm', minuteStep: 15 }} format="YYYY-MM-DD HH:mm" style={{ width: '100%' }} />
          </Form.Item>
          <Form.Item name="pay" label={t('orders.payTotal')} rules={[{ required: true }]}>
            <InputNumber min={0.01} step={10} precision={2} prefix="¥" style={{ width: '100%' }} data-testid="edit-pay" />
          </Form.Item>
          <Form.Item name="description" label={t('orders.description')}>
            <Input.TextArea rows={3} maxLength={1000} />
          </Form.Item>
          {order.status === 'taken' && (
            <Form.Item name="note" label={t('orders.changeNote')}>
              <Input maxLength={200} />
            </Form.Item>
          )}
          <Button type="primary" htmlType="submit" block loading={busy} data-testid="edit-submit">
            {t(order.status === 'taken' ? 'orders.changePropose' : 'common.save')}
          </Button>
        </Form>
      </Modal>
    </>
  );
}
