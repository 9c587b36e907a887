-- Cancel (issue 13, item 4): a run is cancelled from any process (the Retention screen, another
-- `serve`), not only by the process running it. The runner reads these with each batch's
-- watermark and stops after the batch in flight; the run stays resumable, as a killed one does.
ALTER TABLE mailtrail_retention_runs
    ADD COLUMN IF NOT EXISTS cancel_requested_at TIMESTAMPTZ,
    ADD COLUMN IF NOT EXISTS cancel_requested_by TEXT;
