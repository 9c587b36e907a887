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

/**
 * Set (SET LOCAL) by a retention batch that moves events from the log to the archive in one
 * statement (src-main/retention/run.ts): the archive's insert trigger then moves their counts from
 * the log's rollups to the archive's, aggregating the rows once, and the log's delete trigger does
 * nothing. Nothing else may set it: a delete from the log under it would not be counted out.
 */
export const RETENTION_MOVE_SETTING = 'mailtrail.retention_move';
const MOVING = `COALESCE(current_setting('${RETENTION_MOVE_SETTING}', true), '') = 'on'`;

const descending = (order: string) => order.split(', ').map((column) => `${column} DESC`).join(', ');
const columnsOf = (alias: string, columns: readonly string[]) => columns.map((column) => `${alias}.${column}`).join(', ');
const GROUP_COLUMNS = ['event_type', 'event_category', ...KEY_COLUMNS];

/**
 * The rows of one hourly group `g` (its hour, type, category and keys) in the table `a`, for the
 * trigger's recount: one range of the (event_category, created_at, id) index, a few hundred rows at
 * 10 million events. The event type is compared as an expression so that no index serves it:
 * planned with unknown values, the planner ANDed the event_type index (a million entries per type) into the scan.
 */
const GROUP_ROWS = [
  `a.event_category = g.event_category`,
  `a.created_at >= g.hour AND a.created_at < g.hour + INTERVAL '1 hour'`,
  `a.event_type || '' = g.event_type`,
  ...ROLLUP_KEYS.map((key) => `(${pg.key(key, 'a.')}) = g.${key.column}`),
].join(' AND ');
const DURATION_ROWS = `${pg.durationEventType()} AND ${pg.indexedExecutionTime()} IS NOT NULL`;
const BUCKET = `mailtrail_duration_bucket(${pg.indexedExecutionTime()})`;

/**
 * A composite type, made again only when its definition (kept as its comment) changed: a trigger
 * function another session has compiled would not find a type dropped under it. Its definition
 * changes only with the keys, and then both trigger functions that use it are replaced as well.
 */
const compositeType = (name: string, definition: string) => `DO $$
BEGIN
    IF to_regtype('${name}') IS NULL OR obj_description(to_regtype('${name}'), 'pg_type') IS DISTINCT FROM '${definition}' THEN
        DROP TYPE IF EXISTS ${name};
        CREATE TYPE ${name} AS (${definition});
        COMMENT ON TYPE ${name} IS '${definition}';
    END IF;
END;
$$;`;

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

-- One statement's rows counted per hourly group (the hour NULL for rows without created_at), as the
-- rollup triggers hold them between their statements: aggregated once, written to several tables.
${compositeType('mailtrail_rollup_group', `hour TIMESTAMP, event_type TEXT, event_category TEXT, ${KEY_COLUMNS.map((column) => `${column} TEXT`).join(', ')}, count BIGINT, first_occurrence TIMESTAMP, last_occurrence TIMESTAMP`)}
${compositeType('mailtrail_duration_group', 'hour TIMESTAMP, workflow_name TEXT, bucket SMALLINT, count BIGINT')}
`;

/** The statement's rows (changed_rows) into the arrays `groups` and `durations`. */
const AGGREGATE = `
    SELECT array_agg(ROW(g.*)::mailtrail_rollup_group) INTO groups
    FROM (SELECT ${pg.hour()} AS hour, event_type, event_category, ${pg.keys()},
                 COUNT(*) AS count, MIN(created_at) AS first_occurrence, MAX(created_at) AS last_occurrence
          FROM changed_rows
          GROUP BY ${GROUP_POSITIONS}) g;
    SELECT array_agg(ROW(d.*)::mailtrail_duration_group) INTO durations
    FROM (SELECT ${pg.hour()} AS hour, ${pg.durationWorkflow()} AS workflow_name, ${BUCKET} AS bucket, COUNT(*) AS count
          FROM changed_rows
          WHERE ${DURATION_ROWS}
          GROUP BY 1, 2, 3) d;`;

/** The daily groups of `groups`: days are derived from the hours (-infinity for rows without created_at). */
const DAILY_GROUPS = `SELECT COALESCE(hour::date, '-infinity'::date) AS day, ${GROUP},
               SUM(count) AS count, MIN(first_occurrence) AS first_occurrence, MAX(last_occurrence) AS last_occurrence
        FROM unnest(groups)
        GROUP BY ${GROUP_POSITIONS}`;
const DAILY_DURATIONS = `SELECT COALESCE(hour::date, '-infinity'::date) AS day, workflow_name, bucket, SUM(count) AS count
    FROM unnest(durations)
    GROUP BY 1, 2, 3`;

/** Counts `groups` and `durations` into t's rollups. Groups are written in key order so concurrent writers cannot deadlock. */
const add = (t: RollupTables) => `
    WITH hours_written AS (
        INSERT INTO ${t.hourly} AS r (hour, ${GROUP}, count, first_occurrence, last_occurrence)
        SELECT * FROM unnest(groups) WHERE hour IS NOT NULL ORDER BY ${GROUP_POSITIONS}
        ON CONFLICT (hour, ${GROUP}) DO UPDATE SET
            count = r.count + EXCLUDED.count,
            first_occurrence = LEAST(r.first_occurrence, EXCLUDED.first_occurrence),
            last_occurrence = GREATEST(r.last_occurrence, EXCLUDED.last_occurrence)
    )
    INSERT INTO ${t.daily} AS r (day, ${GROUP}, count, first_occurrence, last_occurrence)
    ${DAILY_GROUPS}
    ORDER BY ${GROUP_POSITIONS}
    ON CONFLICT (day, ${GROUP}) DO UPDATE SET
        count = r.count + EXCLUDED.count,
        first_occurrence = LEAST(r.first_occurrence, EXCLUDED.first_occurrence),
        last_occurrence = GREATEST(r.last_occurrence, EXCLUDED.last_occurrence);
    WITH hours_written AS (
        INSERT INTO ${t.durationHourly} AS r (hour, workflow_name, bucket, count)
        SELECT * FROM unnest(durations) WHERE hour IS NOT NULL ORDER BY 1, 2, 3
        ON CONFLICT (hour, workflow_name, bucket) DO UPDATE SET count = r.count + EXCLUDED.count
    )
    INSERT INTO ${t.duration} AS r (day, workflow_name, bucket, count)
    ${DAILY_DURATIONS}
    ORDER BY 1, 2, 3
    ON CONFLICT (day, workflow_name, bucket) DO UPDATE SET count = r.count + EXCLUDED.count;`;

/**
 * Counts `groups` and `durations` out of t's rollups: down in key order (as add writes), then the
 * groups counted down to nothing deleted, then first and last occurrence recounted where a group
 * kept rows and lost its first or last one. Retention takes whole hours in time order, so nearly
 * every group it touches is emptied; of the rest, a group whose first and last rows stayed keeps
 * both as they were (a group's rows never move earlier than its first: it is their minimum).
 */
const subtract = (t: RollupTables) => `
    WITH hours_written AS (
        INSERT INTO ${t.hourly} AS r (hour, ${GROUP}, count, first_occurrence, last_occurrence)
        SELECT hour, ${GROUP}, -count, first_occurrence, last_occurrence
        FROM unnest(groups) WHERE hour IS NOT NULL ORDER BY ${GROUP_POSITIONS}
        ON CONFLICT (hour, ${GROUP}) DO UPDATE SET count = r.count + EXCLUDED.count
        RETURNING r.*
    ), days_written AS (
        INSERT INTO ${t.daily} AS r (day, ${GROUP}, count, first_occurrence, last_occurrence)
        SELECT day, ${GROUP}, -count, first_occurrence, last_occurrence FROM (${DAILY_GROUPS}) d
        ORDER BY ${GROUP_POSITIONS}
        ON CONFLICT (day, ${GROUP}) DO UPDATE SET count = r.count + EXCLUDED.count
        RETURNING r.*
    )
    SELECT (SELECT array_agg(ROW(w.hour, ${columnsOf('w', GROUP_COLUMNS)}, w.count, w.first_occurrence, w.last_occurrence)::mailtrail_rollup_group)
            FROM hours_written w JOIN unnest(groups) g ON w.hour = g.hour AND ${sameKeys('w', 'g')}
            WHERE w.count > 0 AND (g.first_occurrence <= w.first_occurrence OR g.last_occurrence >= w.last_occurrence)),
           (SELECT array_agg(ROW(w.day::timestamp, ${columnsOf('w', GROUP_COLUMNS)}, w.count, w.first_occurrence, w.last_occurrence)::mailtrail_rollup_group)
            FROM days_written w JOIN (${DAILY_GROUPS}) g ON w.day = g.day AND ${sameKeys('w', 'g')}
            WHERE w.count > 0 AND (g.first_occurrence <= w.first_occurrence OR g.last_occurrence >= w.last_occurrence))
    INTO kept_hours, kept_days;
    WITH hours_written AS (
        INSERT INTO ${t.durationHourly} AS r (hour, workflow_name, bucket, count)
        SELECT hour, workflow_name, bucket, -count FROM unnest(durations) WHERE hour IS NOT NULL ORDER BY 1, 2, 3
        ON CONFLICT (hour, workflow_name, bucket) DO UPDATE SET count = r.count + EXCLUDED.count
    )
    INSERT INTO ${t.duration} AS r (day, workflow_name, bucket, count)
    SELECT day, workflow_name, bucket, -count FROM (${DAILY_DURATIONS}) d
    ORDER BY 1, 2, 3
    ON CONFLICT (day, workflow_name, bucket) DO UPDATE SET count = r.count + EXCLUDED.count;
    -- Groups counted down to nothing, looked up by the hours and days this statement touched (the
    -- keys' first column) rather than by scanning each table: no other group changed. (= ANY of an
    -- array: a join here was planned as a scan of the table.)
    SELECT array_agg(DISTINCT hour) FILTER (WHERE hour IS NOT NULL), array_agg(DISTINCT COALESCE(hour::date, '-infinity'::date))
    INTO changed_hours, changed_days
    FROM unnest(groups);
    DELETE FROM ${t.hourly} WHERE hour = ANY (changed_hours) AND count <= 0;
    DELETE FROM ${t.daily} WHERE day = ANY (changed_days) AND count <= 0;
    DELETE FROM ${t.durationHourly} WHERE hour = ANY (changed_hours) AND count <= 0;
    DELETE FROM ${t.duration} WHERE day = ANY (changed_days) AND count <= 0;
    IF kept_hours IS NOT NULL THEN
        -- Each group reads the two ends of its own hour in index order (GROUP_ROWS): a join let the
        -- planner read the log by category, 7-11 s for a batch of 500 deleted events at 10 million.
        UPDATE ${t.hourly} r SET
            first_occurrence = recount.first_occurrence,
            last_occurrence = recount.last_occurrence
        FROM (
            SELECT g.hour, ${columnsOf('g', GROUP_COLUMNS)}, x.first_occurrence, x.last_occurrence
            FROM unnest(kept_hours) g
            CROSS JOIN LATERAL (
                SELECT (SELECT a.created_at FROM ${t.log} a WHERE ${GROUP_ROWS}
                        ORDER BY ${t.groupOrder} LIMIT 1) AS first_occurrence,
                       (SELECT a.created_at FROM ${t.log} a WHERE ${GROUP_ROWS}
                        ORDER BY ${descending(t.groupOrder)} LIMIT 1) AS last_occurrence
            ) x
            WHERE x.first_occurrence IS NOT NULL
        ) recount
        WHERE r.hour = recount.hour AND ${sameKeys('r', 'recount')};
    END IF;
    IF kept_days IS NOT NULL THEN
        -- A day's first and last from its hours, now counted (a range on hour, the key's first column).
        UPDATE ${t.daily} r SET
            first_occurrence = hours.first_occurrence,
            last_occurrence = hours.last_occurrence
        FROM (
            SELECT d.hour::date AS day, ${columnsOf('d', GROUP_COLUMNS)}, h.first_occurrence, h.last_occurrence
            FROM unnest(kept_days) d
            CROSS JOIN LATERAL (
                SELECT MIN(s.first_occurrence) AS first_occurrence, MAX(s.last_occurrence) AS last_occurrence
                FROM ${t.hourly} s
                WHERE s.hour >= d.hour AND s.hour < d.hour + INTERVAL '1 day' AND ${sameKeys('s', 'd')}
            ) h
        ) hours
        WHERE r.day = hours.day AND ${sameKeys('r', 'hours')};
    END IF;`;

/**
 * The statement-level trigger of one table's rollups: adds (argument 1) or subtracts (argument -1)
 * the rows of one statement, seen through the transition table changed_rows, aggregated once.
 * Under RETENTION_MOVE_SETTING the log's delete does nothing and the archive's insert, which sees
 * the same rows, also counts them out of the log's rollups (`movedFrom`).
 */
const trigger = (t: RollupTables, moved: { skip: 'DELETE' } | { from: RollupTables }) => `
CREATE OR REPLACE FUNCTION ${t.trigger}() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    direction CONSTANT INTEGER := TG_ARGV[0]::integer;
    moving CONSTANT BOOLEAN := TG_OP = '${'skip' in moved ? moved.skip : 'INSERT'}' AND ${MOVING};
    groups mailtrail_rollup_group[];
    durations mailtrail_duration_group[];
    kept_hours mailtrail_rollup_group[];
    kept_days mailtrail_rollup_group[];
    changed_hours TIMESTAMP[];
    changed_days DATE[];
BEGIN
    ${'skip' in moved ? 'IF moving THEN RETURN NULL; END IF;' : ''}${AGGREGATE}
    IF groups IS NULL THEN RETURN NULL; END IF;
    IF direction > 0 THEN${add(t)}
    ELSE${subtract(t)}
    END IF;${'from' in moved ? `
    IF moving THEN${subtract(moved.from)}
    END IF;` : ''}
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

export const ROLLUP_KEYS_MIGRATION_SQL = `-- Generated from src-main/store/rollup-keys.ts; see src-main/db/rollup-keys.migration.ts.\n${HELPERS}${trigger(LOG_TABLES, { skip: 'DELETE' })}${recount(LOG_TABLES)}${EXECUTION_TIME_INDEX}`;

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
${trigger(ARCHIVE_TABLES, { from: LOG_TABLES })}
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

/** Every rollup of the log and of the archive counted again from its table (what a restore runs after COPY). */
export const ROLLUP_FULL_RECOUNT: Readonly<Record<'email_activity_log' | 'email_activity_log_archive', string>> = {
  email_activity_log: recount(LOG_TABLES),
  email_activity_log_archive: recount(ARCHIVE_TABLES),
};
