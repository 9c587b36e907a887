import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MailtrailError } from '../../src-main/contract/errors';
import { createEmailActivityLogger, type EmailActivityLogger } from '../../src-main/logger/email-activity-logger';
import { copyRows, writeActivityRows, type ActivityRow } from '../../src-main/logger/batch-writer';
import { createTestDatabase, type TestDatabase } from '../support/database';

interface StoredRow {
  id: number;
  email_id: number;
  event_type: string;
  event_category: string;
  description: string;
  metadata: Record<string, unknown> | null;
  user_id: number | null;
  created_at: string;
  created_by: string | null;
}

let db: TestDatabase;
let logger: EmailActivityLogger;

async function rowsOf(emailId: number): Promise<StoredRow[]> {
  const { rows } = await db.writable.query<StoredRow>('SELECT * FROM email_activity_log WHERE email_id = $1 ORDER BY id', [emailId]);
  return rows;
}

async function rowById(id: number): Promise<StoredRow> {
  const { rows } = await db.writable.query<StoredRow>('SELECT * FROM email_activity_log WHERE id = $1', [id]);
  return rows[0]!;
}

async function countRows(): Promise<number> {
  const { rows } = await db.writable.query<{ n: number }>('SELECT count(*)::int AS n FROM email_activity_log');
  return rows[0]!.n;
}

beforeAll(async () => {
  db = await createTestDatabase();
  logger = createEmailActivityLogger(db.writable);
});
afterAll(() => db.drop());

describe('emailActivityLogger: the seed\'s "Complete Email Lifecycle Log"', () => {
  const emailId = 4711;
  const messageId = 'msg-lifecycle-1';
  const workflowId = 5;

  it('stores each step with the seed\'s event type, category, description and metadata', async () => {
    const { rows: before } = await db.writable.query<{ now: string }>('SELECT LOCALTIMESTAMP::timestamp(3)::text AS now');
    // 1. Email arrives ... 6. Status changes: the seed's calls, in the seed's order.
    await logger.logFetched(emailId, 'imap', messageId);
    await logger.logClassified(emailId, 'invoice', 0.92, 'ai');
    await logger.logWorkflowExecuted(emailId, workflowId, 'Invoice Processing', 'completed', 3, 1100);
    await logger.logLinked(emailId, 'vendor', 42, 'Acme Corp');
    await logger.logInvoiceExtracted(emailId, 'INV-001', 1234.56, true);
    await logger.logStatusChanged(emailId, 'active', 'processed', 'workflow completed');

    const rows = await rowsOf(emailId);
    expect(rows.map(({ event_type, event_category, description, metadata }) => ({ event_type, event_category, description, metadata }))).toEqual([
      {
        event_type: 'fetched',
        event_category: 'system',
        description: 'Email fetched from email server',
        metadata: { source: 'imap', message_id: messageId },
      },
      {
        event_type: 'classified',
        event_category: 'system',
        description: 'Classified as invoice (confidence: 92%)',
        metadata: { classification: 'invoice', confidence: 0.92, method: 'ai' },
      },
      {
        event_type: 'workflow_executed',
        event_category: 'workflow',
        description: "Workflow 'Invoice Processing' completed (3 steps, 1100 ms)",
        metadata: { workflow_id: 5, workflow_name: 'Invoice Processing', status: 'completed', steps_completed: 3, execution_time_ms: 1100 },
      },
      {
        event_type: 'linked',
        event_category: 'integration',
        description: 'Linked to vendor: Acme Corp',
        metadata: { entity_type: 'vendor', entity_id: 42, entity_name: 'Acme Corp' },
      },
      {
        event_type: 'invoice_extracted',
        event_category: 'integration',
        description: 'Invoice INV-001 extracted (amount: 1234.56)',
        metadata: { invoice_number: 'INV-001', amount: 1234.56, success: true },
      },
      {
        event_type: 'status_changed',
        event_category: 'system',
        description: 'Status changed from active to processed (workflow completed)',
        metadata: { old_status: 'active', new_status: 'processed', reason: 'workflow completed' },
      },
    ]);
    for (const row of rows) {
      expect(row.created_by).toBe('system');
      expect(row.user_id).toBeNull();
      // created_at comes from the column's default: set, zone-less, not before the first call.
      expect(row.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$/);
      expect(row.created_at >= before[0]!.now.replace(' ', 'T')).toBe(true);
    }
    const times = rows.map((row) => row.created_at);
    expect([...times].sort()).toEqual(times);
  });
});

describe("emailActivityLogger: the seed's keyword examples", () => {
  it('logFetched stores what the seed\'s API example shows', async () => {
    const id = await logger.logFetched(123, 'imap', 'msg-abc-123');
    expect(await rowById(id)).toMatchObject({
      id,
      email_id: 123,
      event_type: 'fetched',
      event_category: 'system',
      description: 'Email fetched from email server',
      metadata: { source: 'imap', message_id: 'msg-abc-123' },
      user_id: null,
      created_by: 'system',
    });
  });

  it('logClassified writes the confidence as a percentage: "Classified as invoice (confidence: 85%)"', async () => {
    const id = await logger.logClassified(123, 'invoice', 0.85, 'ai');
    expect(await rowById(id)).toMatchObject({
      event_type: 'classified',
      event_category: 'system',
      description: 'Classified as invoice (confidence: 85%)',
      metadata: { classification: 'invoice', confidence: 0.85, method: 'ai' },
    });
  });

  it('logWorkflowExecuted keeps the keys the seed\'s analytics read', async () => {
    const id = await logger.logWorkflowExecuted(123, 5, 'Invoice Processing', 'completed', 3, 1250);
    const { rows } = await db.writable.query(
      `SELECT (metadata->>'execution_time_ms')::int AS exec_time, metadata->>'workflow_name' AS workflow, metadata->>'status' AS status
       FROM email_activity_log WHERE id = $1`,
      [id],
    );
    expect(rows[0]).toEqual({ exec_time: 1250, workflow: 'Invoice Processing', status: 'completed' });
    expect((await rowById(id)).event_category).toBe('workflow');
    // Without an execution id, exactly the seed's five fields; with one, the id after them.
    expect(Object.keys((await rowById(id)).metadata ?? {}).sort()).toEqual(['execution_time_ms', 'status', 'steps_completed', 'workflow_id', 'workflow_name']);
    const withRun = await rowById(await logger.logWorkflowExecuted(123, 5, 'Invoice Processing', 'failed', 1, 300, 77));
    expect(withRun.metadata).toEqual({ workflow_id: 5, workflow_name: 'Invoice Processing', status: 'failed', steps_completed: 1, execution_time_ms: 300, execution_id: 77 });
  });

  it('logStatusChanged, logLinked, logInvoiceExtracted and logError store the seed\'s arguments', async () => {
    const status = await rowById(await logger.logStatusChanged(123, 'active', 'processed', 'workflow completed'));
    expect(status.metadata).toEqual({ old_status: 'active', new_status: 'processed', reason: 'workflow completed' });
    const linked = await rowById(await logger.logLinked(123, 'vendor', 42, 'Acme Corp'));
    expect(linked.description).toBe('Linked to vendor: Acme Corp');
    const invoice = await rowById(await logger.logInvoiceExtracted(123, 'INV-2025-001', 1234.56, true));
    expect(invoice.metadata).toEqual({ invoice_number: 'INV-2025-001', amount: 1234.56, success: true });
    const error = await rowById(await logger.logError(123, 'extraction_failed', 'PDF corrupted', { file: 'invoice.pdf', size: 0 }));
    expect(error).toMatchObject({
      event_type: 'error',
      event_category: 'system',
      description: 'Error (extraction_failed): PDF corrupted',
      metadata: { error_type: 'extraction_failed', error_message: 'PDF corrupted', context: { file: 'invoice.pdf', size: 0 } },
    });
  });

  it('log() writes a custom event, and the best-practice example with rich metadata', async () => {
    const custom = await rowById(await logger.log(123, 'custom_event', 'integration', 'Custom event happened', { key: 'value' }));
    expect(custom).toMatchObject({ event_type: 'custom_event', event_category: 'integration', description: 'Custom event happened', metadata: { key: 'value' }, created_by: 'system' });
    const metadata = { invoice_number: 'INV-2025-001', economic_id: 12345, amount: 1234.56, sent_at: '2025-12-15T10:30:00' };
    const sent = await rowById(await logger.log(123, 'invoice_sent', 'integration', 'Invoice sent to e-conomic', metadata));
    expect(sent.metadata).toEqual(metadata);
    const bare = await rowById(await logger.log(123, 'action_performed', 'system', 'Something happened'));
    expect(bare.metadata).toBeNull();
  });

  it('log() carries the user and who wrote it when told', async () => {
    const id = await logger.log(123, 'note_added', 'user', 'Note added', { note: 'ring til kunden' }, { userId: 7, createdBy: 'mette.jensen' });
    expect(await rowById(id)).toMatchObject({ user_id: 7, created_by: 'mette.jensen', event_category: 'user' });
  });

  it('user events record the user; rule, ticket and notification events their details', async () => {
    const read = await rowById(await logger.logRead(123, 5, 'lars.nielsen'));
    expect(read).toMatchObject({ event_type: 'read', event_category: 'user', description: 'Email read by lars.nielsen', user_id: 5, created_by: 'lars.nielsen' });
    const download = await rowById(await logger.logAttachmentDownloaded(123, 5, 'lars.nielsen', 'invoice.pdf', 48213));
    expect(download).toMatchObject({
      event_category: 'user',
      description: 'Attachment downloaded: invoice.pdf',
      metadata: { username: 'lars.nielsen', filename: 'invoice.pdf', size_bytes: 48213 },
      user_id: 5,
    });
    const upload = await rowById(await logger.logAttachmentUploaded(123, 5, 'lars.nielsen', 'signed.pdf', 1000));
    expect(upload).toMatchObject({ event_type: 'attachment_uploaded', event_category: 'user', user_id: 5 });
    const rule = await rowById(await logger.logRuleMatched(123, 3, 'Vendor invoices to accounting', 'route_to_accounting'));
    expect(rule).toMatchObject({
      event_category: 'rule',
      description: 'Rule matched: Vendor invoices to accounting (action: route_to_accounting)',
      metadata: { rule_id: 3, rule_name: 'Vendor invoices to accounting', action: 'route_to_accounting' },
      user_id: null,
    });
    const ticket = await rowById(await logger.logTicketCreated(123, 991, 'T-2025-000991', 'high'));
    expect(ticket).toMatchObject({ event_category: 'integration', description: 'Support ticket T-2025-000991 created (priority: high)' });
    const notification = await rowById(await logger.logNotificationSent(123, 'email', 'finance@example.dk', 'Bankruptcy notice'));
    expect(notification).toMatchObject({
      event_category: 'integration',
      description: 'Notification sent to finance@example.dk via email: Bankruptcy notice',
      metadata: { channel: 'email', recipient: 'finance@example.dk', reason: 'Bankruptcy notice' },
    });
  });

  it('keeps text with quotes, backslashes and newlines exactly', async () => {
    const message = 'Parser said: "unexpected \\u0000"\nline 2\ttab';
    const id = await logger.logError(123, 'extraction_failed', message, { path: 'C:\\invoices\\a.pdf' });
    expect(await rowById(id)).toMatchObject({ metadata: { error_message: message, context: { path: 'C:\\invoices\\a.pdf' } } });
  });
});

describe('emailActivityLogger rejects bad arguments with a clear message and writes nothing', () => {
  const cases: [string, (l: EmailActivityLogger) => Promise<number>, RegExp][] = [
    ['a negative email id', (l) => l.logFetched(-1, 'imap', 'm'), /logFetched: emailId must be a positive whole number.*got -1/],
    ['a fractional email id', (l) => l.logFetched(1.5, 'imap', 'm'), /emailId must be a positive whole number/],
    ['an email id as text', (l) => l.logFetched('123' as unknown as number, 'imap', 'm'), /emailId must be a positive whole number.*got "123"/],
    ['an email id beyond INTEGER', (l) => l.logFetched(2 ** 31, 'imap', 'm'), /emailId must be a positive whole number up to 2147483647/],
    ['confidence as a percentage', (l) => l.logClassified(1, 'invoice', 85, 'ai'), /confidence must be a number between 0 and 1 \(0\.85 means 85%\), got 85/],
    ['a negative confidence', (l) => l.logClassified(1, 'invoice', -0.1, 'ai'), /confidence must be a number between 0 and 1/],
    ['NaN confidence', (l) => l.logClassified(1, 'invoice', Number.NaN, 'ai'), /confidence must be a number between 0 and 1/],
    ['an unknown category', (l) => l.log(1, 'custom_event', 'audit' as never, 'x'), /category must be one of system, user, workflow, rule, integration, got "audit"/],
    ['an event type with spaces', (l) => l.log(1, 'drop table', 'system', 'x'), /eventType must be an event type/],
    ['an empty description', (l) => l.log(1, 'custom_event', 'system', '  '), /description must be a non-empty string/],
    ['metadata that is an array', (l) => l.log(1, 'custom_event', 'system', 'x', [] as never), /metadata must be a plain object/],
    ['metadata that cannot be JSON', (l) => l.log(1, 'custom_event', 'system', 'x', { n: 1n }), /metadata cannot be stored as JSON/],
    ['a bad user id', (l) => l.log(1, 'custom_event', 'system', 'x', {}, { userId: 0 }), /options\.userId must be a positive whole number/],
    ['negative steps', (l) => l.logWorkflowExecuted(1, 5, 'Invoice Processing', 'completed', -1, 10), /stepsCompleted must be a whole number of 0 or more/],
    ['a fractional run time', (l) => l.logWorkflowExecuted(1, 5, 'Invoice Processing', 'completed', 1, 1.5), /executionTimeMs must be a whole number/],
    ['a bad execution id', (l) => l.logWorkflowExecuted(1, 5, 'Invoice Processing', 'completed', 1, 10, 0), /executionId must be a positive whole number/],
    ['an infinite amount', (l) => l.logInvoiceExtracted(1, 'INV-1', Infinity, true), /amount must be a finite number/],
    ['success as text', (l) => l.logInvoiceExtracted(1, 'INV-1', 1, 'yes' as never), /success must be true or false/],
    ['a missing error type', (l) => l.logError(1, '', 'boom'), /errorType must be a non-empty string/],
    ['context that is not an object', (l) => l.logError(1, 'x', 'boom', 'ctx' as never), /context must be a plain object/],
    ['a read without a user', (l) => l.logRead(1, undefined as never, 'x'), /logRead: userId must be a positive whole number/],
  ];

  let before: number;
  beforeEach(async () => {
    before = await countRows();
  });

  it.each(cases)('%s', async (_name, call, message) => {
    const attempt = call(logger);
    await expect(attempt).rejects.toBeInstanceOf(MailtrailError);
    await expect(attempt).rejects.toMatchObject({ code: 'bad_request', message: expect.stringMatching(message) });
    expect(await countRows()).toBe(before);
  });
});

describe('batch writer (COPY)', () => {
  const base: Omit<ActivityRow, 'description' | 'metadata'> = {
    email_id: 900,
    event_type: 'custom_event',
    event_category: 'system',
    user_id: null,
    created_at: '2025-06-01T08:00:00.123',
    created_by: 'system',
  };

  it('writes rows with explicit created_at and keeps tabs, newlines, backslashes, quotes and JSON intact', async () => {
    const tricky = 'tab\there\nnewline\r\nback\\slash "quoted" \\N not null, ÆØÅ æøå 😀';
    const metadata = { text: tricky, nested: { path: 'C:\\dir\\file', list: [1, 'two', null] }, empty: '' };
    const written = await writeActivityRows(db.writable, [
      { ...base, description: tricky, metadata },
      { ...base, description: 'second', metadata: null, created_at: new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 6)), user_id: 3 },
    ]);
    expect(written).toBe(2);
    const rows = await rowsOf(900);
    expect(rows.map(({ description, metadata: m, created_at, user_id }) => ({ description, metadata: m, created_at, user_id }))).toEqual([
      { description: tricky, metadata, created_at: '2025-06-01T08:00:00.123', user_id: null },
      { description: 'second', metadata: null, created_at: '2025-01-02T03:04:05.006', user_id: 3 },
    ]);
  });

  it('writes many rows through the stream with backpressure', async () => {
    const n = 50_000;
    const rows = function* () {
      for (let i = 0; i < n; i++) yield { ...base, email_id: 901, description: `event ${i}`, metadata: { i } };
    };
    expect(await writeActivityRows(db.writable, rows())).toBe(n);
    const { rows: stored } = await db.writable.query('SELECT count(*)::int AS n, sum((metadata->>\'i\')::int)::float8 AS total FROM email_activity_log WHERE email_id = 901');
    expect(stored[0]).toEqual({ n, total: (n * (n - 1)) / 2 });
  });

  it('rolls back the whole batch and rejects when a row is bad', async () => {
    const before = await countRows();
    const rows = [
      { ...base, email_id: 902, description: 'good', metadata: null },
      { ...base, email_id: 902, description: 'bad time', metadata: null, created_at: 'not a time' },
    ];
    await expect(writeActivityRows(db.writable, rows)).rejects.toThrow(/COPY into email_activity_log failed and its batch was rolled back: .*not a time/);
    expect(await countRows()).toBe(before);
  });

  it('rolls back when the rows fail on the way in', async () => {
    const before = await countRows();
    const rows = (function* () {
      for (let i = 0; i < 30_000; i++) yield { ...base, email_id: 903, description: `event ${i}`, metadata: null };
      throw new Error('source of rows broke');
    })();
    await expect(writeActivityRows(db.writable, rows)).rejects.toThrow(/COPY into email_activity_log failed and its batch was rolled back: .*source of rows broke/);
    expect(await countRows()).toBe(before);
  });

  it('copies into users and email_messages as well', async () => {
    await copyRows(db.writable, 'users', ['id', 'username', 'full_name', 'email'], [[900, 'copy.user', 'Søren "Copy" User', 'copy@example.dk']]);
    await copyRows(db.writable, 'email_messages', ['id', 'subject', 'sender_email', 'received_date'], [[900, 'Faktura\t12', 'a@b.dk', '2025-06-01T07:59:00']]);
    const { rows } = await db.writable.query(
      `SELECT u.full_name, e.subject, e.received_date FROM users u, email_messages e WHERE u.id = 900 AND e.id = 900`,
    );
    expect(rows[0]).toEqual({ full_name: 'Søren "Copy" User', subject: 'Faktura\t12', received_date: '2025-06-01T07:59:00' });
  });

  it('refuses a table or column name that is not a plain identifier', async () => {
    await expect(copyRows(db.writable, 'users; DROP TABLE users', ['id'], [[1]])).rejects.toThrow(/not a plain SQL identifier/);
  });
});
