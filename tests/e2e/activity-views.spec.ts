import type { Page } from '@playwright/test';
import type { RequestOf, ResponseOf } from '../../src-main/contract/operations';
import { ActivityPage } from './pages/activity.page';
import { TimelinePage } from './pages/timeline.page';
import { ask, expect, test } from './support/test';

// Dates are typed as an en-US user types them: month, day, year.
test.use({ locale: 'en-US' });

/** Every event the list should show for a request, following the bounded pages to the end. */
async function allRecent(page: Page, request: RequestOf<'activity/recent'>) {
  let answer = await ask(page, 'activity/recent', { ...request, limit: 1000 });
  const items = [...answer.items];
  while (answer.nextCursor) {
    answer = await ask(page, 'activity/recent', { ...request, limit: 1000, cursor: answer.nextCursor });
    items.push(...answer.items);
  }
  return items;
}

/** Scrolls the list far down with the mouse wheel, as a user reading old events does. */
async function wheelFarDown(page: Page, activity: ActivityPage) {
  await activity.list.hover();
  for (let turn = 0; turn < 40 && (await activity.list.evaluate((list) => list.scrollTop)) < 8_000; turn++) {
    await page.mouse.wheel(0, 2_000);
    await expect.poll(() => activity.list.evaluate((list) => list.scrollTop)).toBeGreaterThan(0);
  }
  expect(await activity.list.evaluate((list) => list.scrollTop)).toBeGreaterThanOrEqual(8_000);
}

const shortDate = (daysBefore: number, until: string) => new Date(Date.parse(`${until}Z`) - daysBefore * 86_400_000).toISOString().slice(0, 10);
/** 2025-06-01 as typed into an en-US date field: 06012025. */
const typed = (date: string) => `${date.slice(5, 7)}${date.slice(8, 10)}${date.slice(0, 4)}`;

test('a new filter after scrolling far down starts at the newest matching row, wheel and chip alike (issue 11, item 1)', async ({ page }) => {
  const activity = new ActivityPage(page);
  await activity.goto();
  await wheelFarDown(page, activity);

  await activity.filterByEventType('error');
  await activity.addMetadata('error_type', 'extraction_failed');
  const expected = await allRecent(page, { eventTypes: ['error'], metadata: [{ key: 'error_type', value: 'extraction_failed' }] });
  expect(expected.length).toBeGreaterThan(3);
  await expect(activity.count).toHaveText(`${expected.length} events`);
  // The newest matching rows are there, on screen, from the top; nothing blank above them.
  await expect(activity.rows.first()).toHaveAttribute('data-event-id', String(expected[0]!.id));
  await expect(activity.rows.first()).toBeInViewport();
  const shown = await activity.attribute('event-id');
  expect(shown).toEqual(expected.slice(0, shown.length).map((event) => String(event.id)));
  expect(await activity.list.evaluate((list) => list.scrollTop)).toBe(0);

  // A category chip in the same state: back to the whole log, scroll down, click.
  await page.getByTestId('filter-clear').click();
  await activity.settled();
  await wheelFarDown(page, activity);
  await activity.category('user').click();
  await activity.waitForParam('category', 'user');
  const [newestUserEvent] = (await ask(page, 'activity/recent', { eventCategories: ['user'], limit: 1 })).items;
  await expect(activity.rows.first()).toHaveAttribute('data-event-id', String(newestUserEvent!.id));
  await expect(activity.rows.first()).toBeInViewport();
  expect(await activity.list.evaluate((list) => list.scrollTop)).toBe(0);
});

test('From and To typed with the keyboard apply only as whole dates: never a year like 0002 (issue 11, item 2)', async ({ page, data }) => {
  const activity = new ActivityPage(page);
  await activity.goto();
  const hashes: string[] = [];
  const sentRanges: string[] = [];
  page.on('request', (request) => {
    if (!request.url().includes('/api/v1/rpc/activity/')) return;
    const body = request.postDataJSON() as { from?: string; to?: string };
    sentRanges.push(`${body.from ?? ''}..${body.to ?? ''}`);
  });
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { seenHashes: string[] }).seenHashes = seen;
    window.addEventListener('hashchange', () => seen.push(window.location.hash));
  });

  const from = shortDate(90, data.demoUntil);
  const to = shortDate(60, data.demoUntil);
  await activity.fromFilter.focus();
  await page.keyboard.type(typed(from));
  await activity.waitForParam('from', from);
  await activity.toFilter.focus();
  await page.keyboard.type(typed(to));
  await activity.waitForParam('to', to);
  await expect(activity.fromFilter).toHaveValue(from);
  await expect(activity.toFilter).toHaveValue(to);

  const inRange = (stamps: string[]) => stamps.length > 0 && stamps.every((stamp) => stamp.slice(0, 10) >= from && stamp.slice(0, 10) <= to);
  await expect.poll(async () => inRange(await activity.attribute('created-at'))).toBe(true);
  hashes.push(...(await page.evaluate(() => (window as unknown as { seenHashes: string[] }).seenHashes)));
  expect(hashes.length).toBeGreaterThan(0);
  for (const hash of hashes) expect(hash).not.toMatch(/(from|to)=0\d{3}-/);
  for (const range of sentRanges) expect(range).not.toMatch(/(^|\.\.)0\d{3}-/);
  expect(sentRanges).toContain(`${from}..${to}`);
});

test('a reversed range is never swapped silently: the page says so, asks nothing, and Swap fixes it (issue 11, item 7)', async ({ page, data }) => {
  const activity = new ActivityPage(page);
  const from = shortDate(60, data.demoUntil);
  const to = shortDate(90, data.demoUntil);
  const asked: string[] = [];
  page.on('request', (request) => {
    if (request.url().includes('/api/v1/rpc/activity/recent')) asked.push(request.postData() ?? '');
  });
  await page.goto(`/#/activity?from=${from}&to=${to}`);
  await expect(page.getByTestId('range-reversed')).toContainText(`From (${from}) is after To (${to})`);
  await expect(activity.rows).toHaveCount(0);
  expect(asked).toEqual([]);
  // The API keeps its rule: the same range is a 400 there.
  const rest = await page.request.get(`/api/v1/emails/activity/recent?from=${from}&to=${to}`);
  expect(rest.status()).toBe(400);

  await page.getByTestId('range-swap').click();
  await activity.waitForParam('from', to);
  await activity.waitForParam('to', from);
  await expect(page.getByTestId('range-reversed')).toHaveCount(0);
  await expect.poll(async () => (await activity.attribute('created-at')).every((stamp) => stamp.slice(0, 10) >= to && stamp.slice(0, 10) <= from)).toBe(true);
  await expect(activity.rows.first()).toBeVisible();
});

test('/ focuses the text filter; Esc on an email opened from Activity returns to the filtered view (issue 11, item 6)', async ({ page }) => {
  const activity = new ActivityPage(page);
  const timeline = new TimelinePage(page);
  await activity.goto('type=error');
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('/');
  await expect(activity.textFilter).toBeFocused();
  await page.keyboard.type('failed');
  await activity.waitForParam('text', 'failed');
  await activity.settled();
  const filtered = page.url();

  // Enter on a selected row, then Esc.
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('j');
  const selected = page.locator('[data-testid="activity-row"][data-selected="true"]');
  const emailId = await selected.getAttribute('data-email-id');
  await page.keyboard.press('Enter');
  await expect(timeline.emailId).toHaveText(`#${emailId}`);
  await timeline.waitForEvents();
  await page.keyboard.press('Escape');
  await expect(page).toHaveURL(filtered);
  await expect(activity.textFilter).toHaveValue('failed');
  await expect.poll(async () => [...new Set(await activity.eventTypesShown())]).toEqual(['error']);

  // The #id link, then Esc.
  await activity.rows.first().getByTestId('activity-email-link').click();
  await timeline.waitForEvents();
  await page.keyboard.press('Escape');
  await expect(page).toHaveURL(filtered);
  await expect(activity.rows.first()).toBeVisible();
});

test('the count is the exact number of matching events, counted after the page shows (issue 11, item 8)', async ({ page }) => {
  const activity = new ActivityPage(page);
  await activity.goto();
  const total = await ask(page, 'activity/count', {});
  expect(total.exact).toBe(true);
  expect(total.count).toBeGreaterThan(100);
  await expect(activity.count).toHaveText(`${total.count.toLocaleString('en')} events`);
  const rest = (await (await page.request.get('/api/v1/emails/activity/count?event_type=error')).json()) as ResponseOf<'activity/count'>;
  await activity.filterByEventType('error');
  await expect(activity.count).toHaveText(`${rest.count.toLocaleString('en')} events`);
});

test('each activity row shows its email’s subject (issue 11, item 10)', async ({ page, data }) => {
  const activity = new ActivityPage(page);
  await activity.goto(`email=${data.timelineEmailId}`);
  await expect(activity.rows.first().getByTestId('activity-subject')).toHaveText(data.timelineSubject);

  await activity.goto();
  const rows = await activity.rows.evaluateAll((nodes) => nodes.slice(0, 6).map((node) => Number(node.getAttribute('data-email-id'))));
  for (const [index, emailId] of rows.entries()) {
    const { subject } = await ask(page, 'emails/get', { emailId });
    await expect(activity.rows.nth(index).getByTestId('activity-subject')).toHaveText(subject ?? 'no subject');
  }
});

test('clicking a metadata value in a timeline opens Activity filtered to it (issue 11, item 11)', async ({ page }) => {
  const [errorEvent] = (await ask(page, 'activity/recent', { eventTypes: ['error'], limit: 1 })).items;
  const errorType = String(errorEvent!.metadata?.['error_type']);
  const timeline = new TimelinePage(page);
  await timeline.gotoPermalink(errorEvent!.email_id);
  await timeline.waitForEvents();
  const event = page.locator(`[data-testid="timeline-event"][data-event-id="${errorEvent!.id}"]`);
  const json = await timeline.expandMetadata(event);
  await json.locator('[data-testid="metadata-value-link"][data-key="error_type"]').click();

  const activity = new ActivityPage(page);
  await expect(page).toHaveURL(new RegExp(`#/activity\\?meta=error_type%3D${errorType}$`));
  await expect(activity.metaChips).toHaveText([`error_type = ${errorType}×`]);
  await expect(activity.rows.first()).toHaveAttribute('data-event-id', String(errorEvent!.id));
  await expect.poll(async () => (await activity.attribute('event-type')).length).toBeGreaterThan(0);
});

test('from the offline cache the count and the subjects are the live database’s (issue 11, items 8 and 10)', async ({ page, data }) => {
  const live = (await (await page.request.get(`${data.baseUrl}/api/v1/emails/activity/count?event_category=user`)).json()) as ResponseOf<'activity/count'>;
  // More than one page (100 rows), so the number shown is the count's, not the list's length.
  expect(live.count).toBeGreaterThan(100);
  await page.goto(`${data.offlineUrl}/#/activity?category=user&email=${data.timelineEmailId}`);
  const activity = new ActivityPage(page);
  await expect(activity.rows.first().getByTestId('activity-subject')).toHaveText(data.timelineSubject);
  await page.goto(`${data.offlineUrl}/#/activity?category=user`);
  await expect(activity.count).toHaveText(`${live.count.toLocaleString('en')} events`);
});
