import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it, vi } from 'vitest';
import pg from 'pg';
import { journaled } from '../../src-main/admin/journal';
import { openWritableDb } from '../../src-main/db/connection';
import { defaultDataDir, openEmbeddedDefault, VIEWER_ROLE } from '../../src-main/db/embedded-default';
import { ADMIN_ROLE } from '../../src-main/db/roles';
import { openAdminConnection, openLogSource } from '../../src-main/source/open-source';

const dataDir = mkdtempSync(join(tmpdir(), 'mailtrail-embedded-'));
const env: NodeJS.ProcessEnv = { MAILTRAIL_DATA_DIR: dataDir, MAILTRAIL_DEMO_EMAILS: '12' };
const state = () => JSON.parse(readFileSync(join(dataDir, 'embedded.json'), 'utf8')) as { port: number; demo: string };

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

afterAll(async () => {
  // A failed test may leave the cluster running; stop it before deleting its folder.
  const pidFile = join(dataDir, 'postgres', 'postmaster.pid');
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    if (alive(pid)) process.kill(pid, 'SIGINT');
    await vi.waitUntil(() => !alive(pid), { timeout: 30_000, interval: 100 });
  }
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the embedded default (no --db, no DATABASE_URL)', () => {
  it('lives in MAILTRAIL_DATA_DIR', () => {
    expect(defaultDataDir(env)).toBe(dataDir);
  });

  it('first run creates the cluster, migrates and fills demo data; a second process joins it; a later run reuses the data', async () => {
    const first = await openLogSource({ env });
    expect(first.store.source.kind).toBe('embedded');
    expect(first.description).toBe(`embedded demo PostgreSQL in ${dataDir}`);
    const status = await first.service['source/status']({});
    expect(status).toMatchObject({ kind: 'embedded', state: 'connected', readOnly: true });
    const recent = await first.service['activity/recent']({ limit: 1000 });
    const emails = new Set(recent.items.map((event) => event.email_id));
    expect(emails.size).toBe(12);
    expect(state().demo).toBe('filled');

    // Another Mailtrail process on the same data directory joins the running server.
    const second = await openEmbeddedDefault({ env });
    expect(second.started).toBe(false);
    expect(state().port).toBe(Number(new URL(second.url).port));
    const writable = openWritableDb(second.url);
    await writable.query(`SELECT log_email_event(424242, 'custom_marker', 'system', 'written between runs')`);
    await writable.end();
    await second.close();
    const afterJoin = await first.service['activity/stats']({});
    expect(afterJoin.some((stat) => stat.event_type === 'custom_marker')).toBe(true);
    const events = afterJoin.reduce((sum, stat) => sum + stat.count, 0);
    await first.close();

    // The next run starts the same cluster again: no second fill, the data is still there.
    const third = await openLogSource({ env });
    const again = await third.service['activity/stats']({});
    expect(again.reduce((sum, stat) => sum + stat.count, 0)).toBe(events);
    expect(await third.service['emails/timeline']({ emailId: 424242, order: 'desc', limit: 10 })).toMatchObject({
      items: [{ event_type: 'custom_marker', description: 'written between runs' }],
    });
    await third.close();
  });
});

describe('the embedded default’s roles (issue 13, item 1)', () => {
  it('lets the viewer log in as a read-only role that cannot write even when it asks to, and writes as mailtrail_admin, not the owner', async () => {
    const source = await openLogSource({ env, admin: { actor: 'tester' } });
    try {
      expect(new URL(source.databaseUrl ?? '').username).toBe(VIEWER_ROLE);
      const viewer = new pg.Client({ connectionString: source.databaseUrl ?? '' });
      await viewer.connect();
      try {
        const { rows } = await viewer.query<{ user: string; superuser: boolean; read_only: string; timeout: string }>(
          `SELECT current_user AS user, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser,
                  current_setting('default_transaction_read_only') AS read_only, current_setting('statement_timeout') AS timeout`,
        );
        expect(rows[0]).toEqual({ user: VIEWER_ROLE, superuser: false, read_only: 'on', timeout: '15s' });
        await expect(viewer.query(`DELETE FROM email_activity_log`)).rejects.toMatchObject({ code: '25006' });
        await viewer.query('BEGIN READ WRITE');
        await expect(viewer.query(`DELETE FROM email_activity_log`)).rejects.toMatchObject({ code: '42501' });
        await viewer.query('ROLLBACK');
        await expect(viewer.query(`SELECT count(*) FROM mailtrail_admin_journal`)).resolves.toBeTruthy();
      } finally {
        await viewer.end();
      }
      const admin = source.admin!;
      const who = await admin.db.query<{ user: string; superuser: boolean }>(
        `SELECT current_user AS user, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser`,
      );
      expect(who.rows[0]).toEqual({ user: ADMIN_ROLE, superuser: false });
      await expect(admin.db.query('DROP TABLE mailtrail_admin_journal')).rejects.toMatchObject({ code: '42501' });
      // `mailtrail retention …` on the embedded default writes as the same role.
      const command = await openAdminConnection({ env });
      try {
        const { rows } = await command.db.query<{ user: string }>('SELECT current_user AS user');
        expect(rows[0]?.user).toBe(ADMIN_ROLE);
      } finally {
        await command.close();
      }
      await journaled(admin.db, { actor: 'tester', action: 'test.admin', parameters: {} }, async () => undefined);
      const journal = await source.service['admin/journal']({ limit: 5, actions: ['test'] });
      expect(journal.items.map((entry) => [entry.action, entry.outcome])).toEqual([['test.admin', 'succeeded']]);
    } finally {
      await source.close();
    }
  });
});

describe('an embedded server left behind by a killed Mailtrail', () => {
  it('is joined by the next run, which stops it when done', async () => {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
    delete childEnv.DATABASE_URL;
    const child = spawn(process.execPath, ['bin/mailtrail.js', 'serve', '--port', '0'], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise((resolve) => child.on('close', resolve));
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: child.stdout }).once('line', () => resolve());
      void exited.then(() => reject(new Error('serve exited early')));
    });
    child.kill('SIGKILL');
    await exited;
    const postmasterPid = Number(readFileSync(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
    expect(alive(postmasterPid)).toBe(true);

    const next = await openEmbeddedDefault({ env });
    expect(next.started).toBe(false);
    await next.close();
    expect(alive(postmasterPid)).toBe(false);
  });
});
