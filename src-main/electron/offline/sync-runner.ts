import { Worker } from 'node:worker_threads';
import { MailtrailError, type ErrorValue } from '../../contract/errors';
import type { SyncCounts } from '../../contract/sync-progress';
import type { SyncOptions, SyncResult } from '../../sync/sync-cache';

/** What the worker gets: the source URL (with its password) stays in main's process, never in a window. */
export type SyncWorkerData = Pick<SyncOptions, 'sourceUrl' | 'cacheFile' | 'since' | 'until'>;

export type SyncWorkerMessage =
  | { type: 'progress'; progress: SyncCounts }
  | { type: 'done'; result: SyncResult }
  | { type: 'failed'; error: ErrorValue };

export type SyncOutcome = { state: 'done'; result: SyncResult } | { state: 'cancelled' } | { state: 'failed'; error: MailtrailError };

export interface RunningSync {
  /** Settles once the worker has stopped; never rejects. */
  readonly outcome: Promise<SyncOutcome>;
  cancel(): Promise<void>;
}

export interface SyncWorkerOptions extends SyncWorkerData {
  /** The worker module: out/main/sync-worker.js in the app, sync.worker.ts (through tsx) in tests and under tsx. */
  workerUrl: URL;
  onProgress(progress: SyncCounts): void;
}

// A .ts worker (tests, `tsx`) loads through tsx's loader, which each thread registers for itself.
function spawn(workerUrl: URL, workerData: SyncWorkerData): Worker {
  if (!workerUrl.pathname.endsWith('.ts')) return new Worker(workerUrl, { workerData });
  const boot = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(workerUrl.href)}); })`;
  return new Worker(boot, { eval: true, workerData });
}

/**
 * Runs syncCache in a worker thread and reports its progress. Cancelling terminates the worker:
 * that is safe because every batch is one SQLite transaction and the sync resumes where it
 * stopped (tests/integration/sync-kill.test.ts kills it with SIGKILL mid-write).
 */
export function startSyncWorker({ workerUrl, onProgress, ...data }: SyncWorkerOptions): RunningSync {
  const worker = spawn(workerUrl, data);
  let cancelled = false;
  let settled: SyncOutcome | null = null;
  const outcome = new Promise<SyncOutcome>((resolve) => {
    const settle = (value: SyncOutcome) => {
      settled ??= value;
      resolve(settled);
      // The worker has said its last word; nothing it still holds open should keep it alive.
      void worker.terminate();
    };
    worker.on('message', (message: SyncWorkerMessage) => {
      if (cancelled || settled) return;
      if (message.type === 'progress') onProgress(message.progress);
      else if (message.type === 'done') settle({ state: 'done', result: message.result });
      else settle({ state: 'failed', error: MailtrailError.fromValue(message.error) });
    });
    worker.on('error', (error) => {
      settle({ state: 'failed', error: new MailtrailError('internal', `the sync stopped: ${error.message}`) });
    });
    worker.on('exit', (code) => {
      if (cancelled) settle({ state: 'cancelled' });
      else settle({ state: 'failed', error: new MailtrailError('internal', `the sync stopped unexpectedly (exit code ${code}); sync again to resume`) });
    });
  });
  return {
    outcome,
    async cancel() {
      if (settled) return;
      cancelled = true;
      await worker.terminate();
      await outcome;
    },
  };
}
