import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Download, Page } from '@playwright/test';
import { parse } from 'csv-parse/sync';
import type { ReportRecord } from '../../src-main/contract/reports';
import type { ActivityEvent } from '../../src-main/contract/schemas';
import { reportOriginOf } from '../../src-main/reports/report-origin';
import { verifyReportFile } from '../../src-main/reports/verify';
import { writeReport } from '../../src-main/reports/write-report';
import { openLogSource } from '../../src-main/source/open-source';
import { ExportDialog, ReportsScreen } from './pages/reports.page';
import { TimelinePage } from './pages/timeline.page';
import { installBridgeStandIn } from './support/bridge-stand-in';
import type { E2eFixture } from './support/fixture-file';
import { ask, expect, test } from './support/test';

// Issue 14, item 4: export from the screens in browser mode, check the files, verify them on the Reports screen.

const SHOTS = process.env.MAILTRAIL_SHOTS_DIR ?? null;
let dir: string;

test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mailtrail-e2e-reports-'));
});
test.afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function saved(download: Download): Promise<string> {
  const path = join(dir, download.suggestedFilename());
  await download.saveAs(path);
  return path;
}

/** The events rows of a Mailtrail CSV: between the header row and the blank row before the totals. */
function csvEvents(path: string): Record<string, string>[] {
  const rows = parse(readFileSync(path), { bom: true, relax_column_count: true, skip_empty_lines: false }) as string[][];
  const header = rows.findIndex((row) => row[0] === 'id' && row[1] === 'email_id');
  expect(header, 'the CSV has a header row of the events').toBeGreaterThan(0);
  const end = rows.findIndex((row, index) => index > header && row.length === 1 && row[0] === '');
  return rows.slice(header + 1, end).map((row) => Object.fromEntries(rows[header]!.map((name, index) => [name, row[index] ?? ''])));
}

/** A report made beside the server (as the desktop app or `mailtrail report` makes them), into the register it lists. */
async function reportMadeHere(data: E2eFixture, file: string, title: string): Promise<ReportRecord> {
  const source = await openLogSource({ db: data.databaseUrl, verify: false });
  try {
    const origin = await reportOriginOf(source, { env: { MAILTRAIL_DATA_DIR: data.reportsDataDir, MAILTRAIL_ACTOR: 'auditor anna' } });
    return await writeReport(source.service, origin, { scope: { kind: 'email', emailId: data.timelineEmailId }, format: 'csv', title }, file);
  } finally {
    await source.close();
  }
}

async function shot(page: Page, name: string): Promise<void> {
  if (SHOTS) await page.screenshot({ path: join(SHOTS, name) });
}

test('exports an email’s timeline as CSV: every event of it, and the file verifies', async ({ page, data }) => {
  const timeline = new TimelinePage(page);
  const dialog = new ExportDialog(page);
  await timeline.gotoPermalink(data.timelineEmailId);
  await timeline.waitForEvents();
  if (SHOTS) {
    await page.setViewportSize({ width: 1024, height: 700 });
    await shot(page, 'timeline-export-1024x700.png');
    await page.setViewportSize({ width: 1440, height: 900 });
  }
  await dialog.open.click();
  await expect(dialog.dialog).toBeVisible();
  await expect(dialog.title).toHaveValue(`Email #${data.timelineEmailId} timeline: ${data.timelineSubject}`);
  await expect(dialog.format('csv').locator('input')).toBeChecked();
  await expect(dialog.format('csv').locator('input')).toBeFocused();
  await expect(dialog.note).toContainText(/This view holds \d+ events?/);
  await shot(page, 'export-dialog.png');
  const path = await saved(await dialog.download('csv'));
  await expect(dialog.saved).toContainText('Saved CSV');
  await expect(dialog.saved).toContainText(/\.csv/);

  const expected = (await ask(page, 'emails/timeline', { emailId: data.timelineEmailId, order: 'asc', limit: 1000 })).items;
  const rows = csvEvents(path);
  expect(rows.length).toBe(expected.length);
  expect(new Set(rows.map((row) => Number(row.id)))).toEqual(new Set(expected.map((event) => event.id)));
  expect(rows.every((row) => Number(row.email_id) === data.timelineEmailId)).toBe(true);
  const byId = new Map(expected.map((event) => [event.id, event]));
  for (const row of rows) expect(row.description).toBe(byId.get(Number(row.id))!.description);

  const verification = await verifyReportFile(path);
  expect(verification).toMatchObject({ verified: true, format: 'csv', events: expected.length, problems: [] });

  // Esc closes the dialog and gives focus back to the button that opened it.
  await page.keyboard.press('Escape');
  await expect(dialog.dialog).toHaveCount(0);
  await expect(dialog.open).toBeFocused();
});

test('exports the activity explorer’s filters as JSONL: the report first, then exactly the matching events', async ({ page }) => {
  const dialog = new ExportDialog(page);
  await page.goto('/#/activity?type=error&live=1');
  await page.getByTestId('activity-row').first().waitFor();
  await dialog.open.click();
  await expect(dialog.title).toHaveValue('Activity (error), all time');
  await dialog.title.fill('Errors for the auditor — æøå');
  const path = await saved(await dialog.download('jsonl'));
  await expect(dialog.saved).toContainText('Saved JSONL');

  const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
  const first = JSON.parse(lines[0]!) as { report: { title: string; format: string; scope: unknown; scope_text: string } };
  expect(first.report).toMatchObject({ title: 'Errors for the auditor — æøå', format: 'jsonl', scope: { kind: 'activity', eventTypes: ['error'] } });
  const events = lines.slice(1, -1).map((line) => JSON.parse(line) as ActivityEvent);
  // Exactly the events the explorer pages through for that filter.
  const expected: number[] = [];
  for (let cursor: string | undefined; ; ) {
    const page_ = await ask(page, 'activity/recent', { eventTypes: ['error'], limit: 1000, cursor });
    expected.push(...page_.items.map((event) => event.id));
    if (!page_.nextCursor) break;
    cursor = page_.nextCursor;
  }
  expect(events.map((event) => event.id).sort((a, b) => a - b)).toEqual(expected.sort((a, b) => a - b));
  expect(events.every((event) => event.event_type === 'error')).toBe(true);
  expect(JSON.parse(lines.at(-1)!)).toMatchObject({ end: { events: expected.length } });
  await expect(verifyReportFile(path)).resolves.toMatchObject({ verified: true, title: 'Errors for the auditor — æøå', events: expected.length });
  await expect(dialog.saved).toContainText(`${expected.length.toLocaleString('en')} events`);
  await dialog.close.click();
  await expect(dialog.dialog).toHaveCount(0);

  // The Reports screen checks the same file as uploaded; an edited copy fails, saying what differs.
  const reports = new ReportsScreen(page);
  await reports.goto();
  const intact = await reports.verifyUpload(path);
  await expect(intact).toHaveAttribute('data-verified', 'true');
  await expect(intact).toContainText(`Verified: ${expected.length.toLocaleString('en')} events, unaltered`);
  const edited = join(dir, 'edited.jsonl');
  writeFileSync(edited, readFileSync(path, 'utf8').replace(events[0]!.description, `${events[0]!.description} (corrected)`));
  const refused = await reports.verifyUpload(edited);
  await expect(refused).toHaveAttribute('data-verified', 'false');
  await expect(refused).toContainText('Not verified');
  await expect(refused.getByTestId('verification-problems').locator('li')).not.toHaveCount(0);
  await shot(page, 'reports-file-refused.png');
});

test('a PDF or HTML export the server cannot make says why in the dialog, and no file is saved', async ({ page, data }) => {
  const dialog = new ExportDialog(page);
  await page.goto(`/#/emails/${data.timelineEmailId}`);
  await page.getByTestId('timeline-event').first().waitFor();
  await dialog.open.click();
  await dialog.format('pdf').click();
  await expect(dialog.note).toContainText('holds at most the first 5,000 events');
  let downloads = 0;
  page.on('download', () => (downloads += 1));
  // A server that refuses the export (here: a bad scope it answers 400 to) is shown as it answered.
  await page.route('**/api/v1/emails/activity/export?**', (route) =>
    route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: { name: 'MailtrailError', code: 'unavailable', message: 'PDF and HTML reports are not built yet; use CSV or JSONL' } }) }),
  );
  await dialog.start.click();
  await expect(dialog.error).toHaveText('PDF and HTML reports are not built yet; use CSV or JSONL');
  await expect(dialog.format('pdf').locator('input')).toBeChecked();
  expect(downloads).toBe(0);
});

test('a long export shows rows, rate and time left, and Cancel leaves no file', async ({ page, data }) => {
  const dialog = new ExportDialog(page);
  await page.goto(`/#/emails/${data.bigEmailId}`);
  await page.getByTestId('timeline-event').first().waitFor();
  await dialog.open.click();
  await expect(dialog.note).toContainText(`This view holds ${data.bigEmailEvents.toLocaleString('en')} events`);
  let downloads = 0;
  page.on('download', () => (downloads += 1));
  // A slow network (64 KB/s), so the export is still arriving when the auditor looks at it.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: 64 * 1024, uploadThroughput: -1 });
  try {
    await dialog.format('jsonl').click();
    await dialog.start.click();
    await expect(dialog.progress).toContainText('Exporting JSONL');
    await expect(page.getByTestId('export-rows')).toHaveText(new RegExp(`^[\\d,]+ of ${data.bigEmailEvents.toLocaleString('en')} rows$`));
    await expect(page.getByTestId('export-rate')).toHaveText(/^[\d,]+ rows\/s$/);
    await expect(page.getByTestId('export-time-left')).toHaveText(/left$/);
    await shot(page, 'export-progress.png');
    await dialog.stop.click();
    await expect(page.getByTestId('export-cancelled')).toHaveText('Export cancelled; no file was saved.');
  } finally {
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  }
  // The dialog is back at its form, ready to try again; nothing reached the downloads.
  await expect(dialog.start).toBeVisible();
  expect(downloads).toBe(0);
});

test('the Reports screen lists the reports made on this machine and verifies them', async ({ page, data }) => {
  const file = join(dir, 'made-here.csv');
  const record = await reportMadeHere(data, file, 'Case 2291: Zephyr invoice');
  const reports = new ReportsScreen(page);
  await reports.goto();
  const row = reports.row(record.id);
  await expect(row.getByTestId('report-title')).toHaveText('Case 2291: Zephyr invoice');
  await expect(row).toContainText('auditor anna');
  await expect(row.getByTestId('report-scope')).toHaveText(record.scope_text);
  await expect(row.getByTestId('report-path')).toHaveText(file);
  await expect(row.getByTestId('report-events')).toHaveText(String(record.events));
  await expect(row.getByTestId('report-digest')).toHaveAttribute('data-sha256', record.sha256);
  await expect(row.getByTestId('report-digest')).toHaveText(`${record.sha256.slice(0, 8)}…${record.sha256.slice(-8)}`);
  // Open and Reveal are the desktop app's: a browser cannot open files on the server.
  await expect(row.getByTestId('report-open')).toHaveCount(0);

  await row.getByTestId('report-verify').click();
  await expect(row.getByTestId('verification')).toHaveAttribute('data-verified', 'true');
  await expect(row.getByTestId('verification-digest')).toHaveText(record.sha256);
  if (SHOTS) {
    for (const [width, height] of [
      [1024, 700],
      [1920, 1080],
    ] as const) {
      await page.setViewportSize({ width, height });
      await shot(page, `reports-${width}x${height}.png`);
    }
    await page.setViewportSize({ width: 1440, height: 900 });
  }

  writeFileSync(file, readFileSync(file, 'utf8').replace('Case 2291', 'Case 2292'));
  await row.getByTestId('report-verify').click();
  await expect(row.getByTestId('verification')).toHaveAttribute('data-verified', 'false');
  await expect(row.getByTestId('verification-problems')).toContainText('provenance');
  await shot(page, 'reports-row-refused.png');
});

test('every screen that shows events offers Export, scoped to what it shows', async ({ page }) => {
  const dialog = new ExportDialog(page);
  const titles: [string, string | RegExp][] = [
    ['/#/analytics/statistics?range=30d', /^Activity, \d+ \w+ \d{4} – \d+ \w+ \d{4}$/],
    ['/#/analytics/errors?range=all', 'Errors, all time'],
    ['/#/analytics/workflows?range=all&workflow=Invoice%20Processing', 'Workflow runs of Invoice Processing, all time'],
    ['/#/analytics/users?user=2', 'Lars Nielsen audit, all time'],
  ];
  for (const [address, title] of titles) {
    await page.goto(address);
    // The user audit names the user once the users are read.
    if (address.includes('user=')) await expect(page.getByTestId('audit-user').locator('option:checked')).toHaveText(/Lars/);
    await shot(page, `export-button-${address.split('/')[3]!.split('?')[0]}.png`);
    await dialog.open.click();
    await expect(dialog.title).toHaveValue(title);
    await page.keyboard.press('Escape');
    await expect(dialog.dialog).toHaveCount(0);
  }
  // The user audit exports nothing until a user is picked.
  await page.goto('/#/analytics/users');
  await expect(dialog.open).toBeDisabled();
});

test.describe('in the desktop app (the preload’s report functions stood in for)', () => {
  const SAVED = '/home/anna/Documents/mailtrail-email-1042-2026-11-28.csv';
  const SHA = 'c0ffee00'.repeat(8);

  test.beforeEach(async ({ page }) => {
    await installBridgeStandIn(page);
    // What main answers: progress while it writes, the file it saved, and what it did on Open and Reveal.
    await page.addInitScript(
      ({ saved, sha }) => {
        const listeners = new Set<(progress: unknown) => void>();
        const reportCalls: unknown[][] = [];
        let finish: ((outcome: unknown) => void) | null = null;
        const own = window as unknown as { mailtrail: Record<string, unknown>; reportCalls: unknown[][]; finishExport(): void };
        own.reportCalls = reportCalls;
        own.finishExport = () => finish?.({ ok: true, value: { state: 'saved', id: 'r-1', file: saved, events: 12, sha256: sha } });
        own.mailtrail = Object.freeze({
          ...own.mailtrail,
          exportReport: (request: unknown) => {
            reportCalls.push(['exportReport', request]);
            for (const listener of listeners) listener({ file: saved, events: 6, elapsedMs: 1_000, rate: 6 });
            return new Promise((resolve) => (finish = resolve));
          },
          onReportProgress: (listener: (progress: unknown) => void) => {
            listeners.add(listener);
            return () => listeners.delete(listener);
          },
          cancelReport: async () => {
            reportCalls.push(['cancelReport']);
            finish?.({ ok: true, value: { state: 'cancelled', file: saved } });
            return { ok: true, value: null };
          },
          verifyReportFile: async () => {
            reportCalls.push(['verifyReportFile']);
            return { ok: true, value: { file: saved, verification: { verified: true, format: 'csv', title: 'Case 2291', events: 12, sha256: sha, problems: [] } } };
          },
          openReport: async (id: string) => (reportCalls.push(['openReport', id]), { ok: true, value: null }),
          revealReport: async (id: string) => (reportCalls.push(['revealReport', id]), { ok: false, error: { name: 'MailtrailError', code: 'not_found', message: 'the file was moved or deleted' } }),
        });
      },
      { saved: SAVED, sha: SHA },
    );
  });

  const reportCalls = (page: Page) => page.evaluate(() => (window as unknown as { reportCalls: unknown[][] }).reportCalls);

  test('Export asks main to write the scope, shows its progress, and opens the saved file', async ({ page, data }) => {
    const dialog = new ExportDialog(page);
    await page.goto(`/#/emails/${data.timelineEmailId}`);
    await page.getByTestId('timeline-event').first().waitFor();
    await dialog.open.click();
    await expect(dialog.start).toHaveText('Export…');
    await dialog.title.fill('Case 2291');
    await dialog.title.press('Enter');
    await expect(page.getByTestId('export-rows')).toHaveText('6 of 12 events');
    await expect(page.getByTestId('export-rate')).toHaveText('6 events/s');
    await expect(page.getByTestId('export-time-left')).toHaveText('about 1 s left');
    expect(await reportCalls(page)).toEqual([['exportReport', { scope: { kind: 'email', emailId: data.timelineEmailId }, format: 'csv', title: 'Case 2291' }]]);

    await page.evaluate(() => (window as unknown as { finishExport(): void }).finishExport());
    await expect(dialog.saved).toContainText('Saved CSV mailtrail-email-1042-2026-11-28.csv');
    await expect(dialog.saved).toContainText(`12 events · sha256 ${SHA.slice(0, 8)}…${SHA.slice(-8)}`);
    await expect(dialog.saved).toContainText('It is listed on the Reports screen');
    await page.getByTestId('export-open-file').click();
    await page.getByTestId('export-reveal-file').click();
    await expect(dialog.dialog.getByRole('alert')).toHaveText('the file was moved or deleted');
    expect((await reportCalls(page)).slice(1)).toEqual([
      ['openReport', 'r-1'],
      ['revealReport', 'r-1'],
    ]);
  });

  test('Cancel asks main to stop; the dialog says nothing was saved', async ({ page }) => {
    const dialog = new ExportDialog(page);
    await page.goto(`/#/activity?type=error`);
    await page.getByTestId('activity-row').first().waitFor();
    await dialog.open.click();
    await dialog.start.click();
    await expect(dialog.progress).toBeVisible();
    // Esc during an export cancels it, as the button does.
    await page.keyboard.press('Escape');
    await expect(page.getByTestId('export-cancelled')).toBeVisible();
    expect((await reportCalls(page)).map(([name]) => name)).toEqual(['exportReport', 'cancelReport']);
  });

  test('the Reports screen offers Open and Reveal, and Verify a file goes through main', async ({ page, data }) => {
    const record = await reportMadeHere(data, join(dir, 'desktop-made.csv'), 'Case 2293');
    const reports = new ReportsScreen(page);
    await reports.goto();
    const row = reports.row(record.id);
    await row.getByTestId('report-open').click();
    await row.getByTestId('report-reveal').click();
    await expect(row.getByTestId('report-action-error')).toHaveText('The file was moved or deleted');
    await reports.verifyFile.click();
    await expect(reports.fileResult.getByTestId('verification')).toHaveAttribute('data-verified', 'true');
    await expect(reports.fileResult).toContainText('mailtrail-email-1042-2026-11-28.csv · CSV · “Case 2291”');
    await expect(reports.verifyFileInput).toHaveCount(0);
    expect(await reportCalls(page)).toEqual([['openReport', record.id], ['revealReport', record.id], ['verifyReportFile']]);
    await shot(page, 'reports-desktop-verified.png');
  });
});
