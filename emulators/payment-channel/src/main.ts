import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createPaymentChannelEmulator, generateKeys, type EmulatorKeys } from './server.ts';

// Stand-alone emulator: `npm start -w @dingban/emulator-payment-channel`.
// PORT (4100), HOST (127.0.0.1), PAYMENT_EMULATOR_KEYS (file keeping the generated keys across restarts,
// default ./data/payment-channel-keys.json), PAYMENT_EMULATOR_LATENCY_MS, PAYMENT_EMULATOR_FAILURE_RATE.
const env = process.env;
// `--port` / `--host` override PORT / HOST (the platform starts this emulator with them in development).
const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const keysFile = resolve(env.PAYMENT_EMULATOR_KEYS ?? './data/payment-channel-keys.json');
let keys: EmulatorKeys;
if (existsSync(keysFile)) {
  const k = JSON.parse(readFileSync(keysFile, 'utf8')) as EmulatorKeys;
  keys = {
    ...k,
    merchant: { ...k.merchant, notBefore: new Date(k.merchant.notBefore), notAfter: new Date(k.merchant.notAfter) },
    platform: { ...k.platform, notBefore: new Date(k.platform.notBefore), notAfter: new Date(k.platform.notAfter) },
  };
} else {
  keys = generateKeys({ mchid: env.PAYMENT_EMULATOR_MCHID, appid: env.PAYMENT_EMULATOR_APPID });
  mkdirSync(dirname(keysFile), { recursive: true });
  writeFileSync(keysFile, JSON.stringify(keys, null, 2), { mode: 0o600 });
}
const emulator = createPaymentChannelEmulator({ keys });
// What the platform reads through WECHATPAY_CREDENTIALS_FILE (its development default points here).
const credentialsFile = resolve(dirname(keysFile), 'merchant-credentials.json');
writeFileSync(credentialsFile, JSON.stringify(emulator.credentials, null, 2), { mode: 0o600 });
// What the platform reads through ALIPAY_CREDENTIALS_FILE: the app's key pair is the merchant key here,
// "Alipay's" public key is the emulator's platform certificate.
const alipayCredentialsFile = resolve(dirname(keysFile), 'alipay-credentials.json');
writeFileSync(
  alipayCredentialsFile,
  JSON.stringify(
    {
      appId: env.PAYMENT_EMULATOR_ALIPAY_APPID ?? '2021000000000001',
      appPrivateKeyPem: emulator.credentials.merchantPrivateKeyPem,
      alipayPublicKeyPem: emulator.credentials.platformCertificatePem,
    },
    null,
    2,
  ),
  { mode: 0o600 },
);
emulator.setSwitches({
  latencyMs: Number(env.PAYMENT_EMULATOR_LATENCY_MS ?? 0),
  failureRate: Number(env.PAYMENT_EMULATOR_FAILURE_RATE ?? 0),
});
const url = await emulator.listen(Number(arg('port') ?? env.PORT ?? 4100), arg('host') ?? env.HOST ?? '127.0.0.1');
console.log(`payment-channel emulator (WeChat Pay API v3, Alipay at /alipay/gateway.do) listening on ${url}`);
console.log(`  mchid ${keys.mchid}, appid ${keys.appid}; merchant credentials at ${url}/__emulator/credentials and in ${credentialsFile}`);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    void emulator.close().then(() => process.exit(0));
  });
}
