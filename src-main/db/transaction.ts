import type pg from 'pg';
import { toMailtrailError, type WritableClient, type WritableDb } from './connection';

/**
 * Runs `work` in one transaction on one client of the pool, opened by `begin` (`BEGIN READ ONLY`
 * for reads that must see one snapshot); rolled back on any error, which comes out as a MailtrailError.
 */
export async function inTransaction<T>(db: pg.Pool, work: (client: pg.PoolClient) => Promise<T>, begin = 'BEGIN'): Promise<T> {
  let client: pg.PoolClient;
  try {
    client = await db.connect();
  } catch (error) {
    throw toMailtrailError(error);
  }
  try {
    await client.query(begin);
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw toMailtrailError(error);
  } finally {
    client.release();
  }
}

/** As inTransaction, on a writable pool: the client may be handed to writers (the logger) inside it. */
export function inWriteTransaction<T>(db: WritableDb, work: (client: WritableClient) => Promise<T>): Promise<T> {
  return inTransaction(db, (client) => work(client as WritableClient));
}
