import { app, BrowserWindow, dialog, ipcMain, Menu, Notification, protocol, safeStorage, session, shell, type WebContents } from 'electron';
import { journalActor } from '../../admin/journal';
import type { AdminDb } from '../../db/connection';
import { createDesktopBackups } from '../backups/desktop-backups';
import type { MailtrailService } from '../../contract/operations';
import type { SourceStatus } from '../../contract/schemas';
import type { ReportOrigin } from '../../reports/report-origin';
import { currentSource, registerIpcHandlers } from '../ipc';
import { buildMenuTemplate } from '../menu';
import { createOfflineActions, registerSyncHandlers } from '../offline/offline-actions';
import { createReportActions, registerReportHandlers } from '../reports/report-actions';
import {
  APP_ENTRY_URL,
  APP_SCHEME,
  createWindowOpenHandler,
  denyForeignNavigation,
  denyPermissionCheck,
  denyPermissionRequest,
  denyWebviewAttach,
  withSecurityHeaders,
} from '../security';
import { createAdminConnectionActions, NO_ADMIN_CONNECTION_MESSAGE, registerAdminConnectionHandlers } from '../settings/admin-connection-ipc';
import { openSettingsStore } from '../settings/settings-store';
import { APP_SCHEME_PRIVILEGES, createAppProtocolHandler } from './app-protocol';
import { createDesktopEngine, type DesktopEngineOptions } from './desktop-engine';
import { chooseSource, sourceFromArgs, type SourceOptions } from './source-choice';
import { createWindowOptions } from './window-options';

export interface OpenedSource {
  service: MailtrailService;
  description: string;
  kind: SourceStatus['kind'];
  /** The PostgreSQL URL with its password, for sync; null for a cache. Stays in main. */
  databaseUrl?: string | null;
  /** Who makes reports from it, and where they are recorded (reportOriginOf); without it the source makes none. */
  reportOrigin?(): Promise<ReportOrigin>;
  /** Sends writes through the admin connection at this URL from now on, or through none (LogSource.setAdmin). */
  setAdmin?(adminUrl: string | null): Promise<void>;
  /** The admin connection writes go through now, for the backup runner; null (or absent) where there is none. */
  adminDb?(): AdminDb | null;
  close(): Promise<void>;
}

export interface DesktopAppOptions {
  /** openLogSource from src-main/source/open-source.ts. */
  openSource(options: SourceOptions): Promise<OpenedSource>;
  preloadPath: string;
  rendererDir: string;
  argv: readonly string[];
  /** The sync worker module: out/main/sync-worker.js next to main's bundle. */
  syncWorkerUrl: URL;
  /** How the workflow engine starts on the admin connection; the real one unless a test gives its own. */
  startEngine?: DesktopEngineOptions['start'];
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Applied to every web contents the app ever creates, not only the main window. */
function lockDown(contents: WebContents): void {
  contents.on('will-navigate', (event, url) => denyForeignNavigation(event, url));
  contents.on('will-redirect', (event, url) => denyForeignNavigation(event, url));
  contents.on('will-attach-webview', (event) => denyWebviewAttach(event));
  contents.setWindowOpenHandler(createWindowOpenHandler((url) => shell.openExternal(url)));
}

/**
 * Starts the desktop shell: one locked-down window on app://mailtrail, the contract's IPC
 * handlers, and the data source chosen by the command line or the settings. Returns once the
 * window is loading; resolves to null when another instance already runs.
 */
export async function startDesktopApp({ openSource, preloadPath, rendererDir, argv, syncWorkerUrl, startEngine }: DesktopAppOptions): Promise<BrowserWindow | null> {
  // Must happen before `ready`.
  protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);
  app.enableSandbox();

  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return null;
  }

  let window: BrowserWindow | null = null;
  app.on('second-instance', () => {
    if (!window) return;
    if (window.isMinimized()) window.restore();
    window.focus();
  });
  app.on('web-contents-created', (_event, contents) => lockDown(contents));
  app.on('window-all-closed', () => app.quit());

  await app.whenReady();

  const settings = openSettingsStore({ directory: app.getPath('userData'), safeStorage });
  if (settings.recoveredFrom) {
    console.warn(`settings file was unreadable; started with defaults and kept the old one as ${settings.recoveredFrom}`);
  }

  const warn = (message: string) => console.warn(message);
  // The backup jobs run here while the app has an admin connection, and tell their outcome on the desktop.
  const backups = createDesktopBackups({ Notification, warn });
  const liveSource = () => chooseSource([], () => settings.liveSource());
  /** The saved admin connection's URL; a password that no longer decrypts leaves writes refused, not the app closed. */
  const adminUrl = (): string | null => {
    try {
      return settings.adminUrl();
    } catch (error) {
      warn(`${messageOf(error)}; writes are refused until it is saved again`);
      return null;
    }
  };
  // Every source the app opens writes through the saved admin connection, or refuses writes saying where to add one.
  const open = (choice: SourceOptions): Promise<OpenedSource> => {
    const url = adminUrl();
    return openSource({
      ...choice,
      ...(url ? { admin: { adminDb: url, actor: journalActor() } } : {}),
      noAdminMessage: NO_ADMIN_CONNECTION_MESSAGE,
      backupNotice: backups.notify,
    });
  };
  const opening = (async () => {
    const choice = chooseSource(argv, () => settings.activeSource(warn));
    try {
      return await open(choice);
    } catch (error) {
      // A remembered cache that no longer opens must not lock the user out: back to the live database.
      if (!choice.cache || sourceFromArgs(argv)) throw error;
      warn(`cannot open the offline cache ${choice.cache}: ${messageOf(error)}; reading the live database instead`);
      return open(liveSource());
    }
  })();
  // A source that fails to open is reported once here and then by every call, never as an unhandled rejection.
  opening.catch((error: unknown) => console.error(`cannot open the data source: ${messageOf(error)}`));
  const sources = currentSource(opening);
  registerIpcHandlers(ipcMain, sources.service);

  // The workflow engine runs here while an admin connection is saved (and the setting leaves it on),
  // as `serve --admin` runs it: a classified event the hub logs gets its workflows without a `mailtrail worker`.
  const engine = createDesktopEngine({ ...(startEngine ? { start: startEngine } : {}), warn });
  const applyEngine = (url: string | null) => engine.apply(url, settings.workflowEngineEnabled());
  void applyEngine(adminUrl());

  let sourceKind: OpenedSource['kind'] | null = null;
  const offline = createOfflineActions({
    sources,
    openSource: open,
    remember: (cacheFile) => (cacheFile ? settings.openCache(cacheFile) : settings.closeCache()),
    liveSource,
    dialog,
    window: () => window,
    documentsDir: app.getPath('documents'),
    workerUrl: syncWorkerUrl,
    changed: () => sourceChanged(),
  });
  registerSyncHandlers(ipcMain, offline);
  const reports = createReportActions({ sources, dialog, shell, window: () => window, documentsDir: app.getPath('documents') });
  registerReportHandlers(ipcMain, reports);
  registerAdminConnectionHandlers(
    ipcMain,
    createAdminConnectionActions({
      settings,
      // A source that failed to open has nothing to change; the next one opens with the saved connection.
      apply: async (url) => {
        const source = await sources.current().catch(() => null);
        // The runner leaves the old connection before the source closes it.
        await backups.follow(null);
        await source?.setAdmin?.(url);
        await backups.follow(source?.adminDb?.() ?? null);
        await applyEngine(url);
      },
      engine: () => ({ enabled: settings.workflowEngineEnabled(), running: engine.runningOn() !== null, problem: engine.problem() }),
      applyEngine: () => applyEngine(adminUrl()),
    }),
  );
  const report = (action: Promise<unknown>) => void action.catch((error: unknown) => console.error(messageOf(error)));

  function refreshMenu(): void {
    Menu.setApplicationMenu(
      Menu.buildFromTemplate(
        buildMenuTemplate({
          appName: 'Mailtrail',
          platform: process.platform,
          isPackaged: app.isPackaged,
          showAbout: () => app.showAboutPanel(),
          sourceKind,
          syncing: offline.syncing(),
          syncForOffline: () => report(offline.syncForOffline()),
          openOfflineCache: () => report(offline.openOfflineCache()),
          openLiveDatabase: () => report(offline.openLiveDatabase()),
          // Only the fragment changes, so the app stays loaded and Help opens as a link in it would.
          openUserGuide: () => {
            if (!window) return;
            window.show();
            report(window.loadURL(`${APP_ENTRY_URL}#/help`));
          },
        }),
      ),
    );
  }

  /** The menu follows the source: rebuilt once it has opened (or failed to), and on every switch or sync. */
  function sourceChanged(): void {
    const current = sources.current();
    void current
      .then(
        (source) => {
          void backups.follow(source.adminDb?.() ?? null);
          return source.kind;
        },
        () => null,
      )
      .then((kind) => {
        // A cache opened while the first source was still starting wins over it.
        if (sources.current() !== current) return;
        sourceKind = kind;
        refreshMenu();
      });
  }

  let closing = false;
  app.on('before-quit', (event) => {
    if (closing) return;
    closing = true;
    event.preventDefault();
    // A report being written is cancelled, so its partial file is removed before the app goes.
    void Promise.all([offline.cancelSync(), reports.cancelReport(), backups.follow(null), engine.stop()])
      .then(() => sources.current())
      .then((source) => source.close())
      .catch(() => undefined)
      .finally(() => app.quit());
  });

  const defaultSession = session.defaultSession;
  defaultSession.setPermissionRequestHandler(denyPermissionRequest);
  defaultSession.setPermissionCheckHandler(denyPermissionCheck);
  defaultSession.webRequest.onHeadersReceived((details, callback) => callback(withSecurityHeaders(details)));
  protocol.handle(APP_SCHEME, createAppProtocolHandler(rendererDir));

  app.setAboutPanelOptions({ applicationName: 'Mailtrail', applicationVersion: app.getVersion() });
  refreshMenu();
  sourceChanged();

  window = new BrowserWindow(createWindowOptions(preloadPath));
  const shown = window;
  shown.once('ready-to-show', () => shown.show());
  shown.webContents.on('did-finish-load', () => offline.replaySync());
  shown.on('closed', () => {
    window = null;
  });
  await shown.loadURL(APP_ENTRY_URL);
  return shown;
}
