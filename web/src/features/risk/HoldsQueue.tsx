import { useCallback, useState } from 'react';
import { App as AntApp, Button, Form, Input, Modal, Tag, Typography } from 'antd';
import { api, call, type ResponseOf } from '../../api/client.ts';
import { useI18n } from '../../app/i18n.tsx';
import { useSession } from '../../app/session.tsx';
import type { MessageKey } from '../../app/dictionary.ts';
import { yuan } from '../wallet/money.ts';
import { PagedTable, usePagedList } from '../../components/PagedTable.tsx';

type Hold = ResponseOf<'/api/v1/risk/order-holds', 'get'>['items'][number];
type HoldStatus = Hold['status'];

const STATUS_COLOR: Record<HoldStatus, string> = {
  pending: 'gold',
  released: 'green',
  rejected: 'red',
  expired: 'default',
  withdrawn: 'default',
};

/**
 * Review queue of orders held because their company is at high risk (issue 6): company figures, the
 * owner's reply, and — for 'risk:manage' — release (→ published) or reject (→ cancelled, refunded)
 * with a reason the owner sees.
 */
export function HoldsQueue() {
  const { t, errorText, formatTime } = useI18n();
  const { message } = AntApp.useApp();
  const { me } = useSession();
  const canManage = !!me?.permissions.includes('risk:manage');
  const [status, setStatus] = useState<HoldStatus | 'all'>('pending');
  const [deciding, setDeciding] = useState<{ hold: Hold; decision: 'release' | 'reject' } | null>(null);
  const [busy, setBusy] = useState(false);
  const [form] = Form.useForm<{ reason: string }>();

  const fetchPage = useCallback(
    (after?: string) =>
      call(
        api.GET('/api/v1/risk/order-holds', {
          params: { query: { ...(status === 'all' ? {} : { status }), ...(after ? { cursor: after } : {}), limit: 20 } },
        }),
      ),
    [status],
  );
  const list = usePagedList<Hold>(fetchPage);

  const decide = async ({ reason }: { reason: string }) => {
    if (!deciding) return;
    setBusy(true);
    try {
      await call(
        api.POST('/api/v1/risk/order-holds/{orderId}/decision', {
          params: { path: { orderId: deciding.hold.orderId } },
          body: { decision: deciding.decision, reason: reason.trim() },
        }),
      );
      message.success(t(deciding.decision === 'release' ? 'risk.hold.released' : 'risk.hold.rejected'));
      setDeciding(null);
      form.resetFields();
      await list.reload();
    } catch (err) {
      message.error(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <PagedTable<Hold, HoldStatus | 'all'>
        list={list}
        loadMoreLabel={t('risk.loadMore')}
        filter={{
          value: status,
          onChange: setStatus,
          options: [
            { value: 'pending', label: t('risk.hold.status.pending') },
            { value: 'released', label: t('risk.hold.status.released') },
            { value: 'rejected', label: t('risk.hold.status.rejected') },
            { value: 'all', label: t('risk.all') },
          ],
        }}
        rowKey="orderId"
        locale={{ emptyText: t('risk.hold.empty') }}
        data-testid="risk-holds"
        columns={[
          {
            title: t('risk.hold.order'),
            render: (_: unknown, h: Hold) => (
              <>
                <div>{h.orderNo}</div>
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {h.storeName}
                </Typography.Text>
              </>
            ),
          },
          {
            title: t('risk.company'),
            render: (_: unknown, h: Hold) => (
              <>
                <div>{h.companyName}</div>
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {h.creditCode}
                </Typography.Text>
              </>
            ),
          },
          { title: t('risk.score'), dataIndex: 'score', align: 'right' },
          { title: t('risk.caseCount'), dataIndex: 'caseCount', align: 'right' },
          { title: t('risk.amount'), dataIndex: 'totalAmountFen', align: 'right', render: (f: number) => `¥${yuan(f)}` },
          { title: t('risk.hold.startsAt'), dataIndex: 'startsAt', render: (v: string) => formatTime(v) },
          { title: t('risk.hold.pay'), dataIndex: 'payFen', align: 'right', render: (f: number) => `¥${yuan(f)}` },
          {
            title: t('risk.hold.response'),
            render: (_: unknown, h: Hold) =>
              h.response ? (
                <span data-testid="risk-hold-owner-reply">{h.response}</span>
              ) : (
                <Typography.Text type="secondary">{t('risk.hold.noResponse')}</Typography.Text>
              ),
          },
          {
            title: t('risk.hold.decision'),
            render: (_: unknown, h: Hold) =>
              h.status === 'pending' && canManage ? (
                <>
                  <Button
                    size="small"
                    type="primary"
                    style={{ marginRight: 4 }}
                    data-testid={`risk-hold-release-${h.orderNo}`}
                    onClick={() => setDeciding({ hold: h, decision: 'release' })}
                  >
                    {t('risk.hold.release')}
                  </Button>
                  <Button size="small" danger onClick={() => setDeciding({ hold: h, decision: 'reject' })}>
                    {t('risk.hold.reject')}
                  </Button>
                </>
              ) : (
                <>
                  <Tag color={STATUS_COLOR[h.status]}>{t(`risk.hold.status.${h.status}` as MessageKey)}</Tag>
                  {h.decisionReason && <Typography.Text type="secondary">{h.decisionReason}</Typography.Text>}
                </>
              ),
          },
        ]}
      />
      <Modal
        open={!!deciding}
        title={
          deciding ? `${t(deciding.decision === 'release' ? 'risk.hold.release' : 'risk.hold.reject')} · ${deciding.hold.orderNo}` : ''
        }
        okText={deciding ? t(deciding.decision === 'release' ? 'risk.hold.release' : 'risk.hold.reject') : ''}
        okButtonProps={{ danger: deciding?.decision === 'reject', loading: busy }}
        onOk={() => form.submit()}
        onCancel={() => setDeciding(null)}
        destroyOnHidden
      >
        <Form form={form} layout="vertical" onFinish={(v) => void decide(v)}>
          <Form.Item
            name="reason"
            label={t('risk.hold.reason')}
            rules={[{ required: true, whitespace: true, min: 2, max: 500, message: t('risk.hold.reasonRequired') }]}
          >
            <Input.TextArea rows={3} maxLength={500} data-testid="risk-hold-decision-reason" />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}
