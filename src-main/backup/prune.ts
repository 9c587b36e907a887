import { unlink } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { AdminDb } from '../db/connection';
import { query } from '../db/query';
import { sql } from '../db/sql';

// Keep-last-N and keep-days pruning of one job's backups. It only ever deletes files its own history
// recorded under the job's destination, and never the newest backup whose verification passed.

export interface PrunableBackup {
  id: number;
  file: string;
  status: 'succeeded' | 'failed';
  /** When the backup was made (started_at), ISO. */
  made_at: string;
  verification: 'running' | 'passed' | 'failed' | null;
}

export interface KeepRules {
  keep_last: number | null;
  keep_days: number | null;
}

/**
 * Which backups go: with both rules off, none. A backup stays when it is one of the newest
 * `keep_last` successful ones, or younger than `keep_days`, or the newest verified one, or being
 * verified now. A failed run's file counts toward no "last N"; it stays only while younger than keep_days.
 */
export function backupsToPrune(backups: readonly PrunableBackup[], rules: KeepRules, now: Date = new Date()): PrunableBackup[] {
  if (rules.keep_last === null && rules.keep_days === null) return [];
  const newestFirst = [...backups].sort((a, b) => (a.made_at < b.made_at ? 1 : a.made_at > b.made_at ? -1 : b.id - a.id));
  const keep = new Set<number>();
  const successes = newestFirst.filter((backup) => backup.status === 'succeeded');
  if (rules.keep_last !== null) for (const backup of successes.slice(0, rules.keep_last)) keep.add(backup.id);
  // keep_days alone keeps every success by count; keep_last alone keeps no failed file.
  if (rules.keep_last === null) for (const backup of successes) keep.add(backup.id);
  if (rules.keep_days !== null) {
    const cutoff = now.getTime() - rules.keep_days * 86_400_000;
    for (const backup of newestFirst) if (Date.parse(backup.made_at) >= cutoff) keep.add(backup.id);
  }
  const newestVerified = newestFirst.find((backup) => backup.status === 'succeeded' && backup.verification === 'passed');
  if (newestVerified) keep.add(newestVerified.id);
  for (const backup of newestFirst) if (backup.verification === 'running') keep.add(backup.id);
  return newestFirst.filter((backup) => !keep.has(backup.id));
}

export interface PruneOutcome {
  removed: string[];
  /** Files it meant to remove and could not, with why. */
  problems: string[];
}

/** Prunes one job's backups by its rules: the files, then their history rows' pruned_at. */
export async function pruneJobBackups(admin: AdminDb, job: { id: number; destination: string } & KeepRules, now: Date = new Date()): Promise<PruneOutcome> {
  const rows = await query<{ id: string; file: string; status: 'succeeded' | 'failed'; made_at: Date; verification: PrunableBackup['verification'] }>(
    admin,
    sql`SELECT id, file, status, started_at AS made_at, verification FROM mailtrail_backup_history
        WHERE job_id = ${job.id} AND file IS NOT NULL AND pruned_at IS NULL AND status <> 'running'`,
  );
  const destination = resolve(job.destination);
  // A file the history names outside the job's destination (the destination changed since) is not this rule's to delete.
  const backups = rows
    .map((row) => ({ ...row, id: Number(row.id), made_at: new Date(row.made_at).toISOString() }))
    .filter((backup) => dirname(resolve(backup.file)) === destination);
  const outcome: PruneOutcome = { removed: [], problems: [] };
  for (const backup of backupsToPrune(backups, job, now)) {
    try {
      await unlink(backup.file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // Gone already (removed by hand): the record says so from now on.
      if (code !== 'ENOENT') {
        outcome.problems.push(`${backup.file}: ${(error as Error).message}`);
        continue;
      }
    }
    await query(admin, sql`UPDATE mailtrail_backup_history SET pruned_at = NOW() WHERE id = ${backup.id}`);
    outcome.removed.push(backup.file);
  }
  return outcome;
}
