import { measureSyncProgress } from '../contract/sync-progress';
import { syncCache, type SyncProgress } from '../sync/sync-cache';
import type { Invocation } from './command-line';
import { progressOutput, type CommandIo } from './io';

export const formatCount = (n: number) => Math.round(n).toLocaleString('en-US');

function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '--';
  const s = Math.max(0, Math.round(seconds));
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** One progress line: rows, rate and time left; a bar when the terminal shows it in place. */
export function describeProgress(progress: SyncProgress, bar: boolean): string {
  const { phase, rows, total } = progress;
  if (phase !== 'events' && phase !== 'reconcile') return `${phase}: copied`;
  const { rate, secondsLeft: left, fraction } = measureSyncProgress(progress);
  const width = 30;
  const filled = Math.round(fraction * width);
  const gauge = bar ? `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ` : '';
  const of = total > 0 ? ` of ${formatCount(total)}` : '';
  return `${gauge}${phase === 'reconcile' ? 'reconciling days, ' : ''}${formatCount(rows)}${of} events, ${formatCount(rate)}/s, ${formatDuration(left)} left`;
}

/** `mailtrail sync`: a bar on a terminal, plain lines otherwise, and one summary line on stdout. */
export async function runSync(invocation: Extract<Invocation, { command: 'sync' }>, io: CommandIo): Promise<number> {
  const progress = progressOutput(io);
  const result = await syncCache({
    sourceUrl: invocation.db,
    cacheFile: invocation.cache,
    since: invocation.since,
    until: invocation.until,
    onProgress: (counts) => progress.show(describeProgress(counts, progress.tty)),
  }).finally(() => progress.end());
  const removed = result.deleted ? `, removed ${formatCount(result.deleted)} deleted upstream` : '';
  io.out(
    `synced ${formatCount(result.fetched)} events in ${result.seconds.toFixed(1)} s (${formatCount(result.rate)} events/s)${removed}; ` +
      `${invocation.cache} holds ${formatCount(result.events)} events${result.archived ? ` (and ${formatCount(result.archived)} archived)` : ''}, ${formatCount(result.messages)} emails, ${formatCount(result.users)} users`,
  );
  const chain = result.chain;
  if (chain.state === 'copied' && chain.chainCheckpoint) {
    io.out(
      `sealed chain: ${formatCount(chain.entries)} new entries in ${chain.seconds.toFixed(1)} s, up to checkpoint ${chain.chainCheckpoint} (seq ${formatCount(chain.chainSeq ?? 0)}); \`mailtrail verify --cache ${invocation.cache}\` checks it offline`,
    );
  } else if (chain.state === 'diverged') {
    io.out(`sealed chain NOT copied: the database's chain no longer continues the one ${invocation.cache} holds (rewritten or cut short since the last sync); the cache keeps its own, and \`mailtrail verify --cache\` checks the events against it; verify the database with \`mailtrail verify --db URL --head FILE\``);
  }
  return 0;
}
