import pg from 'pg';
import { openReadableDb, type ReadableDb } from '../../src-main/db/connection';
import { HOLD_LOCK } from '../../src-main/retention/holds';
import { ApiTokenScreen } from './pages/api-token.page';
import { RetentionPage } from './pages/retention.page';
import { TimelinePage } from './pages/timeline.page';
import { installBridgeStandIn } from './support/bridge-stand-in';
import { expect, test } from './support/test';

// The global setup's `serve --admin` over a database of its own: this spec archives and purges it.
let db: ReadableDb;
test.beforeAll(({ data }) => {
  db = openReadableDb(data.retention.databaseUrl);
});
test.afterAll(async () => {
  await db?.end();
});

const countOf = async (statement: string, values: unknown[]): Promise<number> => Number((await db.query<{ count: string }>(statement, values)).rows[0]?.count);

test('a server without --admin says how to allow writes, and still shows the policy and preview (issue 13, item 6)', async ({ page, data }) => {
  const retention = new RetentionPage(page);
  await retention.goto();
  await expect(retention.chart).toBeVisible();
  await retention.holdEmail(data.timelineEmailId, 'must be refused');
  await expect(retention.access).toHaveAttribute('data-reason', 'read-only-server');
  await expect(retention.access).toContainText('mailtrail serve --admin');
  await expect(retention.access).toContainText('MAILTRAIL_ADMIN_TOKEN');
  await expect(retention.holdRows).toHaveCount(0);
});

test('Run opens and closes from the keyboard: focus in the confirmation, Enter starts only on a match, Esc returns to Run (issue 13, item 6)', async ({ page }) => {
  const retention = new RetentionPage(page);
  await retention.goto();
  await retention.runButton.focus();
  await page.keyboard.press('Enter');
  await expect(retention.runConfirmation).toBeFocused();
  await page.keyboard.type('12');
  await page.keyboard.press('Enter');
  await expect(retention.runStart).toBeDisabled();
  await expect(retention.runProgress).toHaveCount(0);
  await page.keyboard.press('Escape');
  await expect(retention.runDialog).toHaveCount(0);
  await expect(retention.runButton).toBeFocused();
});

test('in the desktop app a refused write says to add an admin connection in Settings (issue 13, item 6)', async ({ page, data }) => {
  await installBridgeStandIn(page);
  const retention = new RetentionPage(page);
  await retention.goto();
  await retention.holdEmail(data.timelineEmailId, 'must be refused');
  await expect(retention.access).toHaveAttribute('data-reason', 'no-admin-connection');
  await expect(retention.access).toContainText('Retention needs an admin connection');
  await page.getByTestId('retention-access-settings').click();
  await expect(page).toHaveURL(/#\/settings$/);
});

test('preview, a legal hold with the admin token, a run with typed confirmation, its history, and the hold on the timeline (issue 13, item 6)', async ({ page, data }) => {
  const { url, adminToken, heldEmailId } = data.retention;
  const retention = new RetentionPage(page);
  await retention.goto(url);

  await test.step('the preview counts what SQL counts before the cutoffs', async () => {
    const archiveCutoff = await retention.archiveFigure.getAttribute('data-cutoff');
    const purgeCutoff = await retention.purgeFigure.getAttribute('data-cutoff');
    const toArchive = await countOf('SELECT COUNT(*) AS count FROM email_activity_log WHERE created_at < $1::timestamp', [archiveCutoff]);
    const toPurge = await countOf('SELECT COUNT(*) AS count FROM email_activity_log WHERE created_at < $1::timestamp', [purgeCutoff]);
    expect(toPurge).toBeGreaterThan(0);
    expect(toArchive).toBeGreaterThan(toPurge);
    await expect(retention.archiveFigure).toHaveAttribute('data-count', String(toArchive));
    await expect(retention.archiveFigure).toContainText(`${toArchive.toLocaleString('en')} events`);
    await expect(retention.purgeFigure).toHaveAttribute('data-count', String(toPurge));
    await expect(retention.heldFigure).toHaveAttribute('data-count', '0');
    await expect(retention.chart.locator('svg.recharts-surface')).toBeVisible();
    await expect(retention.categoryRows.first()).toBeVisible();
    // Edited, unsaved days preview at once; Reset returns to the stored policy.
    await page.getByTestId('retention-archive-days').fill('60');
    await expect(retention.archiveFigure).not.toHaveAttribute('data-count', String(toArchive));
    await page.getByTestId('retention-policy-reset').click();
    await expect(retention.archiveFigure).toHaveAttribute('data-count', String(toArchive));
  });

  await test.step('a hold without the admin token asks for it (401), a wrong one is refused, the right one holds', async () => {
    await retention.holdEmail(heldEmailId, 'Litigation ACME v. Hub');
    await expect(retention.access).toHaveAttribute('data-reason', 'admin-token');
    await expect(retention.access).toContainText('This change needs the admin token');
    // The API token gate is for reads: a refused write leaves the screen in place.
    await expect(new ApiTokenScreen(page).screen).toHaveCount(0);
    await expect(retention.holdRows).toHaveCount(0);

    await retention.enterAdminToken('not-the-admin-token-000000');
    await retention.holdSubmit.click();
    await expect(retention.adminTokenRefused).toBeVisible();

    await retention.enterAdminToken(adminToken);
    await expect(retention.access).toHaveCount(0);
    // With the token the policy saves; it goes back to 30 days before the run.
    for (const days of ['45', '30']) {
      await page.getByTestId('retention-archive-days').fill(days);
      await page.getByTestId('retention-policy-save').click();
      await expect(page.getByTestId('retention-policy-saved')).toHaveText(`archive ${days} days · purge 90 days`);
    }
    await retention.holdSubmit.click();
    await expect(retention.holdRow(heldEmailId)).toContainText('Litigation ACME v. Hub');
    await expect(retention.holdRow(heldEmailId)).toContainText('admin token');
    await retention.holdsSearch.fill('acme');
    await expect(retention.holdRows).toHaveCount(1);
    const held = await countOf('SELECT COUNT(*) AS count FROM email_activity_log WHERE email_id = $1 AND created_at < $2::timestamp', [
      heldEmailId,
      await retention.archiveFigure.getAttribute('data-cutoff'),
    ]);
    expect(held).toBeGreaterThan(0);
    await expect(retention.heldFigure).toHaveAttribute('data-count', String(held));
  });

  await test.step('Run asks to type the count it will archive, then follows the run until it succeeded', async () => {
    await page.getByTestId('retention-dry-run').click();
    await expect(page.getByTestId('retention-dry-run-result')).toContainText('Dry run, nothing written');
    await expect(retention.historyRows).toHaveCount(0);
    const archiveCutoff = await retention.archiveFigure.getAttribute('data-cutoff');
    await retention.runButton.click();
    const phrase = (await retention.runPhrase.textContent()) ?? '';
    expect(phrase).toBe((await retention.archiveFigure.getAttribute('data-count'))?.replace(/\B(?=(\d{3})+$)/g, ','));
    await retention.runConfirmation.fill('1');
    await expect(retention.runStart).toBeDisabled();
    await retention.runConfirmation.fill(phrase);
    await retention.runStart.click();
    await expect(retention.runProgress).toHaveAttribute('data-status', 'succeeded');
    const runId = (await retention.runProgress.getAttribute('data-run-id')) ?? '';
    await retention.runClose.click();
    await expect(retention.runDialog).toHaveCount(0);
    await expect(retention.historyRow(runId)).toHaveAttribute('data-status', 'succeeded');
    await expect(retention.historyRow(runId)).toContainText('Succeeded');
    await expect(retention.historyRow(runId)).toContainText('admin token');
    // What the run promised: no unheld event past the archive cutoff is left in the log; the held email's are.
    expect(await countOf('SELECT COUNT(*) AS count FROM email_activity_log WHERE created_at < $1::timestamp AND email_id <> $2', [archiveCutoff, heldEmailId])).toBe(0);
    expect(await countOf('SELECT COUNT(*) AS count FROM email_activity_log WHERE created_at < $1::timestamp AND email_id = $2', [archiveCutoff, heldEmailId])).toBeGreaterThan(0);
    await expect(retention.archiveFigure).toHaveAttribute('data-count', '0');
  });

  await test.step('Stop ends a going run after its batch in flight, cancelled; the next Run takes it up and finishes it (issue 13, item 4)', async () => {
    // A hold being placed (its lock held here) keeps the run's first batch waiting, so it is surely going when Stop is clicked.
    const blocker = new pg.Client({ connectionString: data.retention.databaseUrl });
    await blocker.connect();
    try {
      await blocker.query('SELECT pg_advisory_lock($1)', [HOLD_LOCK]);
      await retention.runButton.click();
      await retention.runConfirmation.fill((await retention.runPhrase.textContent()) ?? '');
      await retention.runStart.click();
      await expect(retention.runProgress).toHaveAttribute('data-status', 'running');
      await page.getByTestId('run-stop').click();
      await expect(page.getByTestId('run-stopping')).toBeVisible();
      await expect(page.getByTestId('run-stop')).toBeDisabled();
    } finally {
      await blocker.end();
    }
    await expect(retention.runProgress).toHaveAttribute('data-status', 'cancelled');
    const runId = (await retention.runProgress.getAttribute('data-run-id')) ?? '';
    await retention.runClose.click();
    await expect(retention.historyRow(runId)).toHaveAttribute('data-status', 'cancelled');
    await retention.runButton.click();
    await retention.runConfirmation.fill((await retention.runPhrase.textContent()) ?? '');
    await retention.runStart.click();
    await expect(page.getByTestId('run-resumed')).toContainText(`took up run #${runId}`);
    await expect(retention.runProgress).toHaveAttribute('data-status', 'succeeded');
    await retention.runClose.click();
    await expect(retention.historyRow(runId)).toHaveAttribute('data-status', 'succeeded');
  });

  await test.step("the email's timeline says it is under a legal hold", async () => {
    const timeline = new TimelinePage(page);
    await page.goto(`${url}/#/emails/${heldEmailId}`);
    await expect(timeline.events.first()).toBeVisible();
    const banner = page.getByTestId('timeline-legal-hold');
    await expect(banner).toContainText('Legal hold since');
    await expect(banner).toContainText('by admin token: Litigation ACME v. Hub');
  });
});
