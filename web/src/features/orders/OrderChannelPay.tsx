import { useEffect, useState } from 'react';
import { Alert, App as AntApp, Button, Modal, QRCode, Space, Tag, Typography } from 'antd';
import { api, call, type ResponseOf } from '../../api/client.ts';
import { useI18n } from '../../app/i18n.tsx';
import type { MessageKey } from '../../app/dictionary.ts';
import { yuan } from './format.ts';

type Payment = ResponseOf<'/api/v1/wallet/topups/{id}', 'get'>;

const channelKey = (c: string): MessageKey => (c === 'alipay' ? 'wallet.channelAlipay' : 'wallet.channelWechat');

/**
 * The owner's other way to pay an order (S5.5b, S5.9b): one button per enabled channel (WeChat Pay,
 * Alipay). The server starts a payment whose money lands in the order's escrow; we show its QR code and
 * the channel's pay page (in development, the emulator's), poll it until paid or closed, and tell the
 * page to reload — the order turns published (or held for review) when the channel's confirmation lands.
 */
export function OrderChannelPay({ orderId, onPaid }: { orderId: string; onPaid: () => void }) {
  const { t, errorText } = useI18n();
  const { message } = AntApp.useApp();
  const [channels, setChannels] = useState<string[]>([]);
  const [busy, setBusy] = useState<string>();
  const [payment, setPayment] = useState<Payment>();
  const done = payment && ['paid', 'closed', 'failed'].includes(payment.status);

  useEffect(() => {
    void call(api.GET('/api/v1/wallet/channels')).then(
      (x) => setChannels(x.items.map((c) => c.name)),
      () => undefined,
    );
  }, []);

  useEffect(() => {
    if (!payment || done) return;
    const timer = setInterval(() => {
      void call(api.GET('/api/v1/wallet/topups/{id}', { params: { path: { id: payment.id } } }))
        .then((x) => {
          setPayment(x);
          if (x.status === 'paid') {
            // The order reloads: once it is published (or held) this pay step, modal included, goes away.
            message.success(t('orders.payChannelPaid'));
            onPaid();
          }
        })
        .catch(() => undefined);
    }, 1500);
    return () => clearInterval(timer);
  }, [payment, done, onPaid, message, t]);

  const start = async (channel: string) => {
    setBusy(channel);
    try {
      const x = await call(api.POST('/api/v1/orders/{id}/pay/channel', { params: { path: { id: orderId } }, body: { channel } }));
      setPayment(x);
    } catch (err) {
      message.error(errorText(err));
    } finally {
      setBusy(undefined);
    }
  };

  if (!channels.length) return null;
  return (
    <Space wrap size="small">
      <Typography.Text type="secondary">{t('orders.payThrough')}</Typography.Text>
      {channels.map((c) => (
        <Button key={c} loading={busy === c} onClick={() => void start(c)} data-testid={`pay-channel-${c}`}>
          {t(channelKey(c))}
        </Button>
      ))}
      {payment && (
        <Modal
          open
          title={t('orders.payChannelTitle', { channel: t(channelKey(payment.channel)) })}
          onCancel={() => setPayment(undefined)}
          footer={null}
          destroyOnHidden
        >
          <Space orientation="vertical" align="center" style={{ width: '100%' }} data-testid="order-pay-pending">
            <div style={{ fontSize: 24, fontWeight: 600 }}>{yuan(payment.amountFen)}</div>
            {payment.status === 'paid' ? (
              <Alert type="success" title={t('orders.payChannelPaid')} data-testid="order-pay-paid" />
            ) : payment.status === 'closed' || payment.status === 'failed' ? (
              <Alert type="warning" title={t('wallet.topUpClosed')} />
            ) : (
              <>
                {payment.codeUrl && <QRCode value={payment.codeUrl} size={180} />}
                <Typography.Text type="secondary">
                  {t('orders.payChannelHint', { channel: t(channelKey(payment.channel)) })}
                </Typography.Text>
                {payment.payUrl && (
                  <Button type="primary" href={payment.payUrl} target="_blank" rel="noopener" data-testid="order-pay-link">
                    {t('wallet.openPayPage')}
                  </Button>
                )}
                <Tag color="gold">{t('wallet.waitingPayment')}</Tag>
              </>
            )}
            {done && (
              <Button block onClick={() => setPayment(undefined)} data-testid="order-pay-close">
                {t('wallet.close')}
              </Button>
            )}
          </Space>
        </Modal>
      )}
    </Space>
  );
}
