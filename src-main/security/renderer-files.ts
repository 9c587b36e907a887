import { realpath, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';

// The built renderer's files, served by the desktop app's app:// protocol and by browser mode.
const CONTENT_TYPES: Readonly<Record<string, string>> = {
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
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
};

export const contentTypeOf = (file: string): string => CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';

export type RendererFile = { file: string } | { file: null; outside: boolean };

const OUTSIDE: RendererFile = { file: null, outside: true };
const MISSING: RendererFile = { file: null, outside: false };

/**
 * The file under `rendererDir` that a URL path (still %-encoded) names; `outside` when the path
 * would leave the folder (../, encoded slashes, backslashes, NUL bytes, symlinks out).
 */
export async function resolveRendererFile(rendererDir: string, urlPath: string): Promise<RendererFile> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return OUTSIDE;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return OUTSIDE;
  const root = resolve(rendererDir);
  const target = resolve(root, `.${decoded === '' || decoded === '/' ? '/index.html' : decoded}`);
  if (!target.startsWith(root + sep)) return OUTSIDE;
  try {
    const [realRoot, realTarget] = await Promise.all([realpath(root), realpath(target)]);
    if (!realTarget.startsWith(realRoot + sep)) return OUTSIDE;
    return (await stat(realTarget)).isFile() ? { file: realTarget } : MISSING;
  } catch {
    return MISSING;
  }
}
