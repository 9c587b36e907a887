import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vi } from 'vitest';

type Listener = (...args: any[]) => unknown;

class Emitter {
  readonly listeners = new Map<string, Listener[]>();
  on(event: string, listener: Listener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }
  once(event: string, listener: Listener): this {
    return this.on(event, listener);
  }
  emit(event: string, ...args: unknown[]): unknown[] {
    return (this.listeners.get(event) ?? []).map((listener) => listener(...args));
  }
}

class FakeWebContents extends Emitter {
  windowOpenHandler: Listener | null = null;
  /** What main sent to the window, channel first. */
  send = vi.fn((_channel: string, ..._args: unknown[]) => undefined);
  reload = vi.fn();
  setWindowOpenHandler(handler: Listener): void {
    this.windowOpenHandler = handler;
  }
}

/**
 * A small stand-in for the `electron` module (the runtime cannot be downloaded here): it records
 * what the Electron layer asks of Electron so tests can check the wiring. Never a database.
 */
export function createFakeElectron() {
  // Created only by whoever writes there; the test that does removes it.
  const userData = join(tmpdir(), `mailtrail-electron-${randomBytes(6).toString('hex')}`);
  const app = Object.assign(new Emitter(), {
    isPackaged: false,
    singleInstance: true,
    getPath: vi.fn((_name: string) => userData),
    getVersion: () => '0.1.0',
    requestSingleInstanceLock: vi.fn(() => app.singleInstance),
    quit: vi.fn(),
    enableSandbox: vi.fn(),
    whenReady: vi.fn(() => Promise.resolve()),
    setAboutPanelOptions: vi.fn(),
    showAboutPanel: vi.fn(),
  });

  class BrowserWindow extends Emitter {
    static instances: BrowserWindow[] = [];
    readonly webContents = new FakeWebContents();
    loadedUrl: string | null = null;
    constructor(readonly options: Record<string, any>) {
      super();
      BrowserWindow.instances.push(this);
      app.emit('web-contents-created', {}, this.webContents);
    }
    loadURL(url: string): Promise<void> {
      this.loadedUrl = url;
      return Promise.resolve();
    }
    show = vi.fn();
    focus = vi.fn();
    restore = vi.fn();
    isMinimized = () => false;
    isDestroyed = () => false;
  }

  const ipcMain = {
    handlers: new Map<string, Listener>(),
    handle(channel: string, listener: Listener) {
      if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
      this.handlers.set(channel, listener);
    },
    removeHandler(channel: string) {
      this.handlers.delete(channel);
    },
  };

  const contextBridge = {
    exposed: new Map<string, unknown>(),
    exposeInMainWorld: vi.fn((key: string, api: unknown) => {
      contextBridge.exposed.set(key, api);
    }),
  };

  const ipcRenderer = Object.assign(new Emitter(), {
    invoke: vi.fn(async (_channel: string, _payload?: unknown): Promise<unknown> => ({ ok: true, value: null })),
    removeListener(event: string, listener: Listener) {
      ipcRenderer.listeners.set(event, (ipcRenderer.listeners.get(event) ?? []).filter((candidate) => candidate !== listener));
      return ipcRenderer;
    },
  });

  const protocol = {
    privileged: [] as unknown[],
    handlers: new Map<string, Listener>(),
    registerSchemesAsPrivileged: vi.fn((schemes: unknown[]) => {
      protocol.privileged.push(...schemes);
    }),
    handle: vi.fn((scheme: string, handler: Listener) => {
      protocol.handlers.set(scheme, handler);
    }),
  };

  const defaultSession = {
    permissionRequestHandler: null as Listener | null,
    permissionCheckHandler: null as Listener | null,
    headersReceived: null as Listener | null,
    setPermissionRequestHandler(handler: Listener) {
      this.permissionRequestHandler = handler;
    },
    setPermissionCheckHandler(handler: Listener) {
      this.permissionCheckHandler = handler;
    },
    webRequest: {
      onHeadersReceived(handler: Listener) {
        defaultSession.headersReceived = handler;
      },
    },
  };

  // Reversible but never the plain text, like the OS keychain's encryption.
  const KEY = 0x5a;
  const safeStorage = {
    available: true,
    backend: 'gnome_libsecret',
    isEncryptionAvailable: () => safeStorage.available,
    getSelectedStorageBackend: () => safeStorage.backend,
    encryptString: (text: string) => Buffer.concat([Buffer.from('v10'), Buffer.from(text, 'utf8').map((byte) => byte ^ KEY)]),
    decryptString: (encrypted: Buffer) => {
      if (encrypted.subarray(0, 3).toString() !== 'v10') throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
      return Buffer.from(encrypted.subarray(3).map((byte) => byte ^ KEY)).toString('utf8');
    },
  };

  const Menu = {
    applied: null as { template: unknown[] } | null,
    /** How many times the application menu was set: it is rebuilt when the source changes. */
    builds: 0,
    buildFromTemplate: (template: unknown[]) => ({ template }),
    setApplicationMenu: (menu: { template: unknown[] }) => {
      Menu.applied = menu;
      Menu.builds += 1;
    },
  };

  // Each test queues what the user picks; a dialog left unanswered is a test error, not a hang.
  const dialog = {
    showSaveDialog: vi.fn(async (..._args: unknown[]): Promise<{ canceled: boolean; filePath?: string }> => ({ canceled: true })),
    showOpenDialog: vi.fn(async (..._args: unknown[]): Promise<{ canceled: boolean; filePaths: string[] }> => ({ canceled: true, filePaths: [] })),
    showMessageBox: vi.fn(async (..._args: unknown[]) => ({ response: 0, checkboxChecked: false })),
  };

  const shell = {
    openExternal: vi.fn(async (_url: string) => undefined),
    /** Answers '' (opened) unless a test queues the system's refusal. */
    openPath: vi.fn(async (_path: string) => ''),
    showItemInFolder: vi.fn((_path: string) => undefined),
  };

  /** Electron's Notification: what main showed, in order. */
  class Notification {
    static supported = true;
    static shown: { title: string; body: string }[] = [];
    static isSupported = () => Notification.supported;
    constructor(readonly options: { title: string; body: string }) {}
    show = vi.fn(() => {
      Notification.shown.push(this.options);
    });
  }

  return {
    app,
    BrowserWindow,
    Notification,
    ipcMain,
    contextBridge,
    ipcRenderer,
    protocol,
    session: { defaultSession },
    safeStorage,
    Menu,
    dialog,
    shell,
    userData,
  };
}

export type FakeElectron = ReturnType<typeof createFakeElectron>;
