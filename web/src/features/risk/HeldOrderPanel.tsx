import { useCallback, useEffect, useState } from 'react';
import { Alert, App as AntApp, Button, Descriptions, Input, Space, Typography } from 'antd';
import { api, ApiError, call, type ResponseOf } from '../../api/client.ts';
import { useI18n } from '../../app/i18n.tsx';
import { yuan } from '../wallet/money.ts';

type Hold = ResponseOf<'/api/v1/risk/order-holds/{orderId}', 'get'>;

/**
 * The owner's view of an order's risk review (issue 6): why the order is held, the company's record
 * that caused it, a reply to the reviewers while pending, and the decision with its reason after.
 * Renders nothing for orders that were never held.
 */
export function HeldOrderPanel({ orderId, status, onChanged }: { orderId: string; status: string; onChanged?: () => void }) {
  const { t, errorText, formatTime } = useI18n();
  const { message } = AntApp.useApp();
  const [hold, setHold] = useState<Hold | null>(null);
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    try {
      setHold(await call(api.GET('/api/v1/risk/order-holds/{orderId}', { params: { path: { orderId } } })));
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) setHold(null);
      else message.error(errorText(err));
    }
  }, [orderId, message, errorText]);
  useEffect(() => {
    void load();
  }, [load, status]);

  if (!hold) return null;
  const send = async () => {
    setBusy(true);
    try {
      setHold(
        await call(api.POST('/api/v1/risk/order-holds/{orderId}/response', { params: { path: { orderId } }, body: { text: text.trim() } })),
      );
      setText('');
      message.success(t('risk.hold.sent'));
      onChanged?.();
    } catch (err) {
      message.error(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  const pending = hold.status === 'pending';
  return (
    <Alert
      type={pending ? 'warning' : hold.status === 'released' ? 'success' : 'info'}
      showIcon
      style={{ marginBottom: 12 }}
      data-testid="risk-hold"
      title={`${t('risk.hold.title')} · ${t(`risk.hold.status.${hold.status}`)}`}
      description={
        <Space direction="vertical" style={{ width: '100%' }}>
          <Typography.Text data-testid="risk-hold-explanation">{hold.explanation}</Typography.Text>
          <Descriptions column={1} size="small">
            <Descriptions.Item label={t('risk.company')}>{hold.companyName}</Descriptions.Item>
            <Descriptions.Item label={t('risk.caseCount')}>{hold.caseCount}</Descriptions.Item>
            <Descriptions.Item label={t('risk.amount')}>¥{yuan(hold.totalAmountFen)}</Descriptions.Item>
            {hold.latestCase && (
              <Descriptions.Item label={t('risk.latestCase')}>
                {hold.latestCase.title} ({hold.latestCase.filedDate})
              </Descriptions.Item>
            )}
            {hold.response && (
              <Descriptions.Item label={t('risk.hold.yourPrevious')}>
                <span>
                  <span data-testid="risk-hold-response">{hold.response}</span>
                  <br />
                  <Typography.Text type="secondary">{formatTime(hold.respondedAt)}</Typography.Text>
                </span>
              </Descriptions.Item>
            )}
            {hold.decisionReason && (
              <Descriptions.Item label={t('risk.hold.reviewerReason')}>
                <span>
                  <span data-testid="risk-hold-reason">{hold.decisionReason}</span>
                  <br />
                  <Typography.Text type="secondary">{formatTime(hold.decidedAt)}</Typography.Text>
                </span>
              </Descriptions.Item>
            )}
          </Descriptions>
          {pending && (
            <>
              <Input.TextArea
                rows={3}
                maxLength={1000}
                showCount
                value={text}
                onChange={(e) => setText(e.target.value)}
                placeholder={t('risk.hold.replyPlaceholder')}
                aria-label={t('risk.hold.yourReply')}
                data-testid="risk-hold-reply"
              />
              <Button type="primary" loading={busy} disabled={!text.trim()} onClick={() => void send()} data-testid="risk-hold-send">
                {t('risk.hold.send')}
              </Button>
            </>
          )}
        </Space>
      }
    />
  );
}
