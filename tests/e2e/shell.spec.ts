import { AppShell } from './pages/app-shell.page';
import { EmailsPage } from './pages/emails.page';
import { expect, test } from './support/test';

test('the header names the data source and its state', async ({ page }) => {
  const shell = new AppShell(page);
  await page.goto('/#/emails');
  await expect(shell.sourceKind).toHaveText('Live PostgreSQL');
  await expect(shell.sourceState).toHaveText('Connected');
  await expect(page.getByTestId('source-label')).toContainText('mailtrail_e2e');
  await expect(page.getByTestId('source-label')).not.toContainText(':***@');
  await expect(shell.offlineBanner).toHaveCount(0);
});

test('every section of the sidebar is a screen of its own, none "Soon"', async ({ page }) => {
  const shell = new AppShell(page);
  await page.goto('/#/emails');
  // Retention shipped in issue 13, Reports in issue 14.
  await expect(page.getByTestId('sidebar')).not.toContainText('Soon');
  await shell.openSection('reports');
  await expect(page).toHaveURL(/#\/reports$/);
  await expect(page.getByTestId('reports-page')).toContainText('Verify a file…');
  await shell.openSection('retention');
  await expect(page.getByTestId('retention-policy')).toBeVisible();
  await shell.openSection('settings');
  await expect(page.getByTestId('settings-source-kind')).toHaveText('Live PostgreSQL');
  await expect(page.getByTestId('settings-browser-note')).toContainText('The server decides the data source');
});

test('a lost server connection says what to do, and Retry recovers once it is back', async ({ page }) => {
  const emails = new EmailsPage(page);
  await emails.goto();
  await page.route('**/api/v1/rpc/**', (route) => route.abort('connectionrefused'));
  await emails.search.fill('acme');
  const error = page.getByTestId('error-state');
  await expect(error).toContainText('Cannot reach the Mailtrail server; is `mailtrail serve` still running?');
  await expect(error).toContainText('Check that the data source is running and reachable, then retry');
  const shell = new AppShell(page);
  await expect(shell.sourceState).toHaveText('Unreachable');
  await expect(page.getByTestId('source-message')).toContainText('cannot reach the Mailtrail server');

  await page.unroute('**/api/v1/rpc/**');
  await page.getByTestId('retry-button').click();
  await expect(emails.rows.first()).toContainText(/acme/i);
  await expect(shell.sourceState).toHaveText('Connected');
});

test('every screen renders under the strict Content-Security-Policy without errors in the console', async ({ page, data }) => {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(`${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  const response = await page.goto('/#/emails');
  expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
  expect(response?.headers()['content-security-policy']).not.toContain('unsafe-inline');
  const shell = new AppShell(page);
  await expect(shell.sourceState).toHaveText('Connected');
  await page.goto(`/#/emails/${data.timelineEmailId}`);
  await page.getByTestId('timeline-event').first().waitFor();
  await page.getByTestId('metadata-toggle').first().click();
  await page.getByTestId('metadata-json').waitFor();
  for (const section of ['activity', 'analytics', 'retention', 'reports', 'integrity', 'help', 'settings'] as const) {
    await shell.openSection(section);
    await expect(shell.navLink(section)).toHaveAttribute('aria-current', 'page');
  }
  await page.getByTestId('activity-row').or(page.getByTestId('settings-page')).first().waitFor();
  // The guide's screenshots are bundled files the policy allows (img-src 'self').
  await page.goto('/#/help/auditor');
  const screenshot = page.getByTestId('help-article').getByRole('img').first();
  await screenshot.scrollIntoViewIfNeeded();
  await expect.poll(() => screenshot.evaluate((image: HTMLImageElement) => image.complete && image.naturalWidth > 0)).toBe(true);
  expect(problems).toEqual([]);
});
