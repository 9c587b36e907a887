import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { toMailtrailError, type ReadableDb } from '../../db/connection';
import { sql, type Sql } from '../../db/sql';
import { CopyEventLines } from '../../reports/copy-event-lines';
import { inlineForCopy } from '../../sync/copy-text';
import { EVENT_BATCH, type EventLines, type EventLinesFormat, type EventRow, type EventScope } from '../log-store';
import { activityFilterConditions, dateRangeConditions } from './filters';

// EventRow's columns (log-store.ts), from the email_timeline view, as the screens read them.
const ROW_COLUMNS = sql.raw('id, email_id, event_type, event_category, description, metadata, user_id, user_name, created_at, created_by');
const TABLE_ROW_COLUMNS = sql.raw(
  'a.id, a.email_id, a.event_type, a.event_category, a.description, a.metadata, a.user_id, COALESCE(u.full_name, u.username) AS user_name, a.created_at, a.created_by',
);

/**
 * The scope's one statement, with the screens' conditions (filters.ts) and the report's order. An
 * email's timeline merges its archived events as timeline(…, archive) does, where the archive can be read.
 */
export function eventStatement(scope: EventScope, archive: boolean): Sql {
  if (scope.kind === 'email') {
    const live = sql`SELECT ${TABLE_ROW_COLUMNS}, false AS archived FROM email_activity_log a LEFT JOIN users u ON u.id = a.user_id WHERE a.email_id = ${scope.emailId}`;
    const archived = sql`SELECT ${TABLE_ROW_COLUMNS}, true AS archived FROM email_activity_log_archive a LEFT JOIN users u ON u.id = a.user_id WHERE a.email_id = ${scope.emailId}`;
    return sql`SELECT * FROM (${archive ? sql`${live} UNION ALL ${archived}` : live}) timeline ORDER BY created_at ASC, id ASC`;
  }
  const conditions =
    scope.kind === 'user'
      ? [sql`user_id = ${scope.userId}`, ...dateRangeConditions(scope)]
      : activityFilterConditions((({ kind: _kind, ...filter }) => filter)(scope));
  return sql`SELECT ${ROW_COLUMNS}, NULL::boolean AS archived FROM email_timeline ${sql.where(conditions)} ORDER BY created_at DESC, id DESC`;
}

const CURSOR = 'mailtrail_export';

/**
 * Every event of the scope through a server-side cursor, in FETCHes of `batch` rows as arrays (no
 * object per row), inside one REPEATABLE READ READ ONLY transaction: one snapshot of the scope. The
 * next FETCH is sent as soon as a batch arrives, so PostgreSQL reads while the caller writes.
 */
export async function* streamEvents(db: ReadableDb, scope: EventScope, archive: boolean, batch = EVENT_BATCH): AsyncGenerator<EventRow[], void, undefined> {
  let client: pg.PoolClient;
  try {
    client = await db.connect();
  } catch (error) {
    throw toMailtrailError(error);
  }
  const fetch = (): Promise<pg.QueryArrayResult<EventRow>> => client.query<EventRow>({ text: `FETCH ${Math.trunc(batch)} FROM ${CURSOR}`, rowMode: 'array' });
  let pending: Promise<pg.QueryArrayResult<EventRow>> | null = null;
  let broken: unknown;
  try {
    const { text, values } = eventStatement(scope, archive).toQuery();
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    await client.query(`DECLARE ${CURSOR} NO SCROLL CURSOR FOR ${text}`, values);
    pending = fetch();
    for (;;) {
      const result: pg.QueryArrayResult<EventRow> = await pending;
      const rows: EventRow[] = result.rows;
      pending = rows.length < batch ? null : fetch();
      if (rows.length > 0) yield rows;
      if (!pending) break;
    }
  } catch (error) {
    broken = error;
    throw toMailtrailError(error);
  } finally {
    // Stopped early: the FETCH in flight is awaited, then the transaction (and its cursor) ends.
    if (pending) await pending.catch((error: unknown) => (broken ??= error));
    try {
      await client.query('ROLLBACK');
    } catch (error) {
      broken ??= error;
    }
    // A connection that failed mid-stream is closed rather than handed to the next query.
    client.release(broken instanceof Error ? broken : undefined);
  }
}

/**
 * The scope's events as a report's lines (LogStore.streamEventLines): the same statement read through
 * `COPY (…) TO STDOUT`, whose text reports/copy-event-lines.ts turns into lines byte by byte, so
 * Node parses no rows and makes no object per event while PostgreSQL writes the next ones. One
 * REPEATABLE READ READ ONLY transaction, as streamEvents; the statement timeout is lifted for it,
 * as it is the whole export's one statement (a cancel stops it). Stopped early, the connection is
 * closed: that ends the COPY in PostgreSQL at once.
 */
export async function* streamEventLines(db: ReadableDb, scope: EventScope, archive: boolean, format: EventLinesFormat): AsyncGenerator<EventLines, void, undefined> {
  let client: pg.PoolClient;
  try {
    client = await db.connect();
  } catch (error) {
    throw toMailtrailError(error);
  }
  let copying = false;
  let broken: unknown;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    await client.query('SET LOCAL statement_timeout = 0');
    const lines = new CopyEventLines(format);
    const stream = client.query(copyTo(`COPY (${inlineForCopy(eventStatement(scope, archive))}) TO STDOUT`));
    copying = true;
    for await (const chunk of stream) {
      const made = lines.push(chunk as Buffer);
      if (made && made.events > 0) yield made;
    }
    copying = false;
    const last = lines.end();
    if (last) yield last;
  } catch (error) {
    broken = error;
    throw toMailtrailError(error);
  } finally {
    // A COPY stopped half way cannot be rolled back on its connection: the connection goes instead.
    if (copying) broken ??= new Error('the export stopped before its COPY ended');
    if (!broken) {
      try {
        await client.query('ROLLBACK');
      } catch (error) {
        broken = error;
      }
    }
    client.release(broken instanceof Error ? broken : undefined);
  }
}
