import type { SyncPhase } from '../../src-main/contract/sync-progress';

const formatCount = (n: number) => Math.round(n).toLocaleString('en-US');

/** What each step of a sync does, in the auditor's words. */
export const PHASE_TEXT: Record<SyncPhase, string> = {
  users: 'Copying user names',
  messages: 'Copying email subjects and senders',
  events: 'Copying events',
  indexes: 'Preparing the cache for fast searches',
  reconcile: 'Checking for events changed or deleted in the live log',
  chain: 'Copying the sealed chain',
};

/** "312,000 of 1,100,000 events"; without a total, "312,000 events". */
export function rowsText(rows: number, total: number): string {
  return total > 0 ? `${formatCount(rows)} of ${formatCount(total)} events` : `${formatCount(rows)} events`;
}

/** "148,000 events/s". */
export const rateText = (rate: number): string => `${formatCount(rate)} events/s`;

/** "about 6 s left", "about 3 min left", "almost done"; null while there is nothing to go by. */
export function timeLeftText(secondsLeft: number | null): string | null {
  if (secondsLeft === null || !Number.isFinite(secondsLeft)) return null;
  if (secondsLeft <= 0) return 'almost done';
  const seconds = Math.max(1, Math.round(secondsLeft));
  if (seconds < 90) return `about ${seconds} s left`;
  if (seconds < 90 * 60) return `about ${Math.round(seconds / 60)} min left`;
  return `about ${Math.round(seconds / 3600)} h left`;
}

/** The file's name without its folders, for a short line; the whole path goes in a title. */
export const fileNameOf = (file: string): string => file.split(/[\\/]/).pop() || file;

export { formatCount };
