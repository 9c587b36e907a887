import { mkdir, stat } from 'node:fs/promises';
import { journaled } from '../admin/journal';
import type { BackupHistoryEntry } from '../contract/backups';
import { MailtrailError } from '../contract/errors';
import { toMailtrailError, type AdminDb } from '../db/connection';
import { query } from '../db/query';
import { sql } from '../db/sql';
import { runBackup, type BackupResult } from './backup-run';
import { verifyBackup } from './backup-verify';
import { getHistory, getJobRow, type JobRow } from './job-records';
import { sendNotice, type BackupNotice, type NoticeKind, type NotifySettings } from './notifier';
import { pruneJobBackups } from './prune';

// One run of a backup job: one runner at a time per job across processes (a session advisory lock
// on the job, and the history's unique `running` row behind it), the backup, an optional verify,
// pruning, and the notification of its outcome.

/** The advisory lock's class: (BACKUP_LOCK_CLASS, job id) is the job's lock. Any constant works. */
export const BACKUP_LOCK_CLASS = 7_411_917;

export interface BackupRunnerDeps {
  admin: AdminDb;
  notify: NotifySettings;
  /** The desktop app's notification; absent in serve and the worker. */
  desktop?: ((notice: BackupNotice) => void) | undefined;
  /** Verify with a restore into a scratch PostgreSQL (default true); false checks the checksums alone. */
  restoreTest?: boolean | undefined;
  onNote?: ((line: string) => void) | undefined;
  /** For tests: the notifier's backoff wait. */
  sleep?: ((ms: number) => Promise<unknown>) | undefined;
}

export interface RunOutcome {
  historyId: number;
  status: 'succeeded' | 'failed';
  error: string | null;
  file: string | null;
}

export interface JobRun {
  /** The history row as the run began (status running). */
  entry: BackupHistoryEntry;
  /** Settles once the run, its verification, pruning and notifications are done; never rejects. */
  done: Promise<RunOutcome>;
}

interface JobLock {
  release(): Promise<void>;
}

/** The job's lock on a connection of its own, held for the whole run; null when another session holds it. */
async function takeJobLock(admin: AdminDb, jobId: number): Promise<JobLock | null> {
  const client = await admin.connect().catch((error: unknown) => {
    throw toMailtrailError(error);
  });
  try {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS locked', [BACKUP_LOCK_CLASS, jobId]);
    if (!rows[0]?.locked) {
      client.release();
      return null;
    }
  } catch (error) {
    client.release(true);
    throw toMailtrailError(error);
  }
  return {
    async release() {
      // A connection that fails to unlock is destroyed, which ends its session and the lock with it.
      await client.query('SELECT pg_advisory_unlock($1, $2)', [BACKUP_LOCK_CLASS, jobId]).then(
        () => client.release(),
        () => client.release(true),
      );
    },
  };
}

const CUT_SHORT = 'its runner stopped before the backup was finished (the process ended or lost its database); a backup cut short is a failure';

const sumRows = (result: BackupResult) => result.manifest.tables.reduce((total, table) => total + table.rows, 0);

/** A backup whose file is not what it claims is no success: the bytes on disk must be the bytes written. */
async function checkWritten(result: BackupResult): Promise<void> {
  const size = await stat(result.file).then(
    (info) => info.size,
    () => null,
  );
  if (size === null) throw new MailtrailError('internal', `the backup reported ${result.file} but there is no such file`);
  if (size !== result.bytes) throw new MailtrailError('internal', `the backup file ${result.file} is ${size} bytes on disk, but ${result.bytes} were written`);
  if (result.manifest.tables.length === 0) throw new MailtrailError('internal', 'the backup holds no table');
}

export function noticeOf(kind: NoticeKind, job: { id: number; name: string }, historyId: number | null, message: string, details: Record<string, unknown>): BackupNotice {
  const titles: Record<NoticeKind, string> = {
    success: `Backup "${job.name}" succeeded`,
    failure: `Backup "${job.name}" failed`,
    silence: `Backup "${job.name}" has not succeeded in time`,
  };
  return {
    kind,
    idempotencyId: `mailtrail-backup-${kind}-${job.id}-${historyId ?? String(details.silent_since ?? '')}`,
    job: { id: job.id, name: job.name },
    historyId,
    title: titles[kind],
    message,
    details,
    at: new Date().toISOString(),
  };
}

async function notifyJob(deps: BackupRunnerDeps, job: JobRow, notice: BackupNotice): Promise<void> {
  const channels = { webhookUrls: job.notify_webhook_url ? [job.notify_webhook_url] : [], emails: job.notify_emails, desktop: deps.desktop };
  const deliveries = await sendNotice(notice, channels, deps.notify, { log: deps.admin, sleep: deps.sleep });
  for (const delivery of deliveries) {
    if (!delivery.delivered) deps.onNote?.(`backup job ${job.id}: the ${notice.kind} notification by ${delivery.channel} to ${delivery.target} failed after ${delivery.attempts} attempts: ${delivery.error}`);
  }
}

async function finishHistory(admin: AdminDb, historyId: number, fields: { status: 'succeeded' | 'failed'; error: string | null; durationMs: number }): Promise<void> {
  await query(
    admin,
    sql`UPDATE mailtrail_backup_history SET status = ${fields.status}, error = ${fields.error?.slice(0, 2_000) ?? null}, finished_at = NOW(),
          duration_ms = ${Math.round(fields.durationMs)} WHERE id = ${historyId}`,
  );
}

/** Verifies a backup file of the history and records the outcome on its row; the problems, or none. */
export async function verifyHistoryFile(deps: BackupRunnerDeps, historyId: number, file: string, restoreTest: boolean, signal?: AbortSignal): Promise<string[]> {
  let problems: string[];
  let restoreTested = false;
  try {
    const verification = await verifyBackup(file, { restoreTest, ...(signal ? { signal } : {}) });
    problems = verification.ok ? [] : verification.problems.length > 0 ? verification.problems : ['verification failed'];
    restoreTested = verification.restoreTested;
  } catch (error) {
    problems = [toMailtrailError(error).message];
  }
  await query(
    deps.admin,
    sql`UPDATE mailtrail_backup_history SET verification = ${problems.length === 0 ? 'passed' : 'failed'}, verified_at = NOW(),
          restore_tested = ${restoreTested}, verify_problems = ${JSON.stringify(problems)}::jsonb WHERE id = ${historyId}`,
  );
  return problems;
}

/** The backup, its verification, pruning and the notice; the history row is finished whatever happens. */
async function performRun(deps: BackupRunnerDeps, job: JobRow, historyId: number, signal: AbortSignal, actor: string): Promise<RunOutcome> {
  const startedAt = Date.now();
  let result: BackupResult | null = null;
  let failure: string | null = null;
  try {
    await mkdir(job.destination, { recursive: true }).catch((error: Error) => {
      throw new MailtrailError('unavailable', `cannot create the destination ${job.destination}: ${error.message}`);
    });
    result = await runBackup({ db: deps.admin, toDir: job.destination, signal, actor });
    if (signal.aborted) throw new MailtrailError('unavailable', 'the backup was stopped before its end (the runner is shutting down)');
    await checkWritten(result);
    await query(
      deps.admin,
      sql`UPDATE mailtrail_backup_history SET file = ${result.file}, bytes = ${result.bytes}, rows = ${sumRows(result)}, tables = ${result.manifest.tables.length}
          WHERE id = ${historyId}`,
    );
    if (job.verify_after) {
      await query(deps.admin, sql`UPDATE mailtrail_backup_history SET verification = 'running' WHERE id = ${historyId}`);
      const problems = await verifyHistoryFile(deps, historyId, result.file, deps.restoreTest ?? true, signal);
      if (problems.length > 0) failure = `the backup failed its verification: ${problems.join('; ')}`;
    }
  } catch (error) {
    failure = signal.aborted ? CUT_SHORT : toMailtrailError(error).message;
  }
  const durationMs = Date.now() - startedAt;
  // Recorded even if the database went away meanwhile is impossible; the notice still goes out below.
  await finishHistory(deps.admin, historyId, { status: failure ? 'failed' : 'succeeded', error: failure, durationMs }).catch((error: unknown) =>
    deps.onNote?.(`backup job ${job.id}: its history row ${historyId} could not be finished: ${toMailtrailError(error).message}`),
  );
  const details = {
    status: failure ? 'failed' : 'succeeded',
    error: failure,
    file: result?.file ?? null,
    bytes: result?.bytes ?? null,
    rows: result ? sumRows(result) : null,
    duration_ms: durationMs,
    destination: job.destination,
  };
  if (!failure) {
    const pruned = await pruneJobBackups(deps.admin, job).catch((error: unknown) => ({ removed: [], problems: [toMailtrailError(error).message] }));
    for (const problem of pruned.problems) deps.onNote?.(`backup job ${job.id}: pruning: ${problem}`);
    if (pruned.removed.length > 0) deps.onNote?.(`backup job ${job.id}: pruned ${pruned.removed.length} old backup${pruned.removed.length === 1 ? '' : 's'}`);
    Object.assign(details, { pruned: pruned.removed });
  }
  if (failure) await notifyJob(deps, job, noticeOf('failure', job, historyId, `Backup "${job.name}" failed: ${failure}`, details));
  else if (job.notify_on_success) {
    await notifyJob(deps, job, noticeOf('success', job, historyId, `Backup "${job.name}" wrote ${result?.file} (${result?.bytes} bytes, ${details.rows} rows)`, details));
  }
  return { historyId, status: failure ? 'failed' : 'succeeded', error: failure, file: result?.file ?? null };
}

/**
 * Starts a run of the job in this process: answers once it holds the job's lock and its history row
 * is written; the run goes on (`done`). A job running elsewhere is a conflict. Journaled as backups.run.
 */
export async function startJobRun(
  deps: BackupRunnerDeps,
  request: { jobId: number; trigger: 'schedule' | 'manual'; actor: string; signal?: AbortSignal | undefined },
): Promise<JobRun> {
  const { admin } = deps;
  const job = await getJobRow(admin, request.jobId);
  const lock = await takeJobLock(admin, job.id);
  if (!lock) throw new MailtrailError('conflict', `backup job ${job.id} ("${job.name}") is running already, in this or another process; wait for it to end`);
  let began!: (entry: BackupHistoryEntry) => void;
  let refused!: (error: unknown) => void;
  const entry = new Promise<BackupHistoryEntry>((resolve, reject) => {
    began = resolve;
    refused = reject;
  });
  const signal = request.signal ?? new AbortController().signal;
  const done = journaled(admin, { actor: request.actor, action: 'backups.run', parameters: { job_id: job.id, trigger: request.trigger } }, async () => {
    // We hold the lock, so a `running` row left behind is a runner that died: cut short, a failure.
    await query(admin, sql`UPDATE mailtrail_backup_history SET status = 'failed', finished_at = NOW(), error = ${CUT_SHORT} WHERE job_id = ${job.id} AND status = 'running'`);
    const [row] = await query<{ id: string }>(
      admin,
      sql`INSERT INTO mailtrail_backup_history (job_id, trigger, actor, destination) VALUES (${job.id}, ${request.trigger}, ${request.actor}, ${job.destination}) RETURNING id`,
    );
    const historyId = Number(row?.id);
    began(await getHistory(admin, historyId));
    const outcome = await performRun(deps, job, historyId, signal, request.actor);
    if (outcome.status === 'failed') throw Object.assign(new MailtrailError('unavailable', outcome.error ?? 'the backup failed'), { outcome });
    return outcome;
  })
    .catch((error: unknown) => {
      const outcome = (error as { outcome?: RunOutcome }).outcome;
      if (outcome) return outcome;
      refused(error);
      return { historyId: 0, status: 'failed' as const, error: toMailtrailError(error).message, file: null };
    })
    .finally(() => lock.release());
  return { entry: await entry, done };
}
