import { readFile } from 'node:fs/promises';
import { CONTENT_SECURITY_POLICY } from '../../security/csp';
import { contentTypeOf, resolveRendererFile, type RendererFile } from '../../security/renderer-files';
import { APP_HOST, APP_SCHEME } from '../security';

/** Registered before `ready`: app:// behaves like https for the renderer (origin, fetch, storage), never like file://. */
export const APP_SCHEME_PRIVILEGES = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true },
} as const;

const SECURITY_HEADERS = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-cache',
};

function refusal(status: number, text: string): Response {
  return new Response(text, { status, headers: { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' } });
}

/** The file an app:// URL names inside the built renderer; `outside` when the URL is not ours or leaves the folder. */
export async function resolveAppPath(rendererDir: string, url: string): Promise<RendererFile> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { file: null, outside: true };
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host !== APP_HOST) return { file: null, outside: true };
  return resolveRendererFile(rendererDir, parsed.pathname);
}

/** `protocol.handle('app', ...)`: serves the built renderer read-only, with the CSP on every response. */
export function createAppProtocolHandler(rendererDir: string): (request: Request) => Promise<Response> {
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return refusal(405, 'method not allowed');
    const resolved = await resolveAppPath(rendererDir, request.url);
    if (resolved.file === null) return resolved.outside ? refusal(403, 'forbidden: outside the application') : refusal(404, 'not found');
    const { file } = resolved;
    try {
      const body = request.method === 'HEAD' ? null : await readFile(file);
      return new Response(body, { status: 200, headers: { ...SECURITY_HEADERS, 'Content-Type': contentTypeOf(file) } });
    } catch {
      return refusal(404, 'not found');
    }
  };
}
