import { useCallback, useEffect, useState } from 'react';
import { Alert, App as AntApp, Button, DatePicker, Form, Input, Modal, Radio, Space, Tabs, Tag, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { api, call, type ResponseOf } from '../../api/client.ts';
import { useI18n } from '../../app/i18n.tsx';
import { useSession } from '../../app/session.tsx';
import { PageHeader } from '../../app/layouts.tsx';
import type { MessageKey } from '../../app/dictionary.ts';
import { toFen, yuan } from './money.ts';
import { PagedTable, usePagedList } from '../../components/PagedTable.tsx';
import { AppealAttachments } from './Bills.tsx';

type Run = ResponseOf<'/api/v1/wallet/finance/reconciliations', 'get'>['items'][number];
type Disc = ResponseOf<'/api/v1/wallet/finance/discrepancies', 'get'>['items'][number];

const RUN_COLOR: Record<Run['status'], string> = { balanced: 'green', discrepancies: 'orange', no_bill: 'default', failed: 'red' };

/** Finance console (finance:read; acting needs finance:reconcile): reconciliation runs and the discrepancy queue (S5.9c). */
export function FinancePage() {
  const { t } = useI18n();
  return (
    <>
      <PageHeader title={t('finance.title')} />
      <Tabs
        destroyOnHidden
        items={[
          { key: 'queue', label: t('finance.queue'), children: <DiscrepancyQueue /> },
          { key: 'runs', label: t('finance.runs'), children: <Runs /> },
          { key: 'appeals', label: t('finance.appeals'), children: <Appeals /> },
        ]}
      />
    </>
  );
}

function useCanReconcile(): boolean {
  const { me } = useSession();
  return !!me?.permissions.includes('finance:reconcile');
}

function Runs() {
  const { t, errorText, formatTime } = useI18n();
  const { message } = AntApp.useApp();
  const canAct = useCanReconcile();
  const [day, setDay] = useState<Dayjs | null>(null);
  const [channels, setChannels] = useState<string[]>([]);
  const [channel, setChannel] = useState<string>();
  useEffect(() => {
    void call(api.GET('/api/v1/wallet/channels')).then(
      (x) => {
        setChannels(x.items.map((c) => c.name));
        setChannel((c) => c ?? x.items[0]?.name);
      },
      () => undefined,
    );
  }, []);

  const list = usePagedList<Run>(
    useCallback(() => call(api.GET('/api/v1/wallet/finance/reconciliations', { params: { query: { limit: 60 } } })), []),
  );

  const run = async () => {
    if (!day) return;
    try {
      const r = await call(
        api.POST('/api/v1/wallet/finance/reconciliations', { body: { day: day.format('YYYY-MM-DD'), ...(channel ? { channel } : {}) } }),
      );
      message.success(t(`finance.run.${r.status}` as MessageKey));
      await list.reload();
    } catch (err) {
      message.error(errorText(err));
    }
  };

  return (
    <>
      {canAct && (
        <Space style={{ marginBottom: 8 }}>
          <DatePicker value={day} onChange={setDay} />
          {channels.length > 1 && (
            <Radio.Group
              value={channel}
              onChange={(e) => setChannel(e.target.value as string)}
              optionType="button"
              data-testid="recon-channel"
              options={channels.map((c) => ({ value: c, label: c === 'alipay' ? t('wallet.channelAlipay') : t('wallet.channelWechat') }))}
            />
          )}
          <Button type="primary" disabled={!day} onClick={() => void run()}>
            {t('finance.reconcileDay')}
          </Button>
        </Space>
      )}
      <PagedTable<Run>
        list={list}
        loadMoreLabel={t('common.more')}
        rowKey="id"
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        columns={[
          { title: t('finance.day'), dataIndex: 'day' },
          { title: t('finance.channel'), dataIndex: 'channel' },
          {
            title: t('finance.status'),
            dataIndex: 'status',
            render: (s: Run['status'], r: Run) => (
              <>
                <Tag color={RUN_COLOR[s]}>{t(`finance.run.${s}` as MessageKey)}</Tag>
                {r.error && <Typography.Text type="danger">{r.error}</Typography.Text>}
              </>
            ),
          },
          { title: t('finance.billLines'), dataIndex: 'billLines', align: 'right' },
          { title: t('finance.matched'), dataIndex: 'matched', align: 'right' },
          { title: t('finance.discrepancies'), dataIndex: 'discrepancies', align: 'right' },
          { title: t('finance.autoCredited'), dataIndex: 'autoCredited', align: 'right' },
          { title: t('finance.at'), dataIndex: 'createdAt', render: (v: string) => formatTime(v) },
        ]}
      />
    </>
  );
}

function DiscrepancyQueue() {
  const { t, formatTime } = useI18n();
  const canAct = useCanReconcile();
  const [status, setStatus] = useState<'open' | 'resolved'>('open');
  const [resolving, setResolving] = useState<Disc>();
  const list = usePagedList<Disc>(
    useCallback(() => call(api.GET('/api/v1/wallet/finance/discrepancies', { params: { query: { status, limit: 200 } } })), [status]),
  );

  return (
    <>
      <PagedTable<Disc, 'open' | 'resolved'>
        list={list}
        loadMoreLabel={t('common.more')}
        filter={{
          value: status,
          onChange: setStatus,
          options: [
            { value: 'open', label: t('finance.open') },
            { value: 'resolved', label: t('finance.resolved') },
          ],
        }}
        rowKey="id"
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        columns={[
          { title: t('finance.day'), dataIndex: 'day' },
          { title: t('finance.tradeNo'), dataIndex: 'outTradeNo' },
          {
            title: t('finance.kind'),
            dataIndex: 'kind',
            render: (k: Disc['kind']) => <Tag color="orange">{t(`finance.kind.${k}` as MessageKey)}</Tag>,
          },
          {
            title: t('finance.channelAmount'),
            dataIndex: 'channelAmountFen',
            align: 'right',
            render: (f: number | null) => (f === null ? '—' : `¥${yuan(f)}`),
          },
          {
            title: t('finance.ourAmount'),
            dataIndex: 'ourAmountFen',
            align: 'right',
            render: (f: number | null) => (f === null ? '—' : `¥${yuan(f)}`),
          },
          {
            title: t('finance.resolution'),
            render: (_: unknown, d: Disc) =>
              d.status === 'open' ? (
                canAct ? (
                  <Button size="small" onClick={() => setResolving(d)}>
                    {t('finance.resolve')}
                  </Button>
                ) : (
                  <Tag>{t('finance.open')}</Tag>
                )
              ) : (
                <>
                  <Tag color="green">{d.resolution ? t(`finance.res.${d.resolution}` as MessageKey) : ''}</Tag>
                  <span>{d.resolutionReason}</span>
                  <div style={{ color: '#64748b', fontSize: 12 }}>{formatTime(d.resolvedAt)}</div>
                </>
              ),
          },
        ]}
      />
      {resolving && (
        <ResolveModal
          d={resolving}
          onClose={() => setResolving(undefined)}
          onDone={() => {
            setResolving(undefined);
            void list.reload();
          }}
        />
      )}
    </>
  );
}

function ResolveModal({ d, onClose, onDone }: { d: Disc; onClose: () => void; onDone: () => void }) {
  const { t, errorText } = useI18n();
  const [form] = Form.useForm<{ action: 'adjust' | 'dismiss'; amount?: string; direction: 1 | -1; userId?: string; reason: string }>();
  const action = Form.useWatch('action', form) ?? 'adjust';
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (v: { action: 'adjust' | 'dismiss'; amount?: string; direction: 1 | -1; userId?: string; reason: string }) => {
    setError(undefined);
    let amountFen: number | undefined;
    if (v.action === 'adjust') {
      const fen = toFen(v.amount);
      if (!fen) return setError(t('wallet.amountInvalid'));
      amountFen = fen * v.direction;
    }
    setBusy(true);
    try {
      await call(
        api.POST('/api/v1/wallet/finance/discrepancies/{id}/resolve', {
          params: { path: { id: d.id } },
          body: {
            action: v.action,
            reason: v.reason.trim(),
            ...(amountFen !== undefined ? { amountFen } : {}),
            ...(v.userId?.trim() ? { userId: v.userId.trim() } : {}),
          },
        }),
      );
      onDone();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  const suggested =
    d.channelAmountFen !== null && d.ourAmountFen !== null ? d.channelAmountFen - d.ourAmountFen : (d.channelAmountFen ?? 0);
  return (
    <Modal open title={`${t('finance.resolve')} · ${d.outTradeNo}`} onCancel={onClose} onOk={() => form.submit()} confirmLoading={busy}>
      <Form
        form={form}
        layout="vertical"
        initialValues={{
          action: 'adjust',
          direction: suggested < 0 ? -1 : 1,
          amount: suggested ? yuan(Math.abs(suggested)).replace(/,/g, '') : '',
        }}
        onFinish={(v) => void submit(v)}
      >
        <Form.Item name="action">
          <Radio.Group
            optionType="button"
            options={[
              { value: 'adjust', label: t('finance.adjust') },
              { value: 'dismiss', label: t('finance.dismiss') },
            ]}
          />
        </Form.Item>
        {action === 'adjust' && (
          <>
            <Space>
              <Form.Item name="direction">
                <Radio.Group
                  options={[
                    { value: 1, label: t('finance.creditUser') },
                    { value: -1, label: t('finance.chargeUser') },
                  ]}
                />
              </Form.Item>
              <Form.Item name="amount" rules={[{ required: true }]}>
                <Input prefix="¥" inputMode="decimal" style={{ width: 160 }} />
              </Form.Item>
            </Space>
            {!d.userId && (
              <Form.Item name="userId" label={t('finance.userId')} rules={[{ required: true }]}>
                <Input />
              </Form.Item>
            )}
          </>
        )}
        <Form.Item name="reason" label={t('finance.reason')} rules={[{ required: true, whitespace: true }]}>
          <Input.TextArea rows={3} maxLength={500} />
        </Form.Item>
        {error && <Alert type="error" title={error} />}
      </Form>
    </Modal>
  );
}

type AppealItem = ResponseOf<'/api/v1/wallet/finance/appeals', 'get'>['items'][number];

/** Bill appeals, nearest deadline first; finance:approve accepts (with an adjustment) or rejects (with an explanation). */
function Appeals() {
  const { t, formatTime } = useI18n();
  const { me } = useSession();
  const canDecide = !!me?.permissions.includes('finance:approve');
  const [status, setStatus] = useState<'open' | 'accepted' | 'rejected'>('open');
  const [deciding, setDeciding] = useState<AppealItem>();
  const list = usePagedList<AppealItem>(
    useCallback(() => call(api.GET('/api/v1/wallet/finance/appeals', { params: { query: { status } } })), [status]),
  );

  return (
    <>
      <PagedTable<AppealItem, 'open' | 'accepted' | 'rejected'>
        list={list}
        loadMoreLabel={t('common.more')}
        filter={{
          value: status,
          onChange: setStatus,
          options: [
            { value: 'open', label: t('finance.open') },
            { value: 'accepted', label: t('bills.appeal.accepted') },
            { value: 'rejected', label: t('bills.appeal.rejected') },
          ],
        }}
        rowKey="id"
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        columns={[
          { title: t('finance.lineAmount'), dataIndex: 'lineAmountFen', align: 'right', render: (f: number) => `¥${yuan(f)}` },
          {
            title: t('finance.appealReason'),
            dataIndex: 'reason',
            render: (v: string, a: AppealItem) => (
              <>
                <div>{v}</div>
                <AppealAttachments appeal={a} />
              </>
            ),
          },
          {
            title: t('finance.due'),
            dataIndex: 'dueAt',
            render: (v: string, a: AppealItem) => (
              <>
                {formatTime(v)} {a.overdue && <Tag color="red">{t('finance.overdue')}</Tag>}
              </>
            ),
          },
          { title: t('finance.at'), dataIndex: 'createdAt', render: (v: string) => formatTime(v) },
          {
            title: t('finance.resolution'),
            render: (_: unknown, a: AppealItem) =>
              a.status === 'open' ? (
                canDecide ? (
                  <Button size="small" onClick={() => setDeciding(a)}>
                    {t('finance.decide')}
                  </Button>
                ) : (
                  <Tag>{t('finance.open')}</Tag>
                )
              ) : (
                <>
                  <Tag color={a.status === 'accepted' ? 'green' : 'default'}>{t(`bills.appeal.${a.status}` as MessageKey)}</Tag>
                  {a.adjustmentFen !== null && <span>¥{yuan(a.adjustmentFen)} </span>}
                  <span>{a.decisionNote}</span>
                </>
              ),
          },
        ]}
      />
      {deciding && (
        <DecideModal
          a={deciding}
          onClose={() => setDeciding(undefined)}
          onDone={() => {
            setDeciding(undefined);
            void list.reload();
          }}
        />
      )}
    </>
  );
}

function DecideModal({ a, onClose, onDone }: { a: AppealItem; onClose: () => void; onDone: () => void }) {
  const { t, errorText } = useI18n();
  const [decision, setDecision] = useState<'accept' | 'reject'>('accept');
  const [amount, setAmount] = useState('');
  const [direction, setDirection] = useState<1 | -1>(1);
  const [note, setNote] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    setError(undefined);
    if (!note.trim()) return setError(t('bills.reasonRequired'));
    let adjustmentFen: number | undefined;
    if (decision === 'accept' && amount.trim()) {
      const fen = toFen(amount);
      if (!fen) return setError(t('wallet.amountInvalid'));
      adjustmentFen = fen * direction;
    }
    setBusy(true);
    try {
      await call(
        api.POST('/api/v1/wallet/finance/appeals/{id}/decide', {
          params: { path: { id: a.id } },
          body: { decision, note: note.trim(), ...(adjustmentFen !== undefined ? { adjustmentFen } : {}) },
        }),
      );
      onDone();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal open title={t('finance.decide')} onCancel={onClose} onOk={() => void submit()} confirmLoading={busy}>
      <Space orientation="vertical" style={{ width: '100%' }}>
        <Typography.Text>
          ¥{yuan(a.lineAmountFen)} · {a.reason}
        </Typography.Text>
        <Radio.Group
          value={decision}
          onChange={(e) => setDecision(e.target.value as 'accept' | 'reject')}
          optionType="button"
          options={[
            { value: 'accept', label: t('finance.accept') },
            { value: 'reject', label: t('finance.reject') },
          ]}
        />
        {decision === 'accept' && (
          <Space>
            <Radio.Group
              value={direction}
              onChange={(e) => setDirection(e.target.value as 1 | -1)}
              options={[
                { value: 1, label: t('finance.creditUser') },
                { value: -1, label: t('finance.chargeUser') },
              ]}
            />
            <Input prefix="¥" inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} style={{ width: 140 }} />
          </Space>
        )}
        <Input.TextArea rows={3} maxLength={1000} value={note} onChange={(e) => setNote(e.target.value)} placeholder={t('finance.note')} />
        {error && <Alert type="error" title={error} />}
      </Space>
    </Modal>
  );
}
