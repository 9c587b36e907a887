import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCommandLine, UsageError } from '../../src-main/cli/command-line';
import { freePort } from '../../src-main/db/embedded';
import { loadMigrations } from '../../src-main/db/migrate';
import { createTestDatabase, type TestDatabase } from '../support/database';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

// No DATABASE_URL leaks in, and an embedded default could only land in a temporary folder.
const dataDir = mkdtempSync(join(tmpdir(), 'mailtrail-cli-'));
const childEnv = (() => {
  const env: NodeJS.ProcessEnv = { ...process.env, MAILTRAIL_DATA_DIR: dataDir };
  delete env.DATABASE_URL;
  return env;
})();

const start = (args: string[], env: NodeJS.ProcessEnv = childEnv): ChildProcess =>
  spawn(process.execPath, ['bin/mailtrail.js', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });

function mailtrail(args: string[], env?: NodeJS.ProcessEnv): Promise<Run> {
  const child = start(args, env);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

const lines = (text: string) => text.split('\n').filter((line) => line !== '');

/** One clear line on stderr, never a stack trace. */
function expectOneLineError(run: Run, code: number, pattern: RegExp) {
  expect(run.code, run.stderr).toBe(code);
  expect(lines(run.stderr)).toHaveLength(1);
  expect(run.stderr).toMatch(/^mailtrail: /);
  expect(run.stderr).toMatch(pattern);
  expect(run.stderr).not.toContain('    at ');
}

function withPassword(url: string, password: string): string {
  const parsed = new URL(url);
  parsed.password = password;
  return parsed.toString();
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** Starts `mailtrail serve` and resolves with its first stdout line, once it is listening. */
function serve(args: string[], env?: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; firstLine: string; stderr: () => string; exited: Promise<number | null> }> {
  const child = start(['serve', ...args], env);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  return new Promise((resolve, reject) => {
    const reader = createInterface({ input: child.stdout! });
    reader.once('line', (firstLine) => resolve({ child, firstLine, stderr: () => stderr, exited }));
    void exited.then((code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
}

describe('mailtrail migrate', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ migrated: false });
  });
  afterAll(() => db.drop());

  it('migrates a fresh database, then applies nothing the second time', async () => {
    const first = await mailtrail(['migrate', '--db', db.url]);
    expect(first.code, first.stderr).toBe(0);
    const names = loadMigrations().map((m) => m.name);
    expect(lines(first.stdout)).toEqual([
      ...names.map((name) => `applied ${name}`),
      expect.stringMatching(new RegExp(`^migrated PostgreSQL postgres@127\\.0\\.0\\.1:\\d+/mailtrail_test_\\w+: ${names.length} applied, 0 already applied$`)),
    ]);
    expect(first.stdout).not.toContain(new URL(db.url).password);
    const second = await mailtrail(['migrate'], { ...childEnv, DATABASE_URL: db.url });
    expect(second.code, second.stderr).toBe(0);
    expect(lines(second.stdout)).toEqual([expect.stringMatching(new RegExp(`: 0 applied, ${names.length} already applied$`))]);
  });

  it('fails in one line, without a stack trace, when the server is unreachable, the password wrong or the database missing', async () => {
    const closedPort = await freePort();
    const [unreachable, wrongPassword, missing] = await Promise.all([
      mailtrail(['migrate', '--db', `postgres://postgres:secret@127.0.0.1:${closedPort}/mailtrail`]),
      mailtrail(['migrate', '--db', withPassword(db.url, 'wrong-password')]),
      mailtrail(['migrate', '--db', withDatabase(db.url, 'no_such_database')]),
    ]);
    expectOneLineError(unreachable, 1, new RegExp(`cannot connect to PostgreSQL at postgres@127\\.0\\.0\\.1:${closedPort}/mailtrail: connection refused`));
    expectOneLineError(wrongPassword, 1, /refused the login: password authentication failed for user "postgres"; check the user and password/);
    expect(wrongPassword.stderr).not.toContain('wrong-password');
    expectOneLineError(missing, 1, /database "no_such_database" does not exist; create it or check the database name/);
  });
});

describe('usage errors', () => {
  it.each([
    [[], /missing command/],
    [['frobnicate'], /unknown command "frobnicate"; the commands are migrate, demo, serve, sync, retention, backup, roles, report, keygen, seal, verify, worker and help/],
    [['roles', '--db', 'mysql://x/y'], /--db: the database URL must start with postgres:\/\//],
    [['roles', 'extra'], /unexpected argument "extra" for `mailtrail roles`/],
    [['migrate', '--bogus'], /unknown option --bogus for `mailtrail migrate`/],
    [['migrate', '--db'], /option --db needs a value/],
    [['migrate', '--db', 'mysql://localhost/x'], /--db: the database URL must start with postgres:\/\//],
    [['demo', '--emails', 'many'], /--emails must be a whole number from 1 to \d+, not "many"/],
    [['demo', '--emails', '-5'], /option --emails needs a value/],
    [['demo', '--seed', '1.5'], /--seed must be a whole number/],
    [['demo', '--until', '2025-13-01'], /--until must be a date or date-time without zone such as 2025-01-01 or 2025-01-01T08:00, not "2025-13-01"/],
    [['demo', '--until', 'today'], /--until must be a date or date-time without zone/],
    [['serve', '--port', '70000'], /--port must be a whole number from 0 to 65535, not "70000"/],
    [['worker', '--concurrency', '0'], /--concurrency must be a whole number from 1 to 64, not "0"/],
    [['worker', 'extra'], /unexpected argument "extra" for `mailtrail worker`/],
    [['serve', '--port', '80a'], /--port must be a whole number/],
    [['serve', '--db', 'postgres://x/y', '--cache', 'c.sqlite'], /either --db or --cache, not both/],
    [['serve', 'extra'], /unexpected argument "extra"/],
    [['help', 'me'], /takes no arguments/],
    [['sync', '--db', 'mysql://x/y', '--cache', 'c.sqlite'], /--db: the database URL must start with postgres:\/\//],
    [['sync', '--db', 'postgres://x/y'], /sync needs --cache FILE/],
    [['sync', '--db', 'postgres://x/y', '--cache', 'c.sqlite', '--since', 'yesterday'], /--since must be a date or date-time without zone/],
    [['sync', '--db', 'postgres://x/y', '--cache', 'c.sqlite', '--bogus'], /unknown option --bogus for `mailtrail sync`/],
    [['keygen'], /keygen needs --out FILE/],
    [['seal', '--db', 'postgres://x/y'], /seal needs --key FILE/],
    [['seal', '--key', 'k', 'extra'], /unexpected argument "extra" for `mailtrail seal`/],
    [['verify', '--db', 'postgres://x/y', '--cache', 'c.sqlite'], /either --db or --cache, not both/],
    [['verify', 'report.jsonl', '--db', 'postgres://x/y'], /a report FILE to check, or --db \/ --cache .* to check the sealed log, not both/],
    [['verify', 'a.jsonl', 'b.jsonl'], /verify takes one report FILE/],
  ])('mailtrail %j is a usage error', (args, pattern) => {
    expect(() => parseCommandLine(args)).toThrow(UsageError);
    expect(() => parseCommandLine(args)).toThrow(pattern);
  });

  it('reads what the contract promises', () => {
    expect(parseCommandLine(['serve'])).toEqual({ command: 'serve', db: undefined, cache: undefined, host: '127.0.0.1', port: 8780, admin: false, adminDb: undefined, worker: false, backups: false });
    expect(parseCommandLine(['demo', '--db', 'postgres://h/d', '--emails', '1500000', '--seed', '42'])).toEqual({
      command: 'demo',
      db: 'postgres://h/d',
      emails: 1_500_000,
      seed: 42,
      until: undefined,
    });
  });

  it('reads demo --until, a date alone meaning the end of that day (issue 11, item 3)', () => {
    expect(parseCommandLine(['demo', '--until', '2025-06-30'])).toMatchObject({ until: '2025-06-30T23:59:59' });
    expect(parseCommandLine(['demo', '--until', '2025-06-30 08:15'])).toMatchObject({ until: '2025-06-30T08:15' });
  });

  it('exits 2 with one line on stderr, from the real command', async () => {
    const [unknown, badPort] = await Promise.all([mailtrail(['frobnicate']), mailtrail(['serve', '--port', '80a'])]);
    expectOneLineError(unknown, 2, /unknown command "frobnicate"/);
    expectOneLineError(badPort, 2, /--port must be a whole number from 0 to 65535, not "80a"/);
    expectOneLineError(await mailtrail(['demo', '--until', '2025-02-30']), 2, /--until must be a date or date-time without zone/);
  });

  it('prints the help with exit 0', async () => {
    const runs = await Promise.all([['help'], ['serve', '--help']].map((args) => mailtrail(args)));
    for (const run of runs) {
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^Usage: mailtrail <command>/);
      expect(run.stdout).toContain('serve [--db URL | --cache FILE] [--host H] [--port P]');
    }
  });

  it('says plainly that a missing offline cache must be synced first', async () => {
    expectOneLineError(await mailtrail(['serve', '--cache', 'audit.sqlite', '--port', '0']), 1, /audit\.sqlite does not exist or is empty; run `mailtrail sync/);
  });
});

describe('mailtrail serve and demo', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('demo writes a small, reproducible data set and says how much in its last line', async () => {
    const run = await mailtrail(['demo', '--db', db.url, '--emails', '25', '--seed', '7']);
    expect(run.code, run.stderr).toBe(0);
    const last = lines(run.stdout).at(-1) ?? '';
    const match = /^wrote 25 emails, (\d+) events and (\d+) users in \d+\.\d s$/.exec(last);
    expect(match, last).not.toBeNull();
    const { rows } = await db.readable.query<{ events: number; emails: number }>(
      'SELECT count(*)::int AS events, count(DISTINCT email_id)::int AS emails FROM email_activity_log',
    );
    expect(rows[0]).toEqual({ events: Number(match?.[1]), emails: 25 });
  });

  it('demo ends today by default, and the same seed and --until write the same data (issue 11, item 3)', async () => {
    const twin = await createTestDatabase();
    const other = await createTestDatabase();
    try {
      const untilArgs = ['--emails', '30', '--seed', '4', '--until', '2024-03-10T09:00:00'];
      const runs = await Promise.all([
        mailtrail(['demo', '--db', twin.url, ...untilArgs]),
        mailtrail(['demo', '--db', other.url, ...untilArgs]),
      ]);
      for (const run of runs) expect(run.code, run.stderr).toBe(0);
      const rowsOf = async (target: TestDatabase) =>
        (
          await target.readable.query(
            `SELECT id, email_id, event_type, description, metadata::text AS metadata, user_id, created_at FROM email_activity_log ORDER BY id`,
          )
        ).rows;
      const [a, b] = await Promise.all([rowsOf(twin), rowsOf(other)]);
      expect(a.length).toBeGreaterThan(100);
      expect(b).toEqual(a);
      const [range] = (await twin.readable.query<{ newest: string }>(`SELECT max(created_at)::text AS newest FROM email_activity_log`)).rows;
      expect(range!.newest <= '2024-03-10 09:00:00' && range!.newest >= '2024-02-25').toBe(true);
      // The demo of the earlier test ran without --until: its 25 emails (one every 15 days) end now, as the database sees it.
      const [today] = (
        await db.readable.query<{ recent: boolean }>(
          `SELECT max(created_at) BETWEEN LOCALTIMESTAMP - interval '15 days' AND LOCALTIMESTAMP AS recent FROM email_activity_log`,
        )
      ).rows;
      expect(today!.recent).toBe(true);
    } finally {
      await Promise.all([twin.drop(), other.drop()]);
    }
  });

  it('serve prints exactly "listening on http://127.0.0.1:PORT", answers the API, and stops cleanly on SIGTERM', async () => {
    const served = await serve(['--db', db.url, '--port', '0']);
    expect(served.firstLine).toMatch(/^listening on http:\/\/127\.0\.0\.1:\d+$/);
    const url = served.firstLine.slice('listening on '.length);
    const stats = await fetch(`${url}/api/v1/emails/activity/stats`);
    expect(stats.status).toBe(200);
    const body = (await stats.json()) as { count: number }[];
    expect(body.length).toBeGreaterThan(3);
    expect(body.every((stat) => typeof stat.count === 'number')).toBe(true);
    const recent = await fetch(`${url}/api/v1/emails/activity/recent?limit=50&event_type=error`);
    expect(recent.status).toBe(200);
    expect(served.stderr()).not.toContain(new URL(db.url).password);
    served.child.kill('SIGTERM');
    expect(await served.exited).toBe(0);
  });

  it('serve beyond loopback refuses to start without MAILTRAIL_API_TOKEN, in one line (issue 12, item 3)', async () => {
    const run = await mailtrail(['serve', '--db', db.url, '--host', '0.0.0.0', '--port', '0']);
    expectOneLineError(run, 1, /serve on 0\.0\.0\.0 is reachable from other machines, so it needs a token: set MAILTRAIL_API_TOKEN/);
    expect(run.stdout).toBe('');
    const weak = await mailtrail(['serve', '--db', db.url, '--host', '0.0.0.0', '--port', '0'], { ...childEnv, MAILTRAIL_API_TOKEN: 'abc' });
    expectOneLineError(weak, 1, /MAILTRAIL_API_TOKEN must be at least 16 printable characters/);
  });

  it('serve beyond loopback with MAILTRAIL_API_TOKEN answers 401 without the token and 200 with it (issue 12, item 3)', async () => {
    const token = 'cli-test-token-5f0d6a93b2c1';
    const served = await serve(['--db', db.url, '--host', '0.0.0.0', '--port', '0'], { ...childEnv, MAILTRAIL_API_TOKEN: token });
    expect(served.firstLine).toMatch(/^listening on http:\/\/0\.0\.0\.0:\d+$/);
    const port = new URL(served.firstLine.slice('listening on '.length)).port;
    const stats = `http://127.0.0.1:${port}/api/v1/emails/activity/stats`;
    const without = await fetch(stats);
    expect(without.status).toBe(401);
    expect(without.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(((await without.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    expect((await fetch(stats, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(200);
    expect(served.stderr()).toMatch(/every \/api\/ request needs Authorization: Bearer \$MAILTRAIL_API_TOKEN/);
    expect(served.stderr()).not.toContain(token);
    served.child.kill('SIGINT');
    expect(await served.exited).toBe(0);
  });

  it('serve refuses, in one line, a database without the log and a port already taken', async () => {
    const empty = await createTestDatabase({ migrated: false });
    try {
      expectOneLineError(await mailtrail(['serve', '--db', empty.url, '--port', '0']), 1, /has no email_timeline view; run `mailtrail migrate --db URL`/);
    } finally {
      await empty.drop();
    }
    const served = await serve(['--db', db.url, '--port', '0']);
    const port = new URL(served.firstLine.slice('listening on '.length)).port;
    expectOneLineError(await mailtrail(['serve', '--db', db.url, '--port', port]), 1, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use; choose another with --port`));
    served.child.kill('SIGTERM');
    await served.exited;
  });
});
