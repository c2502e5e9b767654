import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ObjectStorageError } from './s3-store.ts';
import type { FileStore } from './storage.ts';

export interface CopyReport {
  /** Copied and read back identical. */
  copied: string[];
  /** Already in the destination with the same bytes (a re-run). */
  present: string[];
  /** In the destination with different bytes, or read back different: left alone, to look at. */
  conflicts: string[];
  /** Names in the folder that are not document keys (`<uuid>.enc`): ignored. */
  ignored: string[];
}

/**
 * The one-off move of identity documents from the local folder (`<dataDir>/files/identity/*.enc`) to
 * another FileStore (S3-compatible storage) when switching. Keys and bytes stay the same (the
 * ciphertext is bound to the file id, not to the place), so nothing in the database changes.
 * Idempotent: an object already there with the same bytes is skipped; a different one is never
 * overwritten. Every copy is read back and compared. Local files are not deleted.
 */
export async function copyLocalDocuments(
  dataDir: string,
  dest: FileStore,
  o: { dryRun?: boolean; log?: (line: string) => void } = {},
): Promise<CopyReport> {
  const dir = join(dataDir, 'files', 'identity');
  const report: CopyReport = { copied: [], present: [], conflicts: [], ignored: [] };
  const names = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[];
    throw err;
  });
  for (const name of names.sort()) {
    if (!/^[0-9a-f-]{36}\.enc$/.test(name)) {
      report.ignored.push(name);
      continue;
    }
    const bytes = await readFile(join(dir, name));
    const existing = await dest.get(name).catch((err: unknown) => {
      if (err instanceof ObjectStorageError && err.status === 404) return null;
      throw err;
    });
    if (existing) {
      (existing.equals(bytes) ? report.present : report.conflicts).push(name);
      o.log?.(`${existing.equals(bytes) ? 'present ' : 'CONFLICT'} ${name}`);
      continue;
    }
    if (o.dryRun) {
      report.copied.push(name);
      o.log?.(`would copy ${name}`);
      continue;
    }
    await dest.put(name, bytes);
    const back = await dest.get(name);
    (back.equals(bytes) ? report.copied : report.conflicts).push(name);
    o.log?.(`${back.equals(bytes) ? 'copied  ' : 'CONFLICT'} ${name}`);
  }
  return report;
}
