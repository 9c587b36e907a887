import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import { CONTENT_SECURITY_POLICY } from '../security/csp';

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

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Mailtrail</title></head>
<body><h1>Mailtrail</h1>
<p>The browser UI is not built. Run <code>npm run build:renderer</code>, then reload this page.</p>
<p>The REST API works already: <a href="/api/v1/emails/activity/stats">/api/v1/emails/activity/stats</a>.</p>
</body></html>
`;

function sendText(res: ServerResponse, status: number, contentType: string, text: string, head: boolean): void {
  res.writeHead(status, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(text),
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'Cache-Control': 'no-cache',
  });
  res.end(head ? undefined : text);
}

const notFound = (res: ServerResponse, head: boolean) =>
  sendText(res, 404, 'text/plain; charset=utf-8', 'Not found. The Mailtrail UI is at /.\n', head);

/** The file under `root` that a URL path names, or null when it would leave `root` or names nothing servable. */
async function resolveFile(root: string, urlPath: string): Promise<string | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const relative = decoded === '/' ? '/index.html' : decoded;
  const target = resolve(root, `.${relative}`);
  if (!target.startsWith(root + sep)) return null;
  try {
    // Symlinks must not lead out of the renderer folder either.
    const [realRoot, realTarget] = await Promise.all([realpath(root), realpath(target)]);
    if (!realTarget.startsWith(realRoot + sep)) return null;
    return (await stat(realTarget)).isFile() ? realTarget : null;
  } catch {
    return null;
  }
}

/**
 * Browser mode: the built renderer at `/`. Folders are never listed; anything outside the
 * renderer folder is unreachable. Without a build, `/` says how to make one.
 */
export async function serveRenderer(req: IncomingMessage, res: ServerResponse, urlPath: string, rendererDir?: string): Promise<void> {
  const head = req.method === 'HEAD';
  if (req.method !== 'GET' && !head) {
    res.setHeader('Allow', 'GET, HEAD');
    sendText(res, 405, 'text/plain; charset=utf-8', 'Method not allowed: the UI is read with GET.\n', false);
    return;
  }
  const root = rendererDir ? resolve(rendererDir) : undefined;
  const file = root ? await resolveFile(root, urlPath) : null;
  if (!file) {
    const isIndex = urlPath === '/' || urlPath === '/index.html';
    if (isIndex && !(root && (await resolveFile(root, '/')))) {
      sendText(res, 200, 'text/html; charset=utf-8', NOT_BUILT_PAGE, head);
      return;
    }
    notFound(res, head);
    return;
  }
  const info = await stat(file);
  res.writeHead(200, {
    'Content-Type': contentTypeOf(file),
    'Content-Length': info.size,
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'Cache-Control': 'no-cache',
  });
  if (head) {
    res.end();
    return;
  }
  const stream = createReadStream(file);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}
