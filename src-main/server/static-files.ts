import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CONTENT_SECURITY_POLICY } from '../security/csp';
import { contentTypeOf, resolveRendererFile } from '../security/renderer-files';

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
  const { file } = rendererDir ? await resolveRendererFile(rendererDir, urlPath) : { file: null };
  if (!file) {
    const isIndex = urlPath === '/' || urlPath === '/index.html';
    if (isIndex && !(rendererDir && (await resolveRendererFile(rendererDir, '/')).file)) {
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
