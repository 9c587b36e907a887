import type { RetentionRun } from '../../src-main/contract/retention';

// Live progress of a run from the runs table, polled: events moved, rate, time left.

export interface ProgressSample {
  /** ms, when the run's row was read. */
  at: number;
  /** Events archived plus events purged so far. */
  done: number;
}

export const doneOf = (run: Pick<RetentionRun, 'archived_events' | 'purged_events'>): number => run.archived_events + run.purged_events;
export const plannedOf = (run: Pick<RetentionRun, 'planned'>): number => run.planned.archive_events + run.planned.purge_events;

/** How many recent milliseconds the rate averages over: long enough to smooth batches, short enough to follow a slowdown. */
export const RATE_WINDOW_MS = 10_000;

/** Events per second over the last RATE_WINDOW_MS of samples; null until two samples lie apart in time. */
export function progressRate(samples: readonly ProgressSample[], now = samples.at(-1)?.at ?? 0): number | null {
  const last = samples.at(-1);
  if (!last) return null;
  const first = samples.find((sample) => sample.at >= now - RATE_WINDOW_MS) ?? last;
  const elapsed = last.at - first.at;
  if (elapsed <= 0) return null;
  return Math.max(0, (last.done - first.done) / (elapsed / 1000));
}

/** How long the done count has stood still, over the samples; 0 while it moves. */
export function stalledMs(samples: readonly ProgressSample[]): number {
  const last = samples.at(-1);
  if (!last) return 0;
  let since = last;
  for (let index = samples.length - 2; index >= 0 && samples[index]!.done === last.done; index--) since = samples[index]!;
  return last.at - since.at;
}

/** A run whose count stands still this long may have lost its process: a new run takes it up. */
export const STALLED_MS = 30_000;

/** Milliseconds left at this rate; null when unknown (no rate yet, or nothing moving). */
export function timeLeftMs(done: number, planned: number, rate: number | null): number | null {
  const remaining = Math.max(0, planned - done);
  if (remaining === 0) return 0;
  if (rate === null || rate <= 0) return null;
  return (remaining / rate) * 1000;
}

/** "about 3 min", "about 40 s", "less than a second", "unknown". */
export function timeLeftText(ms: number | null): string {
  if (ms === null) return 'unknown';
  if (ms < 1000) return 'less than a second';
  const seconds = Math.round(ms / 1000);
  if (seconds < 90) return `about ${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) return `about ${minutes} min`;
  return `about ${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** "12,300 events/s", or "…" before the first rate. */
export const rateText = (rate: number | null): string => (rate === null ? '…' : `${Math.round(rate).toLocaleString('en')} events/s`);

/** 0-100, for the progress bar; a run that planned nothing is complete. */
export const percentOf = (done: number, planned: number): number => (planned <= 0 ? 100 : Math.min(100, Math.round((done / planned) * 100)));

export const PHASE_LABELS: Record<RetentionRun['phase'], string> = {
  archive: 'Archiving',
  purge_archive: 'Purging the archive',
  purge_log: 'Purging the log',
  done: 'Done',
};
