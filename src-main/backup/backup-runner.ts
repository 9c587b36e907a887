import { MailtrailError } from '../contract/errors';
import { toMailtrailError } from '../db/connection';
import { query } from '../db/query';
import { sql } from '../db/sql';
import { checkBackupTables, getJobRow, nextSlot } from './job-records';
import { noticeOf, startJobRun, type BackupRunnerDeps, type RunOutcome } from './job-run';
import { sendNotice } from './notifier';

// The backup runner: inside `serve --admin`, `mailtrail worker` and the desktop app. On a timer it
// claims the jobs whose slot has come (one process per slot, by an UPDATE on next_run_at), runs them
// (one run per job at a time, by the job's advisory lock) and checks every job's dead-man's switch.

export const SCHEDULER_ACTOR = 'backup scheduler';
/** How often the runner looks for due jobs and silent ones; a job starts at most this late. */
export const DEFAULT_BACKUP_TICK_MS = 30_000;

export interface BackupRunnerOptions extends BackupRunnerDeps {
  tickMs?: number | undefined;
}

export interface BackupRunner {
  /** One round now: due jobs started, silence checked. For tests and the first round at start. */
  tick(): Promise<{ started: number[]; silenced: number[] }>;
  /** The runs this runner started that have not ended. */
  inFlight(): Promise<RunOutcome>[];
  /** Stops the timer, stops the runs in flight (each recorded as cut short) and waits for them. */
  stop(): Promise<void>;
}

/**
 * Notifies each enabled job with a dead-man window that has had no successful backup for that long,
 * even when nothing ran: once per silence (the job row records which silence it told of, claimed by
 * an UPDATE, so several runners tell it once). The silence starts at the last success, else when the job was made.
 */
export async function checkSilence(deps: BackupRunnerDeps): Promise<number[]> {
  const silent = await query<{ id: string; silent_since: Date }>(
    deps.admin,
    sql`SELECT id, silent_since FROM (
          SELECT j.id, j.dead_man_hours, j.silence_notified_for,
                 -- Milliseconds, as a JavaScript Date carries it back to the claim below.
                 date_trunc('milliseconds', COALESCE((SELECT max(h.finished_at) FROM mailtrail_backup_history h WHERE h.job_id = j.id AND h.status = 'succeeded'), j.created_at)) AS silent_since
          FROM mailtrail_backup_jobs j
          WHERE j.deleted_at IS NULL AND j.enabled AND j.dead_man_hours IS NOT NULL) AS jobs
        WHERE silent_since < NOW() - make_interval(hours => dead_man_hours)
          AND silence_notified_for IS DISTINCT FROM silent_since`,
  );
  const told: number[] = [];
  for (const row of silent) {
    const claimed = await query(
      deps.admin,
      sql`UPDATE mailtrail_backup_jobs SET silence_notified_for = ${row.silent_since}
          WHERE id = ${Number(row.id)} AND silence_notified_for IS DISTINCT FROM ${row.silent_since}::timestamptz RETURNING id`,
    );
    if (claimed.length === 0) continue;
    const job = await getJobRow(deps.admin, Number(row.id));
    const since = new Date(row.silent_since).toISOString();
    const hours = job.dead_man_hours ?? 0;
    const notice = noticeOf('silence', job, null, `Backup "${job.name}" has had no successful backup for more than ${hours} hours (since ${since})`, {
      silent_since: since,
      dead_man_hours: hours,
    });
    const channels = { webhookUrls: job.notify_webhook_url ? [job.notify_webhook_url] : [], emails: job.notify_emails, desktop: deps.desktop };
    const deliveries = await sendNotice(notice, channels, deps.notify, { log: deps.admin, sleep: deps.sleep });
    for (const delivery of deliveries.filter((one) => !one.delivered)) {
      deps.onNote?.(`backup job ${job.id}: the silence notification by ${delivery.channel} to ${delivery.target} failed: ${delivery.error}`);
    }
    deps.onNote?.(`backup job ${job.id} ("${job.name}"): no successful backup since ${since}; notified`);
    told.push(job.id);
  }
  return told;
}

/** Starts the runner; it refuses to start on a database without 0016. */
export async function startBackupRunner(options: BackupRunnerOptions): Promise<BackupRunner> {
  await checkBackupTables(options.admin);
  const note = options.onNote ?? (() => undefined);
  const stopping = new AbortController();
  const runs = new Set<Promise<RunOutcome>>();
  let timer: NodeJS.Timeout | undefined;
  let round: Promise<unknown> = Promise.resolve();

  const runDue = async (): Promise<number[]> => {
    const due = await query<{ id: string; schedule: string; time_zone: string; next_run_at: Date | null }>(
      options.admin,
      sql`SELECT id, schedule, time_zone, next_run_at FROM mailtrail_backup_jobs
          WHERE deleted_at IS NULL AND enabled AND (next_run_at IS NULL OR next_run_at <= NOW()) ORDER BY next_run_at NULLS FIRST, id`,
    );
    const started: number[] = [];
    for (const job of due) {
      // The next slot after now: a runner that was down runs a missed slot once, not once per slot missed.
      const next = nextSlot({ ...job, enabled: true });
      // Claimed only while still due: the first runner moves the slot into the future, so a second finds nothing.
      const stillDue = job.next_run_at === null ? sql`next_run_at IS NULL` : sql`next_run_at <= NOW()`;
      const claimed = await query(
        options.admin,
        sql`UPDATE mailtrail_backup_jobs SET next_run_at = ${next}
            WHERE id = ${Number(job.id)} AND ${stillDue} AND enabled AND deleted_at IS NULL RETURNING id`,
      );
      // A job without a slot yet (made by hand in SQL) only gets one; another runner claimed this slot.
      if (claimed.length === 0 || job.next_run_at === null) continue;
      try {
        const run = await startJobRun(options, { jobId: Number(job.id), trigger: 'schedule', actor: SCHEDULER_ACTOR, signal: stopping.signal });
        runs.add(run.done);
        void run.done.then((outcome) => {
          runs.delete(run.done);
          note(`backup job ${job.id}: ${outcome.status}${outcome.file ? ` (${outcome.file})` : ''}${outcome.error ? `: ${outcome.error}` : ''}`);
        });
        started.push(Number(job.id));
      } catch (error) {
        const reason = toMailtrailError(error);
        note(`backup job ${job.id}: ${reason.code === 'conflict' ? 'this slot is skipped: ' : ''}${reason.message}`);
      }
    }
    return started;
  };

  const tick = async () => {
    const started = await runDue();
    const silenced = await checkSilence(options);
    return { started, silenced };
  };

  const schedule = () => {
    if (stopping.signal.aborted) return;
    timer = setTimeout(() => {
      round = tick()
        .catch((error: unknown) => note(`backup runner: ${toMailtrailError(error).message}; trying again`))
        .finally(schedule);
    }, options.tickMs ?? DEFAULT_BACKUP_TICK_MS);
  };
  round = tick()
    .catch((error: unknown) => note(`backup runner: ${toMailtrailError(error).message}; trying again`))
    .finally(schedule);

  return {
    async tick() {
      if (stopping.signal.aborted) throw new MailtrailError('unavailable', 'the backup runner has stopped');
      await round;
      const current = tick();
      round = current.catch(() => undefined);
      return current;
    },
    inFlight: () => [...runs],
    async stop() {
      if (stopping.signal.aborted) return;
      stopping.abort();
      clearTimeout(timer);
      await round;
      await Promise.all([...runs]);
    },
  };
}

/** MAILTRAIL_BACKUP_TICK_MS: how often the runner looks (default 30 s); tests and busy hubs change it. */
export function backupTickFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.MAILTRAIL_BACKUP_TICK_MS;
  if (text === undefined || text === '') return DEFAULT_BACKUP_TICK_MS;
  if (!/^\d+$/.test(text) || Number(text) < 100 || Number(text) > 3_600_000) {
    throw new MailtrailError('bad_request', `MAILTRAIL_BACKUP_TICK_MS must be a whole number of milliseconds from 100 to 3600000, not ${JSON.stringify(text)}`);
  }
  return Number(text);
}
