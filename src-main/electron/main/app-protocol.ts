import { readFile, stat } from 'node:fs/promises';
import { extname, isAbsolute, relative, resolve, sep } from 'node:path';
import { CONTENT_SECURITY_POLICY } from '../../security/csp';
import { APP_HOST, APP_SCHEME } from '../security';

/** Registered before `ready`: app:// behaves like https for the renderer (origin, fetch, storage), never like file://. */
export const APP_SCHEME_PRIVILEGES = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true },
} as const;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

const SECURITY_HEADERS = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-cache',
};

function refusal(status: number, text: string): Response {
  return new Response(text, { status, headers: { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' } });
}

/**
 * The file an app:// URL names inside the built renderer, or null when the URL is not ours or
 * would leave the renderer folder (../, encoded slashes, absolute paths, NUL bytes).
 */
export function resolveAppPath(rendererDir: string, url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host !== APP_HOST) return null;
  let pathname: string;
  try {
    pathname = decodeURIComponent(parsed.pathname);
  } catch {
    return null;
  }
  if (pathname.includes('\0') || pathname.includes('\\')) return null;
  if (pathname === '' || pathname === '/') pathname = '/index.html';
  const root = resolve(rendererDir);
  const file = resolve(root, `.${pathname}`);
  const inside = relative(root, file);
  if (inside === '' || inside.startsWith(`..${sep}`) || inside === '..' || isAbsolute(inside)) return null;
  return file;
}

/** `protocol.handle('app', ...)`: serves the built renderer read-only, with the CSP on every response. */
export function createAppProtocolHandler(rendererDir: string): (request: Request) => Promise<Response> {
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return refusal(405, 'method not allowed');
    const file = resolveAppPath(rendererDir, request.url);
    if (!file) return refusal(403, 'forbidden: outside the application');
    try {
      const info = await stat(file);
      if (!info.isFile()) return refusal(404, 'not found');
      const body = request.method === 'HEAD' ? null : await readFile(file);
      const contentType = CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
      return new Response(body, { status: 200, headers: { ...SECURITY_HEADERS, 'Content-Type': contentType } });
    } catch {
      return refusal(404, 'not found');
    }
  };
}
