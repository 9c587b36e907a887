import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { vi } from 'vitest';
import type { WritableDb } from '../../src-main/db/connection';

/** Waits for what a user would wait for: `check` returning a value, polled by vitest, up to `timeoutMs`. */
export function waitFor<T>(check: () => Promise<T | null | undefined | false>, timeoutMs = 15_000, what = 'the condition'): Promise<T> {
  return vi.waitFor(
    async () => {
      const value = await check();
      if (!value) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      return value;
    },
    { timeout: timeoutMs, interval: 100 },
  );
}

export interface SampleEmail {
  subject: string;
  sender_email: string;
  sender_name?: string;
  classification?: string;
  body_text?: string;
}

/** An email_messages row as the hub writes it; body_text only where the test added that column. */
export async function insertEmail(db: WritableDb, email: SampleEmail): Promise<number> {
  const columns = ['subject', 'sender_email', 'sender_name', 'classification', 'status', ...(email.body_text === undefined ? [] : ['body_text'])];
  const values = [email.subject, email.sender_email, email.sender_name ?? null, email.classification ?? null, 'active', ...(email.body_text === undefined ? [] : [email.body_text])];
  const placeholders = values.map((_, index) => `$${index + 1}`).join(', ');
  const { rows } = await db.query<{ id: number }>(`INSERT INTO email_messages (${columns.join(', ')}) VALUES (${placeholders}) RETURNING id`, values);
  return rows[0]!.id;
}

export interface ExecutionRow {
  id: number;
  workflow_id: number;
  email_id: number;
  status: string;
  steps_completed: number;
  steps_total: number;
  error_message: string | null;
  trigger_event_id: number;
  execution_time_ms: number | null;
}

export async function executionsOf(db: WritableDb, emailId: number): Promise<ExecutionRow[]> {
  const { rows } = await db.query<ExecutionRow>('SELECT * FROM email_workflow_executions WHERE email_id = $1 ORDER BY id', [emailId]);
  return rows;
}

/** The executions of an email once all have ended (completed or failed). */
export async function settledExecutions(db: WritableDb, emailId: number, count: number, timeoutMs = 20_000): Promise<ExecutionRow[]> {
  return waitFor(
    async () => {
      const rows = await executionsOf(db, emailId);
      return rows.length >= count && rows.every((row) => row.status === 'completed' || row.status === 'failed') ? rows : null;
    },
    timeoutMs,
    `${count} finished executions of email ${emailId}`,
  );
}

/** The watcher has matched every event up to `eventId` (so an execution that did not appear never will). */
export async function watcherPassed(db: WritableDb, eventId: number, timeoutMs = 15_000): Promise<void> {
  await waitFor(
    async () => {
      const { rows } = await db.query<{ watermark: string }>('SELECT watermark FROM mailtrail_workflow_watcher');
      return Number(rows[0]?.watermark) >= eventId;
    },
    timeoutMs,
    `the watcher to pass event ${eventId}`,
  );
}

export interface LoggedEvent {
  id: number;
  event_type: string;
  event_category: string;
  description: string;
  metadata: Record<string, unknown>;
}

export async function eventsOf(db: WritableDb, emailId: number): Promise<LoggedEvent[]> {
  const { rows } = await db.query<LoggedEvent>(
    'SELECT id, event_type, event_category, description, metadata FROM email_activity_log WHERE email_id = $1 ORDER BY id',
    [emailId],
  );
  return rows;
}

export interface WebhookCall {
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

/** A local HTTP receiver; `status` answers each call (a function of the call number, from 1); 0 never answers. */
/** A local webhook receiver; `status` answers each call with a status (0: no answer at all), or a status and headers. */
export async function startWebhookReceiver(status: (call: number) => number | { status: number; headers: Record<string, string> } = () => 204) {
  const calls: WebhookCall[] = [];
  const server: Server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    request.on('end', () => {
      calls.push({ headers: request.headers, body: JSON.parse(text || '{}') as Record<string, unknown> });
      const answer = status(calls.length);
      const { status: code, headers } = typeof answer === 'number' ? { status: answer, headers: {} } : answer;
      if (code === 0) return;
      response.writeHead(code, headers);
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    calls,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface ReceivedMail {
  from: string;
  to: string[];
  data: string;
}

/** An in-process SMTP server that keeps what it receives. */
export async function startSmtpReceiver() {
  const received: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, callback) {
      let data = '';
      stream.on('data', (chunk: Buffer) => (data += chunk.toString('utf8')));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          data,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return { url: `smtp://127.0.0.1:${port}`, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
