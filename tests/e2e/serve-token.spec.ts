import { describeTarget, openReadableDb, type ReadableDb } from '../../src-main/db/connection';
import { startHttpServer, type HttpServer } from '../../src-main/server/http-server';
import { createLogService } from '../../src-main/service/log-service';
import { createPostgresLogStore } from '../../src-main/store/postgres/postgres-log-store';
import { ApiTokenScreen } from './pages/api-token.page';
import { AppShell } from './pages/app-shell.page';
import { EmailsPage } from './pages/emails.page';
import { expect, test } from './support/test';

const TOKEN = 'e2e-token-9b1f4c7a2d5e8f30';

// A server of its own, started as `MAILTRAIL_API_TOKEN=… mailtrail serve` would start it.
let readable: ReadableDb;
let guarded: HttpServer;
test.beforeAll(async ({ data }) => {
  readable = openReadableDb(data.databaseUrl);
  const service = createLogService(createPostgresLogStore(readable, { kind: 'postgres', label: describeTarget(data.databaseUrl) }));
  guarded = await startHttpServer({ service, port: 0, rendererDir: 'out/renderer', tokens: [{ holder: 'api', token: TOKEN }] });
});
test.afterAll(async () => {
  await guarded?.close();
  await readable?.end();
});

test('a token-protected serve asks for its API token once per tab, says when it was refused, then shows the log (issue 12, item 3)', async ({ page }) => {
  const gate = new ApiTokenScreen(page);
  const emails = new EmailsPage(page);
  const shell = new AppShell(page);
  await page.goto(`${guarded.url}/#/emails`);
  await expect(gate.screen).toContainText('This server needs its API token');
  await expect(gate.refused).toHaveCount(0);
  await expect(gate.submit).toBeDisabled();

  await gate.enter('not-the-token-0000000000');
  await expect(gate.refused).toHaveText('The server refused the token this tab had. Check it and paste it again.');

  await gate.enter(TOKEN);
  await expect(emails.rows.first()).toBeVisible();
  await expect(shell.sourceKind).toHaveText('Live PostgreSQL');
  await expect(gate.screen).toHaveCount(0);
  // The tab keeps the token across a reload; the address bar never carries it.
  await page.reload();
  await expect(emails.rows.first()).toBeVisible();
  expect(page.url()).not.toContain(TOKEN);
});

test('without the token the page itself loads but no data does: every API request is 401 (issue 12, item 3)', async ({ page }) => {
  const answered: number[] = [];
  page.on('response', (response) => {
    if (response.url().includes('/api/')) answered.push(response.status());
  });
  await page.goto(`${guarded.url}/#/activity`);
  await expect(new ApiTokenScreen(page).screen).toBeVisible();
  expect(answered.length).toBeGreaterThan(0);
  expect(answered.every((status) => status === 401)).toBe(true);
});
