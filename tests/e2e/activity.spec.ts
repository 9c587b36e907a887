import type { Page } from '@playwright/test';
import type { RequestOf, ResponseOf } from '../../src-main/contract/operations';
import { openWritableDb } from '../../src-main/db/connection';
import { createEmailActivityLogger } from '../../src-main/logger/email-activity-logger';
import { ActivityPage } from './pages/activity.page';
import { TimelinePage } from './pages/timeline.page';
import { expect, test } from './support/test';

/** Asks the service the same question the screen asks, over the page's own origin. */
async function recent(page: Page, request: RequestOf<'activity/recent'>): Promise<ResponseOf<'activity/recent'>> {
  const response = await page.request.post('/api/v1/rpc/activity/recent', { data: request });
  expect(response.ok()).toBe(true);
  return (await response.json()) as ResponseOf<'activity/recent'>;
}

test('recent activity filtered by event type shows only that type, and the filter survives a reload', async ({ page }) => {
  const activity = new ActivityPage(page);
  await activity.goto();
  expect(new Set(await activity.eventTypesShown()).size).toBeGreaterThan(1);

  await activity.filterByEventType('error');
  await expect(activity.rows.first()).toHaveAttribute('data-event-type', 'error');
  await expect.poll(async () => [...new Set(await activity.eventTypesShown())]).toEqual(['error']);

  await activity.filterByEventType('read');
  const onlyThose = async () => {
    const shown = new Set(await activity.eventTypesShown());
    return shown.has('read') && [...shown].every((type) => type === 'error' || type === 'read');
  };
  await expect.poll(onlyThose).toBe(true);
  // The rows on screen are the newest, reads of the demo's last days (its errors come from real workflow
  // failures since issue 16, a few a week); the list they page through holds both types.
  const both = await recent(page, { eventTypes: ['error', 'read'], limit: 500 });
  expect(new Set(both.items.map((event) => event.event_type))).toEqual(new Set(['error', 'read']));

  await page.reload();
  await expect(activity.eventTypeFilter).toHaveAttribute('data-selected', 'error,read');
  await expect.poll(onlyThose).toBe(true);
});

test('category filters combine with the event type, and an impossible combination says so', async ({ page }) => {
  const activity = new ActivityPage(page);
  await activity.goto();
  await activity.category('user').click();
  await expect(page).toHaveURL(/category=user/);
  await expect.poll(async () => [...new Set(await activity.attribute('category'))]).toEqual(['user']);

  await activity.filterByEventType('workflow_executed');
  await expect(activity.empty).toContainText('No events match these filters');
  await page.getByTestId('filter-clear').click();
  await expect(page).toHaveURL(/#\/activity$/);
  await expect(activity.rows.first()).toBeVisible();
});

test('Enter on a selected activity row opens that email’s timeline', async ({ page }) => {
  const activity = new ActivityPage(page);
  await activity.goto();
  await page.keyboard.press('j');
  const selected = page.locator('[data-testid="activity-row"][data-selected="true"]');
  const emailLink = await selected.getByTestId('activity-email-link').innerText();
  await page.keyboard.press('Enter');
  await expect(new TimelinePage(page).emailId).toHaveText(emailLink);
});

test('the user filter lists only that user’s events, by name, and survives a reload', async ({ page }) => {
  const activity = new ActivityPage(page);
  await activity.goto();
  const users = (await (await page.request.post('/api/v1/rpc/users/list', { data: {} })).json()) as ResponseOf<'users/list'>;
  const lars = users.items.find((user) => user.user_name === 'Lars Nielsen' && user.email?.endsWith('bmc-hub.dk'));
  expect(lars).toBeDefined();
  await activity.filterByUser(lars!.id);
  await expect(activity.userFilter).toContainText('Lars Nielsen');
  await expect.poll(async () => [...new Set(await activity.attribute('user-id'))]).toEqual([String(lars!.id)]);

  await page.reload();
  await expect(activity.userFilter).toHaveAttribute('data-selected', String(lars!.id));
  await expect.poll(async () => [...new Set(await activity.attribute('user-id'))]).toEqual([String(lars!.id)]);
});

test('free text narrows to descriptions containing it, case-insensitively, and survives a reload', async ({ page }) => {
  const activity = new ActivityPage(page);
  await activity.goto();
  await activity.filterByText('pdf');
  await expect.poll(async () => (await activity.descriptionsShown()).length).toBeGreaterThan(0);
  await expect.poll(async () => (await activity.descriptionsShown()).every((text) => /pdf/i.test(text))).toBe(true);
  await page.reload();
  await expect(activity.textFilter).toHaveValue('pdf');
  await expect.poll(async () => (await activity.descriptionsShown()).every((text) => /pdf/i.test(text))).toBe(true);
});

test('a text found only far back is found at once through the index, on a whole page; an absent one ends empty (issue 12, item 1)', async ({ page }) => {
  // The oldest ticket's number is in one description only, thousands of events from the newest.
  let tickets = await recent(page, { eventTypes: ['ticket_created'], limit: 500 });
  while (tickets.nextCursor) tickets = await recent(page, { eventTypes: ['ticket_created'], limit: 500, cursor: tickets.nextCursor });
  const oldest = tickets.items.at(-1)!;
  // The hub's rule tickets (T-2025-000001) or the engine's create_ticket (TCK-000001, issue 16).
  const ticketNumber = /T-\d{4}-\d{6}|TCK-\d{6}/.exec(oldest.description)![0];
  const first = await recent(page, { text: ticketNumber, limit: 100 });
  expect(first.items.map((event) => event.id)).toEqual([oldest.id]);
  expect(first.searchedTo).toBeNull();
  expect(first.nextCursor).toBeNull();
  expect(first.source).toEqual({ search: 'index', notice: null });
  const rest = await page.request.get(`/api/v1/emails/activity/recent?text=${ticketNumber}`);
  expect((await rest.json()).map((event: { id: number }) => event.id)).toEqual([oldest.id]);
  expect(rest.headers()['x-searched-to']).toBeUndefined();

  const activity = new ActivityPage(page);
  await activity.goto();
  await activity.filterByText(ticketNumber);
  await expect(activity.rows).toHaveCount(1);
  await expect(activity.rows.first()).toHaveAttribute('data-event-id', String(oldest.id));
  await expect(activity.count).toHaveText('1 event');
  await expect(page.getByTestId('activity-searched-to')).toHaveCount(0);
  await expect(page.getByTestId('activity-scan-notice')).toHaveCount(0);

  await activity.filterByText('no such words anywhere');
  await expect(activity.empty).toContainText('No events match these filters');

  // Two letters have no trigram: the page says it searched stretch by stretch, and why.
  await activity.filterByText('df');
  await expect(activity.rows.first()).toBeVisible();
  await expect(page.getByTestId('activity-scan-notice')).toHaveAttribute('title', /three letters or digits in a row/);
});

test('a metadata condition offered from the log narrows to the events that carry it', async ({ page }) => {
  const activity = new ActivityPage(page);
  await activity.goto('type=error');
  await expect(activity.metaKey.locator('option[value="error_type"]')).toHaveCount(1);
  await activity.addMetadata('error_type', 'extraction_failed');
  await expect(activity.metaChips).toHaveText(['error_type = extraction_failed×']);

  // Metadata is checked row by row, so the service answers a stretch of the log per page: follow them all.
  const request = { eventTypes: ['error'], metadata: [{ key: 'error_type', value: 'extraction_failed' }], limit: 100 };
  let answer = await recent(page, request);
  const expected = { items: [...answer.items] };
  while (answer.nextCursor) {
    answer = await recent(page, { ...request, cursor: answer.nextCursor });
    expected.items.push(...answer.items);
  }
  expect(expected.items.length).toBeGreaterThan(0);
  expect(expected.items.every((event) => event.metadata?.['error_type'] === 'extraction_failed')).toBe(true);
  // The list is virtualised: the rows on screen are the service's answer from its start.
  const matchesService = async () => {
    const shown = await activity.attribute('event-id');
    return shown.length > 0 && shown.join() === expected.items.slice(0, shown.length).map((event) => String(event.id)).join();
  };
  await expect(activity.count).toHaveText(`${expected.items.length} events`);
  await expect.poll(matchesService).toBe(true);

  await page.reload();
  await expect(activity.metaChips).toHaveCount(1);
  await expect(activity.count).toHaveText(`${expected.items.length} events`);
  await expect.poll(matchesService).toBe(true);
});

test('a date range keeps only the events inside it, and email ids narrow to those emails', async ({ page, data }) => {
  const activity = new ActivityPage(page);
  await activity.goto();
  // A month inside the demo's year, well before the newest events.
  const daysBefore = (days: number) => new Date(Date.parse(`${data.demoUntil}Z`) - days * 86_400_000).toISOString().slice(0, 10);
  const from = daysBefore(90);
  const to = daysBefore(60);
  await activity.fromFilter.fill(from);
  await activity.waitForParam('from', from);
  await activity.toFilter.fill(to);
  await activity.waitForParam('to', to);
  const inRange = (stamps: string[]) => stamps.length > 0 && stamps.every((stamp) => stamp.slice(0, 10) >= from && stamp.slice(0, 10) <= to);
  await expect.poll(async () => inRange(await activity.attribute('created-at'))).toBe(true);
  await page.reload();
  await expect(activity.fromFilter).toHaveValue(from);
  await expect.poll(async () => inRange(await activity.attribute('created-at'))).toBe(true);

  await activity.goto();
  await activity.emailFilter.fill(`${data.timelineEmailId}`);
  await activity.waitForParam('email', String(data.timelineEmailId));
  await expect.poll(async () => [...new Set(await activity.attribute('email-id'))]).toEqual([String(data.timelineEmailId)]);
});

test('live mode shows an event as the hub writes it, at the top or as “new events” when scrolled down', async ({ page, data }) => {
  const activity = new ActivityPage(page);
  await activity.goto('type=notification_sent');
  await activity.liveToggle.click();
  await activity.waitForParam('live', '1');
  await expect(activity.liveStatus).toContainText('Checked');

  const db = openWritableDb(data.databaseUrl);
  try {
    const logger = createEmailActivityLogger(db);
    const firstId = await logger.logNotificationSent(data.liveEmailId, 'teams', '#e2e-live', `live check ${Date.now()}`);
    await expect(activity.rows.first()).toHaveAttribute('data-event-id', String(firstId));

    await activity.list.evaluate((list) => (list.scrollTop = 1_000));
    const secondId = await logger.logNotificationSent(data.liveEmailId, 'teams', '#e2e-live', `live check ${Date.now()}`);
    await expect(activity.newEvents).toHaveText('↑ 1 new event');
    expect(await activity.list.evaluate((list) => list.scrollTop)).toBeGreaterThanOrEqual(1_000);
    await activity.newEvents.click();
    await expect(activity.rows.first()).toHaveAttribute('data-event-id', String(secondId));
    await expect(activity.newEvents).toBeHidden();

    await activity.liveToggle.click();
    await activity.waitForParam('live', null);
    await expect(activity.liveStatus).toBeHidden();
  } finally {
    await db.end();
  }
});
