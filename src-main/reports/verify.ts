import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse';
import { z } from 'zod';
import { ReportProvenance, ReportTotals, type ReportFormat, type ReportVerification } from '../contract/reports';
import { ActivityEvent } from '../contract/schemas';
import { CSV_COLUMNS, CSV_TEXT_FIELDS, CSV_TOTALS, restore } from './csv-layout';
import { canonicalJson, DIGEST_PREFIX } from './digest';
import { verifyDocument } from './document';
import { describeScope } from './report-model';

/**
 * `mailtrail verify`: recomputes a report's digest from what the file holds and compares it with the
 * one the file claims, and says what differs as precisely as the file allows: cut short, a count
 * that differs, a provenance that does not hold together, an event that is malformed, out of the
 * scope or out of order. A malformed file is a failed verification, never an exception.
 */

/** PDF and HTML are bounded (DOCUMENT_MAX_EVENTS), so they are read whole; larger is not a Mailtrail document. */
const MAX_DOCUMENT_BYTES = 512 * 1024 * 1024;
/** A report names at most this many problems; the rest are counted. */
const MAX_PROBLEMS = 20;

/** An event as reports carry it; the log also holds events without created_at and metadata of any JSON type. */
const CarriedEvent = ActivityEvent.extend({ created_at: ActivityEvent.shape.created_at.nullable(), metadata: z.unknown() });
type CarriedEvent = z.infer<typeof CarriedEvent>;

const failed = (problem: string, format: ReportFormat | null = null): ReportVerification => ({
  verified: false,
  format,
  title: null,
  events: null,
  sha256: null,
  problems: [problem],
});

/** The digest recomputed line by line, with what can be told about each event on the way. */
class Recheck {
  private readonly hash = createHash('sha256');
  private readonly problems: string[] = [];
  private extra = 0;
  readonly provenance: ReportProvenance | null;
  events = 0;
  private previous: { created_at: string | null; id: number } | null = null;

  constructor(
    readonly format: ReportFormat,
    raw: unknown,
  ) {
    this.hash.update(`${DIGEST_PREFIX}\n${canonicalJson(raw)}\n`);
    const parsed = ReportProvenance.safeParse(raw);
    this.provenance = parsed.success ? parsed.data : null;
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      this.problem(`provenance edited: ${issue?.path.join('.') || 'the provenance'} ${issue?.message ?? 'is not valid'}`);
      return;
    }
    if (parsed.data.format !== format) this.problem(`provenance edited: it says format ${parsed.data.format} but the file is ${format.toUpperCase()}`);
    if (parsed.data.scope_text !== describeScope(parsed.data.scope)) this.problem('provenance edited: scope_text does not describe the scope');
  }

  problem(text: string): void {
    if (this.problems.length < MAX_PROBLEMS) this.problems.push(text);
    else this.extra += 1;
  }

  /** An event as the file holds it (null where it could not be read at all), `where` naming its line or row. */
  add(event: unknown, where: string): void {
    this.events += 1;
    this.hash.update(`${canonicalJson(event)}\n`);
    const parsed = CarriedEvent.safeParse(event);
    const name = `event ${this.events}${typeof (event as { id?: unknown } | null)?.id === 'number' ? ` (id ${(event as { id: number }).id})` : ''} at ${where}`;
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      this.problem(`${name} is malformed: ${issue?.path.join('.') || 'the event'} ${issue?.message ?? ''}`.trim());
      return;
    }
    this.checkScope(parsed.data, name);
    this.checkOrder(parsed.data, name);
  }

  private checkScope(event: CarriedEvent, name: string): void {
    const scope = this.provenance?.scope;
    if (!scope) return;
    if (scope.kind === 'email' && event.email_id !== scope.emailId) this.problem(`${name} is not of email ${scope.emailId}: it was changed or added`);
    if (scope.kind === 'user' && event.user_id !== scope.userId) this.problem(`${name} is not by user ${scope.userId}: it was changed or added`);
    if (scope.kind === 'activity') {
      if (scope.eventTypes?.length && !scope.eventTypes.includes(event.event_type)) this.problem(`${name} has event_type ${event.event_type}, outside the scope`);
      if (scope.eventCategories?.length && !(scope.eventCategories as string[]).includes(event.event_category)) {
        this.problem(`${name} has event_category ${event.event_category}, outside the scope`);
      }
      if (scope.emailIds?.length && !scope.emailIds.includes(event.email_id)) this.problem(`${name} has email_id ${event.email_id}, outside the scope`);
    }
  }

  /**
   * Report order is strict on (created_at, id): oldest first for a timeline, newest first otherwise;
   * an event without created_at sorts after every time, as PostgreSQL orders NULL.
   */
  private checkOrder(event: CarriedEvent, name: string): void {
    const previous = this.previous;
    this.previous = { created_at: event.created_at, id: event.id };
    if (!previous || !this.provenance) return;
    const ascending = this.provenance.scope.kind === 'email';
    const [a, b] = [previous.created_at, event.created_at];
    const cmp = a === b ? previous.id - event.id : a === null ? 1 : b === null ? -1 : a < b ? -1 : 1;
    if (cmp === 0) this.problem(`${name} repeats the event before it`);
    else if (ascending ? cmp > 0 : cmp < 0) this.problem(`${name} is out of order: events were moved`);
  }

  finish(claimed: unknown, cutShort: string | null): ReportVerification {
    let totals: ReportTotals | null = null;
    if (cutShort) this.problem(cutShort);
    else {
      const parsed = ReportTotals.safeParse(claimed);
      if (!parsed.success) this.problem('the totals were edited: events, matched and sha256 are not all there');
      else totals = parsed.data;
    }
    const matched = totals?.matched ?? this.events;
    this.hash.update(canonicalJson({ events: this.events, matched }));
    const sha256 = this.hash.digest('hex');
    if (totals) {
      if (totals.events !== this.events) {
        this.problem(`count differs: the totals say ${totals.events} events but the file holds ${this.events} (events were ${totals.events > this.events ? 'removed' : 'added'})`);
      }
      if (totals.matched !== totals.events) this.problem(`the totals were edited: a ${this.format.toUpperCase()} report holds every event it matched, but they say ${totals.events} of ${totals.matched}`);
      if (totals.sha256 !== sha256) {
        this.problem(`digest differs: the file claims ${totals.sha256} but what it holds gives ${sha256}; an event or the provenance was changed after the report was made`);
      }
    }
    if (this.extra > 0) this.problems.push(`and ${this.extra} more problems`);
    return {
      verified: this.problems.length === 0,
      format: this.format,
      title: this.provenance?.title ?? null,
      events: this.events,
      sha256: totals?.sha256 ?? null,
      problems: this.problems,
    };
  }
}

const parseJson = (text: string): { ok: true; value: unknown } | { ok: false } => {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
};
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

async function verifyJsonl(path: string): Promise<ReportVerification> {
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  let check: Recheck | null = null;
  let end: unknown;
  let ended = false;
  let number = 0;
  for await (const line of lines) {
    number += 1;
    if (check === null) {
      const first = parseJson(line);
      if (!first.ok || !isObject(first.value) || !('report' in first.value)) return failed('line 1 is not a report line ({"report": …}): the provenance was edited', 'jsonl');
      check = new Recheck('jsonl', first.value.report);
      continue;
    }
    if (line.trim() === '') continue;
    const value = parseJson(line);
    if (ended) {
      check.problem(`line ${number} comes after the end line: lines were added`);
      continue;
    }
    if (value.ok && isObject(value.value) && 'end' in value.value && Object.keys(value.value).length === 1) {
      end = value.value.end;
      ended = true;
      continue;
    }
    if (!value.ok) {
      check.problem(`line ${number} is not JSON: it was edited`);
      check.add(null, `line ${number}`);
    } else check.add(value.value, `line ${number}`);
  }
  if (check === null) return failed('the file is empty', 'jsonl');
  return check.finish(end, ended ? null : `cut short: the file ends after ${check.events} events without its end line`);
}

type Cell = string | { quoted: string };
const cellText = (cell: Cell | undefined): string => (cell === undefined ? '' : typeof cell === 'string' ? cell : cell.quoted);

/** A CSV cell back to its value: an unquoted empty cell is null, one ' in front comes off. */
const textOf = (cell: Cell | undefined): string | null => (cell === undefined || cell === '' ? null : restore(cellText(cell)));
const numberOf = (cell: Cell | undefined): number | string | null => {
  const text = textOf(cell);
  if (text === null) return null;
  return /^-?\d+$/.test(text) ? Number(text) : text;
};

function csvEvent(row: Cell[]): unknown {
  const cells = Object.fromEntries(CSV_COLUMNS.map((column, index) => [column, row[index]]));
  const metadataText = textOf(cells.metadata);
  const metadata = metadataText === null ? null : parseJson(metadataText);
  const archived = textOf(cells.archived);
  const event: Record<string, unknown> = {
    id: numberOf(cells.id),
    email_id: numberOf(cells.email_id),
    event_type: textOf(cells.event_type),
    event_category: textOf(cells.event_category),
    description: textOf(cells.description),
    metadata: metadata === null ? null : metadata.ok ? metadata.value : metadataText,
    user_id: numberOf(cells.user_id),
    user_name: textOf(cells.user_name),
    created_at: textOf(cells.created_at),
    created_by: textOf(cells.created_by),
  };
  if (archived !== null) event.archived = archived === 'true' ? true : archived === 'false' ? false : archived;
  return event;
}

async function verifyCsv(path: string): Promise<ReportVerification> {
  const rows = createReadStream(path).pipe(
    parse({ bom: true, relax_column_count: true, relax_quotes: false, cast: (value, context) => (context.quoting ? { quoted: value } : value) as never }),
  );
  const provenance: Record<string, unknown> = {};
  const totals: Record<string, unknown> = {};
  let part: 'provenance' | 'columns' | 'events' | 'totals' = 'provenance';
  let check: Recheck | null = null;
  let number = 0;
  try {
    for await (const row of rows as AsyncIterable<Cell[]>) {
      number += 1;
      const blank = row.length === 1 && row[0] === '';
      if (part === 'provenance') {
        if (blank) {
          part = 'columns';
          check = new Recheck('csv', provenance);
          continue;
        }
        const key = cellText(row[0]);
        const text = textOf(row[1]) ?? '';
        if (CSV_TEXT_FIELDS.has(key)) provenance[key] = text;
        else {
          const value = parseJson(text);
          provenance[key] = value.ok ? value.value : text;
        }
        continue;
      }
      if (part === 'columns') {
        if (row.map(cellText).join(',') !== CSV_COLUMNS.join(',')) check?.problem(`row ${number} is not the events' header row (${CSV_COLUMNS.join(',')}): the file was edited`);
        part = 'events';
        continue;
      }
      if (part === 'events') {
        if (blank) {
          part = 'totals';
          continue;
        }
        if (row.length !== CSV_COLUMNS.length) check?.problem(`row ${number} has ${row.length} cells, not ${CSV_COLUMNS.length}: it was edited`);
        check?.add(csvEvent(row), `row ${number}`);
        continue;
      }
      if (blank) continue;
      const key = cellText(row[0]);
      if ((CSV_TOTALS as readonly string[]).includes(key) && !(key in totals)) {
        const text = textOf(row[1]) ?? '';
        totals[key] = key === 'sha256' ? text : /^\d+$/.test(text) ? Number(text) : text;
      } else check?.problem(`row ${number} comes after the totals or is not one of them: rows were added`);
    }
  } catch (error) {
    const reason = `the file is not well-formed CSV near row ${number + 1} (${(error as Error).message.split('\n')[0]}): it was edited or cut`;
    if (!check) return failed(reason, 'csv');
    check.problem(reason);
  }
  if (!check) return failed('cut short: the file ends inside its provenance block', 'csv');
  const complete = CSV_TOTALS.every((key) => key in totals);
  return check.finish(totals, complete ? null : `cut short: the file ends after ${check.events} events without its totals (events, matched, sha256)`);
}

/** The format a report file is in, from its first bytes; null when it is none of Mailtrail's. */
export function formatOfContent(head: Buffer): ReportFormat | null {
  const text = head.toString('utf8').replace(/^\uFEFF/, '');
  if (text.startsWith('{"report":')) return 'jsonl';
  if (text.startsWith('mailtrail_report,')) return 'csv';
  if (text.startsWith('%PDF')) return 'pdf';
  if (/^<!DOCTYPE html/i.test(text.trimStart())) return 'html';
  return null;
}

/** Verifies a report file; never throws (a file that cannot be read is a failed verification). */
export async function verifyReportFile(path: string): Promise<ReportVerification> {
  let format: ReportFormat | null;
  try {
    const file = await open(path, 'r');
    try {
      const head = Buffer.alloc(64);
      const { bytesRead } = await file.read(head, 0, head.length, 0);
      format = formatOfContent(head.subarray(0, bytesRead));
    } finally {
      await file.close();
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return failed(code === 'ENOENT' ? `there is no file at ${path}` : code === 'EISDIR' ? `${path} is a folder, not a report` : `cannot read ${path} (${(error as Error).message})`);
  }
  try {
    if (format === 'jsonl') return await verifyJsonl(path);
    if (format === 'csv') return await verifyCsv(path);
    if (format === 'pdf' || format === 'html') {
      if ((await stat(path)).size > MAX_DOCUMENT_BYTES) return failed(`the file is larger than any Mailtrail ${format.toUpperCase()} report`, format);
      return await verifyDocument(format, await readFile(path));
    }
    return failed('this is not a Mailtrail report: it does not begin as a CSV, JSONL, PDF or HTML report does (the first line was edited, or it is another file)');
  } catch (error) {
    return failed(`cannot verify it: ${(error as Error).message}`, format);
  }
}
