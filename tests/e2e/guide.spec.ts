import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { expect, test } from './support/test';

// Issue 17, item 6: the user guide in the app, bundled (no request leaves the app), reachable by keyboard.
const SHOTS = process.env.MAILTRAIL_SHOTS_DIR ?? null;

async function shot(page: Page, name: string): Promise<void> {
  if (!SHOTS) return;
  for (const [width, height] of [
    [1024, 700],
    [1920, 1080],
  ] as const) {
    await page.setViewportSize({ width, height });
    await page.screenshot({ path: join(SHOTS, `${name}-${width}x${height}.png`) });
  }
  await page.setViewportSize({ width: 1440, height: 900 });
}

test('Help opens the guide, a chapter, a link to another chapter’s heading, and its screenshots load', async ({ page, data }) => {
  // Everything the guide shows is in the app: no request goes anywhere but the app's own server.
  const external: string[] = [];
  const origin = new URL(data.baseUrl).origin;
  page.on('request', (request) => {
    if (new URL(request.url()).origin !== origin && !request.url().startsWith('data:')) external.push(request.url());
  });
  await page.goto('/#/emails');
  await page.getByTestId('email-row').first().waitFor();

  // Keyboard: Tab reaches Help in the sidebar, Enter opens it.
  const help = page.getByTestId('nav-help');
  for (let presses = 0; presses < 40 && !(await help.evaluate((link) => link === document.activeElement)); presses += 1) await page.keyboard.press('Tab');
  await expect(help).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/#\/help$/);
  const article = page.getByTestId('help-article');
  await expect(article.locator('h1')).toHaveText('Mailtrail user guide');
  await expect(page.getByTestId('topbar')).toContainText('Help');
  await shot(page, 'help-index');

  // A chapter from the index's table.
  await article.getByRole('link', { name: 'The auditor', exact: true }).click();
  await expect(page).toHaveURL(/#\/help\/auditor$/);
  await expect(article).toHaveAttribute('data-path', 'docs/guide/auditor.md');
  await expect(article.locator('h1')).toHaveText('The auditor');
  // Keys are shown as keys; no raw HTML of the Markdown is rendered as HTML.
  await expect(article.locator('kbd').first()).toHaveText('/');

  // Its screenshots come from the bundle and load.
  const timeline = article.getByRole('img', { name: /An email's timeline/ });
  await timeline.scrollIntoViewIfNeeded();
  await expect.poll(() => timeline.evaluate((image: HTMLImageElement) => image.complete && image.naturalWidth)).toBe(1280);
  await shot(page, 'help-auditor');

  // A link to a heading of another chapter opens that chapter at that heading.
  await article.getByRole('link', { name: 'hash chain' }).click();
  await expect(page).toHaveURL(/#\/help\/admin\?section=integrity-seal-and-verify-the-log$/);
  const heading = article.locator('[id="integrity-seal-and-verify-the-log"]');
  await expect(heading).toBeInViewport();
  await expect(page.getByTestId('help-chapter-link').filter({ hasText: 'The admin' })).toHaveAttribute('aria-current', 'page');

  // A link to a doc beside the guide opens it in the app too.
  await page.goto('/#/help/offline');
  await article.getByRole('link', { name: 'Integrity, "Offline"' }).click();
  await expect(page).toHaveURL(/#\/help\/docs\/integrity\?section=/);
  await expect(article).toHaveAttribute('data-path', 'docs/integrity.md');

  // External links open outside the app.
  await page.goto('/#/help/developer');
  await expect(article.locator('a[href^="http"]')).toHaveCount(0);
  for (const link of await article.locator('a.guide-external').all()) await expect(link).toHaveAttribute('target', '_blank');

  // An unknown chapter says so.
  await page.goto('/#/help/nope');
  await expect(page.getByTestId('help-not-found')).toBeVisible();
  expect(external).toEqual([]);
});
