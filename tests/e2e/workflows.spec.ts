import { join } from 'node:path';
import type { Page } from '@playwright/test';
import pg from 'pg';
import { WorkflowsPage } from './pages/workflows.page';
import { expect, test } from './support/test';

// Issue 16, item 5: the Workflows screen, the execution history and an execution's page, over the global
// setup's `serve --admin` with its workflow engine. The spec logs classified events as the hub would (a
// plain insert, as the owner) and the real engine runs the pre-configured workflows on them.
const SHOTS = process.env.MAILTRAIL_SHOTS_DIR ?? null;
const LOAD_EMAILS = 55;

let owner: pg.Pool;
let timeEmailId: number;
let bankruptcyEmailId: number;

async function newEmail(subject: string, sender: string): Promise<number> {
  const { rows } = await owner.query<{ id: number }>(`INSERT INTO email_messages (subject, sender_email, status) VALUES ($1, $2, 'active') RETURNING id`, [subject, sender]);
  return Number(rows[0]!.id);
}

async function classify(emailIds: number[], classification: string): Promise<void> {
  await owner.query(
    `INSERT INTO email_activity_log (email_id, event_type, event_category, description, metadata, created_by)
     SELECT id, 'classified', 'system', 'Classified as ' || $2, jsonb_build_object('classification', $2::text, 'confidence', 0.95, 'method', 'ai'), 'system'
     FROM unnest($1::int[]) AS id`,
    [emailIds, classification],
  );
}

test.beforeAll(async ({ data }) => {
  test.setTimeout(90_000);
  owner = new pg.Pool({ connectionString: data.workflows.databaseUrl, max: 2 });
  timeEmailId = await newEmail('Bekræftelse af tid: montering tirsdag kl. 10', 'planning@acme-e2e.example');
  bankruptcyEmailId = await newEmail('Konkurs: Nordic Supplies ApS er erklæret konkurs', 'kurator@law-e2e.example');
  const { rows } = await owner.query<{ id: number }>(
    `INSERT INTO email_messages (subject, sender_email, status) SELECT 'Tid bekræftet ' || g, 'load' || g || '@acme-e2e.example', 'active' FROM generate_series(1, $1) g RETURNING id`,
    [LOAD_EMAILS],
  );
  await classify(rows.map((row) => Number(row.id)), 'time_confirmation');
  await classify([timeEmailId], 'time_confirmation');
  await classify([bankruptcyEmailId], 'bankruptcy');
  // The engine picks them up within a watcher round; wait until every execution has ended.
  const emailIds = [timeEmailId, bankruptcyEmailId, ...rows.map((row) => Number(row.id))];
  await expect
    .poll(
      async () =>
        (
          await owner.query<{ ended: number; open: number }>(
            `SELECT count(*) FILTER (WHERE status IN ('completed', 'failed'))::int AS ended, count(*) FILTER (WHERE status IN ('pending', 'running'))::int AS open
             FROM email_workflow_executions WHERE email_id = ANY($1::int[])`,
            [emailIds],
          )
        ).rows[0],
      { message: 'the workflow engine finishes every execution', timeout: 60_000 },
    )
    .toEqual({ ended: LOAD_EMAILS + 2, open: 0 });
});
test.afterAll(async () => {
  await owner?.end();
});

async function shots(page: Page, name: string): Promise<void> {
  if (!SHOTS) return;
  for (const [width, height] of [[1024, 700], [1920, 1080]] as const) {
    await page.setViewportSize({ width, height });
    await page.screenshot({ path: join(SHOTS, `workflows-${name}-${width}.png`), fullPage: false });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

async function executionIdOf(emailId: number): Promise<number> {
  const { rows } = await owner.query<{ id: number }>(`SELECT id FROM email_workflow_executions WHERE email_id = $1 ORDER BY id DESC LIMIT 1`, [emailId]);
  return Number(rows[0]!.id);
}

test('lists the three pre-configured workflows with their trigger, threshold, steps and last run', async ({ page, data }) => {
  const screen = new WorkflowsPage(page);
  await page.goto(`${data.workflows.url}/#/emails`);
  await screen.navLink.click();
  await expect(page).toHaveURL(/#\/workflows$/);
  await expect(screen.navLink).toHaveAttribute('aria-current', 'page');
  await expect(screen.workflowRows).toHaveCount(3);
  const invoice = screen.workflow('Invoice Processing');
  await expect(invoice.getByTestId('workflow-trigger')).toHaveText('invoice');
  await expect(invoice.getByTestId('workflow-threshold')).toHaveText('≥ 0.70');
  await expect(invoice.getByTestId('workflow-steps')).toHaveText('extract_invoice → link_entity → set_status');
  await expect(invoice.getByTestId('workflow-priority')).toHaveText('priority 10');
  await expect(invoice.getByTestId('workflow-enabled')).toHaveText('Enabled');
  const bankruptcy = screen.workflow('Bankruptcy Alert');
  await expect(bankruptcy.getByTestId('workflow-steps')).toHaveText('flag_bankruptcy → notify → create_ticket');
  await expect(bankruptcy.getByTestId('workflow-last-run')).toContainText('Failed');
  await expect(screen.workflow('Time Confirmation').getByTestId('workflow-last-run')).toContainText('Completed');
  // The success rate comes from the analytics rollups of workflow_executed: a percentage where it ran.
  await expect(screen.workflow('Time Confirmation').getByTestId('workflow-success')).toHaveText(/^\d+\.\d %$/);
  await shots(page, 'list');
});

test('filters the history through the address and pages it with Load more', async ({ page, data }) => {
  const screen = new WorkflowsPage(page);
  const { rows } = await owner.query<{ total: number; failed: number }>(
    `SELECT count(*)::int AS total, count(*) FILTER (WHERE status = 'failed')::int AS failed FROM email_workflow_executions`,
  );
  const { total, failed } = rows[0]!;
  expect(total).toBeGreaterThan(50);
  await screen.goto(data.workflows.url);
  await expect(screen.executionRows).toHaveCount(50);
  // Newest first: the bankruptcy run was logged last.
  await expect(screen.executionRows.first()).toHaveAttribute('data-execution-id', String(await executionIdOf(bankruptcyEmailId)));
  await screen.loadMore.focus();
  await page.keyboard.press('Enter');
  await expect(screen.executionRows).toHaveCount(Math.min(total, 100));

  await screen.filterStatus.selectOption('failed');
  await expect(page).toHaveURL(/#\/workflows\/executions\?status=failed$/);
  await expect(screen.executionRows).toHaveCount(Math.min(failed, 50));
  for (const status of await screen.executionRows.evaluateAll((rows) => rows.map((row) => row.getAttribute('data-status')))) expect(status).toBe('failed');
  await expect(screen.executionRows.filter({ has: page.getByText('Bankruptcy Alert') }).first()).toContainText('notify');
  await shots(page, 'failed');

  await screen.filterStatus.selectOption('');
  await screen.filterEmail.fill(String(timeEmailId));
  await screen.filterEmail.press('Enter');
  await expect(page).toHaveURL(new RegExp(`#/workflows/executions\\?email=${timeEmailId}$`));
  await expect(screen.executionRows).toHaveCount(1);
  await expect(screen.executionRows.first()).toHaveAttribute('data-status', 'completed');
  await expect(screen.executionRows.first()).toContainText('Time Confirmation');

  // The address alone gives the same list (a link to a filtered history).
  await page.reload();
  await expect(screen.filterEmail).toHaveValue(String(timeEmailId));
  await expect(screen.executionRows).toHaveCount(1);

  await screen.filterEmail.fill('abc');
  await expect(page.getByTestId('executions-filter-email-error')).toBeVisible();
  await screen.filterWorkflow.selectOption({ label: 'Invoice Processing' });
  await expect(screen.executionsEmpty).toBeVisible();
});

test("an execution's page shows its steps, links to the email's timeline, and the timeline links back", async ({ page, data }) => {
  const screen = new WorkflowsPage(page);
  const executionId = await executionIdOf(timeEmailId);
  await screen.goto(data.workflows.url, `#/workflows/executions?email=${timeEmailId}`);
  await screen.executionLinks.first().focus();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(new RegExp(`#/workflow-executions/${executionId}$`));
  await expect(screen.navLink).toHaveAttribute('aria-current', 'page');
  await expect(screen.executionTitle).toContainText(`Execution #${executionId}`);
  await expect(screen.executionTitle).toContainText('Completed');
  await expect(screen.executionSteps).toHaveCount(3);
  expect(await screen.executionSteps.evaluateAll((rows) => rows.map((row) => `${row.getAttribute('data-action')}:${row.getAttribute('data-outcome')}`))).toEqual([
    'link_entity:succeeded',
    'create_ticket:succeeded',
    'set_status:succeeded',
  ]);
  await expect(screen.executionSteps.first()).toContainText('entity_type=customer');
  await expect(page.getByTestId('execution-steps-done')).toHaveText('3 of 3');
  await shots(page, 'execution');

  await screen.executionEmail.click();
  await expect(page).toHaveURL(new RegExp(`#/emails/${timeEmailId}$`));
  const executed = page.locator('[data-testid="timeline-event"][data-event-type="workflow_executed"]');
  await expect(executed).toHaveCount(1);
  const ticket = page.locator('[data-testid="timeline-event"][data-event-type="ticket_created"]');
  await expect(ticket.getByTestId('event-execution-link')).toHaveAttribute('href', `#/workflow-executions/${executionId}`);
  await shots(page, 'timeline');
  // workflow_executed names its execution (execution_id after the seed's five fields): it opens that run.
  await expect(executed.getByTestId('event-execution-link')).toHaveAttribute('href', `#/workflow-executions/${executionId}`);
  await executed.getByTestId('event-execution-link').click();
  await expect(page).toHaveURL(new RegExp(`#/workflow-executions/${executionId}$`));
  await expect(screen.executionTitle).toContainText(`Execution #${executionId}`);
  await page.goBack();
  await ticket.getByTestId('event-execution-link').click();
  await expect(screen.executionTitle).toContainText(`Execution #${executionId}`);
});

test("an older workflow_executed without an execution id leads to that workflow's runs on the email", async ({ page, data }) => {
  const screen = new WorkflowsPage(page);
  const { rows } = await owner.query<{ email_id: number; workflow_id: number; name: string }>(
    `SELECT e.email_id, e.workflow_id, w.name FROM email_workflow_executions e JOIN email_workflows w ON w.id = e.workflow_id
     WHERE e.email_id <> ALL($1::int[]) AND e.status = 'completed' ORDER BY e.id LIMIT 1`,
    [[timeEmailId, bankruptcyEmailId]],
  );
  const run = rows[0]!;
  // As the hub's seed logger wrote it before executions had ids: exactly the seed's five fields.
  await owner.query(
    `INSERT INTO email_activity_log (email_id, event_type, event_category, description, metadata, created_by)
     VALUES ($1, 'workflow_executed', 'workflow', 'Workflow ' || $3 || ' completed (3 steps, 900 ms)',
             jsonb_build_object('workflow_id', $2::int, 'workflow_name', $3::text, 'status', 'completed', 'steps_completed', 3, 'execution_time_ms', 900), 'system')`,
    [run.email_id, run.workflow_id, run.name],
  );
  await page.goto(`${data.workflows.url}/#/emails/${run.email_id}`);
  const links = page.locator('[data-testid="timeline-event"][data-event-type="workflow_executed"]').getByTestId('event-execution-link');
  await expect(links).toHaveCount(2);
  const hrefs = await links.evaluateAll((anchors) => anchors.map((anchor) => anchor.getAttribute('href')));
  expect(hrefs.filter((href) => href?.startsWith('#/workflow-executions/'))).toHaveLength(1);
  const older = links.filter({ hasText: 'Executions' });
  await expect(older).toHaveAttribute('href', `#/workflows/executions?workflow=${run.workflow_id}&email=${run.email_id}`);
  await older.click();
  await expect(page).toHaveURL(new RegExp(`#/workflows/executions\\?workflow=${run.workflow_id}&email=${run.email_id}$`));
  await expect(screen.executionRows).toHaveCount(1);
});

test('a failed execution names the step and its error', async ({ page, data }) => {
  const screen = new WorkflowsPage(page);
  const executionId = await executionIdOf(bankruptcyEmailId);
  await screen.goto(data.workflows.url, `#/workflows/executions?status=failed&email=${bankruptcyEmailId}`);
  await screen.executionLinks.first().click();
  await expect(screen.executionTitle).toContainText(`Execution #${executionId}`);
  await expect(screen.executionTitle).toContainText('Failed');
  await expect(screen.executionError).toContainText('step 2 (notify)');
  await expect(page.locator('[data-testid="execution-step"][data-action="flag_bankruptcy"]')).toHaveAttribute('data-outcome', 'succeeded');
  await expect(page.locator('[data-testid="execution-step"][data-action="notify"]')).toHaveAttribute('data-outcome', 'failed');
  await expect(page.locator('[data-testid="execution-step"][data-action="notify"]').getByTestId('execution-step-error')).not.toBeEmpty();
  await shots(page, 'execution-failed');
  await page.goto(`${data.workflows.url}/#/workflow-executions/99999999`);
  await expect(page.getByTestId('execution-error')).toBeVisible();
  await page.goto(`${data.workflows.url}/#/workflow-executions/abc`);
  await expect(page.getByTestId('execution-bad-id')).toBeVisible();
});

test('switches a workflow off and on through the admin write path, asking for the admin token first', async ({ page, data }) => {
  const screen = new WorkflowsPage(page);
  await screen.goto(data.workflows.url);
  const invoice = screen.workflow('Invoice Processing').getByTestId('workflow-enabled');
  await expect(invoice).toHaveAttribute('aria-checked', 'true');
  // Without the token the server refuses (401): the screen says what the change needs and asks for it.
  await invoice.click();
  const access = page.getByTestId('retention-access');
  await expect(access).toHaveAttribute('data-reason', 'admin-token');
  await expect(access).toContainText('to switch workflows on or off');
  await expect(page.getByTestId('admin-token-input')).toBeFocused();
  await expect(invoice).toHaveAttribute('aria-checked', 'true');
  await shots(page, 'token');
  await page.keyboard.type(data.workflows.adminToken);
  await page.keyboard.press('Enter');
  await expect(access).toHaveCount(0);

  await invoice.focus();
  await page.keyboard.press('Space');
  await expect(invoice).toHaveAttribute('aria-checked', 'false');
  await expect(invoice).toHaveText('Disabled');
  expect((await owner.query(`SELECT enabled FROM email_workflows WHERE name = 'Invoice Processing'`)).rows[0].enabled).toBe(false);
  const journal = await owner.query(`SELECT action, outcome FROM mailtrail_admin_journal WHERE action = 'workflows.update' ORDER BY id DESC LIMIT 1`);
  expect(journal.rows[0]).toEqual({ action: 'workflows.update', outcome: 'succeeded' });
  await shots(page, 'disabled');
  await page.reload();
  await expect(invoice).toHaveAttribute('aria-checked', 'false');
  await invoice.click();
  await expect(invoice).toHaveAttribute('aria-checked', 'true');
  expect((await owner.query(`SELECT enabled FROM email_workflows WHERE name = 'Invoice Processing'`)).rows[0].enabled).toBe(true);
});

test('re-runs a failed execution: it runs again from the failed step and ends with a second workflow_executed', async ({ page, data }) => {
  const screen = new WorkflowsPage(page);
  const executionId = await executionIdOf(bankruptcyEmailId);
  // The token for this tab, as the form above saves it.
  await page.goto(`${data.workflows.url}/#/emails`);
  await page.evaluate((token) => window.sessionStorage.setItem('mailtrail.adminToken', token), data.workflows.adminToken);
  await screen.goto(data.workflows.url, `#/workflow-executions/${executionId}`);
  await expect(screen.executionTitle).toContainText('Failed');
  const rerun = page.getByTestId('execution-rerun');
  await rerun.focus();
  await page.keyboard.press('Enter');
  // No SMTP server is set, so it fails again at the same step; the step that succeeded is not repeated.
  await expect.poll(async () => Number((await owner.query(`SELECT count(*) AS n FROM email_activity_log WHERE email_id = $1 AND event_type = 'workflow_executed'`, [bankruptcyEmailId])).rows[0].n), { timeout: 15_000 }).toBe(2);
  await expect(screen.executionTitle).toContainText('Failed', { timeout: 10_000 });
  await expect(page.locator('[data-testid="execution-step"][data-action="flag_bankruptcy"]')).toHaveAttribute('data-attempts', '1');
  await expect(page.locator('[data-testid="execution-step"][data-action="notify"]')).toHaveAttribute('data-attempts', '2');
  const journal = await owner.query(`SELECT action, outcome FROM mailtrail_admin_journal WHERE action = 'workflows.rerun' ORDER BY id DESC LIMIT 1`);
  expect(journal.rows[0]).toEqual({ action: 'workflows.rerun', outcome: 'succeeded' });
});
