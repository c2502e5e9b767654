import { useCallback, useEffect, useRef, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { App as AntApp, Button, DatePicker, Empty, Form, Input, InputNumber, Select, Space, Tabs } from 'antd';
import { AimOutlined, CalendarOutlined, MessageOutlined, PlusOutlined, SafetyCertificateOutlined, SearchOutlined } from '@ant-design/icons';
import type { Dayjs } from 'dayjs';
import { api, call, type ResponseOf } from '../../api/client.ts';
import { useI18n } from '../../app/i18n.tsx';
import { useLive } from '../../app/live.tsx';
import { useSession } from '../../app/session.tsx';
import { PageHeader } from '../../app/layouts.tsx';
import { RegionPicker } from '../stores/RegionPicker.tsx';
import { OrderCard } from './OrderCard.tsx';
import { useOrderTypes } from './useOrderTypes.ts';
import { locate } from './format.ts';
import { useMarketLive } from './useMarketLive.ts';

type MarketItem = ResponseOf<'/api/v1/orders/market', 'get'>['items'][number];
type MyOrder = ResponseOf<'/api/v1/orders/mine', 'get'>['items'][number];

/** Orders tab: couriers find orders and see their shifts; owners see what they posted. */
export function OrdersPage() {
  const { t } = useI18n();
  const { me } = useSession();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const perms = new Set<string>(me?.permissions ?? []);
  const tabs = [
    ...(perms.has('orders:take')
      ? [
          { key: 'find', label: t('orders.find'), children: <FindOrders /> },
          { key: 'shifts', label: t('orders.myShifts'), children: <MyOrders role="courier" /> },
        ]
      : []),
    ...(perms.has('orders:post') ? [{ key: 'posted', label: t('orders.myPosted'), children: <MyOrders role="owner" /> }] : []),
  ];
  const active = tabs.some((x) => x.key === params.get('tab')) ? params.get('tab')! : tabs[0]?.key;
  return (
    <>
      <PageHeader
        title={t('orders.title')}
        extra={
          <Space wrap>
            <Button icon={<MessageOutlined />} onClick={() => navigate('/complaints')} data-testid="open-my-complaints">
              {t('complaints.myTitle')}
            </Button>
            <Button icon={<SafetyCertificateOutlined />} onClick={() => navigate('/reliability')} data-testid="open-reliability">
              {t('reliability.title')}
            </Button>
            {perms.has('orders:take') && (
              <Button icon={<CalendarOutlined />} onClick={() => navigate('/orders/schedule')} data-testid="open-schedule">
                {t('orders.schedule')}
              </Button>
            )}
            {perms.has('orders:post') && (
              <Button type="primary" icon={<PlusOutlined />} onClick={() => navigate('/orders/new')} data-testid="post-order">
                {t('orders.post')}
              </Button>
            )}
          </Space>
        }
      />
      <Tabs activeKey={active} items={tabs} onChange={(k) => setParams({ tab: k }, { replace: true })} destroyOnHidden />
    </>
  );
}

interface Filters {
  keyword?: string;
  region?: string;
  dates?: [Dayjs | null, Dayjs | null] | null;
  type?: string[];
  payMin?: number;
  payMax?: number;
  radiusKm?: number;
  lat?: number;
  lng?: number;
  sort?: 'distance' | 'start' | 'pay' | 'newest';
  /** Employer's labor-arbitration risk levels to keep (issue 6). */
  risk?: ('low' | 'medium' | 'high' | 'unknown')[];
}

function FindOrders() {
  const { t, errorText } = useI18n();
  const { message } = AntApp.useApp();
  const { types, typeName } = useOrderTypes();
  const [form] = Form.useForm<Filters>();
  const [items, setItems] = useState<MarketItem[]>();
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);

  const load = useCallback(
    async (after?: string, { limit = 20, quiet = false }: { limit?: number; quiet?: boolean } = {}) => {
      const f = form.getFieldsValue();
      const hasPos = f.lat != null && f.lng != null;
      setLoading(true);
      try {
        const page = await call(
          api.GET('/api/v1/orders/market', {
            params: {
              query: {
                ...(f.keyword?.trim() ? { keyword: f.keyword.trim() } : {}),
                ...(f.region ? { region: f.region } : {}),
                ...(f.dates?.[0] ? { dateFrom: f.dates[0].format('YYYY-MM-DD') } : {}),
                ...(f.dates?.[1] ? { dateTo: f.dates[1].format('YYYY-MM-DD') } : {}),
                ...(f.type?.length ? { type: f.type } : {}),
                ...(f.risk?.length ? { risk: f.risk } : {}),
                ...(f.payMin != null ? { payMinFen: Math.round(f.payMin * 100) } : {}),
                ...(f.payMax != null ? { payMaxFen: Math.round(f.payMax * 100) } : {}),
                ...(hasPos ? { lat: f.lat, lng: f.lng } : {}),
                ...(hasPos && f.radiusKm ? { radiusM: Math.round(f.radiusKm * 1000) } : {}),
                sort: f.sort === 'distance' && !hasPos ? 'start' : (f.sort ?? 'start'),
                ...(after ? { cursor: after } : {}),
                limit,
              },
            },
          }),
        );
        setItems((prev) => (after ? [...(prev ?? []), ...page.items] : page.items));
        setCursor(page.nextCursor);
      } catch (err) {
        if (!quiet) message.error(errorText(err));
      } finally {
        setLoading(false);
      }
    },
    [form, message, errorText],
  );
  useEffect(() => {
    void load();
  }, [load]);

  // The marketplace, live (S5.7b): an order taken or withdrawn leaves the list at once; a new, returned or edited
  // one reloads what is shown (as many as are loaded), so the list always matches the filters and the server.
  const shown = useRef(0);
  shown.current = items?.length ?? 0;
  const reloadTimer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const reloadShown = useCallback(() => {
    clearTimeout(reloadTimer.current);
    reloadTimer.current = setTimeout(() => void load(undefined, { limit: Math.min(100, Math.max(20, shown.current)), quiet: true }), 300);
  }, [load]);
  useEffect(() => () => clearTimeout(reloadTimer.current), []);
  useMarketLive(
    true,
    (c) => {
      if (c.status === 'published') reloadShown();
      else setItems((prev) => prev?.filter((i) => i.id !== c.orderId));
    },
    reloadShown,
  );

  const here = async () => {
    const pos = await locate();
    if (pos) {
      form.setFieldsValue({ ...pos, sort: 'distance', radiusKm: form.getFieldValue('radiusKm') ?? 5 });
      void load();
    } else message.warning(t('orders.locateFailed'));
  };

  return (
    <>
      <Form form={form} layout="vertical" initialValues={{ sort: 'start' }} onFinish={() => void load()} data-testid="market-filters">
        <Form.Item name="keyword" style={{ marginBottom: 8 }}>
          <Input.Search placeholder={t('orders.keyword')} allowClear enterButton={<SearchOutlined />} onSearch={() => void load()} />
        </Form.Item>
        <Form.Item name="region" style={{ marginBottom: 8 }}>
          <RegionPicker anyLevel />
        </Form.Item>
        <Space.Compact block style={{ marginBottom: 8 }}>
          <Form.Item name="dates" noStyle>
            <DatePicker.RangePicker style={{ width: '100%' }} />
          </Form.Item>
        </Space.Compact>
        <Space wrap style={{ marginBottom: 8 }}>
          <Form.Item name="type" noStyle>
            <Select
              mode="multiple"
              allowClear
              placeholder={t('orders.type')}
              style={{ minWidth: 140 }}
              options={types.filter((x) => x.active).map((x) => ({ value: x.code, label: typeName(x.code) }))}
            />
          </Form.Item>
          <Form.Item name="risk" noStyle>
            <Select
              mode="multiple"
              allowClear
              placeholder={t('orders.employerRisk')}
              style={{ minWidth: 140 }}
              data-testid="risk-filter"
              options={(['low', 'medium', 'high', 'unknown'] as const).map((l) => ({ value: l, label: t(`orders.risk.${l}`) }))}
            />
          </Form.Item>
          <Form.Item name="payMin" noStyle>
            <InputNumber placeholder={t('orders.payMin')} min={0} prefix="¥" style={{ width: 110 }} />
          </Form.Item>
          <Form.Item name="payMax" noStyle>
            <InputNumber placeholder={t('orders.payMax')} min={0} prefix="¥" style={{ width: 110 }} />
          </Form.Item>
        </Space>
        <Space wrap style={{ marginBottom: 8 }}>
          <Button icon={<AimOutlined />} onClick={() => void here()} data-testid="use-location">
            {t('orders.useMyLocation')}
          </Button>
          <Form.Item name="lat" noStyle>
            <InputNumber placeholder={t('stores.lat')} min={-90} max={90} step={0.000001} style={{ width: 120 }} data-testid="my-lat" />
          </Form.Item>
          <Form.Item name="lng" noStyle>
            <InputNumber placeholder={t('stores.lng')} min={-180} max={180} step={0.000001} style={{ width: 120 }} data-testid="my-lng" />
          </Form.Item>
          <Form.Item name="radiusKm" noStyle>
            <Select
              allowClear
              placeholder={t('orders.radius')}
              style={{ width: 110 }}
              data-testid="radius"
              options={[1, 3, 5, 10, 20, 50].map((k) => ({ value: k, label: `≤ ${k} km` }))}
            />
          </Form.Item>
          <Form.Item name="sort" noStyle>
            <Select
              style={{ width: 130 }}
              options={(['distance', 'start', 'pay', 'newest'] as const).map((s) => ({ value: s, label: t(`orders.sort.${s}`) }))}
            />
          </Form.Item>
          <Button type="primary" htmlType="submit" data-testid="market-search">
            {t('common.search')}
          </Button>
        </Space>
      </Form>
      {items?.length === 0 && <Empty description={t('orders.noneFound')} />}
      {items?.map((o) => (
        <OrderCard key={o.id} o={o} typeName={typeName} />
      ))}
      {cursor && (
        <Button block loading={loading} onClick={() => void load(cursor)}>
          {t('orders.loadMore')}
        </Button>
      )}
    </>
  );
}

function MyOrders({ role }: { role: 'owner' | 'courier' }) {
  const { t, errorText } = useI18n();
  const { message } = AntApp.useApp();
  const { subscribe } = useLive();
  const { typeName } = useOrderTypes();
  const [items, setItems] = useState<MyOrder[]>();
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);

  const load = useCallback(
    async (after?: string) => {
      setLoading(true);
      try {
        const page = await call(
          api.GET('/api/v1/orders/mine', { params: { query: { role, limit: 20, ...(after ? { cursor: after } : {}) } } }),
        );
        setItems((prev) => (after ? [...(prev ?? []), ...page.items] : page.items));
        setCursor(page.nextCursor);
      } catch (err) {
        message.error(errorText(err));
      } finally {
        setLoading(false);
      }
    },
    [role, message, errorText],
  );
  useEffect(() => {
    void load();
  }, [load]);
  // Live status: an order notification means one of my orders moved; reload the list.
  useEffect(() => subscribe((n) => n.category === 'order' && void load()), [subscribe, load]);

  return (
    <div data-testid={`my-orders-${role}`}>
      {items?.length === 0 && <Empty description={t('orders.none')} />}
      {items?.map((o) => (
        <OrderCard key={o.id} o={o} typeName={typeName} />
      ))}
      {cursor && (
        <Button block loading={loading} onClick={() => void load(cursor)}>
          {t('orders.loadMore')}
        </Button>
      )}
    </div>
  );
}
