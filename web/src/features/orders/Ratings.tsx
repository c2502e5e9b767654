import { useEffect, useState } from 'react';
import { Drawer, Empty, List, Rate, Space, Tag, Typography } from 'antd';
import { StarFilled } from '@ant-design/icons';
import { api, call, type ResponseOf } from '../../api/client.ts';
import { useI18n } from '../../app/i18n.tsx';

type Rating = ResponseOf<'/api/v1/ratings/{kind}/{id}', 'get'>;

/**
 * A store's or a courier's rating as a link (S5.7c): the average and count; tapping it opens the profile's
 * recent reviews. A courier's average and reviews show from the 3rd rating on (the server hides them before).
 */
export function RatingLink({
  kind,
  id,
  title,
  testId,
  reloadKey,
}: {
  kind: 'store' | 'courier';
  id: string;
  title: string;
  testId?: string;
  /** Changing it reloads the rating (e.g. after the page reloaded the order). */
  reloadKey?: number;
}) {
  const { t, formatTime } = useI18n();
  const [rating, setRating] = useState<Rating>();
  const [open, setOpen] = useState(false);
  useEffect(() => {
    void call(api.GET('/api/v1/ratings/{kind}/{id}', { params: { path: { kind, id } } })).then(setRating, () => {});
  }, [kind, id, reloadKey]);
  if (!rating) return null;
  const summary =
    rating.avg != null ? (
      <span>
        <StarFilled style={{ color: '#f59e0b' }} /> {t('orders.ratingSummary', { avg: rating.avg.toFixed(1), count: rating.count })}
      </span>
    ) : rating.count > 0 && kind === 'courier' ? (
      t('orders.ratingHidden', { count: rating.count })
    ) : (
      t('orders.noRating')
    );
  return (
    <>
      {/* A wrapping link, not a button: on a phone a long summary must not widen the page. */}
      <Typography.Link onClick={() => setOpen(true)} data-testid={testId}>
        {summary}
      </Typography.Link>
      <Drawer
        open={open}
        onClose={() => setOpen(false)}
        title={title}
        placement="bottom"
        size="large"
        data-testid={testId && `${testId}-drawer`}
      >
        <Space orientation="vertical" style={{ width: '100%' }}>
          <div>{summary}</div>
          {rating.recent.length === 0 ? (
            <Empty
              description={
                rating.count > 0 && rating.avg == null ? t('orders.ratingHidden', { count: rating.count }) : t('orders.noReviews')
              }
            />
          ) : (
            <List
              dataSource={rating.recent}
              renderItem={(r) => (
                <List.Item data-testid="review-item">
                  <List.Item.Meta
                    title={
                      <Space wrap>
                        <Rate disabled value={r.stars} style={{ fontSize: 14 }} />
                        <span style={{ color: '#64748b' }}>
                          {t(r.authorRole === 'owner' ? 'orders.reviewBy.owner' : 'orders.reviewBy.courier')} · {formatTime(r.createdAt)}
                        </span>
                      </Space>
                    }
                    description={
                      <>
                        {r.tags.map((x) => (
                          <Tag key={x}>{x}</Tag>
                        ))}
                        {r.text && <div style={{ color: '#0f172a', marginTop: 4 }}>{r.text}</div>}
                      </>
                    }
                  />
                </List.Item>
              )}
            />
          )}
        </Space>
      </Drawer>
    </>
  );
}
