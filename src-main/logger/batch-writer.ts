import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { MailtrailError } from '../contract/errors';
import { toMailtrailError, type WritableDb } from '../db/connection';
import { sql } from '../db/sql';

/** A value for one column of a COPY row; objects and arrays are stored as JSON. */
export type CopyValue = string | number | boolean | bigint | Date | null | undefined | object;

const NEEDS_ESCAPE = /[\\\t\n\r]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** Text as COPY's text format wants it: backslash, tab, newline and carriage return escaped. */
export function escapeCopyText(text: string): string {
  return NEEDS_ESCAPE.test(text) ? text.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]!) : text;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** A Date as the seed's zone-less TIMESTAMP, read in UTC: `2025-12-15 10:30:00.000`. */
export function copyTimestamp(date: Date): string {
  return (
    `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}.${pad(date.getUTCMilliseconds(), 3)}`
  );
}

/** One column in COPY text format; null and undefined become `\N`. */
export function copyValue(value: CopyValue): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'string') return escapeCopyText(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new MailtrailError('bad_request', `cannot write ${value} to a COPY column; expected a finite number`);
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return copyTimestamp(value);
  return escapeCopyText(JSON.stringify(value));
}

/** One row in COPY text format, newline included. */
export function copyLine(values: readonly CopyValue[]): string {
  let line = '';
  for (let i = 0; i < values.length; i++) line += (i === 0 ? '' : '\t') + copyValue(values[i]);
  return `${line}\n`;
}

/** One open `COPY ... FROM STDIN` in its own transaction: write chunks, then commit or abort. */
export interface CopySession {
  readonly table: string;
  /** Writes whole lines; waits while PostgreSQL is behind. Rejects once the COPY has failed. */
  write(chunk: string | Buffer): Promise<void>;
  /** Ends the COPY and commits; resolves to the number of rows written. */
  commit(): Promise<number>;
  /** Abandons the COPY: nothing of this batch is kept. */
  abort(reason?: string): Promise<void>;
}

function copyFailure(table: string, error: unknown): MailtrailError {
  const reason = toMailtrailError(error);
  return new MailtrailError(reason.code, `COPY into ${table} failed and its batch was rolled back: ${reason.message.replace(/^database error: /, '')}`);
}

export async function openCopy(db: WritableDb, table: string, columns: readonly string[]): Promise<CopySession> {
  const statement = sql`COPY ${sql.id(table)} (${sql.join(columns.map(sql.id), ', ')}) FROM STDIN`.toQuery().text;
  let client: pg.PoolClient;
  try {
    client = await db.connect();
  } catch (error) {
    throw toMailtrailError(error);
  }
  let stream: Writable & { rowCount: number };
  try {
    await client.query('BEGIN');
    stream = client.query(copyFrom(statement));
  } catch (error) {
    client.release(true);
    throw copyFailure(table, error);
  }
  let failure: MailtrailError | undefined;
  let open = true;
  stream.on('error', (error) => {
    failure ??= copyFailure(table, error);
  });

  // A failed or abandoned COPY leaves nothing: the transaction rolls back and the connection is dropped.
  async function close(error?: unknown): Promise<void> {
    if (!open) return;
    open = false;
    await client.query('ROLLBACK').catch(() => undefined);
    client.release(error instanceof Error ? error : true);
  }

  return {
    table,
    async write(chunk) {
      if (failure) throw failure;
      if (!open) throw new MailtrailError('internal', `the COPY into ${table} is already closed`);
      if (stream.write(chunk)) return;
      await new Promise<void>((resolve, reject) => {
        const done = (error?: unknown) => {
          stream.off('drain', done);
          stream.off('error', done);
          stream.off('close', done);
          if (failure || error) reject(failure ?? copyFailure(table, error));
          else resolve();
        };
        stream.on('drain', done);
        stream.on('error', done);
        stream.on('close', done);
      });
    },
    async commit() {
      if (failure) {
        await close(failure);
        throw failure;
      }
      try {
        stream.end();
        await finished(stream);
        if (failure) throw failure;
        await client.query('COMMIT');
      } catch (error) {
        const reason = failure ?? copyFailure(table, error);
        await close(reason);
        throw reason;
      }
      open = false;
      client.release();
      return stream.rowCount;
    },
    async abort(reason = 'abandoned by Mailtrail') {
      if (!open) return;
      failure ??= new MailtrailError('internal', `the COPY into ${table} was abandoned: ${reason}`);
      stream.destroy(new Error(reason));
      await finished(stream).catch(() => undefined);
      await close(failure);
    },
  };
}

/** Streams preformatted COPY text into a table in one transaction; all of it lands or none. */
export async function copyLines(
  db: WritableDb,
  table: string,
  columns: readonly string[],
  chunks: Iterable<string | Buffer> | AsyncIterable<string | Buffer>,
): Promise<number> {
  const session = await openCopy(db, table, columns);
  try {
    for await (const chunk of chunks) await session.write(chunk);
  } catch (error) {
    await session.abort(error instanceof Error ? error.message : String(error));
    throw error instanceof MailtrailError ? error : copyFailure(table, error);
  }
  return session.commit();
}

const CHUNK_BYTES = 1 << 20;

/** Rows as arrays of column values, written with COPY in one transaction. */
export async function copyRows(
  db: WritableDb,
  table: string,
  columns: readonly string[],
  rows: Iterable<readonly CopyValue[]> | AsyncIterable<readonly CopyValue[]>,
): Promise<number> {
  async function* chunks() {
    let chunk = '';
    for await (const row of rows) {
      if (row.length !== columns.length) {
        throw new MailtrailError('bad_request', `a row for ${table} has ${row.length} values but ${columns.length} columns were named`);
      }
      chunk += copyLine(row);
      if (chunk.length >= CHUNK_BYTES) {
        yield chunk;
        chunk = '';
      }
    }
    if (chunk) yield chunk;
  }
  return copyLines(db, table, columns, chunks());
}

export const ACTIVITY_COLUMNS = [
  'id',
  'email_id',
  'event_type',
  'event_category',
  'description',
  'metadata',
  'user_id',
  'created_at',
  'created_by',
] as const;

/** A log row with an explicit time; `id` is optional (the table's sequence fills it when absent). */
export interface ActivityRow {
  id?: number;
  email_id: number;
  event_type: string;
  event_category: string;
  description: string;
  metadata: object | null;
  user_id: number | null;
  created_at: Date | string;
  created_by: string | null;
}

/** Writes log rows with COPY in one transaction, `created_at` as given. */
export async function writeActivityRows(
  db: WritableDb,
  rows: Iterable<ActivityRow> | AsyncIterable<ActivityRow>,
): Promise<number> {
  const iterator = (async function* () {
    yield* rows;
  })();
  const first = await iterator.next();
  if (first.done) return 0;
  const withIds = first.value.id !== undefined;
  async function* values(): AsyncGenerator<CopyValue[]> {
    for (let next = first; !next.done; next = await iterator.next()) {
      const row = next.value;
      if ((row.id !== undefined) !== withIds) throw new MailtrailError('bad_request', 'give every activity row an id, or none');
      const tail = [row.email_id, row.event_type, row.event_category, row.description, row.metadata, row.user_id, row.created_at, row.created_by];
      yield withIds ? [row.id, ...tail] : tail;
    }
  }
  return copyRows(db, 'email_activity_log', withIds ? ACTIVITY_COLUMNS : ACTIVITY_COLUMNS.slice(1), values());
}

export const EMAIL_MESSAGE_COLUMNS = [
  'id',
  'message_id',
  'subject',
  'sender_email',
  'sender_name',
  'received_date',
  'status',
  'classification',
  'created_at',
] as const;

export const USER_COLUMNS = ['id', 'username', 'full_name', 'email', 'created_at'] as const;
