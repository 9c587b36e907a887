import { describe, expect, it, vi } from 'vitest';
import { createWindowOptions } from '../../src-main/electron/main/window-options';
import { buildMenuTemplate } from '../../src-main/electron/menu';
import {
  APP_ENTRY_URL,
  createWindowOpenHandler,
  denyForeignNavigation,
  denyPermissionCheck,
  denyPermissionRequest,
  isTrustedIpcSender,
  withSecurityHeaders,
} from '../../src-main/electron/security';
import { CONTENT_SECURITY_POLICY } from '../../src-main/security/csp';

describe('the window options', () => {
  const options = createWindowOptions('/app/out/preload/index.cjs');

  it('apply every item of Electron\'s security checklist', () => {
    expect(options.webPreferences).toMatchObject({
      preload: '/app/out/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
    });
  });

  it('enable nothing that widens the renderer', () => {
    const preferences = options.webPreferences as Record<string, unknown>;
    expect(preferences).not.toHaveProperty('enableRemoteModule');
    expect(preferences).not.toHaveProperty('enableBlinkFeatures');
    expect(preferences).not.toHaveProperty('additionalArguments');
  });

  it('are a pure function of the preload path', () => {
    expect(createWindowOptions('/x.cjs')).toEqual(createWindowOptions('/x.cjs'));
    expect(createWindowOptions('/x.cjs')).not.toBe(createWindowOptions('/x.cjs'));
  });
});

describe('the content security policy', () => {
  const directives = new Map(
    CONTENT_SECURITY_POLICY.split(';').map((directive) => {
      const [name = '', ...values] = directive.trim().split(/\s+/);
      return [name, values] as const;
    }),
  );

  it('allows only the app itself by default', () => {
    expect(directives.get('default-src')).toEqual(["'self'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
  });

  it('has no unsafe-inline, unsafe-eval or wildcard anywhere', () => {
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|unsafe-eval|unsafe-hashes|wasm-unsafe-eval|\*/);
  });

  it('is put on every response, replacing whatever CSP the response carried', () => {
    const { responseHeaders } = withSecurityHeaders({
      responseHeaders: { 'content-security-policy': ["default-src *; script-src 'unsafe-inline'"], 'Content-Type': ['text/html'] },
    });
    expect(responseHeaders).toEqual({
      'Content-Type': ['text/html'],
      'Content-Security-Policy': [CONTENT_SECURITY_POLICY],
      'X-Content-Type-Options': ['nosniff'],
    });
    expect(withSecurityHeaders({}).responseHeaders['Content-Security-Policy']).toEqual([CONTENT_SECURITY_POLICY]);
  });
});

describe('navigation', () => {
  const navigate = (url: string) => {
    const event = { preventDefault: vi.fn() };
    const allowed = denyForeignNavigation(event, url);
    return { allowed, prevented: event.preventDefault.mock.calls.length > 0 };
  };

  it('stays within app://mailtrail', () => {
    expect(navigate(APP_ENTRY_URL)).toEqual({ allowed: true, prevented: false });
    expect(navigate('app://mailtrail/index.html#/emails/123')).toEqual({ allowed: true, prevented: false });
  });

  it.each([
    'https://evil.example/',
    'http://localhost:5173/',
    'file:///etc/passwd',
    'app://mailtrail.evil.example/index.html',
    'app://other/index.html',
    'app://user:pass@mailtrail/index.html',
    'javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'not a url',
    '',
  ])('is denied to %s', (url) => {
    expect(navigate(url)).toEqual({ allowed: false, prevented: true });
  });
});

describe('new windows', () => {
  it('are always denied; only a safe https link goes to the system browser', async () => {
    const openExternal = vi.fn(async (_url: string) => undefined);
    const handler = createWindowOpenHandler(openExternal);
    for (const url of ['https://github.com/mailtrail', 'http://insecure.example/', 'file:///etc/passwd', 'app://mailtrail/', 'smb://share/x', 'https://user:pw@host.example/']) {
      expect(handler({ url })).toEqual({ action: 'deny' });
    }
    expect(openExternal.mock.calls).toEqual([['https://github.com/mailtrail']]);
  });

  it('deny even when the system browser fails to open', () => {
    const handler = createWindowOpenHandler(() => Promise.reject(new Error('no browser')));
    expect(handler({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
  });
});

describe('permissions', () => {
  it.each(['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'fullscreen'])('%s requests are denied', (permission) => {
    const callback = vi.fn();
    denyPermissionRequest({}, permission, callback);
    expect(callback).toHaveBeenCalledExactlyOnceWith(false);
  });

  it('checks answer no', () => {
    expect(denyPermissionCheck()).toBe(false);
    expect(denyPermissionCheck({}, 'clipboard-read')).toBe(false);
  });

  it('grants only a sanitized clipboard write, for Copy link (issue 11, item 11)', () => {
    const callback = vi.fn();
    denyPermissionRequest({}, 'clipboard-sanitized-write', callback);
    expect(callback).toHaveBeenCalledExactlyOnceWith(true);
    expect(denyPermissionCheck({}, 'clipboard-sanitized-write')).toBe(true);
  });
});

describe('IPC senders', () => {
  it('are trusted only from the top-level frame of app://mailtrail', () => {
    expect(isTrustedIpcSender({ senderFrame: { url: 'app://mailtrail/index.html#/emails/1', parent: null } })).toBe(true);
    expect(isTrustedIpcSender({ senderFrame: { url: 'app://mailtrail/index.html', parent: {} } })).toBe(false);
    expect(isTrustedIpcSender({ senderFrame: { url: 'https://evil.example/', parent: null } })).toBe(false);
    expect(isTrustedIpcSender({ senderFrame: { url: 'file:///tmp/x.html', parent: null } })).toBe(false);
    expect(isTrustedIpcSender({ senderFrame: null })).toBe(false);
    expect(isTrustedIpcSender({})).toBe(false);
  });
});

describe('the application menu', () => {
  const labels = (template: ReturnType<typeof buildMenuTemplate>) => template.map((item) => item.label ?? item.role);
  const roles = (template: ReturnType<typeof buildMenuTemplate>, label: string) =>
    ((template.find((item) => item.label === label)?.submenu ?? []) as { role?: string }[]).map((item) => item.role);
  const handlers = () => ({ syncForOffline: vi.fn(), openOfflineCache: vi.fn(), openLiveDatabase: vi.fn(), openUserGuide: vi.fn() });
  const context = { appName: 'Mailtrail', showAbout: () => undefined, sourceKind: 'postgres' as const, syncing: false, ...handlers() };
  type FileItem = { id?: string; label?: string; enabled?: boolean; role?: string; click?: () => void };
  const fileMenu = (template: ReturnType<typeof buildMenuTemplate>) => (template.find((item) => item.label === 'File')?.submenu ?? []) as FileItem[];

  it('has File, Edit, View, Window and Help, with the app menu first on macOS', () => {
    expect(labels(buildMenuTemplate({ ...context, platform: 'linux', isPackaged: true }))).toEqual(['File', 'Edit', 'View', 'Window', 'help']);
    expect(labels(buildMenuTemplate({ ...context, platform: 'darwin', isPackaged: true }))).toEqual(['Mailtrail', 'File', 'Edit', 'View', 'Window', 'help']);
  });

  it('offers developer tools only in development builds', () => {
    expect(roles(buildMenuTemplate({ ...context, platform: 'linux', isPackaged: false }), 'View')).toContain('toggleDevTools');
    expect(roles(buildMenuTemplate({ ...context, platform: 'linux', isPackaged: true }), 'View')).not.toContain('toggleDevTools');
  });

  it('opens the user guide from Help › User guide (F1), on every platform', () => {
    for (const platform of ['win32', 'darwin', 'linux'] as const) {
      const calls = handlers();
      const help = buildMenuTemplate({ ...context, ...calls, platform, isPackaged: true }).find((item) => item.role === 'help');
      const guide = (help?.submenu as { id?: string; label?: string; accelerator?: string; click?: () => void }[])[0];
      expect(guide).toMatchObject({ id: 'user-guide', label: 'User guide', accelerator: 'F1' });
      guide?.click?.();
      expect(calls.openUserGuide).toHaveBeenCalledOnce();
    }
  });

  it('shows the about panel from Help', () => {
    const showAbout = vi.fn();
    const help = buildMenuTemplate({ ...context, showAbout, platform: 'win32', isPackaged: true }).find((item) => item.role === 'help');
    const about = (help?.submenu as { label?: string; click?: () => void }[]).find((item) => item.label === 'About Mailtrail');
    expect(about?.label).toBe('About Mailtrail');
    about?.click?.();
    expect(showAbout).toHaveBeenCalledOnce();
  });

  it('has no disabled placeholder items for features that do not exist yet', () => {
    const all = buildMenuTemplate({ ...context, platform: 'darwin', isPackaged: false }).flatMap((item) => (item.submenu ?? []) as { enabled?: boolean; visible?: boolean }[]);
    expect(all.filter((item) => item.enabled === false || item.visible === false)).toEqual([]);
  });

  it('offers sync for offline review from PostgreSQL, live or embedded, and opening a cache, each calling its handler', () => {
    for (const sourceKind of ['postgres', 'embedded'] as const) {
      const calls = handlers();
      const file = fileMenu(buildMenuTemplate({ ...context, ...calls, sourceKind, platform: 'linux', isPackaged: true }));
      expect(file.map((item) => item.label ?? item.role)).toEqual(['Sync for offline review…', 'Open offline cache…', undefined, 'quit']);
      expect(file[0]?.enabled).toBe(true);
      file[0]?.click?.();
      file[1]?.click?.();
      expect(calls.syncForOffline).toHaveBeenCalledOnce();
      expect(calls.openOfflineCache).toHaveBeenCalledOnce();
      expect(calls.openLiveDatabase).not.toHaveBeenCalled();
    }
  });

  it('disables sync while a cache is open, while the source opens and while a sync runs; a cache offers the way back', () => {
    const calls = handlers();
    const onCache = fileMenu(buildMenuTemplate({ ...context, ...calls, sourceKind: 'cache', platform: 'darwin', isPackaged: true }));
    expect(onCache.map((item) => [item.label ?? item.role, item.enabled ?? true])).toEqual([
      ['Sync for offline review…', false],
      ['Open offline cache…', true],
      ['Open live database', true],
      [undefined, true],
      ['close', true],
    ]);
    onCache.find((item) => item.id === 'open-live-database')?.click?.();
    expect(calls.openLiveDatabase).toHaveBeenCalledOnce();
    const sync = (kind: 'postgres' | null, syncing: boolean) =>
      fileMenu(buildMenuTemplate({ ...context, sourceKind: kind, syncing, platform: 'linux', isPackaged: true })).find((item) => item.id === 'sync-for-offline');
    expect(sync(null, false)?.enabled).toBe(false);
    expect(sync('postgres', true)?.enabled).toBe(false);
    expect(sync('postgres', false)?.enabled).toBe(true);
  });
});
