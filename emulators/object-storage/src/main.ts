import { createObjectStorage } from './server.ts';

// Stand-alone emulator: `npm start -w emulators/object-storage`.
// PORT (4030), HOST (127.0.0.1), S3_REGION (us-east-1), S3_BUCKETS (comma-separated; dingban-documents),
// S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY (dev credentials below). Objects live in memory.
const env = process.env;
const accessKeyId = env.S3_ACCESS_KEY_ID ?? 'DINGBANDEVACCESSKEY';
const storage = createObjectStorage({
  region: env.S3_REGION ?? 'us-east-1',
  credentials: { [accessKeyId]: env.S3_SECRET_ACCESS_KEY ?? 'dingban-dev-secret-access-key' },
  buckets: (env.S3_BUCKETS ?? 'dingban-documents').split(',').map((b) => b.trim()),
});
const url = await storage.listen(Number(env.PORT ?? 4030), env.HOST ?? '127.0.0.1');
console.log(`object-storage emulator listening on ${url} (access key ${accessKeyId})`);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    void storage.close().then(() => process.exit(0));
  });
}
