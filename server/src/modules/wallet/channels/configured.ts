import { readFileSync } from 'node:fs';
import type { Platform } from '../../../platform/platform.ts';
import { AlipayChannel } from './alipay.ts';
import { ChannelError, type PaymentChannel } from './channel.ts';
import { WechatPayChannel } from './wechatpay.ts';

/** Reads a credentials file on first use, so the platform starts before the emulator has written it. */
function lazy(
  meta: Pick<PaymentChannel, 'name' | 'notifyProtocol' | 'tradeBills' | 'payoutKinds'>,
  open: () => PaymentChannel,
): PaymentChannel {
  let inner: PaymentChannel | undefined;
  const get = () => (inner ??= open());
  return {
    ...meta,
    createPayment: (o) => get().createPayment(o),
    queryPayment: (n) => get().queryPayment(n),
    closePayment: (n) => get().closePayment(n),
    refund: (o) => get().refund(o),
    queryRefund: (o) => get().queryRefund(o),
    transfer: (o) => get().transfer(o),
    queryTransfer: (b, d) => get().queryTransfer(b, d),
    openNotification: (h, b) => get().openNotification(h, b),
    tradeBill: (day) => get().tradeBill(day),
  };
}

function readCredentials<T>(file: string, what: string): T {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (err) {
    throw new ChannelError('CHANNEL_NOT_CONFIGURED', `cannot read ${what} credentials: ${(err as Error).message}`);
  }
}

/**
 * The enabled channels from configuration (`PAYMENT_CHANNELS`, in order of preference; the first is the
 * default): WeChat Pay (WECHATPAY_BASE_URL + WECHATPAY_CREDENTIALS_FILE) and Alipay (ALIPAY_GATEWAY_URL +
 * ALIPAY_CREDENTIALS_FILE). In development both point at the payment-channel emulator.
 */
export function configuredChannels(p: Platform): PaymentChannel[] {
  const c = p.config;
  const now = () => p.clock.now().getTime();
  return c.paymentChannels.map((name) =>
    name === 'wechat'
      ? lazy({ name: 'wechat', notifyProtocol: 'wechatpay-v3', tradeBills: true, payoutKinds: ['wechat'] }, () => {
          const creds = readCredentials<{
            mchid: string;
            appid: string;
            apiV3Key: string;
            merchantSerialNo: string;
            merchantPrivateKeyPem: string;
          }>(c.wechatPayCredentialsFile!, 'WeChat Pay');
          return new WechatPayChannel({ baseUrl: c.wechatPayBaseUrl!, ...creds, now });
        })
      : lazy({ name: 'alipay', notifyProtocol: 'alipay', tradeBills: true, payoutKinds: ['bank_card'] }, () => {
          const creds = readCredentials<{ appId: string; appPrivateKeyPem: string; alipayPublicKeyPem: string }>(
            c.alipayCredentialsFile!,
            'Alipay',
          );
          return new AlipayChannel({ gatewayUrl: c.alipayGatewayUrl!, ...creds, now });
        }),
  );
}
