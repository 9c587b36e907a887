import { ActivityPage } from './pages/activity.page';
import { AnalyticsPage } from './pages/analytics.page';
import { ask, expect, test } from './support/test';

test('the user audit takes the date range, counts per event type, and a type filters the list (issue 11, item 9)', async ({ page }) => {
  const analytics = new AnalyticsPage(page);
  await page.goto('/#/analytics/users');
  const users = await ask(page, 'users/list', {});
  const mette = users.items.find((user) => user.user_name === 'Mette Jensen' && user.email?.endsWith('bmc-hub.dk'))!;
  await analytics.auditUser.selectOption(String(mette.id));
  await expect(analytics.range).toHaveAttribute('data-preset', 'all');
  await page.getByTestId('range-90d').click();
  await expect(page).toHaveURL(new RegExp(`#/analytics/users\\?range=90d&user=${mette.id}$`));
  const range = await analytics.shownRange();
  const summary = await ask(page, 'users/summary', { userId: mette.id, ...range });
  expect(summary.total).toBeGreaterThan(0);
  await expect(page.getByTestId('audit-summary')).toHaveAttribute('data-total', String(summary.total));
  // The list says exactly how many events it holds, not "200+" (issue 11, item 8).
  await expect(analytics.auditCount).toContainText(new RegExp(`^${summary.total.toLocaleString('en')} events by `));
  const types = page.getByTestId('audit-type');
  await expect(types).toHaveCount(summary.types.length);
  expect(await analytics.numbers(types, 'data-count')).toEqual(summary.types.map((row) => row.count));

  const read = summary.types.find((row) => row.event_type === 'read')!;
  await page.locator('[data-testid="audit-type"][data-event-type="read"]').click();
  await expect(page).toHaveURL(/type=read/);
  await analytics.auditRows.first().waitFor();
  const expected = await ask(page, 'users/activity', { userId: mette.id, ...range, eventTypes: ['read'], limit: 1000 });
  expect(expected.items.length).toBe(Math.min(read.count, 1000));
  await expect(analytics.auditCount).toContainText(`${read.count.toLocaleString('en')} read events by `);
  expect(new Set(await analytics.auditRows.evaluateAll((rows) => rows.map((row) => row.getAttribute('data-event-type'))))).toEqual(new Set(['read']));
  // Events older than the range are not listed.
  const oldest = expected.items[expected.items.length - 1]!;
  expect(oldest.created_at.slice(0, 10) >= range.from).toBe(true);
});

test('workflows: the chosen workflow is in the URL, with its success rate line and its slowest runs by status (issue 11, items 9 and 11)', async ({ page }) => {
  const analytics = new AnalyticsPage(page);
  await page.goto('/#/analytics/workflows?range=90d');
  await analytics.workflowRows.first().waitFor();
  await page.getByTestId('workflow-chart-select').selectOption('Invoice Processing');
  await expect(page).toHaveURL(/#\/analytics\/workflows\?range=90d&workflow=Invoice(%20|\+)Processing$/);
  await expect(page.getByTestId('rate-legend')).toHaveText(['Invoice Processing']);
  await expect(page.getByTestId('workflow-rate-chart').locator('.recharts-line')).toHaveCount(1);
  const range = await analytics.shownRange();
  const slowest = await ask(page, 'analytics/slowest', { limit: 20, ...range, workflow: 'Invoice Processing' });
  await expect(analytics.slowestRows).toHaveCount(slowest.items.length);
  expect(await analytics.numbers(analytics.slowestRows, 'data-exec-time')).toEqual(slowest.items.map((run) => run.exec_time));

  await page.getByTestId('slowest-status').selectOption('failed');
  await expect(page).toHaveURL(/&status=failed$/);
  const failed = await ask(page, 'analytics/slowest', { limit: 20, ...range, workflow: 'Invoice Processing', status: 'failed' });
  expect(failed.items.length).toBeGreaterThan(0);
  await expect(analytics.slowestRows).toHaveCount(failed.items.length);
  await page.reload();
  await expect(page.getByTestId('slowest-status')).toHaveValue('failed');
  await expect(page.getByTestId('workflow-chart-select')).toHaveValue('Invoice Processing');

  // A workflow drills down to its runs in Activity (item 11).
  await page.locator('[data-testid="workflow-row"][data-workflow="Invoice Processing"]').getByTestId('workflow-link').click();
  await expect(page).toHaveURL(new RegExp(`#/activity\\?type=workflow_executed&meta=workflow_name%3DInvoice(\\+|%20)Processing&from=${range.from}&to=${range.to}$`));
  const activity = new ActivityPage(page);
  await expect(activity.metaChips).toHaveText(['workflow_name = Invoice Processing×']);
});

test('a failed-runs bar opens those runs in Activity (issue 11, item 11)', async ({ page }) => {
  const analytics = new AnalyticsPage(page);
  await page.goto('/#/analytics/workflows?range=90d&bucket=month');
  const failedBars = analytics.bars(analytics.workflowsChart, 1);
  await expect(failedBars.first()).toBeVisible();
  // The tallest: the demo's failures come from its actions (issue 16), a few a month, so some bars are a pixel high.
  const heights = await failedBars.evaluateAll((paths) => paths.map((path) => path.getBoundingClientRect().height));
  const tallest = heights.indexOf(Math.max(...heights));
  expect(heights[tallest]).toBeGreaterThan(2);
  await failedBars.nth(tallest).click();
  await expect(page).toHaveURL(/#\/activity\?type=workflow_executed&meta=status%3Dfailed&from=\d{4}-\d{2}-\d{2}&to=\d{4}-\d{2}-\d{2}$/);
  await expect(new ActivityPage(page).metaChips).toHaveText(['status = failed×']);
});
