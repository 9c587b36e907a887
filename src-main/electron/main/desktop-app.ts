import { app, BrowserWindow, ipcMain, Menu, protocol, safeStorage, session, shell, type WebContents } from 'electron';
import type { MailtrailService } from '../../contract/operations';
import { deferredService, registerIpcHandlers } from '../ipc';
import { buildMenuTemplate } from '../menu';
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
import { openSettingsStore } from '../settings/settings-store';
import { APP_SCHEME_PRIVILEGES, createAppProtocolHandler } from './app-protocol';
import { chooseSource, type SourceOptions } from './source-choice';
import { createWindowOptions } from './window-options';

export interface OpenedSource {
  service: MailtrailService;
  description: string;
  close(): Promise<void>;
}

export interface DesktopAppOptions {
  /** openLogSource from src-main/source/open-source.ts. */
  openSource(options: SourceOptions): Promise<OpenedSource>;
  preloadPath: string;
  rendererDir: string;
  argv: readonly string[];
}

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
export async function startDesktopApp({ openSource, preloadPath, rendererDir, argv }: DesktopAppOptions): Promise<BrowserWindow | null> {
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

  const opening = (async () => openSource(chooseSource(argv, () => settings.activeSource())))();
  const serviceReady = opening.then((source) => source.service);
  // A source that fails to open is reported once here and then by every call, never as an unhandled rejection.
  serviceReady.catch((error: unknown) => console.error(`cannot open the data source: ${error instanceof Error ? error.message : String(error)}`));
  registerIpcHandlers(ipcMain, deferredService(serviceReady));

  let closing = false;
  app.on('before-quit', (event) => {
    if (closing) return;
    closing = true;
    event.preventDefault();
    void opening
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
  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      buildMenuTemplate({
        appName: 'Mailtrail',
        platform: process.platform,
        isPackaged: app.isPackaged,
        showAbout: () => app.showAboutPanel(),
      }),
    ),
  );

  window = new BrowserWindow(createWindowOptions(preloadPath));
  const shown = window;
  shown.once('ready-to-show', () => shown.show());
  shown.on('closed', () => {
    window = null;
  });
  await shown.loadURL(APP_ENTRY_URL);
  return shown;
}
