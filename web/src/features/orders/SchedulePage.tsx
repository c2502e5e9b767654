import { useCallback, useEffect, useState } from 'react';
import { App as AntApp, Button, Card, Empty, Input, Segmented, Space, Typography } from 'antd';
import { CalendarOutlined, LeftOutlined, RightOutlined } from '@ant-design/icons';
import { api, call, type ResponseOf } from '../../api/client.ts';
import { useI18n } from '../../app/i18n.tsx';
import { useLive } from '../../app/live.tsx';
import { PageHeader } from '../../app/layouts.tsx';
import { OrderCard } from './OrderCard.tsx';
import { useOrderTypes } from './useOrderTypes.ts';
import { shanghaiDate } from './format.ts';

type Day = ResponseOf<'/api/v1/orders/schedule', 'get'>['days'][number];

const DAY = 86_400_000;

/** The range shown: a week (Monday–Sunday) or a calendar month, moved by `offset` steps from today (China time). */
function range(mode: 'week' | 'month', offset: number): { from: string; to: string } {
  const today = new Date(`${shanghaiDate(new Date())}T00:00:00Z`);
  if (mode === 'week') {
    const monday = new Date(today.getTime() - ((today.getUTCDay() + 6) % 7) * DAY + offset * 7 * DAY);
    return { from: monday.toISOString().slice(0, 10), to: new Date(monday.getTime() + 6 * DAY).toISOString().slice(0, 10) };
  }
  const first = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() + offset, 1));
  const last = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() + offset + 1, 0));
  return { from: first.toISOString().slice(0, 10), to: last.toISOString().slice(0, 10) };
}

/** A courier's agenda of taken shifts by week or month, with the iCalendar subscription link. */
export function SchedulePage() {
  const { t, errorText } = useI18n();
  const { message } = AntApp.useApp();
  const { subscribe } = useLive();
  const { typeName } = useOrderTypes();
  const [mode, setMode] = useState<'week' | 'month'>('week');
  const [offset, setOffset] = useState(0);
  const [days, setDays] = useState<Day[]>();
  const [feed, setFeed] = useState<string>();
  const { from, to } = range(mode, offset);

  const load = useCallback(async () => {
    try {
      setDays((await call(api.GET('/api/v1/orders/schedule', { params: { query: { from, to } } }))).days);
    } catch (err) {
      message.error(errorText(err));
    }
  }, [from, to, message, errorText]);
  useEffect(() => {
    void load();
  }, [load]);
  useEffect(() => subscribe((n) => n.category === 'order' && void load()), [subscribe, load]);

  const subscribeFeed = async () => {
    try {
      setFeed((await call(api.POST('/api/v1/orders/schedule/feed'))).url);
    } catch (err) {
      message.error(errorText(err));
    }
  };
  const withItems = (days ?? []).filter((d) => d.items.length > 0);
  return (
    <>
      <PageHeader
        title={t('orders.schedule')}
        extra={
          <Button icon={<CalendarOutlined />} onClick={() => void subscribeFeed()} data-testid="ical-subscribe">
            {t('orders.icalSubscribe')}
          </Button>
        }
      />
      {feed && (
        <Card size="small" style={{ marginBottom: 12 }}>
          <Typography.Paragraph style={{ marginBottom: 8 }}>{t('orders.icalHint')}</Typography.Paragraph>
          <Space.Compact block>
            <Input readOnly value={feed} data-testid="ical-url" />
            <Button href={feed.replace(/^https?:/, 'webcal:')}>{t('orders.icalOpen')}</Button>
          </Space.Compact>
        </Card>
      )}
      <Space style={{ marginBottom: 12 }} wrap>
        <Segmented
          value={mode}
          onChange={(v) => {
            setMode(v as 'week' | 'month');
            setOffset(0);
          }}
          options={[
            { value: 'week', label: t('orders.week') },
            { value: 'month', label: t('orders.month') },
          ]}
        />
        <Button icon={<LeftOutlined />} onClick={() => setOffset(offset - 1)} aria-label="previous" />
        <span data-testid="schedule-range">
          {from} ~ {to}
        </span>
        <Button icon={<RightOutlined />} onClick={() => setOffset(offset + 1)} aria-label="next" />
      </Space>
      {days && withItems.length === 0 && <Empty description={t('orders.noShifts')} />}
      {withItems.map((d) => (
        <div key={d.date} data-testid="schedule-day">
          <h3 style={{ margin: '12px 0 6px' }}>{d.date}</h3>
          {d.items.map((o) => (
            <OrderCard key={o.id} o={o} typeName={typeName} />
          ))}
        </div>
      ))}
    </>
  );
}
