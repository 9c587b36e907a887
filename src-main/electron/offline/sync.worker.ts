import { parentPort, workerData } from 'node:worker_threads';
import { toMailtrailError } from '../../db/connection';
import { MailtrailError } from '../../contract/errors';
import { syncCache } from '../../sync/sync-cache';
import type { SyncWorkerData, SyncWorkerMessage } from './sync-runner';

// SQLite's own codes for a full disk or an unwritable file: better-sqlite3 puts them on `code`.
const SQLITE_MESSAGES: Record<string, string> = {
  SQLITE_FULL: 'the disk is full; free some space or choose another place for the cache, then sync again (it resumes)',
  SQLITE_IOERR: 'the cache file could not be written (input/output error); choose another place for it',
  SQLITE_READONLY: 'the cache file is read-only; choose a file you may write to',
  SQLITE_CANTOPEN: 'the cache file cannot be created there; choose a folder you may write to',
  SQLITE_NOTADB: 'the chosen file is not a Mailtrail offline cache; choose a new file name',
  SQLITE_CORRUPT: 'the chosen file is damaged; choose a new file name',
};

function describeFailure(error: unknown, sourceUrl: string): MailtrailError {
  if (error instanceof MailtrailError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    const sqlite = Object.entries(SQLITE_MESSAGES).find(([prefix]) => code.startsWith(prefix));
    if (sqlite) return new MailtrailError('unavailable', sqlite[1]);
    if (code === 'ENOSPC') return new MailtrailError('unavailable', SQLITE_MESSAGES.SQLITE_FULL!);
  }
  return toMailtrailError(error, sourceUrl);
}

/** Runs one syncCache in this thread, so that SQLite's synchronous writes never block Electron's main thread. */
async function run(port: NonNullable<typeof parentPort>, data: SyncWorkerData): Promise<void> {
  const post = (message: SyncWorkerMessage) => port.postMessage(message);
  try {
    const result = await syncCache({ ...data, onProgress: (progress) => post({ type: 'progress', progress }) });
    post({ type: 'done', result });
  } catch (error) {
    post({ type: 'failed', error: describeFailure(error, data.sourceUrl).toValue() });
  }
}

if (parentPort) void run(parentPort, workerData as SyncWorkerData);
