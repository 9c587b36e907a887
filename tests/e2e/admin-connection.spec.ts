import { AdminConnectionSection } from './pages/admin-connection.page';
import { expect, test } from './support/test';

test('in browser mode the Admin connection section says where writes are configured (issue 13, item 2)', async ({ page }) => {
  const admin = new AdminConnectionSection(page);
  await admin.goto();
  await expect(admin.section).toContainText('Retention (archiving and purging old events) and legal holds write to the database');
  await expect(admin.browserNote).toContainText('The saved admin connection is part of the desktop app');
  await expect(admin.browserNote).toContainText('mailtrail serve --admin --admin-db');
  await expect(admin.saveButton).toHaveCount(0);
});

test.describe('with the desktop app\'s admin-connection functions (issue 13, item 2)', () => {
  // Stands in for the preload's four functions and main's saved connection; a password is never given back.
  test.beforeEach(async ({ page }) => {
    await page.addInitScript(() => {
      let saved: { url: string; hasPassword: boolean } | null = null;
      const calls: unknown[] = [];
      const ok = (value: unknown) => Promise.resolve({ ok: true, value });
      Object.assign(window, {
        adminCalls: calls,
        mailtrail: Object.freeze({
          adminConnection: () => ok(saved),
          saveAdminConnection: (input: { url: string; password: string | null }) => {
            calls.push(['save', input]);
            saved = { url: input.url, hasPassword: Boolean(input.password) || saved?.url === input.url };
            return ok(saved);
          },
          testAdminConnection: (input?: { url: string }) => {
            calls.push(['test', input ?? null]);
            const user = new URL(input?.url ?? saved?.url ?? 'postgres://x@h/d').username;
            return user === 'mailtrail_admin'
              ? ok({ user, database: 'hub', ready: true, message: 'Connected as mailtrail_admin on db.example:5432/hub: it may run retention, place holds and write the journal.' })
              : ok({ user, database: 'hub', ready: false, message: `Connected as ${user} on db.example:5432/hub, but this role may not write the admin journal.` });
          },
          removeAdminConnection: () => {
            calls.push(['remove']);
            saved = null;
            return ok(null);
          },
        }),
      });
    });
  });

  test('saves, tests and removes the admin connection, the password field cleared once saved', async ({ page }) => {
    const admin = new AdminConnectionSection(page);
    await admin.goto();
    await expect(admin.saved).toContainText('None: retention and holds are refused until you add one');
    await expect(admin.removeButton).toBeDisabled();

    await admin.save('postgres://mailtrail_admin@db.example:5432/hub', 'secret');
    await expect(admin.outcome).toContainText('Saved. Retention and holds write through it from now on');
    await expect(admin.saved).toContainText('postgres://mailtrail_admin@db.example:5432/hub');
    await expect(admin.saved).toContainText('password kept in the system keychain');
    await expect(admin.password).toHaveValue('');

    await admin.testButton.click();
    await expect(admin.outcome).toHaveClass(/admin-connection__outcome--ready/);
    await expect(admin.outcome).toContainText('may run retention, place holds');

    await admin.url.fill('postgres://mailtrail_viewer@db.example:5432/hub');
    await admin.testButton.click();
    await expect(admin.outcome).toHaveClass(/admin-connection__outcome--problem/);
    await expect(admin.outcome).toContainText('may not write the admin journal');

    await admin.removeButton.click();
    await expect(admin.outcome).toContainText('Removed. Retention and holds are refused');
    await expect(admin.saved).toContainText('None');
    const calls = await page.evaluate(() => (window as unknown as { adminCalls: unknown[] }).adminCalls);
    expect(calls).toEqual([
      ['save', { url: 'postgres://mailtrail_admin@db.example:5432/hub', password: 'secret' }],
      ['test', { url: 'postgres://mailtrail_admin@db.example:5432/hub', password: null }],
      ['test', { url: 'postgres://mailtrail_viewer@db.example:5432/hub', password: null }],
      ['remove'],
    ]);
  });
});
