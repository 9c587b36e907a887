-- What makes Mailtrail's screens fast at ten million events: indexes that match each filter and
-- sort of the activity lists, a partial index for the slowest workflow runs, and daily rollups kept
-- current by statement-level triggers (one aggregate per statement, so COPY stays fast).

-- A metadata value as an integer, or NULL when it is not one: an index or trigger must never make
-- the hub's own INSERT fail on a malformed value.
CREATE OR REPLACE FUNCTION mailtrail_int_or_null(value TEXT) RETURNS INTEGER
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN value ~ '^\s*-?\d{1,9}\s*$' THEN value::integer END
$$;

-- Keyset order (created_at, id) within each filter dimension.
CREATE INDEX IF NOT EXISTS idx_email_activity_log_email_id_created_at ON email_activity_log (email_id, created_at, id);
CREATE INDEX IF NOT EXISTS idx_email_activity_log_created_at_id ON email_activity_log (created_at, id);
CREATE INDEX IF NOT EXISTS idx_email_activity_log_event_type_created_at ON email_activity_log (event_type, created_at, id);
CREATE INDEX IF NOT EXISTS idx_email_activity_log_event_category_created_at ON email_activity_log (event_category, created_at, id);
CREATE INDEX IF NOT EXISTS idx_email_activity_log_user_id_created_at ON email_activity_log (user_id, created_at, id) WHERE user_id IS NOT NULL;

-- The seed's "Performance Monitoring": slowest workflow executions first.
CREATE INDEX IF NOT EXISTS idx_email_activity_log_workflow_execution_time ON email_activity_log
    (mailtrail_int_or_null(metadata->>'execution_time_ms') DESC NULLS LAST, id)
    WHERE event_type = 'workflow_executed';

-- Counts per day and per the dimensions the analytics screens group by. The empty string stands
-- for "not applicable" because key columns cannot be NULL.
CREATE TABLE IF NOT EXISTS email_activity_daily_rollup (
    day DATE NOT NULL,
    event_type VARCHAR(50) NOT NULL,
    event_category VARCHAR(30) NOT NULL,
    error_type TEXT NOT NULL,
    workflow_name TEXT NOT NULL,
    status TEXT NOT NULL,
    count BIGINT NOT NULL,
    first_occurrence TIMESTAMP,
    last_occurrence TIMESTAMP,
    PRIMARY KEY (day, event_type, event_category, error_type, workflow_name, status)
);

-- Workflow execution times as a histogram with two buckets per doubling, for p50/p95 per workflow.
CREATE TABLE IF NOT EXISTS email_workflow_duration_rollup (
    day DATE NOT NULL,
    workflow_name TEXT NOT NULL,
    bucket SMALLINT NOT NULL,
    count BIGINT NOT NULL,
    PRIMARY KEY (day, workflow_name, bucket)
);

-- Bucket b holds execution times in [2^(b/2) - 1, 2^((b+1)/2) - 1) ms.
CREATE OR REPLACE FUNCTION mailtrail_duration_bucket(execution_time_ms INTEGER) RETURNS SMALLINT
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT floor(2 * log(2, greatest(execution_time_ms, 0) + 1))::smallint
$$;

-- Adds (argument 1) or subtracts (argument -1) the rows of one statement, seen through the
-- transition table `changed_rows`. Groups are written in key order so concurrent writers cannot deadlock.
CREATE OR REPLACE FUNCTION mailtrail_rollup_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    direction CONSTANT INTEGER := TG_ARGV[0]::integer;
BEGIN
    INSERT INTO email_activity_daily_rollup AS r
        (day, event_type, event_category, error_type, workflow_name, status, count, first_occurrence, last_occurrence)
    SELECT * FROM (
        SELECT COALESCE(created_at::date, '-infinity'::date) AS day,
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
        ORDER BY 1, 2, 3, 4, 5, 6
    ) grouped
    ON CONFLICT (day, event_type, event_category, error_type, workflow_name, status) DO UPDATE SET
        count = r.count + EXCLUDED.count,
        first_occurrence = CASE WHEN direction > 0 THEN LEAST(r.first_occurrence, EXCLUDED.first_occurrence) ELSE r.first_occurrence END,
        last_occurrence = CASE WHEN direction > 0 THEN GREATEST(r.last_occurrence, EXCLUDED.last_occurrence) ELSE r.last_occurrence END;

    INSERT INTO email_workflow_duration_rollup AS r (day, workflow_name, bucket, count)
    SELECT * FROM (
        SELECT COALESCE(created_at::date, '-infinity'::date) AS day,
               COALESCE(metadata->>'workflow_name', '') AS workflow_name,
               mailtrail_duration_bucket(mailtrail_int_or_null(metadata->>'execution_time_ms')) AS bucket,
               direction * COUNT(*) AS count
        FROM changed_rows
        WHERE event_type = 'workflow_executed' AND mailtrail_int_or_null(metadata->>'execution_time_ms') IS NOT NULL
        GROUP BY 1, 2, 3
        ORDER BY 1, 2, 3
    ) grouped
    ON CONFLICT (day, workflow_name, bucket) DO UPDATE SET count = r.count + EXCLUDED.count;

    IF direction < 0 THEN
        DELETE FROM email_activity_daily_rollup WHERE count <= 0;
        DELETE FROM email_workflow_duration_rollup WHERE count <= 0;
        -- A group that lost rows but not all of them: its first and last occurrence come from the log,
        -- one day at a time through the created_at index.
        UPDATE email_activity_daily_rollup r SET
            first_occurrence = recount.first_occurrence,
            last_occurrence = recount.last_occurrence
        FROM (
            SELECT g.day, g.event_type, g.event_category, g.error_type, g.workflow_name, g.status,
                   MIN(a.created_at) AS first_occurrence, MAX(a.created_at) AS last_occurrence
            FROM (SELECT DISTINCT COALESCE(created_at::date, '-infinity'::date) AS day, event_type, event_category,
                         CASE WHEN event_type = 'error' THEN COALESCE(metadata->>'error_type', '') ELSE '' END AS error_type,
                         CASE WHEN event_type = 'workflow_executed' THEN COALESCE(metadata->>'workflow_name', '') ELSE '' END AS workflow_name,
                         CASE WHEN event_type = 'workflow_executed' THEN COALESCE(metadata->>'status', '') ELSE '' END AS status
                  FROM changed_rows) g
            JOIN email_activity_log a
              ON a.created_at >= g.day AND a.created_at < g.day + 1
             AND a.event_type = g.event_type AND a.event_category = g.event_category
             AND (CASE WHEN a.event_type = 'error' THEN COALESCE(a.metadata->>'error_type', '') ELSE '' END) = g.error_type
             AND (CASE WHEN a.event_type = 'workflow_executed' THEN COALESCE(a.metadata->>'workflow_name', '') ELSE '' END) = g.workflow_name
             AND (CASE WHEN a.event_type = 'workflow_executed' THEN COALESCE(a.metadata->>'status', '') ELSE '' END) = g.status
            GROUP BY 1, 2, 3, 4, 5, 6
        ) recount
        WHERE r.day = recount.day AND r.event_type = recount.event_type AND r.event_category = recount.event_category
          AND r.error_type = recount.error_type AND r.workflow_name = recount.workflow_name AND r.status = recount.status;
    END IF;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION mailtrail_rollup_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE email_activity_daily_rollup, email_workflow_duration_rollup;
    RETURN NULL;
END;
$$;

-- An UPDATE is its old rows taken out and its new rows put in.
DROP TRIGGER IF EXISTS mailtrail_rollup_insert ON email_activity_log;
CREATE TRIGGER mailtrail_rollup_insert AFTER INSERT ON email_activity_log
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION mailtrail_rollup_trigger('1');
DROP TRIGGER IF EXISTS mailtrail_rollup_delete ON email_activity_log;
CREATE TRIGGER mailtrail_rollup_delete AFTER DELETE ON email_activity_log
    REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION mailtrail_rollup_trigger('-1');
DROP TRIGGER IF EXISTS mailtrail_rollup_update_old ON email_activity_log;
CREATE TRIGGER mailtrail_rollup_update_old AFTER UPDATE ON email_activity_log
    REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION mailtrail_rollup_trigger('-1');
DROP TRIGGER IF EXISTS mailtrail_rollup_update_new ON email_activity_log;
CREATE TRIGGER mailtrail_rollup_update_new AFTER UPDATE ON email_activity_log
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION mailtrail_rollup_trigger('1');
DROP TRIGGER IF EXISTS mailtrail_rollup_truncate ON email_activity_log;
CREATE TRIGGER mailtrail_rollup_truncate AFTER TRUNCATE ON email_activity_log
    FOR EACH STATEMENT EXECUTE FUNCTION mailtrail_rollup_truncate();

-- The rows already in the log, counted once.
TRUNCATE email_activity_daily_rollup, email_workflow_duration_rollup;
INSERT INTO email_activity_daily_rollup
    (day, event_type, event_category, error_type, workflow_name, status, count, first_occurrence, last_occurrence)
SELECT COALESCE(created_at::date, '-infinity'::date),
       event_type,
       event_category,
       CASE WHEN event_type = 'error' THEN COALESCE(metadata->>'error_type', '') ELSE '' END,
       CASE WHEN event_type = 'workflow_executed' THEN COALESCE(metadata->>'workflow_name', '') ELSE '' END,
       CASE WHEN event_type = 'workflow_executed' THEN COALESCE(metadata->>'status', '') ELSE '' END,
       COUNT(*), MIN(created_at), MAX(created_at)
FROM email_activity_log
GROUP BY 1, 2, 3, 4, 5, 6;
INSERT INTO email_workflow_duration_rollup (day, workflow_name, bucket, count)
SELECT COALESCE(created_at::date, '-infinity'::date),
       COALESCE(metadata->>'workflow_name', ''),
       mailtrail_duration_bucket(mailtrail_int_or_null(metadata->>'execution_time_ms')),
       COUNT(*)
FROM email_activity_log
WHERE event_type = 'workflow_executed' AND mailtrail_int_or_null(metadata->>'execution_time_ms') IS NOT NULL
GROUP BY 1, 2, 3;
