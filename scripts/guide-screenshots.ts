/**
 * `npm run guide:screenshots`: the user guide's screenshots (docs/guide/images/*.png), taken from the
 * same servers and data the end-to-end tests use (their global setup: a served demo database with a
 * fixed seed, an admin server, a sealed database, an offline cache), in Debian's Chromium at 1280x800,
 * so the pictures follow the app instead of going stale. Needs `npm run build:renderer` first.
 *
 * A screen whose sidebar entry does not exist on this build is skipped with a note, so a screen added
 * later only needs its entry below.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from '@playwright/test';
import pg from 'pg';
import globalSetup from '../tests/e2e/support/global-setup';
import { readFixture, type E2eFixture } from '../tests/e2e/support/fixture-file';
import { installSyncBridge } from '../tests/e2e/pages/sync-panel.page';
import { measureSyncProgress } from '../src-main/contract/sync-progress';

const OUT = join(process.cwd(), 'docs', 'guide', 'images');
const VIEWPORT = { width: 1280, height: 800 };
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

interface Shot {
  /** The file name without `.png`, as the guide references it. */
  name: string;
  /** The sidebar entry the screen needs (`nav-<section>`); without it on this build the shot is skipped. */
  nav: string;
  /** Opens the screen and waits for what a reader should see. */
  take(page: Page, data: E2eFixture, context: Prepared): Promise<void>;
}

interface Prepared {
  failedExecutionId: number;
  /** The email classified `invoice` (Invoice Processing ran on it): what the editor's try panel is shown on. */
  invoiceEmailId: number;
}

const ready = async (page: Page, testId: string) => {
  await page.getByTestId(testId).first().waitFor({ state: 'visible', timeout: 30_000 });
};

/** The admin servers of the fixture answer writes to the holder of their token; the tab keeps it as the app does. */
async function withAdminToken(page: Page, token: string): Promise<void> {
  await page.addInitScript((value) => window.sessionStorage.setItem('mailtrail.adminToken', value), token);
}

const SHOTS: Shot[] = [
  {
    name: 'emails',
    nav: 'emails',
    take: async (page, data) => {
      await page.goto(`${data.baseUrl}/#/emails`);
      await ready(page, 'email-row');
    },
  },
  {
    name: 'timeline',
    nav: 'emails',
    take: async (page, data) => {
      await page.goto(`${data.baseUrl}/#/emails/${data.timelineEmailId}`);
      await ready(page, 'timeline-event');
    },
  },
  {
    name: 'activity',
    nav: 'activity',
    take: async (page, data) => {
      await page.goto(`${data.baseUrl}/#/activity`);
      await ready(page, 'activity-row');
    },
  },
  {
    name: 'analytics-statistics',
    nav: 'analytics',
    take: async (page, data) => {
      await page.goto(`${data.baseUrl}/#/analytics/statistics?range=90d`);
      await ready(page, 'stats-row');
    },
  },
  {
    name: 'analytics-errors',
    nav: 'analytics',
    take: async (page, data) => {
      await page.goto(`${data.baseUrl}/#/analytics/errors?range=90d`);
      await ready(page, 'error-row');
    },
  },
  {
    name: 'analytics-workflows',
    nav: 'analytics',
    take: async (page, data) => {
      await page.goto(`${data.baseUrl}/#/analytics/workflows?range=90d`);
      await ready(page, 'workflows-chart');
    },
  },
  {
    name: 'export-dialog',
    nav: 'reports',
    take: async (page, data) => {
      await page.goto(`${data.baseUrl}/#/emails/${data.timelineEmailId}`);
      await ready(page, 'timeline-event');
      await page.getByTestId('export-open').click();
      await ready(page, 'export-dialog');
    },
  },
  {
    name: 'reports',
    nav: 'reports',
    take: async (page, data) => {
      // A report downloaded as browser mode does, then checked with Verify a file…: what a third party sees.
      const response = await fetch(`${data.baseUrl}/api/v1/emails/activity/export?format=csv&scope=email&email_id=${data.timelineEmailId}&title=Case%202291`);
      if (!response.ok) throw new Error(`the export answered ${response.status}`);
      const file = join(mkdtempSync(join(tmpdir(), 'mailtrail-guide-')), `mailtrail-email-${data.timelineEmailId}.csv`);
      writeFileSync(file, Buffer.from(await response.arrayBuffer()));
      await page.goto(`${data.baseUrl}/#/reports`);
      await ready(page, 'reports-page');
      await page.getByTestId('verify-file-input').setInputFiles(file);
      await ready(page, 'verify-file-result');
    },
  },
  {
    name: 'offline-sync',
    nav: 'emails',
    take: async (page, data) => {
      // The desktop app's sync panel, its main-process side played as sync-panel.spec.ts does.
      // tsx keeps function names by wrapping them in `__name(...)`, which the page does not have.
      await page.addInitScript('window.__name = (target) => target;');
      await installSyncBridge(page);
      await page.goto(`${data.baseUrl}/#/emails`);
      await ready(page, 'email-row');
      const file = '/home/auditor/Documents/mailtrail-offline.sqlite';
      const counts = { phase: 'events' as const, rows: 296_000, total: 1_184_000, elapsedMs: 2_000 };
      await page.waitForFunction(() => (window as unknown as { syncBridge: { record: { listeners: number } } }).syncBridge.record.listeners > 0);
      await page.evaluate((update) => (window as unknown as { syncBridge: { emit(u: unknown): void } }).syncBridge.emit(update), { state: 'running', file, ...counts, ...measureSyncProgress(counts) });
      await ready(page, 'sync-panel');
    },
  },
  {
    name: 'offline-cache',
    nav: 'emails',
    take: async (page, data) => {
      await page.goto(`${data.offlineUrl}/#/emails/${data.timelineEmailId}`);
      await ready(page, 'timeline-event');
    },
  },
  {
    name: 'retention',
    nav: 'retention',
    take: async (page, data) => {
      await withAdminToken(page, data.retention.adminToken);
      await page.goto(`${data.retention.url}/#/retention`);
      await ready(page, 'retention-page');
      await page.getByTestId('retention-preview').first().waitFor({ timeout: 30_000 }).catch(() => undefined);
    },
  },
  {
    name: 'workflows',
    nav: 'workflows',
    take: async (page, data) => {
      await page.goto(`${data.workflows.url}/#/workflows`);
      await ready(page, 'workflow-row');
      await ready(page, 'execution-row');
    },
  },
  {
    // The pre-configured Invoice Processing in the editor, tried on the invoice email: the trigger's verdict and each step's outcome.
    name: 'workflow-editor',
    nav: 'workflows',
    take: async (page, data, prepared) => {
      await withAdminToken(page, data.workflows.adminToken);
      const id = await workflowIdByTrigger(data, 'invoice');
      await page.goto(`${data.workflows.url}/#/workflows/${id}/edit`);
      await ready(page, 'workflow-step');
      await page.getByTestId('workflow-try-email').fill(String(prepared.invoiceEmailId));
      await page.getByTestId('workflow-try-run').click();
      await ready(page, 'workflow-try-step');
      await page.getByTestId('workflow-try-result').scrollIntoViewIfNeeded();
    },
  },
  {
    name: 'workflow-execution',
    nav: 'workflows',
    take: async (page, data, prepared) => {
      await page.goto(`${data.workflows.url}/#/workflow-executions/${prepared.failedExecutionId}`);
      await ready(page, 'execution-step');
    },
  },
  {
    name: 'integrity',
    nav: 'integrity',
    take: async (page, data) => {
      await page.goto(`${data.integrity.url}/#/integrity`);
      await ready(page, 'integrity-page');
      await page.getByTestId('integrity-verify').click();
      await ready(page, 'integrity-verdict');
    },
  },
  {
    name: 'journal',
    nav: 'journal',
    take: async (page, data) => {
      await page.goto(`${data.retention.url}/#/journal`);
      await ready(page, 'journal-row');
    },
  },
  {
    name: 'settings',
    nav: 'settings',
    take: async (page, data) => {
      await page.goto(`${data.baseUrl}/#/settings`);
      await page.locator('main h1, main h2').first().waitFor();
    },
  },
  {
    // The server with the backup runner, after prepareBackups: a job, its runs and their verification.
    name: 'backups',
    nav: 'backups',
    take: async (page, data) => {
      await withAdminToken(page, data.backups.adminToken);
      await page.goto(`${data.backups.url}/#/backups`);
      await ready(page, 'backup-job-row');
      await ready(page, 'backup-history-row');
    },
  },
];

/** Data the admin screens show: executions (one failed), and a journal entry (a legal hold). */
async function prepare(data: E2eFixture): Promise<Prepared> {
  const owner = new pg.Pool({ connectionString: data.workflows.databaseUrl, max: 2 });
  try {
    // As the hub logs them (and workflows.spec.ts does): classified events the engine runs workflows on.
    const { rows } = await owner.query<{ id: number }>(
      `INSERT INTO email_messages (subject, sender_email, status)
       VALUES ('Faktura 2291 fra Zephyr ApS', 'billing@zephyr.example', 'active'),
              ('Bekræftelse af tid: montering tirsdag kl. 10', 'planning@acme.example', 'active'),
              ('Konkurs: Nordic Supplies ApS er erklæret konkurs', 'kurator@law.example', 'active')
       RETURNING id`,
    );
    const [invoice, time, bankruptcy] = rows.map((row) => Number(row.id)) as [number, number, number];
    const classify = (emailId: number, classification: string) =>
      owner.query(
        `INSERT INTO email_activity_log (email_id, event_type, event_category, description, metadata, created_by)
         VALUES ($1, 'classified', 'system', 'Classified as ' || $2, jsonb_build_object('classification', $2::text, 'confidence', 0.95, 'method', 'ai'), 'system')`,
        [emailId, classification],
      );
    await classify(invoice, 'invoice');
    await classify(time, 'time_confirmation');
    await classify(bankruptcy, 'bankruptcy');
    const deadline = Date.now() + 60_000;
    for (;;) {
      const { rows: open } = await owner.query<{ open: number }>(
        `SELECT count(*) FILTER (WHERE status IN ('pending', 'running'))::int AS open, count(*)::int AS total FROM email_workflow_executions WHERE email_id = ANY($1::int[])`,
        [[invoice, time, bankruptcy]],
      );
      const { rows: failed } = await owner.query<{ id: number }>(`SELECT id FROM email_workflow_executions WHERE email_id = $1 AND status = 'failed' LIMIT 1`, [bankruptcy]);
      if (open[0]!.open === 0 && failed[0]) {
        await placeHold(data);
        await prepareBackups(data);
        return { failedExecutionId: Number(failed[0].id), invoiceEmailId: invoice };
      }
      if (Date.now() > deadline) throw new Error('the workflow engine did not finish the executions within 60 s');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } finally {
    await owner.end();
  }
}

/** A legal hold through the admin API, as the Retention screen places one: the journal then has an entry. */
async function placeHold(data: E2eFixture): Promise<void> {
  const response = await fetch(`${data.retention.url}/api/v1/retention/holds`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${data.retention.adminToken}` },
    body: JSON.stringify({ email_id: data.retention.heldEmailId, reason: 'Case 2291: dispute with Zephyr ApS' }),
  });
  if (response.status !== 201 && response.status !== 409) throw new Error(`placing a hold answered ${response.status}: ${await response.text()}`);
}

/** The id of the pre-configured workflow with this trigger (migration 0015's), as the Workflows screen lists it. */
async function workflowIdByTrigger(data: E2eFixture, trigger: string): Promise<number> {
  const response = await fetch(`${data.workflows.url}/api/v1/workflows`);
  const workflows = (await response.json()) as { id: number; classification_trigger: string }[];
  const workflow = workflows.find((candidate) => candidate.classification_trigger === trigger);
  if (!workflow) throw new Error(`no workflow is triggered by ${trigger}`);
  return workflow.id;
}

/**
 * A backup job and two runs of it through the REST API the Backups screen uses, on the server whose
 * runner runs them (as backups.spec.ts does), so the screen shows a job and a history, not empty tables.
 */
async function prepareBackups(data: E2eFixture): Promise<void> {
  const { url, adminToken, backupDir } = data.backups;
  const call = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const response = await fetch(`${url}/api/v1${path}`, {
      method,
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${adminToken}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${await response.text()}`);
    return response.json();
  };
  const job = (await call('POST', '/backups/jobs', {
    name: 'Nightly',
    schedule: '30 2 * * *',
    time_zone: 'Europe/Copenhagen',
    destination: join(backupDir, 'nightly'),
    keep_last: 14,
    dead_man_hours: 26,
    notify_emails: ['ops@example.com'],
  })) as { id: number };
  for (let run = 0; run < 2; run += 1) {
    await call('POST', '/backups', { job_id: job.id });
    const deadline = Date.now() + 90_000;
    for (;;) {
      const history = (await call('GET', `/backups/history?job_id=${job.id}&limit=1`)) as { status: string; verification: string | null }[];
      const latest = history[0];
      if (latest && latest.status !== 'running' && latest.verification !== 'running') break;
      if (Date.now() > deadline) throw new Error('the backup runner did not finish a run within 90 s');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/** The sections the built app's sidebar offers (`nav-<section>`), read once in a page of its own. */
async function sidebarEntries(browser: Browser, baseUrl: string): Promise<Set<string>> {
  const page = await browser.newPage();
  try {
    await page.goto(`${baseUrl}/#/emails`);
    await page.getByTestId('sidebar').waitFor();
    const ids = await page.locator('[data-testid^="nav-"]').evaluateAll((links) => links.map((link) => link.getAttribute('data-testid') ?? ''));
    return new Set(ids.map((id) => id.replace(/^nav-/, '')));
  } finally {
    await page.close();
  }
}

async function main(): Promise<number> {
  mkdirSync(OUT, { recursive: true });
  const only = process.argv.slice(2);
  const teardown = await globalSetup();
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  let failures = 0;
  try {
    const data = readFixture();
    const prepared = await prepare(data);
    const screens = await sidebarEntries(browser, data.baseUrl);
    for (const shot of SHOTS) {
      if (only.length > 0 && !only.includes(shot.name)) continue;
      const context = await browser.newContext({ viewport: VIEWPORT, deviceScaleFactor: 1, locale: 'en-GB', timezoneId: 'Europe/Copenhagen', reducedMotion: 'reduce' });
      const page = await context.newPage();
      try {
        if (!screens.has(shot.nav)) {
          console.log(`skipped ${shot.name}: this build has no ${shot.nav} screen in the sidebar yet`);
          continue;
        }
        await shot.take(page, data, prepared);
        // Fonts, charts' entry animations and lazy images settle before the picture.
        await page.evaluate(() => document.fonts.ready);
        await page.waitForTimeout(600);
        const file = join(OUT, `${shot.name}.png`);
        await page.screenshot({ path: file });
        console.log(`wrote ${file}`);
      } catch (error) {
        failures += 1;
        console.error(`failed ${shot.name}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
      } finally {
        await context.close();
      }
    }
  } finally {
    await browser.close();
    await teardown();
  }
  return failures === 0 ? 0 : 1;
}

process.exit(await main());
