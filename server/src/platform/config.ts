import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** Everything the platform reads from its environment, parsed and validated once at start-up. */
export interface Config {
  env: 'development' | 'test' | 'production';
  host: string;
  port: number;
  publicUrl: string;
  logLevel: string;
  /** PostgreSQL connection string; absent → embedded PGlite under dataDir. */
  databaseUrl: string | undefined;
  /** Max connections of the pg pool (PostgreSQL only; PGlite has one). */
  databasePoolMax: number;
  /** PostgreSQL: parameterised statements as named prepared statements (off behind a transaction-mode pooler). */
  databasePreparedStatements: boolean;
  /** Redis connection string; absent → in-process cache, rate limits and pub/sub. */
  redisUrl: string | undefined;
  /** Key prefix for everything this deployment puts in Redis (lets test runs share one server). */
  redisPrefix: string;
  dataDir: string;
  /** Web app build served at `/`; absent folder → API only. */
  webDist: string;
  /** Data-encryption keyring, `id:base64(32 bytes)` comma-separated; the first key encrypts. */
  dataKeys: string | undefined;
  /** Secret for blind indexes and captcha tokens (base64, ≥32 bytes). */
  indexKey: string | undefined;
  sessionIdleMinutes: number;
  sessionAbsoluteHours: number;
  loginMaxFailures: number;
  loginFailureWindowMinutes: number;
  loginLockMinutes: number;
  /** Requests per minute per client IP on the API, across processes when Redis is configured. */
  rateLimitPerMinute: number;
  /** Event-loop delay (ms) above which requests are shed with 503; 0 turns shedding off (the default under NODE_ENV=test). */
  maxEventLoopDelayMs: number;
  /** API requests are refused with 503 + Retry-After while more than this many queries wait for a pooled connection (PostgreSQL only); 0 turns it off (the default under NODE_ENV=test). */
  dbPoolMaxWaiting: number;
  /** Seconds an authenticated session is served from the in-process cache (PostgreSQL only; revocations invalidate it at once); 0 turns the cache off. */
  sessionCacheSeconds: number;
  smtpUrl: string | undefined;
  /** Port of the inbound SMTP receiver for complaint e-mails (S5.7d); absent → not started. */
  complaintsSmtpPort: number | undefined;
  /** The address complainants write to; mail to other recipients is refused. */
  complaintsAddress: string;
  smtpFrom: string;
  smsProviderUrl: string | undefined;
  /** WeChat Pay API v3 base URL for wallet top-ups (development: the payment-channel emulator); absent → no top-up channel. */
  wechatPayBaseUrl: string | undefined;
  /** JSON file with the merchant's WeChat Pay credentials (mchid, appid, apiV3Key, merchantSerialNo, merchantPrivateKeyPem). */
  wechatPayCredentialsFile: string | undefined;
  /** Alipay open-API gateway (development: the payment-channel emulator's `/alipay/gateway.do`); absent → no Alipay. */
  alipayGatewayUrl: string | undefined;
  /** JSON file with the app's Alipay credentials (appId, appPrivateKeyPem, alipayPublicKeyPem). */
  alipayCredentialsFile: string | undefined;
  /** Enabled payment channels in order of preference (`PAYMENT_CHANNELS=wechat,alipay`); the first is the default. */
  paymentChannels: ('wechat' | 'alipay')[];
  /** Create demo accounts on an empty database (never in production). */
  demoAccounts: boolean;
  trustProxy: boolean;
  /** Runs job workers in this process (turn off for API-only nodes). */
  runWorkers: boolean;
  /** Labor-arbitration data provider (risk module, A1–A6); defaults to the local emulator outside production. */
  arbitration: ArbitrationConfig;
  /** Risk scoring, thresholds and alerts (A3, A7, A8). */
  risk: RiskConfig;
  /** S3-compatible object storage for uploaded identity documents; absent → the local folder under dataDir. */
  storageS3?: StorageS3Config | undefined;
  /** Days a cancelled user's identity records and documents are kept before the purge (S7.2a; 电子商务法 Art. 31: ≥ 3 years). */
  identityRetentionDays: number;
}

/** Where identity documents go when STORAGE_S3_* is set (path-style URLs: `<endpoint>/<bucket>/<prefix><key>`). */
export interface StorageS3Config {
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Key prefix inside the bucket (default `identity/`). */
  prefix: string;
}

/** How the risk module reaches the arbitration provider and caches its answers. */
export interface ArbitrationConfig {
  /** Provider base URL; absent → risk checks are unavailable (production without a provider). */
  baseUrl: string | undefined;
  appId: string;
  /** PKCS#8 or PKCS#1 PEM of the app's RSA private key (from ARBITRATION_PRIVATE_KEY or _FILE). */
  privateKeyPem: string | undefined;
  timeoutMs: number;
  /** Redis (L2) TTL of a found company, seconds (A4: 300). */
  cacheTtlSeconds: number;
  /** TTL of a "company not found" answer, seconds. */
  notFoundTtlSeconds: number;
  /** In-process (L1) cache: entries and TTL, seconds. */
  localCacheMax: number;
  localCacheTtlSeconds: number;
  /** Redis key prefix; the key is `<prefix><creditCode>` (A4: `labor:arbitration:`). */
  cacheKeyPrefix: string;
  batchConcurrency: number;
  /** First retry delay, ms (doubles per try, plus jitter). */
  retryBaseMs: number;
  /** Warn when the provider's Date header differs from local time by more than this, seconds. */
  skewWarnSeconds: number;
}

export interface RiskConfig {
  /** JSON overriding scoring weights/windows (see docs/risk.md); empty → the seed's values. */
  scoringJson: string | undefined;
  defaultThreshold: number;
  urgentBelow: number;
  /** Percentile of peers' scores that becomes the dynamic threshold, bounded by min/max. */
  thresholdPercentile: number;
  thresholdMin: number;
  thresholdMax: number;
  /** Fewer checked companies than this → keep the default threshold. */
  thresholdMinSample: number;
  /** WeCom/DingTalk robot webhook for alerts (optional). */
  alertWebhookUrl: string | undefined;
  alertWebhookKind: 'wecom' | 'dingtalk';
  /** DingTalk robot "加签" secret (SEC…): the URL gets timestamp and HMAC-SHA256 sign. */
  alertWebhookSecret: string | undefined;
}

/** Thrown by loadConfig with every problem at once, so an operator fixes them in one go. */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.problems = problems;
  }
}

type Env = Record<string, string | undefined>;

/** Parses the environment; lists every bad variable instead of stopping at the first. */
export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const str = (name: string, def?: string): string | undefined => {
    const v = env[name];
    return v === undefined || v === '' ? def : v;
  };
  const int = (name: string, def: number, min: number, max: number): number => {
    const raw = str(name);
    if (raw === undefined) return def;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name} must be an integer between ${min} and ${max} (got "${raw}")`);
      return def;
    }
    return n;
  };
  const bool = (name: string, def: boolean): boolean => {
    const raw = str(name);
    if (raw === undefined) return def;
    if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
    if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
    problems.push(`${name} must be true or false (got "${raw}")`);
    return def;
  };
  const url = (name: string, protocols: string[]): string | undefined => {
    const raw = str(name);
    if (raw === undefined) return undefined;
    try {
      const u = new URL(raw);
      if (!protocols.includes(u.protocol)) problems.push(`${name} must use ${protocols.join(' or ')} (got "${u.protocol}")`);
    } catch {
      problems.push(`${name} is not a valid URL`);
    }
    return raw;
  };

  const nodeEnv = str('NODE_ENV', 'development')!;
  if (!['development', 'test', 'production'].includes(nodeEnv)) {
    problems.push(`NODE_ENV must be development, test or production (got "${nodeEnv}")`);
  }
  const envName = (['development', 'test', 'production'].includes(nodeEnv) ? nodeEnv : 'development') as Config['env'];
  const port = int('PORT', 3000, 0, 65535);
  const config: Config = {
    env: envName,
    host: str('HOST', '0.0.0.0')!,
    port,
    publicUrl: url('PUBLIC_URL', ['http:', 'https:']) ?? `http://localhost:${port}`,
    logLevel: str('LOG_LEVEL', envName === 'test' ? 'warn' : 'info')!,
    databaseUrl: url('DATABASE_URL', ['postgres:', 'postgresql:']),
    databasePoolMax: int('DATABASE_POOL_MAX', 20, 1, 500),
    databasePreparedStatements: bool('DATABASE_PREPARED_STATEMENTS', true),
    redisUrl: url('REDIS_URL', ['redis:', 'rediss:']),
    redisPrefix: str('REDIS_PREFIX', 'dingban:')!,
    dataDir: resolve(str('DATA_DIR', './data')!),
    webDist: resolve(str('WEB_DIST', new URL('../../../web/dist', import.meta.url).pathname)!),
    dataKeys: str('DATA_KEYS'),
    indexKey: str('INDEX_KEY'),
    sessionIdleMinutes: int('SESSION_IDLE_MINUTES', 30, 1, 24 * 60),
    sessionAbsoluteHours: int('SESSION_ABSOLUTE_HOURS', 24 * 7, 1, 24 * 90),
    loginMaxFailures: int('LOGIN_MAX_FAILURES', 5, 1, 100),
    loginFailureWindowMinutes: int('LOGIN_FAILURE_WINDOW_MINUTES', 15, 1, 24 * 60),
    loginLockMinutes: int('LOGIN_LOCK_MINUTES', 30, 1, 7 * 24 * 60),
    rateLimitPerMinute: int('RATE_LIMIT_PER_MINUTE', 600, 1, 1_000_000),
    maxEventLoopDelayMs: int('MAX_EVENT_LOOP_DELAY_MS', envName === 'test' ? 0 : 1000, 0, 60_000),
    dbPoolMaxWaiting: int('DB_POOL_MAX_WAITING', envName === 'test' ? 0 : 64, 0, 100_000),
    sessionCacheSeconds: int('SESSION_CACHE_SECONDS', 10, 0, 300),
    smtpUrl: url('SMTP_URL', ['smtp:', 'smtps:']),
    complaintsSmtpPort: str('COMPLAINTS_SMTP_PORT') === undefined ? undefined : int('COMPLAINTS_SMTP_PORT', 2525, 1, 65535),
    complaintsAddress: str('COMPLAINTS_ADDRESS', 'complaints@dingban.local')!,
    smtpFrom: str('SMTP_FROM', 'Dingban 顶班 <no-reply@dingban.local>')!,
    smsProviderUrl: url('SMS_PROVIDER_URL', ['http:', 'https:']),
    wechatPayBaseUrl: url('WECHATPAY_BASE_URL', ['http:', 'https:']) ?? (envName === 'development' ? 'http://127.0.0.1:4100' : undefined),
    wechatPayCredentialsFile: str('WECHATPAY_CREDENTIALS_FILE')
      ? resolve(str('WECHATPAY_CREDENTIALS_FILE')!)
      : envName === 'development'
        ? new URL('../../../emulators/payment-channel/data/merchant-credentials.json', import.meta.url).pathname
        : undefined,
    alipayGatewayUrl:
      url('ALIPAY_GATEWAY_URL', ['http:', 'https:']) ??
      // In development, beside the default local emulator (which speaks both protocols).
      (envName === 'development' && !str('WECHATPAY_BASE_URL') ? 'http://127.0.0.1:4100/alipay/gateway.do' : undefined),
    alipayCredentialsFile: str('ALIPAY_CREDENTIALS_FILE')
      ? resolve(str('ALIPAY_CREDENTIALS_FILE')!)
      : envName === 'development'
        ? new URL('../../../emulators/payment-channel/data/alipay-credentials.json', import.meta.url).pathname
        : undefined,
    paymentChannels: [],
    demoAccounts: bool('DEMO_ACCOUNTS', envName !== 'production'),
    trustProxy: bool('TRUST_PROXY', false),
    runWorkers: bool('RUN_WORKERS', true),
    identityRetentionDays: int('IDENTITY_RETENTION_DAYS', 1095, 1, 36_500),
    arbitration: {
      baseUrl: url('ARBITRATION_BASE_URL', ['http:', 'https:']) ?? (envName === 'production' ? undefined : 'http://127.0.0.1:4020'),
      appId: str('ARBITRATION_APP_ID', 'dingban-dev')!,
      privateKeyPem: (() => {
        const pem = str('ARBITRATION_PRIVATE_KEY')?.replaceAll('\\n', '\n');
        if (pem) return pem;
        const devKey = new URL('../../../emulators/arbitration-provider/dev-keys/dingban-dev.key.pem', import.meta.url).pathname;
        const file = str('ARBITRATION_PRIVATE_KEY_FILE', envName === 'production' ? undefined : devKey);
        if (!file) return undefined;
        try {
          return readFileSync(file, 'utf8');
        } catch {
          problems.push(`ARBITRATION_PRIVATE_KEY_FILE cannot be read (${file})`);
          return undefined;
        }
      })(),
      timeoutMs: int('ARBITRATION_TIMEOUT_MS', 5000, 100, 60_000),
      cacheTtlSeconds: int('ARBITRATION_CACHE_TTL_SECONDS', 300, 1, 86_400),
      notFoundTtlSeconds: int('ARBITRATION_NOT_FOUND_TTL_SECONDS', 60, 1, 86_400),
      localCacheMax: int('ARBITRATION_LOCAL_CACHE_MAX', 5000, 1, 1_000_000),
      localCacheTtlSeconds: int('ARBITRATION_LOCAL_CACHE_TTL_SECONDS', 60, 1, 86_400),
      cacheKeyPrefix: str('ARBITRATION_CACHE_KEY_PREFIX', 'labor:arbitration:')!,
      batchConcurrency: int('ARBITRATION_BATCH_CONCURRENCY', 5, 1, 50),
      retryBaseMs: int('ARBITRATION_RETRY_BASE_MS', 200, 0, 60_000),
      skewWarnSeconds: int('ARBITRATION_SKEW_WARN_SECONDS', 60, 1, 3600),
    },
    risk: {
      scoringJson: str('RISK_SCORING_JSON'),
      defaultThreshold: int('RISK_DEFAULT_THRESHOLD', 60, 1, 100),
      urgentBelow: int('RISK_URGENT_BELOW', 40, 1, 100),
      thresholdPercentile: int('RISK_THRESHOLD_PERCENTILE', 25, 1, 99),
      thresholdMin: int('RISK_THRESHOLD_MIN', 40, 1, 100),
      thresholdMax: int('RISK_THRESHOLD_MAX', 80, 1, 100),
      thresholdMinSample: int('RISK_THRESHOLD_MIN_SAMPLE', 10, 1, 1_000_000),
      alertWebhookUrl: url('RISK_ALERT_WEBHOOK_URL', ['http:', 'https:']),
      alertWebhookKind: str('RISK_ALERT_WEBHOOK_KIND', 'wecom') === 'dingtalk' ? 'dingtalk' : 'wecom',
      alertWebhookSecret: str('RISK_ALERT_WEBHOOK_SECRET'),
    },
  };
  // Payment channels: PAYMENT_CHANNELS names the enabled ones; by default every channel whose settings are present.
  const channelSettings = {
    wechat: ['WECHATPAY_BASE_URL and WECHATPAY_CREDENTIALS_FILE', !!(config.wechatPayBaseUrl && config.wechatPayCredentialsFile)],
    alipay: ['ALIPAY_GATEWAY_URL and ALIPAY_CREDENTIALS_FILE', !!(config.alipayGatewayUrl && config.alipayCredentialsFile)],
  } as const;
  const listedChannels = str('PAYMENT_CHANNELS')
    ?.split(',')
    .map((c) => c.trim())
    .filter(Boolean);
  for (const c of listedChannels ?? []) {
    if (c !== 'wechat' && c !== 'alipay') problems.push(`PAYMENT_CHANNELS: unknown channel "${c}" (known: wechat, alipay)`);
    else if (!channelSettings[c][1]) problems.push(`PAYMENT_CHANNELS enables ${c}, which needs ${channelSettings[c][0]}`);
  }
  if (listedChannels && new Set(listedChannels).size !== listedChannels.length) problems.push('PAYMENT_CHANNELS names a channel twice');
  config.paymentChannels = (listedChannels ?? ['wechat', 'alipay']).filter(
    (c): c is 'wechat' | 'alipay' => (c === 'wechat' || c === 'alipay') && channelSettings[c][1],
  );
  // S3-compatible document storage: endpoint, bucket and both keys together, or none of them.
  const s3 = {
    STORAGE_S3_ENDPOINT: url('STORAGE_S3_ENDPOINT', ['http:', 'https:']),
    STORAGE_S3_BUCKET: str('STORAGE_S3_BUCKET'),
    STORAGE_S3_ACCESS_KEY_ID: str('STORAGE_S3_ACCESS_KEY_ID'),
    STORAGE_S3_SECRET_ACCESS_KEY: str('STORAGE_S3_SECRET_ACCESS_KEY'),
  };
  const s3Missing = Object.entries(s3).filter(([, v]) => !v);
  if (s3Missing.length && s3Missing.length < 4) {
    problems.push(`S3 document storage needs ${s3Missing.map(([k]) => k).join(', ')} as well (or none of STORAGE_S3_*)`);
  }
  if (!s3Missing.length) {
    config.storageS3 = {
      endpoint: s3.STORAGE_S3_ENDPOINT!.replace(/\/+$/, ''),
      bucket: s3.STORAGE_S3_BUCKET!,
      region: str('STORAGE_S3_REGION', 'us-east-1')!,
      accessKeyId: s3.STORAGE_S3_ACCESS_KEY_ID!,
      secretAccessKey: s3.STORAGE_S3_SECRET_ACCESS_KEY!,
      prefix: str('STORAGE_S3_PREFIX', 'identity/')!,
    };
  }
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(config.logLevel)) {
    problems.push(`LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "${config.logLevel}")`);
  }
  if (config.env === 'production') {
    if (!config.databaseUrl) problems.push('DATABASE_URL is required in production');
    if (!config.dataKeys) problems.push('DATA_KEYS is required in production');
    if (!config.indexKey) problems.push('INDEX_KEY is required in production');
    if (config.demoAccounts) problems.push('DEMO_ACCOUNTS cannot be enabled in production');
  }
  if (problems.length) throw new ConfigError(problems);
  return config;
}
