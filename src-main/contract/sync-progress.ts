import type { ErrorValue, Result } from './errors';

/** The steps of a sync, in the order it runs them (src-main/sync/sync-cache.ts). */
export const SYNC_PHASES = ['users', 'messages', 'events', 'indexes', 'reconcile', 'chain'] as const;
export type SyncPhase = (typeof SYNC_PHASES)[number];

/** What syncCache reports while it runs: events written so far, the run's estimate, time spent. */
export interface SyncCounts {
  phase: SyncPhase;
  rows: number;
  total: number;
  elapsedMs: number;
}

export interface SyncMeasure {
  /** Events per second so far in this run. */
  rate: number;
  /** Seconds until `total` at this rate; null while there is no rate to go by. */
  secondsLeft: number | null;
  /** rows / total, between 0 and 1; 1 when nothing is expected. */
  fraction: number;
}

/** Rate, time left and share done: the one arithmetic behind the terminal's bar and the app's panel. */
export function measureSyncProgress({ rows, total, elapsedMs }: SyncCounts): SyncMeasure {
  const rate = elapsedMs > 0 ? (rows * 1000) / elapsedMs : 0;
  const secondsLeft = total <= rows ? 0 : rate > 0 ? (total - rows) / rate : null;
  const fraction = total > 0 ? Math.min(1, rows / total) : 1;
  return { rate, secondsLeft, fraction };
}

/** What main tells the window about the sync it runs; `file` is the cache file the user chose. */
export type SyncUpdate =
  | { state: 'started'; file: string }
  | ({ state: 'running'; file: string } & SyncCounts & SyncMeasure)
  | { state: 'done'; file: string; fetched: number; events: number; seconds: number }
  | { state: 'cancelled'; file: string }
  | { state: 'failed'; file: string; error: ErrorValue };

/** Main -> window; the preload forwards it to the callback given to onSyncProgress. */
export const SYNC_PROGRESS_CHANNEL = 'mailtrail:sync/progress';
/** Window -> main: stop the running sync. */
export const SYNC_CANCEL_CHANNEL = 'mailtrail:sync/cancel';
/** Window -> main: open the cache the last sync made (main remembers which; the window never names a file). */
export const SYNC_OPEN_RESULT_CHANNEL = 'mailtrail:sync/open-result';

/**
 * The desktop app's sync functions on `window.mailtrail`, next to the operations; absent in
 * browser mode, where there is no sync.
 */
export interface MailtrailSyncBridge {
  /** Calls `listener` with every update; returns the function that stops it. */
  onSyncProgress(listener: (update: SyncUpdate) => void): () => void;
  cancelSync(): Promise<Result<null>>;
  openSyncedCache(): Promise<Result<null>>;
}
