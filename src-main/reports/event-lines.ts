import type { EventLines, EventLinesFormat, EventRow } from '../store/log-store';
import { csvRows } from './csv-layout';
import { canonicalRow, canonicalRowMetadata } from './digest';

/**
 * A report's lines made from rows (the offline cache's streamEventLines): the same bytes that
 * copy-event-lines.ts makes from PostgreSQL's COPY text. A few hundred events a run: a batch's worth
 * of strings kept alive costs three times the work in garbage collection (measured: 4 µs an event
 * against 1.3).
 */
export const LINES_PER_RUN = 256;

/** The lines of rows[start, end): CSV rows and their canonical lines built in one pass, or the JSONL lines that are the canonical lines. */
export function eventLines(rows: EventRow[], start: number, end: number, format: EventLinesFormat): EventLines {
  if (format === 'csv') {
    const written = csvRows(rows, start, end);
    return { lines: Buffer.from(written.rows), canonical: Buffer.from(written.canonical), events: end - start };
  }
  let lines = '';
  for (let index = start; index < end; index += 1) {
    const row = rows[index]!;
    lines += `${canonicalRow(row, canonicalRowMetadata(row))}\n`;
  }
  // Encoded once, hashed and written as the same bytes.
  const bytes = Buffer.from(lines);
  return { lines: bytes, canonical: bytes, events: end - start };
}

/** Batches of rows as runs of lines, in their order. */
export async function* rowsAsLines(batches: AsyncIterable<EventRow[]>, format: EventLinesFormat): AsyncGenerator<EventLines, void, undefined> {
  for await (const rows of batches) {
    for (let start = 0; start < rows.length; start += LINES_PER_RUN) yield eventLines(rows, start, Math.min(rows.length, start + LINES_PER_RUN), format);
  }
}
