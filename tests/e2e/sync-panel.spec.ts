import { measureSyncProgress, type SyncCounts, type SyncUpdate } from '../../src-main/contract/sync-progress';
import { AppShell } from './pages/app-shell.page';
import { EmailsPage } from './pages/emails.page';
import { installSyncBridge, SyncPanel } from './pages/sync-panel.page';
import { TimelinePage } from './pages/timeline.page';
import { expect, test } from './support/test';

const FILE = '/home/auditor/Documents/mailtrail-2025-12-15.sqlite';
const running = (counts: SyncCounts): SyncUpdate => ({ state: 'running', file: FILE, ...counts, ...measureSyncProgress(counts) });

test('the desktop sync panel shows rows, rate and time left, cancels, and offers the synced cache', async ({ page, data }) => {
  await installSyncBridge(page);
  const shell = new AppShell(page);
  const emails = new EmailsPage(page);
  const sync = new SyncPanel(page);
  await emails.goto();
  // The data still comes from the real server over HTTP: only the sync functions are stood in for.
  await expect(shell.sourceKind).toHaveText('Live PostgreSQL');
  await expect(emails.rows.first()).toBeVisible();
  await expect(sync.panel).toHaveCount(0);
  await expect.poll(async () => (await sync.record()).listeners).toBe(1);

  await sync.receive({ state: 'started', file: FILE });
  await expect(sync.panel).toContainText('Starting the sync into mailtrail-2025-12-15.sqlite');
  await expect(sync.panel.getByText('mailtrail-2025-12-15.sqlite')).toHaveAttribute('title', FILE);

  await sync.receive(running({ phase: 'users', rows: 0, total: 0, elapsedMs: 40 }));
  await expect(sync.phase).toHaveText('Copying user names into mailtrail-2025-12-15.sqlite');
  await expect(sync.progressbar).toHaveAttribute('aria-valuenow', '0');

  // 296,000 of 1,184,000 events in 2 s: 148,000 events/s, 6 s for the other 888,000.
  await sync.receive(running({ phase: 'events', rows: 296_000, total: 1_184_000, elapsedMs: 2_000 }));
  await expect(sync.phase).toHaveText('Copying events into mailtrail-2025-12-15.sqlite');
  await expect(sync.progressbar).toHaveAttribute('aria-valuenow', '25');
  await expect(sync.progressbar).toHaveAttribute('aria-valuemin', '0');
  await expect(sync.progressbar).toHaveAttribute('aria-valuemax', '100');
  await expect(sync.progressbar).toHaveAttribute('aria-valuetext', '296,000 of 1,184,000 events');
  await expect(sync.rows).toHaveText('296,000 of 1,184,000 events');
  await expect(sync.rate).toHaveText('148,000 events/s');
  await expect(sync.timeLeft).toHaveText('about 6 s left');
  await page.screenshot({ path: '.tmp/sync-panel.png' });

  await sync.cancel.click();
  await expect(sync.cancel).toHaveText('Cancelling…');
  await expect(sync.cancel).toBeDisabled();
  expect((await sync.record()).calls).toEqual(['cancelSync']);
  await sync.receive({ state: 'cancelled', file: FILE });
  await expect(sync.result).toHaveText('Sync cancelled. mailtrail-2025-12-15.sqlite keeps what was copied; sync into it again to finish.');
  await expect(sync.progressbar).toHaveCount(0);

  await sync.receive(running({ phase: 'events', rows: 1_100_000, total: 1_184_000, elapsedMs: 8_000 }));
  await expect(sync.progressbar).toHaveAttribute('aria-valuenow', '93');
  await sync.receive(running({ phase: 'indexes', rows: 1_184_000, total: 1_184_000, elapsedMs: 9_000 }));
  await expect(sync.phase).toHaveText('Preparing the cache for fast searches into mailtrail-2025-12-15.sqlite');
  await expect(sync.timeLeft).toHaveCount(0);
  await sync.receive({ state: 'done', file: FILE, fetched: 1_184_000, events: 1_184_000, seconds: 9.4 });
  await expect(sync.result).toHaveText('Synced 1,184,000 events into mailtrail-2025-12-15.sqlite');
  await expect(sync.result).toHaveAttribute('role', 'status');
  await sync.openNow.click();
  expect((await sync.record()).calls).toEqual(['cancelSync', 'openSyncedCache']);

  // The rest of the app carries on over HTTP while the panel is shown.
  const timeline = new TimelinePage(page);
  await timeline.gotoPermalink(data.timelineEmailId);
  await timeline.waitForEvents();
  await expect(timeline.subject).toHaveText(data.timelineSubject);
});

test('a failed sync, and a synced cache that cannot be opened, say why in the panel', async ({ page }) => {
  await installSyncBridge(page, { ok: false, message: 'the offline cache is gone: /home/auditor/Documents/mailtrail-2025-12-15.sqlite' });
  const sync = new SyncPanel(page);
  await page.goto('/#/emails');
  await expect.poll(async () => (await sync.record()).listeners).toBe(1);

  await sync.receive({
    state: 'failed',
    file: FILE,
    error: { name: 'MailtrailError', code: 'unavailable', message: 'the disk is full; free some space or choose another place for the cache, then sync again (it resumes)' },
  });
  await expect(sync.result).toHaveAttribute('role', 'alert');
  await expect(sync.result).toHaveText(
    'The sync into mailtrail-2025-12-15.sqlite failed: the disk is full; free some space or choose another place for the cache, then sync again (it resumes)',
  );
  await sync.dismiss.click();
  await expect(sync.panel).toHaveCount(0);

  await sync.receive({ state: 'done', file: FILE, fetched: 10_000, events: 1_010_000, seconds: 0.8 });
  await expect(sync.result).toHaveText('Synced 1,010,000 events into mailtrail-2025-12-15.sqlite (10,000 new)');
  await sync.openNow.click();
  await expect(sync.openError).toHaveText('the offline cache is gone: /home/auditor/Documents/mailtrail-2025-12-15.sqlite');
  await expect(sync.openNow).toBeEnabled();
});
