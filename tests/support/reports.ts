import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { MailtrailService } from '../../src-main/contract/operations';
import type { ReportScope } from '../../src-main/contract/reports';
import type { ActivityEvent } from '../../src-main/contract/schemas';
import { reportEvent, scopePages } from '../../src-main/reports/report-model';

/** A JSONL report as any JSON reader sees it: the provenance, the events, the end line. */
export function readJsonl(file: string): { report: Record<string, unknown>; events: unknown[]; end: unknown } {
  const lines = readFileSync(file, 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  return { report: lines[0]!.report as Record<string, unknown>, events: lines.slice(1, -1), end: lines[lines.length - 1]!.end };
}

/**
 * A CSV report as a spreadsheet reads it (csv-parse, BOM off), turned back into events by the rules
 * docs/reports.md gives: an unquoted empty cell is null, one leading ' comes off, metadata is JSON.
 */
export function readCsv(file: string): { header: Record<string, string>; columns: string[]; events: unknown[]; totals: Record<string, string> } {
  const rows = parse(readFileSync(file), { bom: true, relax_column_count: true, cast: (value, context) => (context.quoting ? { quoted: value } : value) }) as (
    | string
    | { quoted: string }
  )[][];
  const text = (cell: string | { quoted: string } | undefined) => (cell === undefined ? '' : typeof cell === 'string' ? cell : cell.quoted);
  const value = (cell: string | { quoted: string } | undefined) => {
    if (cell === '' || cell === undefined) return null;
    const raw = text(cell);
    return raw.startsWith("'") ? raw.slice(1) : raw;
  };
  const blanks = rows.flatMap((row, index) => (row.length === 1 && row[0] === '' ? [index] : []));
  const [first, last] = [blanks[0]!, blanks[blanks.length - 1]!];
  const header = Object.fromEntries(rows.slice(0, first).map((row) => [text(row[0]), value(row[1]) ?? '']));
  const columns = rows[first + 1]!.map(text);
  const events = rows.slice(first + 2, last).map((row) => {
    const cell = (name: string) => value(row[columns.indexOf(name)]);
    const number = (name: string) => (cell(name) === null ? null : Number(cell(name)));
    const event: Record<string, unknown> = {
      id: number('id'),
      email_id: number('email_id'),
      event_type: cell('event_type'),
      event_category: cell('event_category'),
      description: cell('description'),
      metadata: cell('metadata') === null ? null : JSON.parse(cell('metadata')!),
      user_id: number('user_id'),
      user_name: cell('user_name'),
      created_at: cell('created_at'),
      created_by: cell('created_by'),
    };
    if (cell('archived') !== null) event.archived = cell('archived') === 'true';
    return event;
  });
  const totals = Object.fromEntries(rows.slice(last + 1).map((row) => [text(row[0]), text(row[1])]));
  return { header, columns, events, totals };
}

/** The scope's events straight from the service, in report order: what every report must hold. */
export async function scopeEvents(service: MailtrailService, scope: ReportScope): Promise<ActivityEvent[]> {
  const events: ActivityEvent[] = [];
  for await (const page of scopePages(service, scope, 97)) events.push(...page.map(reportEvent));
  return events;
}
