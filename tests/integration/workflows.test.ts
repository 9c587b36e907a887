import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAdminDb, type AdminDb } from '../../src-main/db/connection';
import { createEmailActivityLogger, type EmailActivityLogger } from '../../src-main/logger/email-activity-logger';
import { builtInActions } from '../../src-main/workflows/actions/built-in-actions';
import { startWorkflowEngine, type WorkflowEngine } from '../../src-main/workflows/engine';
import { rerunExecution } from '../../src-main/workflows/rerun';
import { createTestDatabase, type TestDatabase } from '../support/database';
import {
  eventsOf,
  executionsOf,
  insertEmail,
  settledExecutions,
  startSmtpReceiver,
  startWebhookReceiver,
  waitFor,
  watcherPassed,
} from '../support/workflows';

let db: TestDatabase;
let admin: AdminDb;
let engine: WorkflowEngine;
let logger: EmailActivityLogger;
let smtp: Awaited<ReturnType<typeof startSmtpReceiver>>;
let hook: Awaited<ReturnType<typeof startWebhookReceiver>>;
const workflowIds: Record<string, number> = {};

async function addWorkflow(name: string, trigger: string, steps: unknown[], options: { threshold?: number; enabled?: boolean; priority?: number } = {}) {
  const { rows } = await db.writable.query<{ id: number }>(
    `INSERT INTO email_workflows (name, classification_trigger, confidence_threshold, workflow_steps, priority, enabled)
     VALUES ($1, $2, $3, $4::jsonb, $5, $6) RETURNING id`,
    [name, trigger, options.threshold ?? 0.7, JSON.stringify(steps), options.priority ?? 100, options.enabled ?? true],
  );
  return rows[0]!.id;
}

beforeAll(async () => {
  db = await createTestDatabase();
  // A hub whose email_messages has a body: extract_invoice reads it too.
  await db.writable.query('ALTER TABLE email_messages ADD COLUMN body_text TEXT');
  admin = openAdminDb(db.url, { max: 8 });
  logger = createEmailActivityLogger(db.writable);
  smtp = await startSmtpReceiver();
  // Call 1 and 2 fail, the third passes: a retried step.
  hook = await startWebhookReceiver((call) => (call <= 2 ? 503 : 204));
  const { rows } = await db.writable.query<{ id: number; name: string }>('SELECT id, name FROM email_workflows');
  for (const row of rows) workflowIds[row.name] = row.id;
  engine = await startWorkflowEngine({
    admin,
    queue: { retryLimit: 2, retryDelaySeconds: 0, retryBackoff: false, expireInSeconds: 30, maintenanceIntervalSeconds: 1, pollingIntervalSeconds: 0.5 },
    notify: { smtpUrl: smtp.url, mailFrom: 'mailtrail@test.local' },
    watchIntervalMs: 100,
  });
});

afterAll(async () => {
  await engine?.stop();
  await admin?.end();
  await smtp?.close();
  await hook?.close();
  await db?.drop();
});

describe('after migrate', () => {
  it('has the three pre-configured workflows with the seed\'s triggers and steps', async () => {
    const { rows } = await db.writable.query<{ name: string; classification_trigger: string; confidence_threshold: number; actions: string[]; enabled: boolean }>(
      `SELECT name, classification_trigger, confidence_threshold, enabled,
              ARRAY(SELECT s->>'action' FROM jsonb_array_elements(workflow_steps) s) AS actions
       FROM email_workflows ORDER BY priority`,
    );
    expect(rows).toEqual([
      { name: 'Bankruptcy Alert', classification_trigger: 'bankruptcy', confidence_threshold: 0.8, enabled: true, actions: ['flag_bankruptcy', 'notify', 'create_ticket'] },
      { name: 'Invoice Processing', classification_trigger: 'invoice', confidence_threshold: 0.7, enabled: true, actions: ['extract_invoice', 'link_entity', 'set_status'] },
      { name: 'Time Confirmation', classification_trigger: 'time_confirmation', confidence_threshold: 0.75, enabled: true, actions: ['link_entity', 'create_ticket', 'set_status'] },
    ]);
  });

  it('catalogues exactly the built-in actions, and every pre-configured step validates', async () => {
    const { rows } = await db.writable.query<{ action_code: string }>('SELECT action_code FROM email_workflow_actions ORDER BY action_code');
    const registry = builtInActions();
    expect(rows.map((row) => row.action_code)).toEqual(registry.codes());
    const { rows: steps } = await db.writable.query<{ action: string; params: unknown }>(
      `SELECT s->>'action' AS action, s->'params' AS params FROM email_workflows, jsonb_array_elements(workflow_steps) s`,
    );
    for (const step of steps) expect(() => registry.get(step.action).validate(step.params)).not.toThrow();
  });
});

describe('the seed\'s sample emails through the pre-configured workflows', () => {
  it('Invoice Processing: a classified invoice is extracted, linked to its vendor and marked processed', async () => {
    const emailId = await insertEmail(db.writable, {
      subject: 'Invoice INV-2025-001 - Acme Corp',
      sender_email: 'billing@acme-corp.dk',
      sender_name: 'Acme Billing',
      body_text: 'Dear customer,\nplease pay DKK 1.234,56 for invoice INV-2025-001.\nDue date: 15.01.2026\n',
    });
    await logger.logFetched(emailId, 'imap', 'msg-abc-123');
    await logger.logClassified(emailId, 'invoice', 0.92, 'ai');

    const [execution] = await settledExecutions(db.writable, emailId, 1);
    expect(execution).toMatchObject({ workflow_id: workflowIds['Invoice Processing'], status: 'completed', steps_completed: 3, steps_total: 3, error_message: null });

    const events = await eventsOf(db.writable, emailId);
    expect(events.map((event) => event.event_type)).toEqual(['fetched', 'classified', 'invoice_extracted', 'linked', 'status_changed', 'workflow_executed']);
    expect(events[2]!.metadata).toMatchObject({ invoice_number: 'INV-2025-001', amount: 1234.56, currency: 'DKK', due_date: '2026-01-15', success: true, execution_id: execution!.id });
    expect(events[3]!.metadata).toMatchObject({ entity_type: 'vendor', entity_name: 'acme-corp.dk' });
    expect(events[4]!.metadata).toMatchObject({ old_status: 'active', new_status: 'processed' });
    // Exactly the seed's workflow_executed example.
    expect(events[5]).toMatchObject({
      event_category: 'workflow',
      metadata: {
        workflow_id: workflowIds['Invoice Processing'],
        workflow_name: 'Invoice Processing',
        status: 'completed',
        steps_completed: 3,
        execution_time_ms: execution!.execution_time_ms,
      },
    });
    // The seed's five fields, and the execution's id so that the timeline can open the run.
    expect(Object.keys(events[5]!.metadata).sort()).toEqual(['execution_id', 'execution_time_ms', 'status', 'steps_completed', 'workflow_id', 'workflow_name']);
    expect(events[5]!.metadata.execution_id).toBe(execution!.id);
    const { rows: status } = await db.writable.query('SELECT status FROM email_messages WHERE id = $1', [emailId]);
    expect(status[0]).toEqual({ status: 'processed' });
    const { rows: steps } = await db.writable.query('SELECT step_index, action, outcome, attempts FROM email_workflow_execution_steps WHERE execution_id = $1 ORDER BY step_index', [execution!.id]);
    expect(steps).toEqual([
      { step_index: 0, action: 'extract_invoice', outcome: 'succeeded', attempts: 1 },
      { step_index: 1, action: 'link_entity', outcome: 'succeeded', attempts: 1 },
      { step_index: 2, action: 'set_status', outcome: 'succeeded', attempts: 1 },
    ]);
  });

  it('Time Confirmation: links the customer, opens a ticket, marks processed', async () => {
    const emailId = await insertEmail(db.writable, { subject: 'Tidsregistrering uge 12 - Holm Entreprise ApS', sender_email: 'bo@holm-entreprise.dk' });
    // Logged through the seed's SQL function, not the logger: the watcher reads the table.
    await db.writable.query(`SELECT log_email_event($1, 'classified', 'system', 'Classified as time_confirmation (confidence: 90%)', '{"classification": "time_confirmation", "confidence": 0.9, "method": "ai"}'::jsonb, NULL, 'system')`, [emailId]);
    const [execution] = await settledExecutions(db.writable, emailId, 1);
    expect(execution).toMatchObject({ workflow_id: workflowIds['Time Confirmation'], status: 'completed', steps_completed: 3, error_message: null });
    const events = await eventsOf(db.writable, emailId);
    expect(events.map((event) => event.event_type)).toEqual(['classified', 'linked', 'ticket_created', 'status_changed', 'workflow_executed']);
    const { rows: tickets } = await db.writable.query('SELECT ticket_number, priority, subject FROM email_tickets WHERE email_id = $1', [emailId]);
    expect(tickets).toEqual([{ ticket_number: expect.stringMatching(/^TCK-\d{6}$/), priority: 'normal', subject: 'Tidsregistrering uge 12 - Holm Entreprise ApS' }]);
    expect(events[2]!.metadata).toMatchObject({ ticket_number: tickets[0]!.ticket_number, priority: 'normal' });
  });

  it('Bankruptcy Alert: flags the matched text, mails finance, opens an urgent ticket', async () => {
    const emailId = await insertEmail(db.writable, { subject: 'Konkursbo Fjordens Fragt A/S - anmeldelse af krav', sender_email: 'kurator@advokat.dk' });
    await logger.logClassified(emailId, 'bankruptcy', 0.95, 'keyword');
    const [execution] = await settledExecutions(db.writable, emailId, 1);
    expect(execution).toMatchObject({ workflow_id: workflowIds['Bankruptcy Alert'], status: 'completed', steps_completed: 3, error_message: null });
    const events = await eventsOf(db.writable, emailId);
    expect(events.map((event) => event.event_type)).toEqual(['classified', 'bankruptcy_flagged', 'notification_sent', 'ticket_created', 'workflow_executed']);
    expect(events[1]!.metadata).toMatchObject({ matched_text: 'Konkursbo', keywords: ['konkurs'] });
    expect(events[2]!.metadata).toMatchObject({ channel: 'email', recipient: 'finance@bmc-hub.dk' });
    const mail = smtp.received.find((message) => message.data.includes(`email_id: ${emailId}`));
    expect(mail?.to).toEqual(['finance@bmc-hub.dk']);
    expect(mail?.data).toContain(`Message-ID: <mailtrail-execution-${execution!.id}-step-1@mailtrail>`);
    expect(events[3]!.metadata).toMatchObject({ priority: 'urgent' });
  });
});

describe('link_entity', () => {
  it('links a given vendor by id, and refuses an unknown sender domain when told not to create one', async () => {
    const { rows } = await db.writable.query<{ id: number }>(`INSERT INTO email_entities (entity_type, name, domain) VALUES ('vendor', 'Nordlys Energi', 'nordlys.dk') RETURNING id`);
    const vendorId = rows[0]!.id;
    await addWorkflow('Link given', 'link_given', [{ action: 'link_entity', params: { entity_type: 'vendor', entity_id: vendorId } }]);
    await addWorkflow('Link known only', 'link_known', [{ action: 'link_entity', params: { entity_type: 'customer', create_missing: false } }]);
    const given = await insertEmail(db.writable, { subject: 'x', sender_email: 'someone@elsewhere.dk' });
    const unknown = await insertEmail(db.writable, { subject: 'y', sender_email: 'someone@unknown-customer.dk' });
    await logger.logClassified(given, 'link_given', 0.9, 'ai');
    await logger.logClassified(unknown, 'link_known', 0.9, 'ai');
    const [linked] = await settledExecutions(db.writable, given, 1);
    const [refused] = await settledExecutions(db.writable, unknown, 1);
    expect(linked).toMatchObject({ status: 'completed' });
    const { rows: links } = await db.writable.query('SELECT entity_type, entity_id, entity_name FROM email_entity_links WHERE email_id = $1', [given]);
    expect(links).toEqual([{ entity_type: 'vendor', entity_id: vendorId, entity_name: 'Nordlys Energi' }]);
    expect((await eventsOf(db.writable, given))[1]).toMatchObject({ event_type: 'linked', metadata: { entity_type: 'vendor', entity_id: vendorId, entity_name: 'Nordlys Energi' } });
    expect(refused).toMatchObject({ status: 'failed', error_message: 'step 1 (link_entity): no customer has the sender domain unknown-customer.dk; add one to email_entities or set create_missing' });
  });
});

describe('matching', () => {
  it('runs only enabled workflows whose trigger matches and whose threshold is met, in priority order', async () => {
    const later = await addWorkflow('Quote later', 'quote', [{ action: 'create_ticket', params: { priority: 'low' } }], { priority: 50, threshold: 0.5 });
    const first = await addWorkflow('Quote first', 'quote', [{ action: 'set_status', params: { status: 'quoted' } }], { priority: 1, threshold: 0.5 });
    await addWorkflow('Quote disabled', 'quote', [{ action: 'set_status', params: { status: 'never' } }], { enabled: false, threshold: 0.1 });
    await addWorkflow('Quote picky', 'quote', [{ action: 'set_status', params: { status: 'never' } }], { threshold: 0.99 });
    await addWorkflow('Order', 'order', [{ action: 'set_status', params: { status: 'never' } }], { threshold: 0.1 });

    const emailId = await insertEmail(db.writable, { subject: 'Request for quote', sender_email: 'buyer@example.com' });
    const eventId = await logger.logClassified(emailId, 'quote', 0.8, 'ai');
    const executions = await settledExecutions(db.writable, emailId, 2);
    await watcherPassed(db.writable, eventId);
    const after = await executionsOf(db.writable, emailId);
    expect(after.map((execution) => execution.workflow_id)).toEqual([first, later]);
    expect(executions.map(({ status, error_message, trigger_event_id }) => ({ status, error_message, trigger_event_id }))).toEqual([0, 1].map(() => ({ status: 'completed', error_message: null, trigger_event_id: eventId })));
  });

  it('does not run a workflow below its confidence threshold, nor for an event without a confidence', async () => {
    const emailId = await insertEmail(db.writable, { subject: 'Faktura 55555 fra Acme', sender_email: 'a@acme.dk' });
    await logger.logClassified(emailId, 'invoice', 0.5, 'ai');
    const eventId = await logger.log(emailId, 'classified', 'system', 'Classified as invoice', { classification: 'invoice' });
    await watcherPassed(db.writable, eventId);
    expect(await executionsOf(db.writable, emailId)).toEqual([]);
  });
});

describe('picking up events', () => {
  it('starts an execution within 2 s of the classified event', async () => {
    const emailId = await insertEmail(db.writable, { subject: 'Faktura 90210 fra Acme', sender_email: 'a@acme.dk' });
    const logged = Date.now();
    await logger.logClassified(emailId, 'invoice', 0.9, 'ai');
    await waitFor(async () => (await executionsOf(db.writable, emailId)).length === 1, 5_000, 'the execution');
    expect(Date.now() - logged).toBeLessThan(2_000);
  });

  it('runs an event whose transaction commits after a later id was read (ids commit out of order)', async () => {
    await addWorkflow('Late commit', 'late_commit', [{ action: 'set_status', params: { status: 'late' } }], { threshold: 0.5 });
    const early = await insertEmail(db.writable, { subject: 'Early id, late commit', sender_email: 'x@example.com' });
    const later = await insertEmail(db.writable, { subject: 'Later id, early commit', sender_email: 'x@example.com' });
    const slow = await db.writable.connect();
    // Another category than the logger's: the log's rollup trigger holds the row of (day, type, category) until commit.
    try {
      await slow.query('BEGIN');
      const { rows } = await slow.query<{ id: number }>(
        `INSERT INTO email_activity_log (email_id, event_type, event_category, description, metadata, created_by)
         VALUES ($1, 'classified', 'rule', 'Classified as late_commit', '{"classification": "late_commit", "confidence": 0.9}', 'system') RETURNING id`,
        [early],
      );
      const laterEventId = await logger.logClassified(later, 'late_commit', 0.9, 'ai');
      expect(laterEventId).toBeGreaterThan(rows[0]!.id);
      // The later event runs while the earlier one is still uncommitted, and the watermark stays below it.
      await settledExecutions(db.writable, later, 1);
      const { rows: state } = await db.writable.query<{ watermark: string }>('SELECT watermark FROM mailtrail_workflow_watcher');
      expect(Number(state[0]!.watermark)).toBeLessThan(rows[0]!.id);
      await slow.query('COMMIT');
    } finally {
      slow.release();
    }
    const [execution] = await settledExecutions(db.writable, early, 1);
    expect(execution).toMatchObject({ status: 'completed', error_message: null });
  });
});

describe('failures', () => {
  it('retries a failing step, and records each attempt, until it passes', async () => {
    await addWorkflow('Webhook flaky', 'webhook_test', [{ action: 'notify', params: { channel: 'webhook', url: hook.url, reason: 'flaky receiver' } }]);
    const emailId = await insertEmail(db.writable, { subject: 'Webhook me', sender_email: 'x@example.com' });
    await logger.logClassified(emailId, 'webhook_test', 0.9, 'ai');
    const [execution] = await settledExecutions(db.writable, emailId, 1);
    expect(execution).toMatchObject({ status: 'completed', steps_completed: 1 });
    const { rows } = await db.writable.query('SELECT attempts, outcome FROM email_workflow_execution_steps WHERE execution_id = $1', [execution!.id]);
    expect(rows).toEqual([{ attempts: 3, outcome: 'succeeded' }]);
    // The same idempotency id on every attempt, for the receiver to de-duplicate.
    const ids = new Set(hook.calls.map((call) => call.headers['idempotency-key']));
    expect([...ids]).toEqual([`mailtrail-execution-${execution!.id}-step-0`]);
    expect(hook.calls.at(-1)!.body).toMatchObject({ email_id: emailId, workflow_name: 'Webhook flaky', reason: 'flaky receiver' });
    const events = await eventsOf(db.writable, emailId);
    expect(events.map((event) => event.event_type)).toEqual(['classified', 'notification_sent', 'workflow_executed']);
  });

  it('fails the execution after its retries, with the error stored and logged', async () => {
    const down = await startWebhookReceiver(() => 500);
    try {
      const workflowId = await addWorkflow('Webhook down', 'webhook_down', [
        { action: 'set_status', params: { status: 'notifying' } },
        { action: 'notify', params: { channel: 'webhook', url: down.url } },
      ]);
      const emailId = await insertEmail(db.writable, { subject: 'Nobody listens', sender_email: 'x@example.com' });
      await logger.logClassified(emailId, 'webhook_down', 0.9, 'ai');
      const [execution] = await settledExecutions(db.writable, emailId, 1);
      expect(execution).toMatchObject({ status: 'failed', steps_completed: 1 });
      expect(execution!.error_message).toBe(`step 2 (notify): the webhook ${down.url} answered 500 Internal Server Error`);
      expect(down.calls).toHaveLength(3);
      const { rows } = await db.writable.query('SELECT action, attempts, outcome, error_message FROM email_workflow_execution_steps WHERE execution_id = $1 ORDER BY step_index', [execution!.id]);
      expect(rows).toEqual([
        { action: 'set_status', attempts: 1, outcome: 'succeeded', error_message: null },
        { action: 'notify', attempts: 3, outcome: 'failed', error_message: execution!.error_message },
      ]);
      const events = await eventsOf(db.writable, emailId);
      expect(events.map((event) => event.event_type)).toEqual(['classified', 'status_changed', 'error', 'workflow_executed']);
      expect(events[2]!.metadata).toMatchObject({ error_type: 'workflow_failed', error_message: execution!.error_message, context: { workflow_id: workflowId, execution_id: execution!.id } });
      expect(events[3]!.metadata).toEqual({
        workflow_id: workflowId,
        workflow_name: 'Webhook down',
        status: 'failed',
        steps_completed: 1,
        execution_time_ms: execution!.execution_time_ms,
        execution_id: execution!.id,
      });
    } finally {
      await down.close();
    }
  });

  it('runs a failed execution again on request, journaled, without redoing its finished steps', async () => {
    const recovering = await startWebhookReceiver((call) => (call <= 3 ? 500 : 204));
    try {
      await addWorkflow('Rerun me', 'rerun_me', [
        { action: 'set_status', params: { status: 'notifying' } },
        { action: 'notify', params: { channel: 'webhook', url: recovering.url } },
      ]);
      const emailId = await insertEmail(db.writable, { subject: 'Try again later', sender_email: 'x@example.com' });
      await logger.logClassified(emailId, 'rerun_me', 0.9, 'ai');
      const [failed] = await settledExecutions(db.writable, emailId, 1);
      expect(failed).toMatchObject({ status: 'failed', steps_completed: 1 });

      expect(await rerunExecution(admin, failed!.id, 'workflows-test')).toEqual({ execution_id: failed!.id, steps_to_run: 1 });
      const done = await waitFor(async () => {
        const [row] = await executionsOf(db.writable, emailId);
        return row?.status === 'completed' ? row : null;
      }, 20_000, 'the re-run to complete');
      expect(done).toMatchObject({ id: failed!.id, steps_completed: 2, error_message: null });
      const { rows: steps } = await db.writable.query('SELECT action, attempts, outcome FROM email_workflow_execution_steps WHERE execution_id = $1 ORDER BY step_index', [failed!.id]);
      expect(steps).toEqual([
        { action: 'set_status', attempts: 1, outcome: 'succeeded' },
        { action: 'notify', attempts: 4, outcome: 'succeeded' },
      ]);
      const events = await eventsOf(db.writable, emailId);
      expect(events.map((event) => `${event.event_type}${event.event_type === 'workflow_executed' ? `:${String(event.metadata.status)}` : ''}`)).toEqual([
        'classified', 'status_changed', 'error', 'workflow_executed:failed', 'notification_sent', 'workflow_executed:completed',
      ]);
      const { rows: journal } = await db.writable.query(`SELECT action, parameters, outcome FROM mailtrail_admin_journal WHERE actor = 'workflows-test'`);
      expect(journal).toEqual([{ action: 'workflows.rerun', parameters: { execution_id: failed!.id }, outcome: 'succeeded' }]);
      await expect(rerunExecution(admin, failed!.id, 'workflows-test')).rejects.toThrow(`execution ${failed!.id} is completed; only a failed execution can be run again`);
    } finally {
      await recovering.close();
    }
  });

  it('fails at once a workflow whose workflow_steps is not a list of steps', async () => {
    await addWorkflow('Broken steps', 'broken_steps', { action: 'set_status' } as unknown as unknown[]);
    const emailId = await insertEmail(db.writable, { subject: 'x', sender_email: 'x@example.com' });
    await logger.logClassified(emailId, 'broken_steps', 0.9, 'ai');
    const [execution] = await settledExecutions(db.writable, emailId, 1);
    expect(execution).toMatchObject({ status: 'failed', steps_completed: 0, error_message: "the workflow's workflow_steps is not a JSON array" });
    const events = await eventsOf(db.writable, emailId);
    expect(events.map((event) => event.event_type)).toEqual(['classified', 'error', 'workflow_executed']);
  });

  it('fails at once, without retries, on a step no retry can mend', async () => {
    await addWorkflow('Bad params', 'bad_params', [{ action: 'set_status', params: { colour: 'red' } }]);
    const emailId = await insertEmail(db.writable, { subject: 'x', sender_email: 'x@example.com' });
    await logger.logClassified(emailId, 'bad_params', 0.9, 'ai');
    const [execution] = await settledExecutions(db.writable, emailId, 1);
    expect(execution).toMatchObject({ status: 'failed', steps_completed: 0 });
    expect(execution!.error_message).toMatch(/^step 1 \(set_status\): set_status: params\./);
    const { rows } = await db.writable.query('SELECT attempts FROM email_workflow_execution_steps WHERE execution_id = $1', [execution!.id]);
    expect(rows).toEqual([{ attempts: 1 }]);
  });
});
