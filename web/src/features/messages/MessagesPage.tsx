import { useCallback, useEffect, useState } from 'react';
import { useNavigate } from 'react-router';
import { App as AntApp, Badge, Button, Empty, List, Modal, Segmented, Space, Tabs, Tag, Typography } from 'antd';
import { CheckOutlined } from '@ant-design/icons';
import { api, call } from '../../api/client.ts';
import { useI18n } from '../../app/i18n.tsx';
import { useLive, type Notification } from '../../app/live.tsx';
import { PageHeader } from '../../app/layouts.tsx';
import type { MessageKey } from '../../app/dictionary.ts';
import { isOpenableLink } from '../../app/nav.tsx';

type Category = Notification['category'];
type Status = 'all' | 'unread' | 'read';
const categories: Category[] = ['order', 'wallet', 'account', 'system'];
const catColor: Record<Category, string> = { order: 'blue', wallet: 'gold', account: 'purple', system: 'default' };

/** The message center (S5.8a): tabs by category, unread/read filter, open to read, mark all read. */
export function MessagesPage() {
  const { t, formatTime, errorText } = useI18n();
  const { message } = AntApp.useApp();
  const { counts, subscribe } = useLive();
  const navigate = useNavigate();
  const [category, setCategory] = useState<Category | 'all'>('all');
  const [status, setStatus] = useState<Status>('all');
  const [items, setItems] = useState<Notification[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [open, setOpen] = useState<Notification | null>(null);

  const load = useCallback(
    async (after?: string) => {
      setLoading(true);
      try {
        const page = await call(
          api.GET('/api/v1/notifications', {
            params: { query: { status, ...(category === 'all' ? {} : { category }), ...(after ? { cursor: after } : {}), limit: 20 } },
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
    [category, status, message, errorText],
  );

  useEffect(() => {
    void load();
  }, [load]);

  // A notification pushed live appears at the top when it fits the current filter.
  useEffect(
    () =>
      subscribe((n) => {
        if ((category === 'all' || n.category === category) && status !== 'read') {
          setItems((prev) => (prev.some((p) => p.id === n.id) ? prev : [n, ...prev]));
        }
      }),
    [subscribe, category, status],
  );

  const replace = (n: Notification) =>
    setItems((prev) => (status === 'unread' && n.read ? prev.filter((p) => p.id !== n.id) : prev.map((p) => (p.id === n.id ? n : p))));

  const markRead = async (n: Notification) => {
    if (n.read) return n;
    try {
      const r = await call(api.POST('/api/v1/notifications/{id}/read', { params: { path: { id: n.id } } }));
      replace(r.notification);
      return r.notification;
    } catch (err) {
      message.error(errorText(err));
      return n;
    }
  };

  const openItem = async (n: Notification) => {
    setOpen(n);
    const updated = await markRead(n);
    setOpen(updated);
  };

  const markAll = async () => {
    try {
      await call(api.POST('/api/v1/notifications/read-all', { body: category === 'all' ? {} : { category } }));
      message.success(t('msg.allMarked'));
      await load();
    } catch (err) {
      message.error(errorText(err));
    }
  };

  const tabLabel = (key: Category | 'all') => {
    const label = key === 'all' ? t('msg.all') : t(`msg.cat.${key}` as MessageKey);
    const n = key === 'all' ? counts?.total : counts?.[key];
    return (
      <span data-testid={`tab-${key}`}>
        {label} {n ? <Badge count={n} size="small" /> : null}
      </span>
    );
  };

  return (
    <>
      <PageHeader
        title={t('msg.title')}
        extra={
          <Button icon={<CheckOutlined />} onClick={markAll} disabled={!counts?.total} data-testid="mark-all-read">
            {t('msg.markAllRead')}
          </Button>
        }
      />
      <Tabs
        activeKey={category}
        onChange={(k) => setCategory(k as Category | 'all')}
        items={(['all', ...categories] as const).map((k) => ({ key: k, label: tabLabel(k) }))}
      />
      <Segmented<Status>
        value={status}
        onChange={setStatus}
        style={{ marginBottom: 12 }}
        options={[
          { value: 'all', label: t('msg.all') },
          { value: 'unread', label: <span data-testid="filter-unread">{t('msg.unread')}</span> },
          { value: 'read', label: <span data-testid="filter-read">{t('msg.read')}</span> },
        ]}
      />
      <List
        loading={loading && items.length === 0}
        dataSource={items}
        locale={{ emptyText: <Empty description={t('msg.empty')} /> }}
        renderItem={(n) => (
          <List.Item
            className={`msg-item ${n.read ? 'read' : 'unread'}`}
            data-testid="notification"
            data-read={n.read ? 'true' : 'false'}
            onClick={() => void openItem(n)}
            actions={
              n.read
                ? []
                : [
                    <Button
                      key="read"
                      size="small"
                      type="link"
                      onClick={(e) => {
                        e.stopPropagation();
                        void markRead(n);
                      }}
                    >
                      {t('msg.markRead')}
                    </Button>,
                  ]
            }
          >
            <List.Item.Meta
              title={
                <span className="msg-title">
                  {!n.read && <span className="dot" aria-label={t('msg.unread')} />}
                  {n.title}
                </span>
              }
              description={
                <Space size={8} wrap>
                  <Tag color={catColor[n.category]}>{t(`msg.cat.${n.category}` as MessageKey)}</Tag>
                  <Typography.Text type="secondary">{formatTime(n.createdAt)}</Typography.Text>
                </Space>
              }
            />
          </List.Item>
        )}
      />
      {cursor && (
        <div style={{ textAlign: 'center', marginTop: 12 }}>
          <Button onClick={() => void load(cursor)} loading={loading}>
            {t('common.more')}
          </Button>
        </div>
      )}
      <Modal
        open={!!open}
        title={open?.title}
        onCancel={() => setOpen(null)}
        footer={[
          isOpenableLink(open?.link) ? (
            <Button key="go" type="primary" onClick={() => (setOpen(null), navigate(open.link!))}>
              {t('msg.open')}
            </Button>
          ) : null,
          <Button key="ok" onClick={() => setOpen(null)}>
            {t('common.confirm')}
          </Button>,
        ]}
      >
        {open && (
          <div data-testid="notification-detail">
            <Space style={{ marginBottom: 8 }}>
              <Tag color={catColor[open.category]}>{t(`msg.cat.${open.category}` as MessageKey)}</Tag>
              <Tag color={open.read ? 'default' : 'red'}>{open.read ? t('msg.read') : t('msg.unread')}</Tag>
              <Typography.Text type="secondary">{formatTime(open.createdAt)}</Typography.Text>
            </Space>
            <Typography.Paragraph style={{ whiteSpace: 'pre-wrap' }}>{open.body}</Typography.Paragraph>
          </div>
        )}
      </Modal>
    </>
  );
}
