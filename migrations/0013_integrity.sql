-- Tamper evidence (issue 15): the sealed hash chain over the log's events, in Mailtrail's own
-- tables. The seed's email_activity_log stays as it is: no trigger, no column, nothing on the hub's
-- insert path. `mailtrail seal` (src-main/integrity/seal.ts) appends; `mailtrail verify` reads.
-- The design, in the seed's words: docs/integrity.md.

-- One entry per sealed event, numbered without gaps in the order the seals took them. The event's
-- canonical content is not copied, only its hashes: leaf_hash is RFC 6962's leaf hash of the event
-- (every column), column_prints 4 bytes per column to name which columns an edit changed, chain_hash
-- the previous entry's chain hash and this leaf hashed together. created_at is kept in clear so a
-- purge claim ("purged by run N") can be checked against the run's cutoff once the event is gone.
CREATE TABLE IF NOT EXISTS mailtrail_integrity_entries (
    seq BIGINT PRIMARY KEY,
    event_id INTEGER NOT NULL,
    created_at TIMESTAMP,
    leaf_hash BYTEA NOT NULL,
    column_prints BYTEA NOT NULL,
    chain_hash BYTEA NOT NULL
);
-- An event is sealed once; the seal's anti-join and verify's walk in id order go through it.
CREATE UNIQUE INDEX IF NOT EXISTS mailtrail_integrity_entries_event_id ON mailtrail_integrity_entries (event_id);

-- A signed checkpoint per seal (several for a large one): `body` is the canonical JSON that was
-- signed (range, Merkle root, chain hash, previous checkpoint's hash, time, key id, horizon); the
-- other columns repeat what the seal itself needs to find its place again.
CREATE TABLE IF NOT EXISTS mailtrail_integrity_checkpoints (
    checkpoint BIGINT PRIMARY KEY,
    first_seq BIGINT NOT NULL,
    last_seq BIGINT NOT NULL,
    sealed_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    key_id TEXT NOT NULL,
    body TEXT NOT NULL,
    checkpoint_hash BYTEA NOT NULL,
    signature BYTEA NOT NULL,
    -- Where the next seal starts looking (see docs/integrity.md, "The safe horizon"): unsigned, a
    -- wrong value can only make a seal look at more events or leave some for verify to report.
    max_event_id BIGINT NOT NULL,
    next_xid BIGINT NOT NULL,
    scan_floor BIGINT NOT NULL,
    CHECK (first_seq <= last_seq)
);

-- The public keys seals were made with, by key id. Not a trust anchor (whoever can write here can
-- add a key): verify trusts --key-pub or the head file, and says when it had only these.
CREATE TABLE IF NOT EXISTS mailtrail_integrity_keys (
    key_id TEXT PRIMARY KEY,
    public_key TEXT NOT NULL,
    added_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

-- The seam a purge leaves: entries whose events a retention run deleted, as runs of seq. Written in
-- the purging transaction (the row path's batch, or the dropping of a month's partition).
CREATE TABLE IF NOT EXISTS mailtrail_integrity_purged (
    run_id BIGINT NOT NULL,
    first_seq BIGINT NOT NULL,
    last_seq BIGINT NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    CHECK (first_seq <= last_seq)
);
CREATE INDEX IF NOT EXISTS mailtrail_integrity_purged_first_seq ON mailtrail_integrity_purged (first_seq);

-- A seal's safe horizon (docs/integrity.md), as the owner, because pg_stat_activity shows other
-- roles' transactions only to the privileged:
--   xmin: the oldest transaction of this snapshot still running, leaving out those known to run in
--         another database (xids are cluster-wide; their rows cannot land in this log). A
--         transaction that ended between the snapshot and this read stays in, which only holds back.
--   xmax: the snapshot's xmax: transactions from there on had not begun.
--   open_since: when the oldest transaction open in this database began. An event committed after
--         the seal cannot be dated before that (created_at defaults to its transaction's start), so
--         verify can tell a late commit from an event inserted into a sealed period.
CREATE OR REPLACE FUNCTION mailtrail_integrity_horizon(OUT xmin BIGINT, OUT xmax BIGINT, OUT open_since TIMESTAMP)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path FROM CURRENT
AS $$
    WITH snapshot AS (SELECT pg_current_snapshot() AS s),
    elsewhere AS (
        SELECT backend_xid FROM pg_stat_activity
        WHERE backend_xid IS NOT NULL AND datname IS DISTINCT FROM current_database()
    )
    SELECT COALESCE(
               (SELECT MIN(x::text::bigint) FROM snapshot, pg_snapshot_xip(snapshot.s) AS x
                WHERE ((x::text::bigint % 4294967296)::text::xid) NOT IN (SELECT backend_xid FROM elsewhere)),
               (SELECT pg_snapshot_xmax(s)::text::bigint FROM snapshot)),
           (SELECT pg_snapshot_xmax(s)::text::bigint FROM snapshot),
           (SELECT LEAST(now(), MIN(xact_start))::timestamp FROM pg_stat_activity
            WHERE datname = current_database() AND backend_type = 'client backend' AND xact_start IS NOT NULL)
$$;
REVOKE ALL ON FUNCTION mailtrail_integrity_horizon() FROM PUBLIC;
