import { BUCKETS_PER_DOUBLING, KEY_COLUMNS, ROLLUP_KEYS, postgres as pg } from '../store/rollup-keys';

// Migration 0006's SQL, rendered from store/rollup-keys.ts: the helpers and the trigger function of
// migrations 0003 and 0004 with the keys no longer written by hand, then every rollup counted again
// from the log (and the execution-time index rebuilt), so rows counted under an earlier definition
// never stay behind. migrate.ts applies it again whenever the definition changes. The hub's writers
// wait meanwhile (the rollups are truncated, the index rebuilt in this transaction): 2.6 s for
// 1.3 million events, once per change of the definition.

const KEYS = KEY_COLUMNS.join(', ');
/** The rollup tables' key columns after the time: event_type, event_category and the keys. */
const GROUP = `event_type, event_category, ${KEYS}`;
const positions = (count: number) => Array.from({ length: count }, (_, i) => i + 1).join(', ');
/** Time, event_type, event_category and the keys. */
const GROUP_POSITIONS = positions(3 + KEY_COLUMNS.length);
const sameKeys = (left: string, right: string) =>
  ['event_type', 'event_category', ...KEY_COLUMNS].map((column) => `${left}.${column} = ${right}.${column}`).join(' AND ');
/**
 * The log's rows of one hourly group `g` (its hour, type, category and keys), for the trigger's
 * recount: one range of the (event_category, created_at, id) index, a few hundred rows at 10 million
 * events. The event type is compared as an expression so that no index serves it: planned with
 * unknown values, the planner ANDed the event_type index (a million entries per type) into the scan.
 */
/** The tables one set of rollups counts from and into: the log's (0006), or its archive's (0009). */
export interface RollupTables {
  trigger: string;
  log: string;
  hourly: string;
  daily: string;
  durationHourly: string;
  duration: string;
  /** The index order in which a group's rows are read: (event_category, created_at, id) in the log. */
  groupOrder: string;
}

const LOG_TABLES: RollupTables = {
  trigger: 'mailtrail_rollup_trigger',
  log: 'email_activity_log',
  hourly: 'email_activity_hourly_rollup',
  daily: 'email_activity_daily_rollup',
  durationHourly: 'email_workflow_duration_hourly_rollup',
  duration: 'email_workflow_duration_rollup',
  groupOrder: 'a.event_category, a.created_at, a.id',
};

/**
 * The touched groups `groups` (a subquery), narrowed to those a delete left rows in: first and last
 * occurrence are recounted for those alone. Retention deletes whole hours in time order, whose groups
 * are gone by then (12 of 1,088 groups kept rows in a batch of 64,000 at 10 million events; reading
 * the others' hours again was a third of the trigger's time). OFFSET 0 fences the EXISTS, so the
 * recount's own test is not pushed in ahead of it.
 */
const survivingGroups = (t: RollupTables, groups: string) =>
  `(SELECT d.* FROM ${groups} d
                  WHERE EXISTS (SELECT 1 FROM ${t.hourly} s WHERE s.hour = d.hour AND ${sameKeys('s', 'd')})
                  OFFSET 0)`;

const descending = (order: string) => order.split(', ').map((column) => `${column} DESC`).join(', ');

const GROUP_ROWS = [
  `a.event_category = g.event_category`,
  `a.created_at >= g.hour AND a.created_at < g.hour + INTERVAL '1 hour'`,
  `a.event_type || '' = g.event_type`,
  ...ROLLUP_KEYS.map((key) => `(${pg.key(key, 'a.')}) = g.${key.column}`),
].join(' AND ');
const DURATION_ROWS = `${pg.durationEventType()} AND ${pg.indexedExecutionTime()} IS NOT NULL`;
const BUCKET = `mailtrail_duration_bucket(${pg.indexedExecutionTime()})`;

const HELPERS = `
-- A metadata value as the execution time, or NULL when it is not one: an index or trigger must never
-- make the hub's own INSERT fail on a malformed value.
CREATE OR REPLACE FUNCTION mailtrail_int_or_null(value TEXT) RETURNS INTEGER
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ${pg.executionTimeOf('value')}
$$;

-- Bucket b holds execution times in [2^(b/${BUCKETS_PER_DOUBLING}) - 1, 2^((b+1)/${BUCKETS_PER_DOUBLING}) - 1) ms.
CREATE OR REPLACE FUNCTION mailtrail_duration_bucket(execution_time_ms INTEGER) RETURNS SMALLINT
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ${pg.bucketOf('execution_time_ms')}
$$;
`;

const trigger = (t: RollupTables) => `
-- Adds (argument 1) or subtracts (argument -1) the rows of one statement, seen through the transition
-- table changed_rows, grouped by hour once; days are derived from the hours. Groups are written in
-- key order so concurrent writers cannot deadlock.
CREATE OR REPLACE FUNCTION ${t.trigger}() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    direction CONSTANT INTEGER := TG_ARGV[0]::integer;
    changed_hours TIMESTAMP[];
    changed_days DATE[];
BEGIN
    WITH hourly AS MATERIALIZED (
        SELECT ${pg.hour()} AS hour,
               event_type,
               event_category,
               ${pg.keys()},
               direction * COUNT(*) AS count,
               MIN(created_at) AS first_occurrence,
               MAX(created_at) AS last_occurrence
        FROM changed_rows
        GROUP BY ${GROUP_POSITIONS}
    ), hours_written AS (
        INSERT INTO ${t.hourly} AS r
            (hour, ${GROUP}, count, first_occurrence, last_occurrence)
        SELECT * FROM hourly WHERE hour IS NOT NULL ORDER BY ${GROUP_POSITIONS}
        ON CONFLICT (hour, ${GROUP}) DO UPDATE SET
            count = r.count + EXCLUDED.count,
            first_occurrence = CASE WHEN direction > 0 THEN LEAST(r.first_occurrence, EXCLUDED.first_occurrence) ELSE r.first_occurrence END,
            last_occurrence = CASE WHEN direction > 0 THEN GREATEST(r.last_occurrence, EXCLUDED.last_occurrence) ELSE r.last_occurrence END
    )
    INSERT INTO ${t.daily} AS r
        (day, ${GROUP}, count, first_occurrence, last_occurrence)
    SELECT COALESCE(hour::date, '-infinity'::date), ${GROUP},
           SUM(count), MIN(first_occurrence), MAX(last_occurrence)
    FROM hourly
    GROUP BY ${GROUP_POSITIONS}
    ORDER BY ${GROUP_POSITIONS}
    ON CONFLICT (day, ${GROUP}) DO UPDATE SET
        count = r.count + EXCLUDED.count,
        first_occurrence = CASE WHEN direction > 0 THEN LEAST(r.first_occurrence, EXCLUDED.first_occurrence) ELSE r.first_occurrence END,
        last_occurrence = CASE WHEN direction > 0 THEN GREATEST(r.last_occurrence, EXCLUDED.last_occurrence) ELSE r.last_occurrence END;

    WITH hourly AS MATERIALIZED (
        SELECT ${pg.hour()} AS hour,
               ${pg.durationWorkflow()} AS workflow_name,
               ${BUCKET} AS bucket,
               direction * COUNT(*) AS count
        FROM changed_rows
        WHERE ${DURATION_ROWS}
        GROUP BY 1, 2, 3
    ), hours_written AS (
        INSERT INTO ${t.durationHourly} AS r (hour, workflow_name, bucket, count)
        SELECT * FROM hourly WHERE hour IS NOT NULL ORDER BY 1, 2, 3
        ON CONFLICT (hour, workflow_name, bucket) DO UPDATE SET count = r.count + EXCLUDED.count
    )
    INSERT INTO ${t.duration} AS r (day, workflow_name, bucket, count)
    SELECT COALESCE(hour::date, '-infinity'::date), workflow_name, bucket, SUM(count)
    FROM hourly
    GROUP BY 1, 2, 3
    ORDER BY 1, 2, 3
    ON CONFLICT (day, workflow_name, bucket) DO UPDATE SET count = r.count + EXCLUDED.count;

    IF direction < 0 THEN
        -- Groups counted down to nothing, looked up by the hours and days this statement touched
        -- (the keys' first column) rather than by scanning each table: no other group changed.
        -- (= ANY of an array: a join here was planned as a scan of the table.)
        -- The hours and days are read from the changed rows once: each DISTINCT of its own was a pass
        -- over them (55 of 250 ms for 50,000 archived events).
        SELECT array_agg(DISTINCT ${pg.hour()}) FILTER (WHERE created_at IS NOT NULL),
               array_agg(DISTINCT COALESCE(created_at::date, '-infinity'::date))
        INTO changed_hours, changed_days
        FROM changed_rows;
        DELETE FROM ${t.hourly} WHERE hour = ANY (changed_hours) AND count <= 0;
        DELETE FROM ${t.daily} WHERE day = ANY (changed_days) AND count <= 0;
        DELETE FROM ${t.durationHourly} WHERE hour = ANY (changed_hours) AND count <= 0;
        DELETE FROM ${t.duration} WHERE day = ANY (changed_days) AND count <= 0;
        -- Groups that lost some rows: first and last occurrence come from the log, an hour at a time,
        -- then each day's from its hours. Each group reads the two ends of its own hour in index order
        -- (GROUP_ROWS): a join let the planner read the log by category, 7-11 s for a batch of 500
        -- deleted events at 10 million.
        UPDATE ${t.hourly} r SET
            first_occurrence = recount.first_occurrence,
            last_occurrence = recount.last_occurrence
        FROM (
            SELECT g.hour, ${['event_type', 'event_category', ...KEY_COLUMNS].map((column) => `g.${column}`).join(', ')},
                   x.first_occurrence, x.last_occurrence
            FROM ${survivingGroups(t, `(SELECT DISTINCT ${pg.hour()} AS hour, event_type, event_category,
                         ${pg.keys()}
                  FROM changed_rows WHERE created_at IS NOT NULL)`)} g
            CROSS JOIN LATERAL (
                SELECT (SELECT a.created_at FROM ${t.log} a WHERE ${GROUP_ROWS}
                        ORDER BY ${t.groupOrder} LIMIT 1) AS first_occurrence,
                       (SELECT a.created_at FROM ${t.log} a WHERE ${GROUP_ROWS}
                        ORDER BY ${descending(t.groupOrder)} LIMIT 1) AS last_occurrence
            ) x
            WHERE x.first_occurrence IS NOT NULL
        ) recount
        WHERE r.hour = recount.hour AND ${sameKeys('r', 'recount')};
        UPDATE ${t.daily} r SET
            first_occurrence = hours.first_occurrence,
            last_occurrence = hours.last_occurrence
        FROM (
            SELECT d.day, ${['event_type', 'event_category', ...KEY_COLUMNS].map((column) => `h.${column}`).join(', ')},
                   MIN(h.first_occurrence) AS first_occurrence, MAX(h.last_occurrence) AS last_occurrence
            FROM unnest(changed_days) AS d (day)
            -- A range on hour, the key's first column, rather than hour::date, which no index has.
            JOIN ${t.hourly} h ON h.hour >= d.day AND h.hour < d.day + INTERVAL '1 day'
            GROUP BY ${GROUP_POSITIONS}
        ) hours
        WHERE r.day = hours.day AND ${sameKeys('r', 'hours')};
    END IF;
    RETURN NULL;
END;
$$;
`;

const recount = (t: RollupTables) => `
-- Every rollup counted again from the log: rows counted under an earlier definition do not stay.
TRUNCATE ${t.hourly}, ${t.daily},
         ${t.durationHourly}, ${t.duration};
INSERT INTO ${t.hourly} (hour, ${GROUP}, count, first_occurrence, last_occurrence)
SELECT ${pg.hour()}, event_type, event_category,
       ${pg.keys()},
       COUNT(*), MIN(created_at), MAX(created_at)
FROM ${t.log}
WHERE created_at IS NOT NULL
GROUP BY ${GROUP_POSITIONS};
INSERT INTO ${t.daily} (day, ${GROUP}, count, first_occurrence, last_occurrence)
SELECT hour::date, ${GROUP}, SUM(count), MIN(first_occurrence), MAX(last_occurrence)
FROM ${t.hourly}
GROUP BY ${GROUP_POSITIONS};
-- Events without created_at belong to no hour; their day is -infinity.
INSERT INTO ${t.daily} (day, ${GROUP}, count, first_occurrence, last_occurrence)
SELECT '-infinity'::date, event_type, event_category,
       ${pg.keys()},
       COUNT(*), NULL::timestamp, NULL::timestamp
FROM ${t.log}
WHERE created_at IS NULL
GROUP BY ${GROUP_POSITIONS};
INSERT INTO ${t.durationHourly} (hour, workflow_name, bucket, count)
SELECT ${pg.hour()}, ${pg.durationWorkflow()},
       ${BUCKET}, COUNT(*)
FROM ${t.log}
WHERE ${DURATION_ROWS} AND created_at IS NOT NULL
GROUP BY 1, 2, 3;
INSERT INTO ${t.duration} (day, workflow_name, bucket, count)
SELECT hour::date, workflow_name, bucket, SUM(count)
FROM ${t.durationHourly}
GROUP BY 1, 2, 3;
INSERT INTO ${t.duration} (day, workflow_name, bucket, count)
SELECT '-infinity'::date, ${pg.durationWorkflow()},
       ${BUCKET}, COUNT(*)
FROM ${t.log}
WHERE ${DURATION_ROWS} AND created_at IS NULL
GROUP BY 1, 2, 3;
`;

const EXECUTION_TIME_INDEX = `-- The seed's "Performance Monitoring" index (0003's) holds execution times as the definition reads them.
DROP INDEX IF EXISTS idx_email_activity_log_workflow_execution_time;
CREATE INDEX idx_email_activity_log_workflow_execution_time ON email_activity_log
    (${pg.indexedExecutionTime()} DESC NULLS LAST, id)
    WHERE ${pg.durationEventType()};
`;

export const ROLLUP_KEYS_MIGRATION_SQL = `-- Generated from src-main/store/rollup-keys.ts; see src-main/db/rollup-keys.migration.ts.\n${HELPERS}${trigger(LOG_TABLES)}${recount(LOG_TABLES)}${EXECUTION_TIME_INDEX}`;

const ARCHIVE_TABLES: RollupTables = {
  trigger: 'mailtrail_archive_rollup_trigger',
  log: 'email_activity_log_archive',
  hourly: 'email_activity_archive_hourly_rollup',
  daily: 'email_activity_archive_daily_rollup',
  durationHourly: 'email_workflow_archive_duration_hourly_rollup',
  duration: 'email_workflow_archive_duration_rollup',
  // The archive has no category index: a group's hour is one range of its (created_at, id) index (0008).
  groupOrder: 'a.created_at, a.id',
};

const ARCHIVE_TRIGGERS = [
  ['insert', 'INSERT', "REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION mailtrail_archive_rollup_trigger('1')"],
  ['delete', 'DELETE', "REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION mailtrail_archive_rollup_trigger('-1')"],
  ['update_old', 'UPDATE', "REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION mailtrail_archive_rollup_trigger('-1')"],
  ['update_new', 'UPDATE', "REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION mailtrail_archive_rollup_trigger('1')"],
  ['truncate', 'TRUNCATE', 'FOR EACH STATEMENT EXECUTE FUNCTION mailtrail_archive_rollup_truncate()'],
]
  .map(([name, event, action]) => `DROP TRIGGER IF EXISTS mailtrail_archive_rollup_${name} ON email_activity_log_archive;
CREATE TRIGGER mailtrail_archive_rollup_${name} AFTER ${event} ON email_activity_log_archive
    ${action};`)
  .join('\n');

/**
 * Migration 0009 (issue 13, item 5): rollups of email_activity_log_archive, so analytics can add the
 * archived events without counting the archive. The same tables, trigger and recount as the log's
 * (rendered from the same keys, and applied again when they change); a retention batch moves rows
 * in one statement, so the log's delete trigger and this insert trigger count each event out of one
 * set and into the other in the same transaction. The recount (the backfill) reads the archive
 * once, holding off retention runs meanwhile; the hub's writers never touch the archive.
 */
export const ARCHIVE_ROLLUPS_MIGRATION_SQL = `-- Generated from src-main/store/rollup-keys.ts; see src-main/db/rollup-keys.migration.ts.
CREATE TABLE IF NOT EXISTS email_activity_archive_daily_rollup (LIKE email_activity_daily_rollup INCLUDING ALL);
CREATE TABLE IF NOT EXISTS email_activity_archive_hourly_rollup (LIKE email_activity_hourly_rollup INCLUDING ALL);
CREATE TABLE IF NOT EXISTS email_workflow_archive_duration_rollup (LIKE email_workflow_duration_rollup INCLUDING ALL);
CREATE TABLE IF NOT EXISTS email_workflow_archive_duration_hourly_rollup (LIKE email_workflow_duration_hourly_rollup INCLUDING ALL);
-- Error impact counts distinct emails per error type from the rows themselves: the archive's errors, a few in a hundred.
CREATE INDEX IF NOT EXISTS idx_email_activity_log_archive_errors ON email_activity_log_archive (created_at) WHERE event_type = 'error';
${trigger(ARCHIVE_TABLES)}
CREATE OR REPLACE FUNCTION mailtrail_archive_rollup_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE email_activity_archive_daily_rollup, email_activity_archive_hourly_rollup,
             email_workflow_archive_duration_rollup, email_workflow_archive_duration_hourly_rollup;
    RETURN NULL;
END;
$$;

-- An UPDATE is its old rows taken out and its new rows put in.
${ARCHIVE_TRIGGERS}
${recount(ARCHIVE_TABLES)}`;

/**
 * The rollups of a stretch of whole hours counted again from their table: statements taking $1 (the
 * first hour, or -infinity) and $2 (the hour after the last), and recounting every day those hours
 * touch from the hourly rows. Dropping a partition fires no trigger, so retention's partition path
 * (src-main/retention/partitions.ts) runs these after it detached a month of the log or the archive.
 */
const HOURS = `hour >= $1::timestamp AND hour < $2::timestamp`;
const DAYS_OF_HOURS = `day >= $1::timestamp::date AND day < ($2::timestamp - INTERVAL '1 microsecond')::date + 1 AND day <> '-infinity'::date`;
const HOURS_OF_DAYS = `hour >= $1::timestamp::date AND hour < ($2::timestamp - INTERVAL '1 microsecond')::date + 1`;
const LOG_HOURS = `created_at >= $1::timestamp AND created_at < $2::timestamp`;
const rangeRecount = (t: RollupTables): readonly string[] => [
  `DELETE FROM ${t.hourly} WHERE ${HOURS}`,
  `INSERT INTO ${t.hourly} (hour, ${GROUP}, count, first_occurrence, last_occurrence)
   SELECT ${pg.hour()}, event_type, event_category, ${pg.keys()}, COUNT(*), MIN(created_at), MAX(created_at)
   FROM ${t.log} WHERE ${LOG_HOURS} GROUP BY ${GROUP_POSITIONS}`,
  `DELETE FROM ${t.daily} WHERE ${DAYS_OF_HOURS}`,
  `INSERT INTO ${t.daily} (day, ${GROUP}, count, first_occurrence, last_occurrence)
   SELECT hour::date, ${GROUP}, SUM(count), MIN(first_occurrence), MAX(last_occurrence)
   FROM ${t.hourly} WHERE ${HOURS_OF_DAYS} GROUP BY ${GROUP_POSITIONS}`,
  `DELETE FROM ${t.durationHourly} WHERE ${HOURS}`,
  `INSERT INTO ${t.durationHourly} (hour, workflow_name, bucket, count)
   SELECT ${pg.hour()}, ${pg.durationWorkflow()}, ${BUCKET}, COUNT(*)
   FROM ${t.log} WHERE ${DURATION_ROWS} AND ${LOG_HOURS} GROUP BY 1, 2, 3`,
  `DELETE FROM ${t.duration} WHERE ${DAYS_OF_HOURS}`,
  `INSERT INTO ${t.duration} (day, workflow_name, bucket, count)
   SELECT hour::date, workflow_name, bucket, SUM(count)
   FROM ${t.durationHourly} WHERE ${HOURS_OF_DAYS} GROUP BY 1, 2, 3`,
];

/** The recount statements of a dropped month, by the table it was dropped from. */
export const ROLLUP_RANGE_RECOUNT: Readonly<Record<'email_activity_log' | 'email_activity_log_archive', readonly string[]>> = {
  email_activity_log: rangeRecount(LOG_TABLES),
  email_activity_log_archive: rangeRecount(ARCHIVE_TABLES),
};
