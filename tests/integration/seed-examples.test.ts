import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmailActivityLogger } from '../../src-main/logger/email-activity-logger';
import { writeActivityRows } from '../../src-main/logger/batch-writer';
import { createTestDatabase, type TestDatabase } from '../support/database';

let db: TestDatabase;
const run = async <Row = Record<string, unknown>>(text: string): Promise<Row[]> => (await db.writable.query(text)).rows as Row[];

beforeAll(async () => {
  db = await createTestDatabase();
  // The hub's own rows that the view and the use cases join: user 5 and the emails' subjects.
  await db.writable.query(`
    INSERT INTO users (id, username, full_name, email) VALUES
      (5, 'mette.jensen', 'Mette Jensen', 'mette.jensen@bmc-hub.dk'),
      (6, 'lars.nielsen', 'Lars Nielsen', 'lars.nielsen@bmc-hub.dk');
    INSERT INTO email_messages (id, message_id, subject, sender_email, sender_name) VALUES
      (123, 'msg-abc-123', 'Faktura INV-2025-001 fra Acme Corp', 'faktura@acme.example', 'Acme Corp'),
      (124, 'msg-abc-124', 'Tidsregistrering uge 50', 'kunde@holm.example', 'Holm Entreprise'),
      (125, 'msg-abc-125', 'Konkursbo Fjordens Fragt', 'kurator@advokat.example', 'Kurator');`);

  const logger = createEmailActivityLogger(db.writable);
  // Email 123: the seed's lifecycle, with an extraction error on the way.
  await logger.logFetched(123, 'imap', 'msg-abc-123');
  await logger.logClassified(123, 'invoice', 0.85, 'ai');
  await logger.logWorkflowExecuted(123, 5, 'Invoice Processing', 'completed', 3, 1250);
  await logger.logLinked(123, 'vendor', 42, 'Acme Corp');
  await logger.logError(123, 'extraction_failed', 'PDF corrupted', { file: 'invoice.pdf', size: 0 });
  await logger.logInvoiceExtracted(123, 'INV-2025-001', 1234.56, true);
  await logger.logStatusChanged(123, 'active', 'processed', 'workflow completed');
  await logger.logRead(123, 5, 'mette.jensen');
  await logger.logAttachmentDownloaded(123, 5, 'mette.jensen', 'invoice.pdf', 48213);
  // More workflow runs: Invoice Processing 3 of 4 completed, Time Confirmation 1 of 2, Bankruptcy Alert 0 of 1.
  const runs: [number, number, string, 'completed' | 'failed', number][] = [
    [124, 2, 'Time Confirmation', 'completed', 640],
    [124, 2, 'Time Confirmation', 'failed', 15000],
    [125, 3, 'Bankruptcy Alert', 'failed', 900],
    [126, 5, 'Invoice Processing', 'completed', 980],
    [127, 5, 'Invoice Processing', 'failed', 30500],
    [128, 5, 'Invoice Processing', 'completed', 2100],
  ];
  for (const [emailId, workflowId, name, status, ms] of runs) {
    await logger.logWorkflowExecuted(emailId, workflowId, name, status, status === 'completed' ? 3 : 1, ms);
  }
  await logger.logError(124, 'workflow_failed', 'Time Confirmation stopped at register_hours');
  await logger.logError(125, 'workflow_failed', 'Bankruptcy Alert stopped at notify_finance');
  await logger.logError(127, 'workflow_failed', 'Invoice Processing stopped at extract_invoice_data');
  await logger.logError(126, 'imap_timeout', 'IMAP server did not answer', { timeout_ms: 30000 });
  await logger.logError(128, 'imap_timeout', 'IMAP server did not answer', { timeout_ms: 30000 });
  await logger.logRead(124, 5, 'mette.jensen');
  await logger.logRead(125, 6, 'lars.nielsen');
});
afterAll(() => db.drop());

describe('the seed\'s "Via SQL" examples', () => {
  it('log_email_event() as the seed writes it returns the new id and stores every argument', async () => {
    const [row] = await run<{ log_email_event: number }>(`-- Log event directly via function
SELECT log_email_event(
123, -- email_id
'custom_event', -- event_type
'system', -- event_category
'Something happened', -- description
'{"foo": "bar"}'::jsonb, -- metadata (optional)
NULL, -- user_id (optional)
'system' -- created_by
);`);
    const id = row!.log_email_event;
    expect(id).toBeGreaterThan(0);
    const [stored] = await run(`SELECT * FROM email_activity_log WHERE id = ${Number(id)}`);
    expect(stored).toMatchObject({
      email_id: 123,
      event_type: 'custom_event',
      event_category: 'system',
      description: 'Something happened',
      metadata: { foo: 'bar' },
      user_id: null,
      created_by: 'system',
    });
    expect(stored!.created_at).toEqual(expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/));
  });

  it('log_email_event() with only the four required arguments defaults the rest', async () => {
    const [row] = await run<{ id: number }>(`SELECT log_email_event(124, 'custom_event', 'system', 'Only required arguments') AS id`);
    const [stored] = await run(`SELECT metadata, user_id, created_by, created_at FROM email_activity_log WHERE id = ${Number(row!.id)}`);
    expect(stored).toMatchObject({ metadata: null, user_id: null, created_by: 'system' });
    expect(stored!.created_at).not.toBeNull();
  });

  it('"Query logs for specific email" lists the email\'s rows newest first', async () => {
    const rows = await run<{ email_id: number; event_type: string; created_at: string }>(`-- Query logs for specific email
SELECT * FROM email_activity_log
WHERE email_id = 123
ORDER BY created_at DESC;`);
    expect(rows.every((r) => r.email_id === 123)).toBe(true);
    expect(rows.map((r) => r.event_type)).toEqual([
      'custom_event',
      'attachment_downloaded',
      'read',
      'status_changed',
      'invoice_extracted',
      'error',
      'linked',
      'workflow_executed',
      'classified',
      'fetched',
    ]);
    const times = rows.map((r) => r.created_at);
    expect([...times].sort().reverse()).toEqual(times);
  });

  it('the email_timeline view adds user_name and the email\'s subject', async () => {
    const rows = await run<{ event_type: string; user_id: number | null; user_name: string | null; email_subject: string }>(`-- Use the view for nicer output
SELECT * FROM email_timeline
WHERE email_id = 123;`);
    expect(rows).toHaveLength(10);
    expect(rows.every((r) => r.email_subject === 'Faktura INV-2025-001 fra Acme Corp')).toBe(true);
    const byType = new Map(rows.map((r) => [r.event_type, r]));
    expect(byType.get('read')).toMatchObject({ user_id: 5, user_name: 'Mette Jensen' });
    expect(byType.get('attachment_downloaded')).toMatchObject({ user_id: 5, user_name: 'Mette Jensen' });
    expect(byType.get('fetched')).toMatchObject({ user_id: null, user_name: null });
  });
});

describe("the seed's use cases", () => {
  it('1. Debugging Email Processing: the complete flow of email 123, oldest first', async () => {
    const rows = await run<{ event_type: string; description: string; created_at: string }>(`-- See complete flow for problematic email
SELECT
event_type,
description,
created_at
FROM email_activity_log
WHERE email_id = 123
ORDER BY created_at;`);
    expect(rows.slice(0, 9).map((r) => [r.event_type, r.description])).toEqual([
      ['fetched', 'Email fetched from email server'],
      ['classified', 'Classified as invoice (confidence: 85%)'],
      ['workflow_executed', "Workflow 'Invoice Processing' completed (3 steps, 1250 ms)"],
      ['linked', 'Linked to vendor: Acme Corp'],
      ['error', 'Error (extraction_failed): PDF corrupted'],
      ['invoice_extracted', 'Invoice INV-2025-001 extracted (amount: 1234.56)'],
      ['status_changed', 'Status changed from active to processed (workflow completed)'],
      ['read', 'Email read by mette.jensen'],
      ['attachment_downloaded', 'Attachment downloaded: invoice.pdf'],
    ]);
  });

  it('2. Performance Monitoring: the slowest workflow runs first', async () => {
    const rows = await run(`-- Find slow workflow executions
SELECT
email_id,
description,
(metadata->>'execution_time_ms')::int as exec_time
FROM email_activity_log
WHERE event_type = 'workflow_executed'
ORDER BY exec_time DESC
LIMIT 10;`);
    expect(rows.map((r) => [r.email_id, r.exec_time])).toEqual([
      [127, 30500],
      [124, 15000],
      [128, 2100],
      [123, 1250],
      [126, 980],
      [125, 900],
      [124, 640],
    ]);
    expect(rows[0]!.description).toBe("Workflow 'Invoice Processing' failed (1 step, 30500 ms)");
  });

  it('3. User Activity Audit: what user 5 did, with the subjects, newest first', async () => {
    const rows = await run(`-- See what user did
SELECT
e.subject,
a.event_type,
a.description,
a.created_at
FROM email_activity_log a
JOIN email_messages e ON a.email_id = e.id
WHERE a.user_id = 5
ORDER BY a.created_at DESC;`);
    expect(rows.map((r) => [r.subject, r.event_type, r.description])).toEqual([
      ['Tidsregistrering uge 50', 'read', 'Email read by mette.jensen'],
      ['Faktura INV-2025-001 fra Acme Corp', 'attachment_downloaded', 'Attachment downloaded: invoice.pdf'],
      ['Faktura INV-2025-001 fra Acme Corp', 'read', 'Email read by mette.jensen'],
    ]);
  });

  it('4. Error Analysis: the most common error types first', async () => {
    const rows = await run(`-- Find common errors
SELECT
metadata->>'error_type' as error_type,
COUNT(*) as count
FROM email_activity_log
WHERE event_type = 'error'
GROUP BY error_type
ORDER BY count DESC;`);
    expect(rows).toEqual([
      { error_type: 'workflow_failed', count: 3 },
      { error_type: 'imap_timeout', count: 2 },
      { error_type: 'extraction_failed', count: 1 },
    ]);
  });

  it('5. Workflow Success Rate: per workflow, best first', async () => {
    const rows = await run(`-- Calculate workflow success rate
SELECT
metadata->>'workflow_name' as workflow,
COUNT(*) FILTER (WHERE metadata->>'status' = 'completed') as success,
COUNT(*) FILTER (WHERE metadata->>'status' = 'failed') as failed,
ROUND(
100.0 * COUNT(*) FILTER (WHERE metadata->>'status' = 'completed') / COUNT(*),
2
) as success_rate
FROM email_activity_log
WHERE event_type = 'workflow_executed'
GROUP BY workflow
ORDER BY success_rate DESC;`);
    expect(rows).toEqual([
      { workflow: 'Invoice Processing', success: 3, failed: 1, success_rate: 75 },
      { workflow: 'Time Confirmation', success: 1, failed: 1, success_rate: 50 },
      { workflow: 'Bankruptcy Alert', success: 0, failed: 1, success_rate: 0 },
    ]);
  });
});

describe('the seed\'s "Data Retention"', () => {
  beforeAll(async () => {
    const [ages] = await run<{ d45: string; d120: string }>(
      `SELECT (LOCALTIMESTAMP - INTERVAL '45 days')::text AS d45, (LOCALTIMESTAMP - INTERVAL '120 days')::text AS d120`,
    );
    const old = (emailId: number, createdAt: string, description: string) => ({
      email_id: emailId,
      event_type: 'fetched',
      event_category: 'system',
      description,
      metadata: { source: 'imap', message_id: `old-${emailId}` },
      user_id: emailId === 501 ? 5 : null,
      created_at: createdAt,
      created_by: 'system',
    });
    await writeActivityRows(db.writable, [
      old(500, ages!.d120, 'Email fetched from email server (120 days ago)'),
      old(501, ages!.d120, 'Email fetched from email server (120 days ago, user 5)'),
      old(502, ages!.d45, 'Email fetched from email server (45 days ago)'),
      old(503, ages!.d45, 'Email fetched from email server (45 days ago)'),
      old(504, ages!.d45, 'Email fetched from email server (45 days ago)'),
    ]);
  });

  it('"Delete logs older than 90 days" removes exactly those rows', async () => {
    const client = await db.writable.connect();
    try {
      await client.query('BEGIN');
      const before = (await client.query('SELECT id FROM email_activity_log ORDER BY id')).rows.map((r) => r.id);
      const deleted = await client.query(`-- Delete logs older than 90 days
DELETE FROM email_activity_log
WHERE created_at < NOW() - INTERVAL '90 days';`);
      expect(deleted.rowCount).toBe(2);
      const { rows } = await client.query('SELECT email_id FROM email_activity_log WHERE email_id IN (500, 501, 502, 503, 504) ORDER BY email_id');
      expect(rows.map((r) => r.email_id)).toEqual([502, 503, 504]);
      expect((await client.query('SELECT count(*)::int AS n FROM email_activity_log')).rows[0].n).toBe(before.length - 2);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });

  it('archive-then-delete keeps every row: archived + remaining = original, archived rows unchanged', async () => {
    const original = await run<{ id: number }>('SELECT * FROM email_activity_log ORDER BY id');
    const old = await run(`SELECT * FROM email_activity_log WHERE created_at < NOW() - INTERVAL '30 days' ORDER BY id`);
    expect(old.map((r) => r.email_id)).toEqual([500, 501, 502, 503, 504]);

    await db.writable.query(`-- Archive old logs to separate table
INSERT INTO email_activity_log_archive
SELECT * FROM email_activity_log
WHERE created_at < NOW() - INTERVAL '30 days';
DELETE FROM email_activity_log
WHERE created_at < NOW() - INTERVAL '30 days';`);

    const archived = await run<{ id: number }>('SELECT * FROM email_activity_log_archive ORDER BY id');
    const remaining = await run<{ id: number }>('SELECT * FROM email_activity_log ORDER BY id');
    expect(archived).toEqual(old);
    expect(archived.length + remaining.length).toBe(original.length);
    expect([...archived, ...remaining].sort((a, b) => a.id - b.id)).toEqual(original);
    const [left] = await run(`SELECT count(*)::int AS n FROM email_activity_log WHERE created_at < NOW() - INTERVAL '30 days'`);
    expect(left).toEqual({ n: 0 });
  });
});
