import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as electron from 'electron';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  ADMIN_CONNECTION_GET_CHANNEL,
  ADMIN_CONNECTION_REMOVE_CHANNEL,
  ADMIN_CONNECTION_SAVE_CHANNEL,
  ADMIN_CONNECTION_TEST_CHANNEL,
} from '../../src-main/contract/admin-connection';
import { channelOf } from '../../src-main/contract/operations';
import { startDesktopApp, type OpenedSource } from '../../src-main/electron/main/desktop-app';
import { SETTINGS_FILE } from '../../src-main/electron/settings/settings-store';
import { openLogSource } from '../../src-main/source/open-source';
import { createTestDatabase, type TestDatabase } from '../support/database';
import type { FakeElectron } from './electron-fake';

vi.mock('electron', async () => (await import('./electron-fake')).createFakeElectron());
const fake = electron as unknown as FakeElectron;

describe('the desktop app\'s saved admin connection (issue 13, item 2), against the fake electron module and a real database', () => {
  let db: TestDatabase;
  let rendererDir: string;
  const ownWindow = { senderFrame: { url: 'app://mailtrail/index.html', parent: null } };
  const call = (channel: string, payload?: unknown, sender: unknown = ownWindow) => {
    const handler = fake.ipcMain.handlers.get(channel);
    if (!handler) throw new Error(`no handler on ${channel}`);
    return handler(sender, payload) as Promise<{ ok: boolean; value?: any; error?: { code: string; message: string } }>;
  };
  const hold = (emailId: number) => call(channelOf('retention/hold'), { emailId, reason: 'litigation' });
  const passwordOf = (url: string) => decodeURIComponent(new URL(url).password);
  const withoutPassword = (url: string) => {
    const parsed = new URL(url);
    parsed.password = '';
    return parsed.toString();
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    await db.writable.query(`
      INSERT INTO email_activity_log (email_id, event_type, event_category, description, created_at, created_by)
      VALUES (42, 'fetched', 'system', 'Email fetched from email server', '2025-12-15 10:30:00', 'system'),
             (43, 'fetched', 'system', 'Email fetched from email server', '2025-12-15 10:31:00', 'system')`);
    rendererDir = mkdtempSync(join(tmpdir(), 'mailtrail-renderer-'));
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Mailtrail</title>');
    await startDesktopApp({
      // As src-main/electron/main/index.ts does.
      openSource: async (options): Promise<OpenedSource> => {
        const source = await openLogSource(options);
        return { ...source, kind: source.store.source.kind };
      },
      preloadPath: '/app/out/preload/index.cjs',
      rendererDir,
      argv: ['.', `--db=${db.url}`],
      syncWorkerUrl: new URL('../../src-main/electron/offline/sync.worker.ts', import.meta.url),
    });
  });
  afterAll(async () => {
    const preventDefault = vi.fn();
    fake.app.emit('before-quit', { preventDefault });
    await vi.waitFor(() => expect(fake.app.quit).toHaveBeenCalled());
    rmSync(rendererDir, { recursive: true, force: true });
    rmSync(fake.userData, { recursive: true, force: true });
    await db.drop();
  });

  it('refuses writes without a saved admin connection, saying to add it in Settings', async () => {
    await expect(call(ADMIN_CONNECTION_GET_CHANNEL)).resolves.toEqual({ ok: true, value: null });
    const refused = await hold(42);
    expect(refused).toMatchObject({ ok: false, error: { code: 'read_only' } });
    expect(refused.error?.message).toMatch(/add it in Settings › Admin connection/);
    // Reads do not need it.
    await expect(call(channelOf('retention/holds'), { limit: 10 })).resolves.toMatchObject({ ok: true, value: { items: [] } });
  });

  it('tests a connection before it is saved, and says what a wrong password does', async () => {
    const tested = await call(ADMIN_CONNECTION_TEST_CHANNEL, { url: withoutPassword(db.url), password: passwordOf(db.url) });
    expect(tested).toMatchObject({ ok: true, value: { ready: true, user: 'postgres', message: expect.stringMatching(/may run retention, place holds/) } });
    const wrong = await call(ADMIN_CONNECTION_TEST_CHANNEL, { url: withoutPassword(db.url), password: 'wrong-password' });
    expect(wrong).toMatchObject({ ok: false, error: { code: 'unavailable', message: expect.stringMatching(/refused the login .*; check the admin connection's user and password$/) } });
    expect(wrong.error?.message).not.toContain('wrong-password');
    await expect(call(ADMIN_CONNECTION_TEST_CHANNEL)).resolves.toMatchObject({ ok: false, error: { code: 'not_found' } });
    await expect(call(ADMIN_CONNECTION_SAVE_CHANNEL, { url: 42 })).resolves.toMatchObject({ ok: false, error: { code: 'bad_request' } });
  });

  it('sends writes through the saved connection at once, journaled, its password never in the settings file', async () => {
    const saved = await call(ADMIN_CONNECTION_SAVE_CHANNEL, { url: withoutPassword(db.url), password: passwordOf(db.url) });
    expect(saved).toEqual({ ok: true, value: { url: withoutPassword(db.url), hasPassword: true } });
    expect(readFileSync(join(fake.userData, SETTINGS_FILE), 'utf8')).not.toContain(passwordOf(db.url));
    await expect(hold(42)).resolves.toMatchObject({ ok: true, value: { email_id: 42, reason: 'litigation' } });
    const journal = await db.writable.query<{ action: string; outcome: string }>(`SELECT action, outcome FROM mailtrail_admin_journal ORDER BY id`);
    expect(journal.rows).toEqual([{ action: 'retention.hold', outcome: 'succeeded' }]);
    // The saved connection, tested without typing its password again.
    await expect(call(ADMIN_CONNECTION_TEST_CHANNEL)).resolves.toMatchObject({ ok: true, value: { ready: true } });
    await expect(call(ADMIN_CONNECTION_TEST_CHANNEL, { url: withoutPassword(db.url) })).resolves.toMatchObject({ ok: true, value: { ready: true } });
  });

  it('refuses writes again once it is removed', async () => {
    await expect(call(ADMIN_CONNECTION_REMOVE_CHANNEL)).resolves.toEqual({ ok: true, value: null });
    await expect(call(ADMIN_CONNECTION_GET_CHANNEL)).resolves.toEqual({ ok: true, value: null });
    await expect(hold(43)).resolves.toMatchObject({ ok: false, error: { code: 'read_only' } });
  });

  it('answers none of its channels to a sender other than Mailtrail\'s own window', async () => {
    const foreign = { senderFrame: { url: 'https://evil.example/', parent: null } };
    for (const channel of [ADMIN_CONNECTION_GET_CHANNEL, ADMIN_CONNECTION_SAVE_CHANNEL, ADMIN_CONNECTION_TEST_CHANNEL, ADMIN_CONNECTION_REMOVE_CHANNEL]) {
      await expect(call(channel, { url: 'postgres://evil@h/db', password: 'x' }, foreign)).resolves.toMatchObject({ ok: false, error: { code: 'bad_request' } });
    }
    await expect(call(ADMIN_CONNECTION_GET_CHANNEL)).resolves.toEqual({ ok: true, value: null });
  });
});
