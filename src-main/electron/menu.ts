import type { MenuItemConstructorOptions } from 'electron';
import type { SourceStatus } from '../contract/schemas';

export interface MenuContext {
  appName: string;
  platform: NodeJS.Platform;
  /** Developer tools are for development builds only. */
  isPackaged: boolean;
  showAbout(): void;
  /** What the app reads now; null while the source opens or after it failed to. */
  sourceKind: SourceStatus['kind'] | null;
  /** A sync is running: one at a time. */
  syncing: boolean;
  syncForOffline(): void;
  openOfflineCache(): void;
  openLiveDatabase(): void;
  /** Help › User guide: the window shows the guide (`#/help`), bundled with the app, so it works offline. */
  openUserGuide(): void;
}

/** The application menu: only what exists today, in the order each platform expects. */
export function buildMenuTemplate(context: MenuContext): MenuItemConstructorOptions[] {
  const { appName, platform, isPackaged, showAbout, sourceKind } = context;
  const isMac = platform === 'darwin';
  const about: MenuItemConstructorOptions = { label: `About ${appName}`, click: () => showAbout() };

  // Sync copies from PostgreSQL (live or the embedded demo); a cache has nothing to sync from.
  const file: MenuItemConstructorOptions[] = [
    {
      id: 'sync-for-offline',
      label: 'Sync for offline review…',
      enabled: (sourceKind === 'postgres' || sourceKind === 'embedded') && !context.syncing,
      click: () => context.syncForOffline(),
    },
    { id: 'open-offline-cache', label: 'Open offline cache…', click: () => context.openOfflineCache() },
    ...(sourceKind === 'cache'
      ? [{ id: 'open-live-database', label: 'Open live database', click: () => context.openLiveDatabase() } satisfies MenuItemConstructorOptions]
      : []),
    { type: 'separator' },
    isMac ? { role: 'close' } : { role: 'quit' },
  ];

  const view: MenuItemConstructorOptions[] = [
    { role: 'reload' },
    { role: 'forceReload' },
    ...(isPackaged ? [] : [{ role: 'toggleDevTools' } satisfies MenuItemConstructorOptions]),
    { type: 'separator' },
    { role: 'resetZoom' },
    { role: 'zoomIn' },
    { role: 'zoomOut' },
    { type: 'separator' },
    { role: 'togglefullscreen' },
  ];

  return [
    ...(isMac
      ? [
          {
            label: appName,
            submenu: [
              about,
              { type: 'separator' },
              { role: 'hide' },
              { role: 'hideOthers' },
              { role: 'unhide' },
              { type: 'separator' },
              { role: 'quit' },
            ],
          } satisfies MenuItemConstructorOptions,
        ]
      : []),
    { label: 'File', submenu: file },
    {
      label: 'Edit',
      submenu: [
        { role: 'undo' },
        { role: 'redo' },
        { type: 'separator' },
        { role: 'cut' },
        { role: 'copy' },
        { role: 'paste' },
        { role: 'selectAll' },
      ],
    },
    { label: 'View', submenu: view },
    {
      label: 'Window',
      submenu: [{ role: 'minimize' }, { role: 'zoom' }, ...(isMac ? [{ role: 'front' } as const] : [{ role: 'close' } as const])],
    },
    {
      role: 'help',
      submenu: [{ id: 'user-guide', label: 'User guide', accelerator: 'F1', click: () => context.openUserGuide() }, { type: 'separator' }, about],
    },
  ];
}
