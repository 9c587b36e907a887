-- Real roles (issue 13): a retention batch locks its candidates with FOR UPDATE SKIP LOCKED, and
-- PostgreSQL asks UPDATE privilege for that. The admin role (src-main/db/roles.ts) may delete
-- events but never update them, so the candidates are chosen and locked here, as the tables'
-- owner; the admin role may only execute this. Only the log and the archive can be named.
CREATE OR REPLACE FUNCTION mailtrail_retention_candidates(
    from_archive BOOLEAN,
    cutoff TIMESTAMP,
    after_created_at TIMESTAMP,
    after_id INTEGER,
    id_limit BIGINT,
    batch_size INTEGER
) RETURNS SETOF INTEGER
LANGUAGE plpgsql SECURITY DEFINER
-- The migration's own search path: the tables it names are the ones the migrations made.
SET search_path FROM CURRENT
AS $$
BEGIN
    -- EXECUTE: planned with this batch's values, as the statement was before it moved here.
    RETURN QUERY EXECUTE format(
        'SELECT e.id FROM %I e
         WHERE e.created_at < $1 AND (e.created_at, e.id) > ($2, $3) AND e.id <= $4
           AND NOT EXISTS (SELECT 1 FROM mailtrail_legal_holds h WHERE h.email_id = e.email_id AND h.released_at IS NULL)
         ORDER BY e.created_at, e.id LIMIT $5
         FOR UPDATE SKIP LOCKED',
        CASE WHEN from_archive THEN 'email_activity_log_archive' ELSE 'email_activity_log' END)
    USING cutoff, after_created_at, after_id, id_limit, batch_size;
END;
$$;

REVOKE ALL ON FUNCTION mailtrail_retention_candidates(BOOLEAN, TIMESTAMP, TIMESTAMP, INTEGER, BIGINT, INTEGER) FROM PUBLIC;
