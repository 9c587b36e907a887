import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as electron from 'electron';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { insertJob, listHistory } from '../../src-main/backup/job-records';
import { CreateBackupJobRequest } from '../../src-main/contract/backups';
import { openAdminDb, type AdminDb } from '../../src-main/db/connection';
import { createDesktopBackups } from '../../src-main/electron/backups/desktop-backups';
import { createTestDatabase, type TestDatabase } from '../support/database';
import type { FakeElectron } from './electron-fake';

vi.mock('electron', async () => (await import('./electron-fake')).createFakeElectron());
const fake = electron as unknown as FakeElectron;

// The backup jobs in the desktop app (issue 17): the runner follows the admin connection, and a
// failed backup shows as a desktop notification (Electron's Notification in main, the fake's here).
describe('the desktop app\'s backup runner', () => {
  let db: TestDatabase;
  let admin: AdminDb;
  const dir = mkdtempSync(join(tmpdir(), 'mailtrail-desktop-backups-'));
  const warnings: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    admin = openAdminDb(db.url, { max: 4 });
  });
  afterAll(async () => {
    await admin?.end();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs nothing without an admin connection', async () => {
    const backups = createDesktopBackups({ Notification: fake.Notification, warn: (line) => warnings.push(line), tickMs: 3_600_000 });
    await backups.follow(null);
    expect(backups.runner()).toBeNull();
  });

  it('runs a due job over the admin connection and shows its failure on the desktop, then stops with the connection', async () => {
    const blocked = join(dir, 'a-file');
    writeFileSync(blocked, 'not a directory');
    const job = await insertJob(admin, CreateBackupJobRequest.parse({ name: 'Desktop nightly', schedule: '0 3 * * *', destination: join(blocked, 'backups'), verify_after: false }));
    await db.writable.query(`UPDATE mailtrail_backup_jobs SET next_run_at = NOW() - interval '1 minute' WHERE id = $1`, [job.id]);
    const backups = createDesktopBackups({ Notification: fake.Notification, warn: (line) => warnings.push(line), tickMs: 3_600_000, env: {} });
    await backups.follow(admin);
    const runner = backups.runner();
    expect(runner).not.toBeNull();
    // The first round runs at start; wait for the run it began.
    await expect.poll(async () => (await listHistory(db.readable, { jobId: job.id, limit: 1 }))[0]?.status, { timeout: 20_000 }).toBe('failed');
    await Promise.all(runner!.inFlight());
    expect(fake.Notification.shown).toEqual([{ title: 'Backup "Desktop nightly" failed', body: expect.stringMatching(/^Backup "Desktop nightly" failed: cannot create the destination/) }]);
    const { rows } = await db.writable.query(`SELECT channel, delivered FROM mailtrail_backup_notifications WHERE job_id = $1`, [job.id]);
    expect(rows).toEqual([{ channel: 'desktop', delivered: true }]);
    await backups.follow(null);
    expect(backups.runner()).toBeNull();
  });

  it('shows nothing where the OS has no notifications, and says why it runs no jobs on a database without them', async () => {
    fake.Notification.supported = false;
    const shown = fake.Notification.shown.length;
    const backups = createDesktopBackups({ Notification: fake.Notification, warn: (line) => warnings.push(line) });
    backups.notify({ kind: 'failure', idempotencyId: 'x', job: null, historyId: null, title: 't', message: 'm', details: {}, at: '' });
    expect(fake.Notification.shown).toHaveLength(shown);
    fake.Notification.supported = true;
    const bare = await createTestDatabase({ migrated: false });
    const bareAdmin = openAdminDb(bare.url, { max: 2 });
    try {
      await backups.follow(bareAdmin);
      expect(backups.runner()).toBeNull();
      expect(warnings.at(-1)).toMatch(/backup jobs do not run in this app: .*migration 0016/);
    } finally {
      await bareAdmin.end();
      await bare.drop();
    }
  });
});
