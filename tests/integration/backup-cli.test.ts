import { copyFileSync, mkdirSync, mkdtempSync, openSync, closeSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, writeSync, readSync } from 'node:fs';
import { open as openFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackupWriter, readRecords, type BackupRecord, type Footer } from '../../src-main/backup/backup-format';
import { runBackup } from '../../src-main/backup/backup-run';
import { MailtrailError } from '../../src-main/contract/errors';
import { openAdminDb, type AdminDb } from '../../src-main/db/connection';
import { runMailtrail } from '../support/cli';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { eventsSql } from '../support/retention-checks';

const dir = mkdtempSync(join(tmpdir(), 'mailtrail-backup-cli-'));
const databases: TestDatabase[] = [];
const admins: AdminDb[] = [];
afterAll(async () => {
  for (const admin of admins) await admin.end().catch(() => undefined);
  for (const db of databases) await db.drop();
  rmSync(dir, { recursive: true, force: true });
});

// No DATABASE_URL leaks in: every command names its database.
const env: NodeJS.ProcessEnv = { ...process.env, MAILTRAIL_DATA_DIR: join(dir, 'data') };
delete env.DATABASE_URL;
delete env.MAILTRAIL_ADMIN_DATABASE_URL;
const mailtrail = (args: string[]) => runMailtrail(args, env);

async function database(migrated = true): Promise<TestDatabase> {
  const db = await createTestDatabase({ migrated });
  databases.push(db);
  return db;
}

let source: TestDatabase;
let file: string;
const backups = join(dir, 'backups');

/** The records of a backup file, with its footer. */
async function records(path: string): Promise<{ records: BackupRecord[]; footer: Footer | null }> {
  const end = { footer: null as Footer | null, sha256: null as string | null, trailing: 0 };
  const all: BackupRecord[] = [];
  for await (const record of readRecords(path, end)) all.push({ ...record, payload: Buffer.from(record.payload) });
  return { records: all, footer: end.footer };
}

/** A well-formed backup file (valid footer and file hash) without one table's section, as a careless tool might write. */
async function writeWithout(from: string, to: string, table: string): Promise<void> {
  const { records: all } = await records(from);
  const handle = await openFile(to, 'w');
  const writer = new BackupWriter(handle);
  await writer.magic();
  let skipping = false;
  let manifestOffset = 0;
  for (const record of all) {
    if (record.kind === 'T') skipping = (JSON.parse(record.payload.toString()) as { name: string }).name === table;
    if (!skipping) {
      const offset = await writer.record(record.kind, record.payload);
      if (record.kind === 'M') manifestOffset = offset;
    }
    if (record.kind === 'E') skipping = false;
  }
  await writer.finish(manifestOffset);
  await handle.close();
}

beforeAll(async () => {
  source = await database();
  await source.writable.query(eventsSql(3000, 60, 120));
  await source.writable.query(`INSERT INTO users (username, email) VALUES ('auditor', 'auditor@example.com')`);
  await source.writable.query(`INSERT INTO mailtrail_legal_holds (email_id, reason, held_by) VALUES (5, 'audit', 'test')`);
  const key = join(dir, 'key');
  expect((await mailtrail(['keygen', '--out', key])).code).toBe(0);
  const sealed = await mailtrail(['seal', '--db', source.url, '--key', key]);
  expect(sealed.stderr).toBe('');
  const run = await mailtrail(['backup', 'run', '--db', source.url, '--to', backups]);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  expect(run.stdout).toMatch(/^wrote .*\.mtbackup: \d+ tables, 3,000 events, sealed chain to seq 3,000/);
  file = join(backups, readdirSync(backups)[0] as string);
}, 120_000);

describe('mailtrail backup run', () => {
  it.skipIf(process.platform === 'win32')('writes a file only its owner may read, in a folder only its owner may open', () => {
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(backups).mode & 0o777).toBe(0o700);
  });
});

describe('mailtrail backup verify', () => {
  it('says verified after a test restore, and exits 0', async () => {
    const run = await mailtrail(['backup', 'verify', file]);
    expect(run.stdout).toMatch(/^verified .*: checksums intact and a test restore matched; /);
    expect(run.code).toBe(0);
  }, 120_000);

  it('checks the checksums alone with --no-restore', async () => {
    const run = await mailtrail(['backup', 'verify', file, '--no-restore']);
    expect(run.stdout).toMatch(/^verified .*: checksums intact \(no test restore\)/);
    expect(run.code).toBe(0);
  });

  it('names a flipped byte inside the log', async () => {
    const { records: all } = await records(file);
    const logStart = all.findIndex((record) => record.kind === 'T' && record.payload.toString().includes('"email_activity_log"'));
    const block = all.slice(logStart).find((record) => record.kind === 'D') as BackupRecord;
    const damaged = join(dir, 'flipped.mtbackup');
    copyFileSync(file, damaged);
    const fd = openSync(damaged, 'r+');
    const at = block.offset + 5 + Math.floor(block.payload.length / 2);
    const byte = Buffer.alloc(1);
    readSync(fd, byte, 0, 1, at);
    byte[0] = (byte[0] as number) ^ 0x40;
    writeSync(fd, byte, 0, 1, at);
    closeSync(fd);
    const run = await mailtrail(['backup', 'verify', damaged]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/FAILED: table email_activity_log: the block at byte \d+ is corrupt .*a byte of the file changed/);
    expect(run.stdout).toMatch(/FAILED: the file's SHA-256 does not match its footer/);
    expect(run.stdout).toMatch(/NOT verified/);
  });

  it('names a truncated file', async () => {
    const cut = join(dir, 'truncated.mtbackup');
    writeFileSync(cut, readFileSync(file).subarray(0, Math.floor(statSync(file).size * 0.6)));
    const run = await mailtrail(['backup', 'verify', cut]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/FAILED: the file is truncated: it ends after .* before its manifest/);
    const list = await mailtrail(['backup', 'list', '--to', dir]);
    expect(list.stdout).toMatch(/truncated\.mtbackup {2}PROBLEM: truncated or unfinished: it has no footer/);
  });

  it('names a damaged footer and bytes added after it', async () => {
    const bytes = readFileSync(file);
    const footer = join(dir, 'footer.mtbackup');
    const damaged = Buffer.from(bytes);
    damaged[damaged.length - 45] = (damaged[damaged.length - 45] as number) ^ 0x01;
    writeFileSync(footer, damaged);
    const run = await mailtrail(['backup', 'verify', footer, '--no-restore']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/FAILED: the file's footer is damaged \(it does not begin with MTBEND01\)/);
    const longer = join(dir, 'longer.mtbackup');
    writeFileSync(longer, Buffer.concat([bytes, Buffer.from('x')]));
    const appended = await mailtrail(['backup', 'verify', longer, '--no-restore']);
    expect(appended.code).toBe(1);
    expect(appended.stdout).toMatch(/FAILED: the file has 1 unexpected bytes after its manifest and footer/);
  });

  it('names a missing table', async () => {
    const crafted = join(dir, 'missing.mtbackup');
    await writeWithout(file, crafted, 'mailtrail_legal_holds');
    const run = await mailtrail(['backup', 'verify', crafted, '--no-restore']);
    expect(run.code).toBe(1);
    expect(run.stdout.trim().split('\n')).toEqual([
      'FAILED: table mailtrail_legal_holds: the manifest lists 1 rows, but its section is missing from the file',
      `NOT verified ${crafted}: 1 problem`,
    ]);
  });

  it('says a missing file is missing', async () => {
    const run = await mailtrail(['backup', 'verify', join(dir, 'nope.mtbackup')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^mailtrail: .*nope\.mtbackup: no such file/);
  });
});

describe('mailtrail backup restore', () => {
  it('restores into an empty database, which then verifies with mailtrail verify --db', async () => {
    const target = await database(false);
    const run = await mailtrail(['backup', 'restore', file, '--db', target.url]);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^restored .*: \d+ tables, [\d,]+ rows \(3,000 events\), rollups recounted/);
    expect(run.code).toBe(0);
    const verified = await mailtrail(['verify', '--db', target.url]);
    expect(verified.stdout).toMatch(/verified: intact; .*3,000 sealed events checked/);
    expect(verified.code).toBe(0);
  }, 120_000);

  it('refuses a database with events, and replaces it with --force', async () => {
    const target = await database();
    await target.writable.query(eventsSql(10, 2, 3));
    const refused = await mailtrail(['backup', 'restore', file, '--db', target.url]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^mailtrail: the database is not empty: email_activity_log holds 10 rows; restore into an empty database, or add --force/);
    expect(Number((await target.writable.query('SELECT count(*) AS n FROM email_activity_log')).rows[0].n)).toBe(10);
    const forced = await mailtrail(['backup', 'restore', file, '--db', target.url, '--force']);
    expect(forced.code).toBe(0);
    expect(Number((await target.writable.query('SELECT count(*) AS n FROM email_activity_log')).rows[0].n)).toBe(3000);
    const { rows } = await target.writable.query(`SELECT action, outcome FROM mailtrail_admin_journal WHERE action = 'backup.restore' ORDER BY id`);
    expect(rows.at(-1)).toEqual({ action: 'backup.restore', outcome: 'succeeded' });
  }, 120_000);

  it('refuses a damaged file before changing anything', async () => {
    const target = await database();
    const run = await mailtrail(['backup', 'restore', join(dir, 'flipped.mtbackup'), '--db', target.url]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/corrupt|changed/);
    expect(Number((await target.writable.query('SELECT count(*) AS n FROM email_activity_log')).rows[0].n)).toBe(0);
  }, 60_000);
});

describe('mailtrail backup run failures', () => {
  it('fails on an unreachable database, exit 1, and leaves no file', async () => {
    const to = join(dir, 'unreachable');
    const run = await mailtrail(['backup', 'run', '--db', 'postgres://nobody:secret@127.0.0.1:1/hub', '--to', to]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^mailtrail: cannot connect to PostgreSQL at nobody@127\.0\.0\.1:1\/hub/);
    expect(run.stderr).not.toContain('secret');
    mkdirSync(to, { recursive: true });
    expect(readdirSync(to)).toEqual([]);
  });

  it('leaves no file when cancelled part way', async () => {
    const to = join(dir, 'cancelled');
    const admin = openAdminDb(source.url);
    admins.push(admin);
    const controller = new AbortController();
    const failure = await runBackup({ db: admin, toDir: to, signal: controller.signal, onProgress: (progress) => progress.table === 'email_activity_log' && controller.abort() }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(MailtrailError);
    expect((failure as Error).message).toMatch(/cancelled; no file was kept/);
    expect(readdirSync(to)).toEqual([]);
    const { rows } = await source.writable.query(`SELECT outcome FROM mailtrail_admin_journal WHERE action = 'backup.run' ORDER BY id DESC LIMIT 1`);
    expect(rows).toEqual([{ outcome: 'failed' }]);
  });
});

describe('mailtrail backup list', () => {
  it('lists the backups newest first with size and events', async () => {
    const run = await mailtrail(['backup', 'list', '--to', backups]);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^made \(UTC\) +size +events +file$/);
    expect(lines[1]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC +[\d.]+ KB +3,000 +mailtrail-.*\.mtbackup$/);
  });
});

describe('mailtrail backup usage', () => {
  it.each([
    [['backup'], /backup needs one of run, verify, restore, list \(missing\)/],
    [['backup', 'frob'], /backup needs one of run, verify, restore, list \(unknown: "frob"\)/],
    [['backup', 'run'], /backup run needs --to DIR/],
    [['backup', 'run', '--to', 'x', '--db', 'mysql://x'], /--db: the database URL must start with postgres:\/\//],
    [['backup', 'verify'], /backup verify needs one backup FILE/],
    [['backup', 'restore', 'x.mtbackup'], /backup restore needs --db URL/],
    [['backup', 'list'], /backup list needs --to DIR/],
    [['backup', 'list', '--to', 'x', '--frob'], /unknown option --frob for `mailtrail backup list`/],
  ])('%j exits 2 with one line', async (args, message) => {
    const run = await mailtrail(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });
});
