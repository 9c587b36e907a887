import { z } from 'zod';
import { EmailId } from './schemas';

// Retention's schemas (issue 13): the policy, legal holds, the preview and the runs. The operations
// themselves are in operations.ts's one table; they need the live database (never the offline
// cache) and their writes need the admin connection.

/** Days after which an action applies; null turns it off. */
export const RetentionDays = z
  .number({ error: 'must be a number of days or null (off)' })
  .int('must be a whole number of days')
  .min(1, 'must be between 1 and 36500 days')
  .max(36_500, 'must be between 1 and 36500 days')
  .nullable();

export const MAX_HOLD_REASON = 1_000;

export const RetentionPolicy = z.object({
  archive_after_days: RetentionDays,
  purge_after_days: RetentionDays,
  updated_at: z.string(),
  updated_by: z.string(),
});
export type RetentionPolicy = z.infer<typeof RetentionPolicy>;

/** Overrides of the stored policy for one preview or run; a field left out takes the policy's value. */
export const RetentionOverrides = z
  .object({ archiveAfterDays: RetentionDays.optional(), purgeAfterDays: RetentionDays.optional() })
  .strict();

export const RetentionCutoffs = z.object({
  /** Events created before this are archived (ISO 8601 without zone, in time_zone), null when archiving is off. */
  archive: z.string().nullable(),
  purge: z.string().nullable(),
  /** The database's TimeZone, in which the log's zoneless created_at is written. */
  time_zone: z.string(),
});
export type RetentionCutoffs = z.infer<typeof RetentionCutoffs>;

const Counts = z.object({ archive_events: z.number(), archive_emails: z.number(), purge_events: z.number(), held_events: z.number() });
export const RetentionPreviewMonth = Counts.extend({ month: z.string() });
export const RetentionPreviewCategory = Counts.extend({ event_category: z.string() });

export const RetentionPreview = z.object({
  archive_after_days: z.number().nullable(),
  purge_after_days: z.number().nullable(),
  cutoffs: RetentionCutoffs,
  archive: z.object({ events: z.number(), emails: z.number() }),
  purge: z.object({ events: z.number(), emails: z.number() }),
  held: z.object({ events: z.number(), emails: z.number() }),
  /** Oldest month first, `2025-01`. */
  by_month: z.array(RetentionPreviewMonth),
  by_category: z.array(RetentionPreviewCategory),
});
export type RetentionPreview = z.infer<typeof RetentionPreview>;

export const RUN_STATUSES = ['running', 'succeeded', 'failed', 'cancelled'] as const;
export const RUN_PHASES = ['archive', 'purge_archive', 'purge_log', 'done'] as const;
const RESULT_STATUSES = [...RUN_STATUSES, 'dry_run'] as const;

export const RetentionRun = z.object({
  id: z.number(),
  started_at: z.string(),
  finished_at: z.string().nullable(),
  actor: z.string(),
  archive_after_days: z.number().nullable(),
  purge_after_days: z.number().nullable(),
  cutoffs: RetentionCutoffs,
  status: z.enum(RUN_STATUSES),
  error: z.string().nullable(),
  phase: z.enum(RUN_PHASES),
  planned: z.object({ archive_events: z.number(), archive_emails: z.number(), purge_events: z.number() }),
  held: z.object({ events: z.number(), emails: z.number() }),
  archived_events: z.number(),
  purged_events: z.number(),
  /** How many times a killed or cancelled run was taken up again. */
  resumed: z.number(),
  /** A cancel asked for while it went (from any process); the runner stops after the batch in flight. */
  cancel_requested_at: z.string().nullable(),
  cancel_requested_by: z.string().nullable(),
});
export type RetentionRun = z.infer<typeof RetentionRun>;

/** What `retention run` answers: the preview's shape, with the run's own figures once it ran. */
export const RetentionRunResult = z.object({
  run_id: z.number().nullable(),
  status: z.enum(RESULT_STATUSES),
  cutoffs: RetentionCutoffs,
  archive: z.object({ events: z.number(), emails: z.number() }),
  purge: z.object({ events: z.number() }),
  held: z.object({ events: z.number(), emails: z.number() }),
  /** The run this one took up again, when it did. */
  resumed_run: z.boolean(),
});
export type RetentionRunResult = z.infer<typeof RetentionRunResult>;

export const LegalHold = z.object({
  id: z.number(),
  email_id: z.number(),
  reason: z.string(),
  held_by: z.string(),
  held_at: z.string(),
  released_by: z.string().nullable(),
  released_at: z.string().nullable(),
});
export type LegalHold = z.infer<typeof LegalHold>;

export const HoldsRequest = z
  .object({
    /** Matches the email id, or the reason or holder (case-insensitive, anywhere). */
    search: z.string().max(200, 'must be at most 200 characters').optional(),
    includeReleased: z.boolean().default(false),
    limit: z.number().int('must be a whole number').min(1, 'must be between 1 and 1000').max(1000, 'must be between 1 and 1000').default(100),
    /** Only this email's holds: exact, for the email's timeline (a search for "12" also finds 112's reason). */
    emailId: EmailId.optional(),
  })
  .strict();

export const HoldRequest = z
  .object({
    emailId: EmailId,
    reason: z
      .string({ error: 'must be a text saying why the email is held' })
      .trim()
      .min(1, 'must say why the email is held')
      .max(MAX_HOLD_REASON, `must be at most ${MAX_HOLD_REASON} characters`),
  })
  .strict();

export const RunsRequest = z
  .object({ limit: z.number().int('must be a whole number').min(1, 'must be between 1 and 500').max(500, 'must be between 1 and 500').default(50) })
  .strict();

export const SetPolicyRequest = z.object({ archiveAfterDays: RetentionDays, purgeAfterDays: RetentionDays }).strict();
export const RunRequest = RetentionOverrides.extend({ dryRun: z.boolean().default(false) }).strict();
export const CancelRequest = z.object({ runId: z.number({ error: 'must be a run id' }).int('must be a whole number').positive('must be a run id') }).strict();
export const ReleaseRequest = z.object({ emailId: EmailId }).strict();
