import { useCallback, useEffect, useRef, useState } from 'react';
import { Link, useParams } from 'react-router';
import dayjs, { type Dayjs } from 'dayjs';
import {
  Alert,
  App as AntApp,
  Button,
  Card,
  Collapse,
  DatePicker,
  Descriptions,
  Form,
  Input,
  Modal,
  Rate,
  Result,
  Select,
  Space,
  Spin,
  Tag,
  Timeline,
} from 'antd';
import { api, call, type ResponseOf } from '../../api/client.ts';
import { useI18n } from '../../app/i18n.tsx';
import { StorePhotosById } from '../stores/StorePhotos.tsx';
import { OrderChanges } from './OrderChanges.tsx';
import { OrderChannelPay } from './OrderChannelPay.tsx';
import { useLive } from '../../app/live.tsx';
import { PageHeader } from '../../app/layouts.tsx';
import { useOrderTypes } from './useOrderTypes.ts';
import { useMarketLive } from './useMarketLive.ts';
import { RatingLink } from './Ratings.tsx';
import { HeldOrderPanel } from '../risk/HeldOrderPanel.tsx';
import { RISK_COLOR, STATUS_COLOR, distance, locate, statusKey, yuan } from './format.ts';
import type { MessageKey } from '../../app/dictionary.ts';

const CERT_COLOR: Record<string, string> = { gold: 'gold', silver: 'default', bronze: 'orange' };

type Order = ResponseOf<'/api/v1/orders/{id}', 'get'>;
type TimelineEv = ResponseOf<'/api/v1/orders/{id}/timeline', 'get'>['events'][number];
type Rules = ResponseOf<'/api/v1/orders/rules', 'get'>;

const key = () => crypto.randomUUID();

/** Great-circle distance in metres (for "how far is it from me"). */
function haversine(a: { lat: number; lng: number }, b: { lat: number; lng: number }): number {
  const r = (d: number) => (d * Math.PI) / 180;
  const h = Math.sin(r(b.lat - a.lat) / 2) ** 2 + Math.cos(r(a.lat)) * Math.cos(r(b.lat)) * Math.sin(r(b.lng - a.lng) / 2) ** 2;
  return Math.round(2 * 6371000 * Math.asin(Math.sqrt(h)));
}

function Countdown({ until }: { until: string }) {
  const { t } = useI18n();
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, []);
  const s = Math.max(0, Math.floor((new Date(until).getTime() - now) / 1000));
  const mm = String(Math.floor(s / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return <b data-testid="pay-countdown">{s > 0 ? `${mm}:${ss}` : t('orders.payExpired')}</b>;
}

/** One order as the caller may see it: facts, deadlines, the rules, what they may do now, and its timeline. */
export function OrderDetailPage() {
  const { id = '' } = useParams();
  const { t, errorText, formatTime } = useI18n();
  const { message, modal } = AntApp.useApp();
  const { subscribe } = useLive();
  const { typeName } = useOrderTypes();
  const [order, setOrder] = useState<Order | null>();
  const [events, setEvents] = useState<TimelineEv[]>([]);
  const [rules, setRules] = useState<Rules>();
  // A courier looking at a marketplace order that someone else then takes (or the owner withdraws) no longer sees it.
  const [gone, setGone] = useState(false);
  // Bumped on every reload, so the ratings shown follow a new review (the page reloads on order notifications).
  const [loads, setLoads] = useState(0);
  const [myPos, setMyPos] = useState<{ lat: number; lng: number } | null>(null);
  const [busy, setBusy] = useState<string>();
  const [dialog, setDialog] = useState<'review' | 'complain' | 'code' | 'dispute' | 'cancel' | 'republish' | null>(null);
  const [codeFor, setCodeFor] = useState<'check-in' | 'check-out'>('check-in');

  // Loads overlap (an action's own reload and a live notification's): only the latest one's answers are shown,
  // so a slower, older timeline never replaces a newer one.
  const latestLoad = useRef(0);
  const load = useCallback(async () => {
    const mine = ++latestLoad.current;
    let o: Order;
    try {
      o = await call(api.GET('/api/v1/orders/{id}', { params: { path: { id } } }));
    } catch {
      if (mine === latestLoad.current) setOrder(null);
      return;
    }
    if (mine !== latestLoad.current) return;
    // The timeline is for the parties and staff; a courier browsing the marketplace does not get it.
    const timeline =
      o.viewer === 'market'
        ? undefined
        : await call(api.GET('/api/v1/orders/{id}/timeline', { params: { path: { id } } })).then(
            (r) => r.events,
            () => [],
          );
    if (mine !== latestLoad.current) return;
    setOrder(o);
    setLoads((n) => n + 1);
    if (timeline) setEvents(timeline);
  }, [id]);
  useEffect(() => {
    void load();
    void call(api.GET('/api/v1/orders/rules')).then(setRules);
  }, [load]);
  useEffect(() => subscribe((n) => n.category === 'order' && void load()), [subscribe, load]);
  const viewer = order?.viewer;
  // Live for a courier who is no party yet (S5.7b): the marketplace stream says when this order is taken or withdrawn.
  useMarketLive(viewer === 'market', (c) => {
    if (c.orderId !== id) return;
    if (c.status === 'published') void load();
    else setGone(true);
  });
  useEffect(() => {
    if (viewer && viewer !== 'owner') void locate().then(setMyPos);
  }, [viewer]);

  if (order === undefined) return <Spin />;
  if (gone && order?.viewer === 'market')
    return (
      <Result
        status="info"
        title={t('orders.goneFromMarket')}
        data-testid="order-gone"
        extra={
          <Link to="/orders">
            <Button type="primary">{t('orders.backToMarket')}</Button>
          </Link>
        }
      />
    );
  if (order === null) return <Result status="404" title={t('orders.notFound')} />;

  const act = async (name: string, fn: () => Promise<unknown>, done?: MessageKey) => {
    setBusy(name);
    try {
      await fn();
      if (done) message.success(t(done));
      setDialog(null);
      await load();
    } catch (err) {
      message.error(errorText(err));
    } finally {
      setBusy(undefined);
    }
  };
  const path = { params: { path: { id } } };
  const presence = async (which: 'check-in' | 'check-out') => {
    const pos = await locate();
    if (!pos) {
      setCodeFor(which);
      setDialog('code');
      return;
    }
    const url = which === 'check-in' ? '/api/v1/orders/{id}/check-in' : '/api/v1/orders/{id}/check-out';
    await act(which, () => call(api.POST(url, { ...path, body: pos })), which === 'check-in' ? 'orders.checkedIn' : 'orders.checkedOut');
  };
  const can = (a: string) => order.actions.includes(a);
  const party = order.viewer === 'owner' || order.viewer === 'courier';

  return (
    <>
      <PageHeader
        title={order.storeName}
        extra={
          <Tag color={STATUS_COLOR[order.status]} data-testid="order-status">
            {t(statusKey(order.status))}
          </Tag>
        }
      />
      {order.status === 'pending_payment' && order.viewer === 'owner' && (
        <Alert
          type="warning"
          showIcon
          style={{ marginBottom: 12 }}
          title={
            <span>
              {t('orders.payWithin')} <Countdown until={order.payBefore} /> ({formatTime(order.payBefore)})
            </span>
          }
          action={
            <Button
              type="primary"
              loading={busy === 'pay'}
              data-testid="pay-order"
              onClick={() =>
                void act('pay', async () => {
                  const paid = await call(
                    api.POST('/api/v1/orders/{id}/pay', { params: { path: { id }, header: { 'idempotency-key': key() } } }),
                  );
                  // A company at high labor-arbitration risk: held for review, not published (issue 6).
                  if (paid.status === 'held_for_review') message.warning(t('orders.paidHeld'));
                  else message.success(t('orders.paid'));
                })
              }
            >
              {t('orders.payFromWallet', { amount: yuan(order.payFen) })}
            </Button>
          }
          description={<OrderChannelPay orderId={order.id} onPaid={() => void load()} />}
        />
      )}
      {order.viewer === 'owner' && <HeldOrderPanel orderId={order.id} status={order.status} />}
      <Card size="small" style={{ marginBottom: 12 }}>
        <StorePhotosById storeId={order.storeId} />
        <Descriptions column={1} size="small">
          <Descriptions.Item label={t('orders.no')}>{order.orderNo}</Descriptions.Item>
          <Descriptions.Item label={t('orders.type')}>{typeName(order.typeCode)}</Descriptions.Item>
          <Descriptions.Item label={t('orders.time')}>
            {formatTime(order.startsAt)} – {formatTime(order.endsAt)}
          </Descriptions.Item>
          <Descriptions.Item label={t('orders.payTotal')}>
            <b style={{ color: '#dc2626' }}>{yuan(order.payFen)}</b>
          </Descriptions.Item>
          <Descriptions.Item label={t('stores.address')}>
            {order.regionName} {order.address}
            {myPos && (
              <b style={{ marginLeft: 6 }} data-testid="order-distance">
                {distance(haversine(myPos, order))}
              </b>
            )}
          </Descriptions.Item>
          <Descriptions.Item label={t('orders.storeRating')}>
            <RatingLink
              kind="store"
              id={order.storeId}
              title={`${t('orders.storeReviews')} · ${order.storeName}`}
              testId="store-rating"
              reloadKey={loads}
            />
          </Descriptions.Item>
          {order.employerRisk && (
            <Descriptions.Item label={t('orders.employerRisk')}>
              <Tag color={RISK_COLOR[order.employerRisk.level]} data-testid="employer-risk">
                {t(`orders.risk.${order.employerRisk.level}`)}
              </Tag>
              <span style={{ color: '#64748b' }}>{order.employerRisk.explanation}</span>
            </Descriptions.Item>
          )}
          {order.minCertLevel && (
            <Descriptions.Item label={t('orders.minCert')}>{t(`orders.cert.${order.minCertLevel}`)}</Descriptions.Item>
          )}
          <Descriptions.Item label={t('orders.headcount')}>{t('orders.headcountOne')}</Descriptions.Item>
          {order.brands.length > 0 && <Descriptions.Item label={t('stores.brands')}>{order.brands.join('、')}</Descriptions.Item>}
          {order.description && <Descriptions.Item label={t('orders.description')}>{order.description}</Descriptions.Item>}
          {order.modifiableUntil && (
            <Descriptions.Item label={t('orders.modifiableUntil')}>{formatTime(order.modifiableUntil)}</Descriptions.Item>
          )}
          {order.cancellableUntil && (
            <Descriptions.Item label={t('orders.cancellableUntil')}>{formatTime(order.cancellableUntil)}</Descriptions.Item>
          )}
          {order.cancellationCompensationFen != null && order.cancellationCompensationFen > 0 && (
            <Descriptions.Item label={t('orders.compensationNow')}>{yuan(order.cancellationCompensationFen)}</Descriptions.Item>
          )}
          {order.releaseFreeUntil && (
            <Descriptions.Item label={t('orders.releaseFreeUntil')}>{formatTime(order.releaseFreeUntil)}</Descriptions.Item>
          )}
          {order.checkinCode && (
            <Descriptions.Item label={t('orders.checkinCode')}>
              <b style={{ fontSize: 18, letterSpacing: 2 }} data-testid="checkin-code">
                {order.checkinCode}
              </b>
            </Descriptions.Item>
          )}
          {order.confirmHoursBefore && order.status === 'checked_out' && (
            <Descriptions.Item label={t('orders.confirmHoursBefore')}>{formatTime(order.confirmHoursBefore)}</Descriptions.Item>
          )}
          {order.courier && (
            <Descriptions.Item label={t('orders.courier')}>
              {order.courier.maskedName ?? '—'}
              {order.courier.certificate && (
                <Link to={`/certificates/${encodeURIComponent(order.courier.certificate.number)}`} data-testid="courier-certificate">
                  <Tag color={CERT_COLOR[order.courier.certificate.level]} style={{ marginLeft: 6 }}>
                    {t(`training.level.${order.courier.certificate.level}` as MessageKey)} · {order.courier.certificate.number}
                  </Tag>
                </Link>
              )}
              <div>
                <RatingLink
                  kind="courier"
                  id={order.courier.userId}
                  title={`${t('orders.courierReviews')} · ${order.courier.maskedName ?? ''}`}
                  testId="courier-rating"
                  reloadKey={loads}
                />
              </div>
            </Descriptions.Item>
          )}
        </Descriptions>
      </Card>

      {order.myReview && (
        <Alert
          type="success"
          style={{ marginBottom: 12 }}
          data-testid="my-review"
          title={
            <span>
              {t('orders.myReview')} <Rate disabled value={order.myReview.stars} style={{ fontSize: 14 }} />
            </span>
          }
          description={[order.myReview.tags.join('、'), order.myReview.text].filter(Boolean).join(' · ') || undefined}
        />
      )}
      {order.reviewableUntil && (
        <div style={{ color: '#64748b', fontSize: 13, marginBottom: 8 }}>
          {t('orders.reviewUntil', { until: formatTime(order.reviewableUntil) })}
        </div>
      )}
      <OrderChanges order={order} onChanged={() => void load()} />
      <Space wrap style={{ marginBottom: 12 }} data-testid="order-actions">
        {can('take') && (
          <Button
            type="primary"
            loading={busy === 'take'}
            data-testid="take-order"
            onClick={() => void act('take', () => call(api.POST('/api/v1/orders/{id}/take', path)), 'orders.taken')}
          >
            {t('orders.take')}
          </Button>
        )}
        {can('confirm_attendance') && (
          <Button
            type="primary"
            loading={busy === 'confirm'}
            data-testid="confirm-attendance"
            onClick={() => void act('confirm', () => call(api.POST('/api/v1/orders/{id}/confirm-attendance', path)), 'orders.confirmed')}
          >
            {t('orders.confirmAttendance')}
          </Button>
        )}
        {can('check_in') && (
          <Button type="primary" loading={busy === 'check-in'} data-testid="check-in" onClick={() => void presence('check-in')}>
            {t('orders.checkIn')}
          </Button>
        )}
        {can('check_in') && (
          <Button data-testid="check-in-code" onClick={() => (setCodeFor('check-in'), setDialog('code'))}>
            {t('orders.useCode')}
          </Button>
        )}
        {can('check_out') && (
          <Button type="primary" loading={busy === 'check-out'} data-testid="check-out" onClick={() => void presence('check-out')}>
            {t('orders.checkOut')}
          </Button>
        )}
        {can('check_out') && (
          <Button data-testid="check-out-code" onClick={() => (setCodeFor('check-out'), setDialog('code'))}>
            {t('orders.useCode')}
          </Button>
        )}
        {can('confirm_hours') && (
          <Button
            type="primary"
            loading={busy === 'hours'}
            data-testid="confirm-hours"
            onClick={() =>
              void act(
                'hours',
                () => call(api.POST('/api/v1/orders/{id}/hours', { ...path, body: { verdict: 'confirm' } })),
                'orders.hoursConfirmed',
              )
            }
          >
            {t('orders.confirmHours')}
          </Button>
        )}
        {can('dispute') && (
          <Button danger onClick={() => setDialog('dispute')} data-testid="dispute-hours">
            {t('orders.dispute')}
          </Button>
        )}
        {can('release') && (
          <Button
            onClick={() =>
              modal.confirm({
                title: t('orders.releaseConfirm'),
                onOk: () => act('release', () => call(api.POST('/api/v1/orders/{id}/release', path)), 'orders.released'),
              })
            }
          >
            {t('orders.release')}
          </Button>
        )}
        {can('republish') && (
          <Button type="primary" onClick={() => setDialog('republish')} data-testid="republish-order">
            {t('orders.republish')}
          </Button>
        )}
        {can('cancel') && (
          <Button danger onClick={() => setDialog('cancel')} data-testid="cancel-order">
            {t('orders.cancel')}
          </Button>
        )}
        {can('review') && (
          <Button onClick={() => setDialog('review')} data-testid="review-order">
            {t('orders.review')}
          </Button>
        )}
        {party && (
          <Button type="link" onClick={() => setDialog('complain')} data-testid="complain-order">
            {t('orders.complain')}
          </Button>
        )}
      </Space>

      <Card size="small" title={t('orders.timeline')} style={{ marginBottom: 12, display: order.viewer === 'market' ? 'none' : undefined }}>
        <Timeline
          data-testid="order-timeline"
          items={events.map((e) => ({
            color: STATUS_COLOR[e.toStatus] ?? 'blue',
            content: (
              <span>
                <b>{t(statusKey(e.toStatus))}</b> · {formatTime(e.at)}
                {e.note && <div style={{ color: '#64748b' }}>{e.note}</div>}
              </span>
            ),
          }))}
        />
      </Card>

      {rules && (
        <Collapse
          size="small"
          items={[
            {
              key: 'rules',
              label: t('orders.rules'),
              children: (
                <div data-testid="order-rules">
                  <p>
                    {t('orders.rulesCancel', {
                      cutoff: rules.cancelCutoffMinutes / 60,
                      before: rules.compensationBeforeCutoffPct,
                      after: rules.compensationAfterCutoffPct,
                    })}
                  </p>
                  <p>
                    {t('orders.rulesCheckin', { open: rules.checkinOpenMinutes, fence: rules.geofenceM, noshow: rules.noShowAfterMinutes })}
                  </p>
                  <p>{t('orders.rulesHours', { hours: rules.confirmHoursWindowMinutes / 60, fee: rules.platformFeePct })}</p>
                  <ul>
                    {rules.penalties.map((p) => (
                      <li key={p.event}>{p.zh === p.en ? p.zh : t('orders.penalty', { zh: p.zh, en: p.en })}</li>
                    ))}
                  </ul>
                </div>
              ),
            },
          ]}
        />
      )}

      <Modal open={dialog === 'code'} title={t('orders.enterCode')} footer={null} onCancel={() => setDialog(null)} destroyOnHidden>
        <Form
          layout="vertical"
          onFinish={(v: { code: string }) => {
            const url = codeFor === 'check-in' ? '/api/v1/orders/{id}/check-in' : '/api/v1/orders/{id}/check-out';
            void act(
              codeFor,
              () => call(api.POST(url, { ...path, body: { code: v.code } })),
              codeFor === 'check-in' ? 'orders.checkedIn' : 'orders.checkedOut',
            );
          }}
        >
          <Form.Item name="code" label={t('orders.codeHint')} rules={[{ required: true, pattern: /^\d{6}$/ }]}>
            <Input inputMode="numeric" maxLength={6} data-testid="presence-code" />
          </Form.Item>
          <Button type="primary" htmlType="submit" block loading={busy === codeFor} data-testid="presence-code-submit">
            {t('common.submit')}
          </Button>
        </Form>
      </Modal>

      <Modal open={dialog === 'cancel'} title={t('orders.cancel')} footer={null} onCancel={() => setDialog(null)} destroyOnHidden>
        {order.cancellationCompensationFen != null && order.cancellationCompensationFen > 0 && (
          <Alert
            type="warning"
            style={{ marginBottom: 12 }}
            title={t('orders.compensationWarn', { amount: yuan(order.cancellationCompensationFen) })}
          />
        )}
        <Form
          layout="vertical"
          onFinish={(v: { reason?: string }) =>
            void act(
              'cancel',
              () =>
                call(
                  api.POST('/api/v1/orders/{id}/cancel', {
                    params: { path: { id }, header: { 'idempotency-key': key() } },
                    body: v.reason?.trim() ? { reason: v.reason.trim() } : {},
                  }),
                ),
              'orders.cancelled',
            )
          }
        >
          <Form.Item name="reason" label={t('orders.reason')}>
            <Input.TextArea maxLength={200} rows={2} />
          </Form.Item>
          <Button danger type="primary" htmlType="submit" block loading={busy === 'cancel'} data-testid="cancel-submit">
            {t('orders.cancel')}
          </Button>
        </Form>
      </Modal>

      <Modal
        open={dialog === 'republish'}
        title={t('orders.republishTitle')}
        footer={null}
        onCancel={() => setDialog(null)}
        destroyOnHidden
      >
        <Alert
          type="info"
          style={{ marginBottom: 12 }}
          title={t('orders.republishHint', { until: order.cancellableUntil ? formatTime(order.cancellableUntil) : '—' })}
        />
        <Form
          layout="vertical"
          initialValues={{
            // The same hours of the day, tomorrow: a sensible start the owner adjusts.
            startsAt: dayjs(order.startsAt).add(Math.max(1, dayjs().diff(dayjs(order.startsAt), 'day') + 1), 'day'),
            endsAt: dayjs(order.endsAt).add(Math.max(1, dayjs().diff(dayjs(order.startsAt), 'day') + 1), 'day'),
          }}
          onFinish={(v: { startsAt: Dayjs; endsAt: Dayjs }) =>
            void act(
              'republish',
              () =>
                call(
                  api.POST('/api/v1/orders/{id}/republish', {
                    ...path,
                    body: { startsAt: v.startsAt.toISOString(), endsAt: v.endsAt.toISOString() },
                  }),
                ),
              'orders.republished',
            )
          }
        >
          <Form.Item name="startsAt" label={t('orders.startsAt')} rules={[{ required: true }]}>
            <DatePicker showTime={{ format: 'HH:mm', minuteStep: 15 }} format="YYYY-MM-DD HH:mm" style={{ width: '100%' }} />
          </Form.Item>
          <Form.Item name="endsAt" label={t('orders.endsAt')} rules={[{ required: true }]}>
            <DatePicker showTime={{ format: 'HH:mm', minuteStep: 15 }} format="YYYY-MM-DD HH:mm" style={{ width: '100%' }} />
          </Form.Item>
          <Button type="primary" htmlType="submit" block loading={busy === 'republish'} data-testid="republish-submit">
            {t('orders.republish')}
          </Button>
        </Form>
      </Modal>

      <Modal open={dialog === 'dispute'} title={t('orders.dispute')} footer={null} onCancel={() => setDialog(null)} destroyOnHidden>
        <Form
          layout="vertical"
          onFinish={(v: { note: string }) =>
            void act(
              'hours',
              () => call(api.POST('/api/v1/orders/{id}/hours', { ...path, body: { verdict: 'dispute', note: v.note } })),
              'orders.disputed',
            )
          }
        >
          <Form.Item name="note" label={t('orders.disputeNote')} rules={[{ required: true }]}>
            <Input.TextArea maxLength={500} rows={3} />
          </Form.Item>
          <Button danger type="primary" htmlType="submit" block loading={busy === 'hours'}>
            {t('common.submit')}
          </Button>
        </Form>
      </Modal>

      <Modal open={dialog === 'review'} title={t('orders.review')} footer={null} onCancel={() => setDialog(null)} destroyOnHidden>
        <Form
          layout="vertical"
          initialValues={{ stars: 5 }}
          onFinish={(v: { stars: number; tags?: string[]; text?: string }) =>
            void act(
              'review',
              () =>
                call(
                  api.POST('/api/v1/orders/{id}/reviews', {
                    ...path,
                    body: {
                      stars: v.stars,
                      ...(v.tags?.length ? { tags: v.tags } : {}),
                      ...(v.text?.trim() ? { text: v.text.trim() } : {}),
                    },
                  }),
                ),
              'orders.reviewed',
            )
          }
        >
          <Form.Item name="stars" label={t('orders.stars')} rules={[{ required: true }]}>
            <Rate data-testid="review-stars" />
          </Form.Item>
          <Form.Item name="tags" label={t('orders.reviewTags')}>
            <Select
              mode="tags"
              options={(['orders.tag.punctual', 'orders.tag.careful', 'orders.tag.friendly'] as const).map((k) => ({ value: t(k) }))}
            />
          </Form.Item>
          <Form.Item name="text" label={t('orders.reviewText')}>
            <Input.TextArea maxLength={500} rows={3} />
          </Form.Item>
          <Button type="primary" htmlType="submit" block loading={busy === 'review'} data-testid="review-submit">
            {t('common.submit')}
          </Button>
        </Form>
      </Modal>

      <Modal open={dialog === 'complain'} title={t('orders.complain')} footer={null} onCancel={() => setDialog(null)} destroyOnHidden>
        <Form
          layout="vertical"
          initialValues={{ category: 'other' }}
          onFinish={(v: { category: string; subject?: string; text: string }) =>
            void act(
              'complain',
              () =>
                call(
                  api.POST('/api/v1/orders/{id}/complaints', {
                    ...path,
                    body: { category: v.category, text: v.text, ...(v.subject?.trim() ? { subject: v.subject.trim() } : {}) },
                  }),
                ),
              'orders.complained',
            )
          }
        >
          <Form.Item name="category" label={t('complaints.category')} rules={[{ required: true }]}>
            <Select options={COMPLAINT_CATEGORIES.map((c) => ({ value: c, label: t(`complaints.cat.${c}`) }))} />
          </Form.Item>
          <Form.Item name="subject" label={t('complaints.subject')}>
            <Input maxLength={200} />
          </Form.Item>
          <Form.Item name="text" label={t('complaints.text')} rules={[{ required: true }]}>
            <Input.TextArea maxLength={5000} rows={4} />
          </Form.Item>
          <Button type="primary" htmlType="submit" block loading={busy === 'complain'}>
            {t('common.submit')}
          </Button>
        </Form>
      </Modal>
    </>
  );
}

export const COMPLAINT_CATEGORIES = ['late', 'no_show', 'payment', 'conduct', 'other'] as const;
