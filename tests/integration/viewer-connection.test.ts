import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MailtrailError } from '../../src-main/contract/errors';
import { DEFAULT_LOCK_TIMEOUT_MS, openReadableDb, toMailtrailError } from '../../src-main/db/connection';
import { createTestDatabase, type TestDatabase } from '../support/database';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

describe('the viewer connection (issue 12, item 3)', () => {
  it('sets lock_timeout beside its statement timeout and read-only default', async () => {
    const { rows } = await db.readable.query<{ lock: string; statement: string; readOnly: string }>(
      `SELECT current_setting('lock_timeout') AS lock, current_setting('statement_timeout') AS statement,
              current_setting('default_transaction_read_only') AS "readOnly"`,
    );
    expect(rows[0]).toEqual({ lock: `${DEFAULT_LOCK_TIMEOUT_MS / 1000}s`, statement: '15s', readOnly: 'on' });
    const shown = await db.readable.query<{ lock_timeout: string }>('SHOW lock_timeout');
    expect(shown.rows[0]?.lock_timeout).toBe('5s');
  });

  it('stops waiting behind a lock held by DDL and says so clearly', async () => {
    const viewer = openReadableDb(db.url, { lockTimeoutMs: 200, statementTimeoutMs: 10_000 });
    const holder = await db.writable.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE email_activity_log IN ACCESS EXCLUSIVE MODE');
      const started = Date.now();
      const failure = await viewer.query('SELECT count(*) FROM email_activity_log').then(
        () => null,
        (error: unknown) => toMailtrailError(error),
      );
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(failure).toBeInstanceOf(MailtrailError);
      expect(failure?.code).toBe('timeout');
      expect(failure?.message).toMatch(/locked by another operation/);
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
      await viewer.end();
    }
  });
});
