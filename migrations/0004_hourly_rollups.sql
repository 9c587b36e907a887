-- Hourly rollups beside the daily ones, so a date range that starts or ends inside a day is
-- answered from whole hours plus at most two partial hours of the log, never a whole day of it.
-- The trigger groups each statement's rows by hour once and derives the days from those hours.

CREATE TABLE IF NOT EXISTS email_activity_hourly_rollup (
    hour TIMESTAMP NOT NULL,
    event_type VARCHAR(50) NOT NULL,
    event_category VARCHAR(30) NOT NULL,
    error_type TEXT NOT NULL,
    workflow_name TEXT NOT NULL,
    status TEXT NOT NULL,
    count BIGINT NOT NULL,
    first_occurrence TIMESTAMP,
    last_occurrence TIMESTAMP,
    PRIMARY KEY (hour, event_type, event_category, error_type, workflow_name, status)
);

CREATE TABLE IF NOT EXISTS email_workflow_duration_hourly_rollup (
    hour TIMESTAMP NOT NULL,
    workflow_name TEXT NOT NULL,
    bucket SMALLINT NOT NULL,
    count BIGINT NOT NULL,
    PRIMARY KEY (hour, workflow_name, bucket)
);

CREATE OR REPLACE FUNCTION mailtrail_rollup_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    direction CONSTANT INTEGER := TG_ARGV[0]::integer;
BEGIN
    WITH hourly AS MATERIALIZED (
        SELECT date_trunc('hour', created_at) AS hour,
               event_type,
               event_category,
               CASE WHEN event_type = 'error' THEN COALESCE(metadata->>'error_type', '') ELSE '' END AS error_type,
               CASE WHEN event_type = 'workflow_executed' THEN COALESCE(metadata->>'workflow_name', '') ELSE '' END AS workflow_name,
               CASE WHEN event_type = 'workflow_executed' THEN COALESCE(metadata->>'status', '') ELSE '' END AS status,
               direction * COUNT(*) AS count,
               MIN(created_at) AS first_occurrence,
               MAX(created_at) AS last_occurrence
        FROM changed_rows
        GROUP BY 1, 2, 3, 4, 5, 6
    ), hours_written AS (
        INSERT INTO email_activity_hourly_rollup AS r
            (hour, event_type, event_category, error_type, workflow_name, status, count, first_occurrence, last_occurrence)
        SELECT * FROM hourly WHERE hour IS NOT NULL ORDER BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (hour, event_type, event_category, error_type, workflow_name, status) DO UPDATE SET
            count = r.count + EXCLUDED.count,
            first_occurrence = CASE WHEN direction > 0 THEN LEAST(r.first_occurrence, EXCLUDED.first_occurrence) ELSE r.first_occurrence END,
            last_occurrence = CASE WHEN direction > 0 THEN GREATEST(r.last_occurrence, EXCLUDED.last_occurrence) ELSE r.last_occurrence END
    )
    INSERT INTO email_activity_daily_rollup AS r
        (day, event_type, event_category, error_type, workflow_name, status, count, first_occurrence, last_occurrence)
    SELECT COALESCE(hour::date, '-infinity'::date), event_type, event_category, error_type, workflow_name, status,
           SUM(count), MIN(first_occurrence), MAX(last_occurrence)
    FROM hourly
    GROUP BY 1, 2, 3, 4, 5, 6
    ORDER BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (day, event_type, event_category, error_type, workflow_name, status) DO UPDATE SET
        count = r.count + EXCLUDED.count,
        first_occurrence = CASE WHEN direction > 0 THEN LEAST(r.first_occurrence, EXCLUDED.first_occurrence) ELSE r.first_occurrence END,
        last_occurrence = CASE WHEN direction > 0 THEN GREATEST(r.last_occurrence, EXCLUDED.last_occurrence) ELSE r.last_occurrence END;

    WITH hourly AS MATERIALIZED (
        SELECT date_trunc('hour', created_at) AS hour,
               COALESCE(metadata->>'workflow_name', '') AS workflow_name,
               mailtrail_duration_bucket(mailtrail_int_or_null(metadata->>'execution_time_ms')) AS bucket,
               direction * COUNT(*) AS count
        FROM changed_rows
        WHERE event_type = 'workflow_executed' AND mailtrail_int_or_null(metadata->>'execution_time_ms') IS NOT NULL
        GROUP BY 1, 2, 3
    ), hours_written AS (
        INSERT INTO email_workflow_duration_hourly_rollup AS r (hour, workflow_name, bucket, count)
        SELECT * FROM hourly WHERE hour IS NOT NULL ORDER BY 1, 2, 3
        ON CONFLICT (hour, workflow_name, bucket) DO UPDATE SET count = r.count + EXCLUDED.count
    )
    INSERT INTO email_workflow_duration_rollup AS r (day, workflow_name, bucket, count)
    SELECT COALESCE(hour::date, '-infinity'::date), workflow_name, bucket, SUM(count)
    FROM hourly
    GROUP BY 1, 2, 3
    ORDER BY 1, 2, 3
    ON CONFLICT (day, workflow_name, bucket) DO UPDATE SET count = r.count + EXCLUDED.count;

    IF direction < 0 THEN
        DELETE FROM email_activity_hourly_rollup WHERE count <= 0;
        DELETE FROM email_activity_daily_rollup WHERE count <= 0;
        DELETE FROM email_workflow_duration_hourly_rollup WHERE count <= 0;
        DELETE FROM email_workflow_duration_rollup WHERE count <= 0;
        -- Groups that lost some rows: first and last occurrence come from the log, an hour at a time,
        -- then each day's from its hours.
        UPDATE email_activity_hourly_rollup r SET
            first_occurrence = recount.first_occurrence,
            last_occurrence = recount.last_occurrence
        FROM (
            SELECT g.hour, g.event_type, g.event_category, g.error_type, g.workflow_name, g.status,
                   MIN(a.created_at) AS first_occurrence, MAX(a.created_at) AS last_occurrence
            FROM (SELECT DISTINCT date_trunc('hour', created_at) AS hour, event_type, event_category,
                         CASE WHEN event_type = 'error' THEN COALESCE(metadata->>'error_type', '') ELSE '' END AS error_type,
                         CASE WHEN event_type = 'workflow_executed' THEN COALESCE(metadata->>'workflow_name', '') ELSE '' END AS workflow_name,
                         CASE WHEN event_type = 'workflow_executed' THEN COALESCE(metadata->>'status', '') ELSE '' END AS status
                  FROM changed_rows WHERE created_at IS NOT NULL) g
            JOIN email_activity_log a
              ON a.created_at >= g.hour AND a.created_at < g.hour + INTERVAL '1 hour'
             AND a.event_type = g.event_type AND a.event_category = g.event_category
             AND (CASE WHEN a.event_type = 'error' THEN COALESCE(a.metadata->>'error_type', '') ELSE '' END) = g.error_type
             AND (CASE WHEN a.event_type = 'workflow_executed' THEN COALESCE(a.metadata->>'workflow_name', '') ELSE '' END) = g.workflow_name
             AND (CASE WHEN a.event_type = 'workflow_executed' THEN COALESCE(a.metadata->>'status', '') ELSE '' END) = g.status
            GROUP BY 1, 2, 3, 4, 5, 6
        ) recount
        WHERE r.hour = recount.hour AND r.event_type = recount.event_type AND r.event_category = recount.event_category
          AND r.error_type = recount.error_type AND r.workflow_name = recount.workflow_name AND r.status = recount.status;
        UPDATE email_activity_daily_rollup r SET
            first_occurrence = hours.first_occurrence,
            last_occurrence = hours.last_occurrence
        FROM (
            SELECT h.hour::date AS day, h.event_type, h.event_category, h.error_type, h.workflow_name, h.status,
                   MIN(h.first_occurrence) AS first_occurrence, MAX(h.last_occurrence) AS last_occurrence
            FROM email_activity_hourly_rollup h
            WHERE h.hour::date IN (SELECT DISTINCT created_at::date FROM changed_rows WHERE created_at IS NOT NULL)
            GROUP BY 1, 2, 3, 4, 5, 6
        ) hours
        WHERE r.day = hours.day AND r.event_type = hours.event_type AND r.event_category = hours.event_category
          AND r.error_type = hours.error_type AND r.workflow_name = hours.workflow_name AND r.status = hours.status;
    END IF;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION mailtrail_rollup_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE email_activity_daily_rollup, email_workflow_duration_rollup,
             email_activity_hourly_rollup, email_workflow_duration_hourly_rollup;
    RETURN NULL;
END;
$$;

-- The hours of the rows already in the log.
TRUNCATE email_activity_hourly_rollup, email_workflow_duration_hourly_rollup;
INSERT INTO email_activity_hourly_rollup
    (hour, event_type, event_category, error_type, workflow_name, status, count, first_occurrence, last_occurrence)
SELECT date_trunc('hour', created_at),
       event_type,
       event_category,
       CASE WHEN event_type = 'error' THEN COALESCE(metadata->>'error_type', '') ELSE '' END,
       CASE WHEN event_type = 'workflow_executed' THEN COALESCE(metadata->>'workflow_name', '') ELSE '' END,
       CASE WHEN event_type = 'workflow_executed' THEN COALESCE(metadata->>'status', '') ELSE '' END,
       COUNT(*), MIN(created_at), MAX(created_at)
FROM email_activity_log
WHERE created_at IS NOT NULL
GROUP BY 1, 2, 3, 4, 5, 6;
INSERT INTO email_workflow_duration_hourly_rollup (hour, workflow_name, bucket, count)
SELECT date_trunc('hour', created_at),
       COALESCE(metadata->>'workflow_name', ''),
       mailtrail_duration_bucket(mailtrail_int_or_null(metadata->>'execution_time_ms')),
       COUNT(*)
FROM email_activity_log
WHERE event_type = 'workflow_executed' AND created_at IS NOT NULL
  AND mailtrail_int_or_null(metadata->>'execution_time_ms') IS NOT NULL
GROUP BY 1, 2, 3;
