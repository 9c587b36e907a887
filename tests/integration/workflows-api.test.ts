import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAdminDb, type AdminDb } from '../../src-main/db/connection';
import { startHttpServer, type HttpServer } from '../../src-main/server/http-server';
import { createLogService } from '../../src-main/service/log-service';
import { createRetentionService } from '../../src-main/service/retention-service';
import { createWorkflowsService } from '../../src-main/service/workflows-service';
import { createPostgresLogStore } from '../../src-main/store/postgres/postgres-log-store';
import { createTestDatabase, type TestDatabase } from '../support/database';

// The workflows CRUD API (issue 16, item 4) over REST against real PostgreSQL: an admin server (writes
// with its token) and a read-only one (as `serve` without --admin), both on the same database.
const TOKEN = 'workflows-admin-token-3b8e1f';
const ACTOR = 'workflow-editor';

let db: TestDatabase;
let admin: AdminDb;
let adminServer: HttpServer;
let viewerServer: HttpServer;

interface Answer<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

async function call<T = unknown>(server: HttpServer, method: string, path: string, options: { body?: unknown; token?: string | null } = {}): Promise<Answer<T>> {
  const headers: Record<string, string> = {};
  const token = options.token === undefined ? TOKEN : options.token;
  if (token) headers.Authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(`${server.url}${path}`, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  return { status: response.status, body: (await response.json()) as T, headers: response.headers };
}
const asAdmin = <T = unknown>(method: string, path: string, body?: unknown) => call<T>(adminServer, method, path, { body });
const errorOf = (answer: Answer) => (answer.body as { error: { code: string; message: string } }).error;

interface WorkflowJson {
  id: number;
  name: string;
  description: string | null;
  classification_trigger: string;
  confidence_threshold: number | null;
  workflow_steps: { action: string; params: Record<string, unknown> }[];
  priority: number;
  enabled: boolean;
}

const INVOICE_CHECK = {
  name: 'Invoice check',
  description: 'Marks invoices for review',
  classification_trigger: 'invoice',
  confidence_threshold: 0.85,
  workflow_steps: [
    { action: 'extract_invoice', params: {} },
    { action: 'set_status', params: { status: 'review' } },
  ],
  priority: 30,
};

async function journal(action: string) {
  const { rows } = await db.writable.query<{ actor: string; parameters: Record<string, unknown>; outcome: string; error: string | null }>(
    'SELECT actor, parameters, outcome, error FROM mailtrail_admin_journal WHERE action = $1 ORDER BY id',
    [action],
  );
  return rows;
}

beforeAll(async () => {
  db = await createTestDatabase();
  admin = openAdminDb(db.url, { max: 4 });
  const store = createPostgresLogStore(db.readable, { kind: 'postgres', label: 'test' });
  const services = (adminDb: AdminDb | null) => ({
    db: adminDb,
    actor: ACTOR,
    journalDb: db.readable,
    retention: createRetentionService({ viewer: db.readable, admin: adminDb, actor: () => ACTOR }),
    workflows: createWorkflowsService({ viewer: db.readable, admin: adminDb, actor: () => ACTOR }),
  });
  adminServer = await startHttpServer({ service: createLogService(store, services(admin)), port: 0, tokens: [{ holder: 'admin', token: TOKEN }] });
  viewerServer = await startHttpServer({ service: createLogService(store, services(null)), port: 0 });
});

afterAll(async () => {
  await adminServer?.close();
  await viewerServer?.close();
  await admin?.end();
  await db?.drop();
});

describe('workflows: list, get, create, update', () => {
  it('lists the pre-configured workflows in their columns, lowest priority first', async () => {
    const answer = await call<WorkflowJson[]>(viewerServer, 'GET', '/api/v1/workflows', { token: null });
    expect(answer.status).toBe(200);
    expect(answer.body.map((w) => [w.name, w.classification_trigger, w.confidence_threshold, w.priority, w.enabled])).toEqual([
      ['Bankruptcy Alert', 'bankruptcy', 0.8, 5, true],
      ['Invoice Processing', 'invoice', 0.7, 10, true],
      ['Time Confirmation', 'time_confirmation', 0.75, 20, true],
    ]);
    expect(Object.keys(answer.body[0]!).sort()).toEqual(
      ['classification_trigger', 'confidence_threshold', 'created_at', 'description', 'enabled', 'id', 'name', 'priority', 'workflow_steps'].sort(),
    );
    const invoice = answer.body[1]!;
    const one = await call<WorkflowJson>(viewerServer, 'GET', `/api/v1/workflows/${invoice.id}`, { token: null });
    expect(one.status).toBe(200);
    expect(one.body).toEqual(invoice);
    expect(one.body.workflow_steps).toEqual([
      { action: 'extract_invoice', params: {} },
      { action: 'link_entity', params: { entity_type: 'vendor' } },
      { action: 'set_status', params: { status: 'processed' } },
    ]);
  });

  it('answers 404 for an unknown workflow and 400 for an id that is not one', async () => {
    const missing = await call(viewerServer, 'GET', '/api/v1/workflows/99999', { token: null });
    expect(missing.status).toBe(404);
    expect(errorOf(missing).message).toMatch(/there is no workflow 99999/);
    const bad = await call(viewerServer, 'GET', '/api/v1/workflows/abc', { token: null });
    expect(bad.status).toBe(400);
    expect(errorOf(bad).message).toMatch(/^workflow id in the path: must be a whole number/);
  });

  it('creates a workflow with the admin token (201), stored as sent, journaled with its parameters', async () => {
    const created = await asAdmin<WorkflowJson>('POST', '/api/v1/workflows', INVOICE_CHECK);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ ...INVOICE_CHECK, enabled: true });
    const { rows } = await db.writable.query('SELECT name, confidence_threshold, workflow_steps, priority, enabled FROM email_workflows WHERE id = $1', [created.body.id]);
    expect(rows).toEqual([{ name: 'Invoice check', confidence_threshold: 0.85, workflow_steps: INVOICE_CHECK.workflow_steps, priority: 30, enabled: true }]);
    const entries = await journal('workflows.create');
    expect(entries.at(-1)).toEqual({ actor: ACTOR, parameters: { ...INVOICE_CHECK, enabled: true }, outcome: 'succeeded', error: null });
  });

  it('fills the defaults of a workflow created with the required fields only', async () => {
    const created = await asAdmin<WorkflowJson>('POST', '/api/v1/workflows', {
      name: 'Minimal',
      classification_trigger: 'newsletter',
      workflow_steps: [{ action: 'set_status', params: { status: 'archived' } }],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ description: null, confidence_threshold: 0.7, priority: 100, enabled: true });
  });

  it('updates the fields given and keeps the rest, journaled', async () => {
    const { body: workflow } = await asAdmin<WorkflowJson>('POST', '/api/v1/workflows', { ...INVOICE_CHECK, name: 'To update' });
    const updated = await asAdmin<WorkflowJson>('PUT', `/api/v1/workflows/${workflow.id}`, { enabled: false, confidence_threshold: 0.9 });
    expect(updated.status).toBe(200);
    expect(updated.body).toEqual({ ...workflow, enabled: false, confidence_threshold: 0.9 });
    // Renaming to its own name is not a duplicate.
    expect((await asAdmin('PUT', `/api/v1/workflows/${workflow.id}`, { name: 'To update' })).status).toBe(200);
    expect((await journal('workflows.update')).slice(-2)).toEqual([
      { actor: ACTOR, parameters: { workflow_id: workflow.id, enabled: false, confidence_threshold: 0.9 }, outcome: 'succeeded', error: null },
      { actor: ACTOR, parameters: { workflow_id: workflow.id, name: 'To update' }, outcome: 'succeeded', error: null },
    ]);
    expect((await asAdmin('PUT', '/api/v1/workflows/99999', { enabled: true })).status).toBe(404);
  });
});

describe('workflows: validation answers are 400s naming the field', () => {
  const steps = INVOICE_CHECK.workflow_steps;
  it.each([
    ['an unknown action code', { ...INVOICE_CHECK, name: 'v1', workflow_steps: [steps[0], { action: 'launch_rocket', params: {} }] }, /^workflow_steps\.1\.action: unknown action "launch_rocket"; the actions are create_ticket, extract_invoice, flag_bankruptcy, link_entity, notify, set_status$/],
    ['a missing param', { ...INVOICE_CHECK, name: 'v2', workflow_steps: [{ action: 'set_status', params: {} }] }, /^workflow_steps\.0\.params\.status: /],
    ['a wrong param', { ...INVOICE_CHECK, name: 'v3', workflow_steps: [{ action: 'create_ticket', params: { priority: 'whenever' } }] }, /^workflow_steps\.0\.params\.priority: /],
    ['an unknown param', { ...INVOICE_CHECK, name: 'v4', workflow_steps: [{ action: 'set_status', params: { status: 'x', colour: 'red' } }] }, /^workflow_steps\.0\.params/],
    ['a threshold above 1', { ...INVOICE_CHECK, name: 'v5', confidence_threshold: 1.5 }, /^confidence_threshold: must be between 0 and 1$/],
    ['a threshold below 0', { ...INVOICE_CHECK, name: 'v6', confidence_threshold: -0.1 }, /^confidence_threshold: must be between 0 and 1$/],
    ['a threshold the column would round', { ...INVOICE_CHECK, name: 'v7', confidence_threshold: 0.755 }, /^confidence_threshold: must have at most two decimals/],
    ['no steps', { ...INVOICE_CHECK, name: 'v8', workflow_steps: [] }, /^workflow_steps: must have at least one step$/],
    ['no name', { ...INVOICE_CHECK, name: ' ' }, /^name: must not be empty$/],
    ['a missing trigger', { name: 'v9', workflow_steps: steps }, /^classification_trigger: /],
    ['an unknown field', { ...INVOICE_CHECK, name: 'v10', colour: 'red' }, /unknown field "colour"/],
    ['a duplicate name, any case', { ...INVOICE_CHECK, name: 'invoice PROCESSING' }, /^name: a workflow named "invoice PROCESSING" exists already \(id \d+\); choose another name$/],
  ])('refuses %s', async (_, body, message) => {
    const before = (await db.writable.query('SELECT count(*)::int AS n FROM email_workflows')).rows[0].n as number;
    const answer = await asAdmin('POST', '/api/v1/workflows', body);
    expect(answer.status, JSON.stringify(answer.body)).toBe(400);
    expect(errorOf(answer).message).toMatch(message);
    expect((await db.writable.query('SELECT count(*)::int AS n FROM email_workflows')).rows[0].n).toBe(before);
  });

  it('refuses the same on update: a duplicate name, a bad threshold, a bad step', async () => {
    const { body: workflow } = await asAdmin<WorkflowJson>('POST', '/api/v1/workflows', { ...INVOICE_CHECK, name: 'Update checks' });
    const rename = await asAdmin('PUT', `/api/v1/workflows/${workflow.id}`, { name: 'Bankruptcy Alert' });
    expect(rename.status).toBe(400);
    expect(errorOf(rename).message).toMatch(/^name: a workflow named "Bankruptcy Alert" exists already/);
    const threshold = await asAdmin('PUT', `/api/v1/workflows/${workflow.id}`, { confidence_threshold: 2 });
    expect(errorOf(threshold).message).toBe('confidence_threshold: must be between 0 and 1');
    const step = await asAdmin('PUT', `/api/v1/workflows/${workflow.id}`, { workflow_steps: [{ action: 'notify', params: { channel: 'webhook' } }] });
    expect(step.status).toBe(400);
    expect(errorOf(step).message).toMatch(/^workflow_steps\.0\.params/);
    expect((await call<WorkflowJson>(viewerServer, 'GET', `/api/v1/workflows/${workflow.id}`, { token: null })).body).toEqual(workflow);
    // The refused rename reached the write and is on record as refused; zod's answers came before it.
    expect((await journal('workflows.update')).at(-1)).toMatchObject({ parameters: { workflow_id: workflow.id, workflow_steps: [{ action: 'notify' }] }, outcome: 'refused' });
  });
});

describe('workflows: writes need the admin path', () => {
  const writes: [string, string, unknown][] = [
    ['POST', '/api/v1/workflows', INVOICE_CHECK],
    ['PUT', '/api/v1/workflows/1', { enabled: false }],
    ['DELETE', '/api/v1/workflows/1', undefined],
    ['POST', '/api/v1/workflow-executions/1/rerun', undefined],
  ];
  it.each(writes)('%s %s: 403 without --admin, 401 without the token or with a wrong one', async (method, path, body) => {
    const readOnly = await call(viewerServer, method, path, { body, token: null });
    expect(readOnly.status).toBe(403);
    expect(errorOf(readOnly).message).toMatch(/start it with `mailtrail serve --admin`/);
    const noToken = await call(adminServer, method, path, { body, token: null });
    expect(noToken.status).toBe(401);
    expect(noToken.headers.get('www-authenticate')).toBe('Bearer realm="mailtrail"');
    const wrong = await call(adminServer, method, path, { body, token: 'not-the-admin-token-at-all' });
    expect(wrong.status).toBe(401);
    expect(errorOf(wrong).message).toMatch(/the token in Authorization is not it/);
  });

  it('changed nothing through the refused writes', async () => {
    const { rows } = await db.writable.query("SELECT enabled FROM email_workflows WHERE id = 1");
    expect(rows).toEqual([{ enabled: true }]);
  });
});

// Executions are written here as the engine writes them; the engine's own runs are tested in workflows.test.ts.
async function insertExecution(workflowId: number, emailId: number, status: string, startedAt: string): Promise<number> {
  const { rows } = await db.writable.query<{ id: number }>(
    `INSERT INTO email_workflow_executions (workflow_id, email_id, status, steps_completed, steps_total, started_at, error_message)
     VALUES ($1, $2, $3, $4, 2, $5, $6) RETURNING id`,
    [workflowId, emailId, status, status === 'completed' ? 2 : 1, startedAt, status === 'failed' ? 'step 1 (set_status): boom' : null],
  );
  return rows[0]!.id;
}

describe('workflows: delete is soft', () => {
  it('deletes a workflow without executions, and only disables one with executions', async () => {
    const { body: unused } = await asAdmin<WorkflowJson>('POST', '/api/v1/workflows', { ...INVOICE_CHECK, name: 'Never ran' });
    const { body: used } = await asAdmin<WorkflowJson>('POST', '/api/v1/workflows', { ...INVOICE_CHECK, name: 'Ran once' });
    await insertExecution(used.id, 500, 'completed', '2026-01-05T10:00:00');

    const deleted = await asAdmin('DELETE', `/api/v1/workflows/${unused.id}`);
    expect(deleted).toMatchObject({ status: 200, body: { id: unused.id, outcome: 'deleted', executions: 0 } });
    expect((await call(viewerServer, 'GET', `/api/v1/workflows/${unused.id}`, { token: null })).status).toBe(404);

    const disabled = await asAdmin('DELETE', `/api/v1/workflows/${used.id}`);
    expect(disabled).toMatchObject({ status: 200, body: { id: used.id, outcome: 'disabled', executions: 1 } });
    expect((await call<WorkflowJson>(viewerServer, 'GET', `/api/v1/workflows/${used.id}`, { token: null })).body).toEqual({ ...used, enabled: false });
    const enabledOnly = await call<WorkflowJson[]>(viewerServer, 'GET', '/api/v1/workflows?include_disabled=false', { token: null });
    expect(enabledOnly.body.map((w) => w.id)).not.toContain(used.id);

    expect((await journal('workflows.delete')).slice(-2)).toEqual([
      { actor: ACTOR, parameters: { workflow_id: unused.id }, outcome: 'succeeded', error: null },
      { actor: ACTOR, parameters: { workflow_id: used.id }, outcome: 'succeeded', error: null },
    ]);
    const missing = await asAdmin('DELETE', '/api/v1/workflows/99999');
    expect(missing.status).toBe(404);
    expect((await journal('workflows.delete')).at(-1)).toMatchObject({ parameters: { workflow_id: 99999 }, outcome: 'refused' });
  });
});

describe('workflow executions: keyset pages with filters, one with its steps, re-run', () => {
  let first: number;
  let second: number;
  const ids: { id: number; workflow: number; email: number; status: string; at: string }[] = [];

  beforeAll(async () => {
    first = (await asAdmin<WorkflowJson>('POST', '/api/v1/workflows', { ...INVOICE_CHECK, name: 'History A' })).body.id;
    second = (await asAdmin<WorkflowJson>('POST', '/api/v1/workflows', { ...INVOICE_CHECK, name: 'History B' })).body.id;
    for (let n = 0; n < 25; n += 1) {
      const workflow = n % 2 === 0 ? first : second;
      const email = 700 + (n % 5);
      const status = n % 3 === 0 ? 'failed' : 'completed';
      const at = `2026-02-${String(1 + n).padStart(2, '0')}T08:00:00`;
      ids.push({ id: await insertExecution(workflow, email, status, at), workflow, email, status, at });
    }
  });

  /** Every page of a listing, following X-Next-Cursor. */
  async function allPages(path: string): Promise<{ pages: number; items: { id: number; workflow_id: number; email_id: number; status: string; workflow_name: string }[] }> {
    const items = [];
    let pages = 0;
    let cursor: string | null = null;
    do {
      const separator = path.includes('?') ? '&' : '?';
      const answer: Answer<{ id: number; workflow_id: number; email_id: number; status: string; workflow_name: string }[]> = await call(
        viewerServer,
        'GET',
        `${path}${cursor ? `${separator}cursor=${cursor}` : ''}`,
        { token: null },
      );
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      items.push(...answer.body);
      cursor = answer.headers.get('x-next-cursor');
      pages += 1;
    } while (cursor && pages < 50);
    return { pages, items };
  }

  it('pages one workflow\'s executions newest first, each exactly once', async () => {
    const { pages, items } = await allPages(`/api/v1/workflows/${first}/executions?limit=4`);
    const expected = ids.filter((e) => e.workflow === first).map((e) => e.id).reverse();
    expect(items.map((e) => e.id)).toEqual(expected);
    expect(pages).toBe(Math.ceil(expected.length / 4));
    expect(items.every((e) => e.workflow_name === 'History A')).toBe(true);
  });

  it('filters across workflows by workflow, status, email and date range', async () => {
    const { items } = await allPages(`/api/v1/workflow-executions?workflow_id=${second}&status=failed&limit=2`);
    expect(items.map((e) => e.id)).toEqual(ids.filter((e) => e.workflow === second && e.status === 'failed').map((e) => e.id).reverse());
    const byEmail = await allPages('/api/v1/workflow-executions?email_id=702&limit=3');
    expect(byEmail.items.map((e) => e.id)).toEqual(ids.filter((e) => e.email === 702).map((e) => e.id).reverse());
    const range = await allPages('/api/v1/workflow-executions?from=2026-02-10&to=2026-02-14T08:00:00&limit=2');
    expect(range.items.map((e) => e.id)).toEqual(ids.filter((e) => e.at >= '2026-02-10' && e.at <= '2026-02-14T08:00:00').map((e) => e.id).reverse());
    expect(range.items).toHaveLength(5);
    // A date-only `to` includes that day, as the other endpoints' ranges do.
    const days = await allPages('/api/v1/workflow-executions?from=2026-02-10&to=2026-02-14');
    expect(days.items.map((e) => e.id)).toEqual(range.items.map((e) => e.id));
  });

  it('refuses bad filters naming the parameter', async () => {
    const status = await call(viewerServer, 'GET', '/api/v1/workflow-executions?status=exploded', { token: null });
    expect(status.status).toBe(400);
    expect(errorOf(status).message).toMatch(/^status: must be one of pending, running, completed, failed/);
    const from = await call(viewerServer, 'GET', '/api/v1/workflow-executions?from=yesterday', { token: null });
    expect(errorOf(from).message).toMatch(/^from: must be an ISO 8601 date/);
    const reversed = await call(viewerServer, 'GET', '/api/v1/workflow-executions?from=2026-03-01&to=2026-02-01', { token: null });
    expect(errorOf(reversed).message).toBe('from: must not be after "to"');
    const cursor = await call(viewerServer, 'GET', '/api/v1/workflow-executions?cursor=$$$', { token: null });
    expect(cursor.status).toBe(400);
  });

  it('answers one execution in DESIGN.md\'s columns, with its steps', async () => {
    const failed = ids.find((e) => e.status === 'failed')!;
    await db.writable.query(
      `INSERT INTO email_workflow_execution_steps (execution_id, step_index, action, params, started_at, finished_at, outcome, attempts, result_json, error_message) VALUES
       ($1, 0, 'extract_invoice', '{}', '2026-02-01T08:00:00', '2026-02-01T08:00:00.120', 'succeeded', 1, '{"invoice_number": "F-1"}', NULL),
       ($1, 1, 'set_status', '{"status": "review"}', '2026-02-01T08:00:00.130', '2026-02-01T08:00:00.150', 'failed', 3, NULL, 'boom')`,
      [failed.id],
    );
    const answer = await call<Record<string, unknown> & { steps: Record<string, unknown>[] }>(viewerServer, 'GET', `/api/v1/workflow-executions/${failed.id}`, { token: null });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      id: failed.id,
      workflow_id: failed.workflow,
      workflow_name: 'History A',
      email_id: failed.email,
      status: 'failed',
      steps_completed: 1,
      steps_total: 2,
      error_message: 'step 1 (set_status): boom',
      started_at: failed.at,
      completed_at: null,
    });
    for (const column of ['result_json', 'execution_time_ms']) expect(answer.body).toHaveProperty(column);
    expect(answer.body.steps).toEqual([
      { step_index: 0, action: 'extract_invoice', params: {}, started_at: '2026-02-01T08:00:00', finished_at: '2026-02-01T08:00:00.12', outcome: 'succeeded', attempts: 1, result_json: { invoice_number: 'F-1' }, error_message: null },
      { step_index: 1, action: 'set_status', params: { status: 'review' }, started_at: '2026-02-01T08:00:00.13', finished_at: '2026-02-01T08:00:00.15', outcome: 'failed', attempts: 3, result_json: null, error_message: 'boom' },
    ]);
    expect((await call(viewerServer, 'GET', '/api/v1/workflow-executions/99999', { token: null })).status).toBe(404);
  });

  it('re-runs a failed execution (202): its unfinished steps go back, a job is queued, journaled; a completed one is a 409', async () => {
    const failed = ids.find((e) => e.status === 'failed')!;
    const answer = await asAdmin('POST', `/api/v1/workflow-executions/${failed.id}/rerun`);
    expect(answer).toMatchObject({ status: 202, body: { execution_id: failed.id, steps_to_run: 1 } });
    const { rows: execution } = await db.writable.query('SELECT status, error_message FROM email_workflow_executions WHERE id = $1', [failed.id]);
    expect(execution).toEqual([{ status: 'running', error_message: null }]);
    const { rows: steps } = await db.writable.query('SELECT step_index, outcome FROM email_workflow_execution_steps WHERE execution_id = $1 ORDER BY step_index', [failed.id]);
    expect(steps).toEqual([{ step_index: 0, outcome: 'succeeded' }, { step_index: 1, outcome: 'pending' }]);
    const { rows: jobs } = await db.writable.query("SELECT data->>'execution_id' AS execution FROM pgboss.job WHERE data->>'execution_id' = $1", [String(failed.id)]);
    expect(jobs).toHaveLength(1);
    expect((await journal('workflows.rerun')).at(-1)).toEqual({ actor: ACTOR, parameters: { execution_id: failed.id }, outcome: 'succeeded', error: null });

    const completed = ids.find((e) => e.status === 'completed')!;
    const again = await asAdmin('POST', `/api/v1/workflow-executions/${completed.id}/rerun`);
    expect(again.status).toBe(409);
    expect(errorOf(again).message).toBe(`execution ${completed.id} is completed; only a failed execution can be run again`);
    expect((await asAdmin('POST', '/api/v1/workflow-executions/99999/rerun')).status).toBe(404);
  });
});
