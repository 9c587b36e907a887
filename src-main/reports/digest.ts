import { createHash, type Hash } from 'node:crypto';
import type { ReportProvenance, ReportSummary } from '../contract/reports';
import type { ActivityEvent } from '../contract/schemas';
import type { EventRow } from '../store/log-store';

/**
 * The digest that makes a report checkable: SHA-256 over the report in canonical form, one line
 * each, so every format (and `mailtrail verify`) computes it the same way from what it holds:
 *
 *   mailtrail-report-v1
 *   canonical(provenance)
 *   canonical(event 1)
 *   …
 *   canonical({"events": N, "matched": M})
 *
 * Canonical JSON: object keys sorted by code unit, no whitespace, strings and numbers as
 * JSON.stringify writes them, `undefined` members left out (RFC 8785's shape for the values a
 * report holds). An event is the API's item as the report carries it (metadata as an object).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError(`a report cannot hold the number ${value}`);
    return JSON.stringify(value) ?? 'null';
  }
  // Loops and string concatenation rather than entries/map/join: a million events' metadata pass here.
  if (Array.isArray(value)) {
    let text = '[';
    for (let index = 0; index < value.length; index += 1) {
      const item: unknown = value[index];
      text += `${index === 0 ? '' : ','}${item === undefined ? 'null' : canonicalJson(item)}`;
    }
    return `${text}]`;
  }
  // The default sort compares code units, as the definition above says.
  const keys = Object.keys(value).sort();
  let text = '{';
  for (const key of keys) {
    const member = (value as Record<string, unknown>)[key];
    if (member === undefined) continue;
    text += `${text.length === 1 ? '' : ','}${JSON.stringify(key)}:${canonicalJson(member)}`;
  }
  return `${text}}`;
}

export const DIGEST_PREFIX = 'mailtrail-report-v1';

/** Streams a report through SHA-256: the provenance first, then each event, then the counts. */
export class ReportDigest {
  private readonly hash: Hash = createHash('sha256');
  private count = 0;

  constructor(provenance: ReportProvenance) {
    this.hash.update(`${DIGEST_PREFIX}\n${canonicalJson(provenance)}\n`);
  }

  add(event: unknown): void {
    this.hash.update(`${canonicalJson(event)}\n`);
    this.count += 1;
  }

  /** Lines already in canonical form, each ending in a newline (a page at a time: one hash update, not one per event). */
  addCanonicalLines(lines: string | Buffer, count: number): void {
    this.hash.update(lines);
    this.count += count;
  }

  get events(): number {
    return this.count;
  }

  /**
   * The hex digest; `matched` is the scope's event count (more than the events added where a document
   * stopped early). A PDF or HTML document's summary covers events it does not hold, so it is hashed
   * too: the digest then vouches for every figure the document shows.
   */
  finish(matched: number = this.count, summary?: ReportSummary): { events: number; matched: number; sha256: string } {
    this.hash.update(canonicalJson({ events: this.count, matched, summary }));
    return { events: this.count, matched, sha256: this.hash.digest('hex') };
  }
}

/**
 * canonicalJson of a report event read as a row (an export's streamEvents), written out in its sorted
 * key order: the export's hot path (a million events), the same text as canonicalJson(rowEvent(row))
 * (tests/unit/report-digest.test.ts). `metadata` is canonicalRowMetadata(row).
 */
export function canonicalRow(row: EventRow, metadata: string): string {
  const archived = row[10] === null ? '' : `"archived":${row[10]},`;
  return (
    `{${archived}"created_at":${JSON.stringify(row[8])},"created_by":${JSON.stringify(row[9])},` +
    `"description":${JSON.stringify(row[4])},"email_id":${JSON.stringify(row[1])},` +
    `"event_category":${JSON.stringify(row[3])},"event_type":${JSON.stringify(row[2])},` +
    `"id":${JSON.stringify(row[0])},"metadata":${metadata},` +
    `"user_id":${JSON.stringify(row[6])},"user_name":${JSON.stringify(row[7])}}`
  );
}

/** A row's metadata in canonical form ('null' for none): its CSV cell and part of its canonical line. */
export const canonicalRowMetadata = (row: EventRow): string => (row[5] === null ? 'null' : canonicalJson(row[5]));

/** The ActivityEvent a row stands for (the documents' summary and pages take objects). */
export function rowEvent(row: EventRow): ActivityEvent {
  const event: ActivityEvent = {
    id: row[0],
    email_id: row[1],
    event_type: row[2],
    event_category: row[3],
    description: row[4],
    metadata: row[5],
    user_id: row[6],
    user_name: row[7],
    created_at: row[8],
    created_by: row[9],
  };
  if (row[10] !== null) event.archived = row[10];
  return event;
}
