import { describe, expect, it } from 'vitest';
import { backupsToPrune, type PrunableBackup } from '../../src-main/backup/prune';

// Keep-last-N and keep-days pruning (issue 17, item 3): never the newest verified backup.
const now = new Date('2026-11-28T12:00:00Z');
const daysAgo = (days: number) => new Date(now.getTime() - days * 86_400_000).toISOString();
let nextId = 1;
const backup = (days: number, fields: Partial<PrunableBackup> = {}): PrunableBackup => ({
  id: nextId++,
  file: `/srv/backups/b${days}.mtbackup`,
  status: 'succeeded',
  made_at: daysAgo(days),
  verification: null,
  ...fields,
});
const ages = (pruned: PrunableBackup[]) => pruned.map((one) => Math.round((now.getTime() - Date.parse(one.made_at)) / 86_400_000)).sort((a, b) => a - b);

describe('pruning a job\'s backups', () => {
  it('keeps everything when neither rule is set', () => {
    expect(backupsToPrune([backup(1), backup(50), backup(400)], { keep_last: null, keep_days: null }, now)).toEqual([]);
  });

  it('keeps the newest N successful backups', () => {
    const backups = [1, 2, 3, 4, 5].map((days) => backup(days));
    expect(ages(backupsToPrune(backups, { keep_last: 2, keep_days: null }, now))).toEqual([3, 4, 5]);
  });

  it('keeps what is younger than keep_days, whatever N says', () => {
    const backups = [1, 2, 3, 10, 20].map((days) => backup(days));
    expect(ages(backupsToPrune(backups, { keep_last: 1, keep_days: 5 }, now))).toEqual([10, 20]);
    expect(ages(backupsToPrune(backups, { keep_last: null, keep_days: 5 }, now))).toEqual([]);
  });

  it('never prunes the newest verified backup, even when every newer one is unverified', () => {
    const verified = backup(9, { verification: 'passed' });
    const older = backup(12, { verification: 'passed' });
    const backups = [backup(1, { status: 'failed', verification: 'failed' }), backup(2), backup(3), verified, older];
    const pruned = backupsToPrune(backups, { keep_last: 1, keep_days: null }, now);
    expect(pruned.map((one) => one.id)).not.toContain(verified.id);
    expect(pruned.map((one) => one.id)).toContain(older.id);
    // The newest success (2 days) stays by count, the verified one (9) by the rule; a failed run's file goes.
    expect(ages(pruned)).toEqual([1, 3, 12]);
  });

  it('counts no failed run toward the last N, and keeps its file only within keep_days', () => {
    const backups = [backup(1, { status: 'failed' }), backup(2), backup(3, { status: 'failed' }), backup(4)];
    expect(ages(backupsToPrune(backups, { keep_last: 2, keep_days: null }, now))).toEqual([1, 3]);
    expect(ages(backupsToPrune(backups, { keep_last: 1, keep_days: 2 }, now))).toEqual([3, 4]);
  });

  it('leaves a backup being verified alone', () => {
    const verifying = backup(30, { verification: 'running' });
    expect(backupsToPrune([backup(1), verifying], { keep_last: 1, keep_days: null }, now)).toEqual([]);
  });
});
