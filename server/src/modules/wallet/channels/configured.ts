import { readFileSync } from 'node:fs';
import type { Platform } from '../../../platform/platform.ts';
import { ChannelError, type PaymentChannel } from './channel.ts';
import { WechatPayChannel } from './wechatpay.ts';

/**
 * The channel from configuration (WECHATPAY_BASE_URL + WECHATPAY_CREDENTIALS_FILE), loaded on first use
 * so the platform starts even when the emulator has not written its credentials yet.
 */
export function configuredChannel(p: Platform): PaymentChannel | undefined {
  const baseUrl = p.config.wechatPayBaseUrl;
  const file = p.config.wechatPayCredentialsFile;
  if (!baseUrl || !file) return undefined;
  let inner: WechatPayChannel | undefined;
  const get = (): WechatPayChannel => {
    if (inner) return inner;
    let creds: { mchid: string; appid: string; apiV3Key: string; merchantSerialNo: string; merchantPrivateKeyPem: string };
    try {
      creds = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new ChannelError('CHANNEL_NOT_CONFIGURED', `cannot read WeChat Pay credentials: ${(err as Error).message}`);
    }
    inner = new WechatPayChannel({
      baseUrl,
      mchid: creds.mchid,
      appid: creds.appid,
      apiV3Key: creds.apiV3Key,
      merchantSerialNo: creds.merchantSerialNo,
      merchantPrivateKeyPem: creds.merchantPrivateKeyPem,
      now: () => p.clock.now().getTime(),
    });
    return inner;
  };
  return {
    name: 'wechat',
    createPayment: (o) => get().createPayment(o),
    queryPayment: (n) => get().queryPayment(n),
    closePayment: (n) => get().closePayment(n),
    refund: (o) => get().refund(o),
    transfer: (o) => get().transfer(o),
    queryTransfer: (b, d) => get().queryTransfer(b, d),
    openNotification: (h, b) => get().openNotification(h, b),
    tradeBill: (day) => get().tradeBill(day),
  };
}
