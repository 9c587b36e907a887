import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as electron from 'electron';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { NO_ADMIN_CONNECTION_MESSAGE } from '../../src-main/electron/settings/admin-connection-ipc';
import type { Result } from '../../src-main/contract/errors';
import type { ResponseOf } from '../../src-main/contract/operations';
import { SYNC_CANCEL_CHANNEL, SYNC_OPEN_RESULT_CHANNEL, SYNC_PROGRESS_CHANNEL, type SyncUpdate } from '../../src-main/contract/sync-progress';
import { startDesktopApp, type OpenedSource } from '../../src-main/electron/main/desktop-app';
import type { SourceOptions } from '../../src-main/electron/main/source-choice';
import { SETTINGS_FILE } from '../../src-main/electron/settings/settings-store';
import { openLogSource } from '../../src-main/source/open-source';
import { syncCache } from '../../src-main/sync/sync-cache';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { mixedEventsSql } from '../support/mixed-events';
import { temporaryDirectory } from '../support/stores';
import type { FakeElectron } from './electron-fake';

vi.mock('electron', async () => (await import('./electron-fake')).createFakeElectron());
const fake = electron as unknown as FakeElectron;

const EVENTS = 3_000;
const ownWindow = { senderFrame: { url: 'app://mailtrail/index.html', parent: null } };

type FileItem = { id?: string; label?: string; enabled?: boolean; click?: () => void };
const fileMenu = () =>
  ((fake.Menu.applied?.template as { label?: string; submenu?: FileItem[] }[]).find((item) => item.label === 'File')?.submenu ?? []);
const menuItem = (id: string) => fileMenu().find((item) => item.id === id);

describe('offline review from the File menu, against the fake electron module, real PostgreSQL and real SQLite', () => {
  let db: TestDatabase;
  let dir: string;
  let removeDir: () => void;
  let cacheFile: string;
  let window: InstanceType<FakeElectron['BrowserWindow']>;
  const opened: SourceOptions[] = [];
  const closed: string[] = [];

  const call = async <T>(channel: string, payload: unknown = {}) =>
    (await fake.ipcMain.handlers.get(channel)?.(ownWindow, payload)) as Result<T>;
  const status = async () => ((await call<ResponseOf<'source/status'>>('mailtrail:source/status')) as { ok: true; value: ResponseOf<'source/status'> }).value;
  const updates = () => window.webContents.send.mock.calls.filter(([channel]) => channel === SYNC_PROGRESS_CHANNEL).map(([, update]) => update as SyncUpdate);

  beforeAll(async () => {
    db = await createTestDatabase();
    await db.writable.query(mixedEventsSql({ count: EVENTS, minutesApart: 5 }));
    ({ dir, remove: removeDir } = temporaryDirectory('mailtrail-offline-menu-'));
    cacheFile = join(dir, 'reviewed.sqlite');
    await syncCache({ sourceUrl: db.url, cacheFile });

    const started = await startDesktopApp({
      // The live source is the test database whatever the settings say; a cache opens for real.
      openSource: async (options): Promise<OpenedSource> => {
        opened.push(options);
        const source = await openLogSource(options.cache ? { cache: options.cache } : { db: db.url });
        const kind = source.store.source.kind;
        return { ...source, kind, close: async () => void closed.push(kind) };
      },
      preloadPath: '/app/out/preload/index.cjs',
      rendererDir: dir,
      argv: ['.'],
      syncWorkerUrl: new URL('../../src-main/electron/offline/sync.worker.ts', import.meta.url),
    });
    window = started as unknown as InstanceType<FakeElectron['BrowserWindow']>;
    await vi.waitFor(() => expect(menuItem('sync-for-offline')?.enabled).toBe(true));
  });
  afterAll(async () => {
    removeDir?.();
    await db?.drop();
  });

  it('offers sync and opening a cache once PostgreSQL is open; no way "back" while on it', async () => {
    expect(fileMenu().map((item) => item.label).filter(Boolean)).toEqual(['Sync for offline review…', 'Open offline cache…']);
    expect((await status()).kind).toBe('postgres');
  });

  it('shows why a foreign file cannot be opened and keeps the current source', async () => {
    const foreign = join(dir, 'notes.db');
    writeFileSync(foreign, 'quarterly notes, not a cache\n'.repeat(200));
    fake.dialog.showOpenDialog.mockResolvedValueOnce({ canceled: false, filePaths: [foreign] });
    menuItem('open-offline-cache')?.click?.();
    await vi.waitFor(() => expect(fake.dialog.showMessageBox).toHaveBeenCalled());
    const [, box] = fake.dialog.showMessageBox.mock.calls.at(-1)!;
    expect(box).toMatchObject({ type: 'error', message: 'Cannot open the offline cache', detail: expect.stringMatching(/not a Mailtrail/i) });
    expect(fake.dialog.showOpenDialog.mock.calls.at(-1)?.[1]).toMatchObject({
      filters: [{ extensions: ['sqlite', 'db'] }, { extensions: ['*'] }],
      properties: ['openFile'],
    });
    expect((await status()).kind).toBe('postgres');
    expect(window.webContents.reload).not.toHaveBeenCalled();
    expect(closed).toEqual([]);
    expect(readFileSync(foreign, 'utf8')).toBe('quarterly notes, not a cache\n'.repeat(200));
  });

  it('switches to a cache: the IPC handlers answer from it, the window reloads, the old source closes and the choice is kept', async () => {
    const builds = fake.Menu.builds;
    fake.dialog.showOpenDialog.mockResolvedValueOnce({ canceled: false, filePaths: [cacheFile] });
    menuItem('open-offline-cache')?.click?.();
    await vi.waitFor(() => expect(window.webContents.reload).toHaveBeenCalledOnce());
    expect(await status()).toMatchObject({ kind: 'cache', label: expect.stringContaining('reviewed.sqlite') });
    const stats = (await call<ResponseOf<'activity/stats'>>('mailtrail:activity/stats')) as { ok: true; value: ResponseOf<'activity/stats'> };
    expect(stats.value.reduce((sum, row) => sum + row.count, 0)).toBe(EVENTS);
    await vi.waitFor(() => expect(closed).toEqual(['postgres']));
    expect(JSON.parse(readFileSync(join(fake.userData, SETTINGS_FILE), 'utf8'))).toMatchObject({ activeCacheFile: cacheFile });
    await vi.waitFor(() => expect(fake.Menu.builds).toBeGreaterThan(builds));
    expect(menuItem('sync-for-offline')?.enabled).toBe(false);
    expect(menuItem('open-live-database')).toBeDefined();
  });

  it('goes back to the live database from the menu', async () => {
    window.webContents.reload.mockClear();
    menuItem('open-live-database')?.click?.();
    await vi.waitFor(() => expect(window.webContents.reload).toHaveBeenCalledOnce());
    expect((await status()).kind).toBe('postgres');
    expect(opened.at(-1)).toEqual({ noAdminMessage: NO_ADMIN_CONNECTION_MESSAGE, backupNotice: expect.any(Function) });
    await vi.waitFor(() => expect(closed).toEqual(['postgres', 'cache']));
    expect(JSON.parse(readFileSync(join(fake.userData, SETTINGS_FILE), 'utf8'))).toMatchObject({ activeCacheFile: null });
    await vi.waitFor(() => expect(menuItem('sync-for-offline')?.enabled).toBe(true));
  });

  it('syncs the current PostgreSQL source into the file chosen, telling the window how far it is, then opens it on request', async () => {
    const target = join(dir, 'synced-from-menu.sqlite');
    fake.dialog.showSaveDialog.mockResolvedValueOnce({ canceled: false, filePath: target });
    window.webContents.reload.mockClear();
    menuItem('sync-for-offline')?.click?.();
    await vi.waitFor(() => expect(updates().at(-1)?.state).toBe('done'), { timeout: 30_000 });

    const [, saveOptions] = fake.dialog.showSaveDialog.mock.calls.at(-1)!;
    expect((saveOptions as { defaultPath: string }).defaultPath).toMatch(new RegExp(`^${fake.userData}/mailtrail-\\d{4}-\\d{2}-\\d{2}\\.sqlite$`));
    const seen = updates();
    expect(seen[0]).toEqual({ state: 'started', file: target });
    expect(seen.at(-1)).toMatchObject({ state: 'done', file: target, fetched: EVENTS, events: EVENTS });
    const running = seen.filter((update) => update.state === 'running');
    expect(running.length).toBeGreaterThan(0);
    for (const update of running) expect(update).toEqual(expect.objectContaining({ rate: expect.any(Number), fraction: expect.any(Number) }));
    // The database URL (and its password) never reaches the window.
    expect(JSON.stringify(window.webContents.send.mock.calls)).not.toContain(new URL(db.url).password);
    expect(menuItem('sync-for-offline')?.enabled).toBe(true);

    await expect(call(SYNC_OPEN_RESULT_CHANNEL)).resolves.toEqual({ ok: true, value: null });
    expect(await status()).toMatchObject({ kind: 'cache', label: expect.stringContaining('synced-from-menu.sqlite') });
    expect(window.webContents.reload).toHaveBeenCalledOnce();
  });

  it('tells a window that reloads during a sync how far it is at once, not at the next update', async () => {
    menuItem('open-live-database')?.click?.();
    await vi.waitFor(async () => expect((await status()).kind).toBe('postgres'));
    await vi.waitFor(() => expect(menuItem('sync-for-offline')?.enabled).toBe(true));
    const target = join(dir, 'synced-across-a-reload.sqlite');
    fake.dialog.showSaveDialog.mockResolvedValueOnce({ canceled: false, filePath: target });
    let reloaded = false;
    window.webContents.send.mockClear();
    // The window reloads as the first progress update arrives.
    window.webContents.send.mockImplementation((channel: string, update: unknown) => {
      if (channel === SYNC_PROGRESS_CHANNEL && (update as SyncUpdate).state === 'running' && !reloaded) {
        reloaded = true;
        window.webContents.emit('did-finish-load');
      }
      return undefined;
    });
    try {
      menuItem('sync-for-offline')?.click?.();
      await vi.waitFor(() => expect(updates().at(-1)?.state).toBe('done'), { timeout: 30_000 });
    } finally {
      window.webContents.send.mockImplementation(() => undefined);
    }
    const seen = updates();
    const first = seen.findIndex((update) => update.state === 'running');
    expect(seen[first + 1]).toEqual(seen[first]);
    // A reload with no sync running gets nothing.
    const sent = window.webContents.send.mock.calls.length;
    window.webContents.emit('did-finish-load');
    expect(window.webContents.send.mock.calls.length).toBe(sent);
  });

  it('refuses the sync requests from any other frame', async () => {
    const foreign = { senderFrame: { url: 'https://evil.example/', parent: null } };
    for (const channel of [SYNC_CANCEL_CHANNEL, SYNC_OPEN_RESULT_CHANNEL]) {
      await expect(fake.ipcMain.handlers.get(channel)?.(foreign, {})).resolves.toMatchObject({ ok: false, error: { code: 'bad_request' } });
    }
  });
});
