-- The hub's own tables that the seed's view and summary name. A real hub database already has
-- them, so each is created only where absent, with the columns Mailtrail reads.

CREATE TABLE IF NOT EXISTS users (
    id SERIAL PRIMARY KEY,
    username VARCHAR(100) NOT NULL UNIQUE,
    full_name VARCHAR(255),
    email VARCHAR(255),
    created_at TIMESTAMP DEFAULT NOW()
);

CREATE TABLE IF NOT EXISTS email_messages (
    id SERIAL PRIMARY KEY,
    message_id VARCHAR(500),
    subject TEXT,
    sender_email VARCHAR(255),
    sender_name VARCHAR(255),
    received_date TIMESTAMP,
    status VARCHAR(50) DEFAULT 'active',
    classification VARCHAR(50),
    created_at TIMESTAMP DEFAULT NOW()
);

-- The workflow system of the seed's summary: workflows, their executions and their actions.
CREATE TABLE IF NOT EXISTS email_workflows (
    id SERIAL PRIMARY KEY,
    name VARCHAR(255) NOT NULL,
    description TEXT,
    classification_trigger VARCHAR(50),
    confidence_threshold NUMERIC(3, 2) DEFAULT 0.70,
    workflow_steps JSONB NOT NULL DEFAULT '[]'::jsonb,
    priority INTEGER DEFAULT 100,
    enabled BOOLEAN DEFAULT TRUE,
    created_at TIMESTAMP DEFAULT NOW()
);

CREATE TABLE IF NOT EXISTS email_workflow_executions (
    id SERIAL PRIMARY KEY,
    workflow_id INTEGER NOT NULL,
    email_id INTEGER NOT NULL,
    status VARCHAR(50) NOT NULL,
    steps_completed INTEGER DEFAULT 0,
    steps_total INTEGER,
    result_json JSONB,
    error_message TEXT,
    started_at TIMESTAMP DEFAULT NOW(),
    completed_at TIMESTAMP,
    execution_time_ms INTEGER
);

CREATE TABLE IF NOT EXISTS email_workflow_actions (
    id SERIAL PRIMARY KEY,
    action_code VARCHAR(100) NOT NULL UNIQUE,
    name VARCHAR(255) NOT NULL,
    description TEXT,
    category VARCHAR(50),
    enabled BOOLEAN DEFAULT TRUE
);
