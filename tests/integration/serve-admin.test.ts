import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveTokens } from '../../src-main/cli/serve.command';
import { parseCommandLine } from '../../src-main/cli/command-line';
import { createTestDatabase, type TestDatabase } from '../support/database';

const ADMIN_TOKEN = 'admin-5e1d7c3b9f2a4608';

// No DATABASE_URL or admin settings leak in; an embedded default could only land in a temporary folder.
const childEnv = (() => {
  const env: NodeJS.ProcessEnv = { ...process.env, MAILTRAIL_DATA_DIR: mkdtempSync(join(tmpdir(), 'mailtrail-serve-admin-')) };
  for (const name of ['DATABASE_URL', 'MAILTRAIL_ADMIN_DATABASE_URL', 'MAILTRAIL_ADMIN_TOKEN', 'MAILTRAIL_API_TOKEN', 'MAILTRAIL_ACTOR']) delete env[name];
  return env;
})();

const start = (args: string[], env: NodeJS.ProcessEnv): ChildProcess => spawn(process.execPath, ['bin/mailtrail.js', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });

function run(args: string[], env: NodeJS.ProcessEnv = childEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = start(args, env);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db?.drop());

describe('mailtrail serve --admin (issue 13, item 1)', () => {
  it('refuses to start without MAILTRAIL_ADMIN_TOKEN, in one line with a non-zero exit, opening nothing', async () => {
    const refused = await run(['serve', '--db', db.url, '--port', '0', '--admin']);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr.split('\n').filter(Boolean)).toEqual([
      expect.stringMatching(/^mailtrail: serve --admin answers writes only to the holder of a token: set MAILTRAIL_ADMIN_TOKEN/),
    ]);
    const weak = await run(['serve', '--db', db.url, '--port', '0', '--admin'], { ...childEnv, MAILTRAIL_ADMIN_TOKEN: 'short' });
    expect(weak.code).toBe(1);
    expect(weak.stderr).toMatch(/MAILTRAIL_ADMIN_TOKEN must be at least 16 printable characters/);
    expect(weak.stderr).not.toContain('short');
  });

  it('starts with the token, reads as before, and gates writes by it; the admin connection goes with it', async () => {
    const child = start(['serve', '--db', db.url, '--port', '0', '--admin'], { ...childEnv, MAILTRAIL_ADMIN_TOKEN: ADMIN_TOKEN });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      const firstLine = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout! }).once('line', resolve);
        void exited.then((code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
      });
      const url = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(firstLine)?.[1];
      expect(url, firstLine).toBeTruthy();
      // stderr and stdout are separate pipes: the note may arrive after the first line.
      await expect.poll(() => stderr).toMatch(/writes go to PostgreSQL .*opened writable for admin work; each needs Authorization: Bearer \$MAILTRAIL_ADMIN_TOKEN/);
      expect((await fetch(`${url}/api/v1/emails/activity/stats`)).status).toBe(200);
      expect((await fetch(`${url}/api/v1/admin/journal`)).status).toBe(200);
      expect((await fetch(`${url}/api/v1/retention/holds`, { method: 'POST' })).status).toBe(401);
      expect((await fetch(`${url}/api/v1/retention/holds`, { method: 'POST', headers: { Authorization: 'Bearer wrong-token-000000000' } })).status).toBe(401);
      // Past the gate the route itself answers: a hold without its body is a 400.
      expect((await fetch(`${url}/api/v1/retention/holds`, { method: 'POST', headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } })).status).toBe(400);
      const { rows } = await db.writable.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'mailtrail-admin' AND datname = current_database()`);
      expect(rows[0]?.n).toBeGreaterThanOrEqual(1);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });

  it('refuses a database without the journal, and an admin token equal to the API token', async () => {
    const bare = await createTestDatabase({ migrated: false });
    try {
      await bare.writable.query(`CREATE VIEW email_timeline AS SELECT 1 AS id`);
      const run1 = await run(['serve', '--db', bare.url, '--port', '0', '--admin'], { ...childEnv, MAILTRAIL_ADMIN_TOKEN: ADMIN_TOKEN });
      expect(run1.code).toBe(1);
      expect(run1.stderr).toMatch(/^mailtrail: the admin connection's database \(.*\) has no admin journal; run `mailtrail migrate` on it first\n$/);
    } finally {
      await bare.drop();
    }
    expect(() => serveTokens('0.0.0.0', { MAILTRAIL_API_TOKEN: ADMIN_TOKEN, MAILTRAIL_ADMIN_TOKEN: ADMIN_TOKEN }, true)).toThrow(/MAILTRAIL_ADMIN_TOKEN must differ from MAILTRAIL_API_TOKEN/);
    expect(serveTokens('127.0.0.1', { MAILTRAIL_ADMIN_TOKEN: ADMIN_TOKEN }, true)).toEqual([{ holder: 'admin', token: ADMIN_TOKEN }]);
    // Without --admin the admin token is not even read: serve stays read-only.
    expect(serveTokens('127.0.0.1', { MAILTRAIL_ADMIN_TOKEN: ADMIN_TOKEN })).toEqual([]);
  });

  it('runs the workflow engine with --admin: a classified event is executed; --no-worker leaves it off (issue 16)', async () => {
    const { rows: workflows } = await db.writable.query<{ id: number }>(
      `INSERT INTO email_workflows (name, classification_trigger, confidence_threshold, workflow_steps, priority)
       VALUES ('Serve engine', 'serve_engine', 0.5, '[{"action": "set_status", "params": {"status": "seen-by-serve"}}]', 1) RETURNING id`,
    );
    const logClassified = async () => {
      const { rows } = await db.writable.query<{ id: number }>(`INSERT INTO email_messages (subject, sender_email, status) VALUES ('x', 'a@b.dk', 'active') RETURNING id`);
      const emailId = rows[0]!.id;
      await db.writable.query(`SELECT log_email_event($1, 'classified', 'system', 'Classified', '{"classification": "serve_engine", "confidence": 0.9}'::jsonb, NULL, 'system')`, [emailId]);
      return emailId;
    };
    const statusOf = async (emailId: number) => (await db.writable.query<{ status: string }>('SELECT status FROM email_messages WHERE id = $1', [emailId])).rows[0]?.status;
    const executions = async (emailId: number) =>
      (await db.writable.query<{ status: string }>('SELECT status FROM email_workflow_executions WHERE email_id = $1 AND workflow_id = $2', [emailId, workflows[0]!.id])).rows;

    async function serving(extra: string[], work: (stderr: () => string) => Promise<void>) {
      const child = start(['serve', '--db', db.url, '--port', '0', '--admin', ...extra], { ...childEnv, MAILTRAIL_ADMIN_TOKEN: ADMIN_TOKEN });
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      try {
        await new Promise<string>((resolve, reject) => {
          createInterface({ input: child.stdout! }).once('line', resolve);
          void exited.then((code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
        });
        await work(() => stderr);
      } finally {
        child.kill('SIGTERM');
      }
      expect(await exited, stderr).toBe(0);
    }

    let seen = 0;
    await serving([], async (stderr) => {
      await expect.poll(stderr).toMatch(/the workflow engine runs here \(2 jobs at a time\); --no-worker leaves it off/);
      seen = await logClassified();
      await expect.poll(() => statusOf(seen), { timeout: 15_000 }).toBe('seen-by-serve');
      expect(await executions(seen)).toEqual([{ status: 'completed' }]);
    });

    await serving(['--no-worker'], async (stderr) => {
      const unseen = await logClassified();
      // Another round of a running watcher would have queued it by now (it rounds every 250 ms).
      const { rows: watcher } = await db.writable.query<{ watermark: string }>('SELECT watermark FROM mailtrail_workflow_watcher');
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(await executions(unseen)).toEqual([]);
      expect((await db.writable.query<{ watermark: string }>('SELECT watermark FROM mailtrail_workflow_watcher')).rows).toEqual(watcher);
      expect(stderr()).not.toMatch(/workflow engine runs here/);
    });
  });

  it('reads --admin and --admin-db, and refuses --admin-db without --admin', () => {
    expect(parseCommandLine(['serve', '--admin'])).toMatchObject({ admin: true, worker: true });
    expect(parseCommandLine(['serve', '--admin', '--no-worker'])).toMatchObject({ admin: true, worker: false });
    expect(parseCommandLine(['serve'])).toMatchObject({ admin: false, worker: false });
    expect(() => parseCommandLine(['serve', '--no-worker'])).toThrow(/--no-worker is for `serve --admin`/);
    expect(parseCommandLine(['serve', '--admin', '--admin-db', 'postgres://retention@primary/hub'])).toMatchObject({ admin: true, adminDb: 'postgres://retention@primary/hub' });
    expect(() => parseCommandLine(['serve', '--admin-db', 'postgres://retention@primary/hub'])).toThrow(/--admin-db is for `serve --admin`/);
    expect(() => parseCommandLine(['serve', '--admin', '--admin-db', 'mysql://x/y'])).toThrow(/^--admin-db: the database URL must start with postgres/);
  });
});
