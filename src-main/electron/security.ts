import { CONTENT_SECURITY_POLICY } from '../security/csp';

/** The renderer is served from this privileged scheme, never from file:// (Electron security checklist). */
export const APP_SCHEME = 'app';
export const APP_HOST = 'mailtrail';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/** True only for URLs of our own origin, app://mailtrail; anything unparseable is foreign. */
export function isAppUrl(url: string | null | undefined): boolean {
  if (!url) return false;
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST && !parsed.username && !parsed.password;
  } catch {
    return false;
  }
}

/** An external link worth handing to the system browser: https only, with a host, no credentials. */
export function isSafeExternalUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' && parsed.hostname !== '' && !parsed.username && !parsed.password;
  } catch {
    return false;
  }
}

interface PreventableEvent {
  preventDefault(): void;
}

/** `will-navigate` / `will-redirect`: the window stays on app://mailtrail; every other destination is cancelled. */
export function denyForeignNavigation(event: PreventableEvent, url: string): boolean {
  if (isAppUrl(url)) return true;
  event.preventDefault();
  return false;
}

/** `setWindowOpenHandler`: no new windows ever; a safe https link opens in the system browser instead. */
export function createWindowOpenHandler(openExternal: (url: string) => Promise<void>) {
  return ({ url }: { url: string }): { action: 'deny' } => {
    if (isSafeExternalUrl(url)) void openExternal(url).catch(() => undefined);
    return { action: 'deny' };
  };
}

/** The one permission the app uses: writing plain text to the clipboard (Copy link), never reading it. */
const GRANTED_PERMISSIONS: readonly string[] = ['clipboard-sanitized-write'];

/** `setPermissionRequestHandler`: an audit viewer needs no camera, location, notifications or anything else. */
export function denyPermissionRequest(_webContents: unknown, permission: string, callback: (granted: boolean) => void): void {
  callback(GRANTED_PERMISSIONS.includes(permission));
}

/** `setPermissionCheckHandler`: every permission check answers no, but the clipboard write of Copy link. */
export function denyPermissionCheck(_webContents?: unknown, permission?: string): boolean {
  return permission !== undefined && GRANTED_PERMISSIONS.includes(permission);
}

/** `will-attach-webview`: the app has no use for <webview>. */
export function denyWebviewAttach(event: PreventableEvent): void {
  event.preventDefault();
}

type ResponseHeaders = Record<string, string[] | string>;

/**
 * `session.webRequest.onHeadersReceived`: every response carries our CSP, replacing any the
 * response brought, so that nothing loaded can widen what the page may run.
 */
export function withSecurityHeaders(details: { responseHeaders?: ResponseHeaders }): { responseHeaders: ResponseHeaders } {
  const responseHeaders: ResponseHeaders = {};
  for (const [name, value] of Object.entries(details.responseHeaders ?? {})) {
    const lower = name.toLowerCase();
    if (lower === 'content-security-policy' || lower === 'x-content-type-options') continue;
    responseHeaders[name] = value;
  }
  responseHeaders['Content-Security-Policy'] = [CONTENT_SECURITY_POLICY];
  responseHeaders['X-Content-Type-Options'] = ['nosniff'];
  return { responseHeaders };
}

interface SenderFrame {
  url: string;
  parent: unknown;
}

/**
 * VS Code's validatedIpcMain idea: an IPC call is trusted only from a top-level frame whose
 * URL is our own app:// origin; a missing frame (navigated away, destroyed) is not trusted.
 */
export function isTrustedIpcSender(event: { senderFrame?: SenderFrame | null }): boolean {
  const frame = event.senderFrame;
  if (!frame) return false;
  return frame.parent === null && isAppUrl(frame.url);
}

/** Where a call came from, for the refusal message. */
export function describeSender(event: { senderFrame?: SenderFrame | null }): string {
  const url = event.senderFrame?.url;
  if (!url) return 'an unknown frame';
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    return 'an unparseable URL';
  }
}
