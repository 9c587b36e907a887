import { rpcPathOf, type ResponseOf } from '../../src-main/contract/operations';
import { ActivityPage } from './pages/activity.page';
import { AnalyticsPage } from './pages/analytics.page';
import { AppShell } from './pages/app-shell.page';
import { EmailsPage } from './pages/emails.page';
import { TimelinePage } from './pages/timeline.page';
import { test as liveTest, expect } from './support/test';

/** The same app served from the offline cache the global setup synced from the live database. */
const test = liveTest.extend({
  baseURL: async ({ data }, use) => {
    await use(data.offlineUrl);
  },
});

test('an offline cache says so above every screen, with when it was synced and from where', async ({ page }) => {
  const shell = new AppShell(page);
  const emails = new EmailsPage(page);
  await emails.goto();
  await expect(shell.sourceKind).toHaveText('Offline cache');
  await expect(shell.offlineBanner).toContainText('Offline review — reading a cache synced');
  await expect(shell.offlineBanner).toContainText('Changes in the live log since then are not shown.');
  await expect(shell.offlineBanner).toContainText('mailtrail_e2e');
  const syncedAt = (await shell.offlineBanner.getAttribute('data-synced-at')) ?? '';
  expect(syncedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
  // Synced by this run's global setup, so within the last hour.
  expect(Date.now() - Date.parse(`${syncedAt}Z`)).toBeLessThan(3_600_000);
  await expect(shell.offlineBanner.locator('time')).toHaveText(`${syncedAt.replace('T', ' ').slice(0, 16)} UTC`);
  await page.screenshot({ path: '.tmp/offline-banner.png' });

  for (const section of ['activity', 'analytics', 'settings'] as const) {
    await shell.openSection(section);
    await expect(shell.offlineBanner).toBeVisible();
  }
});

test('every screen renders from the cache, with the live database’s numbers', async ({ page, data }) => {
  const timeline = new TimelinePage(page);
  await page.goto(`${data.baseUrl}/#/emails/${data.timelineEmailId}`);
  await timeline.waitForEvents();
  const liveCount = (await timeline.count.textContent()) ?? '';
  expect(liveCount).toMatch(/^\d+ events$/);

  const emails = new EmailsPage(page);
  await emails.goto(data.subjectWord);
  await expect(emails.row(data.timelineEmailId)).toBeVisible();

  await timeline.gotoPermalink(data.timelineEmailId);
  await timeline.waitForEvents();
  await expect(timeline.subject).toHaveText(data.timelineSubject);
  await expect(timeline.count).toHaveText(liveCount);

  const activity = new ActivityPage(page);
  await activity.goto();
  await expect(activity.rows.first()).toBeVisible();

  const analytics = new AnalyticsPage(page);
  await analytics.openAndTime('statistics');
  const range = await analytics.shownRange();
  const response = await page.request.post(rpcPathOf('activity/stats'), { data: range });
  expect(response.ok()).toBe(true);
  const stats = (await response.json()) as ResponseOf<'activity/stats'>;
  const total = stats.reduce((sum, row) => sum + row.count, 0);
  expect(total).toBeGreaterThan(10_000);
  await expect(analytics.statsTotal).toHaveAttribute('data-total', String(total));
});

test('Retention says it needs the live database and is unavailable while reviewing a cache', async ({ page }) => {
  const shell = new AppShell(page);
  await page.goto('/#/emails');
  await expect(shell.offlineBanner).toBeVisible();
  await shell.openSection('retention');
  await expect(page.getByTestId('retention-unavailable')).toContainText('Retention needs the live database');
  await expect(page.getByTestId('retention-unavailable')).toContainText('unavailable while you review an offline cache');
});

liveTest('the live database shows no offline banner and Retention no offline notice', async ({ page }) => {
  const shell = new AppShell(page);
  await page.goto('/#/retention');
  await expect(shell.sourceKind).toHaveText('Live PostgreSQL');
  await expect(page.getByTestId('retention-page')).toBeVisible();
  await expect(shell.offlineBanner).toHaveCount(0);
  await expect(page.getByTestId('retention-unavailable')).toHaveCount(0);
});

test('the cache carries the archive: an archived email opens offline, its events marked Archived (issue 13, item 5)', async ({ page, data }) => {
  const timeline = new TimelinePage(page);
  await timeline.gotoPermalink(data.archivedEmailId);
  await timeline.waitForEvents();
  await expect(timeline.events).toHaveCount(4);
  await expect(page.getByTestId('event-archived')).toHaveCount(4);
  await page.goto('/#/analytics/statistics?range=all&archived=1');
  await expect(page.getByTestId('include-archived').getByRole('checkbox')).toBeChecked();
  await expect(page.getByTestId('stats-total')).toHaveAttribute('data-total', /\d+/);
});
