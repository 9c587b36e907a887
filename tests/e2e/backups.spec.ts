import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { BackupsPage } from './pages/backups.page';
import { FIXTURE_FILE } from './support/fixture-file';
import { expect, test } from './support/test';

// Issue 17, item 5: the Backups screen over the global setup's `serve --admin` with its backup runner
// (real backups into the run's own folder), and over the read-only server, which says what it needs.
const SHOTS = process.env.MAILTRAIL_SHOTS_DIR ?? null;

async function shots(page: Page, name: string): Promise<void> {
  if (!SHOTS) return;
  for (const [width, height] of [[1024, 700], [1920, 1080]] as const) {
    await page.setViewportSize({ width, height });
    await page.screenshot({ path: join(SHOTS, `backups-${name}-${width}.png`), fullPage: false });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

async function asAdmin(page: Page, url: string, token: string): Promise<void> {
  await page.goto(`${url}/#/emails`);
  await page.evaluate((value) => window.sessionStorage.setItem('mailtrail.adminToken', value), token);
}

test('a server without --admin shows the jobs and says what changing them needs', async ({ page, data }) => {
  const screen = new BackupsPage(page);
  await page.goto(`${data.baseUrl}/#/emails`);
  await screen.navLink.click();
  await expect(page).toHaveURL(/#\/backups$/);
  await expect(screen.jobsEmpty).toBeVisible();
  await expect(screen.noAdmin.getByTestId('retention-access')).toHaveAttribute('data-reason', 'read-only-server');
  await expect(screen.noAdmin).toContainText('adding, changing and running backup jobs');
  await expect(screen.newJob).toBeDisabled();
  await expect(screen.historyEmpty).toBeVisible();
  await shots(page, 'read-only');
});

test('adds a job with the editor checking each field as it is typed, runs it now and verifies its backup', async ({ page, data }) => {
  test.setTimeout(120_000);
  const screen = new BackupsPage(page);
  await asAdmin(page, data.backups.url, data.backups.adminToken);
  await screen.goto(data.backups.url);
  await expect(screen.noAdmin).toHaveCount(0);
  await expect(screen.jobsEmpty).toBeVisible();

  // Opened from the keyboard; Esc closes it and nothing is added.
  await screen.newJob.focus();
  await page.keyboard.press('Enter');
  await expect(screen.editor).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(screen.editor).toBeHidden();

  await screen.newJob.click();
  await screen.fill('name', 'Nightly e2e');
  await screen.fill('schedule', '0 3 * *');
  await expect(screen.problem('schedule')).toContainText('must have five fields');
  await screen.fill('schedule', '30 2 * * *');
  await expect(screen.problem('schedule')).toHaveCount(0);
  await screen.fill('time_zone', 'Mars/Base');
  await expect(screen.problem('time_zone')).toContainText('unknown time zone "Mars/Base"');
  await screen.fill('time_zone', 'Europe/Copenhagen');
  await expect(screen.schedulePreview).toContainText('every day at 02:30 (Europe/Copenhagen); next');
  await screen.fill('keep_last', 'abc');
  await expect(screen.problem('keep_last')).toContainText('whole number, or empty');
  await expect(screen.save).toBeDisabled();
  await screen.fill('keep_last', '3');
  await screen.fill('notify_emails', 'ops@example.com, not-an-address');
  await expect(screen.problem('notify_emails')).toContainText('not-an-address: must be an e-mail address');
  await screen.fill('notify_emails', 'ops@example.com');
  await screen.fill('destination', join(data.backups.backupDir, 'nightly'));
  await screen.fill('dead_man_hours', '26');
  await shots(page, 'editor');
  await screen.save.click();
  await expect(screen.editor).toBeHidden();

  const row = screen.job('Nightly e2e');
  await expect(row.getByTestId('backup-job-schedule')).toHaveText('every day at 02:30');
  await expect(row.getByTestId('backup-job-next-run')).toContainText(/\d{4}-\d{2}-\d{2} \d{2}:30/);
  await expect(row.getByTestId('backup-job-retention')).toHaveText('keeps last 3, verified after each run');
  await expect(row.getByTestId('backup-job-notifications')).toHaveText('1 e-mail on failure; silence after 26 h');
  await expect(row.getByTestId('backup-job-last-run')).toContainText('never run');

  await row.getByTestId('backup-job-run').click();
  const run = screen.historyRows.first();
  await expect(run).toHaveAttribute('data-status', 'succeeded', { timeout: 90_000 });
  await expect(run.getByTestId('backup-history-verification')).toHaveText('Passed, restored', { timeout: 90_000 });
  await expect(run.getByTestId('backup-history-size')).toHaveText(/\d+(\.\d)? (KB|MB)/);
  await expect(run.getByTestId('backup-history-duration')).toHaveText(/\d/);
  await expect(row.getByTestId('backup-job-last-run')).toContainText('Succeeded');
  await shots(page, 'history');

  // Verify again, checksums and a restore: the label goes through Verifying… back to the outcome.
  await run.getByTestId('backup-history-verify').click();
  await expect(run.getByTestId('backup-history-verification')).toHaveText('Verifying…');
  await expect(run.getByTestId('backup-history-verification')).toHaveText('Passed, restored', { timeout: 90_000 });
  await expect(run.getByTestId('backup-history-verify')).toBeEnabled();

  // Switched off in the editor: no next run.
  await row.getByTestId('backup-job-edit').click();
  await screen.field('enabled').uncheck();
  await screen.save.click();
  await expect(row.getByTestId('backup-job-disabled')).toBeVisible();
  await expect(row.getByTestId('backup-job-next-run')).toHaveText('switched off');
});

test('a job whose directory cannot be written fails on record, and the editor deletes a job', async ({ page, data }) => {
  test.setTimeout(90_000);
  const screen = new BackupsPage(page);
  await asAdmin(page, data.backups.url, data.backups.adminToken);
  await screen.goto(data.backups.url);
  await screen.newJob.click();
  await screen.fill('name', 'Broken e2e');
  // Under a regular file (the run's fixture file): no directory can be made there.
  await screen.fill('destination', join(FIXTURE_FILE, 'backups'));
  await screen.field('verify_after').uncheck();
  await screen.save.click();
  const row = screen.job('Broken e2e');
  await row.getByTestId('backup-job-run').click();
  const failed = screen.historyRows.filter({ hasText: 'Broken e2e' }).first();
  await expect(failed).toHaveAttribute('data-status', 'failed', { timeout: 60_000 });
  await expect(failed).toContainText(/cannot create the destination/);
  await expect(row.getByTestId('backup-job-last-run')).toContainText('no success yet');

  await row.getByTestId('backup-job-edit').click();
  await page.getByTestId('backup-job-delete').click();
  await page.getByTestId('backup-job-delete-confirm').click();
  await expect(screen.editor).toBeHidden();
  await expect(screen.job('Broken e2e')).toHaveCount(0);
  // Its history stays.
  await expect(screen.historyRows.filter({ hasText: 'Broken e2e' })).toHaveCount(1);
});
