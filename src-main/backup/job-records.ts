import { describeSchedule, nextRuns } from '../contract/backup-schedule';
import type { BackupHistoryEntry, BackupJob, BackupJobChanges, BackupJobFields } from '../contract/backups';
import { MailtrailError } from '../contract/errors';
import type { AdminDb, ReadableDb } from '../db/connection';
import { query } from '../db/query';
import { sql, type Sql } from '../db/sql';

// The rows of 0016_backups.sql: jobs, their history. Times leave as UTC ISO strings.

const iso = (value: unknown): string | null => (value === null || value === undefined ? null : new Date(value as string | Date).toISOString());

/** Whether 0016 is there, or an error saying how to get it. */
export async function checkBackupTables(db: ReadableDb): Promise<void> {
  const [found] = await query<{ present: boolean }>(db, sql`SELECT to_regclass('mailtrail_backup_jobs') IS NOT NULL AS present`);
  if (!found?.present) throw new MailtrailError('unavailable', 'this database has no backup job tables yet (migration 0016); run `mailtrail migrate` on it');
}

export interface JobRow {
  id: number;
  name: string;
  schedule: string;
  time_zone: string;
  destination: string;
  keep_last: number | null;
  keep_days: number | null;
  verify_after: boolean;
  notify_webhook_url: string | null;
  notify_emails: string[];
  notify_on_success: boolean;
  dead_man_hours: number | null;
  enabled: boolean;
  next_run_at: string | null;
  silence_notified_for: string | null;
  created_at: string;
  updated_at: string;
}

const JOB_COLUMNS = sql.raw(`id, name, schedule, time_zone, destination, keep_last, keep_days, verify_after, notify_webhook_url, notify_emails,
  notify_on_success, dead_man_hours, enabled, next_run_at, silence_notified_for, created_at, updated_at`);

function jobRow(row: Record<string, unknown>): JobRow {
  return {
    ...(row as unknown as JobRow),
    id: Number(row.id),
    next_run_at: iso(row.next_run_at),
    silence_notified_for: iso(row.silence_notified_for),
    created_at: iso(row.created_at) as string,
    updated_at: iso(row.updated_at) as string,
  };
}

const HISTORY_COLUMNS = sql.raw(`h.id, h.job_id, j.name AS job_name, h.trigger, h.actor, h.started_at, h.finished_at, h.status, h.destination, h.file,
  h.bytes, h.rows, h.tables, h.duration_ms, h.verification, h.verified_at, h.restore_tested, h.verify_problems, h.error, h.pruned_at`);
const HISTORY_FROM = sql.raw('mailtrail_backup_history h LEFT JOIN mailtrail_backup_jobs j ON j.id = h.job_id');

function historyRow(row: Record<string, unknown>): BackupHistoryEntry {
  return {
    ...(row as unknown as BackupHistoryEntry),
    id: Number(row.id),
    job_id: row.job_id === null ? null : Number(row.job_id),
    started_at: iso(row.started_at) as string,
    finished_at: iso(row.finished_at),
    verified_at: iso(row.verified_at),
    pruned_at: iso(row.pruned_at),
    verify_problems: (row.verify_problems as string[] | null) ?? null,
  };
}

/** The slot after `after` of the job's schedule, or null when it never runs again or is disabled. */
export function nextSlot(job: Pick<JobRow, 'schedule' | 'time_zone' | 'enabled'>, after: Date = new Date()): string | null {
  if (!job.enabled) return null;
  return nextRuns(job.schedule, job.time_zone, 1, after)[0] ?? null;
}

export async function listJobRows(db: ReadableDb, jobId?: number): Promise<JobRow[]> {
  const only = jobId === undefined ? sql.empty : sql`AND id = ${jobId}`;
  const rows = await query<Record<string, unknown>>(db, sql`SELECT ${JOB_COLUMNS} FROM mailtrail_backup_jobs WHERE deleted_at IS NULL ${only} ORDER BY lower(name), id`);
  return rows.map(jobRow);
}

export async function getJobRow(db: ReadableDb, jobId: number): Promise<JobRow> {
  const [row] = await listJobRows(db, jobId);
  if (!row) throw new MailtrailError('not_found', `no backup job ${jobId}`);
  return row;
}

/** Jobs as the API shows them: with the schedule in words, the last run and the last success. */
export async function describeJobs(db: ReadableDb, rows: JobRow[]): Promise<BackupJob[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((row) => row.id);
  const lastRuns = await query<Record<string, unknown>>(
    db,
    sql`SELECT DISTINCT ON (h.job_id) ${HISTORY_COLUMNS} FROM ${HISTORY_FROM}
        WHERE h.job_id = ANY(${ids}::bigint[]) ORDER BY h.job_id, h.id DESC`,
  );
  const successes = await query<{ job_id: string; at: Date }>(
    db,
    sql`SELECT job_id, max(finished_at) AS at FROM mailtrail_backup_history WHERE job_id = ANY(${ids}::bigint[]) AND status = 'succeeded' GROUP BY job_id`,
  );
  const last = new Map(lastRuns.map((row) => [Number(row.job_id), historyRow(row)]));
  const success = new Map(successes.map((row) => [Number(row.job_id), iso(row.at)]));
  return rows.map(({ silence_notified_for: _silence, ...row }) => ({
    ...row,
    schedule_text: describeSchedule(row.schedule),
    last_run: last.get(row.id) ?? null,
    last_success_at: success.get(row.id) ?? null,
  }));
}

function nameTaken(error: unknown, name: string | undefined): never {
  if ((error as { code?: string }).code === '23505' || (error instanceof MailtrailError && /duplicate key/.test(error.message))) {
    throw new MailtrailError('conflict', `name: a backup job named ${JSON.stringify(name ?? '')} exists already; choose another name`);
  }
  throw error;
}

export async function insertJob(admin: AdminDb, job: BackupJobFields): Promise<JobRow> {
  const next = nextSlot(job);
  const rows = await admin
    .query<Record<string, unknown>>(
      sql`INSERT INTO mailtrail_backup_jobs (name, schedule, time_zone, destination, keep_last, keep_days, verify_after, notify_webhook_url,
            notify_emails, notify_on_success, dead_man_hours, enabled, next_run_at)
          VALUES (${job.name}, ${job.schedule}, ${job.time_zone}, ${job.destination}, ${job.keep_last}, ${job.keep_days}, ${job.verify_after},
            ${job.notify_webhook_url}, ${job.notify_emails}::text[], ${job.notify_on_success}, ${job.dead_man_hours}, ${job.enabled}, ${next})
          RETURNING ${JOB_COLUMNS}`.toQuery(),
    )
    .catch((error: unknown) => nameTaken(error, job.name));
  return jobRow(rows.rows[0] as Record<string, unknown>);
}

const CHANGEABLE = [
  'name',
  'schedule',
  'time_zone',
  'destination',
  'keep_last',
  'keep_days',
  'verify_after',
  'notify_webhook_url',
  'notify_emails',
  'notify_on_success',
  'dead_man_hours',
  'enabled',
] as const;

export async function updateJob(admin: AdminDb, jobId: number, changes: BackupJobChanges): Promise<JobRow> {
  const current = await getJobRow(admin, jobId);
  const merged = { ...current, ...Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined)) } as JobRow;
  const sets: Sql[] = CHANGEABLE.filter((column) => changes[column] !== undefined).map((column) =>
    column === 'notify_emails' ? sql`notify_emails = ${merged.notify_emails}::text[]` : sql`${sql.id(column)} = ${merged[column]}`,
  );
  // A new schedule, zone or switch takes effect from now; otherwise the slot already claimed stays.
  const timing = changes.schedule !== undefined || changes.time_zone !== undefined || changes.enabled !== undefined;
  if (timing) sets.push(sql`next_run_at = ${nextSlot(merged)}`);
  sets.push(sql`updated_at = NOW()`);
  const rows = await admin
    .query<Record<string, unknown>>(
      sql`UPDATE mailtrail_backup_jobs SET ${sql.join(sets, ', ')} WHERE id = ${jobId} AND deleted_at IS NULL RETURNING ${JOB_COLUMNS}`.toQuery(),
    )
    .catch((error: unknown) => nameTaken(error, changes.name));
  if (!rows.rows[0]) throw new MailtrailError('not_found', `no backup job ${jobId}`);
  return jobRow(rows.rows[0]);
}

export async function deleteJob(admin: AdminDb, jobId: number): Promise<void> {
  const rows = await query(admin, sql`UPDATE mailtrail_backup_jobs SET deleted_at = NOW(), enabled = FALSE, next_run_at = NULL, updated_at = NOW() WHERE id = ${jobId} AND deleted_at IS NULL RETURNING id`);
  if (rows.length === 0) throw new MailtrailError('not_found', `no backup job ${jobId}`);
}

export interface HistoryFilter {
  jobId?: number | undefined;
  status?: string | undefined;
  beforeId?: number | undefined;
  limit: number;
}

export async function listHistory(db: ReadableDb, filter: HistoryFilter): Promise<BackupHistoryEntry[]> {
  const conditions: Sql[] = [];
  if (filter.jobId !== undefined) conditions.push(sql`h.job_id = ${filter.jobId}`);
  if (filter.status !== undefined) conditions.push(sql`h.status = ${filter.status}`);
  if (filter.beforeId !== undefined) conditions.push(sql`h.id < ${filter.beforeId}`);
  const rows = await query<Record<string, unknown>>(db, sql`SELECT ${HISTORY_COLUMNS} FROM ${HISTORY_FROM} ${sql.where(conditions)} ORDER BY h.id DESC LIMIT ${filter.limit}`);
  return rows.map(historyRow);
}

export async function getHistory(db: ReadableDb, historyId: number): Promise<BackupHistoryEntry> {
  const [row] = await query<Record<string, unknown>>(db, sql`SELECT ${HISTORY_COLUMNS} FROM ${HISTORY_FROM} WHERE h.id = ${historyId}`);
  if (!row) throw new MailtrailError('not_found', `no backup ${historyId} in the history`);
  return historyRow(row);
}
