import type { Page } from '@playwright/test';
import { openReadableDb } from '../../src-main/db/connection';
import { query } from '../../src-main/db/query';
import { sql } from '../../src-main/db/sql';
import { ActivityPage } from './pages/activity.page';
import { AnalyticsPage } from './pages/analytics.page';
import { expect, test } from './support/test';

/** Every RPC body the page sends, to prove no partial date ever left the screen. */
function recordRequests(page: Page): string[] {
  const bodies: string[] = [];
  page.on('request', (request) => {
    if (request.url().includes('/api/v1/rpc/')) bodies.push(request.postData() ?? '');
  });
  return bodies;
}

async function eventsInLog(databaseUrl: string): Promise<number> {
  const db = openReadableDb(databaseUrl);
  try {
    const [row] = await query<{ count: string }>(db, sql`SELECT COUNT(*) AS count FROM email_activity_log`);
    return Number(row!.count);
  } finally {
    await db.end();
  }
}

test('Custom dates typed with the keyboard give March 2025, never years 0002-0005 (issue 11, item 2); a range outside the log offers All time (item 3)', async ({ page, data }) => {
  const requests = recordRequests(page);
  const analytics = new AnalyticsPage(page);
  await page.goto('/#/analytics/statistics');
  await expect(analytics.statsTotal).toBeVisible();
  await analytics.typeCustomRange('03012025', '03312025');
  await expect(page).toHaveURL(/#\/analytics\/statistics\?range=custom&from=2025-03-01&to=2025-03-31$/);
  await expect(analytics.range).toHaveAttribute('data-from', '2025-03-01');
  await expect(analytics.range).toHaveAttribute('data-to', '2025-03-31');
  // The view loads: the demo log lies elsewhere, so the screen says where, rather than "could not be loaded".
  await expect(page.getByTestId('statistics-view')).toBeVisible();
  await expect(page.getByTestId('range-outside-log')).toContainText('the log holds events from');
  await expect(page.getByText('could not be loaded')).toHaveCount(0);
  expect(requests.filter((body) => /"000[0-9]-/.test(body))).toEqual([]);
  expect(requests.some((body) => body.includes('"from":"2025-03-01","to":"2025-03-31"'))).toBe(true);

  // All time counts every event in the log (item 3).
  await page.getByTestId('range-show-all').click();
  await expect(analytics.range).toHaveAttribute('data-preset', 'all');
  await expect(page).toHaveURL(/range=all/);
  await expect(analytics.statsTotal).toHaveAttribute('data-total', String(await eventsInLog(data.databaseUrl)));
  await expect(page.getByTestId('log-extent')).toHaveAttribute('data-oldest', /^\d{4}-\d{2}-\d{2}$/);
});

test('Last 12 months ends today and starts on the same date a year earlier (issue 11, item 3)', async ({ page }) => {
  const analytics = new AnalyticsPage(page);
  await page.goto('/#/analytics/statistics');
  await expect(analytics.range).toHaveAttribute('data-preset', 'year');
  const { from, to } = await analytics.shownRange();
  const today = new Date().toISOString().slice(0, 10);
  // The e2e server runs in UTC, like this test.
  expect(to).toBe(today);
  expect(from).toBe(`${Number(today.slice(0, 4)) - 1}${today.slice(4)}`.replace(/-02-29$/, '-02-28'));
});

test('a reversed custom range is said, not swapped, and Swap fixes it in one click (issue 11, item 7)', async ({ page }) => {
  const requests = recordRequests(page);
  const analytics = new AnalyticsPage(page);
  await page.goto('/#/analytics/errors?range=custom&from=2026-03-31&to=2026-03-01');
  await expect(page.getByTestId('range-reversed')).toContainText('is after To');
  await expect(analytics.range).toHaveAttribute('data-from', '2026-03-31');
  expect(requests.filter((body) => body.includes('"from":"2026-03-31"'))).toEqual([]);
  await page.getByTestId('range-swap').click();
  await expect(page).toHaveURL(/range=custom&from=2026-03-01&to=2026-03-31$/);
  await expect(analytics.errorsCard).toBeVisible();
});

test('a partial last bucket is drawn striped and named in the legend (issue 11, item 7)', async ({ page }) => {
  const analytics = new AnalyticsPage(page);
  await page.goto('/#/analytics/statistics?range=30d&bucket=week');
  await expect(page.getByTestId('legend-partial')).toHaveText('partial week');
  await expect(analytics.bars(analytics.statsChart, 0).last()).toHaveAttribute('fill', /^url\(#partial-/);
});

test('a chart bar and a legend entry open Activity filtered to them (issue 11, item 11)', async ({ page }) => {
  const analytics = new AnalyticsPage(page);
  const activity = new ActivityPage(page);
  await page.goto('/#/analytics/statistics?range=30d&bucket=week');
  const systemBars = analytics.bars(analytics.statsChart, 0);
  await expect(systemBars.first()).toBeVisible();
  const count = await systemBars.count();
  // The bar before the (partial) last: a whole week of system events.
  await systemBars.nth(count - 2).click();
  await expect(page).toHaveURL(/#\/activity\?category=system&from=\d{4}-\d{2}-\d{2}&to=\d{4}-\d{2}-\d{2}$/);
  const params = await activity.urlParams();
  const days = (Date.parse(params.get('to')!) - Date.parse(params.get('from')!)) / 86_400_000;
  expect(days).toBe(6);
  await activity.rows.first().waitFor();
  expect(new Set(await activity.rows.evaluateAll((rows) => rows.map((row) => row.getAttribute('data-category'))))).toEqual(new Set(['system']));

  await page.goBack();
  await expect(analytics.range).toHaveAttribute('data-preset', '30d');
  const { from, to } = await analytics.shownRange();
  await analytics.legendCategory('workflow').click();
  await expect(page).toHaveURL(new RegExp(`#/activity\\?category=workflow&from=${from}&to=${to}$`));
  await expect(activity.category('workflow')).toHaveAttribute('aria-pressed', 'true');
});

test('errors show the distinct emails hit, the rate against all events and first seen in the whole log, loaded after the counts (issue 11, item 8)', async ({ page }) => {
  const order: string[] = [];
  page.on('request', (request) => request.url().includes('/rpc/analytics/error') && order.push(`ask ${request.url().split('/rpc/')[1]}`));
  page.on('response', (response) => response.url().includes('/rpc/analytics/error') && order.push(`got ${response.url().split('/rpc/')[1]}`));
  const analytics = new AnalyticsPage(page);
  await page.goto('/#/analytics/errors?range=30d');
  await expect(page.getByTestId('errors-impact')).toBeVisible();
  const range = await analytics.shownRange();
  const impact = await (await page.request.post('/api/v1/rpc/analytics/error-impact', { data: range })).json();
  const stats = await (await page.request.post('/api/v1/rpc/activity/stats', { data: range })).json();
  expect(impact.events).toBe(stats.reduce((sum: number, row: { count: number }) => sum + row.count, 0));
  await expect(page.getByTestId('errors-impact')).toHaveAttribute('data-emails', String(impact.emails));
  for (const row of impact.errors as { error_type: string | null; emails: number; first_seen: string }[]) {
    const shown = page.locator(`[data-testid="error-row"][data-error-type="${row.error_type ?? ''}"]`);
    await expect(shown.getByTestId('error-emails')).toHaveAttribute('data-emails', String(row.emails));
    await expect(shown.getByTestId('error-first-seen')).toHaveAttribute('data-first-seen', row.first_seen);
  }
  // The whole log's first error lies before this 30-day range.
  expect((impact.errors as { first_seen: string }[]).some((row) => row.first_seen < range.from)).toBe(true);
  await expect(page.getByTestId('error-rate').first()).toHaveText(/^\d+\.\d+ %$|^< 0\.01 %$/);
  expect(order.slice(0, 3)).toEqual(['ask analytics/errors', 'got analytics/errors', 'ask analytics/error-impact']);
});

test('a point of an error type’s trend opens that type’s errors of that day in Activity (issue 11, item 11)', async ({ page }) => {
  const analytics = new AnalyticsPage(page);
  await page.goto('/#/analytics/errors?range=30d');
  const row = analytics.errorRows.first();
  const errorType = await row.getAttribute('data-error-type');
  const sparkline = row.getByTestId('error-sparkline');
  const box = (await sparkline.boundingBox())!;
  await sparkline.hover({ position: { x: box.width - 3, y: box.height / 2 } });
  await sparkline.click({ position: { x: box.width - 3, y: box.height / 2 } });
  await expect(page).toHaveURL(new RegExp(`#/activity\\?type=error&meta=error_type%3D${errorType}&from=(\\d{4}-\\d{2}-\\d{2})&to=\\1$`));
  await expect(new ActivityPage(page).metaChips).toHaveText([`error_type = ${errorType}×`]);
});
