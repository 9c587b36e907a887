-- Converts one hub table, email_activity_log or email_activity_log_archive, to monthly range
-- partitions on created_at, in one transaction (see docs/partitioning.md for when to use it and the
-- zero-copy alternative). Run it as the table's owner, with the hub's writers stopped:
--
--   psql "$DATABASE_URL" -v ON_ERROR_STOP=1 \
--     -c "SET mailtrail.partition_table = 'email_activity_log'" -f docs/partition-by-month.sql
--
-- mailtrail.partition_default = on also creates a DEFAULT partition for events outside the months
-- created (a concurrent detach is then not possible: see docs/partitioning.md). Months are created
-- from the oldest event's to three months ahead; create later ones as they come (pg_partman or cron).
-- The tests run this very file (tests/integration/retention-partitions.test.ts).
DO $convert$
DECLARE
    t CONSTANT TEXT := current_setting('mailtrail.partition_table');
    old CONSTANT TEXT := t || '_unpartitioned';
    with_default CONSTANT BOOLEAN := COALESCE(NULLIF(current_setting('mailtrail.partition_default', TRUE), ''), 'off')::BOOLEAN;
    index_defs TEXT[];
    trigger_defs TEXT[];
    view_names TEXT[];
    view_defs TEXT[];
    grants TEXT[];
    statement TEXT;
    month TIMESTAMP;
    last_month TIMESTAMP;
    sequence_name TEXT;
    undated BIGINT;
BEGIN
    IF t NOT IN ('email_activity_log', 'email_activity_log_archive') THEN
        RAISE EXCEPTION 'set mailtrail.partition_table to email_activity_log or email_activity_log_archive (it is %)', t;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_partitioned_table WHERE partrelid = t::regclass) THEN
        RAISE NOTICE '% is partitioned already', t;
        RETURN;
    END IF;
    -- The partition key is part of the primary key, so it cannot be NULL.
    EXECUTE format('SELECT COUNT(*) FROM %I WHERE created_at IS NULL', t) INTO undated;
    IF undated > 0 THEN
        RAISE EXCEPTION '% has % events without created_at; give them one (or move them out) first', t, undated;
    END IF;

    -- What is made again on the new table: every index but the primary key (which must now include
    -- created_at), the triggers (Mailtrail's rollups), the views reading it (the seed's
    -- email_timeline), and the grants of table and views.
    SELECT array_agg(i.indexdef) INTO index_defs
    FROM pg_indexes i
    WHERE i.schemaname = current_schema() AND i.tablename = t
      AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conrelid = t::regclass AND c.contype = 'p' AND c.conname = i.indexname);
    SELECT array_agg(pg_get_triggerdef(oid)) INTO trigger_defs FROM pg_trigger WHERE tgrelid = t::regclass AND NOT tgisinternal;
    SELECT array_agg(v.relname ORDER BY v.oid), array_agg(format('CREATE VIEW %I AS %s', v.relname, pg_get_viewdef(v.oid)) ORDER BY v.oid)
    INTO view_names, view_defs
    FROM (SELECT DISTINCT v.oid, v.relname
          FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid JOIN pg_class v ON v.oid = r.ev_class
          WHERE d.refobjid = t::regclass AND v.relkind = 'v' AND v.oid <> t::regclass) v;
    SELECT array_agg(format('GRANT %s ON %I TO %s', a.privilege_type, c.relname,
                            CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(a.grantee::regrole::text) END))
    INTO grants
    FROM pg_class c, aclexplode(c.relacl) a
    WHERE (c.oid = t::regclass OR c.relname = ANY (COALESCE(view_names, '{}'))) AND c.relnamespace = current_schema()::regnamespace
      AND a.grantee <> c.relowner;

    FOREACH statement IN ARRAY COALESCE(view_names, '{}') LOOP
        EXECUTE format('DROP VIEW %I', statement);
    END LOOP;
    EXECUTE format('ALTER TABLE %I RENAME TO %I', t, old);
    EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMMENTS) PARTITION BY RANGE (created_at)', t, old);
    EXECUTE format('ALTER TABLE %I ADD PRIMARY KEY (id, created_at)', t);

    EXECUTE format('SELECT date_trunc(''month'', COALESCE(MIN(created_at), LOCALTIMESTAMP)), date_trunc(''month'', GREATEST(MAX(created_at), LOCALTIMESTAMP)) FROM %I', old)
    INTO month, last_month;
    WHILE month <= last_month + INTERVAL '3 months' LOOP
        EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)', t || to_char(month, '_YYYY_MM'), t, month, month + INTERVAL '1 month');
        month := month + INTERVAL '1 month';
    END LOOP;
    IF with_default THEN
        EXECUTE format('CREATE TABLE %I PARTITION OF %I DEFAULT', t || '_default', t);
    END IF;

    -- Rows go to their months; the triggers are not on the new table yet, and the rollups already count these rows.
    EXECUTE format('INSERT INTO %I SELECT * FROM %I', t, old);
    -- The log's id sequence (SERIAL) belongs to the old table: it must outlive it.
    sequence_name := pg_get_serial_sequence(old, 'id');
    IF sequence_name IS NOT NULL THEN
        EXECUTE format('ALTER SEQUENCE %s OWNED BY %I.id', sequence_name, t);
    END IF;
    EXECUTE format('DROP TABLE %I', old);

    FOREACH statement IN ARRAY COALESCE(index_defs, '{}') || COALESCE(trigger_defs, '{}') || COALESCE(view_defs, '{}') || COALESCE(grants, '{}') LOOP
        EXECUTE statement;
    END LOOP;
END
$convert$;
