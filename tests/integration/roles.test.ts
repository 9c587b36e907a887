import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testAdminConnection } from '../../src-main/admin/admin-connection-check';
import { runBackup } from '../../src-main/backup/backup-run';
import { verifyBackup } from '../../src-main/backup/backup-verify';
import { runRoles } from '../../src-main/cli/roles.command';
import { openAdminDb, openReadableDb, openWritableDb, type AdminDb, type ReadableDb } from '../../src-main/db/connection';
import { migrate } from '../../src-main/db/migrate';
import { ADMIN_ROLE, VIEWER_ROLE } from '../../src-main/db/roles';
import { createRetentionService, type RetentionApi } from '../../src-main/service/retention-service';
import { createWorkflowsService } from '../../src-main/service/workflows-service';
import { generateSigningKey, loadSigningKey } from '../../src-main/integrity/keys';
import { seal, verify } from '../../src-main/service/integrity-service';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { insertEmail, settledExecutions } from '../support/workflows';
import { startWorkflowEngine } from '../../src-main/workflows/engine';

/** A fresh Ed25519 key in a temporary folder. */
function sealingKey() {
  const file = join(mkdtempSync(join(tmpdir(), 'mailtrail-roles-key-')), 'seal');
  generateSigningKey(file);
  return loadSigningKey(file);
}

interface RolesJson {
  database: string;
  viewer: { role: string; created: boolean; password_changed: boolean; url: string };
  admin: { role: string; created: boolean; password_changed: boolean; url: string };
}

async function roles(db: string, env: NodeJS.ProcessEnv = {}): Promise<RolesJson> {
  const out: string[] = [];
  const code = await runRoles({ db, json: true }, { out: (line) => out.push(line), note: () => undefined }, env);
  expect(code).toBe(0);
  return JSON.parse(out.join('\n')) as RolesJson;
}

/** The real command, as a child process (the built CLI). */
function mailtrail(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env };
    delete env.MAILTRAIL_VIEWER_PASSWORD;
    delete env.MAILTRAIL_ADMIN_PASSWORD;
    const child = spawn(process.execPath, ['bin/mailtrail.js', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** One statement on its own connection as `url`'s role; the SQLSTATE it failed with, or null. */
async function failureOf(url: string, statement: string, setup: string[] = []): Promise<string | null> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const text of setup) await client.query(text);
    await client.query(statement);
    return null;
  } catch (error) {
    return (error as { code?: string }).code ?? 'unknown';
  } finally {
    await client.end();
  }
}

/** What the two roles are and may do, to compare before and after a rerun. */
async function rights(db: TestDatabase) {
  const { rows } = await db.writable.query(
    `SELECT grantee, table_name, privilege_type FROM information_schema.role_table_grants
     WHERE grantee IN ($1, $2) ORDER BY 1, 2, 3`,
    [VIEWER_ROLE, ADMIN_ROLE],
  );
  const attributes = await db.writable.query(
    `SELECT rolname, rolsuper, rolcreaterole, rolcreatedb, rolinherit, rolcanlogin, rolconfig FROM pg_roles WHERE rolname IN ($1, $2) ORDER BY 1`,
    [VIEWER_ROLE, ADMIN_ROLE],
  );
  return { grants: rows, attributes: attributes.rows };
}

const MAILTRAIL_TABLES = [
  'email_activity_log',
  'email_activity_log_archive',
  'email_activity_daily_rollup',
  'email_activity_hourly_rollup',
  'email_workflow_duration_rollup',
  'email_workflow_duration_hourly_rollup',
  'email_activity_archive_daily_rollup',
  'email_activity_archive_hourly_rollup',
  'email_workflow_archive_duration_rollup',
  'email_workflow_archive_duration_hourly_rollup',
  'mailtrail_admin_journal',
  'mailtrail_retention_policy',
  'mailtrail_legal_holds',
  'mailtrail_retention_runs',
  'mailtrail_retention_detached',
  'mailtrail_integrity_entries',
  'mailtrail_integrity_checkpoints',
  'mailtrail_integrity_keys',
  'mailtrail_integrity_purged',
];

describe('mailtrail roles (issue 13, item 1)', () => {
  let db: TestDatabase;
  let first: RolesJson;
  let urls: { viewer: string; admin: string };

  beforeAll(async () => {
    db = await createTestDatabase();
    // 400 emails over 120 days: some older than the purge cutoff, more than the archive cutoff.
    await db.writable.query(`
      INSERT INTO email_activity_log (email_id, event_type, event_category, description, created_at, created_by)
      SELECT 1 + g % 400, (ARRAY['fetched','classified','read'])[1 + g % 3], (ARRAY['system','system','user'])[1 + g % 3],
             'event ' || g, LOCALTIMESTAMP - make_interval(hours => g % 2880), 'system'
      FROM generate_series(1, 4000) g`);
    first = await roles(db.url);
    const passwords = { MAILTRAIL_VIEWER_PASSWORD: 'viewer pass/with:odd@chars', MAILTRAIL_ADMIN_PASSWORD: 'admin-pass-7' };
    const second = await roles(db.url, passwords);
    urls = { viewer: second.viewer.url, admin: second.admin.url };
  });
  afterAll(() => db?.drop());

  it('creates both roles, a new one with a generated password shown once in its URL', () => {
    for (const role of [first.viewer, first.admin]) {
      expect(role.password_changed).toBe(role.created);
      if (role.created) expect(new URL(role.url).password.length).toBeGreaterThanOrEqual(24);
    }
    expect(new URL(urls.viewer).username).toBe(VIEWER_ROLE);
    expect(new URL(urls.admin).username).toBe(ADMIN_ROLE);
    expect(decodeURIComponent(new URL(urls.viewer).password)).toBe('viewer pass/with:odd@chars');
  });

  it('gives neither role superuser, ownership or role rights, and sets their timeouts as a floor', async () => {
    const { attributes } = await rights(db);
    for (const role of attributes as { rolsuper: boolean; rolcreaterole: boolean; rolcreatedb: boolean; rolcanlogin: boolean }[]) {
      expect(role).toMatchObject({ rolsuper: false, rolcreaterole: false, rolcreatedb: false, rolcanlogin: true });
    }
    const viewer = new pg.Client({ connectionString: urls.viewer });
    await viewer.connect();
    const settings = await viewer.query(`SELECT current_setting('default_transaction_read_only') AS ro, current_setting('statement_timeout') AS st`);
    await viewer.end();
    expect(settings.rows[0]).toEqual({ ro: 'on', st: '15s' });
    const admin = new pg.Client({ connectionString: urls.admin });
    await admin.connect();
    const floor = await admin.query(`SELECT current_setting('lock_timeout') AS lt, current_setting('statement_timeout') AS st`);
    const owned = await admin.query(`SELECT COUNT(*)::int AS n FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)`);
    await admin.end();
    expect(floor.rows[0]).toEqual({ lt: '5s', st: '1min' });
    expect(owned.rows[0]).toEqual({ n: 0 });
  });

  it('lets the viewer read but not INSERT, UPDATE, DELETE or TRUNCATE anything, even with read-only off', async () => {
    expect(await failureOf(urls.viewer, 'SELECT COUNT(*) FROM email_timeline')).toBeNull();
    expect(await failureOf(urls.viewer, `INSERT INTO mailtrail_legal_holds (email_id, reason, held_by) VALUES (1, 'x', 'v')`)).toBe('25006');
    const writable = ['SET default_transaction_read_only = off'];
    for (const table of MAILTRAIL_TABLES) {
      expect(await failureOf(urls.viewer, `SELECT * FROM ${table} LIMIT 1`), `select ${table}`).toBeNull();
      expect(await failureOf(urls.viewer, `INSERT INTO ${table} DEFAULT VALUES`, writable), `insert ${table}`).toBe('42501');
      const column = (await db.writable.query<{ name: string }>(
        `SELECT column_name AS name FROM information_schema.columns WHERE table_name = $1 AND is_identity = 'NO' ORDER BY ordinal_position LIMIT 1`, [table])).rows[0]?.name;
      expect(await failureOf(urls.viewer, `UPDATE ${table} SET ${column} = ${column}`, writable), `update ${table}`).toBe('42501');
      expect(await failureOf(urls.viewer, `DELETE FROM ${table}`, writable), `delete ${table}`).toBe('42501');
      expect(await failureOf(urls.viewer, `TRUNCATE ${table}`, writable), `truncate ${table}`).toBe('42501');
    }
    expect(await failureOf(urls.viewer, `SELECT log_email_event(1, 'read', 'user', 'x', NULL, NULL, 'v')`, writable)).toBe('42501');
  });

  describe('the admin role', () => {
    let admin: AdminDb;
    let viewer: ReadableDb;
    let retention: RetentionApi;

    beforeAll(() => {
      admin = openAdminDb(urls.admin);
      viewer = openReadableDb(urls.viewer);
      retention = createRetentionService({ viewer, admin, actor: () => 'roles-test' });
    });
    afterAll(async () => {
      await retention?.close();
      await admin?.end();
      await viewer?.end();
    });

    it('backs up every table as the admin role (issue 17)', async () => {
      const backup = await runBackup({ db: admin, toDir: mkdtempSync(join(tmpdir(), 'mailtrail-roles-backup-')), actor: 'roles-test backup' });
      expect(backup.manifest.tables.find((table) => table.name === 'email_activity_log')?.rows).toBe(4000);
      expect(backup.manifest.tables.map((table) => table.name)).toContain('users');
      expect(backup.manifest.schema_version).toMatch(/^\d{4}_/);
      expect((await verifyBackup(backup.file, { restoreTest: false })).problems).toEqual([]);
    });

    it('seals as the admin role, which may append to the chain; the viewer verifies it (issue 15)', async () => {
      const sealed = await seal(admin, { key: sealingKey(), actor: 'roles-test' });
      expect(sealed.sealed).toBe(4000);
      expect(await verify(viewer)).toMatchObject({ intact: true, events_checked: 4000 });
    });

    it('places and releases holds and runs retention to the end, rollups equal to a recount', async () => {
      await retention['retention/set-policy']({ archiveAfterDays: 30, purgeAfterDays: 90 });
      await retention['retention/hold']({ emailId: 7, reason: 'litigation' });
      const result = await retention.runToEnd({});
      expect(result.status).toBe('succeeded');
      expect(result.archive.events).toBeGreaterThan(0);
      expect(result.purge.events).toBeGreaterThan(0);
      const old = await db.writable.query<{ n: number }>(
        `SELECT COUNT(*)::int AS n FROM email_activity_log WHERE created_at < LOCALTIMESTAMP - INTERVAL '31 days' AND email_id <> 7`,
      );
      expect(old.rows[0]?.n).toBe(0);
      const held = await db.writable.query<{ n: number }>(`SELECT COUNT(*)::int AS n FROM email_activity_log WHERE email_id = 7`);
      expect(held.rows[0]?.n).toBe(10);
      const rollup = await db.writable.query<{ recount: number; rollup: number }>(
        `SELECT (SELECT COUNT(*)::int FROM email_activity_log) AS recount, (SELECT SUM(count)::int FROM email_activity_daily_rollup) AS rollup`,
      );
      expect(rollup.rows[0]?.rollup).toBe(rollup.rows[0]?.recount);
      // The archive's rollups (0009) are written by its triggers as the admin role, and stay a recount too.
      const archived = await db.writable.query<{ recount: number; rollup: number }>(
        `SELECT (SELECT COUNT(*)::int FROM email_activity_log_archive) AS recount, (SELECT COALESCE(SUM(count), 0)::int FROM email_activity_archive_daily_rollup) AS rollup`,
      );
      expect(archived.rows[0]?.recount).toBeGreaterThan(0);
      expect(archived.rows[0]?.rollup).toBe(archived.rows[0]?.recount);
      await retention['retention/release']({ emailId: 7 });
      const journal = await db.writable.query<{ action: string; outcome: string }>(
        `SELECT action, outcome FROM mailtrail_admin_journal WHERE actor = 'roles-test' ORDER BY id`,
      );
      expect(journal.rows.map((row) => `${row.action}:${row.outcome}`)).toEqual([
        'integrity.seal:succeeded',
        'retention.policy:succeeded',
        'retention.hold:succeeded',
        'retention.run:succeeded',
        'retention.release:succeeded',
      ]);
    });

    it('records the seam of its purges, so the sealed log still verifies; it cannot change the chain (issue 15)', async () => {
      const report = await verify(viewer);
      expect(report.failures).toEqual([]);
      expect(report.purged).toBeGreaterThan(0);
      expect(report.events_checked + report.purged).toBe(4000);
      expect(await failureOf(urls.admin, `UPDATE mailtrail_integrity_entries SET leaf_hash = chain_hash`)).toBe('42501');
      expect(await failureOf(urls.admin, 'DELETE FROM mailtrail_integrity_checkpoints')).toBe('42501');
      expect(await failureOf(urls.admin, 'DELETE FROM mailtrail_integrity_purged')).toBe('42501');
    });

    it('cannot UPDATE an event, DROP or ALTER a table, or TRUNCATE the log', async () => {
      expect(await failureOf(urls.admin, `UPDATE email_activity_log SET description = 'changed'`)).toBe('42501');
      expect(await failureOf(urls.admin, `UPDATE email_activity_log_archive SET description = 'changed'`)).toBe('42501');
      expect(await failureOf(urls.admin, 'DROP TABLE email_activity_log')).toBe('42501');
      expect(await failureOf(urls.admin, 'DROP TABLE mailtrail_admin_journal')).toBe('42501');
      expect(await failureOf(urls.admin, 'ALTER TABLE email_activity_log ADD COLUMN x INT')).toBe('42501');
      expect(await failureOf(urls.admin, 'TRUNCATE email_activity_log')).toBe('42501');
      expect(await failureOf(urls.admin, 'TRUNCATE email_activity_log_archive')).toBe('42501');
      // The workflow engine logs its steps' events through the admin connection (issue 16): it may add events, never change them.
      expect(await failureOf(urls.admin, `INSERT INTO email_activity_log (email_id, event_type, event_category, description) VALUES (1, 'read', 'user', 'x')`, ['BEGIN'])).toBeNull();
      expect(await failureOf(urls.admin, 'SELECT id FROM email_activity_log LIMIT 1 FOR UPDATE')).toBe('42501');
    });
  });

  it('is what the desktop\'s admin-connection test calls ready; the viewer is not (issue 13, item 2)', async () => {
    await expect(testAdminConnection(urls.admin)).resolves.toMatchObject({ user: ADMIN_ROLE, ready: true });
    const viewer = await testAdminConnection(urls.viewer);
    expect(viewer).toMatchObject({ user: VIEWER_ROLE, ready: false });
    expect(viewer.message).toMatch(/may not write the admin journal, archive and purge events, place and release legal holds, record retention runs: use the role that `mailtrail roles` makes/);
  });

  it('changes nothing when run again, and the passwords set before still log in', async () => {
    // A later migration's table: readable by the viewer at once (default privileges), and after the rerun.
    await db.writable.query('CREATE TABLE mailtrail_later_feature (id INTEGER)');
    expect(await failureOf(urls.viewer, 'SELECT * FROM mailtrail_later_feature')).toBeNull();
    const before = await rights(db);
    const run = await mailtrail(['roles', '--db', db.url, '--json']);
    expect(run.code, run.stderr).toBe(0);
    const again = JSON.parse(run.stdout) as RolesJson;
    expect([again.viewer.created, again.viewer.password_changed, again.admin.created, again.admin.password_changed]).toEqual([false, false, false, false]);
    // Mailtrail does not know a password it did not set now: the URL comes without one.
    expect(new URL(again.admin.url).password).toBe('');
    expect(await rights(db)).toEqual(before);
    expect(await failureOf(urls.viewer, 'SELECT * FROM mailtrail_later_feature')).toBeNull();
    expect(await failureOf(urls.admin, 'SELECT * FROM mailtrail_later_feature')).toBe('42501');
    const text = await mailtrail(['roles', '--db', db.url]);
    expect(text.stdout).toMatch(/^mailtrail_viewer: updated, password unchanged \(set MAILTRAIL_VIEWER_PASSWORD to change it\); viewer \(read-only\): postgres:\/\/mailtrail_viewer@/m);
    expect(text.stdout).toMatch(/^mailtrail_admin: updated, password unchanged \(set MAILTRAIL_ADMIN_PASSWORD to change it\); admin \(retention, holds\): postgres:\/\/mailtrail_admin@/m);
    expect(await failureOf(urls.admin, 'SELECT 1')).toBeNull();
  });

  it('brings the grants up to date after migrate, where the roles exist, passwords untouched', async () => {
    const right = `SELECT has_table_privilege('${ADMIN_ROLE}', 'email_activity_archive_hourly_rollup', 'INSERT') AS granted`;
    // As after a migration that made a table the roles do not know yet.
    await db.writable.query(`REVOKE ALL ON email_activity_archive_hourly_rollup FROM ${ADMIN_ROLE}`);
    expect((await db.writable.query(right)).rows[0]?.granted).toBe(false);
    const migrated = await mailtrail(['migrate', '--db', db.url]);
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(migrated.stderr).toMatch(/updated the grants of mailtrail_viewer and mailtrail_admin/);
    expect((await db.writable.query(right)).rows[0]?.granted).toBe(true);
    const admin = new pg.Client({ connectionString: urls.admin });
    await admin.connect();
    await admin.end();
  });

  it('says in one line what is needed when the connecting role may not CREATE ROLE', async () => {
    await db.writable.query(`DO $$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'mailtrail_roles_test_plain') THEN CREATE ROLE mailtrail_roles_test_plain LOGIN PASSWORD 'plain'; END IF;
    END $$`);
    const plain = new URL(db.url);
    plain.username = 'mailtrail_roles_test_plain';
    plain.password = 'plain';
    const failure = await mailtrail(['roles', '--db', plain.toString()]);
    expect(failure.code).toBe(1);
    expect(failure.stderr).toMatch(/^mailtrail: `mailtrail roles` needs a role that may CREATE ROLE .*; mailtrail_roles_test_plain may not CREATE ROLE\n$/);
    expect(failure.stdout).toBe('');
  });

  it('works for an owner that may CREATE ROLE but is no superuser (a managed PostgreSQL), once it administers the roles', async () => {
    const hub = await createTestDatabase({ migrated: false });
    const owner = 'mailtrail_roles_test_hub_owner';
    try {
      await hub.writable.query(`DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${owner}') THEN CREATE ROLE ${owner} LOGIN CREATEROLE PASSWORD 'owner'; END IF;
      END $$`);
      await hub.writable.query(`GRANT CREATE ON SCHEMA public TO ${owner}`);
      const ownerUrl = new URL(hub.url);
      ownerUrl.username = owner;
      ownerUrl.password = 'owner';
      const ownerDb = openWritableDb(ownerUrl.toString());
      await migrate(ownerDb).finally(() => ownerDb.end());
      // The roles exist already, made by the superuser: PostgreSQL 16+ lets this owner change only roles it administers.
      const refused = await mailtrail(['roles', '--db', ownerUrl.toString()]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/^mailtrail: `mailtrail roles` may not change mailtrail_admin and mailtrail_viewer, which another role created: run it as a superuser or as that role/);
      await hub.writable.query(`GRANT ${VIEWER_ROLE}, ${ADMIN_ROLE} TO ${owner} WITH ADMIN OPTION, INHERIT FALSE, SET FALSE`);
      const made = await roles(ownerUrl.toString(), { MAILTRAIL_ADMIN_PASSWORD: 'admin-pass-7', MAILTRAIL_VIEWER_PASSWORD: 'viewer pass/with:odd@chars' });
      expect(await failureOf(made.viewer.url, 'SELECT COUNT(*) FROM email_timeline')).toBeNull();
      expect(await failureOf(made.admin.url, 'DELETE FROM email_activity_log')).toBeNull();
      expect(await failureOf(made.admin.url, `UPDATE email_activity_log SET description = 'x'`)).toBe('42501');
    } finally {
      await hub.drop();
    }
  });

  it('lets the admin role create, edit and delete workflows through the CRUD API, read by the viewer role (issue 16)', async () => {
    const admin = openAdminDb(urls.admin);
    const viewer = openReadableDb(urls.viewer);
    try {
      const workflows = createWorkflowsService({ viewer, admin, actor: () => 'roles-test' });
      const steps = [{ action: 'set_status', params: { status: 'seen' } }];
      const created = await workflows['workflows/create']({ name: 'Roles CRUD', description: null, classification_trigger: 'roles', confidence_threshold: 0.5, workflow_steps: steps, priority: 50, enabled: true });
      expect(await workflows['workflows/update']({ workflowId: created.id, enabled: false })).toMatchObject({ id: created.id, enabled: false });
      expect((await workflows['workflows/list']({ includeDisabled: true })).items.map((w) => w.name)).toContain('Roles CRUD');
      expect(await workflows['workflows/delete']({ workflowId: created.id })).toEqual({ id: created.id, outcome: 'deleted', executions: 0 });
    } finally {
      await admin.end();
      await viewer.end();
    }
  });

  it('lets the admin role run the workflow engine: executions, steps, actions and pg-boss jobs (issue 16)', async () => {
    const admin = openAdminDb(urls.admin);
    const engine = await startWorkflowEngine({ admin, queue: { pollingIntervalSeconds: 0.5 }, watchIntervalMs: 100 });
    try {
      const emailId = await insertEmail(db.writable, { subject: 'Tidsregistrering uge 3 - Nyborg Net ApS', sender_email: 'anna@nyborg-net.dk' });
      await db.writable.query(`SELECT log_email_event($1, 'classified', 'system', 'Classified', '{"classification": "time_confirmation", "confidence": 0.9}'::jsonb, NULL, 'system')`, [emailId]);
      const [execution] = await settledExecutions(db.writable, emailId, 1);
      expect(execution).toMatchObject({ status: 'completed', steps_completed: 3, error_message: null });
      // set_status may write the status column, and only that one.
      expect(await failureOf(urls.admin, `UPDATE email_messages SET subject = 'x' WHERE id = ${emailId}`)).toBe('42501');
      // The CRUD API edits workflows through the admin connection; the viewer may not.
      expect(await failureOf(urls.admin, `UPDATE email_workflows SET priority = priority WHERE id = 1`)).toBeNull();
      expect(await failureOf(urls.viewer, `UPDATE email_workflows SET priority = priority WHERE id = 1`)).not.toBeNull();
    } finally {
      await engine.stop();
      await admin.end();
    }
  });
});
