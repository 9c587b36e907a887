import { z } from 'zod';
import { ActivityEvent, ActivityFilterFields, checkRange, DateRangeFields, EmailId, UserId } from './schemas';

/**
 * Audit reports (issue 14): what a report covers, the provenance it carries, and the records of
 * the reports made on this machine. The formats (src-main/reports/) all write the same model; the
 * digest (src-main/reports/digest.ts) is over the provenance and the events in canonical form.
 */

export const REPORT_FORMATS = ['csv', 'jsonl', 'html', 'pdf'] as const;
export const ReportFormat = z.enum(REPORT_FORMATS, { error: `must be one of ${REPORT_FORMATS.join(', ')}` });
export type ReportFormat = z.infer<typeof ReportFormat>;

/** PDF and HTML are for people: they hold at most this many events and say where the rest are. */
export const DOCUMENT_MAX_EVENTS = 5_000;

/** The three scopes a report covers: the activity explorer's filters, one email's timeline, one user's audit. */
export const ReportScope = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('activity'), ...ActivityFilterFields }).superRefine(checkRange),
  z.strictObject({ kind: z.literal('email'), emailId: EmailId }),
  z.strictObject({ kind: z.literal('user'), userId: UserId, ...DateRangeFields }).superRefine(checkRange),
]);
export type ReportScope = z.infer<typeof ReportScope>;

/**
 * An event as a report carries it: the API's item as the log can hold it, created_at NULL (the
 * seed's column only has a default) and metadata any JSON (the column is JSONB, not an object).
 */
export const ReportEvent = ActivityEvent.extend({ created_at: z.string().nullable(), metadata: z.unknown() });

/** Where the events came from: the live database (host and name, never credentials) or an offline cache. */
export const ReportSource = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('postgres'), host: z.string(), database: z.string() }),
  z.object({ kind: z.literal('cache'), file: z.string(), synced_at: z.string().nullable(), origin: z.string().nullable() }),
]);
export type ReportSource = z.infer<typeof ReportSource>;

/**
 * What a report says about itself, known before its first event: the first line of a JSONL file,
 * the header block of a CSV, the cover of a PDF or HTML file. Covered by the digest, so editing any
 * of it fails verification.
 */
export const ReportProvenance = z.object({
  /** The report format's version; verify refuses versions it does not know. */
  mailtrail_report: z.literal(1),
  title: z.string(),
  format: ReportFormat,
  /** When it was made: ISO 8601 in UTC, with Z. */
  generated_at: z.string(),
  /** The OS user, or MAILTRAIL_ACTOR. */
  generated_by: z.string(),
  source: ReportSource,
  /** The zone every event timestamp is in (created_at is the seed's TIMESTAMP without zone). */
  time_zone: z.string(),
  mailtrail_version: z.string(),
  scope: ReportScope,
  /** The scope in words, e.g. "errors and workflow events of email 42 from 1 May 2026 to 31 May 2026". */
  scope_text: z.string(),
  /** A sealed checkpoint of the log the report was made under (tamper evidence, issue 15); null until then. */
  checkpoint: z.string().nullable(),
});
export type ReportProvenance = z.infer<typeof ReportProvenance>;

/** What is known once the last event is written: the trailer of CSV and JSONL, the cover of PDF and HTML. */
export const ReportTotals = z.object({
  /** Events in this file. */
  events: z.number(),
  /** Events in the scope: more than `events` where a PDF or HTML file stopped at DOCUMENT_MAX_EVENTS. */
  matched: z.number(),
  /** SHA-256 (hex) over the provenance and the file's events in canonical form (src-main/reports/digest.ts). */
  sha256: z.string(),
});
export type ReportTotals = z.infer<typeof ReportTotals>;

/** The summary sections of a report, over its whole scope. */
export const ReportSummary = z.object({
  by_type: z.array(z.object({ event_type: z.string(), event_category: z.string(), count: z.number() })),
  errors_by_type: z.array(z.object({ error_type: z.string(), count: z.number() })),
  workflows: z.array(z.object({ workflow_name: z.string(), succeeded: z.number(), failed: z.number(), other: z.number() })),
});
export type ReportSummary = z.infer<typeof ReportSummary>;

/** A report made on this machine, as the Reports screen lists it. */
export const ReportRecord = z.object({
  id: z.string(),
  title: z.string(),
  format: ReportFormat,
  generated_at: z.string(),
  generated_by: z.string(),
  scope_text: z.string(),
  path: z.string(),
  events: z.number(),
  sha256: z.string(),
});
export type ReportRecord = z.infer<typeof ReportRecord>;

/** What verify answers: intact, or each difference found, in words. */
export const ReportVerification = z.object({
  verified: z.boolean(),
  format: ReportFormat.nullable(),
  title: z.string().nullable(),
  events: z.number().nullable(),
  sha256: z.string().nullable(),
  /** Empty when verified; otherwise one line per difference ("event 17 (id 5523) differs: description", "provenance edited: title"). */
  problems: z.array(z.string()),
});
export type ReportVerification = z.infer<typeof ReportVerification>;

/** The reports made on this machine, newest first. */
export const ReportsListRequest = z.strictObject({
  limit: z
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(1, 'must be between 1 and 500')
    .max(500, 'must be between 1 and 500')
    .default(50),
});
export const ReportsList = z.object({ items: z.array(ReportRecord) });

/** Verifies a listed report's file where it was written. */
export const ReportVerifyRequest = z.strictObject({ id: z.string().min(1, 'must be a report id from reports/list').max(100, 'is not a report id') });

/** What to make: a scope, a format, and a title (by default one from the scope). */
export const ReportRequest = z.strictObject({
  scope: ReportScope,
  format: ReportFormat,
  title: z.string().max(200, 'must be at most 200 characters').optional(),
});
export type ReportRequest = z.infer<typeof ReportRequest>;
