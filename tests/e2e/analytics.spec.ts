import type { Page } from '@playwright/test';
import { ActivityPage } from './pages/activity.page';
import { AnalyticsPage } from './pages/analytics.page';
import { TimelinePage } from './pages/timeline.page';
import { ask, expect, test } from './support/test';

const RENDER_BUDGET_MS = 1_000;

/** Fails on anything the console reports, CSP violations included. */
function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    // Chromium asks for /favicon.ico on its own; the app has none, which is not an error of these screens.
    if (message.location().url.endsWith('/favicon.ico')) return;
    if (message.type() === 'error' || message.type() === 'warning') problems.push(`${message.type()}: ${message.text()} at ${message.location().url}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()} ${response.url()}`);
  });
  void page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`));
  });
  return problems;
}

test('statistics on the whole year: the table agrees with the service, the chart draws in under a second', async ({ page }) => {
  const problems = watchConsole(page);
  const analytics = new AnalyticsPage(page);
  await page.goto('/#/emails');
  await page.getByTestId('email-row').first().waitFor();
  const timing = await analytics.openAndTime('statistics');
  console.log(`render: statistics (whole year) chart drawn ${timing.wallMs} ms after navigation (page measured ${timing.pageMs} ms)`);
  expect(timing.wallMs).toBeLessThan(RENDER_BUDGET_MS);
  expect(timing.pageMs).toBeLessThan(RENDER_BUDGET_MS);

  await expect(analytics.range).toHaveAttribute('data-preset', 'year');
  const range = await analytics.shownRange();
  const stats = await ask(page, 'activity/stats', range);
  const serviceTotal = stats.reduce((sum, row) => sum + row.count, 0);
  expect(serviceTotal).toBeGreaterThan(10_000);
  await expect(analytics.statsTotal).toHaveAttribute('data-total', String(serviceTotal));
  await expect(analytics.statsTotal).toHaveText(serviceTotal.toLocaleString('en'));
  await expect(analytics.statsRows).toHaveCount(stats.length);
  // Five categories stacked, one bar each per bucket.
  await expect(analytics.statsChart.locator('.recharts-bar')).toHaveCount(5);

  await page.getByTestId('bucket-month').click();
  await expect(page).toHaveURL(/bucket=month/);
  await expect(analytics.statsChart.locator('.recharts-bar')).toHaveCount(5);
  await page.getByTestId('range-30d').click();
  await expect(page).toHaveURL(/range=30d/);
  const month = await analytics.shownRange();
  const monthTotal = (await ask(page, 'activity/stats', month)).reduce((sum, row) => sum + row.count, 0);
  await expect(analytics.statsTotal).toHaveAttribute('data-total', String(monthTotal));
  expect(monthTotal).toBeLessThan(serviceTotal);
  expect(problems).toEqual([]);
});

test('errors on the whole year agree with the service; a type opens the explorer with only its errors', async ({ page }) => {
  const problems = watchConsole(page);
  const analytics = new AnalyticsPage(page);
  await page.goto('/#/emails');
  await page.getByTestId('email-row').first().waitFor();
  const timing = await analytics.openAndTime('errors');
  console.log(`render: errors (whole year) sparklines drawn ${timing.wallMs} ms after navigation (page measured ${timing.pageMs} ms)`);
  expect(timing.wallMs).toBeLessThan(RENDER_BUDGET_MS);
  expect(timing.pageMs).toBeLessThan(RENDER_BUDGET_MS);

  const range = await analytics.shownRange();
  const errors = await ask(page, 'analytics/errors', range);
  const byCount = [...errors.errors].sort((a, b) => b.count - a.count);
  await expect(analytics.errorRows).toHaveCount(byCount.length);
  expect(await analytics.numbers(analytics.errorRows, 'data-count')).toEqual(byCount.map((row) => row.count));
  await expect(analytics.sparklines).toHaveCount(byCount.length);

  const top = byCount[0]!;
  expect(top.error_type).not.toBeNull();
  await analytics.errorRows.first().getByTestId('error-type-link').click();
  await expect(page).toHaveURL(new RegExp(`#/activity\\?type=error&meta=error_type%3D${top.error_type}&from=${range.from}&to=${range.to}$`));
  const activity = new ActivityPage(page);
  await expect(activity.metaChips).toHaveText([`error_type = ${top.error_type}×`]);
  const expected = await ask(page, 'activity/recent', {
    eventTypes: ['error'],
    metadata: [{ key: 'error_type', value: top.error_type! }],
    ...range,
    limit: 100,
  });
  expect(expected.items.every((event) => event.event_type === 'error' && event.metadata?.['error_type'] === top.error_type)).toBe(true);
  await expect
    .poll(async () => {
      const shown = await activity.attribute('event-id');
      return shown.length > 0 && shown.join() === expected.items.slice(0, shown.length).map((event) => String(event.id)).join();
    })
    .toBe(true);
  expect(problems).toEqual([]);
});

test('workflows on the whole year agree with the service, with approximate percentiles and the slowest runs linked', async ({ page }) => {
  const problems = watchConsole(page);
  const analytics = new AnalyticsPage(page);
  await page.goto('/#/emails');
  await page.getByTestId('email-row').first().waitFor();
  const timing = await analytics.openAndTime('workflows');
  console.log(`render: workflows (whole year) chart drawn ${timing.wallMs} ms after navigation (page measured ${timing.pageMs} ms)`);
  expect(timing.wallMs).toBeLessThan(RENDER_BUDGET_MS);
  expect(timing.pageMs).toBeLessThan(RENDER_BUDGET_MS);

  const range = await analytics.shownRange();
  const answer = await ask(page, 'analytics/workflows', range);
  const byTotal = [...answer.workflows].sort((a, b) => b.total - a.total);
  await expect(analytics.workflowRows).toHaveCount(byTotal.length);
  expect(await analytics.numbers(analytics.workflowRows, 'data-completed')).toEqual(byTotal.map((row) => row.completed));
  expect(await analytics.numbers(analytics.workflowRows, 'data-failed')).toEqual(byTotal.map((row) => row.failed));
  const invoice = page.locator('[data-testid="workflow-row"][data-workflow="Invoice Processing"]');
  await expect(invoice).toContainText('≈');
  await expect(invoice.getByTestId('workflow-rate')).toContainText(`${byTotal.find((row) => row.workflow === 'Invoice Processing')!.success_rate!.toFixed(2)} %`);

  // The slowest runs of the range shown (issue 11, item 9).
  const slowest = await ask(page, 'analytics/slowest', { limit: 20, ...range });
  await expect(analytics.slowestRows).toHaveCount(slowest.items.length);
  expect(await analytics.numbers(analytics.slowestRows, 'data-exec-time')).toEqual(slowest.items.map((run) => run.exec_time));
  const first = slowest.items[0]!;
  await analytics.slowestRows.first().getByTestId('slowest-email-link').click();
  await expect(new TimelinePage(page).emailId).toHaveText(`#${first.email_id}`);
  expect(problems).toEqual([]);
});

test('the user audit lists what a user did with each email’s subject, and a row opens the email', async ({ page }) => {
  const problems = watchConsole(page);
  const analytics = new AnalyticsPage(page);
  const users = await (async () => {
    await page.goto('/#/analytics/users');
    return ask(page, 'users/list', {});
  })();
  const mette = users.items.find((user) => user.user_name === 'Mette Jensen' && user.email?.endsWith('bmc-hub.dk'))!;
  await expect(page.getByTestId('audit-pick')).toBeVisible();
  await analytics.auditUser.selectOption(String(mette.id));
  await expect(page).toHaveURL(new RegExp(`#/analytics/users\\?user=${mette.id}$`));
  const expected = await ask(page, 'users/activity', { userId: mette.id, limit: 200 });
  expect(expected.items.length).toBeGreaterThan(0);
  await expect(analytics.auditRows.first()).toBeVisible();
  const subjects = await page.getByTestId('audit-subject').allInnerTexts();
  expect(subjects).toEqual(expected.items.slice(0, subjects.length).map((event) => event.email_subject ?? '(no subject recorded)'));
  expect([...new Set(await analytics.auditRows.evaluateAll((rows) => rows.map((row) => row.getAttribute('data-user-id'))))]).toEqual([String(mette.id)]);

  await page.reload();
  await expect(analytics.auditUser).toHaveValue(String(mette.id));
  await analytics.auditRows.first().waitFor();
  await page.keyboard.press('j');
  await expect(analytics.auditRows.first()).toHaveAttribute('data-selected', 'true');
  await page.keyboard.press('Enter');
  await expect(new TimelinePage(page).emailId).toHaveText(`#${expected.items[0]!.email_id}`);
  expect(problems).toEqual([]);
});

test('Include archived adds the archived events to the counts, and the URL keeps it (issue 13, item 5)', async ({ page }) => {
  const analytics = new AnalyticsPage(page);
  await page.goto('/#/analytics/statistics?range=all');
  await expect(analytics.statsTotal).toHaveAttribute('data-total', /\d+/);
  const total = Number(await analytics.statsTotal.getAttribute('data-total'));
  const toggle = page.getByTestId('include-archived').getByRole('checkbox');
  await expect(toggle).not.toBeChecked();
  await toggle.check();
  await expect(page).toHaveURL(/archived=1/);
  // The e2e data's archive holds the four events of one email.
  await expect(analytics.statsTotal).toHaveAttribute('data-total', String(total + 4));
  await expect(page.getByTestId('log-extent')).toContainText('Log and archive');
  // A preset keeps it; the other screens count the archive too.
  await page.getByTestId('range-year').click();
  await expect(page).toHaveURL(/archived=1/);
  await page.getByTestId('analytics-tab-errors').click();
  await expect(page.getByTestId('include-archived').getByRole('checkbox')).toBeChecked();
  await toggle.uncheck();
  await expect(page).not.toHaveURL(/archived=1/);
});
