-- The workflow engine (issue 16, docs/workflows.md): what `mailtrail worker` needs beside the seed's
-- workflow tables of 0001. Every statement is idempotent; the hub's own tables are only added to.
-- pg-boss's own schema and queues come from the code migration 0015_workflow_queue (migrate.ts).

-- Each (workflow, triggering classified event) runs once: the watcher inserts the execution under
-- this key, so a re-read event, a second worker or a restart cannot start a second one.
ALTER TABLE email_workflow_executions ADD COLUMN IF NOT EXISTS trigger_event_id INTEGER;
CREATE UNIQUE INDEX IF NOT EXISTS email_workflow_executions_trigger
    ON email_workflow_executions (workflow_id, trigger_event_id);
-- Execution history per workflow and per email, newest first (the CRUD API's keyset pages).
CREATE INDEX IF NOT EXISTS email_workflow_executions_workflow ON email_workflow_executions (workflow_id, id);
CREATE INDEX IF NOT EXISTS email_workflow_executions_email ON email_workflow_executions (email_id, id);

-- One row per step of an execution. outcome: running, succeeded or failed; a retried execution
-- skips the steps that succeeded, and `attempts` counts how often a step was begun.
CREATE TABLE IF NOT EXISTS email_workflow_execution_steps (
    execution_id INTEGER NOT NULL,
    step_index INTEGER NOT NULL,
    action VARCHAR(100) NOT NULL,
    params JSONB NOT NULL DEFAULT '{}'::jsonb,
    started_at TIMESTAMP,
    finished_at TIMESTAMP,
    outcome VARCHAR(20) NOT NULL DEFAULT 'running',
    attempts INTEGER NOT NULL DEFAULT 0,
    result_json JSONB,
    error_message TEXT,
    PRIMARY KEY (execution_id, step_index)
);

-- Where the watcher has read the log to. Every classified event with an id at or below `watermark`
-- has been matched; `pending_*` is the next watermark, taken once every transaction that was open
-- when it was read (xid below pending_next_xid) has ended, since ids commit out of order.
CREATE TABLE IF NOT EXISTS mailtrail_workflow_watcher (
    singleton BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),
    watermark BIGINT NOT NULL,
    pending_max_id BIGINT,
    pending_next_xid BIGINT,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
-- Events logged before the engine existed are history, not work: the watcher starts at today's end.
INSERT INTO mailtrail_workflow_watcher (watermark)
SELECT COALESCE(MAX(id), 0) FROM email_activity_log
ON CONFLICT (singleton) DO NOTHING;

-- What the built-in actions write, where the hub has no table of its own for it.
CREATE TABLE IF NOT EXISTS email_entities (
    id SERIAL PRIMARY KEY,
    entity_type VARCHAR(50) NOT NULL,
    name VARCHAR(255) NOT NULL,
    domain VARCHAR(255),
    created_at TIMESTAMP DEFAULT NOW()
);
CREATE UNIQUE INDEX IF NOT EXISTS email_entities_type_domain ON email_entities (entity_type, lower(domain));

CREATE TABLE IF NOT EXISTS email_entity_links (
    id SERIAL PRIMARY KEY,
    email_id INTEGER NOT NULL,
    entity_type VARCHAR(50) NOT NULL,
    entity_id INTEGER NOT NULL,
    entity_name VARCHAR(255),
    execution_id INTEGER,
    created_at TIMESTAMP DEFAULT NOW(),
    UNIQUE (email_id, entity_type, entity_id)
);

CREATE TABLE IF NOT EXISTS email_tickets (
    id SERIAL PRIMARY KEY,
    ticket_number VARCHAR(50) UNIQUE,
    email_id INTEGER NOT NULL,
    subject TEXT,
    priority VARCHAR(20) NOT NULL DEFAULT 'normal',
    status VARCHAR(20) NOT NULL DEFAULT 'open',
    execution_id INTEGER,
    created_at TIMESTAMP DEFAULT NOW()
);
CREATE INDEX IF NOT EXISTS email_tickets_email ON email_tickets (email_id);

CREATE TABLE IF NOT EXISTS email_invoices (
    id SERIAL PRIMARY KEY,
    email_id INTEGER NOT NULL,
    invoice_number VARCHAR(100),
    amount NUMERIC(14, 2),
    currency VARCHAR(3),
    due_date DATE,
    execution_id INTEGER,
    created_at TIMESTAMP DEFAULT NOW(),
    UNIQUE (email_id, invoice_number)
);

-- The action catalogue: one row per built-in handler (src-main/workflows/actions), kept by code.
INSERT INTO email_workflow_actions (action_code, name, description, category) VALUES
    ('set_status', 'Set status', 'Sets email_messages.status and logs status_changed', 'system'),
    ('extract_invoice', 'Extract invoice', 'Reads invoice number, amount, currency and due date from the subject and body; logs invoice_extracted', 'integration'),
    ('link_entity', 'Link vendor or customer', 'Links the email to a vendor or customer by sender domain or a given id; logs linked', 'integration'),
    ('create_ticket', 'Create ticket', 'Opens a support ticket for the email; logs ticket_created', 'integration'),
    ('notify', 'Notify', 'Posts a webhook or sends an e-mail; logs notification_sent', 'integration'),
    ('flag_bankruptcy', 'Flag bankruptcy', 'Matches bankruptcy keywords (konkurs, bankruptcy …) and records the matched text', 'rule')
ON CONFLICT (action_code) DO NOTHING;

-- The seed's three pre-configured workflows, where no workflow of that name exists. Thresholds and
-- priorities as the demo's (src-main/demo/catalogue.ts); a lower priority runs first.
INSERT INTO email_workflows (name, description, classification_trigger, confidence_threshold, workflow_steps, priority, enabled)
SELECT v.name, v.description, v.classification_trigger, v.confidence_threshold, v.workflow_steps::jsonb, v.priority, TRUE
FROM (VALUES
    ('Invoice Processing', 'Extracts the invoice, links the vendor and marks the email processed', 'invoice', 0.70,
     '[{"action": "extract_invoice", "params": {}},
       {"action": "link_entity", "params": {"entity_type": "vendor"}},
       {"action": "set_status", "params": {"status": "processed"}}]', 10, 1),
    ('Time Confirmation', 'Links the customer, opens a ticket for the confirmed hours and marks the email processed', 'time_confirmation', 0.75,
     '[{"action": "link_entity", "params": {"entity_type": "customer"}},
       {"action": "create_ticket", "params": {"priority": "normal"}},
       {"action": "set_status", "params": {"status": "processed"}}]', 20, 2),
    ('Bankruptcy Alert', 'Flags the bankruptcy notice, notifies finance and opens an urgent ticket', 'bankruptcy', 0.80,
     '[{"action": "flag_bankruptcy", "params": {}},
       {"action": "notify", "params": {"channel": "email", "to": "finance@bmc-hub.dk", "reason": "bankruptcy notice"}},
       {"action": "create_ticket", "params": {"priority": "urgent"}}]', 5, 3)
) AS v (name, description, classification_trigger, confidence_threshold, workflow_steps, priority, position)
WHERE NOT EXISTS (SELECT 1 FROM email_workflows w WHERE w.name = v.name)
ORDER BY v.position;
