-- The seed's email activity log: table, its four indexes, the archive, log_email_event() and
-- the email_timeline view. Each is created only where absent, so a hub database keeps its own.

CREATE TABLE IF NOT EXISTS email_activity_log (
    id SERIAL PRIMARY KEY,
    email_id INTEGER NOT NULL,
    event_type VARCHAR(50) NOT NULL,
    event_category VARCHAR(30) NOT NULL,
    description TEXT NOT NULL,
    metadata JSONB,
    user_id INTEGER,
    created_at TIMESTAMP DEFAULT NOW(),
    created_by VARCHAR(255)
);

CREATE INDEX IF NOT EXISTS idx_email_activity_log_email_id ON email_activity_log (email_id);
CREATE INDEX IF NOT EXISTS idx_email_activity_log_event_type ON email_activity_log (event_type);
CREATE INDEX IF NOT EXISTS idx_email_activity_log_created_at ON email_activity_log (created_at);
CREATE INDEX IF NOT EXISTS idx_email_activity_log_event_category ON email_activity_log (event_category);

-- Same columns in the same order, so the seed's `INSERT ... SELECT *` archives a row whole.
CREATE TABLE IF NOT EXISTS email_activity_log_archive (
    id INTEGER PRIMARY KEY,
    email_id INTEGER NOT NULL,
    event_type VARCHAR(50) NOT NULL,
    event_category VARCHAR(30) NOT NULL,
    description TEXT NOT NULL,
    metadata JSONB,
    user_id INTEGER,
    created_at TIMESTAMP,
    created_by VARCHAR(255)
);

DO $$
BEGIN
    IF to_regprocedure('log_email_event(integer, character varying, character varying, text, jsonb, integer, character varying)') IS NULL THEN
        CREATE FUNCTION log_email_event(
            p_email_id INTEGER,
            p_event_type VARCHAR(50),
            p_event_category VARCHAR(30),
            p_description TEXT,
            p_metadata JSONB DEFAULT NULL,
            p_user_id INTEGER DEFAULT NULL,
            p_created_by VARCHAR(255) DEFAULT 'system'
        ) RETURNS INTEGER
        LANGUAGE plpgsql AS $fn$
        DECLARE
            v_id INTEGER;
        BEGIN
            INSERT INTO email_activity_log
                (email_id, event_type, event_category, description, metadata, user_id, created_by)
            VALUES
                (p_email_id, p_event_type, p_event_category, p_description, p_metadata, p_user_id, p_created_by)
            RETURNING id INTO v_id;
            RETURN v_id;
        END;
        $fn$;
    END IF;

    IF to_regclass('email_timeline') IS NULL THEN
        CREATE VIEW email_timeline AS
        SELECT
            a.id,
            a.email_id,
            a.event_type,
            a.event_category,
            a.description,
            a.metadata,
            a.user_id,
            COALESCE(u.full_name, u.username) AS user_name,
            a.created_at,
            a.created_by,
            e.subject AS email_subject,
            e.sender_email
        FROM email_activity_log a
        LEFT JOIN users u ON u.id = a.user_id
        LEFT JOIN email_messages e ON e.id = a.email_id;
    END IF;
END
$$;
