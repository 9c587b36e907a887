import { expect } from 'vitest';
import type { TestDatabase } from './database';

// Retention's test data, and what a run promises checked in plain SQL: shared by tests/integration/retention*.test.ts.

/**
 * `count` events over the last `days` days, ids shuffled against time (as a hub's late writers and
 * back-filled imports leave them), six types and categories, workflow runs and typed errors, and
 * every 997th event without created_at (which no cutoff ever reaches) unless `undated` is false (a
 * partitioned table's key cannot be NULL).
 */
export const eventsSql = (count: number, emails: number, days: number, { undated = true } = {}) => `
  INSERT INTO email_activity_log (email_id, event_type, event_category, description, metadata, created_at, created_by)
  SELECT 1 + (g % ${emails}),
         (ARRAY['fetched','classified','workflow_executed','error','read','linked'])[1 + g % 6],
         (ARRAY['system','system','workflow','system','user','integration'])[1 + g % 6],
         'event ' || g,
         CASE g % 6
           WHEN 2 THEN jsonb_build_object('workflow_name', (ARRAY['Invoice Processing','Time Confirmation'])[1 + g % 2],
                                          'status', CASE WHEN g % 7 = 0 THEN 'failed' ELSE 'completed' END,
                                          'execution_time_ms', (g * 37 % 20000)::text)
           WHEN 3 THEN jsonb_build_object('error_type', (ARRAY['extraction_failed','imap_timeout'])[1 + g % 2])
           ELSE NULL END,
         CASE WHEN ${undated ? 'g % 997 = 0' : 'FALSE'} THEN NULL
              ELSE LOCALTIMESTAMP - make_interval(secs => ((g::bigint * 7919) % ${count}) * (${days} * 86400.0 / ${count})) END,
         'system'
  FROM generate_series(1, ${count}) g`;

const ROLLUP_KEYS_SQL = `CASE WHEN event_type = 'error' THEN COALESCE(metadata->>'error_type', '') ELSE '' END AS error_type,
         CASE WHEN event_type = 'workflow_executed' THEN COALESCE(metadata->>'workflow_name', '') ELSE '' END AS workflow_name,
         CASE WHEN event_type = 'workflow_executed' THEN COALESCE(metadata->>'status', '') ELSE '' END AS status`;
const DURATION = `COALESCE(metadata->>'workflow_name', '') AS workflow_name, mailtrail_duration_bucket(mailtrail_int_or_null(metadata->>'execution_time_ms')) AS bucket, COUNT(*)::bigint AS count
  FROM email_activity_log WHERE event_type = 'workflow_executed' AND mailtrail_int_or_null(metadata->>'execution_time_ms') IS NOT NULL`;
/** Each rollup beside a recount of the log (as tests/integration/rollup.test.ts does). */
const ROLLUP_PAIRS = [
  [
    `SELECT COALESCE(created_at::date, '-infinity'::date) AS day, event_type, event_category, ${ROLLUP_KEYS_SQL},
            COUNT(*)::bigint AS count, MIN(created_at) AS first_occurrence, MAX(created_at) AS last_occurrence
     FROM email_activity_log GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6`,
    `SELECT day, event_type, event_category, error_type, workflow_name, status, count, first_occurrence, last_occurrence FROM email_activity_daily_rollup ORDER BY 1, 2, 3, 4, 5, 6`,
  ],
  [
    `SELECT date_trunc('hour', created_at) AS hour, event_type, event_category, ${ROLLUP_KEYS_SQL},
            COUNT(*)::bigint AS count, MIN(created_at) AS first_occurrence, MAX(created_at) AS last_occurrence
     FROM email_activity_log WHERE created_at IS NOT NULL GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6`,
    `SELECT hour, event_type, event_category, error_type, workflow_name, status, count, first_occurrence, last_occurrence FROM email_activity_hourly_rollup ORDER BY 1, 2, 3, 4, 5, 6`,
  ],
  [
    `SELECT COALESCE(created_at::date, '-infinity'::date) AS day, ${DURATION} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
    `SELECT day, workflow_name, bucket, count FROM email_workflow_duration_rollup ORDER BY 1, 2, 3`,
  ],
  [
    `SELECT date_trunc('hour', created_at) AS hour, ${DURATION} AND created_at IS NOT NULL GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
    `SELECT hour, workflow_name, bucket, count FROM email_workflow_duration_hourly_rollup ORDER BY 1, 2, 3`,
  ],
] as const;

/** The same pair over the archive and its rollups (migration 0009). */
const ofArchive = (statement: string) =>
  statement
    .replace(/\bemail_activity_log\b/g, 'email_activity_log_archive')
    .replace(/\bemail_activity_(daily|hourly)_rollup\b/g, 'email_activity_archive_$1_rollup')
    .replace(/\bemail_workflow_duration_(hourly_)?rollup\b/g, 'email_workflow_archive_duration_$1rollup');

/** Every rollup of the log (or of the archive) equals a recount of it. */
export async function expectRollupsEqualRecount(db: TestDatabase, of: 'log' | 'archive' = 'log') {
  for (const pair of ROLLUP_PAIRS) {
    const [recount, rollup] = of === 'log' ? pair : pair.map(ofArchive);
    const [expected, actual] = await Promise.all([recount as string, rollup as string].map((q) => db.writable.query(q).then((r) => r.rows)));
    expect(actual, rollup).toEqual(expected);
  }
}

export const count = async (db: TestDatabase, text: string, values: unknown[] = []) => Number((await db.writable.query<{ n: string }>(text, values)).rows[0]?.n);

export const HELD = (alias: string) => `EXISTS (SELECT 1 FROM mailtrail_legal_holds h WHERE h.email_id = ${alias}.email_id AND h.released_at IS NULL)`;

/** Copies of the log and the archive as they were before a run, to hold the run to account. */
export async function snapshotEvents(db: TestDatabase) {
  await db.writable.query(`DROP TABLE IF EXISTS before_log, before_archive`);
  await db.writable.query(`CREATE TABLE before_log AS SELECT * FROM email_activity_log`);
  await db.writable.query(`CREATE TABLE before_archive AS SELECT * FROM email_activity_log_archive`);
}

/**
 * What a finished run promises, checked in plain SQL against the snapshot: no unheld event older
 * than the archive cutoff in the log, none older than the purge cutoff anywhere, held emails as
 * they were, and every event that was not purged in exactly one of log and archive, unchanged.
 */
export async function expectRunKeptItsPromises(db: TestDatabase, runId: number) {
  const { rows } = await db.writable.query<{ archive_cutoff: string | null; purge_cutoff: string | null; status: string }>(
    `SELECT archive_cutoff, purge_cutoff, status FROM mailtrail_retention_runs WHERE id = $1`,
    [runId],
  );
  const run = rows[0]!;
  expect(run.status).toBe('succeeded');
  const archive = run.archive_cutoff;
  const purge = run.purge_cutoff;
  expect(await count(db, `SELECT COUNT(*) AS n FROM email_activity_log e WHERE e.created_at < $1::timestamp AND NOT ${HELD('e')}`, [archive])).toBe(0);
  for (const table of ['email_activity_log', 'email_activity_log_archive']) {
    expect(await count(db, `SELECT COUNT(*) AS n FROM ${table} e WHERE e.created_at < $1::timestamp AND NOT ${HELD('e')}`, [purge]), table).toBe(0);
  }
  // Held emails: every event where it was, unchanged.
  for (const [before, table] of [['before_log', 'email_activity_log'], ['before_archive', 'email_activity_log_archive']]) {
    const moved = `SELECT COUNT(*) AS n FROM ${before} b WHERE ${HELD('b')} AND NOT EXISTS (SELECT 1 FROM ${table} e WHERE e.id = b.id AND e::text = b::text)`;
    expect(await count(db, moved), `held events of ${before}`).toBe(0);
  }
  expect(await count(db, `SELECT COUNT(*) AS n FROM email_activity_log l JOIN email_activity_log_archive a USING (id)`), 'in both tables').toBe(0);
  const kept = `(SELECT * FROM before_log UNION ALL SELECT * FROM before_archive) b WHERE NOT COALESCE(b.created_at < $1::timestamp AND NOT ${HELD('b')}, FALSE)`;
  const lost = `SELECT COUNT(*) AS n FROM ${kept} AND NOT EXISTS (SELECT 1 FROM email_activity_log e WHERE e.id = b.id AND e::text = b::text)
                AND NOT EXISTS (SELECT 1 FROM email_activity_log_archive e WHERE e.id = b.id AND e::text = b::text)`;
  expect(await count(db, lost, [purge]), 'lost').toBe(0);
  const total = await count(db, `SELECT (SELECT COUNT(*) FROM email_activity_log) + (SELECT COUNT(*) FROM email_activity_log_archive) AS n`);
  expect(total, 'kept exactly once').toBe(await count(db, `SELECT COUNT(*) AS n FROM ${kept}`, [purge]));
  // The archive's insert trigger moves the counts out of the log's rollups and into its own (RETENTION_MOVE_SETTING).
  await expectRollupsEqualRecount(db);
  await expectRollupsEqualRecount(db, 'archive');
}

