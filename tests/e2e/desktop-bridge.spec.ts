import { TimelinePage } from './pages/timeline.page';
import { installBridgeStandIn } from './support/bridge-stand-in';
import { expect, test } from './support/test';

test.beforeEach(({ page }) => installBridgeStandIn(page));

test('with the preload bridge present, the app talks through it and its errors keep their code', async ({ page, data }) => {
  const timeline = new TimelinePage(page);
  await timeline.gotoPermalink(data.timelineEmailId);
  await expect(timeline.subject).toHaveText(data.timelineSubject);
  await timeline.waitForEvents();
  const calls = await page.evaluate(() => (window as unknown as { bridgeCalls: string[] }).bridgeCalls);
  expect(calls).toEqual(expect.arrayContaining(['emailsGet', 'emailsTimeline', 'sourceStatus', 'emailsSearch']));

  await timeline.gotoPermalink(data.unknownEmailId);
  await expect(timeline.error).toHaveAttribute('data-error-code', 'not_found');
  await expect(timeline.error).toContainText(`No email with id ${data.unknownEmailId} in the log`);

  await page.goto('/#/settings');
  await expect(page.getByTestId('settings-desktop-note')).toBeVisible();
});
