import { z } from 'zod';
import { excerpt } from './excerpt';
import { EVENT_CATEGORIES, EVENT_TYPE_PATTERN } from './taxonomy';

// The seed's column is INTEGER: ids outside its range cannot exist.
const MAX_INT = 2_147_483_647;

export const EmailId = z
  .number({ error: 'must be a number' })
  .int('must be a whole number')
  .min(1, 'must be a positive id')
  .max(MAX_INT, `must be at most ${MAX_INT}`);

export const UserId = EmailId;

/** ISO 8601 date or date-time without zone, as the seed's TIMESTAMP column holds it. */
const TIMESTAMP_PATTERN = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?$/;
export const Timestamp = z.string().refine(isValidTimestamp, {
  message: 'must be an ISO 8601 date or date-time without zone, e.g. 2025-12-15 or 2025-12-15T10:30:00',
});

export function isValidTimestamp(text: string): boolean {
  const match = TIMESTAMP_PATTERN.exec(text);
  if (!match) return false;
  const [, y, mo, d, h = '0', mi = '0', s = '0'] = match.map((part) => part ?? undefined);
  const date = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)));
  return (
    date.getUTCFullYear() === Number(y) &&
    date.getUTCMonth() === Number(mo) - 1 &&
    date.getUTCDate() === Number(d) &&
    Number(h) < 24 &&
    Number(mi) < 60 &&
    Number(s) < 60
  );
}

export const EventCategorySchema = z.enum(EVENT_CATEGORIES, {
  error: (issue) =>
    `unknown event category ${excerpt(issue.input)}; expected one of ${EVENT_CATEGORIES.join(', ')}`,
});

export const EventTypeSchema = z
  .string()
  .regex(EVENT_TYPE_PATTERN, 'must be an event type such as "error" or "workflow_executed" (letters, digits, _ . : -, at most 50)');

/** An opaque keyset position on (created_at, id), handed out by the service. */
export const Cursor = z.string().max(200).regex(/^[A-Za-z0-9_-]+$/, 'is not a cursor that Mailtrail handed out');

export const Order = z.enum(['desc', 'asc'], { error: 'must be "desc" (newest first) or "asc" (oldest first)' });

function limitSchema(max: number, fallback: number) {
  return z
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(1, `must be between 1 and ${max}`)
    .max(max, `must be between 1 and ${max}`)
    .default(fallback);
}

export const TIMELINE_MAX_LIMIT = 10_000;
export const ACTIVITY_MAX_LIMIT = 1_000;
export const SEARCH_MAX_LIMIT = 1_000;

export const ActivityEvent = z.object({
  id: z.number(),
  email_id: z.number(),
  event_type: z.string(),
  event_category: z.string(),
  description: z.string(),
  metadata: z.record(z.string(), z.unknown()).nullable(),
  user_id: z.number().nullable(),
  user_name: z.string().nullable(),
  created_at: z.string(),
  created_by: z.string().nullable(),
  /**
   * Whether a retention run moved the event to email_activity_log_archive (issue 13, item 5): set on
   * every timeline item (false for the log's own); absent where only the log is read (recent activity).
   */
  archived: z.boolean().optional(),
});
export type ActivityEvent = z.infer<typeof ActivityEvent>;

export const TimelineRequest = z.strictObject({
  emailId: EmailId,
  order: Order.default('desc'),
  limit: limitSchema(TIMELINE_MAX_LIMIT, 1_000),
  cursor: Cursor.optional(),
});

export const ActivityPage = z.object({
  items: z.array(ActivityEvent),
  /** Pass back as `cursor` for the next page; null when there is none. */
  nextCursor: z.string().nullable(),
});
export type ActivityPage = z.infer<typeof ActivityPage>;

/**
 * A page of recent activity. A filter checked row by row (text, metadata, a second list) examines a
 * bounded number of rows per page, so a rare value cannot stall the screen: when the page stopped
 * early, `searchedTo` is how far back the log has been searched and `nextCursor` continues from there.
 */
export const RecentActivityPage = ActivityPage.extend({
  searchedTo: z.string().nullable(),
  /**
   * How a text or metadata search was answered (null when there was none): `index`, whole pages
   * through the search indexes; `scan`, a bounded stretch per page (a hub without pg_trgm, a text
   * with no three letters or digits in a row), with `notice` saying why.
   */
  source: z.object({ search: z.enum(['index', 'scan']), notice: z.string().nullable() }).nullable(),
});
export type RecentActivityPage = z.infer<typeof RecentActivityPage>;

export const DateRangeFields = {
  from: Timestamp.optional(),
  to: Timestamp.optional(),
};

/**
 * Whether `from` is after `to`: the one rule of the API (a 400) and the screens (a message with a
 * Swap button); a reversed range is never swapped silently. A date-only `to` includes its whole day.
 */
export function isReversedRange(range: { from?: string | undefined; to?: string | undefined }): boolean {
  const to = range.to && /^\d{4}-\d{2}-\d{2}$/.test(range.to) ? `${range.to}T99` : range.to?.replace(' ', 'T');
  return Boolean(range.from && to && range.from.replace(' ', 'T') > to);
}

export function checkRange(range: { from?: string | undefined; to?: string | undefined }, ctx: z.RefinementCtx) {
  if (isReversedRange(range)) ctx.addIssue({ code: 'custom', path: ['from'], message: 'must not be after "to"' });
}

const filterList = <T extends z.ZodType>(item: T) => z.array(item).max(100, 'at most 100 values').optional();

/** A metadata key as the hub writes them: `error_type`, `workflow_name`, `invoice.number`. */
export const MetadataKey = z.string().regex(/^[A-Za-z0-9_.:-]{1,100}$/, 'must be a metadata key such as error_type (letters, digits, _ . : -)');

export const MetadataCondition = z.strictObject({
  key: MetadataKey,
  /** Compared with the value as text, so 1250 matches {"execution_time_ms": 1250}. */
  value: z.string().max(500, 'must be at most 500 characters'),
});
export type MetadataCondition = z.infer<typeof MetadataCondition>;

/** The activity explorer's filters: recent activity's, and a report's scope (contract/reports.ts). */
export const ActivityFilterFields = {
  eventTypes: filterList(EventTypeSchema),
  eventCategories: filterList(EventCategorySchema),
  userIds: filterList(UserId),
  emailIds: filterList(EmailId),
  /** Text found anywhere in the description, case-insensitive. */
  text: z.string().max(200, 'must be at most 200 characters').optional(),
  metadata: z.array(MetadataCondition).max(10, 'at most 10 metadata conditions').optional(),
  ...DateRangeFields,
};

export const RecentActivityRequest = z
  .strictObject({
    limit: limitSchema(ACTIVITY_MAX_LIMIT, 50),
    ...ActivityFilterFields,
    cursor: Cursor.optional(),
  })
  .superRefine(checkRange);

export const MetadataKeysRequest = z.strictObject({ eventTypes: filterList(EventTypeSchema) });
export const MetadataKeys = z.object({
  /** Keys seen in the newest events, most frequent first. */
  keys: z.array(z.object({ key: z.string(), count: z.number() })),
});

/**
 * Whether analytics add the events retention moved to the archive (issue 13, item 5); from the
 * archive's own rollups (migration 0009), so the answer costs what the log's alone does.
 */
export const IncludeArchivedField = { includeArchived: z.boolean({ error: 'must be true or false' }).optional() };

export const StatsRequest = z.strictObject({ ...DateRangeFields, ...IncludeArchivedField }).superRefine(checkRange);

export const ActivityStat = z.object({
  event_type: z.string(),
  event_category: z.string(),
  count: z.number(),
  last_occurrence: z.string().nullable(),
});
export type ActivityStat = z.infer<typeof ActivityStat>;

export const EmailSummary = z.object({
  id: z.number(),
  subject: z.string().nullable(),
  sender_email: z.string().nullable(),
  received_date: z.string().nullable(),
});
export type EmailSummary = z.infer<typeof EmailSummary>;

export const EmailSearchRequest = z.strictObject({
  /** An email id, or text found in the subject or the sender. Empty lists the newest emails. */
  query: z.string().max(200, 'must be at most 200 characters').default(''),
  limit: limitSchema(SEARCH_MAX_LIMIT, 200),
  cursor: Cursor.optional(),
});

export const EmailPage = z.object({
  items: z.array(EmailSummary),
  nextCursor: z.string().nullable(),
});
export type EmailPage = z.infer<typeof EmailPage>;

export const EmailRequest = z.strictObject({ emailId: EmailId });

/**
 * What the email header shows beside the summary (issue 11, item 10), loaded after it so that
 * emails/get stays one primary-key lookup: the message's status and classification, and its trail
 * from first to last event with the number of errors in it.
 */
export const EmailOverview = z.object({
  id: z.number(),
  status: z.string().nullable(),
  classification: z.string().nullable(),
  event_count: z.number(),
  error_count: z.number(),
  first_event_at: z.string().nullable(),
  last_event_at: z.string().nullable(),
  /** Milliseconds from the first to the last event; null without two timed events. */
  processing_ms: z.number().nullable(),
  /** Set when the source cannot say something (an offline cache from before status was synced). */
  notice: z.string().nullable(),
});
export type EmailOverview = z.infer<typeof EmailOverview>;

/** How many emails a search matches, counted after the list has loaded (issue 11, item 8). */
export const EmailCountRequest = z.strictObject({ query: z.string().max(200, 'must be at most 200 characters').default('') });
export const EmailCount = z.object({
  count: z.number(),
  /** False when the count stopped at its bound: `count` then is a lower bound over the newest `searched` emails. */
  exact: z.boolean(),
  searched: z.number(),
});
export type EmailCount = z.infer<typeof EmailCount>;

/**
 * What an email search asks for: `#39` or `# 39` is that id alone; a bare number is that id first,
 * then the emails whose subject or sender contains it; anything else is text.
 */
export function parseEmailQuery(query: string): { id: number | undefined; idOnly: boolean } {
  const match = /^(#\s*)?(\d{1,10})$/.exec(query.trim());
  const id = match && Number(match[2]) >= 1 && Number(match[2]) <= MAX_INT ? Number(match[2]) : undefined;
  return { id, idOnly: Boolean(match?.[1]) };
}

export const SOURCE_KINDS = ['postgres', 'embedded', 'cache'] as const;
export const SourceStatus = z.object({
  kind: z.enum(SOURCE_KINDS),
  /** Where the data comes from, without any password. */
  label: z.string(),
  state: z.enum(['connected', 'unreachable']),
  readOnly: z.boolean(),
  message: z.string().nullable(),
  /** The zone the source's zoneless timestamps were written in (PostgreSQL's TimeZone), if known. */
  timeZone: z.string().nullable(),
  /** When an offline cache was synced (zoneless UTC, e.g. 2025-12-15T12:45:00); null for a live database. */
  syncedAt: z.string().nullable(),
  /** The database an offline cache was synced from (no password); null for a live database. */
  cachedFrom: z.string().nullable(),
});
export type SourceStatus = z.infer<typeof SourceStatus>;

export const Empty = z.strictObject({});

/** The filters of 'activity/recent', without paging: what 'activity/count' counts. */
const { limit: _limit, cursor: _cursor, ...countFields } = RecentActivityRequest.shape;
export const ActivityCountRequest = z.strictObject(countFields).superRefine(checkRange);

export const ActivityCount = z.object({
  /** The number of matching events when `exact`; otherwise a lower bound ("more than N"). */
  count: z.number(),
  exact: z.boolean(),
});
export type ActivityCount = z.infer<typeof ActivityCount>;

export const EmailSubjectsRequest = z.strictObject({ emailIds: z.array(EmailId).max(1_000, 'at most 1000 ids') });
export const EmailSubjects = z.object({
  /** The subject of each known email (null when email_messages has none); unknown ids are left out. */
  items: z.array(z.object({ id: z.number(), subject: z.string().nullable() })),
});
export type EmailSubjects = z.infer<typeof EmailSubjects>;
