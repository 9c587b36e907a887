import { journalActor } from '../admin/journal';
import { listBackups, type BackupListing } from '../backup/backup-list';
import { restoreBackup } from '../backup/backup-restore';
import { runBackup, type BackupManifest, type BackupProgress } from '../backup/backup-run';
import { verifyBackup } from '../backup/backup-verify';
import { formatBytes } from '../contract/bytes';
import { notifyRunOutcome } from '../backup/cli-notify';
import { openAdminDb, toMailtrailError } from '../db/connection';
import { openAdminConnection } from '../source/open-source';
import type { BackupInvocation } from './backup-command-line';
import { progressOutput, type CommandIo } from './io';

const count = (n: number) => Math.round(n).toLocaleString('en-US');

/** One progress line: the table, its rows so far and the rate; a bar of tables done on a terminal. */
export function describeBackupProgress(progress: BackupProgress, verb: string, bar: boolean, startedMs: number, rowsBefore: number): string {
  const seconds = (Date.now() - startedMs) / 1000;
  const rate = seconds > 0 ? (rowsBefore + progress.rows) / seconds : 0;
  const fraction = progress.tablesTotal > 0 ? Math.min(1, progress.tablesDone / progress.tablesTotal) : 0;
  const width = 30;
  const filled = Math.round(fraction * width);
  const gauge = bar ? `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ` : '';
  const of = progress.tablesTotal > 0 ? `table ${Math.min(progress.tablesDone + 1, progress.tablesTotal)} of ${progress.tablesTotal}, ` : '';
  return `${gauge}${verb} ${progress.table}: ${count(progress.rows)} rows (${formatBytes(progress.bytes)}), ${of}${count(rate)} rows/s`;
}

/**
 * A progress callback for a terminal (redrawn at most ten times a second) or a log (a line per
 * finished table with rows, and one per million rows within a large one).
 */
function progressReporter(io: CommandIo, verb: string) {
  const output = progressOutput(io);
  const startedMs = Date.now();
  let drawnMs = 0;
  let rowsBefore = 0;
  let table = '';
  let lastRows = 0;
  let notedMillion = 0;
  const onProgress = (progress: BackupProgress) => {
    if (progress.table !== table) {
      rowsBefore += lastRows;
      table = progress.table;
      notedMillion = 0;
    }
    lastRows = progress.rows;
    const line = () => describeBackupProgress(progress, verb, output.tty, startedMs, rowsBefore);
    if (output.tty) {
      const now = Date.now();
      if (now - drawnMs < 100 && progress.tablesDone < progress.tablesTotal) return;
      drawnMs = now;
      output.show(line());
    } else if (Math.floor(progress.rows / 1_000_000) > notedMillion) {
      notedMillion = Math.floor(progress.rows / 1_000_000);
      output.show(line());
    }
  };
  return { onProgress, end: () => output.end() };
}

/** Ctrl-C stops the command cleanly: a backup leaves no file, a restore rolls back. */
function interruptible(): { signal: AbortSignal; done: () => void } {
  const controller = new AbortController();
  const cancel = () => controller.abort();
  process.once('SIGINT', cancel);
  return { signal: controller.signal, done: () => process.off('SIGINT', cancel) };
}

const events = (manifest: BackupManifest, table: string) => manifest.tables.find((entry) => entry.name === table)?.rows ?? 0;

function summary(manifest: BackupManifest): string {
  const archived = events(manifest, 'email_activity_log_archive');
  const chain = manifest.chain_head ? `, sealed chain to seq ${count(manifest.chain_head.sequence)}` : '';
  return `${manifest.tables.length} tables, ${count(events(manifest, 'email_activity_log'))} events${archived ? ` (and ${count(archived)} archived)` : ''}${chain}, schema ${manifest.schema_version}`;
}

async function run(invocation: Extract<BackupInvocation, { action: 'run' }>, io: CommandIo): Promise<number> {
  const admin = await openAdminConnection({ db: invocation.db, adminDb: invocation.adminDb, onProgress: io.note });
  const progress = progressReporter(io, 'backing up');
  const stop = interruptible();
  try {
    // --notify: the outcome goes out either way; a failure is still the command's (exit 1) after it is told.
    const result = await runBackup({ db: admin.db, toDir: invocation.to, actor: journalActor(), signal: stop.signal, onProgress: progress.onProgress })
      .finally(() => progress.end())
      .then(
        async (done) => {
          const rows = done.manifest.tables.reduce((sum, table) => sum + table.rows, 0);
          const message = `Backup of ${admin.description} wrote ${done.file} (${formatBytes(done.bytes)}, ${count(rows)} rows)`;
          const details = { file: done.file, bytes: done.bytes, rows, duration_ms: done.durationMs };
          for (const line of await notifyRunOutcome(invocation.notify, { kind: 'success', source: admin.description, message, details }, admin.db)) io.note(line);
          return done;
        },
        async (error: unknown) => {
          const reason = toMailtrailError(error);
          const message = `Backup of ${admin.description} failed: ${reason.message}`;
          for (const line of await notifyRunOutcome(invocation.notify, { kind: 'failure', source: admin.description, message, details: { error: reason.message, to: invocation.to } }, admin.db)) io.note(line);
          throw reason;
        },
      );
    if (invocation.json) {
      io.out(JSON.stringify({ file: result.file, bytes: result.bytes, duration_ms: result.durationMs, manifest: result.manifest }));
      return 0;
    }
    const seconds = result.durationMs / 1000;
    const rows = result.manifest.tables.reduce((sum, table) => sum + table.rows, 0);
    io.out(`wrote ${result.file}: ${summary(result.manifest)}; ${formatBytes(result.bytes)} in ${seconds.toFixed(1)} s (${count(rows / Math.max(seconds, 0.001))} rows/s)`);
    if (result.manifest.absent_tables.length) io.out(`not in this database, so not in the backup: ${result.manifest.absent_tables.join(', ')}`);
    return 0;
  } finally {
    stop.done();
    await admin.close();
  }
}

async function verify(invocation: Extract<BackupInvocation, { action: 'verify' }>, io: CommandIo): Promise<number> {
  const progress = progressReporter(io, 'checking');
  const stop = interruptible();
  try {
    const result = await verifyBackup(invocation.file, { restoreTest: invocation.restore, signal: stop.signal, onProgress: progress.onProgress, onNote: io.note }).finally(() => progress.end());
    if (invocation.json) {
      io.out(JSON.stringify({ file: result.file, ok: result.ok, problems: result.problems, restore_tested: result.restoreTested, duration_ms: result.durationMs, manifest: result.manifest }));
      return result.ok ? 0 : 1;
    }
    if (result.ok && result.manifest) {
      const how = result.restoreTested ? 'checksums intact and a test restore matched' : 'checksums intact (no test restore)';
      io.out(`verified ${result.file}: ${how}; ${summary(result.manifest)}; made ${result.manifest.started_at} from ${result.manifest.source}; ${(result.durationMs / 1000).toFixed(1)} s`);
      return 0;
    }
    for (const problem of result.problems) io.out(`FAILED: ${problem}`);
    io.out(`NOT verified ${result.file}: ${result.problems.length} ${result.problems.length === 1 ? 'problem' : 'problems'}`);
    return 1;
  } finally {
    stop.done();
  }
}

async function restore(invocation: Extract<BackupInvocation, { action: 'restore' }>, io: CommandIo): Promise<number> {
  const db = openAdminDb(invocation.db);
  const progress = progressReporter(io, 'restoring');
  const stop = interruptible();
  try {
    const result = await restoreBackup(invocation.file, { db, force: invocation.force, actor: journalActor(), signal: stop.signal, onProgress: progress.onProgress }).finally(() => progress.end());
    const rows = result.tables.reduce((sum, table) => sum + table.rows, 0);
    const log = result.tables.find((table) => table.name === 'email_activity_log')?.rows ?? 0;
    io.out(`restored ${invocation.file}: ${result.tables.length} tables, ${count(rows)} rows (${count(log)} events), rollups recounted, in ${(result.durationMs / 1000).toFixed(1)} s`);
    return 0;
  } finally {
    stop.done();
    await db.end().catch(() => undefined);
  }
}

function listingLine(listing: BackupListing): string {
  const name = listing.file.split(/[\\/]/).at(-1) ?? listing.file;
  if (!listing.manifest) return `${listing.modified.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}  ${formatBytes(listing.bytes).padStart(9)}  ${'-'.padStart(14)}  ${name}  PROBLEM: ${listing.problem}`;
  const time = listing.manifest.started_at.replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
  return `${time}  ${formatBytes(listing.bytes).padStart(9)}  ${count(events(listing.manifest, 'email_activity_log')).padStart(14)}  ${name}`;
}

async function list(invocation: Extract<BackupInvocation, { action: 'list' }>, io: CommandIo): Promise<number> {
  const listings = await listBackups(invocation.to);
  if (invocation.json) {
    io.out(JSON.stringify(listings));
    return 0;
  }
  if (listings.length === 0) {
    io.out(`no backups in ${invocation.to}`);
    return 0;
  }
  io.out(`${'made (UTC)'.padEnd(23)}  ${'size'.padStart(9)}  ${'events'.padStart(14)}  file`);
  for (const listing of listings) io.out(listingLine(listing));
  return 0;
}

/** `mailtrail backup run|verify|restore|list`. */
export function runBackupCommand(invocation: BackupInvocation, io: CommandIo): Promise<number> {
  switch (invocation.action) {
    case 'run':
      return run(invocation, io);
    case 'verify':
      return verify(invocation, io);
    case 'restore':
      return restore(invocation, io);
    case 'list':
      return list(invocation, io);
  }
}
