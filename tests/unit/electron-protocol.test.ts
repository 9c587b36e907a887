import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_SCHEME_PRIVILEGES, createAppProtocolHandler, resolveAppPath } from '../../src-main/electron/main/app-protocol';
import { CONTENT_SECURITY_POLICY } from '../../src-main/security/csp';

describe('the app:// protocol', () => {
  let base: string;
  let rendererDir: string;
  let serve: (request: Request) => Promise<Response>;
  const get = (url: string, method = 'GET') => serve(new Request(url, { method }));

  beforeAll(() => {
    base = mkdtempSync(join(tmpdir(), 'mailtrail-protocol-'));
    rendererDir = join(base, 'renderer');
    mkdirSync(join(rendererDir, 'assets'), { recursive: true });
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Mailtrail</title>');
    writeFileSync(join(rendererDir, 'assets', 'index-abc.js'), 'console.log("renderer")');
    writeFileSync(join(rendererDir, 'assets', 'index-abc.css'), 'body{}');
    writeFileSync(join(base, 'secret.txt'), 'TOP SECRET');
    writeFileSync(join(base, 'renderer-evil.txt'), 'SIBLING SECRET');
    serve = createAppProtocolHandler(rendererDir);
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('is registered as a standard, secure scheme with fetch support', () => {
    expect(APP_SCHEME_PRIVILEGES).toEqual({
      scheme: 'app',
      privileges: expect.objectContaining({ standard: true, secure: true, supportFetchAPI: true }),
    });
  });

  it('serves index.html at the root, with the CSP header', async () => {
    for (const url of ['app://mailtrail/', 'app://mailtrail/index.html']) {
      const response = await get(url);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(await response.text()).toContain('<title>Mailtrail</title>');
    }
  });

  it('serves the bundle\'s assets with their types', async () => {
    const script = await get('app://mailtrail/assets/index-abc.js');
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await script.text()).toBe('console.log("renderer")');
    const style = await get('app://mailtrail/assets/index-abc.css');
    expect(style.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(style.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
  });

  it.each([
    'app://mailtrail/..%2fsecret.txt',
    'app://mailtrail/assets/..%2F..%2Fsecret.txt',
    'app://mailtrail/%2e%2e%2fsecret.txt',
    'app://mailtrail/..%2frenderer-evil.txt',
    'app://mailtrail/..%5csecret.txt',
    'app://mailtrail/%2Fetc%2Fpasswd',
    'app://mailtrail/index.html%00.js',
    'app://mailtrail/%E0%A4%A',
  ])('refuses path traversal: %s', async (url) => {
    const response = await get(url);
    expect(response.status).toBeGreaterThanOrEqual(400);
    const body = await response.text();
    expect(body).not.toContain('SECRET');
    expect(body).not.toContain('root:');
  });

  it('keeps plain ../ inside the folder, since URLs normalise it', async () => {
    const response = await get('app://mailtrail/../../secret.txt');
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain('SECRET');
  });

  it('refuses other hosts, missing files, folders and writes', async () => {
    expect((await get('app://other/index.html')).status).toBe(403);
    expect((await get('app://mailtrail/missing.js')).status).toBe(404);
    expect((await get('app://mailtrail/assets')).status).toBe(404);
    expect((await serve(new Request('app://mailtrail/index.html', { method: 'POST', body: 'x' }))).status).toBe(405);
  });

  it('resolves paths only inside the renderer folder', async () => {
    expect(await resolveAppPath(rendererDir, 'app://mailtrail/assets/index-abc.js')).toEqual({ file: await realpath(join(rendererDir, 'assets', 'index-abc.js')) });
    expect(await resolveAppPath(rendererDir, 'app://mailtrail/..%2fsecret.txt')).toEqual({ file: null, outside: true });
    expect(await resolveAppPath(rendererDir, 'file:///etc/passwd')).toEqual({ file: null, outside: true });
  });
});
