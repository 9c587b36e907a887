import { describe, expect, it } from 'vitest';
import { CopyEventLines } from '../../src-main/reports/copy-event-lines';
import { eventLines } from '../../src-main/reports/event-lines';
import type { EventLinesFormat, EventRow } from '../../src-main/store/log-store';
import { copyField, digits, jsonbText, jsonbValue, numericText, random, text, type JsonbValue } from '../support/copy-text-events';

/**
 * The lines made from PostgreSQL's COPY text must be the bytes the rows' way makes (event-lines.ts,
 * the code the reports had before): here on COPY text written as PostgreSQL writes it, for events
 * drawn at random around every edge; tests/integration/event-lines.test.ts does the same on a real
 * PostgreSQL's own COPY.
 */

interface CopyEvent {
  /** The row as pg hands it over, metadata parsed. */
  row: EventRow;
  /** Its COPY text line. */
  line: string;
}

function copyEvent(row: EventRow, metadataText: string | null, createdAtText: string | null): CopyEvent {
  const fields = [
    String(row[0]),
    String(row[1]),
    row[2],
    row[3],
    row[4],
    metadataText,
    row[6] === null ? null : String(row[6]),
    row[7],
    createdAtText,
    row[9],
    row[10] === null ? null : row[10] ? 't' : 'f',
  ];
  return { row, line: `${fields.map(copyField).join('\t')}\n` };
}

function randomEvent(next: () => number, index: number): CopyEvent {
  const metadata = next() < 0.1 ? null : next() < 0.8 ? { members: Array.from({ length: Math.floor(next() * 7) }, () => [text(next, 8), jsonbValue(next, 1)] as [string, JsonbValue]) } : jsonbValue(next);
  const metadataText = metadata === null ? null : jsonbText(metadata);
  const createdAtText = next() < 0.1 ? null : `2025-0${1 + Math.floor(next() * 9)}-1${Math.floor(next() * 10)} 1${Math.floor(next() * 10)}:00:0${Math.floor(next() * 10)}${next() < 0.5 ? `.${digits(next, 1 + Math.floor(next() * 6))}` : ''}`;
  const row: EventRow = [
    next() < 0.05 ? -index : index,
    Math.floor(next() * 1000) - (next() < 0.05 ? 2000 : 0),
    text(next, 8),
    text(next, 6),
    text(next, 30),
    metadataText === null ? null : (JSON.parse(metadataText) as EventRow[5]),
    next() < 0.4 ? null : Math.floor(next() * 50) - (next() < 0.05 ? 100 : 0),
    next() < 0.3 ? null : text(next, 10),
    createdAtText === null ? (null as unknown as string) : createdAtText.replace(' ', 'T'),
    next() < 0.2 ? null : text(next, 8),
    next() < 0.5 ? null : next() < 0.5,
  ];
  return copyEvent(row, metadataText, createdAtText);
}

/** The COPY text pushed in chunks cut at the given places (inside rows, escapes and UTF-8 characters too). */
function linesFromCopy(copy: Buffer, format: EventLinesFormat, cuts: number[]): { lines: Buffer; canonical: Buffer; events: number } {
  const made = new CopyEventLines(format);
  const lines: Buffer[] = [];
  const canonical: Buffer[] = [];
  let events = 0;
  let from = 0;
  for (const to of [...cuts.filter((cut) => cut > 0 && cut < copy.length).sort((a, b) => a - b), copy.length]) {
    const run = made.push(copy.subarray(from, to));
    from = to;
    if (!run) continue;
    lines.push(run.lines);
    canonical.push(run.canonical);
    events += run.events;
  }
  const last = made.end();
  if (last) {
    lines.push(last.lines);
    canonical.push(last.canonical);
    events += last.events;
  }
  return { lines: Buffer.concat(lines), canonical: Buffer.concat(canonical), events };
}

function expectSameLines(events: CopyEvent[], format: EventLinesFormat, cuts: number[] = []): void {
  const copy = Buffer.from(events.map((event) => event.line).join(''));
  const rows = events.map((event) => event.row);
  const expected = eventLines(rows, 0, rows.length, format);
  const actual = linesFromCopy(copy, format, cuts);
  expect(actual.events).toBe(rows.length);
  expect(actual.canonical.toString()).toBe(expected.canonical.toString());
  expect(actual.lines.toString()).toBe(expected.lines.toString());
}

const base: EventRow = [7, 42, 'fetched', 'system', 'Email fetched', null, null, null, '2025-05-01T10:00:00.123', 'system', null];
const withMetadata = (metadataText: string | null, row: Partial<Record<number, unknown>> = {}): CopyEvent => {
  const event = [...base] as EventRow;
  for (const [index, value] of Object.entries(row)) (event as unknown[])[Number(index)] = value;
  event[5] = metadataText === null ? null : (JSON.parse(metadataText) as EventRow[5]);
  return copyEvent(event, metadataText, event[8] === null ? null : event[8].replace('T', ' '));
};

describe('a report\'s lines from COPY text', () => {
  it.each(['csv', 'jsonl'] as const)('are the rows\' %s lines for metadata at every edge', (format) => {
    const metadata = [
      '{"a": 1, "b": {"c": [1, {"e": null, "d": "x"}], "aa": true}, "source": "imap", "message_id": "m"}',
      '{"z": 2, "é": 1, "aa": 3, "Z": 4, "ø": 5, "😀": 6, "\ue000": 7, "\ufb00": 8}',
      '{"a": 1.50, "b": 1000, "c": 0, "d": 12345678901234567890, "e": 0.1, "f": 0.0000001, "g": 0.000001, "h": 1000000000000000000000, "i": 100000000000000000000, "j": 0.0, "k": 123456789012345, "l": 1234567890123456, "m": -0.5}',
      '{"s": "line\\nbreak\\ttab\\\\back \\"quote\\" \\u0001\\u001f /slash \u007f æøå"}',
      '{"we\\"ird": 1, "new\\nline": 2, "back\\\\slash": 3}',
      '[3, "=cmd", {"b": 2, "a": 1}, [], {}]',
      '5', '-3', '"=cmd"', '"-x"', 'null', 'true', '{}', '[]', '[1, 2]', '0.5',
      null,
    ];
    expectSameLines(metadata.map((text, index) => withMetadata(text, { 0: index + 1 })), format);
  });

  it.each(['csv', 'jsonl'] as const)('are the rows\' %s lines for texts a spreadsheet or JSON must escape', (format) => {
    const descriptions = ['=cmd', 'line1\r\nline2', 'tab\there', 'C:\\new\\table', 'quote "x", comma', '\u0001ctrl\u001f', '', '+1', '-2', '@x', "'quoted", '\ttab first', '\rCR first', '\nLF first', 'æøå ÆØÅ 😀', '\v\b\f'];
    const events = descriptions.map((description, index) =>
      withMetadata(null, { 0: index + 1, 4: description, 7: index % 2 ? `Navn, "${description}"` : null, 9: index % 3 ? description : null, 6: index % 2 ? -index : null }),
    );
    events.push(withMetadata('{"a": 1}', { 0: -9, 1: -4, 8: null, 9: null, 10: true }), withMetadata(null, { 8: '-infinity', 10: false }));
    expectSameLines(events, format);
  });

  it.each(['csv', 'jsonl'] as const)('are the rows\' %s lines for 6,000 random events (several runs), pushed in chunks cut anywhere', (format) => {
    const next = random(format === 'csv' ? 14 : 41);
    const events = Array.from({ length: 6000 }, (_, index) => randomEvent(next, index + 1));
    const length = Buffer.byteLength(events.map((event) => event.line).join(''));
    const cuts = Array.from({ length: 300 }, () => Math.floor(next() * length));
    expectSameLines(events, format, cuts);
  });

  it('writes a number as it is only where JavaScript writes it back the same, and the rows\' way elsewhere', () => {
    const next = random(5);
    const numbers = [...Array.from({ length: 20_000 }, () => numericText(next)), '0', '-0', '-0.0', '1e3', '1E+2', '9007199254740993', '0.30000000000000004'];
    const events = numbers.map((number, index) => withMetadata(`{"n": ${number}, "list": [${number}, ${number}]}`, { 0: index + 1 }));
    expectSameLines(events, 'jsonl');
  });

  it('sorts keys in code-unit order where jsonb\'s length-first order or UTF-8 order would differ', () => {
    // "😀" (U+1F600) is after "\ue000" in UTF-8 and code points, before it in UTF-16 code units.
    const keys = ['b', 'a', 'aa', 'é', 'z', '😀', '\ue000', '\uffee', 'Z', '_', ''];
    const next = random(9);
    const events = Array.from({ length: 200 }, (_, index) => {
      const members = keys.filter(() => next() < 0.6).map((key) => [key, { number: String(index) }] as [string, JsonbValue]);
      return withMetadata(jsonbText({ members }, next() < 0.5), { 0: index + 1 });
    });
    expectSameLines(events, 'jsonl');
    expect(linesFromCopy(Buffer.from(withMetadata('{"b": 1, "😀": 2, "\ue000": 3}').line), 'jsonl', []).canonical.toString()).toContain(
      '"metadata":{"b":1,"😀":2,"\ue000":3}',
    );
  });

  it('takes the byte path for the metadata the log holds, and parses only what it cannot be sure of', () => {
    const parsed = (metadata: (string | null)[]) => {
      const made = new CopyEventLines('jsonl');
      made.push(Buffer.from(metadata.map((text, index) => withMetadata(text, { 0: index + 1 }).line).join('')));
      made.end();
      return made.parsedMetadata;
    };
    const usual = [
      '{"source": "imap", "message_id": "<270d56961b7f6f6f@hjoerring-husdyrbrug.dk>"}',
      '{"method": "keyword", "confidence": 0.7, "classification": "general"}',
      '{"status": "completed", "workflow_id": 2, "workflow_name": "Time Confirmation", "steps_completed": 3, "execution_time_ms": 648}',
      '{"entity_id": 1021, "entity_name": "Hjørring Husdyrbrug", "entity_type": "customer"}',
      '{"context": {"endpoint": "/api/v1", "retry": [1, 2]}, "error_type": "timeout", "message": "line\\nbreak \\"quoted\\""}',
      '[1, "two", {"b": null, "a": false}]',
      '-12.5',
      null,
    ];
    expect(parsed(usual)).toBe(0);
    expect(parsed(['{"amount": 1.50}', '{"big": 12345678901234567890}', '{"we\\"ird": 1}', '{"😀": 1}', '{"tiny": 0.0000001}'])).toBe(5);
  });

  it('holds a row cut between chunks until its end comes, and says so when the stream ends inside one', () => {
    const event = withMetadata('{"a": "æ"}');
    const copy = Buffer.from(event.line);
    const made = new CopyEventLines('jsonl');
    expect(made.push(copy.subarray(0, 10))).toBeNull();
    expect(() => made.end()).toThrow(/inside a row/);
    // A run is handed over once it is about a megabyte, or at the end.
    expect(made.push(copy.subarray(10))).toBeNull();
    expect(made.end()?.events).toBe(1);
    expect(made.end()).toBeNull();
    expect(() => new CopyEventLines('csv').push(Buffer.from('1\t2\tthree\n'))).toThrow(/3 fields/);
  });
});
