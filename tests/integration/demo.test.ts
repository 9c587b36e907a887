import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../../src-main/contract/taxonomy';
import { fillDemo, type DemoResult } from '../../src-main/demo/demo';
import { openWritableDb } from '../../src-main/db/connection';
import { createEmailActivityLogger } from '../../src-main/logger/email-activity-logger';
import { createTestDatabase, type TestDatabase } from '../support/database';

const EMAILS = 1_000;
const UNTIL = '2025-12-15T12:45:00';

let first: TestDatabase;
let twin: TestDatabase;
let other: TestDatabase;
let result: DemoResult;
const progress: { emails: number; events: number }[] = [];

const rowsOf = async (db: TestDatabase, text: string) => (await db.writable.query(text)).rows;
const LOG_ROWS = `SELECT id, email_id, event_type, event_category, description, metadata::text AS metadata, user_id, created_at, created_by
                  FROM email_activity_log ORDER BY id`;
const MESSAGE_ROWS = `SELECT id, message_id, subject, sender_email, sender_name, received_date, status, classification, created_at
                      FROM email_messages ORDER BY id`;

beforeAll(async () => {
  [first, twin, other] = await Promise.all([createTestDatabase(), createTestDatabase(), createTestDatabase()]);
  result = await fillDemo(first.writable, { emails: EMAILS, seed: 7, onProgress: (p) => progress.push(p) });
  await fillDemo(twin.writable, { emails: EMAILS, seed: 7 });
  await fillDemo(other.writable, { emails: EMAILS, seed: 8 });
});
afterAll(() => Promise.all([first, twin, other].map((db) => db?.drop())));

describe('mailtrail demo data', () => {
  it('is the same for the same seed and different for another seed', async () => {
    const [a, b, c] = await Promise.all([first, twin, other].map((db) => rowsOf(db, LOG_ROWS)));
    expect(a!.length).toBe(result.events);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    const [ma, mb, mc] = await Promise.all([first, twin, other].map((db) => rowsOf(db, MESSAGE_ROWS)));
    expect(mb).toEqual(ma);
    expect(mc).not.toEqual(ma);
  });

  it('reports what it wrote, about six to seven events per email, and its progress', async () => {
    expect(result.emails).toBe(EMAILS);
    expect(result.users).toBe(12);
    expect(result.events / EMAILS).toBeGreaterThan(5.5);
    expect(result.events / EMAILS).toBeLessThan(8);
    expect(progress.at(-1)).toEqual({ emails: EMAILS, events: result.events });
    const [counts] = await rowsOf(first, 'SELECT (SELECT count(*) FROM email_messages) AS emails, (SELECT count(*) FROM email_activity_log) AS events');
    expect(counts).toEqual({ emails: EMAILS, events: result.events });
  });

  it('covers every event type of the seed, in its category, and the engine\'s own bankruptcy_flagged', async () => {
    const rows = await rowsOf(first, 'SELECT DISTINCT event_type, event_category FROM email_activity_log ORDER BY 1');
    expect(rows.map((r) => r.event_type).sort()).toEqual([...EVENT_TYPES, 'bankruptcy_flagged'].sort());
    const category = Object.fromEntries(rows.map((r) => [r.event_type, r.event_category]));
    expect(category).toMatchObject({
      fetched: 'system',
      classified: 'system',
      status_changed: 'system',
      error: 'system',
      workflow_executed: 'workflow',
      rule_matched: 'rule',
      read: 'user',
      attachment_downloaded: 'user',
      attachment_uploaded: 'user',
      linked: 'integration',
      invoice_extracted: 'integration',
      ticket_created: 'integration',
      notification_sent: 'integration',
    });
  });

  it('runs the three workflows of migration 0015, with failures where their steps can fail and a long tail of slow runs', async () => {
    const workflows = await rowsOf(first, 'SELECT id, name FROM email_workflows ORDER BY id');
    expect(workflows.map((w) => w.name)).toEqual(['Invoice Processing', 'Time Confirmation', 'Bankruptcy Alert']);
    const runs = await rowsOf(
      first,
      `SELECT metadata->>'workflow_name' AS workflow, (metadata->>'workflow_id')::int AS workflow_id,
              COUNT(*) FILTER (WHERE metadata->>'status' = 'completed') AS completed,
              COUNT(*) FILTER (WHERE metadata->>'status' = 'failed') AS failed,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY (metadata->>'execution_time_ms')::int) AS median_ms,
              max((metadata->>'execution_time_ms')::int) AS max_ms
       FROM email_activity_log WHERE event_type = 'workflow_executed' GROUP BY 1, 2 ORDER BY 1`,
    );
    expect(runs.map((r) => r.workflow)).toEqual(['Bankruptcy Alert', 'Invoice Processing', 'Time Confirmation']);
    for (const run of runs) {
      expect(run.workflow_id).toBe(workflows.find((w) => w.name === run.workflow)!.id);
      expect(run.completed).toBeGreaterThan(0);
      expect(run.completed).toBeGreaterThan(run.failed);
    }
    // extract_invoice fails on a subject without an invoice number; notify when finance's mail server refuses.
    // Time Confirmation's steps (link by domain, ticket, status) have nothing that can fail on the demo's mail.
    expect(runs.find((r) => r.workflow === 'Invoice Processing')!.failed).toBeGreaterThan(0);
    expect(runs.find((r) => r.workflow === 'Bankruptcy Alert')!.failed).toBeGreaterThan(0);
    const invoice = runs.find((r) => r.workflow === 'Invoice Processing')!;
    expect(invoice.max_ms).toBeGreaterThan(4 * invoice.median_ms);
  });

  it('runs them through the engine: each workflow_executed names its execution, whose record and steps agree with the log', async () => {
    const [check] = await rowsOf(
      first,
      `SELECT count(*) AS events,
              count(e.id) AS with_execution,
              count(*) FILTER (WHERE e.status = a.metadata->>'status' AND e.steps_completed = (a.metadata->>'steps_completed')::int
                                 AND e.execution_time_ms = (a.metadata->>'execution_time_ms')::int AND e.email_id = a.email_id
                                 AND e.completed_at = a.created_at AND e.workflow_id = (a.metadata->>'workflow_id')::int) AS agreeing,
              (SELECT count(*) FROM email_workflow_executions) AS executions
       FROM email_activity_log a LEFT JOIN email_workflow_executions e ON e.id = (a.metadata->>'execution_id')::int
       WHERE a.event_type = 'workflow_executed'`,
    );
    expect(check!.events).toBeGreaterThan(100);
    expect(check).toEqual({ events: check!.events, with_execution: check!.events, agreeing: check!.events, executions: check!.events });
    // The steps' real work: one invoice, link and ticket row per succeeded step, each naming its execution.
    const [work] = await rowsOf(
      first,
      `SELECT (SELECT count(*) FROM email_workflow_execution_steps WHERE action = 'extract_invoice' AND outcome = 'succeeded') AS extracted,
              (SELECT count(*) FROM email_invoices WHERE execution_id IS NOT NULL) AS invoices,
              (SELECT count(*) FROM email_workflow_execution_steps WHERE action = 'link_entity' AND outcome = 'succeeded') AS linked,
              (SELECT count(*) FROM email_entity_links WHERE execution_id IS NOT NULL) AS links,
              (SELECT count(*) FROM email_workflow_execution_steps WHERE action = 'create_ticket' AND outcome = 'succeeded') AS ticketed,
              (SELECT count(*) FROM email_tickets WHERE execution_id IS NOT NULL) AS tickets,
              (SELECT count(*) FROM email_activity_log WHERE event_type = 'invoice_extracted') AS invoice_events,
              (SELECT count(*) FROM email_workflow_execution_steps WHERE attempts > 1) AS retried,
              (SELECT count(*) FROM email_workflow_execution_steps WHERE outcome = 'failed' AND error_message LIKE 'step _ (%') AS failed_steps`,
    );
    expect(work!.invoices).toBe(work!.extracted);
    expect(work!.invoice_events).toBe(work!.extracted);
    expect(work!.links).toBe(work!.linked);
    expect(work!.tickets).toBe(work!.ticketed);
    expect(work!.retried).toBeGreaterThan(0);
    expect(work!.failed_steps).toBeGreaterThan(0);
    // set_status's work: every completed Invoice Processing run left its email processed (or a user moved it on later).
    const [statuses] = await rowsOf(
      first,
      `SELECT count(*) FILTER (WHERE m.status = 'processed') AS processed, count(*) AS runs
       FROM email_workflow_executions e JOIN email_workflows w ON w.id = e.workflow_id JOIN email_messages m ON m.id = e.email_id
       WHERE w.name = 'Invoice Processing' AND e.status = 'completed'`,
    );
    expect(statuses!.processed).toBe(statuses!.runs);
    // Simulated time: the runs spread over the year like the rest of the log, not at the time of the test.
    const [times] = await rowsOf(
      first,
      `SELECT count(DISTINCT date_trunc('month', e.started_at)) AS months, max(e.completed_at) <= TIMESTAMP '${UNTIL}' AS before_until,
              bool_and(s.started_at >= e.started_at AND s.finished_at <= e.completed_at) AS steps_inside
       FROM email_workflow_executions e JOIN email_workflow_execution_steps s ON s.execution_id = e.id WHERE s.outcome <> 'pending'`,
    );
    expect(times).toEqual({ months: 13, before_until: true, steps_inside: true });
  });

  it('writes the same executions, steps, invoices and tickets for the same seed', async () => {
    const tables = [
      'SELECT * FROM email_workflow_executions ORDER BY id',
      'SELECT * FROM email_workflow_execution_steps ORDER BY execution_id, step_index',
      'SELECT * FROM email_invoices ORDER BY id',
      'SELECT * FROM email_tickets ORDER BY id',
      'SELECT * FROM email_entity_links ORDER BY id',
    ];
    for (const text of tables) {
      const [a, b] = await Promise.all([first, twin].map((db) => rowsOf(db, text)));
      expect(a!.length).toBeGreaterThan(0);
      expect(b).toEqual(a);
    }
  });

  it('has errors of several types, each with its context', async () => {
    const rows = await rowsOf(
      first,
      `SELECT metadata->>'error_type' AS error_type, bool_and(metadata ? 'context') AS with_context
       FROM email_activity_log WHERE event_type = 'error' GROUP BY 1 ORDER BY 1`,
    );
    expect(rows.map((r) => r.error_type)).toEqual(
      expect.arrayContaining(['classification_failed', 'imap_timeout', 'workflow_failed']),
    );
    expect(rows.every((r) => r.with_context)).toBe(true);
  });

  it('has twelve users with full names who read and download, and emails with subjects and senders', async () => {
    const users = await rowsOf(first, 'SELECT username, full_name FROM users ORDER BY id');
    expect(users).toHaveLength(12);
    expect(users.every((u) => /^\S+ \S+$/.test(u.full_name))).toBe(true);
    const [readers] = await rowsOf(
      first,
      `SELECT count(DISTINCT user_name) AS names, bool_and(user_name IS NOT NULL) AS named, bool_and(email_subject <> '') AS subjects
       FROM email_timeline WHERE event_category = 'user'`,
    );
    expect(readers).toEqual({ names: 12, named: true, subjects: true });
    const [messages] = await rowsOf(
      first,
      `SELECT bool_and(subject <> '' AND sender_email LIKE '%@%' AND sender_name <> '') AS complete, count(DISTINCT classification) AS classes
       FROM email_messages`,
    );
    expect(messages).toEqual({ complete: true, classes: 6 });
  });

  it('spreads the activity over the twelve months before `until`', async () => {
    const [span] = await rowsOf(
      first,
      `SELECT min(created_at) >= TIMESTAMP '${UNTIL}' - INTERVAL '12 months' AS after_start,
              max(created_at) <= TIMESTAMP '${UNTIL}' AS before_until,
              count(DISTINCT date_trunc('month', created_at)) AS months
       FROM email_activity_log`,
    );
    expect(span).toEqual({ after_start: true, before_until: true, months: 13 });
  });

  it("orders each email's journey: fetched first, ids rising with time, after the email arrived", async () => {
    const [check] = await rowsOf(
      first,
      `WITH journey AS (
         SELECT a.email_id, a.event_type, a.created_at, e.received_date,
                row_number() OVER (PARTITION BY a.email_id ORDER BY a.created_at, a.id) AS position,
                lag(a.created_at) OVER (PARTITION BY a.email_id ORDER BY a.id) AS previous_at
         FROM email_activity_log a JOIN email_messages e ON e.id = a.email_id)
       SELECT count(*) FILTER (WHERE position = 1 AND event_type <> 'fetched') AS not_fetched_first,
              count(*) FILTER (WHERE event_type = 'fetched') AS fetched,
              count(*) FILTER (WHERE previous_at > created_at) AS out_of_order,
              count(*) FILTER (WHERE created_at < received_date) AS before_arrival
       FROM journey`,
    );
    expect(check).toEqual({ not_fetched_first: 0, fetched: EMAILS, out_of_order: 0, before_arrival: 0 });
  });

  it('rebuilds the log\'s indexes after loading into an empty log', async () => {
    const definitions = `SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'email_activity_log' ORDER BY 1`;
    const fresh = await createTestDatabase();
    try {
      const migrated = await rowsOf(fresh, definitions);
      expect(migrated.map((r) => r.indexname)).toEqual(expect.arrayContaining(['email_activity_log_pkey', 'idx_email_activity_log_email_id']));
      expect(await rowsOf(first, definitions)).toEqual(migrated);
    } finally {
      await fresh.drop();
    }
  });

  it('continues after the ids in use, and later writers continue after the demo', async () => {
    const more = await fillDemo(twin.writable, { emails: 50, seed: 9, until: '2024-06-30T00:00:00' });
    const [ids] = await rowsOf(
      twin,
      `SELECT min(email_id) AS first_email, max(email_id) AS last_email, min(id) AS first_event, count(*) AS events,
              min(created_at) >= TIMESTAMP '2023-06-30' AS after_start, max(created_at) <= TIMESTAMP '2024-06-30' AS before_until
       FROM email_activity_log WHERE id > ${result.events}`,
    );
    expect(ids).toEqual({ first_email: EMAILS + 1, last_email: EMAILS + 50, first_event: result.events + 1, events: more.events, after_start: true, before_until: true });
    const [users] = await rowsOf(twin, 'SELECT count(*) AS n FROM users');
    expect(users).toEqual({ n: 12 });
    const logged = await createEmailActivityLogger(twin.writable).logFetched(EMAILS + 51, 'imap', 'after-demo');
    expect(logged).toBe(result.events + more.events + 1);
  });

  it('refuses options it cannot honour, with a clear message', async () => {
    await expect(fillDemo(first.writable, { emails: 0 })).rejects.toThrow(/emails must be a whole number from 1 to/);
    await expect(fillDemo(first.writable, { emails: 2.5 })).rejects.toThrow(/emails must be a whole number/);
    await expect(fillDemo(first.writable, { emails: 10, seed: -1 })).rejects.toThrow(/seed must be a whole number from 0 to 4294967295/);
    await expect(fillDemo(first.writable, { emails: 10, until: 'yesterday' })).rejects.toThrow(/until must be a date-time without zone such as 2025-12-15T12:45:00/);
    const [count] = await rowsOf(first, 'SELECT count(*) AS n FROM email_activity_log');
    expect(count).toEqual({ n: result.events });
  });

  it('stops with a clear error when PostgreSQL refuses a batch, keeps nothing of it and restores the indexes', async () => {
    const broken = await createTestDatabase();
    try {
      // A rule the hub might have that the demo breaks: no read events.
      await broken.writable.query(`ALTER TABLE email_activity_log ADD CONSTRAINT no_reads CHECK (event_type <> 'read')`);
      const indexCount = `SELECT count(*) AS n FROM pg_indexes WHERE tablename = 'email_activity_log'`;
      const [before] = await rowsOf(broken, indexCount);
      await expect(fillDemo(broken.writable, { emails: 300, seed: 7 })).rejects.toThrow(
        /demo stopped after \d+ of 300 emails; batches already committed stay: COPY into email_activity_log failed and its batch was rolled back: .*no_reads/,
      );
      const [counts] = await rowsOf(broken, 'SELECT (SELECT count(*) FROM email_activity_log) AS events, (SELECT count(*) FROM email_messages) AS emails');
      expect(counts).toEqual({ events: 0, emails: 0 });
      expect(await rowsOf(broken, indexCount)).toEqual([before]);
      const small = openWritableDb(broken.url, { max: 1 });
      await expect(fillDemo(small, { emails: 10 })).rejects.toThrow(/open the writable pool with max of 2 or more \(it has 1\)/);
      await small.end();
    } finally {
      await broken.drop();
    }
  });
});
