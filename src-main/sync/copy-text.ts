import { StringDecoder } from 'node:string_decoder';
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
  private readonly decoder = new StringDecoder('utf8');
  private rest = '';

  push(chunk: Buffer): (string | null)[][] {
    const text = this.rest + this.decoder.write(chunk);
    const end = text.lastIndexOf('\n');
    if (end < 0) {
      this.rest = text;
      return [];
    }
    this.rest = text.slice(end + 1);
    const lines = text.slice(0, end).split('\n');
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
