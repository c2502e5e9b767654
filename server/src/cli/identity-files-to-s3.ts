import { loadConfig } from '../platform/config.ts';
import { copyLocalDocuments } from '../modules/identity/copy-store.ts';
import { s3FileStore } from '../modules/identity/s3-store.ts';

/**
 * `npm run identity:files-to-s3 [-- --dry-run]`: the one-off copy of identity documents from
 * `DATA_DIR/files/identity/*.enc` into the S3-compatible bucket configured with STORAGE_S3_* (same keys
 * under STORAGE_S3_PREFIX, same ciphertext). Run it with the server's environment when switching to
 * object storage; re-running is safe. Exits 1 when storage is not configured or a file conflicts.
 */
const dryRun = process.argv.includes('--dry-run');
const config = loadConfig();
if (!config.storageS3) {
  console.error('identity:files-to-s3: STORAGE_S3_ENDPOINT, _BUCKET, _ACCESS_KEY_ID and _SECRET_ACCESS_KEY must be set');
  process.exit(1);
}
const { endpoint, bucket, prefix } = config.storageS3;
console.log(`identity:files-to-s3: ${config.dataDir}/files/identity → ${endpoint}/${bucket}/${prefix}${dryRun ? ' (dry run)' : ''}`);
const report = await copyLocalDocuments(config.dataDir, s3FileStore(config.storageS3), { dryRun, log: (l) => console.log(`  ${l}`) });
console.log(
  `identity:files-to-s3: ${report.copied.length} ${dryRun ? 'to copy' : 'copied'}, ${report.present.length} already present, ` +
    `${report.conflicts.length} conflicting, ${report.ignored.length} ignored`,
);
process.exit(report.conflicts.length ? 1 : 0);
