-- mailtrail: no-transaction
-- Indexes for searching the whole log (issue 12, item 1): free text in descriptions through a
-- trigram index, metadata through jsonb containment. Built CONCURRENTLY so a live hub's writers
-- are never blocked; see migrate.ts for how an interrupted build is resumed.

-- Trusted since PostgreSQL 13: the database owner may create it. Without rights or without the
-- contrib package the hub keeps today's bounded scan, and the trigram index below is skipped.
DO $$
BEGIN
  CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'pg_trgm is not available (%); text search keeps the bounded scan', SQLERRM;
END
$$;

-- mailtrail: requires pg_trgm
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_email_activity_log_description_trgm
    ON email_activity_log USING gin (description gin_trgm_ops);

CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_email_activity_log_metadata_path
    ON email_activity_log USING gin (metadata jsonb_path_ops);
