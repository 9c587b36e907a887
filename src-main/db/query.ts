import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { Sql } from './sql';
import { toMailtrailError } from './connection';

/** Runs a query and turns driver errors into MailtrailErrors that say what to do. */
export async function query<Row extends pg.QueryResultRow>(db: pg.Pool | pg.PoolClient, statement: Sql): Promise<Row[]> {
  try {
    const result = await db.query<Row>(statement.toQuery());
    return result.rows;
  } catch (error) {
    throw toMailtrailError(error);
  }
}

/**
 * As query(), as a prepared statement named after its text, so each connection plans it once. For
 * a hot query whose planning costs more than running it: the timeline merged with the archive took
 * 0.53 ms at p50 planned each time and 0.19 ms prepared (2 million events; the log's alone 0.37 ms).
 */
export async function preparedQuery<Row extends pg.QueryResultRow>(db: pg.Pool | pg.PoolClient, statement: Sql): Promise<Row[]> {
  if (!preparing) return query<Row>(db, statement);
  const { text, values } = statement.toQuery();
  const name = `mailtrail_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
  try {
    return (await db.query<Row>({ name, text, values })).rows;
  } catch (error) {
    // A pooler in transaction mode (PgBouncer before 1.21) loses prepared statements between
    // transactions: from then on this process plans each time, as query() does.
    if ((error as { code?: string }).code !== '26000') throw toMailtrailError(error);
    preparing = false;
    return query<Row>(db, statement);
  }
}

let preparing = true;
