import { stringify } from 'csv-stringify/sync';
import type { ReportProvenance, ReportTotals } from '../contract/reports';
import type { ActivityEvent } from '../contract/schemas';
import { canonicalJson } from './digest';

/**
 * The CSV layout (docs/reports.md), one file a spreadsheet opens as it is:
 *
 *   mailtrail_report,1          the provenance, one key,value row per field
 *   title,…                     (text as it is; source, scope, checkpoint as JSON)
 *   …
 *                               a blank row
 *   id,email_id,created_at,…    the events' header row, then one row per event
 *   …
 *                               a blank row
 *   events,N                    the totals: events, matched, sha256
 *   matched,N
 *   sha256,HEX
 *
 * UTF-8 with a byte order mark (so spreadsheets read æ ø å), CRLF rows. A null is an empty cell, an
 * empty text a quoted empty cell (""). A cell that begins with = + - @ tab or CR, which a spreadsheet
 * would run as a formula, or with ' itself, gets one ' in front; a reader takes one ' off any cell
 * that begins with it, so the rule undoes exactly.
 */
export const CSV_COLUMNS = ['id', 'email_id', 'created_at', 'event_type', 'event_category', 'description', 'metadata', 'user_id', 'user_name', 'created_by', 'archived'] as const;

/** The provenance fields written as text; the others are JSON. */
export const CSV_TEXT_FIELDS = new Set(['title', 'format', 'generated_at', 'generated_by', 'time_zone', 'mailtrail_version', 'scope_text']);
export const CSV_TOTALS = ['events', 'matched', 'sha256'] as const;

const RISKY_START = /^[=+\-@\t\r']/;
export const neutralise = (text: string): string => (RISKY_START.test(text) ? `'${text}` : text);
export const restore = (text: string): string => (text.startsWith("'") ? text.slice(1) : text);

const OPTIONS = { record_delimiter: 'windows', quoted_match: /^$/ } as const;

const textCell = (value: string | null): string | null => (value === null ? null : neutralise(value));

export function csvProvenance(provenance: ReportProvenance): string {
  const rows = Object.entries(provenance).map(([key, value]) => [key, neutralise(CSV_TEXT_FIELDS.has(key) ? String(value) : canonicalJson(value))]);
  return `\uFEFF${stringify(rows, OPTIONS)}\r\n${stringify([[...CSV_COLUMNS]], OPTIONS)}`;
}

/** A page of events as CSV rows. */
export function csvEvents(events: ActivityEvent[]): string {
  return stringify(
    events.map((event) => [
      event.id,
      event.email_id,
      event.created_at,
      neutralise(event.event_type),
      neutralise(event.event_category),
      neutralise(event.description),
      event.metadata === null ? null : canonicalJson(event.metadata),
      event.user_id,
      textCell(event.user_name),
      textCell(event.created_by),
      event.archived === undefined ? null : String(event.archived),
    ]),
    OPTIONS,
  );
}

export function csvTotals(totals: ReportTotals): string {
  return `\r\n${stringify(CSV_TOTALS.map((key) => [key, String(totals[key])]), OPTIONS)}`;
}
