import { isAscii } from 'node:buffer';
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { toMailtrailError } from '../db/connection';
import type { Sql } from '../db/sql';

const ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };

/** A field of COPY's text format: `\N` is NULL, backslash escapes as PostgreSQL writes them. */
function field(text: string): string | null {
  if (text === '\\N') return null;
  if (!text.includes('\\')) return text;
  return text.replace(/\\(.)/g, (_, c: string) => ESCAPES[c] ?? c);
}

/** Splits COPY text output into rows of fields, across chunk boundaries. */
export class CopyTextReader {
  private rest: Buffer | null = null;

  push(chunk: Buffer): (string | null)[][] {
    // A newline byte never occurs inside a multi-byte UTF-8 character, so complete lines decode alone.
    const end = chunk.lastIndexOf(10);
    if (end < 0) {
      this.rest = this.rest ? Buffer.concat([this.rest, chunk]) : Buffer.from(chunk);
      return [];
    }
    const complete = this.rest ? Buffer.concat([this.rest, chunk.subarray(0, end)]) : chunk.subarray(0, end);
    this.rest = end + 1 < chunk.length ? Buffer.from(chunk.subarray(end + 1)) : null;
    // Most logs are ASCII, which decodes as Latin-1 at the speed of a copy.
    const text = complete.toString(isAscii(complete) ? 'latin1' : 'utf8');
    const lines = text.split('\n');
    const rows: (string | null)[][] = new Array(lines.length);
    for (let i = 0; i < lines.length; i++) rows[i] = lines[i]!.split('\t').map(field);
    return rows;
  }
}

// COPY takes no parameters: the values of these statements are numbers and checked timestamps only.
function literal(value: unknown): string {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  if (typeof value === 'string' && /^[0-9T:. -]+$/.test(value)) return `'${value}'`;
  if (Array.isArray(value) && value.every((v) => typeof v === 'number' && Number.isSafeInteger(v))) return `'{${value.join(',')}}'`;
  throw new Error(`not a value COPY may inline: ${String(value)}`);
}

export function inlineForCopy(statement: Sql): string {
  const { text, values } = statement.toQuery();
  return text.replace(/\$(\d+)/g, (_, n: string) => literal(values[Number(n) - 1]));
}

/** Streams `COPY (query) TO STDOUT` and hands each chunk's complete rows to `onRows`, which runs synchronously. */
export async function copyOut(client: pg.PoolClient, query: Sql, onRows: (rows: (string | null)[][]) => void): Promise<void> {
  const reader = new CopyTextReader();
  try {
    const stream = client.query(copyTo(`COPY (${inlineForCopy(query)}) TO STDOUT`));
    for await (const chunk of stream) {
      const rows = reader.push(chunk as Buffer);
      if (rows.length) onRows(rows);
    }
  } catch (error) {
    throw toMailtrailError(error);
  }
}
