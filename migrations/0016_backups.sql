-- Backup jobs (issue 17, docs/backup-jobs.md): scheduled backups of Mailtrail's tables, their history
-- and the notifications they sent. The backup file itself is src-main/backup/backup-run.ts's.
-- No secrets here: SMTP credentials come from MAILTRAIL_SMTP_URL, as the workflow engine's notify.

-- One row per job. schedule is a cron expression (croner's dialect) read in time_zone; next_run_at is
-- the slot the runners claim (UPDATE … WHERE next_run_at = the one read), so one slot runs once.
CREATE TABLE IF NOT EXISTS mailtrail_backup_jobs (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL CHECK (name <> ''),
    schedule TEXT NOT NULL CHECK (schedule <> ''),
    time_zone TEXT NOT NULL DEFAULT 'UTC',
    destination TEXT NOT NULL CHECK (destination <> ''),
    -- NULL keeps every backup by that rule; with both NULL nothing is pruned.
    keep_last INTEGER CHECK (keep_last BETWEEN 1 AND 10000),
    keep_days INTEGER CHECK (keep_days BETWEEN 1 AND 36500),
    verify_after BOOLEAN NOT NULL DEFAULT TRUE,
    notify_webhook_url TEXT,
    notify_emails TEXT[] NOT NULL DEFAULT '{}',
    -- Failures and silence always notify where a channel is set; success only when asked.
    notify_on_success BOOLEAN NOT NULL DEFAULT FALSE,
    -- The dead-man's switch: no successful backup for this many hours notifies, even when nothing ran.
    dead_man_hours INTEGER CHECK (dead_man_hours BETWEEN 1 AND 8760),
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    next_run_at TIMESTAMPTZ,
    -- The start of the silence last notified (the last success, else created_at): once per silence.
    silence_notified_for TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    deleted_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX IF NOT EXISTS mailtrail_backup_jobs_name ON mailtrail_backup_jobs (lower(name)) WHERE deleted_at IS NULL;

-- One row per run: a run in progress is `running`; one whose runner died is failed by the next runner
-- that takes the job's lock. rows is the manifest's total; verification passed|failed|running, or NULL.
-- job_id has no foreign key: a restore copies the tables in its own order (jobs are only soft-deleted).
CREATE TABLE IF NOT EXISTS mailtrail_backup_history (
    id BIGSERIAL PRIMARY KEY,
    job_id BIGINT,
    trigger TEXT NOT NULL CHECK (trigger IN ('schedule', 'manual')),
    actor TEXT NOT NULL,
    started_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    finished_at TIMESTAMPTZ,
    status TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed')),
    destination TEXT NOT NULL,
    file TEXT,
    bytes BIGINT,
    rows BIGINT,
    tables INTEGER,
    duration_ms BIGINT,
    verification TEXT CHECK (verification IN ('running', 'passed', 'failed')),
    verified_at TIMESTAMPTZ,
    restore_tested BOOLEAN,
    verify_problems JSONB,
    error TEXT,
    pruned_at TIMESTAMPTZ
);
-- At most one run of a job at a time, whatever process started it (the advisory lock's second line).
CREATE UNIQUE INDEX IF NOT EXISTS mailtrail_backup_history_running ON mailtrail_backup_history (job_id) WHERE status = 'running';
CREATE INDEX IF NOT EXISTS mailtrail_backup_history_job ON mailtrail_backup_history (job_id, id);

-- Each notification sent, per channel: the idempotency id is the same on every attempt and every process.
CREATE TABLE IF NOT EXISTS mailtrail_backup_notifications (
    id BIGSERIAL PRIMARY KEY,
    idempotency_id TEXT NOT NULL,
    job_id BIGINT,
    history_id BIGINT,
    kind TEXT NOT NULL CHECK (kind IN ('success', 'failure', 'silence')),
    channel TEXT NOT NULL CHECK (channel IN ('webhook', 'email', 'desktop')),
    target TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    delivered BOOLEAN NOT NULL DEFAULT FALSE,
    error TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    delivered_at TIMESTAMPTZ,
    UNIQUE (idempotency_id, channel, target)
);
