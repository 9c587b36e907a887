import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as electron from 'electron';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { NO_ADMIN_CONNECTION_MESSAGE } from '../../src-main/electron/settings/admin-connection-ipc';
import { ADMIN_CONNECTION_CHANNELS } from '../../src-main/contract/admin-connection';
import { channelOf, OPERATION_NAMES } from '../../src-main/contract/operations';
import { REPORT_FILE_CHANNELS } from '../../src-main/contract/report-export';
import { SYNC_CANCEL_CHANNEL, SYNC_OPEN_RESULT_CHANNEL } from '../../src-main/contract/sync-progress';
import { startDesktopApp, type OpenedSource } from '../../src-main/electron/main/desktop-app';
import { chooseSource, sourceFromArgs } from '../../src-main/electron/main/source-choice';
import { createWindowOptions } from '../../src-main/electron/main/window-options';
import { CONTENT_SECURITY_POLICY } from '../../src-main/security/csp';
import { APP_ENTRY_URL } from '../../src-main/electron/security';
import { createLogService } from '../../src-main/service/log-service';
import { createPostgresLogStore } from '../../src-main/store/postgres/postgres-log-store';
import { createTestDatabase, type TestDatabase } from '../support/database';
import type { FakeElectron } from './electron-fake';

vi.mock('electron', async () => (await import('./electron-fake')).createFakeElectron());
const fake = electron as unknown as FakeElectron;

describe('the desktop app, started against the fake electron module and a real database', () => {
  let db: TestDatabase;
  let rendererDir: string;
  let window: InstanceType<FakeElectron['BrowserWindow']>;
  const opened: unknown[] = [];
  const close = vi.fn(async () => undefined);
  const ownWindow = { senderFrame: { url: 'app://mailtrail/index.html', parent: null } };

  beforeAll(async () => {
    db = await createTestDatabase();
    await db.writable.query(`
      INSERT INTO email_activity_log (email_id, event_type, event_category, description, created_at, created_by)
      VALUES (42, 'fetched', 'system', 'Email fetched from email server', '2025-12-15 10:30:00', 'system')`);
    rendererDir = mkdtempSync(join(tmpdir(), 'mailtrail-renderer-'));
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Mailtrail</title>');
    // A corrupt settings file must not stop the app.
    mkdirSync(fake.userData, { recursive: true });
    writeFileSync(join(fake.userData, 'settings.json'), 'not json');
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);

    const started = await startDesktopApp({
      openSource: async (options): Promise<OpenedSource> => {
        opened.push(options);
        const store = createPostgresLogStore(db.readable, { kind: 'postgres', label: 'main test' });
        return { service: createLogService(store), description: 'main test', kind: 'postgres', databaseUrl: db.url, close };
      },
      preloadPath: '/app/out/preload/index.cjs',
      rendererDir,
      argv: ['.', `--db=${db.url}`],
      syncWorkerUrl: new URL('../../src-main/electron/offline/sync.worker.ts', import.meta.url),
    });
    window = started as unknown as InstanceType<FakeElectron['BrowserWindow']>;
  });
  afterAll(async () => {
    rmSync(rendererDir, { recursive: true, force: true });
    rmSync(fake.userData, { recursive: true, force: true });
    await db.drop();
  });

  it('registers app:// as privileged and enables the sandbox for every renderer, before ready', () => {
    expect(fake.protocol.registerSchemesAsPrivileged.mock.invocationCallOrder[0]).toBeLessThan(fake.app.whenReady.mock.invocationCallOrder[0] ?? 0);
    expect(fake.protocol.privileged).toEqual([expect.objectContaining({ scheme: 'app' })]);
    expect(fake.app.enableSandbox).toHaveBeenCalled();
    expect(fake.app.requestSingleInstanceLock).toHaveBeenCalled();
  });

  it('opens one window with the secure options, loading the UI from app://mailtrail', () => {
    expect(fake.BrowserWindow.instances).toHaveLength(1);
    expect(window.options).toEqual(createWindowOptions('/app/out/preload/index.cjs'));
    expect(window.loadedUrl).toBe('app://mailtrail/index.html');
  });

  it('serves the renderer through the app:// handler with the CSP', async () => {
    const handler = fake.protocol.handlers.get('app') as (request: Request) => Promise<Response>;
    const response = await handler(new Request('app://mailtrail/index.html'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect((await handler(new Request('app://mailtrail/..%2f..%2fetc%2fpasswd'))).status).toBe(403);
  });

  it('denies permissions and sets the CSP on every response of the session', () => {
    const session = fake.session.defaultSession;
    const granted = vi.fn();
    session.permissionRequestHandler?.({}, 'media', granted, {});
    expect(granted).toHaveBeenCalledWith(false);
    expect(session.permissionCheckHandler?.({}, 'geolocation', 'app://mailtrail', {})).toBe(false);
    const answer = vi.fn();
    session.headersReceived?.({ url: 'app://mailtrail/index.html', responseHeaders: {} }, answer);
    expect(answer).toHaveBeenCalledWith({ responseHeaders: expect.objectContaining({ 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] }) });
  });

  it('locks down the window\'s web contents: no foreign navigation, no new windows, no webviews', () => {
    const contents = window.webContents;
    const navigate = (event: string, url: string) => {
      const preventDefault = vi.fn();
      contents.emit(event, { preventDefault }, url);
      return preventDefault.mock.calls.length > 0;
    };
    expect(navigate('will-navigate', 'https://evil.example/')).toBe(true);
    expect(navigate('will-redirect', 'file:///etc/passwd')).toBe(true);
    expect(navigate('will-navigate', 'app://mailtrail/index.html#/emails/42')).toBe(false);
    expect(navigate('will-attach-webview', 'https://evil.example/')).toBe(true);
    expect(contents.windowOpenHandler?.({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
    expect(fake.shell.openExternal).toHaveBeenCalledWith('https://example.com/');
  });

  it('answers the contract over IPC from the window, and refuses other senders', async () => {
    expect([...fake.ipcMain.handlers.keys()].sort()).toEqual([...OPERATION_NAMES.map(channelOf), SYNC_CANCEL_CHANNEL, SYNC_OPEN_RESULT_CHANNEL, ...ADMIN_CONNECTION_CHANNELS, ...REPORT_FILE_CHANNELS].sort());
    const timeline = fake.ipcMain.handlers.get('mailtrail:emails/timeline');
    await expect(timeline?.(ownWindow, { emailId: 42 })).resolves.toEqual({
      ok: true,
      value: { items: [expect.objectContaining({ email_id: 42, event_type: 'fetched' })], nextCursor: null },
    });
    await expect(timeline?.({ senderFrame: { url: 'https://evil.example/', parent: null } }, { emailId: 42 })).resolves.toMatchObject({
      ok: false,
      error: { code: 'bad_request' },
    });
  });

  it('opens the data source named on the command line, and survived the corrupt settings file', () => {
    expect(opened).toEqual([{ db: db.url, noAdminMessage: NO_ADMIN_CONNECTION_MESSAGE, backupNotice: expect.any(Function) }]);
    expect(console.warn).toHaveBeenCalledWith(expect.stringMatching(/settings file was unreadable; started with defaults and kept the old one as .*settings\.json\.bad-/));
  });

  it('sets an application menu with developer tools in development', () => {
    const view = (fake.Menu.applied?.template as { label?: string; submenu?: { role?: string }[] }[]).find((item) => item.label === 'View');
    expect(view?.submenu?.map((item) => item.role)).toContain('toggleDevTools');
  });

  it('opens the user guide in the window from Help › User guide', async () => {
    const help = (fake.Menu.applied?.template as { role?: string; submenu?: { id?: string; click?: () => void }[] }[]).find((item) => item.role === 'help');
    help?.submenu?.find((item) => item.id === 'user-guide')?.click?.();
    expect(window.loadedUrl).toBe(`${APP_ENTRY_URL}#/help`);
    expect(window.show).toHaveBeenCalled();
  });

  it('closes the data source before quitting', async () => {
    const preventDefault = vi.fn();
    fake.app.emit('before-quit', { preventDefault });
    expect(preventDefault).toHaveBeenCalled();
    await vi.waitFor(() => expect(fake.app.quit).toHaveBeenCalled());
    expect(close).toHaveBeenCalledOnce();
  });

  it('quits at once when another instance already runs', async () => {
    fake.app.singleInstance = false;
    fake.app.quit.mockClear();
    const second = await startDesktopApp({ openSource: () => Promise.reject(new Error('must not open')), preloadPath: '/p.cjs', rendererDir, argv: [], syncWorkerUrl: new URL('file:///never.js') });
    expect(second).toBeNull();
    expect(fake.app.quit).toHaveBeenCalledOnce();
    expect(fake.BrowserWindow.instances).toHaveLength(1);
  });
});

describe('choosing the data source', () => {
  it('takes --db or --cache from the command line', () => {
    expect(sourceFromArgs(['.', '--db', 'postgres://h/db'])).toEqual({ db: 'postgres://h/db' });
    expect(sourceFromArgs(['.', '--cache=/tmp/log.sqlite'])).toEqual({ cache: '/tmp/log.sqlite' });
    expect(sourceFromArgs(['.', '--no-sandbox'])).toBeNull();
    expect(() => sourceFromArgs(['--db'])).toThrow(/--db needs a value/);
    expect(() => sourceFromArgs(['--db=postgres://h/db', '--cache=x'])).toThrow(/either --db or --cache/);
  });

  it('falls back to the settings\' active source, the embedded demo by default', () => {
    expect(chooseSource([], () => ({ kind: 'embedded' }))).toEqual({});
    expect(chooseSource([], () => ({ kind: 'postgres', id: 'hub', name: 'Hub', url: 'postgres://u:p@h/db' }))).toEqual({ db: 'postgres://u:p@h/db' });
    expect(chooseSource(['--db=postgres://other/db'], () => ({ kind: 'embedded' }))).toEqual({ db: 'postgres://other/db' });
    expect(chooseSource([], () => ({ kind: 'cache', file: '/home/auditor/mailtrail-2025-12-15.sqlite' }))).toEqual({ cache: '/home/auditor/mailtrail-2025-12-15.sqlite' });
  });
});
