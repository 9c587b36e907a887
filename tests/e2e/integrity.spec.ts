import { join } from 'node:path';
import type { Page } from '@playwright/test';
import pg from 'pg';
import { IntegrityPage } from './pages/integrity.page';
import { TimelinePage } from './pages/timeline.page';
import { expect, test } from './support/test';

// Issue 15, items 3 and 5: the Integrity screen and the timeline's badge, over the global setup's sealed
// database of its own (this spec tampers with it, as its owner, in SQL).
const SHOTS = process.env.MAILTRAIL_SHOTS_DIR ?? null;

let owner: pg.Pool;
let intactEmailId: number;
let tamperedEmailId: number;
let tamperedEventId: number;

test.beforeAll(async ({ data }) => {
  owner = new pg.Pool({ connectionString: data.integrity.databaseUrl, max: 1 });
  const { rows } = await owner.query<{ email_id: number }>(
    `SELECT email_id FROM email_activity_log GROUP BY email_id HAVING COUNT(*) >= 4 ORDER BY email_id LIMIT 2`,
  );
  intactEmailId = Number(rows[0]?.email_id);
  tamperedEmailId = Number(rows[1]?.email_id);
  tamperedEventId = Number((await owner.query(`SELECT MIN(id) AS id FROM email_activity_log WHERE email_id = $1`, [tamperedEmailId])).rows[0].id);
});
test.afterAll(async () => {
  await owner?.end();
});

async function shots(page: Page, name: string): Promise<void> {
  if (!SHOTS) return;
  for (const [width, height] of [[1024, 700], [1920, 1080]] as const) {
    await page.setViewportSize({ width, height });
    await page.screenshot({ path: join(SHOTS, `integrity-${name}-${width}.png`) });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

test('shows the newest checkpoint and verifies the sealed log from the keyboard: progress, then intact', async ({ page, data }) => {
  const integrity = new IntegrityPage(page);
  await integrity.goto(data.integrity.url);
  await expect(integrity.navLink).toHaveAttribute('aria-current', 'page');
  await expect(integrity.checkpointNumber).toHaveText('#1');
  await expect(integrity.checkpointSealed).toContainText(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/);
  await expect(integrity.neverVerified).toBeVisible();
  await shots(page, 'before');

  // The progress view replaces the report while it runs; the request answers at once, the walks go on.
  const statuses: boolean[] = [];
  page.on('response', async (response) => {
    if (response.url().endsWith('/rpc/integrity/verify')) statuses.push(((await response.json()) as { running: unknown }).running !== null);
  });
  await integrity.verifyFromKeyboard();
  expect(statuses[0]).toBe(true);
  await expect(integrity.progress).toHaveCount(0);
  await expect(integrity.verdict).toHaveText('Intact');
  await expect(integrity.report).toHaveAttribute('data-intact', 'true');
  await expect(integrity.checkedAt).toContainText(/\d{4}-\d{2}-\d{2}/);
  await expect(integrity.keySource).toContainText('public keys stored in the database');
  await expect(integrity.failures).toHaveCount(0);
  await expect(integrity.verifyNow).toBeFocused();
  await shots(page, 'intact');

  // The last verification is kept: a reload shows it without verifying again.
  await page.reload();
  await expect(integrity.verdict).toHaveText('Intact');
});

test("a timeline's badge says sealed up to the checkpoint, and leads to the Integrity screen from the keyboard", async ({ page, data }) => {
  const timeline = new TimelinePage(page);
  await page.goto(`${data.integrity.url}/#/emails/${intactEmailId}`);
  await timeline.waitForEvents();
  const badge = page.getByRole('link', { name: /^Integrity: / });
  await expect(badge).toHaveText(/^Sealed up to checkpoint 1 · checked \d{2}:\d{2}:\d{2}$/);
  await expect(badge).toHaveAttribute('data-tone', 'sealed');
  await shots(page, 'badge-sealed');
  await badge.focus();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/#\/integrity$/);
  await expect(new IntegrityPage(page).checkpointNumber).toHaveText('#1');
});

test('an event edited in SQL shows in red on its timeline and as a failure whose link opens that timeline', async ({ page, data }) => {
  await owner.query(`UPDATE email_activity_log SET description = description || ' (rewritten)' WHERE id = $1`, [tamperedEventId]);
  const timeline = new TimelinePage(page);
  await page.goto(`${data.integrity.url}/#/emails/${tamperedEmailId}`);
  await timeline.waitForEvents();
  const badge = page.getByTestId('timeline-integrity');
  await expect(badge).toHaveText(`event ${tamperedEventId} edited: description`);
  await expect(badge).toHaveAttribute('data-tone', 'failed');
  await shots(page, 'badge-failed');
  // Another email of the same log stays sealed.
  await page.goto(`${data.integrity.url}/#/emails/${intactEmailId}`);
  await expect(badge).toHaveAttribute('data-tone', 'sealed');

  const integrity = new IntegrityPage(page);
  await integrity.goto(data.integrity.url);
  await integrity.verifyFromKeyboard();
  await expect(integrity.verdict).toHaveText('1 failure');
  await expect(integrity.failures).toHaveCount(1);
  const row = integrity.failures.first();
  await expect(row).toHaveAttribute('data-kind', 'edited');
  await expect(row).toContainText(`edited event ${tamperedEventId}`);
  await expect(row).toContainText('description');
  await shots(page, 'failed');
  const link = integrity.failureLinks.first();
  await expect(link).toHaveAttribute('href', `#/emails/${tamperedEmailId}`);
  await link.focus();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(new RegExp(`#/emails/${tamperedEmailId}$`));
  await expect(timeline.emailId).toHaveText(`#${tamperedEmailId}`);
});

test('a log never sealed says how to seal it, and its badge is a quiet grey', async ({ page, data }) => {
  const integrity = new IntegrityPage(page);
  await integrity.goto(data.baseUrl);
  await expect(page.getByTestId('integrity-never-sealed')).toContainText('mailtrail seal --key seal.key');
  await expect(integrity.verifyNow).toBeDisabled();
  await shots(page, 'never-sealed');
  await page.goto(`${data.baseUrl}/#/emails/${data.timelineEmailId}`);
  await new TimelinePage(page).waitForEvents();
  const badge = page.getByTestId('timeline-integrity');
  await expect(badge).toHaveText('Not sealed');
  await expect(badge).toHaveAttribute('data-tone', 'quiet');
  await expect(badge).toHaveAttribute('title', /nothing is sealed yet: run `mailtrail seal --key FILE`/);
});

test('an offline cache synced from the sealed log verifies without the database, and its badge says sealed', async ({ page, data }) => {
  const integrity = new IntegrityPage(page);
  await integrity.goto(data.integrity.offlineUrl);
  await expect(integrity.checkpointNumber).toHaveText('#1');
  await integrity.verifyFromKeyboard();
  await expect(integrity.verdict).toHaveText('Intact');
  await expect(integrity.failures).toHaveCount(0);
  await shots(page, 'offline-intact');
  await page.goto(`${data.integrity.offlineUrl}/#/emails/${intactEmailId}`);
  await new TimelinePage(page).waitForEvents();
  const badge = page.getByTestId('timeline-integrity');
  await expect(badge).toHaveText(/^Sealed up to checkpoint 1 · checked \d{2}:\d{2}:\d{2}$/);
  await expect(badge).toHaveAttribute('data-tone', 'sealed');
});

test('an offline cache of a log never sealed says so as the database would, and the badge stays a quiet grey', async ({ page, data }) => {
  const integrity = new IntegrityPage(page);
  await integrity.goto(data.offlineUrl);
  await expect(page.getByTestId('integrity-never-sealed')).toContainText('mailtrail seal --key seal.key');
  await expect(integrity.verifyNow).toBeDisabled();
  await shots(page, 'offline');
  await page.goto(`${data.offlineUrl}/#/emails/${data.timelineEmailId}`);
  await new TimelinePage(page).waitForEvents();
  const badge = page.getByTestId('timeline-integrity');
  await expect(badge).toHaveText('Not sealed');
  await expect(badge).toHaveAttribute('data-tone', 'quiet');
  await expect(page.getByTestId('error-state')).toHaveCount(0);
});
