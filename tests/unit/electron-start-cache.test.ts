import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as electron from 'electron';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { NO_ADMIN_CONNECTION_MESSAGE } from '../../src-main/electron/settings/admin-connection-ipc';
import { MailtrailError } from '../../src-main/contract/errors';
import type { MailtrailService } from '../../src-main/contract/operations';
import { startDesktopApp, type OpenedSource } from '../../src-main/electron/main/desktop-app';
import type { SourceOptions } from '../../src-main/electron/main/source-choice';
import { SETTINGS_FILE } from '../../src-main/electron/settings/settings-store';
import { temporaryDirectory } from '../support/stores';
import type { FakeElectron } from './electron-fake';

vi.mock('electron', async () => (await import('./electron-fake')).createFakeElectron());
const fake = electron as unknown as FakeElectron;

describe('starting on a remembered offline cache that no longer opens', () => {
  const { dir, remove } = temporaryDirectory('mailtrail-start-cache-');
  afterAll(remove);

  it('warns and reads the live database instead of locking the user out', async () => {
    const damaged = join(dir, 'damaged.sqlite');
    writeFileSync(damaged, 'truncated');
    mkdirSync(fake.userData, { recursive: true });
    writeFileSync(join(fake.userData, SETTINGS_FILE), JSON.stringify({ version: 1, activeDataSourceId: 'embedded-demo', dataSources: [], activeCacheFile: damaged }));
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const opened: SourceOptions[] = [];

    await startDesktopApp({
      openSource: async (options): Promise<OpenedSource> => {
        opened.push(options);
        if (options.cache) throw new MailtrailError('bad_request', `${options.cache} is not a Mailtrail offline cache`);
        return { service: {} as MailtrailService, description: 'embedded demo', kind: 'embedded', databaseUrl: 'postgres://demo@127.0.0.1/demo', close: async () => undefined };
      },
      preloadPath: '/app/out/preload/index.cjs',
      rendererDir: dir,
      argv: ['.'],
      syncWorkerUrl: new URL('file:///never.js'),
    });

    await vi.waitFor(() => expect(opened).toEqual([{ cache: damaged, noAdminMessage: NO_ADMIN_CONNECTION_MESSAGE, backupNotice: expect.any(Function) }, { noAdminMessage: NO_ADMIN_CONNECTION_MESSAGE, backupNotice: expect.any(Function) }]));
    expect(warn).toHaveBeenCalledWith(`cannot open the offline cache ${damaged}: ${damaged} is not a Mailtrail offline cache; reading the live database instead`);
    const syncItem = () =>
      (fake.Menu.applied?.template as { label?: string; submenu?: { id?: string; enabled?: boolean }[] }[])
        .find((item) => item.label === 'File')
        ?.submenu?.find((item) => item.id === 'sync-for-offline');
    await vi.waitFor(() => expect(syncItem()?.enabled).toBe(true));
  });
});
