import { bridgeNameOf, OPERATION_NAMES, rpcPathOf } from '../../src-main/contract/operations';
import { TimelinePage } from './pages/timeline.page';
import { expect, test } from './support/test';

// Stands in for the preload: one function per operation answering a Result, as the desktop bridge does.
test.beforeEach(async ({ page }) => {
  const operations = OPERATION_NAMES.map((operation) => ({ bridgeName: bridgeNameOf(operation), path: rpcPathOf(operation) }));
  await page.addInitScript((list) => {
    const calls: string[] = [];
    const bridge: Record<string, (request: unknown) => Promise<unknown>> = {};
    for (const { bridgeName, path } of list) {
      bridge[bridgeName] = async (request) => {
        calls.push(bridgeName);
        const response = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request) });
        const body = (await response.json()) as { error?: unknown };
        return response.ok ? { ok: true, value: body } : { ok: false, error: body.error };
      };
    }
    Object.assign(window, { mailtrail: Object.freeze(bridge), bridgeCalls: calls });
  }, operations);
});

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
