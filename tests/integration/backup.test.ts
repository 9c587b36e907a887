import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLOCK_BYTES } from '../../src-main/backup/backup-format';
import { listBackups } from '../../src-main/backup/backup-list';
import { restoreBackup } from '../../src-main/backup/backup-restore';
import { runBackup, type BackupResult } from '../../src-main/backup/backup-run';
import { verifyBackup } from '../../src-main/backup/backup-verify';
import { MailtrailError } from '../../src-main/contract/errors';
import { openAdminDb, openWritableDb, type AdminDb } from '../../src-main/db/connection';
import { loadMigrations, migrate } from '../../src-main/db/migrate';
import { fillDemo } from '../../src-main/demo/demo';
import { generateSigningKey, loadSigningKey } from '../../src-main/integrity/keys';
import { createEmailActivityLogger } from '../../src-main/logger/email-activity-logger';
import { seal, verify } from '../../src-main/service/integrity-service';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { eventsSql, expectRollupsEqualRecount } from '../support/retention-checks';

const dir = mkdtempSync(join(tmpdir(), 'mailtrail-backup-'));
const open: TestDatabase[] = [];
const admins: AdminDb[] = [];
afterAll(async () => {
  for (const admin of admins) await admin.end().catch(() => undefined);
  for (const db of open) await db.drop();
  rmSync(dir, { recursive: true, force: true });
});

async function database(migrated = true): Promise<{ db: TestDatabase; admin: AdminDb }> {
  const db = await createTestDatabase({ migrated });
  open.push(db);
  const admin = openAdminDb(db.url);
  admins.push(admin);
  return { db, admin };
}

/** Every row of a table, as one digest: equal digests mean equal contents, whatever the physical order. */
async function tableDigest(db: TestDatabase, table: string): Promise<{ rows: number; md5: string | null }> {
  const { rows } = await db.writable.query<{ rows: string; md5: string | null }>(
    `SELECT count(*) AS rows, md5(string_agg(t::text, E'\\n' ORDER BY t::text)) AS md5 FROM "${table}" t`,
  );
  return { rows: Number(rows[0]?.rows), md5: rows[0]?.md5 ?? null };
}

let source: { db: TestDatabase; admin: AdminDb };
let backup: BackupResult;
const backupsDir = join(dir, 'backups');
const keyFile = join(dir, 'seal-key');

beforeAll(async () => {
  source = await database();
  // A demo year, some of it archived, a legal hold, a sealed chain over it all: enough events that the log
  // and the chain's entries (hashes, Huffman-coded after their first block) each span more than one block.
  const writer = openWritableDb(source.db.url, { max: 6 });
  await fillDemo(writer, { emails: 1500, seed: 7, until: '2026-06-30T12:00:00' });
  await writer.end();
  await source.db.writable.query(`
    WITH moved AS (DELETE FROM email_activity_log WHERE id % 5 = 0 RETURNING *)
    INSERT INTO email_activity_log_archive SELECT * FROM moved`);
  await source.db.writable.query(`INSERT INTO mailtrail_legal_holds (email_id, reason, held_by) VALUES (3, 'litigation', 'test')`);
  generateSigningKey(keyFile);
  await seal(source.admin, { key: loadSigningKey(keyFile), actor: 'test' });
  backup = await runBackup({ db: source.admin, toDir: backupsDir });
});

describe('backup run', () => {
  it('writes one finished file named by database and time, and no part file', () => {
    expect(backup.file).toMatch(/mailtrail-mailtrail_test_[0-9a-f]+-\d{8}T\d{6}\.\d{3}Z\.mtbackup$/);
    expect(readdirSync(backupsDir)).toEqual([backup.file.split(/[\\/]/).at(-1)]);
    expect(backup.bytes).toBeGreaterThan(1000);
  });

  it('lists every table with its rows, the schema version and the chain head, and no rollup', async () => {
    const names = backup.manifest.tables.map((table) => table.name);
    for (const name of ['users', 'email_messages', 'email_activity_log', 'email_activity_log_archive', 'mailtrail_integrity_entries', 'mailtrail_integrity_checkpoints', 'mailtrail_legal_holds', 'mailtrail_admin_journal', 'email_workflows']) {
      expect(names).toContain(name);
    }
    expect(names.some((name) => name.endsWith('_rollup'))).toBe(false);
    expect(names).not.toContain('mailtrail_migrations');
    const log = backup.manifest.tables.find((table) => table.name === 'email_activity_log');
    expect(log?.rows).toBe((await tableDigest(source.db, 'email_activity_log')).rows);
    // More than one block each, so the restore below round-trips blocks after the first (Huffman-coded for the entries).
    for (const name of ['email_activity_log', 'mailtrail_integrity_entries']) {
      expect(backup.manifest.tables.find((table) => table.name === name)?.bytes, name).toBeGreaterThan(BLOCK_BYTES);
    }
    expect(backup.manifest.schema_version).toMatch(/^\d{4}_/);
    expect(backup.manifest.chain_head?.sequence).toBeGreaterThan(0);
    expect(backup.manifest.source).not.toMatch(/:[^@/]*@.*:[^@/]*@/);
  });

  it('is journaled as backup.run', async () => {
    const { rows } = await source.db.writable.query(`SELECT outcome FROM mailtrail_admin_journal WHERE action = 'backup.run'`);
    expect(rows).toEqual([{ outcome: 'succeeded' }]);
  });
});

describe('backup verify', () => {
  it('checks the checksums and a test restore', async () => {
    const result = await verifyBackup(backup.file);
    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.restoreTested).toBe(true);
  }, 180_000);
});

describe('backup restore', () => {
  it('round-trips every table into a fresh database, rollups recounted, the sealed log verifying', async () => {
    const target = await database(false);
    const restored = await restoreBackup(backup.file, { db: target.admin });
    expect(restored.tables.map((table) => table.name)).toEqual(backup.manifest.tables.map((table) => table.name));
    for (const table of backup.manifest.tables) {
      if (table.name === 'mailtrail_admin_journal') continue;
      expect(await tableDigest(target.db, table.name), table.name).toEqual(await tableDigest(source.db, table.name));
    }
    await expectRollupsEqualRecount(target.db, 'log');
    await expectRollupsEqualRecount(target.db, 'archive');
    // The indexes restore dropped for the copy are all built again.
    const indexes = (db: TestDatabase) => db.writable.query(`SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1`).then((r) => r.rows);
    expect(await indexes(target.db)).toEqual(await indexes(source.db));
    const report = await verify(target.db.readable, {});
    expect(report.failures).toEqual([]);
    expect(report.intact).toBe(true);
    // The backup's journal, then this restore's own entry.
    const { rows } = await target.db.writable.query(`SELECT action, outcome FROM mailtrail_admin_journal ORDER BY id DESC LIMIT 1`);
    expect(rows).toEqual([{ action: 'backup.restore', outcome: 'succeeded' }]);
    // Sealing goes on from the restored chain. Its checkpoints keep the source cluster's transaction
    // ids, which can only make the next seal read more of the log, never seal an open transaction's events.
    await createEmailActivityLogger(target.db.writable).log(3, 'note', 'user', 'Logged after the restore', { note: 'restored' });
    const sealed = await seal(target.admin, { key: loadSigningKey(keyFile), actor: 'test' });
    expect(sealed.sealed).toBe(1);
    const after = await verify(target.db.readable, {});
    expect(after.failures).toEqual([]);
    expect(after.events_checked).toBe(report.events_checked + 1);
  }, 120_000);

  it('refuses a database with events unless forced', async () => {
    await expect(restoreBackup(backup.file, { db: source.admin })).rejects.toThrow(/not empty: .*email_activity_log/);
    await expect(restoreBackup(backup.file, { db: source.admin })).rejects.toBeInstanceOf(MailtrailError);
  });
});

describe('backup list', () => {
  it('lists the backups newest first with their manifests', async () => {
    const listing = await listBackups(backupsDir);
    expect(listing[0]?.file).toBe(backup.file);
    expect(listing[0]?.manifest?.tables.length).toBe(backup.manifest.tables.length);
    expect(listing[0]?.problem).toBeNull();
  });
});

describe('a hub database with only the seed\'s schema', () => {
  it('backs up what it has, names what it lacks, and restores into a Mailtrail database', async () => {
    const hub = await database(false);
    // The seed's tables alone (migrations 0001 and 0002), and no record of any migration.
    await migrate(hub.db.writable, loadMigrations().filter((migration) => migration.name < '0003'));
    await hub.db.writable.query('DROP TABLE mailtrail_migrations');
    await hub.db.writable.query(eventsSql(500, 20, 30));
    const result = await runBackup({ db: hub.admin, toDir: join(dir, 'hub') });
    expect(result.manifest.schema_version).toBe('none');
    expect(result.manifest.chain_head).toBeNull();
    expect(result.manifest.absent_tables).toEqual(expect.arrayContaining(['mailtrail_integrity_entries', 'mailtrail_admin_journal', 'mailtrail_legal_holds']));
    expect(result.manifest.tables.map((table) => table.name)).toEqual(expect.arrayContaining(['users', 'email_messages', 'email_activity_log', 'email_activity_log_archive']));
    expect((await verifyBackup(result.file, { restoreTest: false })).problems).toEqual([]);

    const target = await database(false);
    await restoreBackup(result.file, { db: target.admin });
    expect(await tableDigest(target.db, 'email_activity_log')).toEqual(await tableDigest(hub.db, 'email_activity_log'));
    await expectRollupsEqualRecount(target.db, 'log');
    // What the migrations seed and the backup does not hold stays: the default retention policy.
    expect((await tableDigest(target.db, 'mailtrail_retention_policy')).rows).toBe(1);
    // The id sequence continues after the restored events.
    const { rows } = await target.db.writable.query(`INSERT INTO email_activity_log (email_id, event_type, event_category, description) VALUES (1, 'read', 'user', 'after the restore') RETURNING id`);
    expect(rows[0].id).toBe(501);
  }, 120_000);
});

describe('the admin pool', () => {
  it('may hold a single connection: the journal writes before the backup takes it', async () => {
    const single = openAdminDb(source.db.url, { max: 1 });
    admins.push(single);
    const result = await runBackup({ db: single, toDir: join(dir, 'single') });
    expect(result.manifest.tables.length).toBe(backup.manifest.tables.length);
  });
});
