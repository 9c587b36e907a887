import type { CategoryTimeseries, ErrorAnalysis, ErrorImpact, LogExtent, UserEventSummary, SlowExecution, UserActivityEvent, UserSummary, WorkflowSuccess } from '../contract/analytics';
import type { ActivityEvent, ActivityStat, EmailSummary, SourceStatus } from '../contract/schemas';

/** An email's header facts as a store answers them; the service derives the rest. */
export interface EmailFacts {
  status: string | null;
  classification: string | null;
  event_count: number;
  error_count: number;
  first_event_at: string | null;
  last_event_at: string | null;
  /** Whether status and classification are known here (false: an offline cache of format 1). */
  hasStatus: boolean;
  /** Whether email_messages has the id. */
  hasMessage: boolean;
}
import type { EventCategory } from '../contract/taxonomy';
import type { BoundedPage } from './activity-scan';
import type { CheckpointSummary, EmailIntegrity, IntegrityReport } from '../contract/integrity';
import type { VerifyOptions } from '../integrity/verify';

/** A position in a list ordered by (created_at, id). */
export interface Keyset {
  createdAt: string;
  id: number;
}

export interface DateRange {
  /** Inclusive. */
  from?: string | undefined;
  /** Inclusive; a date without time includes that whole day. */
  to?: string | undefined;
}

/** A range for analytics, which may add the archived events (issue 13, item 5). */
export interface AnalyticsRange extends DateRange {
  includeArchived?: boolean | undefined;
}

export interface TimelineQuery {
  emailId: number;
  order: 'desc' | 'asc';
  limit: number;
  /** Continue after this event, in the query's order. */
  after?: Keyset | undefined;
}

export interface ActivityFilter extends DateRange {
  eventTypes?: string[] | undefined;
  eventCategories?: EventCategory[] | undefined;
  userIds?: number[] | undefined;
  emailIds?: number[] | undefined;
  /** Case-insensitive text in the description. */
  text?: string | undefined;
  /** Every condition must hold: metadata->>key equals value. */
  metadata?: { key: string; value: string }[] | undefined;
}

export interface RecentActivityQuery extends ActivityFilter {
  limit: number;
  /** Continue with events older than this one. */
  before?: Keyset | undefined;
  /** Rows a bounded page may examine, when a continuing search widened it (activity-scan.ts). */
  scan?: number | undefined;
}

export interface EmailSearchQuery {
  /** An email id, or text in the subject or sender; empty matches every email. */
  text: string;
  limit: number;
  /** Continue with emails whose id is below this one. */
  beforeId?: number | undefined;
}

export interface UserActivityQuery extends DateRange {
  userId: number;
  limit: number;
  before?: Keyset | undefined;
  eventTypes?: string[] | undefined;
}

/** Narrows the slowest executions; none of it set keeps the partial index's path. */
export interface SlowestFilter extends DateRange {
  workflow?: string | undefined;
  status?: string | undefined;
}

/** An analytics answer and whether the rollups served it (false: computed from the live table). */
export type FromRollup<T> = Omit<T, 'source'> & { rollup: boolean };

export const USERS_LIMIT = 5_000;

export type SourceDescription = Pick<SourceStatus, 'kind' | 'label'> & {
  syncedAt?: string | null;
  cachedFrom?: string | null;
  /** An offline cache's file, absolute (a report's provenance names it). */
  file?: string;
};

/** The events an export reads whole, in the words of a report's scope (contract/reports.ts ReportScope). */
export type EventScope =
  | ({ kind: 'activity' } & ActivityFilter)
  | { kind: 'email'; emailId: number }
  | ({ kind: 'user'; userId: number } & DateRange);

/**
 * An event as the export reads it: the API item's fields in EVENT_ROW_FIELDS' order, no object per
 * row. metadata parsed; archived only in an email's timeline (null elsewhere, where the item has none).
 */
export type EventRow = [
  id: number,
  email_id: number,
  event_type: string,
  event_category: string,
  description: string,
  metadata: Record<string, unknown> | null,
  user_id: number | null,
  user_name: string | null,
  created_at: string,
  created_by: string | null,
  archived: boolean | null,
];
export const EVENT_ROW_FIELDS = ['id', 'email_id', 'event_type', 'event_category', 'description', 'metadata', 'user_id', 'user_name', 'created_at', 'created_by', 'archived'] as const;

/** The formats whose lines a store writes itself: every event of a scope, a line each. */
export type EventLinesFormat = 'csv' | 'jsonl';

/**
 * A run of a report's event lines, ready-made (src-main/reports/event-lines.ts): `lines` as the file
 * gets them (CSV rows, or JSONL lines), `canonical` the same events' canonical lines, each ending in
 * a newline, as the digest hashes them (for JSONL the same bytes as `lines`).
 */
export interface EventLines {
  lines: Buffer;
  canonical: Buffer;
  events: number;
}

/**
 * Rows per batch of streamEvents: small enough that a batch dies young (10,000 kept ~60 MB more
 * resident in a million-event export: 286 MB against 224 at 1,000), big enough that round trips do not show.
 */
export const EVENT_BATCH = 2_000;

/** What every backend answers: PostgreSQL (the source of truth) and, later, the SQLite cache. */
export interface LogStore {
  readonly source: SourceDescription;
  timeline(query: TimelineQuery): Promise<ActivityEvent[]>;
  /** Bounded by a scan budget when a filter is checked row by row: see activity-scan.ts. */
  recentActivity(query: RecentActivityQuery): Promise<BoundedPage<ActivityEvent>>;
  activityStats(range: AnalyticsRange): Promise<ActivityStat[]>;
  categoryTimeseries(range: AnalyticsRange, bucket: 'day' | 'week' | 'month'): Promise<FromRollup<CategoryTimeseries>>;
  errorAnalysis(range: AnalyticsRange): Promise<FromRollup<ErrorAnalysis>>;
  workflowSuccess(range: AnalyticsRange): Promise<FromRollup<WorkflowSuccess>>;
  /** The seed's "Performance Monitoring": workflow executions, slowest first. */
  slowestExecutions(limit: number, filter?: SlowestFilter): Promise<FromRollup<{ items: SlowExecution[] }>>;
  /** Metadata keys of the newest events (of the given types), most frequent first. */
  metadataKeys(eventTypes: string[] | undefined): Promise<{ key: string; count: number }[]>;
  /** The hub's users by name (at most USERS_LIMIT), for pickers. */
  users(): Promise<UserSummary[]>;
  /** The seed's "User Activity Audit": what a user did, newest first, with the email's subject. */
  userActivity(query: UserActivityQuery): Promise<UserActivityEvent[]>;
  /**
   * Every event of the scope, in a report's order (an email's timeline oldest first, archived events
   * merged; the rest newest first), in batches: one statement and one snapshot for the whole scope, not
   * the screens' bounded pages. Stopping early (return()) releases its connection or statement.
   */
  streamEvents(scope: EventScope, batch?: number): AsyncGenerator<EventRow[], void, undefined>;
  /**
   * The same events as streamEvents, in the same order and snapshot, as a CSV or JSONL report's
   * lines: an export of every event does no per-event work beyond what the backend must.
   */
  streamEventLines(scope: EventScope, format: EventLinesFormat): AsyncGenerator<EventLines, void, undefined>;
  /** The email's summary; null when neither email_messages nor the log knows the id. */
  email(emailId: number): Promise<EmailSummary | null>;
  searchEmails(query: EmailSearchQuery): Promise<EmailSummary[]>;
  /** How many events match the filter, by the plan of activity-count.ts (bounds overridable for tests). */
  countActivity(filter: ActivityFilter, bounds?: { bound?: number; scanBound?: number }): Promise<{ count: number; exact: boolean }>;
  /** The subjects of these emails from email_messages; ids it does not hold are left out. */
  emailSubjects(emailIds: number[]): Promise<{ id: number; subject: string | null }[]>;
  /** Status, classification and the trail's extent and errors of one email (bounded by its trail). */
  emailFacts(emailId: number): Promise<EmailFacts>;
  /** Whether the users table knows the id (a user may exist without any events). */
  userExists(userId: number): Promise<boolean>;
  /** Emails the search text matches among the newest `bound` + 1 by id: a count bounded by rows examined. */
  countEmails(text: string, bound: number): Promise<{ matched: number; examined: number }>;
  /** Resolves when the backend answers, with the zone its zoneless timestamps are in. */
  ping(): Promise<{ timeZone: string | null }>;
  /** The newest signed checkpoint of the sealed log as `N:HASH` (tamper evidence), for a report's provenance; null where there is none. */
  latestCheckpoint(): Promise<string | null>;
  /** Checks the sealed log whole (docs/integrity.md, "Verification"): streams, memory flat. */
  verifyIntegrity(options?: VerifyOptions): Promise<IntegrityReport>;
  /**
   * The newest checkpoint and how many entries the chain holds (cheap: index ends); `migrated` false where
   * the integrity tables do not exist. Throws 'unavailable' where the source does not carry the chain.
   */
  latestSeal(): Promise<{ latest: CheckpointSummary | null; sealedEvents: number; migrated: boolean }>;
  /** The email of each event id the log or the archive holds (at most a verification's failures): to link a failure to its timeline. */
  emailsOfEvents(eventIds: number[]): Promise<Map<number, number>>;
  /** One email's events against their entries, for the timeline's badge (bounded by the email's trail). */
  emailIntegrity(emailId: number): Promise<EmailIntegrity>;
  close(): Promise<void>;
  /** The oldest and newest created_at in the log: two ends of the created_at index. */
  extent(options?: { includeArchived?: boolean | undefined }): Promise<LogExtent>;
  /** Distinct emails per error type in the range (from the live table), first seen over the whole log, and the range's volume. */
  errorImpact(range: AnalyticsRange): Promise<FromRollup<ErrorImpact>>;
  /** What a user did in a range, counted per event type. */
  userSummary(userId: number, range: DateRange): Promise<UserEventSummary['types']>;
}
