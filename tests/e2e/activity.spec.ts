import { ActivityPage } from './pages/activity.page';
import { TimelinePage } from './pages/timeline.page';
import { expect, test } from './support/test';

test('recent activity filtered by event type shows only that type, and the filter survives a reload', async ({ page }) => {
  const activity = new ActivityPage(page);
  await activity.goto();
  expect(new Set(await activity.eventTypesShown()).size).toBeGreaterThan(1);

  await activity.filterByEventType('error');
  await expect(activity.rows.first()).toHaveAttribute('data-event-type', 'error');
  await expect.poll(async () => [...new Set(await activity.eventTypesShown())]).toEqual(['error']);

  await page.reload();
  await expect(activity.eventTypeFilter).toHaveValue('error');
  await expect(activity.rows.first()).toHaveAttribute('data-event-type', 'error');
  expect([...new Set(await activity.eventTypesShown())]).toEqual(['error']);
});

test('category filters combine with the event type, and an impossible combination says so', async ({ page }) => {
  const activity = new ActivityPage(page);
  await activity.goto();
  await activity.category('user').click();
  await expect(page).toHaveURL(/category=user/);
  await expect.poll(async () => [...new Set(await activity.rows.evaluateAll((rows) => rows.map((row) => row.getAttribute('data-category'))))]).toEqual(['user']);

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
