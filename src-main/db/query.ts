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
