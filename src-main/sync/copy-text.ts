import { isAscii } from 'node:buffer';
import type { Database, Statement } from 'better-sqlite3';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { toMailtrailError } from '../db/connection';
import type { Sql } from '../db/sql';

const ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };

/** A field of COPY's text format: `\N` is NULL, backslash escapes as PostgreSQL writes them. */
export function copyField(text: string): string | null {
  if (text === '\\N') return null;
  if (!text.includes('\\')) return text;
  return text.replace(/\\(.)/g, (_, c: string) => ESCAPES[c] ?? c);
}

/** The rows of complete COPY text lines, each a list of fields. */
export function parseCopyLines(lines: Buffer): (string | null)[][] {
  // No bytes are no lines (a lone newline is one line with one empty field).
  if (lines.length === 0) return [];
  const end = lines.length > 0 && lines[lines.length - 1] === 10 ? lines.length - 1 : lines.length;
  const complete = lines.subarray(0, end);
  // Most logs are ASCII, which decodes as Latin-1 at the speed of a copy.
  const text = complete.toString(isAscii(complete) ? 'latin1' : 'utf8');
  const split = text.split('\n');
  const rows: (string | null)[][] = new Array(split.length);
  for (let i = 0; i < split.length; i++) rows[i] = split[i]!.split('\t').map(copyField);
  return rows;
}

// Enough lines per statement that its cost is spread thin, few enough that a batch stays near its size.
const LINES_BYTES = 1 << 20;

/** Gathers a COPY stream into runs of complete lines of about LINES_BYTES, across chunk boundaries. */
export class CopyLines {
  private parts: Buffer[] = [];
  private bytes = 0;
  private rest: Buffer | null = null;

  /** The lines gathered so far once they are enough, else null. */
  push(chunk: Buffer): Buffer | null {
    // A newline byte never occurs inside a multi-byte UTF-8 character, so complete lines stand alone.
    const end = chunk.lastIndexOf(10);
    if (end < 0) {
      this.rest = this.rest ? Buffer.concat([this.rest, chunk]) : Buffer.from(chunk);
      return null;
    }
    if (this.rest) this.add(this.rest);
    this.add(chunk.subarray(0, end + 1));
    this.rest = end + 1 < chunk.length ? Buffer.from(chunk.subarray(end + 1)) : null;
    return this.bytes >= LINES_BYTES ? this.take() : null;
  }

  /** The lines left at the end of the stream (a last line without its newline included). */
  end(): Buffer | null {
    if (this.rest) this.add(Buffer.concat([this.rest, Buffer.from('\n')]));
    this.rest = null;
    return this.bytes > 0 ? this.take() : null;
  }

  private add(part: Buffer): void {
    this.parts.push(part);
    this.bytes += part.length;
  }

  private take(): Buffer {
    const lines = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.bytes);
    this.parts = [];
    this.bytes = 0;
    return lines;
  }
}

// COPY takes no parameters: values become literals, text quoted by pg's escapeLiteral (quotes
// doubled, backslashes in an E'' string), so a value is only ever read as a value.
function literal(value: unknown): string {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  if (typeof value === 'string') return quoted(value);
  if (Array.isArray(value) && value.every((v) => (typeof v === 'number' && Number.isSafeInteger(v)) || typeof v === 'string')) {
    // An array's text form, each element double-quoted with its quotes and backslashes escaped.
    return quoted(`{${value.map((v) => (typeof v === 'number' ? String(v) : `"${v.replace(/["\\]/g, '\\$&')}"`)).join(',')}}`);
  }
  throw new Error(`not a value COPY may inline: ${String(value)}`);
}

function quoted(text: string): string {
  // The statement's text ends at a NUL; contract/validation.ts refuses one in any input before this.
  if (text.includes('\u0000')) throw new Error('a value COPY inlines cannot hold U+0000');
  return pg.escapeLiteral(text);
}

export function inlineForCopy(statement: Sql): string {
  const { text, values } = statement.toQuery();
  return text.replace(/\$(\d+)/g, (_, n: string) => literal(values[Number(n) - 1]));
}

/** Streams `COPY (query) TO STDOUT` and hands runs of complete lines to `onLines`, which runs synchronously. */
export async function copyOut(client: pg.PoolClient, query: Sql, onLines: (lines: Buffer) => void): Promise<void> {
  const gathered = new CopyLines();
  try {
    const stream = client.query(copyTo(`COPY (${inlineForCopy(query)}) TO STDOUT`));
    for await (const chunk of stream) {
      const lines = gathered.push(chunk as Buffer);
      if (lines) onLines(lines);
    }
  } catch (error) {
    throw toMailtrailError(error);
  }
  const last = gathered.end();
  if (last) onLines(last);
}

/**
 * SQLite's expression for PostgreSQL's timestamp text with a T for its first space only, the
 * cache's created_at form: `2025-12-15T10:30:00.5`, and ` BC` keeps its space, as node-pg's parser
 * and eventFromCopy read it (so a cached event hashes as its entry sealed it).
 */
export const zoneless = (column: string) =>
  `iif(${column} GLOB '* BC', substr(${column}, 1, instr(${column}, ' ') - 1) || 'T' || substr(${column}, instr(${column}, ' ') + 1), replace(${column}, ' ', 'T'))`;

const INSERT_ROWS_PER_STATEMENT = 64;

/**
 * A statement over the rows of COPY lines. `sql` is given the rows' source, whose columns are
 * c0, c1, ...: values parsed here and bound, INSERT_ROWS_PER_STATEMENT rows at a time (binding
 * values as separate arguments: better-sqlite3 binds one array argument about three times slower).
 */
export class CopyStatement {
  private readonly bulk: Statement;
  private readonly single: Statement;

  constructor(db: Database, private readonly columns: number, sql: (source: string) => string) {
    this.bulk = db.prepare(sql(valuesSource(columns, INSERT_ROWS_PER_STATEMENT)));
    this.single = db.prepare(sql(valuesSource(columns, 1)));
  }

  /** Runs the statement over the lines; returns the rows it changed. */
  run(lines: Buffer): number {
    let changes = 0;
    this.eachGroup(lines, (statement, args) => (changes += statement.run(...args).changes));
    return changes;
  }

  /** The rows the statement returns (RETURNING, or a SELECT) over the lines. */
  all<Row>(lines: Buffer): Row[] {
    const rows: Row[] = [];
    this.eachGroup(lines, (statement, args) => rows.push(...(statement.all(...args) as Row[])));
    return rows;
  }

  private eachGroup(lines: Buffer, run: (statement: Statement, args: unknown[]) => void): void {
    const rows = parseCopyLines(lines);
    const width = this.columns;
    const args: unknown[] = new Array(width * INSERT_ROWS_PER_STATEMENT);
    let r = 0;
    for (; r + INSERT_ROWS_PER_STATEMENT <= rows.length; r += INSERT_ROWS_PER_STATEMENT) {
      let k = 0;
      for (let i = r; i < r + INSERT_ROWS_PER_STATEMENT; i++) {
        const row = rows[i]!;
        for (let c = 0; c < width; c++) args[k++] = row[c] ?? null;
      }
      run(this.bulk, args);
    }
    for (; r < rows.length; r++) {
      const row = rows[r]!;
      run(this.single, Array.from({ length: width }, (_, c) => row[c] ?? null));
    }
  }
}

/** Bound rows named c0, c1, ... */
function valuesSource(columns: number, rows: number): string {
  const names = Array.from({ length: columns }, (_, c) => `column${c + 1} AS c${c}`).join(', ');
  const row = `(${Array(columns).fill('?').join(', ')})`;
  return `(SELECT ${names} FROM (VALUES ${Array(rows).fill(row).join(', ')}))`;
}
