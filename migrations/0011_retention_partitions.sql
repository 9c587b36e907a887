-- Retention's partition path (issue 13, item 7; src-main/retention/partitions.ts): where the log or
-- the archive is range-partitioned by month, a purge detaches and drops whole months. A partition is
-- written here before it is detached and removed in the transaction that drops it, so a run killed
-- between detach and drop finds it and finishes it next time.
CREATE TABLE IF NOT EXISTS mailtrail_retention_detached (
    partition_name TEXT PRIMARY KEY,
    parent_table TEXT NOT NULL,
    -- pg_get_expr(relpartbound): to attach it again if a legal hold arrived between detach and drop.
    bound TEXT NOT NULL,
    run_id BIGINT NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
