import { z } from 'zod';
import { ActivityEvent, Cursor, DateRangeFields, EventTypeSchema, IncludeArchivedField, UserId, checkRange } from './schemas';

/** Whether an answer came from Mailtrail's rollups or, slower, from the live table. */
export const AnalyticsSource = z.object({
  rollup: z.boolean(),
  /** Said to the user when the answer is slower or approximate; null otherwise. */
  notice: z.string().nullable(),
});
export type AnalyticsSource = z.infer<typeof AnalyticsSource>;

export const AnalyticsRange = z.strictObject({ ...DateRangeFields, ...IncludeArchivedField }).superRefine(checkRange);

export const TIME_BUCKETS = ['day', 'week', 'month'] as const;
export const TimeseriesRequest = z
  .strictObject({ ...DateRangeFields, ...IncludeArchivedField, bucket: z.enum(TIME_BUCKETS, { error: 'must be day, week or month' }).default('day') })
  .superRefine(checkRange);

export const CategoryTimeseries = z.object({
  /** Events per bucket start (a date) and category. */
  points: z.array(z.object({ bucket: z.string(), event_category: z.string(), count: z.number() })),
  source: AnalyticsSource,
});
export type CategoryTimeseries = z.infer<typeof CategoryTimeseries>;

export const ErrorAnalysis = z.object({
  errors: z.array(
    z.object({ error_type: z.string().nullable(), count: z.number(), first_seen: z.string().nullable(), last_seen: z.string().nullable() }),
  ),
  /** Errors per day and type, for the trend. */
  trend: z.array(z.object({ day: z.string(), error_type: z.string().nullable(), count: z.number() })),
  source: AnalyticsSource,
});
export type ErrorAnalysis = z.infer<typeof ErrorAnalysis>;

export const WorkflowSuccess = z.object({
  workflows: z.array(
    z.object({
      /** null where the event's metadata names no workflow. */
      workflow: z.string().nullable(),
      completed: z.number(),
      failed: z.number(),
      total: z.number(),
      /** The seed's success rate: completed / all executions, in percent with two decimals. */
      success_rate: z.number().nullable(),
      /** Execution time percentiles in ms (from a histogram with two buckets per doubling). */
      p50_ms: z.number().nullable(),
      p95_ms: z.number().nullable(),
    }),
  ),
  overTime: z.array(z.object({ day: z.string(), workflow: z.string().nullable(), completed: z.number(), failed: z.number() })),
  source: AnalyticsSource,
});
export type WorkflowSuccess = z.infer<typeof WorkflowSuccess>;

export const SlowestRequest = z
  .strictObject({
    limit: z.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be between 1 and 100').max(100, 'must be between 1 and 100').default(10),
    // Optional narrowing (issue 11): the range, a workflow's name and a run's status, as the metadata holds them.
    ...DateRangeFields,
    workflow: z.string().min(1, 'must not be empty').max(200, 'must be at most 200 characters').optional(),
    status: z.string().regex(/^[A-Za-z0-9_.:-]{1,50}$/, 'must be a status such as completed or failed').optional(),
  })
  .superRefine(checkRange);

export const SlowExecution = z.object({
  id: z.number(),
  email_id: z.number(),
  description: z.string(),
  exec_time: z.number().nullable(),
  workflow: z.string().nullable(),
  status: z.string().nullable(),
  created_at: z.string().nullable(),
  email_subject: z.string().nullable(),
});
export type SlowExecution = z.infer<typeof SlowExecution>;

const EventTypeList = z.array(EventTypeSchema).max(100, 'at most 100 values').optional();

export const UserActivityRequest = z
  .strictObject({
    userId: UserId,
    limit: z.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be between 1 and 1000').max(1000, 'must be between 1 and 1000').default(100),
    cursor: Cursor.optional(),
    // Optional narrowing (issue 11): the range and the event types.
    ...DateRangeFields,
    eventTypes: EventTypeList,
  })
  .superRefine(checkRange);

export const UserActivityEvent = ActivityEvent.extend({ email_subject: z.string().nullable() });
export type UserActivityEvent = z.infer<typeof UserActivityEvent>;
export const UserActivityPage = z.object({ items: z.array(UserActivityEvent), nextCursor: z.string().nullable() });

export const UsersRequest = z.strictObject({});
export const UserSummary = z.object({ id: z.number(), user_name: z.string().nullable(), email: z.string().nullable() });
export type UserSummary = z.infer<typeof UserSummary>;
export const UserList = z.object({ items: z.array(UserSummary) });

export const LogExtentRequest = z.strictObject({ ...IncludeArchivedField });
/** The oldest and newest event's created_at in the whole log; null when it holds none. */
export const LogExtent = z.object({ oldest: z.string().nullable(), newest: z.string().nullable() });
export type LogExtent = z.infer<typeof LogExtent>;

/** What the error analysis shows beside its counts, loaded after it: it reads the live table for distinct emails. */
export const ErrorImpact = z.object({
  errors: z.array(
    z.object({
      error_type: z.string().nullable(),
      /** Distinct emails with an error of this type in the range. */
      emails: z.number(),
      /** The first error of this type in the whole log, whatever the range. */
      first_seen: z.string().nullable(),
    }),
  ),
  /** Distinct emails with any error in the range. */
  emails: z.number(),
  /** Every event in the range, errors or not: the volume the error rate is measured against. */
  events: z.number(),
  source: AnalyticsSource,
});
export type ErrorImpact = z.infer<typeof ErrorImpact>;

export const UserEventSummaryRequest = z.strictObject({ userId: UserId, ...DateRangeFields }).superRefine(checkRange);
/** What one user did in a range, counted per event type. */
export const UserEventSummary = z.object({
  types: z.array(z.object({ event_type: z.string(), event_category: z.string(), count: z.number() })),
  total: z.number(),
});
export type UserEventSummary = z.infer<typeof UserEventSummary>;
