-- Retention (issue 13): the policy, legal holds and the record of each run, beside the seed's
-- email_activity_log_archive (0002). The run itself lives in src-main/retention/run.ts.

-- One row: archive events older than archive_after_days, purge those older than purge_after_days.
-- NULL turns that action off. The seed's defaults are 30 and 90 days.
CREATE TABLE IF NOT EXISTS mailtrail_retention_policy (
    singleton BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),
    archive_after_days INTEGER CHECK (archive_after_days BETWEEN 1 AND 36500),
    purge_after_days INTEGER CHECK (purge_after_days BETWEEN 1 AND 36500),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_by TEXT NOT NULL,
    -- Purging before archiving would delete events the archive is meant to keep.
    CHECK (archive_after_days IS NULL OR purge_after_days IS NULL OR purge_after_days >= archive_after_days)
);
INSERT INTO mailtrail_retention_policy (singleton, archive_after_days, purge_after_days, updated_by)
VALUES (TRUE, 30, 90, 'migration 0008')
ON CONFLICT (singleton) DO NOTHING;

-- A legal hold exempts all events of an email, in the log and the archive, until released
-- explicitly; it never expires. Released holds stay as the record of who held what and when.
CREATE TABLE IF NOT EXISTS mailtrail_legal_holds (
    id BIGSERIAL PRIMARY KEY,
    email_id INTEGER NOT NULL,
    reason TEXT NOT NULL CHECK (reason <> ''),
    held_by TEXT NOT NULL,
    held_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    released_by TEXT,
    released_at TIMESTAMPTZ,
    CHECK ((released_by IS NULL) = (released_at IS NULL))
);
-- At most one active hold per email; the runs look holds up by email_id.
CREATE UNIQUE INDEX IF NOT EXISTS mailtrail_legal_holds_active ON mailtrail_legal_holds (email_id) WHERE released_at IS NULL;

-- Each run: who started it, the policy and cutoffs it works to (computed once, in the database's
-- clock and zone, and kept when a killed or cancelled run is resumed), what it did, and how far
-- it got. A dry run records nothing.
CREATE TABLE IF NOT EXISTS mailtrail_retention_runs (
    id BIGSERIAL PRIMARY KEY,
    started_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    finished_at TIMESTAMPTZ,
    actor TEXT NOT NULL,
    archive_after_days INTEGER,
    purge_after_days INTEGER,
    -- Zoneless like the log's created_at, in time_zone.
    archive_cutoff TIMESTAMP,
    purge_cutoff TIMESTAMP,
    time_zone TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed', 'cancelled')),
    error TEXT,
    -- Where a resumed run continues: the phase, and the last (created_at, id) it finished in that
    -- phase. Batches go in time order, so each touches few hours of the rollups.
    phase TEXT NOT NULL DEFAULT 'archive' CHECK (phase IN ('archive', 'purge_archive', 'purge_log', 'done')),
    watermark_created_at TIMESTAMP NOT NULL DEFAULT '-infinity',
    watermark BIGINT NOT NULL DEFAULT 0,
    -- Events written after the run started are not its business: ids above this are left alone.
    id_limit BIGINT NOT NULL,
    planned_archive_events BIGINT NOT NULL DEFAULT 0,
    planned_archive_emails BIGINT NOT NULL DEFAULT 0,
    planned_purge_events BIGINT NOT NULL DEFAULT 0,
    held_events BIGINT NOT NULL DEFAULT 0,
    held_emails BIGINT NOT NULL DEFAULT 0,
    archived_events BIGINT NOT NULL DEFAULT 0,
    purged_archive_events BIGINT NOT NULL DEFAULT 0,
    purged_log_events BIGINT NOT NULL DEFAULT 0,
    resumed INTEGER NOT NULL DEFAULT 0,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
-- One run at a time, even past the advisory lock.
CREATE UNIQUE INDEX IF NOT EXISTS mailtrail_retention_runs_one_running ON mailtrail_retention_runs ((TRUE)) WHERE status = 'running';

-- The purge finds archived events by age, and holds and the timeline find them by email.
CREATE INDEX IF NOT EXISTS idx_email_activity_log_archive_created_at ON email_activity_log_archive (created_at, id);
CREATE INDEX IF NOT EXISTS idx_email_activity_log_archive_email_id ON email_activity_log_archive (email_id, created_at, id);
