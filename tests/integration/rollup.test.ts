import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMigrations, migrate } from '../../src-main/db/migrate';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { mixedEventsSql } from '../support/mixed-events';

const RECOUNT = `
  SELECT COALESCE(created_at::date, '-infinity'::date) AS day, event_type, event_category,
         CASE WHEN event_type = 'error' THEN COALESCE(metadata->>'error_type', '') ELSE '' END AS error_type,
         CASE WHEN event_type = 'workflow_executed' THEN COALESCE(metadata->>'workflow_name', '') ELSE '' END AS workflow_name,
         CASE WHEN event_type = 'workflow_executed' THEN COALESCE(metadata->>'status', '') ELSE '' END AS status,
         COUNT(*)::bigint AS count, MIN(created_at) AS first_occurrence, MAX(created_at) AS last_occurrence
  FROM email_activity_log GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6`;
const ROLLUP = `SELECT day, event_type, event_category, error_type, workflow_name, status, count, first_occurrence, last_occurrence
  FROM email_activity_daily_rollup ORDER BY 1, 2, 3, 4, 5, 6`;
const DURATION_RECOUNT = `
  SELECT created_at::date AS day, COALESCE(metadata->>'workflow_name', '') AS workflow_name,
         mailtrail_duration_bucket(mailtrail_int_or_null(metadata->>'execution_time_ms')) AS bucket, COUNT(*)::bigint AS count
  FROM email_activity_log WHERE event_type = 'workflow_executed' AND mailtrail_int_or_null(metadata->>'execution_time_ms') IS NOT NULL
  GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`;
const DURATION_ROLLUP = `SELECT day, workflow_name, bucket, count FROM email_workflow_duration_rollup ORDER BY 1, 2, 3`;
const HOURLY_RECOUNT = `
  SELECT date_trunc('hour', created_at) AS hour, event_type, event_category,
         CASE WHEN event_type = 'error' THEN COALESCE(metadata->>'error_type', '') ELSE '' END AS error_type,
         CASE WHEN event_type = 'workflow_executed' THEN COALESCE(metadata->>'workflow_name', '') ELSE '' END AS workflow_name,
         CASE WHEN event_type = 'workflow_executed' THEN COALESCE(metadata->>'status', '') ELSE '' END AS status,
         COUNT(*)::bigint AS count, MIN(created_at) AS first_occurrence, MAX(created_at) AS last_occurrence
  FROM email_activity_log WHERE created_at IS NOT NULL GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6`;
const HOURLY_ROLLUP = `SELECT hour, event_type, event_category, error_type, workflow_name, status, count, first_occurrence, last_occurrence
  FROM email_activity_hourly_rollup ORDER BY 1, 2, 3, 4, 5, 6`;
const HOURLY_DURATION_RECOUNT = `
  SELECT date_trunc('hour', created_at) AS hour, COALESCE(metadata->>'workflow_name', '') AS workflow_name,
         mailtrail_duration_bucket(mailtrail_int_or_null(metadata->>'execution_time_ms')) AS bucket, COUNT(*)::bigint AS count
  FROM email_activity_log WHERE event_type = 'workflow_executed' AND created_at IS NOT NULL
   AND mailtrail_int_or_null(metadata->>'execution_time_ms') IS NOT NULL
  GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`;
const HOURLY_DURATION_ROLLUP = `SELECT hour, workflow_name, bucket, count FROM email_workflow_duration_hourly_rollup ORDER BY 1, 2, 3`;

const INSERT_MIXED = (count: number, offset: number) => mixedEventsSql({ count, offset, minutesApart: 47 });

describe('the daily rollups', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  async function expectEqualToRecount(on: TestDatabase = db) {
    const pairs = [
      [RECOUNT, ROLLUP],
      [DURATION_RECOUNT, DURATION_ROLLUP],
      [HOURLY_RECOUNT, HOURLY_ROLLUP],
      [HOURLY_DURATION_RECOUNT, HOURLY_DURATION_ROLLUP],
    ];
    for (const [recount, rollup] of pairs) {
      const [expected, actual] = await Promise.all([recount!, rollup!].map((q) => on.writable.query(q).then((r) => r.rows)));
      expect(actual, rollup).toEqual(expected);
    }
  }

  it('equal a full recount after a mixed load of inserts, updates and deletes', async () => {
    await db.writable.query(INSERT_MIXED(5000, 0));
    await expectEqualToRecount();
    await db.writable.query(`INSERT INTO email_activity_log (email_id, event_type, event_category, description, created_at) VALUES (1, 'read', 'user', 'x', NULL)`);
    await db.writable.query(`SELECT log_email_event(7, 'error', 'system', 'boom', '{"error_type": "smtp_error"}'::jsonb)`);
    await db.writable.query(`DELETE FROM email_activity_log WHERE id % 3 = 0`);
    await expectEqualToRecount();
    await db.writable.query(`UPDATE email_activity_log SET metadata = jsonb_set(metadata, '{status}', '"failed"') WHERE event_type = 'workflow_executed' AND id % 5 = 0`);
    await db.writable.query(`UPDATE email_activity_log SET created_at = created_at + INTERVAL '13 hours' WHERE id % 4 = 1`);
    await expectEqualToRecount();
    await db.writable.query(INSERT_MIXED(3000, 10000));
    // Many rows in one hour and day: deleting the earliest and latest moves the group's first and last occurrence.
    await db.writable.query(`
      INSERT INTO email_activity_log (email_id, event_type, event_category, description, created_at)
      SELECT 9, 'read', 'user', 'dense ' || g, TIMESTAMP '2025-04-10 14:00' + g * INTERVAL '10 seconds' FROM generate_series(0, 299) g`);
    await expectEqualToRecount();
    await db.writable.query(`DELETE FROM email_activity_log WHERE description IN ('dense 0', 'dense 1', 'dense 299')`);
    await expectEqualToRecount();
    await db.writable.query(`DELETE FROM email_activity_log WHERE created_at < '2025-03-01'`);
    await db.writable.query(`DELETE FROM email_activity_log WHERE id IN (SELECT id FROM email_activity_log ORDER BY random() LIMIT 500)`);
    await expectEqualToRecount();
  });

  it('follow an archive-then-delete and a truncate', async () => {
    await db.writable.query(`INSERT INTO email_activity_log_archive SELECT * FROM email_activity_log WHERE created_at < '2025-06-01'`);
    await db.writable.query(`DELETE FROM email_activity_log WHERE created_at < '2025-06-01'`);
    await expectEqualToRecount();
    await db.writable.query(`TRUNCATE email_activity_log`);
    await expectEqualToRecount();
  });

  it.each([2, 3])('count the rows already in the log when the rollup migrations first run after %i migrations', async (before) => {
    const fresh = await createTestDatabase({ migrated: false });
    try {
      const migrations = loadMigrations();
      await migrate(fresh.writable, migrations.slice(0, before));
      await fresh.writable.query(INSERT_MIXED(2000, 0));
      await migrate(fresh.writable, migrations);
      await expectEqualToRecount(fresh);
      const { rows } = await fresh.writable.query('SELECT count(*)::int AS n FROM email_activity_hourly_rollup');
      expect(rows[0].n).toBeGreaterThan(0);
    } finally {
      await fresh.drop();
    }
  });
});
