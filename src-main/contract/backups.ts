import { z } from 'zod';
import { scheduleProblem, timeZoneProblem } from './backup-schedule';
import { Cursor } from './schemas';

// Backup jobs (issue 17, items 3-5): jobs, their history and the run/verify requests, in the
// tables' own column names (0016_backups.sql). The operations are in operations.ts's one table.

const positiveId = (what: string) => z.number({ error: `must be ${what}` }).int('must be a whole number').positive(`must be ${what}`).max(2 ** 53 - 1);
export const BackupJobId = positiveId('a backup job id');
export const BackupHistoryId = positiveId('a backup history id');

const whole = (min: number, max: number) =>
  z.number({ error: `must be a whole number from ${min} to ${max}, or null` }).int('must be a whole number').min(min, `must be from ${min} to ${max}`).max(max, `must be from ${min} to ${max}`);

export const BackupSchedule = z
  .string({ error: 'must be a cron expression such as "0 3 * * *"' })
  .max(200, 'must be at most 200 characters')
  .superRefine((text, ctx) => {
    const problem = scheduleProblem(text);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .transform((text) => text.trim());

export const BackupTimeZone = z
  .string({ error: 'must be an IANA time zone such as UTC or Europe/Copenhagen' })
  .max(100, 'must be at most 100 characters')
  .superRefine((text, ctx) => {
    const problem = timeZoneProblem(text);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** The job's fields as its columns; create fills what is left out, update keeps it. */
const jobFields = {
  name: z.string({ error: 'must be a text' }).trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
  schedule: BackupSchedule,
  time_zone: BackupTimeZone,
  destination: z
    .string({ error: 'must be a directory path' })
    .trim()
    .min(1, 'must be the directory the backups are written to')
    .max(1_000, 'must be at most 1000 characters')
    .refine((text) => !text.includes('\0'), 'must not contain a NUL character'),
  keep_last: whole(1, 10_000).nullable(),
  keep_days: whole(1, 36_500).nullable(),
  verify_after: z.boolean({ error: 'must be true or false' }),
  notify_webhook_url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL, or null' }).max(2_000, 'must be at most 2000 characters').nullable(),
  notify_emails: z.array(z.email({ error: 'must be an e-mail address' }), { error: 'must be a list of e-mail addresses' }).max(20, 'must have at most 20 addresses'),
  notify_on_success: z.boolean({ error: 'must be true or false' }),
  dead_man_hours: whole(1, 8_760).nullable(),
  enabled: z.boolean({ error: 'must be true or false' }),
};

export const CreateBackupJobRequest = z
  .object({
    ...jobFields,
    time_zone: jobFields.time_zone.default('UTC'),
    keep_last: jobFields.keep_last.default(7),
    keep_days: jobFields.keep_days.default(null),
    verify_after: jobFields.verify_after.default(true),
    notify_webhook_url: jobFields.notify_webhook_url.default(null),
    notify_emails: jobFields.notify_emails.default([]),
    notify_on_success: jobFields.notify_on_success.default(false),
    dead_man_hours: jobFields.dead_man_hours.default(null),
    enabled: jobFields.enabled.default(true),
  })
  .strict();
export type BackupJobFields = z.output<typeof CreateBackupJobRequest>;

/** PUT /backups/jobs/{id}: the fields given replace the stored ones; those left out stay. */
export const UpdateBackupJobRequest = z
  .object({
    jobId: BackupJobId,
    ...Object.fromEntries(Object.entries(jobFields).map(([name, schema]) => [name, schema.optional()])),
  } as { jobId: typeof BackupJobId } & { [K in keyof typeof jobFields]: z.ZodOptional<(typeof jobFields)[K]> })
  .strict();
export type BackupJobChanges = Partial<BackupJobFields>;

export const BACKUP_STATUSES = ['running', 'succeeded', 'failed'] as const;
export const VERIFICATIONS = ['running', 'passed', 'failed'] as const;

/** One run of a job; times are ISO 8601 in UTC (the columns are TIMESTAMPTZ). */
export const BackupHistoryEntry = z.object({
  id: z.number(),
  job_id: z.number().nullable(),
  /** The job's name now. */
  job_name: z.string().nullable(),
  trigger: z.enum(['schedule', 'manual']),
  actor: z.string(),
  started_at: z.string(),
  finished_at: z.string().nullable(),
  status: z.enum(BACKUP_STATUSES),
  destination: z.string(),
  file: z.string().nullable(),
  bytes: z.number().nullable(),
  rows: z.number().nullable(),
  tables: z.number().nullable(),
  duration_ms: z.number().nullable(),
  verification: z.enum(VERIFICATIONS).nullable(),
  verified_at: z.string().nullable(),
  restore_tested: z.boolean().nullable(),
  verify_problems: z.array(z.string()).nullable(),
  error: z.string().nullable(),
  pruned_at: z.string().nullable(),
});
export type BackupHistoryEntry = z.infer<typeof BackupHistoryEntry>;

export const BackupJob = z.object({
  id: z.number(),
  name: z.string(),
  schedule: z.string(),
  /** The schedule in words ("every day at 03:00"). */
  schedule_text: z.string(),
  time_zone: z.string(),
  destination: z.string(),
  keep_last: z.number().nullable(),
  keep_days: z.number().nullable(),
  verify_after: z.boolean(),
  notify_webhook_url: z.string().nullable(),
  notify_emails: z.array(z.string()),
  notify_on_success: z.boolean(),
  dead_man_hours: z.number().nullable(),
  enabled: z.boolean(),
  /** When the runners take it next (UTC ISO); null when disabled. */
  next_run_at: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  last_run: BackupHistoryEntry.nullable(),
  last_success_at: z.string().nullable(),
});
export type BackupJob = z.infer<typeof BackupJob>;

export const BackupJobRequest = z.object({ jobId: BackupJobId }).strict();
export const BackupJobsRequest = z.object({}).strict();

export const BackupsOverviewRequest = z
  .object({ recent: z.number().int('must be a whole number').min(0, 'must be from 0 to 100').max(100, 'must be from 0 to 100').default(10) })
  .strict();
export const BackupsOverview = z.object({
  jobs: z.array(BackupJob),
  recent: z.array(BackupHistoryEntry),
  /** Whether this process may run and change jobs (it has the admin connection). */
  writable: z.boolean(),
});

export const BackupHistoryRequest = z
  .object({
    jobId: BackupJobId.optional(),
    status: z.enum(BACKUP_STATUSES, { error: `must be one of ${BACKUP_STATUSES.join(', ')}` }).optional(),
    limit: z.number().int('must be a whole number').min(1, 'must be between 1 and 500').max(500, 'must be between 1 and 500').default(50),
    cursor: Cursor.optional(),
  })
  .strict();
export const BackupHistoryPage = z.object({ items: z.array(BackupHistoryEntry), nextCursor: z.string().nullable() });

/** POST /backups: run a job now; answers once its history row is written, the run goes on. */
export const RunBackupRequest = z.object({ jobId: BackupJobId }).strict();
/** POST /backups/{history_id}/verify: checksums, and with restoreTest a restore into a scratch PostgreSQL. */
export const VerifyBackupRequest = z.object({ historyId: BackupHistoryId, restoreTest: z.boolean({ error: 'must be true or false' }).default(true) }).strict();

export const DeleteBackupJobResult = z.object({ id: z.number(), deleted: z.literal(true) });
