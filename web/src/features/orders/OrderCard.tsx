import { Link } from 'react-router';
import { Card, Tag, Tooltip } from 'antd';
import { ClockCircleOutlined, EnvironmentOutlined, StarFilled } from '@ant-design/icons';
import { useI18n } from '../../app/i18n.tsx';
import { RISK_COLOR, STATUS_COLOR, distance, statusKey, yuan } from './format.ts';

export interface CardOrder {
  id: string;
  orderNo: string;
  storeName: string;
  regionName: string;
  address: string;
  typeCode: string;
  startsAt: string;
  endsAt: string;
  payFen: number;
  status?: string;
  distanceM?: number | null;
  storeRating?: number | null;
  storeRatingCount?: number;
  employerRisk?: { level: 'low' | 'medium' | 'high' | 'unknown'; explanation: string };
}

/** One order in a list: store, time, pay, status (and distance and store rating in the marketplace). */
export function OrderCard({ o, typeName }: { o: CardOrder; typeName: (code: string) => string }) {
  const { t, formatTime } = useI18n();
  return (
    <Link to={`/orders/${o.id}`} data-testid="order-card">
      <Card size="small" hoverable style={{ marginBottom: 8 }}>
        <div style={{ display: 'flex', justifyContent: 'space-between', gap: 8 }}>
          <div style={{ fontWeight: 600 }}>{o.storeName}</div>
          <div style={{ fontWeight: 700, color: '#dc2626', whiteSpace: 'nowrap' }}>{yuan(o.payFen)}</div>
        </div>
        <div style={{ color: '#64748b', fontSize: 13 }}>
          <ClockCircleOutlined /> {formatTime(o.startsAt)} – {formatTime(o.endsAt)}
        </div>
        <div style={{ color: '#64748b', fontSize: 13 }}>
          <EnvironmentOutlined /> {o.regionName} {o.address}
          {o.distanceM != null && <b style={{ marginLeft: 6 }}>{distance(o.distanceM)}</b>}
        </div>
        <div style={{ marginTop: 4 }}>
          <Tag>{typeName(o.typeCode)}</Tag>
          {o.status && <Tag color={STATUS_COLOR[o.status]}>{t(statusKey(o.status))}</Tag>}
          {o.employerRisk && o.employerRisk.level !== 'unknown' && (
            <Tooltip title={o.employerRisk.explanation}>
              <Tag color={RISK_COLOR[o.employerRisk.level]} data-testid="employer-risk">
                {t(`orders.risk.${o.employerRisk.level}`)}
              </Tag>
            </Tooltip>
          )}
          {o.storeRating != null && (
            <Tag icon={<StarFilled style={{ color: '#f59e0b' }} />}>
              {o.storeRating.toFixed(1)} ({o.storeRatingCount})
            </Tag>
          )}
        </div>
        {/* A phone has no hover: medium and high risk say why on the card itself (issue 6). */}
        {o.employerRisk && (o.employerRisk.level === 'high' || o.employerRisk.level === 'medium') && (
          <div
            style={{ marginTop: 4, fontSize: 12, color: o.employerRisk.level === 'high' ? '#b91c1c' : '#b45309' }}
            data-testid="employer-risk-explanation"
          >
            {o.employerRisk.explanation}
          </div>
        )}
      </Card>
    </Link>
  );
}
