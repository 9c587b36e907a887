-- The admin journal (issue 13, item 1): every write through the admin connection leaves a row here,
-- inserted before the write as 'started' and given its outcome after it, so a write killed halfway
-- still shows. A new, small table (admin writes are rare): creating it blocks nothing of the hub's.
CREATE TABLE IF NOT EXISTS mailtrail_admin_journal (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    actor TEXT NOT NULL CHECK (actor <> ''),
    action TEXT NOT NULL CHECK (action ~ '^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)*$'),
    parameters JSONB NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(parameters) = 'object'),
    outcome TEXT NOT NULL DEFAULT 'started' CHECK (outcome IN ('started', 'succeeded', 'cancelled', 'failed', 'refused')),
    error TEXT,
    finished_at TIMESTAMPTZ,
    -- An outcome is recorded exactly when the write finished.
    CHECK ((outcome = 'started') = (finished_at IS NULL))
);

-- The journal is read newest first by id (the primary key); filters on actor and action look at
-- a table of a few thousand rows a year, so they need no index of their own.
COMMENT ON TABLE mailtrail_admin_journal IS 'Mailtrail: who wrote what through the admin connection, when, and with what outcome';
