import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MailtrailError } from '../../src-main/contract/errors';
import { actionFieldsOf, BUILT_IN_ACTION_PARAMS, type TryWorkflowResult } from '../../src-main/contract/workflow-actions';
import { startHttpServer, type HttpServer } from '../../src-main/server/http-server';
import { createLogService } from '../../src-main/service/log-service';
import { createWorkflowsService, type WorkflowOperations } from '../../src-main/service/workflows-service';
import { createPostgresLogStore } from '../../src-main/store/postgres/postgres-log-store';
import { paramsOf } from '../../src-main/workflows/actions/action';
import { builtInActions } from '../../src-main/workflows/actions/built-in-actions';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { insertEmail, startSmtpReceiver, startWebhookReceiver } from '../support/workflows';

// The action catalogue and "try on an email" (issue 16, item 5) against real PostgreSQL: each built-in's
// preview says what it would do on the email, and nothing at all is written (every table an action,
// the engine or the CRUD API writes keeps its rows; the ticket sequence is not drawn).

let db: TestDatabase;
let service: WorkflowOperations;
let server: HttpServer;
let invoiceEmail: number;
let bankruptcyEmail: number;
let bareEmail: number;
let vendorId: number;

const TOUCHED_TABLES = [
  'email_messages',
  'email_activity_log',
  'email_workflows',
  'email_workflow_executions',
  'email_workflow_execution_steps',
  'email_invoices',
  'email_entities',
  'email_entity_links',
  'email_tickets',
  'mailtrail_admin_journal',
] as const;

async function snapshot() {
  const counts: Record<string, number> = {};
  for (const table of TOUCHED_TABLES) counts[table] = Number((await db.writable.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
  const statuses = (await db.writable.query(`SELECT id, status FROM email_messages ORDER BY id`)).rows;
  const ticketSequence = (await db.writable.query(`SELECT last_value, is_called FROM email_tickets_id_seq`)).rows[0];
  const jobs = Number((await db.writable.query(`SELECT count(*) AS n FROM pgboss.job`).catch(() => ({ rows: [{ n: -1 }] }))).rows[0].n);
  return { counts, statuses, ticketSequence, jobs };
}

async function classify(emailId: number, classification: string, confidence: number | null) {
  const metadata = confidence === null ? { classification } : { classification, confidence, method: 'ai' };
  await db.writable.query(`SELECT log_email_event($1, 'classified', 'system', $2, $3::jsonb, NULL, 'system')`, [emailId, `Classified as ${classification}`, JSON.stringify(metadata)]);
}

const draft = (steps: { action: string; params?: Record<string, unknown> }[], extra: Record<string, unknown> = {}) => ({
  name: 'Draft',
  classification_trigger: 'invoice',
  confidence_threshold: 0.7,
  workflow_steps: steps.map((step) => ({ action: step.action, params: step.params ?? {} })),
  enabled: true,
  ...extra,
});

async function tryOn(emailId: number, steps: { action: string; params?: Record<string, unknown> }[], extra: Record<string, unknown> = {}): Promise<TryWorkflowResult> {
  const request = { ...draft(steps, extra), emailId } as Parameters<WorkflowOperations['workflows/try']>[0];
  return service['workflows/try'](request);
}

beforeAll(async () => {
  db = await createTestDatabase();
  service = createWorkflowsService({ viewer: db.readable, admin: null, actor: () => 'test' });
  const store = createPostgresLogStore(db.readable, { kind: 'postgres', label: 'test' });
  server = await startHttpServer({ service: createLogService(store, { db: null, actor: 'test', journalDb: db.readable, workflows: service }), port: 0 });
  invoiceEmail = await insertEmail(db.writable, { subject: 'Faktura 12345 fra Nordic Supplies: 1.250,00 kr, forfaldsdato: 31-01-2026', sender_email: 'billing@nordic-supplies.example' });
  bankruptcyEmail = await insertEmail(db.writable, { subject: 'Konkurs: Acme ApS er erklæret konkurs', sender_email: 'kurator@law.example' });
  bareEmail = await insertEmail(db.writable, { subject: 'Hello', sender_email: 'someone@unknown-domain.example' });
  vendorId = Number(
    (await db.writable.query(`INSERT INTO email_entities (entity_type, name, domain) VALUES ('vendor', 'Nordic Supplies ApS', 'nordic-supplies.example') RETURNING id`)).rows[0].id,
  );
  await classify(invoiceEmail, 'invoice', 0.9);
  await classify(bankruptcyEmail, 'bankruptcy', 0.95);
});

afterAll(async () => {
  await server?.close();
  await db?.drop();
});

describe('workflows/actions: the catalogue', () => {
  it('lists the six built-ins from email_workflow_actions with their params as form fields', async () => {
    const { items } = await service['workflows/actions']({});
    expect(items.map((item) => item.code)).toEqual(['set_status', 'extract_invoice', 'link_entity', 'create_ticket', 'notify', 'flag_bankruptcy']);
    expect(items.every((item) => item.runnable && item.previews && item.fields !== null)).toBe(true);
    const byCode = Object.fromEntries(items.map((item) => [item.code, item]));
    expect(byCode.set_status!.name).toBe('Set status');
    expect(byCode.set_status!.fields!.map((field) => [field.name, field.type, field.required])).toEqual([
      ['status', 'string', true],
      ['reason', 'string', false],
    ]);
    expect(byCode.extract_invoice!.fields).toEqual([]);
    expect(byCode.link_entity!.fields).toEqual([
      expect.objectContaining({ name: 'entity_type', type: 'enum', required: true, choices: ['vendor', 'customer'] }),
      expect.objectContaining({ name: 'entity_id', type: 'number', required: false, format: 'integer' }),
      expect.objectContaining({ name: 'create_missing', type: 'boolean', required: false, default: true }),
    ]);
    expect(byCode.create_ticket!.fields![0]).toEqual(expect.objectContaining({ name: 'priority', type: 'enum', default: 'normal', choices: ['low', 'normal', 'high', 'urgent'] }));
    expect(byCode.notify!.fields!.map((field) => [field.name, field.type, field.required, field.when?.equals ?? null])).toEqual([
      ['channel', 'enum', true, null],
      ['url', 'string', true, 'webhook'],
      ['reason', 'string', false, 'webhook'],
      ['to', 'string', true, 'email'],
      ['subject', 'string', false, 'email'],
      ['reason', 'string', false, 'email'],
    ]);
    expect(byCode.flag_bankruptcy!.fields).toEqual([expect.objectContaining({ name: 'keywords', type: 'string[]', required: false })]);
    expect(byCode.flag_bankruptcy!.fields![0]!.help).toContain('konkurs');
  });

  it('derives the fields from the same zod the engine validates with: the required fields are what the schema requires', () => {
    for (const [code, schema] of Object.entries(BUILT_IN_ACTION_PARAMS)) {
      const fields = actionFieldsOf(schema)!;
      const validate = builtInActions().get(code).validate;
      // Each required field left out is refused, naming it.
      for (const field of fields.filter((candidate) => candidate.required && candidate.when === null)) {
        expect(() => validate({}), `${code}.${field.name}`).toThrow(new RegExp(`params\\.${field.name}`));
      }
    }
  });

  it("adds the hub's own actions that have no catalogue row: runnable, with fields from their schema or none", async () => {
    const actions = builtInActions()
      .register({ code: 'hub_archive', validate: paramsOf('hub_archive', z.object({ folder: z.string() }).strict()), params: z.object({ folder: z.string() }).strict(), run: async () => ({}) })
      .register({ code: 'hub_opaque', validate: (params) => params, run: async () => ({}) });
    const hub = createWorkflowsService({ viewer: db.readable, admin: null, actor: () => 'test', actions });
    const { items } = await hub['workflows/actions']({});
    expect(items.slice(6).map((item) => [item.code, item.name, item.runnable, item.previews, item.fields?.map((field) => field.name) ?? null])).toEqual([
      ['hub_archive', 'hub_archive', true, false, ['folder']],
      ['hub_opaque', 'hub_opaque', true, false, null],
    ]);
    const tried = await hub['workflows/try']({ ...draft([{ action: 'hub_archive', params: { folder: 'done' } }]), emailId: invoiceEmail } as Parameters<WorkflowOperations['workflows/try']>[0]);
    expect(tried.steps[0]).toEqual(expect.objectContaining({ outcome: 'would_run', summary: 'would run hub_archive with params {"folder":"done"}' }));
  });

  it('lists the classifications of the newest classified events and the workflows’ triggers', async () => {
    const { items } = await service['workflows/classifications']({});
    const names = items.map((item) => item.classification);
    expect(names).toEqual(expect.arrayContaining(['invoice', 'bankruptcy', 'time_confirmation']));
    expect(items.find((item) => item.classification === 'invoice')!.events).toBeGreaterThanOrEqual(1);
  });
});

describe('workflows/try: what each built-in would do, writing nothing', () => {
  it('previews every step of a workflow on one email and writes nothing', async () => {
    const webhook = await startWebhookReceiver();
    const smtp = await startSmtpReceiver();
    try {
      const before = await snapshot();
      const result = await tryOn(invoiceEmail, [
        { action: 'extract_invoice' },
        { action: 'link_entity', params: { entity_type: 'vendor' } },
        { action: 'link_entity', params: { entity_type: 'customer' } },
        { action: 'set_status', params: { status: 'processed' } },
        { action: 'set_status', params: { status: 'processed' } },
        { action: 'create_ticket', params: { priority: 'urgent' } },
        { action: 'notify', params: { channel: 'webhook', url: webhook.url } },
        { action: 'notify', params: { channel: 'email', to: 'finance@bmc-hub.example' } },
        { action: 'flag_bankruptcy' },
      ]);
      expect(result.email).toEqual({ id: invoiceEmail, subject: expect.stringContaining('Faktura 12345'), sender_email: 'billing@nordic-supplies.example', status: 'active' });
      expect(result.trigger).toEqual(expect.objectContaining({ matches: true, classification: 'invoice', confidence: 0.9 }));
      const [invoice, vendor, customer, status, again, ticket, hook, mail, flag] = result.steps;
      expect(invoice).toEqual(expect.objectContaining({ step_index: 0, action: 'extract_invoice', outcome: 'would_run' }));
      expect(invoice!.details).toEqual({ invoice_number: '12345', amount: 1250, currency: 'DKK', due_date: '2026-01-31' });
      expect(vendor!.outcome).toBe('would_run');
      expect(vendor!.details).toEqual(expect.objectContaining({ entity_type: 'vendor', entity_id: vendorId, entity_name: 'Nordic Supplies ApS' }));
      expect(customer!.summary).toContain('create customer "nordic-supplies.example"');
      expect(status).toEqual(expect.objectContaining({ outcome: 'would_run', summary: 'status "active" → "processed"' }));
      // The second set_status sees the email as the first would leave it.
      expect(again!.outcome).toBe('no_change');
      expect(ticket!.details).toEqual(expect.objectContaining({ priority: 'urgent', subject: expect.stringContaining('Faktura 12345') }));
      expect(hook!.summary).toContain(webhook.url);
      expect(mail!.details).toEqual(expect.objectContaining({ to: 'finance@bmc-hub.example', subject: expect.stringContaining('Draft: Faktura') }));
      expect(flag).toEqual(expect.objectContaining({ outcome: 'no_change', summary: expect.stringMatching(/^no match/) }));
      // Nothing sent, nothing written, no job queued, no ticket number drawn.
      expect(webhook.calls).toHaveLength(0);
      expect(smtp.received).toHaveLength(0);
      expect(await snapshot()).toEqual(before);
    } finally {
      await webhook.close();
      await smtp.close();
    }
  });

  it('flag_bankruptcy names the matched text; extract_invoice without a number would fail', async () => {
    const result = await tryOn(bankruptcyEmail, [{ action: 'flag_bankruptcy' }, { action: 'extract_invoice' }, { action: 'flag_bankruptcy', params: { keywords: ['insolvent'] } }], {
      classification_trigger: 'bankruptcy',
      confidence_threshold: 0.8,
    });
    expect(result.trigger.matches).toBe(true);
    expect(result.steps[0]).toEqual(expect.objectContaining({ outcome: 'would_run', summary: expect.stringContaining('"Konkurs"') }));
    expect(result.steps[0]!.details).toEqual(expect.objectContaining({ flagged: true, matched_text: 'Konkurs' }));
    expect(result.steps[1]).toEqual(expect.objectContaining({ outcome: 'would_fail', summary: expect.stringContaining('no invoice number') }));
    expect(result.steps[2]!.outcome).toBe('no_change');
  });

  it('link_entity by id and without create_missing says when it would fail', async () => {
    const result = await tryOn(bareEmail, [
      { action: 'link_entity', params: { entity_type: 'vendor', entity_id: vendorId } },
      { action: 'link_entity', params: { entity_type: 'vendor', entity_id: 999_999 } },
      { action: 'link_entity', params: { entity_type: 'customer', create_missing: false } },
    ]);
    expect(result.steps.map((step) => step.outcome)).toEqual(['would_run', 'would_fail', 'would_fail']);
    expect(result.steps[1]!.summary).toBe('no vendor with id 999999 in email_entities');
    expect(result.steps[2]!.summary).toContain('no customer has the sender domain unknown-domain.example');
  });

  it('says whether the trigger and threshold match the latest classified event', async () => {
    expect((await tryOn(invoiceEmail, [{ action: 'extract_invoice' }], { confidence_threshold: 0.95 })).trigger).toEqual(
      expect.objectContaining({ matches: false, reason: expect.stringContaining('below the threshold 0.95') }),
    );
    expect((await tryOn(invoiceEmail, [{ action: 'extract_invoice' }], { confidence_threshold: null })).trigger.matches).toBe(true);
    expect((await tryOn(invoiceEmail, [{ action: 'extract_invoice' }], { classification_trigger: 'bankruptcy' })).trigger.reason).toContain('says "invoice", not "bankruptcy"');
    expect((await tryOn(invoiceEmail, [{ action: 'extract_invoice' }], { enabled: false })).trigger).toEqual(
      expect.objectContaining({ matches: false, reason: expect.stringContaining('disabled') }),
    );
    expect((await tryOn(bareEmail, [{ action: 'extract_invoice' }])).trigger).toEqual({
      matches: false,
      reason: 'the email has no classified event: nothing would start it',
      event_id: null,
      classification: null,
      confidence: null,
    });
  });

  it('reports bad params and unknown actions per step, and refuses an email that does not exist', async () => {
    const result = await tryOn(invoiceEmail, [{ action: 'set_status', params: {} }, { action: 'no_such_action' }, { action: 'set_status', params: { status: 'x' } }]);
    expect(result.steps[0]).toEqual(expect.objectContaining({ outcome: 'would_fail', summary: 'workflow_steps.0.params.status: is required' }));
    expect(result.steps[1]).toEqual(expect.objectContaining({ outcome: 'would_fail', summary: expect.stringContaining('unknown action "no_such_action"') }));
    expect(result.steps[2]!.outcome).toBe('would_run');
    await expect(tryOn(99_999_999, [{ action: 'extract_invoice' }])).rejects.toThrow(MailtrailError);
  });
});

describe('REST: GET /api/v1/workflow-actions, GET /api/v1/workflow-classifications, POST /api/v1/workflows/try', () => {
  it('answers on a server without --admin: the catalogue as an array, try with its previews', async () => {
    const actions = await fetch(`${server.url}/api/v1/workflow-actions`);
    expect(actions.status).toBe(200);
    expect(((await actions.json()) as { code: string }[]).map((item) => item.code)).toContain('notify');
    const classifications = await fetch(`${server.url}/api/v1/workflow-classifications`);
    expect(((await classifications.json()) as { classification: string }[]).map((item) => item.classification)).toContain('invoice');
    const before = await snapshot();
    const tried = await fetch(`${server.url}/api/v1/workflows/try`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ ...draft([{ action: 'set_status', params: { status: 'processed' } }]), email_id: invoiceEmail }),
    });
    expect(tried.status).toBe(200);
    expect(((await tried.json()) as TryWorkflowResult).steps[0]!.summary).toBe('status "active" → "processed"');
    expect(await snapshot()).toEqual(before);
  });

  it('names the field of a bad request: 400 for a threshold or an email id, 404 for a missing email', async () => {
    const post = (body: unknown) => fetch(`${server.url}/api/v1/workflows/try`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    const threshold = await post({ ...draft([{ action: 'extract_invoice' }], { confidence_threshold: 2 }), email_id: invoiceEmail });
    expect(threshold.status).toBe(400);
    expect(((await threshold.json()) as { error: { message: string } }).error.message).toMatch(/^confidence_threshold: must be between 0 and 1/);
    const noEmail = await post(draft([{ action: 'extract_invoice' }]));
    expect(noEmail.status).toBe(400);
    expect(((await noEmail.json()) as { error: { message: string } }).error.message).toMatch(/email_id/);
    const missing = await post({ ...draft([{ action: 'extract_invoice' }]), email_id: 99_999_999 });
    expect(missing.status).toBe(404);
  });
});
