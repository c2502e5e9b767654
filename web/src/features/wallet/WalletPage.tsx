import { useCallback, useEffect, useRef, useState } from 'react';
import {
  Alert,
  App as AntApp,
  Button,
  Card,
  Col,
  Empty,
  Form,
  Input,
  List,
  Modal,
  Popconfirm,
  QRCode,
  Radio,
  Row,
  Select,
  Space,
  Statistic,
  Tabs,
  Tag,
  Typography,
} from 'antd';
import { api, call, type ResponseOf } from '../../api/client.ts';
import { useI18n } from '../../app/i18n.tsx';
import { useLive } from '../../app/live.tsx';
import { PageHeader } from '../../app/layouts.tsx';
import type { MessageKey } from '../../app/dictionary.ts';
import { feeFor, toFen, yuan } from './money.ts';
import { Bills } from './Bills.tsx';
import { PagedBlock, usePagedList } from '../../components/PagedTable.tsx';

type Wallet = ResponseOf<'/api/v1/wallet', 'get'>;
type Tx = ResponseOf<'/api/v1/wallet/transactions', 'get'>['items'][number];
type TopUp = ResponseOf<'/api/v1/wallet/topups/{id}', 'get'>;
type PayoutAccount = ResponseOf<'/api/v1/wallet/payout-accounts', 'get'>['items'][number];
type Withdrawal = ResponseOf<'/api/v1/wallet/withdrawals', 'get'>['items'][number];
type Rules = ResponseOf<'/api/v1/wallet/withdrawal-rules', 'get'>;
type Direction = 'all' | 'in' | 'out';

const STATUS_COLOR: Record<string, string> = {
  paid: 'green',
  failed: 'red',
  closed: 'default',
  requested: 'blue',
  submitted: 'blue',
  pending: 'gold',
};

/** The wallet (S5.9a, S5.9b): balance, movements, top-up through the payment channel, withdrawal, payout accounts. */
export function WalletPage() {
  const { t, errorText } = useI18n();
  const { message } = AntApp.useApp();
  const { subscribe } = useLive();
  const [wallet, setWallet] = useState<Wallet>();
  const [direction, setDirection] = useState<Direction>('all');
  const [withdrawals, setWithdrawals] = useState<Withdrawal[]>([]);
  const [accounts, setAccounts] = useState<PayoutAccount[]>([]);
  const [topUpOpen, setTopUpOpen] = useState(false);
  const [withdrawOpen, setWithdrawOpen] = useState(false);
  const [tab, setTab] = useState('transactions');

  const loadBalance = useCallback(async () => {
    try {
      setWallet(await call(api.GET('/api/v1/wallet')));
    } catch (err) {
      message.error(errorText(err));
    }
  }, [message, errorText]);

  // Movements: keyset pages of the caller's postings, filtered by direction (the shared paged-list state).
  const fetchTxs = useCallback(
    (after?: string) =>
      call(
        api.GET('/api/v1/wallet/transactions', {
          params: { query: { ...(direction === 'all' ? {} : { direction }), ...(after ? { cursor: after } : {}), limit: 20 } },
        }),
      ),
    [direction],
  );
  const txs = usePagedList<Tx>(fetchTxs);
  const reloadTxs = txs.reload;

  const loadWithdrawals = useCallback(async () => {
    try {
      setWithdrawals((await call(api.GET('/api/v1/wallet/withdrawals'))).items);
    } catch (err) {
      message.error(errorText(err));
    }
  }, [message, errorText]);

  const loadAccounts = useCallback(async () => {
    try {
      setAccounts((await call(api.GET('/api/v1/wallet/payout-accounts'))).items);
    } catch (err) {
      message.error(errorText(err));
    }
  }, [message, errorText]);

  const refreshAll = useCallback(() => {
    void loadBalance();
    void reloadTxs();
    void loadWithdrawals();
  }, [loadBalance, reloadTxs, loadWithdrawals]);

  useEffect(() => {
    void loadBalance();
    void loadWithdrawals();
    void loadAccounts();
  }, [loadBalance, loadWithdrawals, loadAccounts]);
  // Every movement on the wallet is pushed as a notification (S5.8c): refresh what it changed.
  useEffect(() => subscribe((n) => n.category === 'wallet' && refreshAll()), [subscribe, refreshAll]);

  return (
    <>
      <PageHeader title={t('wallet.title')} />
      <Card data-testid="wallet-balance">
        <Row gutter={12}>
          <Col span={12}>
            <Statistic title={t('wallet.available')} prefix="¥" value={wallet ? yuan(wallet.availableFen) : '—'} />
          </Col>
          <Col span={12}>
            <Statistic title={t('wallet.held')} prefix="¥" value={wallet ? yuan(wallet.heldFen) : '—'} />
          </Col>
        </Row>
        {wallet && wallet.pendingPayouts > 0 && (
          <Typography.Text type="secondary">{t('wallet.pendingPayouts', { n: wallet.pendingPayouts })}</Typography.Text>
        )}
        <Space style={{ marginTop: 16, width: '100%' }} styles={{ item: { flex: 1 } }}>
          <Button type="primary" block size="large" onClick={() => setTopUpOpen(true)}>
            {t('wallet.topUp')}
          </Button>
          <Button block size="large" onClick={() => setWithdrawOpen(true)}>
            {t('wallet.withdraw')}
          </Button>
        </Space>
      </Card>

      <Tabs
        activeKey={tab}
        onChange={setTab}
        style={{ marginTop: 8 }}
        items={[
          {
            key: 'transactions',
            label: t('wallet.transactions'),
            children: (
              <PagedBlock<Tx, Direction>
                list={txs}
                filter={{
                  value: direction,
                  onChange: setDirection,
                  options: [
                    { value: 'all', label: t('wallet.dirAll') },
                    { value: 'in', label: t('wallet.dirIn') },
                    { value: 'out', label: t('wallet.dirOut') },
                  ],
                }}
                loadMoreLabel={t('wallet.loadMore')}
                block
              >
                <TransactionList items={txs.items} loading={txs.loading} />
              </PagedBlock>
            ),
          },
          {
            key: 'withdrawals',
            label: t('wallet.withdrawals'),
            children: <WithdrawalList items={withdrawals} accounts={accounts} />,
          },
          { key: 'bills', label: t('bills.tab'), children: <Bills /> },
          {
            key: 'accounts',
            label: t('wallet.payoutAccounts'),
            children: <PayoutAccounts items={accounts} reload={loadAccounts} />,
          },
        ]}
      />

      {topUpOpen && (
        <TopUpModal
          onClose={() => setTopUpOpen(false)}
          onPaid={() => {
            refreshAll();
          }}
        />
      )}
      {withdrawOpen && (
        <WithdrawModal
          accounts={accounts}
          available={wallet?.availableFen ?? 0}
          onClose={() => setWithdrawOpen(false)}
          onAddAccount={() => {
            setWithdrawOpen(false);
            setTab('accounts');
          }}
          onDone={() => {
            refreshAll();
            setTab('withdrawals');
          }}
        />
      )}
    </>
  );
}

function TransactionList({ items, loading }: { items: Tx[]; loading: boolean }) {
  const { t, formatTime } = useI18n();
  return (
    <List
      loading={loading && items.length === 0}
      dataSource={items}
      locale={{ emptyText: <Empty description={t('wallet.noTransactions')} /> }}
      renderItem={(x) => (
        <List.Item data-testid="wallet-tx">
          <List.Item.Meta
            title={
              <Space size={4}>
                {x.label}
                {x.account === 'held' && <Tag>{t('wallet.held')}</Tag>}
              </Space>
            }
            description={formatTime(x.createdAt)}
          />
          <div style={{ textAlign: 'right' }}>
            <div style={{ fontWeight: 600, color: x.amountFen >= 0 ? '#16a34a' : '#0f172a' }}>
              {x.amountFen >= 0 ? '+' : ''}
              {yuan(x.amountFen)}
            </div>
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {t('wallet.balanceAfter', { v: yuan(x.balanceAfterFen) })}
            </Typography.Text>
          </div>
        </List.Item>
      )}
    />
  );
}

function statusText(t: (k: MessageKey) => string, status: string): string {
  const key = `wallet.status.${status}` as MessageKey;
  return t(key) ?? status;
}

function WithdrawalList({ items, accounts }: { items: Withdrawal[]; accounts: PayoutAccount[] }) {
  const { t, formatTime } = useI18n();
  return (
    <List
      dataSource={items}
      locale={{ emptyText: <Empty description={t('wallet.noWithdrawals')} /> }}
      renderItem={(w) => (
        <List.Item data-testid="wallet-withdrawal">
          <List.Item.Meta
            title={
              <Space>
                ¥{yuan(w.amountFen)}
                <Tag color={STATUS_COLOR[w.status]}>{statusText(t, w.status)}</Tag>
              </Space>
            }
            description={
              <>
                <div>
                  {t('wallet.fee')} ¥{yuan(w.feeFen)} · {accounts.find((a) => a.id === w.payoutAccountId)?.accountMasked ?? ''}
                </div>
                <div>{formatTime(w.createdAt)}</div>
                {w.failReason && <Typography.Text type="danger">{w.failReason}</Typography.Text>}
              </>
            }
          />
        </List.Item>
      )}
    />
  );
}

function PayoutAccounts({ items, reload }: { items: PayoutAccount[]; reload: () => Promise<void> }) {
  const { t, errorText } = useI18n();
  const { message } = AntApp.useApp();
  const [form] = Form.useForm<{ kind: 'wechat' | 'bank_card'; openid?: string; cardNo?: string; bankName?: string; holderName?: string }>();
  const kind = Form.useWatch('kind', form) ?? 'wechat';
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const add = async (v: { kind: 'wechat' | 'bank_card'; openid?: string; cardNo?: string; bankName?: string; holderName?: string }) => {
    setError(undefined);
    setBusy(true);
    try {
      const body =
        v.kind === 'wechat'
          ? { kind: 'wechat' as const, openid: (v.openid ?? '').trim() }
          : {
              kind: 'bank_card' as const,
              cardNo: (v.cardNo ?? '').replace(/\s+/g, ''),
              bankName: (v.bankName ?? '').trim(),
              holderName: (v.holderName ?? '').trim(),
            };
      await call(api.POST('/api/v1/wallet/payout-accounts', { body }));
      message.success(t('wallet.accountAdded'));
      form.resetFields(['openid', 'cardNo', 'bankName', 'holderName']);
      await reload();
    } catch (err) {
      // The server's words, e.g. the Luhn check of a card number.
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const remove = async (id: string) => {
    try {
      await call(api.DELETE('/api/v1/wallet/payout-accounts/{id}', { params: { path: { id } } }));
      await reload();
    } catch (err) {
      message.error(errorText(err));
    }
  };

  return (
    <>
      <List
        dataSource={items}
        locale={{ emptyText: <Empty description={t('wallet.noAccounts')} /> }}
        renderItem={(a) => (
          <List.Item
            data-testid="payout-account"
            actions={[
              <Popconfirm key="rm" title={t('wallet.removeAccount')} onConfirm={() => void remove(a.id)}>
                <Button size="small" danger>
                  {t('wallet.remove')}
                </Button>
              </Popconfirm>,
            ]}
          >
            <List.Item.Meta
              title={a.kind === 'wechat' ? t('wallet.kindWechat') : (a.bankName ?? t('wallet.kindBank'))}
              description={a.accountMasked}
            />
          </List.Item>
        )}
      />
      <Card size="small" title={t('wallet.addAccount')} style={{ marginTop: 8 }}>
        <Form form={form} layout="vertical" initialValues={{ kind: 'wechat' }} onFinish={(v) => void add(v)}>
          <Form.Item name="kind">
            <Radio.Group
              optionType="button"
              options={[
                { value: 'wechat', label: t('wallet.kindWechat') },
                { value: 'bank_card', label: t('wallet.kindBank') },
              ]}
            />
          </Form.Item>
          {kind === 'wechat' ? (
            <Form.Item name="openid" label={t('wallet.openid')} extra={t('wallet.openidHint')} rules={[{ required: true, min: 6 }]}>
              <Input autoComplete="off" />
            </Form.Item>
          ) : (
            <>
              <Form.Item name="cardNo" label={t('wallet.cardNo')} rules={[{ required: true, min: 12 }]}>
                <Input inputMode="numeric" autoComplete="off" />
              </Form.Item>
              <Form.Item name="bankName" label={t('wallet.bankName')} rules={[{ required: true, min: 2 }]}>
                <Input />
              </Form.Item>
              <Form.Item name="holderName" label={t('wallet.holderName')} extra={t('wallet.holderNameHint')} rules={[{ required: true }]}>
                <Input autoComplete="name" data-testid="holder-name" />
              </Form.Item>
            </>
          )}
          {error && <Alert type="error" title={error} style={{ marginBottom: 12 }} data-testid="account-error" />}
          <Button type="primary" htmlType="submit" loading={busy} block>
            {t('wallet.bind')}
          </Button>
        </Form>
      </Card>
    </>
  );
}

/**
 * Top-up: the server opens a Native payment at the channel; the payer scans the QR code or opens the
 * channel's pay page (in development, the emulator's "scan and pay" page). We poll the top-up until it is
 * paid, closed or failed; the balance refreshes when it is credited.
 */
function TopUpModal({ onClose, onPaid }: { onClose: () => void; onPaid: () => void }) {
  const { t, errorText } = useI18n();
  const [amount, setAmount] = useState('');
  const [channels, setChannels] = useState<string[]>([]);
  const [channel, setChannel] = useState<string>();
  const [topUp, setTopUp] = useState<TopUp>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const key = useRef(crypto.randomUUID());
  const done = topUp && ['paid', 'closed', 'failed'].includes(topUp.status);

  useEffect(() => {
    if (!topUp || done) return;
    const timer = setInterval(() => {
      void call(api.GET('/api/v1/wallet/topups/{id}', { params: { path: { id: topUp.id } } }))
        .then((x) => {
          setTopUp(x);
          if (x.status === 'paid') onPaid();
        })
        .catch(() => undefined);
    }, 1500);
    return () => clearInterval(timer);
  }, [topUp, done, onPaid]);

  useEffect(() => {
    void call(api.GET('/api/v1/wallet/channels')).then(
      (x) => {
        setChannels(x.items.map((c) => c.name));
        setChannel((c) => c ?? x.items[0]?.name);
      },
      () => undefined,
    );
  }, []);

  const create = async () => {
    const fen = toFen(amount);
    if (!fen) return setError(t('wallet.amountInvalid'));
    setError(undefined);
    setBusy(true);
    try {
      const x = await call(
        api.POST('/api/v1/wallet/topups', {
          body: { amountFen: fen, ...(channel ? { channel } : {}) },
          params: { header: { 'idempotency-key': `${key.current}:${channel ?? ''}` } },
        }),
      );
      setTopUp(x);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal open title={t('wallet.topUp')} onCancel={onClose} footer={null} destroyOnHidden>
      {!topUp ? (
        <Space orientation="vertical" style={{ width: '100%' }}>
          <Input
            size="large"
            prefix="¥"
            inputMode="decimal"
            placeholder={t('wallet.amountYuan')}
            value={amount}
            onChange={(e) => setAmount(e.target.value)}
            data-testid="topup-amount"
          />
          {channels.length > 1 && (
            <Radio.Group
              value={channel}
              onChange={(e) => setChannel(e.target.value as string)}
              optionType="button"
              data-testid="topup-channel"
              options={channels.map((c) => ({ value: c, label: c === 'alipay' ? t('wallet.channelAlipay') : t('wallet.channelWechat') }))}
            />
          )}
          {error && <Alert type="error" title={error} />}
          <Button type="primary" block size="large" loading={busy} onClick={() => void create()}>
            {t('wallet.topUpCreate')}
          </Button>
        </Space>
      ) : (
        <Space orientation="vertical" align="center" style={{ width: '100%' }} data-testid="topup-pending">
          <div style={{ fontSize: 24, fontWeight: 600 }}>¥{yuan(topUp.amountFen)}</div>
          {topUp.status === 'paid' ? (
            <Alert type="success" title={t('wallet.topUpPaid')} data-testid="topup-paid" />
          ) : topUp.status === 'closed' || topUp.status === 'failed' ? (
            <Alert type="warning" title={t('wallet.topUpClosed')} />
          ) : (
            <>
              {topUp.codeUrl && <QRCode value={topUp.codeUrl} size={180} />}
              <Typography.Text type="secondary">{t('wallet.scanHint')}</Typography.Text>
              {topUp.payUrl && (
                <Button type="primary" href={topUp.payUrl} target="_blank" rel="noopener" data-testid="topup-pay-link">
                  {t('wallet.openPayPage')}
                </Button>
              )}
              <Tag color="gold">{t('wallet.waitingPayment')}</Tag>
            </>
          )}
          {done && (
            <Button block onClick={onClose}>
              {t('wallet.close')}
            </Button>
          )}
        </Space>
      )}
    </Modal>
  );
}

function WithdrawModal({
  accounts,
  available,
  onClose,
  onAddAccount,
  onDone,
}: {
  accounts: PayoutAccount[];
  available: number;
  onClose: () => void;
  onAddAccount: () => void;
  onDone: () => void;
}) {
  const { t, errorText } = useI18n();
  const [rules, setRules] = useState<Rules>();
  const [amount, setAmount] = useState('');
  const [accountId, setAccountId] = useState<string | undefined>(accounts.find((a) => a.kind === 'wechat')?.id ?? accounts[0]?.id);
  const [confirming, setConfirming] = useState(false);
  const [result, setResult] = useState<Withdrawal>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const key = useRef(crypto.randomUUID());

  useEffect(() => {
    void call(api.GET('/api/v1/wallet/withdrawal-rules')).then(setRules, (err: unknown) => setError(errorText(err)));
  }, [errorText]);

  const fen = toFen(amount);
  const fee = fen && rules ? feeFor(fen, rules.feePerMille) : 0;

  const review = () => {
    setError(undefined);
    if (!fen) return setError(t('wallet.amountInvalid'));
    if (rules && (fen < rules.minFen || fen > rules.maxFen))
      return setError(t('wallet.amountRange', { min: yuan(rules.minFen), max: yuan(rules.maxFen) }));
    if (!accountId) return setError(t('wallet.chooseAccount'));
    setConfirming(true);
  };

  const submit = async () => {
    if (!fen || !accountId) return;
    setBusy(true);
    setError(undefined);
    try {
      const w = await call(
        api.POST('/api/v1/wallet/withdrawals', {
          body: { amountFen: fen, payoutAccountId: accountId },
          params: { header: { 'idempotency-key': key.current } },
        }),
      );
      setResult(w);
      onDone();
    } catch (err) {
      setError(errorText(err));
      setConfirming(false);
      key.current = crypto.randomUUID();
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal open title={t('wallet.withdraw')} onCancel={onClose} footer={null} destroyOnHidden>
      {result ? (
        <Space orientation="vertical" style={{ width: '100%' }} data-testid="withdraw-result">
          <Alert type="success" title={t('wallet.withdrawRequested')} description={t('wallet.withdrawStatusHint')} />
          <div>
            ¥{yuan(result.amountFen)} · {t('wallet.fee')} ¥{yuan(result.feeFen)} ·{' '}
            <Tag color={STATUS_COLOR[result.status]}>{statusText(t, result.status)}</Tag>
          </div>
          <Button block onClick={onClose}>
            {t('wallet.close')}
          </Button>
        </Space>
      ) : accounts.length === 0 ? (
        <Space orientation="vertical" style={{ width: '100%' }}>
          <Alert type="info" title={t('wallet.needAccount')} />
          <Button type="primary" block onClick={onAddAccount}>
            {t('wallet.addAccount')}
          </Button>
        </Space>
      ) : (
        <Space orientation="vertical" style={{ width: '100%' }}>
          {rules && (
            <Typography.Text type="secondary" data-testid="withdraw-rules">
              {t('wallet.rules', {
                min: yuan(rules.minFen),
                max: yuan(rules.maxFen),
                daily: yuan(rules.dailyMaxFen),
                fee: (rules.feePerMille / 10).toString(),
              })}
            </Typography.Text>
          )}
          <Typography.Text>{t('wallet.availableNow', { v: yuan(available) })}</Typography.Text>
          <Select
            style={{ width: '100%' }}
            value={accountId}
            onChange={setAccountId}
            disabled={confirming}
            options={accounts.map((a) => ({
              value: a.id,
              label: `${a.kind === 'wechat' ? t('wallet.kindWechat') : (a.bankName ?? t('wallet.kindBank'))} ${a.accountMasked}`,
            }))}
          />
          <Input
            size="large"
            prefix="¥"
            inputMode="decimal"
            placeholder={t('wallet.amountYuan')}
            value={amount}
            disabled={confirming}
            onChange={(e) => setAmount(e.target.value)}
            data-testid="withdraw-amount"
          />
          {fen !== undefined && rules && (
            <div data-testid="withdraw-fee">{t('wallet.feePreview', { fee: yuan(fee), total: yuan(fen + fee) })}</div>
          )}
          {error && <Alert type="error" title={error} data-testid="withdraw-error" />}
          {confirming ? (
            <Space style={{ width: '100%' }} styles={{ item: { flex: 1 } }}>
              <Button block onClick={() => setConfirming(false)}>
                {t('wallet.back')}
              </Button>
              <Button type="primary" block loading={busy} onClick={() => void submit()}>
                {t('wallet.confirmWithdraw')}
              </Button>
            </Space>
          ) : (
            <Button type="primary" block size="large" onClick={review}>
              {t('wallet.next')}
            </Button>
          )}
        </Space>
      )}
    </Modal>
  );
}
