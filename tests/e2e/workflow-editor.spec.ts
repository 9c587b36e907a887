import { join } from 'node:path';
import type { Page } from '@playwright/test';
import pg from 'pg';
import { WorkflowEditorPage } from './pages/workflow-editor.page';
import { WorkflowsPage } from './pages/workflows.page';
import { expect, test } from './support/test';

// Issue 16, item 5: the workflow editor over the global setup's `serve --admin` with its engine. A
// workflow is made in the editor with the mouse and the keyboard, tried on an email (nothing written),
// saved, and then run by the real engine when the spec logs a classified event for the email, as the
// hub would (log_email_event on the owner's connection); its execution and the new events are found in
// the app. The spec's own classification (e2e_review) keeps the pre-configured workflows out of it, and
// afterAll removes what it made, so workflows.spec.ts still counts three workflows.
const SHOTS = process.env.MAILTRAIL_SHOTS_DIR ?? null;
const TRIGGER = 'e2e_review';
const NAME = 'E2E invoice review';

let owner: pg.Pool;
let emailId: number;

async function logClassified(confidence: number): Promise<number> {
  const { rows } = await owner.query<{ id: string }>(`SELECT log_email_event($1, 'classified', 'system', $2, $3::jsonb, NULL, 'system') AS id`, [
    emailId,
    `Classified as ${TRIGGER}`,
    JSON.stringify({ classification: TRIGGER, confidence, method: 'ai' }),
  ]);
  return Number(rows[0]!.id);
}

async function shots(page: Page, name: string): Promise<void> {
  if (!SHOTS) return;
  for (const [width, height] of [[1024, 700], [1920, 1080]] as const) {
    await page.setViewportSize({ width, height });
    await page.screenshot({ path: join(SHOTS, `workflow-editor-${name}-${width}.png`), fullPage: false });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

const count = async (sql: string, values: unknown[]) => Number((await owner.query<{ n: string }>(sql, values)).rows[0]!.n);

test.beforeAll(async ({ data }) => {
  owner = new pg.Pool({ connectionString: data.workflows.databaseUrl, max: 2 });
  const { rows } = await owner.query<{ id: number }>(
    `INSERT INTO email_messages (subject, sender_email, status) VALUES ($1, $2, 'active') RETURNING id`,
    ['Faktura INV-2026-0042: 3.750,00 kr, forfaldsdato 15-02-2026', 'billing@editor-e2e.example'],
  );
  emailId = Number(rows[0]!.id);
  // Classified before any workflow has this trigger: nothing runs on it, and "try" has an event to match.
  await logClassified(0.9);
});

test.afterAll(async () => {
  if (!owner) return;
  const mine = `SELECT id FROM email_workflows WHERE name LIKE 'E2E %'`;
  await owner.query(`DELETE FROM email_workflow_execution_steps WHERE execution_id IN (SELECT id FROM email_workflow_executions WHERE workflow_id IN (${mine}))`);
  await owner.query(`DELETE FROM email_workflow_executions WHERE workflow_id IN (${mine})`);
  await owner.query(`DELETE FROM email_workflows WHERE id IN (${mine})`);
  await owner.end();
});

test('creates a workflow with mouse and keyboard, tries it on an email, saves it, and the engine runs it', async ({ page, data }) => {
  test.setTimeout(90_000);
  const editor = new WorkflowEditorPage(page);
  const workflows = new WorkflowsPage(page);
  await workflows.goto(data.workflows.url);
  await page.getByTestId('workflow-new').click();
  await expect(page).toHaveURL(/#\/workflows\/new$/);
  await expect(editor.title).toHaveText('New workflow');
  await expect(workflows.navLink).toHaveAttribute('aria-current', 'page');

  // Without the admin token, the editor says up front what saving needs, and takes the token.
  const access = page.getByTestId('retention-access');
  await expect(access).toHaveAttribute('data-reason', 'admin-token');
  await expect(access).toContainText('to create, change and delete workflows');
  await page.getByTestId('admin-token-input').fill(data.workflows.adminToken);
  await page.keyboard.press('Enter');
  await expect(access).toHaveCount(0);

  // The keyboard: name, trigger and threshold typed, Tab between them; errors as one types.
  await editor.name.click();
  await page.keyboard.type('Invoice Processing');
  await page.keyboard.press('Tab');
  await expect(editor.trigger).toBeFocused();
  await page.keyboard.type(TRIGGER);
  await editor.threshold.fill('');
  await editor.threshold.focus();
  await page.keyboard.type('1.5');
  await expect(editor.fieldError('confidence_threshold')).toHaveText('must be between 0 and 1');
  await page.keyboard.press('Backspace');
  await page.keyboard.press('Backspace');
  await page.keyboard.press('Backspace');
  await page.keyboard.type('0.80');
  await expect(editor.fieldError('confidence_threshold')).toHaveCount(0);

  // Steps from the catalogue: added with the mouse, and with the keyboard.
  await editor.addAction.selectOption('extract_invoice');
  await editor.addStep.click();
  await editor.addAction.selectOption('set_status');
  await editor.addStep.focus();
  await page.keyboard.press('Enter');
  await editor.addAction.selectOption('link_entity');
  await editor.addStep.focus();
  await page.keyboard.press('Space');
  expect(await editor.stepActions()).toEqual(['extract_invoice', 'set_status', 'link_entity']);
  // The new step has the focus (its action): Alt+↑ moves it up, and the focus stays with it.
  await expect(editor.step(2).getByTestId('workflow-step-action')).toBeFocused();
  await page.keyboard.press('Alt+ArrowUp');
  expect(await editor.stepActions()).toEqual(['extract_invoice', 'link_entity', 'set_status']);
  await expect(editor.step(1).getByTestId('workflow-step-action')).toBeFocused();
  // The mouse: set_status up, then down again.
  await editor.step(2).getByTestId('workflow-step-up').click();
  expect(await editor.stepActions()).toEqual(['extract_invoice', 'set_status', 'link_entity']);
  await editor.step(1).getByTestId('workflow-step-down').click();
  expect(await editor.stepActions()).toEqual(['extract_invoice', 'link_entity', 'set_status']);
  await editor.step(1).getByTestId('workflow-param-entity_type').selectOption('vendor');

  // Save with set_status's status empty: the field says so, from the same zod as the server's.
  await editor.save.click();
  await expect(editor.fieldError('workflow_steps.2.params.status')).toBeVisible();
  await expect(editor.step(2).getByTestId('workflow-param-status')).toBeFocused();
  await shots(page, 'errors');
  await editor.step(2).getByTestId('workflow-param-status').focus();
  await page.keyboard.type('review');
  await expect(editor.fieldError('workflow_steps.2.params.status')).toHaveCount(0);

  // Try on the email: what each step would do, and the trigger's verdict; nothing is written.
  const invoicesBefore = await count(`SELECT count(*) AS n FROM email_invoices WHERE email_id = $1`, [emailId]);
  await editor.tryEmail.fill(String(emailId));
  await editor.tryEmail.press('Enter');
  await expect(editor.tryResult).toBeVisible();
  await expect(editor.tryTrigger).toHaveAttribute('data-matches', 'true');
  await expect(editor.trySteps).toHaveCount(3);
  await expect(editor.trySteps.nth(0)).toHaveAttribute('data-outcome', 'would_run');
  await expect(editor.trySteps.nth(0).getByTestId('workflow-try-summary')).toHaveText('invoice INV-2026-0042, 3750 DKK, due 2026-02-15');
  await expect(editor.trySteps.nth(1).getByTestId('workflow-try-summary')).toContainText('create vendor "editor-e2e.example"');
  await expect(editor.trySteps.nth(2).getByTestId('workflow-try-summary')).toHaveText('status "active" → "review"');
  expect(await count(`SELECT count(*) AS n FROM email_invoices WHERE email_id = $1`, [emailId])).toBe(invoicesBefore);
  expect((await owner.query(`SELECT status FROM email_messages WHERE id = $1`, [emailId])).rows[0].status).toBe('active');
  await editor.tryResult.scrollIntoViewIfNeeded();
  await shots(page, 'try');

  // The server refuses a taken name (case-insensitive): its answer shows on the name field.
  await editor.save.click();
  await expect(editor.fieldError('name')).toContainText('exists already');
  await expect(editor.name).toBeFocused();
  await editor.name.fill(NAME);
  await expect(editor.fieldError('name')).toHaveCount(0);
  await editor.name.scrollIntoViewIfNeeded();
  await shots(page, 'form');
  await editor.save.click();
  await expect(page).toHaveURL(/#\/workflows$/);
  const row = workflows.workflow(NAME);
  await expect(row.getByTestId('workflow-steps')).toHaveText('extract_invoice → link_entity → set_status');
  await expect(row.getByTestId('workflow-trigger')).toHaveText(TRIGGER);
  await expect(row.getByTestId('workflow-threshold')).toHaveText('≥ 0.80');
  const workflowId = Number(await row.getAttribute('data-workflow-id'));
  await shots(page, 'list');
  const journal = await owner.query(`SELECT outcome FROM mailtrail_admin_journal WHERE action = 'workflows.create' ORDER BY id DESC LIMIT 1`);
  expect(journal.rows[0]).toEqual({ outcome: 'succeeded' });

  // The hub classifies the email again: the engine runs the new workflow on it.
  await logClassified(0.92);
  await expect
    .poll(async () => (await owner.query(`SELECT status FROM email_workflow_executions WHERE workflow_id = $1 AND email_id = $2`, [workflowId, emailId])).rows[0]?.status, {
      message: 'the engine runs the new workflow',
      timeout: 30_000,
    })
    .toBe('completed');
  const executionId = Number((await owner.query(`SELECT id FROM email_workflow_executions WHERE workflow_id = $1`, [workflowId])).rows[0].id);

  // Its execution in the history, filtered to the workflow through the address.
  await page.goto(`${data.workflows.url}/#/workflows/executions?workflow=${workflowId}`);
  await expect(workflows.executionRows).toHaveCount(1);
  await expect(workflows.executionRows.first()).toHaveAttribute('data-status', 'completed');
  await workflows.executionLinks.first().click();
  await expect(workflows.executionTitle).toContainText(`Execution #${executionId}`);
  await expect(workflows.executionSteps).toHaveCount(3);

  // The new events on the email's timeline, each step's linking back to the execution.
  await workflows.executionEmail.click();
  await expect(page).toHaveURL(new RegExp(`#/emails/${emailId}$`));
  const event = (type: string) => page.locator(`[data-testid="timeline-event"][data-event-type="${type}"]`);
  await expect(event('workflow_executed')).toHaveCount(1);
  await expect(event('invoice_extracted')).toHaveCount(1);
  await expect(event('linked')).toHaveCount(1);
  await expect(event('status_changed')).toHaveCount(1);
  await shots(page, 'timeline');
  await event('status_changed').getByTestId('event-execution-link').click();
  await expect(page).toHaveURL(new RegExp(`#/workflow-executions/${executionId}$`));
  await expect(workflows.executionTitle).toContainText('Completed');
});

test('edits a workflow from the list, and deletes one that never ran after confirming', async ({ page, data }) => {
  const editor = new WorkflowEditorPage(page);
  const workflows = new WorkflowsPage(page);
  const { rows } = await owner.query<{ id: number }>(
    `INSERT INTO email_workflows (name, classification_trigger, confidence_threshold, workflow_steps, priority, enabled)
     VALUES ('E2E throwaway', 'e2e_never', 0.50, '[{"action": "notify", "params": {"channel": "email", "to": "ops@example.com"}}, {"action": "set_status", "params": {"status": "review"}}]'::jsonb, 900, TRUE) RETURNING id`,
  );
  const workflowId = Number(rows[0]!.id);
  await page.goto(`${data.workflows.url}/#/emails`);
  await page.evaluate((token) => window.sessionStorage.setItem('mailtrail.adminToken', token), data.workflows.adminToken);
  await workflows.goto(data.workflows.url);
  await workflows.workflow('E2E throwaway').getByTestId('workflow-edit').click();
  await expect(page).toHaveURL(new RegExp(`#/workflows/${workflowId}/edit$`));
  await expect(editor.title).toHaveText('Edit “E2E throwaway”');
  await expect(editor.name).toHaveValue('E2E throwaway');
  await expect(editor.threshold).toHaveValue('0.50');
  await expect(editor.step(0).getByTestId('workflow-param-channel')).toHaveValue('email');
  await expect(editor.step(0).getByTestId('workflow-param-to')).toHaveValue('ops@example.com');
  // Switching the channel shows the webhook's fields; a bad URL is named as it is typed.
  await editor.step(0).getByTestId('workflow-param-channel').selectOption('webhook');
  await editor.step(0).getByTestId('workflow-param-url').fill('ftp://files.example');
  await expect(editor.fieldError('workflow_steps.0.params.url')).toHaveText('must be an http:// or https:// URL');
  // The error goes with its step when the step moves, down with the mouse and up with the keyboard.
  await editor.step(0).getByTestId('workflow-step-down').click();
  expect(await editor.stepActions()).toEqual(['set_status', 'notify']);
  await expect(editor.fieldError('workflow_steps.1.params.url')).toHaveText('must be an http:// or https:// URL');
  await expect(editor.step(0).locator('.field__error')).toHaveCount(0);
  await expect(editor.step(1).getByTestId('workflow-step-up')).toBeFocused();
  await shots(page, 'moved-error');
  await page.keyboard.press('Alt+ArrowUp');
  expect(await editor.stepActions()).toEqual(['notify', 'set_status']);
  await expect(editor.fieldError('workflow_steps.0.params.url')).toHaveText('must be an http:// or https:// URL');
  await expect(editor.step(1).locator('.field__error')).toHaveCount(0);
  await editor.step(0).getByTestId('workflow-param-url').fill('https://hooks.example/ops');
  await editor.priority.fill('850');
  await shots(page, 'edit');
  await editor.save.click();
  await expect(page).toHaveURL(/#\/workflows$/);
  const stored = (await owner.query(`SELECT priority, workflow_steps FROM email_workflows WHERE id = $1`, [workflowId])).rows[0];
  expect(stored).toEqual({
    priority: 850,
    workflow_steps: [
      { action: 'notify', params: { channel: 'webhook', url: 'https://hooks.example/ops' } },
      { action: 'set_status', params: { status: 'review' } },
    ],
  });

  // Delete: Escape keeps it; confirming deletes it (it never ran).
  await page.goto(`${data.workflows.url}/#/workflows/${workflowId}/edit`);
  await page.getByTestId('workflow-delete').click();
  await expect(page.getByTestId('workflow-delete-dialog')).toBeVisible();
  await expect(page.getByTestId('workflow-delete-cancel')).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('workflow-delete-dialog')).toHaveCount(0);
  await page.getByTestId('workflow-delete').click();
  await page.getByTestId('workflow-delete-confirm').click();
  await expect(page).toHaveURL(/#\/workflows$/);
  await expect(workflows.workflow('E2E throwaway')).toHaveCount(0);
  expect(await count(`SELECT count(*) AS n FROM email_workflows WHERE id = $1`, [workflowId])).toBe(0);

  await page.goto(`${data.workflows.url}/#/workflows/abc/edit`);
  await expect(page.getByTestId('workflow-editor-bad-id')).toBeVisible();
});
