import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database';

const root = fileURLToPath(new URL('../..', import.meta.url));

// `npm start` where the Electron runtime is missing, as on this machine: one line, then browser mode.
describe('npm start without the Electron runtime', () => {
  let db: TestDatabase;
  let child: ChildProcess;
  let output = '';
  let exited: Promise<number | null>;

  beforeAll(async () => {
    db = await createTestDatabase();
    child = spawn(process.execPath, ['scripts/start.mjs', '--db', db.url, '--port', '0'], {
      cwd: root,
      // An override pointing nowhere makes the runtime missing even where it is installed.
      env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: '/nonexistent/electron', DATABASE_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }, 180_000);
  afterAll(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await db.drop();
  });

  it('says so in one line, builds the renderer and serves it with the API', async () => {
    await expect.poll(() => output, { timeout: 150_000, interval: 200 }).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+/);
    const lines = output.split('\n');
    expect(lines.filter((line) => line.includes('Electron runtime not installed here'))).toEqual([
      'Electron runtime not installed here; starting browser mode instead',
    ]);
    const url = /listening on (http:\/\/\S+)/.exec(output)?.[1] ?? '';
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
    const status = await fetch(`${url}/api/v1/rpc/source/status`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(await status.json()).toMatchObject({ kind: 'postgres', state: 'connected' });
  }, 180_000);

  it('passes Ctrl-C on to the server, which shuts down cleanly', async () => {
    child.kill('SIGINT');
    await expect(exited).resolves.toBe(0);
    expect(output).toContain('SIGINT: shutting down');
  }, 60_000);
});
