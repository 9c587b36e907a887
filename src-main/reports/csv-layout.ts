import { stringify } from 'csv-stringify/sync';
import type { ReportProvenance, ReportTotals } from '../contract/reports';
import type { EventRow } from '../store/log-store';
import { canonicalJson, canonicalRow, canonicalRowMetadata } from './digest';

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

// = + - @ tab CR and ' (char codes): a switch on the first, as a regular expression costs more per cell.
const RISKY_FIRST = new Set([0x3d, 0x2b, 0x2d, 0x40, 0x09, 0x0d, 0x27]);
export const neutralise = (text: string): string => (RISKY_FIRST.has(text.charCodeAt(0)) ? `'${text}` : text);
export const restore = (text: string): string => (text.startsWith("'") ? text.slice(1) : text);

const OPTIONS = { record_delimiter: 'windows', quoted_match: /^$/ } as const;

const textCell = (value: string | null): string | null => (value === null ? null : neutralise(value));

export function csvProvenance(provenance: ReportProvenance): string {
  const rows = Object.entries(provenance).map(([key, value]) => [key, neutralise(CSV_TEXT_FIELDS.has(key) ? String(value) : canonicalJson(value))]);
  return `\uFEFF${stringify(rows, OPTIONS)}\r\n${stringify([[...CSV_COLUMNS]], OPTIONS)}`;
}

/**
 * One cell as csv-stringify writes it with OPTIONS: quoted when it holds a comma, a quote, CR or LF,
 * or is an empty text; null is an empty cell. Written out because csv-stringify costs ~10 µs a row
 * and a report may hold millions; tests/unit/report-digest.test.ts checks the two agree.
 */
function cell(text: string | null): string {
  if (text === null) return '';
  if (text === '') return '""';
  if (text.includes('"')) return `"${text.replaceAll('"', '""')}"`;
  return text.includes(',') || text.includes('\n') || text.includes('\r') ? `"${text}"` : text;
}

// A negative id would read as a formula (-1): the same rule as text.
const number = (value: number | null): string => (value === null ? '' : value < 0 ? `'${value}` : String(value));

/** The CSV rows of rows[start, end) (an export's streamEvents) and their canonical lines (the digest's), built in one pass. */
export function csvRows(rows: EventRow[], start: number, end: number): { rows: string; canonical: string } {
  let text = '';
  let canonical = '';
  for (let index = start; index < end; index += 1) {
    const row = rows[index]!;
    const metadata = canonicalRowMetadata(row);
    canonical += `${canonicalRow(row, metadata)}\n`;
    text +=
      `${number(row[0])},${number(row[1])},${cell(textCell(row[8]))},${cell(neutralise(row[2]))},${cell(neutralise(row[3]))},` +
      `${cell(neutralise(row[4]))},${row[5] === null ? '' : cell(neutralise(metadata))},${number(row[6])},` +
      `${cell(textCell(row[7]))},${cell(textCell(row[9]))},${row[10] === null ? '' : row[10]}\r\n`;
  }
  return { rows: text, canonical };
}

export function csvTotals(totals: ReportTotals): string {
  return `\r\n${stringify(CSV_TOTALS.map((key) => [key, String(totals[key])]), OPTIONS)}`;
}
