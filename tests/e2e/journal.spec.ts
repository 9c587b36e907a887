import { journaled } from '../../src-main/admin/journal';
import { MailtrailError } from '../../src-main/contract/errors';
import { openAdminDb, type AdminDb } from '../../src-main/db/connection';
import { AppShell } from './pages/app-shell.page';
import { JournalPage } from './pages/journal.page';
import { readFixture } from './support/fixture-file';
import { expect, test } from './support/test';

// Two writes journaled through the admin connection, as a feature journals its own: one done, one refused.
let admin: AdminDb;
let held = 0;
let refused = 0;
test.beforeAll(async () => {
  admin = openAdminDb(readFixture().databaseUrl);
  await journaled(admin, { actor: 'anna', action: 'journal-spec.hold', parameters: { email_id: 42, reason: 'Litigation hold' } }, async (entry) => {
    held = entry.id;
  });
  await journaled(admin, { actor: 'admin token', action: 'journal-spec.run', parameters: { archive_after_days: 30 } }, async (entry) => {
    refused = entry.id;
    throw new MailtrailError('bad_request', 'another run (#3) is in progress');
  }).catch(() => undefined);
});
test.afterAll(async () => {
  await admin?.end();
});

test('the Journal view lists who wrote what, with its parameters and outcome, from the sidebar (issue 13, item 1)', async ({ page }) => {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(`${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  const shell = new AppShell(page);
  const journal = new JournalPage(page);
  await page.goto('/#/emails');
  await shell.openSection('journal');
  await expect(page).toHaveURL(/#\/journal$/);
  await expect(shell.navLink('journal')).toHaveAttribute('aria-current', 'page');
  await expect(journal.rows.first()).toBeVisible();

  const done = journal.row(held);
  await expect(done.getByTestId('journal-actor')).toHaveText('anna');
  await expect(done.getByTestId('journal-action')).toHaveText('journal-spec.hold');
  // jsonb keeps keys shortest first, so the cell reads them in that order.
  await expect(done.getByTestId('journal-parameters')).toHaveText('reason="Litigation hold" · email_id=42');
  await expect(done.getByTestId('journal-outcome')).toHaveText('Succeeded');
  const declined = journal.row(refused);
  await expect(declined.getByTestId('journal-outcome')).toHaveText('Refused');
  await expect(declined).toContainText('another run (#3) is in progress');
  expect(problems).toEqual([]);
});

test('the journal is usable from the keyboard, and its filters live in the address (issue 13, item 1)', async ({ page }) => {
  const journal = new JournalPage(page);
  await journal.goto('action=journal-spec');
  await expect(journal.rows).toHaveCount(2);
  // Newest first.
  await expect(journal.rows.first()).toHaveAttribute('data-entry-id', String(refused));
  await page.keyboard.press('j');
  await expect(journal.rows.first()).toHaveAttribute('data-selected', 'true');
  await expect(journal.detail).toContainText('another run (#3) is in progress');
  await page.keyboard.press('j');
  await expect(journal.detail).toContainText('"Litigation hold"');
  await page.keyboard.press('Escape');
  await expect(journal.detail).toHaveCount(0);

  await journal.actionFilter.fill('journal-spec.hold');
  await page.waitForURL(/action=journal-spec\.hold/);
  await expect(journal.rows).toHaveCount(1);
  await expect(journal.rows.first()).toHaveAttribute('data-entry-id', String(held));
  await journal.actorFilter.fill('nobody-at-all');
  await expect(journal.empty).toContainText('No entries match these filters');
});
