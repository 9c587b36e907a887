import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackupRunner } from '../../src-main/backup/backup-runner';
import { insertJob, listHistory } from '../../src-main/backup/job-records';
import { BACKUP_LOCK_CLASS, startJobRun, type BackupRunnerDeps } from '../../src-main/backup/job-run';
import type { NotifySettings } from '../../src-main/backup/notifier';
import { CreateBackupJobRequest, type BackupHistoryEntry } from '../../src-main/contract/backups';
import { MailtrailError } from '../../src-main/contract/errors';
import { openAdminDb, openWritableDb, type AdminDb } from '../../src-main/db/connection';
import { fillDemo } from '../../src-main/demo/demo';
import { startHttpServer, type HttpServer } from '../../src-main/server/http-server';
import { createBackupsService } from '../../src-main/service/backups-service';
import { createLogService } from '../../src-main/service/log-service';
import { createPostgresLogStore } from '../../src-main/store/postgres/postgres-log-store';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { startSmtpReceiver, startWebhookReceiver, waitFor } from '../support/workflows';

// Backup jobs (issue 17, item 3) against real PostgreSQL and real backup files: runs, verify after,
// pruning, one runner per job across connections, failures notified, and the REST API.
const dir = mkdtempSync(join(tmpdir(), 'mailtrail-backup-jobs-'));
let db: TestDatabase;
let admin: AdminDb;
const notify: NotifySettings = { mailFrom: 'backups@mailtrail.test', webhookTimeoutMs: 2_000, attempts: 2, backoffMs: 10 };
const deps = (fields: Partial<BackupRunnerDeps> = {}): BackupRunnerDeps => ({ admin, notify, restoreTest: false, ...fields });

beforeAll(async () => {
  db = await createTestDatabase();
  const writer = openWritableDb(db.url, { max: 4 });
  await fillDemo(writer, { emails: 40, seed: 3, until: '2026-06-30T12:00:00' });
  await writer.end();
  admin = openAdminDb(db.url, { max: 6 });
});

afterAll(async () => {
  await admin?.end();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

let jobs = 0;
async function job(fields: Record<string, unknown> = {}) {
  jobs += 1;
  return insertJob(admin, CreateBackupJobRequest.parse({ name: `job ${jobs}`, schedule: '0 3 * * *', destination: join(dir, `job-${jobs}`), ...fields }));
}

async function journalOf(action: string) {
  const { rows } = await db.writable.query<{ actor: string; outcome: string; parameters: Record<string, unknown>; error: string | null }>(
    'SELECT actor, outcome, parameters, error FROM mailtrail_admin_journal WHERE action = $1 ORDER BY id',
    [action],
  );
  return rows;
}

describe('a backup job run', () => {
  it('writes a backup, verifies it by a real restore, records it and tells of its success when asked', async () => {
    const receiver = await startWebhookReceiver(() => 204);
    try {
      const nightly = await job({ verify_after: true, notify_on_success: true, notify_webhook_url: receiver.url });
      const run = await startJobRun(deps({ restoreTest: true }), { jobId: nightly.id, trigger: 'manual', actor: 'tester' });
      expect(run.entry).toMatchObject({ job_id: nightly.id, status: 'running', trigger: 'manual', actor: 'tester', file: null });
      const outcome = await run.done;
      expect(outcome).toMatchObject({ status: 'succeeded', error: null });
      const [entry] = await listHistory(db.readable, { jobId: nightly.id, limit: 5 });
      expect(entry).toMatchObject({ status: 'succeeded', verification: 'passed', restore_tested: true, verify_problems: [], error: null, job_name: nightly.name });
      expect(entry!.rows).toBeGreaterThan(100);
      expect(entry!.bytes).toBeGreaterThan(0);
      expect(entry!.tables).toBeGreaterThan(3);
      expect(existsSync(entry!.file!)).toBe(true);
      expect(receiver.calls).toHaveLength(1);
      expect(receiver.calls[0]?.body).toMatchObject({ event: 'backup.success', job_id: nightly.id, history_id: entry!.id, file: entry!.file, status: 'succeeded' });
      expect(await journalOf('backups.run')).toContainEqual(expect.objectContaining({ actor: 'tester', outcome: 'succeeded', parameters: { job_id: nightly.id, trigger: 'manual' } }));
    } finally {
      await receiver.close();
    }
  });

  it('fails, records why and notifies by webhook and e-mail when the backup cannot be written', async () => {
    const receiver = await startWebhookReceiver(() => 204);
    const smtp = await startSmtpReceiver();
    try {
      // The destination is a file: no backup can be written there.
      const blocked = join(dir, 'a-file');
      writeFileSync(blocked, 'not a directory');
      const broken = await job({ destination: blocked, notify_webhook_url: receiver.url, notify_emails: ['ops@example.com'] });
      const outcome = await (await startJobRun(deps({ notify: { ...notify, smtpUrl: smtp.url } }), { jobId: broken.id, trigger: 'schedule', actor: 'backup scheduler' })).done;
      expect(outcome.status).toBe('failed');
      expect(outcome.error).toMatch(/cannot create the destination|not a directory|ENOTDIR|EEXIST/i);
      const [entry] = await listHistory(db.readable, { jobId: broken.id, limit: 5 });
      expect(entry).toMatchObject({ status: 'failed', file: null, error: outcome.error });
      expect(receiver.calls).toHaveLength(1);
      expect(receiver.calls[0]?.body).toMatchObject({ event: 'backup.failure', job_id: broken.id, status: 'failed', error: outcome.error });
      expect(smtp.received).toHaveLength(1);
      expect(smtp.received[0]?.to).toEqual(['ops@example.com']);
      expect(await journalOf('backups.run')).toContainEqual(expect.objectContaining({ outcome: 'failed', parameters: { job_id: broken.id, trigger: 'schedule' } }));
    } finally {
      await receiver.close();
      await smtp.close();
    }
  });

  it('records a run whose runner died as cut short, a failure, when the job runs next', async () => {
    const orphaned = await job();
    await db.writable.query(`INSERT INTO mailtrail_backup_history (job_id, trigger, actor, destination, started_at) VALUES ($1, 'schedule', 'gone', '/nowhere', NOW() - interval '1 hour')`, [orphaned.id]);
    await (await startJobRun(deps(), { jobId: orphaned.id, trigger: 'manual', actor: 'tester' })).done;
    const [latest, dead] = await listHistory(db.readable, { jobId: orphaned.id, limit: 5 });
    expect(latest).toMatchObject({ status: 'succeeded' });
    expect(dead).toMatchObject({ status: 'failed', error: expect.stringMatching(/cut short is a failure/) });
  });
});

describe('pruning', () => {
  it('keeps the newest verified backup and files it did not make, and removes the rest beyond keep_last', async () => {
    const pruned = await job({ keep_last: 1, verify_after: true });
    const destination = join(dir, `job-${jobs}`);
    mkdirSync(destination, { recursive: true });
    const foreign = join(destination, 'someone-elses.mtbackup');
    writeFileSync(foreign, 'not ours');
    await (await startJobRun(deps(), { jobId: pruned.id, trigger: 'manual', actor: 'tester' })).done;
    // Later runs are not verified: the first stays as the newest verified one.
    await db.writable.query('UPDATE mailtrail_backup_jobs SET verify_after = FALSE WHERE id = $1', [pruned.id]);
    await (await startJobRun(deps(), { jobId: pruned.id, trigger: 'manual', actor: 'tester' })).done;
    await (await startJobRun(deps(), { jobId: pruned.id, trigger: 'manual', actor: 'tester' })).done;
    const [third, second, first] = await listHistory(db.readable, { jobId: pruned.id, limit: 5 });
    expect([first, second, third].map((entry) => entry?.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(first).toMatchObject({ verification: 'passed', pruned_at: null });
    expect(existsSync(first!.file!)).toBe(true);
    expect(second!.pruned_at).not.toBeNull();
    expect(existsSync(second!.file!)).toBe(false);
    expect(third).toMatchObject({ pruned_at: null, verification: null });
    expect(existsSync(third!.file!)).toBe(true);
    expect(existsSync(foreign)).toBe(true);
  });
});

describe('one runner at a time', () => {
  it('never runs the same job twice at once, from two connections', async () => {
    const other = openAdminDb(db.url, { max: 4 });
    const holder = await other.connect();
    try {
      const shared = await job();
      // Another session runs the job (it holds the job's lock): this one is refused, whatever the timing.
      await holder.query('SELECT pg_advisory_lock($1, $2)', [BACKUP_LOCK_CLASS, shared.id]);
      const refused = await startJobRun(deps(), { jobId: shared.id, trigger: 'manual', actor: 'one' }).catch((error: unknown) => error as MailtrailError);
      expect(refused).toBeInstanceOf(MailtrailError);
      expect((refused as MailtrailError).code).toBe('conflict');
      expect((refused as MailtrailError).message).toMatch(/is running already/);
      await holder.query('SELECT pg_advisory_unlock($1, $2)', [BACKUP_LOCK_CLASS, shared.id]);

      // Two at the same moment: one may start after the other ended, never while it runs.
      const attempts = await Promise.allSettled([
        startJobRun(deps(), { jobId: shared.id, trigger: 'manual', actor: 'one' }),
        startJobRun(deps({ admin: other }), { jobId: shared.id, trigger: 'manual', actor: 'two' }),
      ]);
      const started = attempts.flatMap((attempt) => (attempt.status === 'fulfilled' ? [attempt.value] : []));
      expect(started.length).toBeGreaterThanOrEqual(1);
      for (const attempt of attempts) if (attempt.status === 'rejected') expect((attempt.reason as MailtrailError).code).toBe('conflict');
      await Promise.all(started.map((run) => run.done));
      const runs = await listHistory(db.readable, { jobId: shared.id, limit: 5 });
      expect(runs).toHaveLength(started.length);
      const spans = runs.map((run) => [Date.parse(run.started_at), Date.parse(run.finished_at!)] as const).sort((x, y) => x[0] - y[0]);
      for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1]);
    } finally {
      holder.release();
      await other.end();
    }
  });

  it('starts a due slot once though two runners look at the same moment, and sets the next slot', async () => {
    const other = openAdminDb(db.url, { max: 4 });
    const notes: string[] = [];
    const runners = await Promise.all([
      startBackupRunner({ ...deps(), tickMs: 3_600_000, onNote: (line) => notes.push(line) }),
      startBackupRunner({ ...deps({ admin: other }), tickMs: 3_600_000, onNote: (line) => notes.push(line) }),
    ]);
    try {
      // Each runner looks once as it starts; let those first looks end, so the due slot below meets only the two ticks.
      await Promise.all(runners.map((runner) => runner.tick()));
      const due = await job({ schedule: '*/5 * * * *' });
      await db.writable.query(`UPDATE mailtrail_backup_jobs SET next_run_at = NOW() - interval '1 minute' WHERE id = $1`, [due.id]);
      const rounds = await Promise.all(runners.map((runner) => runner.tick()));
      expect(rounds.flatMap((round) => round.started), notes.join('\n')).toEqual([due.id]);
      await Promise.all(runners.flatMap((runner) => runner.inFlight()));
      const history = await listHistory(db.readable, { jobId: due.id, limit: 5 });
      expect(history).toHaveLength(1);
      expect(history[0]).toMatchObject({ trigger: 'schedule', actor: 'backup scheduler', status: 'succeeded' });
      const { rows } = await db.writable.query<{ next_run_at: Date }>('SELECT next_run_at FROM mailtrail_backup_jobs WHERE id = $1', [due.id]);
      const next = rows[0]!.next_run_at.getTime();
      expect(next).toBeGreaterThan(Date.now());
      expect(next - Date.now()).toBeLessThanOrEqual(5 * 60_000);
      expect(new Date(next).getUTCMinutes() % 5).toBe(0);
    } finally {
      await Promise.all(runners.map((runner) => runner.stop()));
      await other.end();
    }
  });
});

describe('the REST API', () => {
  const TOKEN = 'backup-admin-token-5c2d9e';
  let adminServer: HttpServer;
  let viewerServer: HttpServer;
  let services: ReturnType<typeof createBackupsService>[] = [];

  beforeAll(async () => {
    const store = createPostgresLogStore(db.readable, { kind: 'postgres', label: 'test' });
    const access = (adminDb: AdminDb | null) => {
      const backups = createBackupsService({ viewer: db.readable, admin: adminDb, actor: () => 'admin token', notify });
      services.push(backups);
      return { db: adminDb, actor: 'admin token', journalDb: db.readable, backups };
    };
    adminServer = await startHttpServer({ service: createLogService(store, access(admin)), port: 0, tokens: [{ holder: 'admin', token: TOKEN }] });
    viewerServer = await startHttpServer({ service: createLogService(store, access(null)), port: 0 });
  });

  afterAll(async () => {
    await Promise.all(services.map((service) => service.close()));
    services = [];
    await adminServer?.close();
    await viewerServer?.close();
  });

  async function call<T = unknown>(method: string, path: string, body?: unknown, server = adminServer): Promise<{ status: number; body: T; headers: Headers }> {
    const headers: Record<string, string> = { Authorization: `Bearer ${TOKEN}` };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(`${server.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as T, headers: response.headers };
  }
  const errorOf = (answer: { body: unknown }) => (answer.body as { error: { message: string } }).error.message;

  it('creates, reads, changes and deletes a job, naming the field it refuses', async () => {
    const refused = await call('POST', '/api/v1/backups/jobs', { name: 'REST nightly', schedule: '0 3 * *', destination: join(dir, 'rest') });
    expect(refused.status).toBe(400);
    expect(errorOf(refused)).toMatch(/^schedule: must have five fields/);
    const badZone = await call('POST', '/api/v1/backups/jobs', { name: 'REST nightly', schedule: '0 3 * * *', time_zone: 'Mars/Olympus', destination: join(dir, 'rest') });
    expect(errorOf(badZone)).toMatch(/^time_zone: unknown time zone/);
    const unknown = await call('POST', '/api/v1/backups/jobs', { name: 'x', schedule: '0 3 * * *', destination: '/x', colour: 'red' });
    expect(errorOf(unknown)).toMatch(/unknown field "colour"/);

    const created = await call<{ id: number; schedule_text: string; next_run_at: string; time_zone: string }>('POST', '/api/v1/backups/jobs', {
      name: 'REST nightly',
      schedule: '30 2 * * *',
      time_zone: 'Europe/Copenhagen',
      destination: join(dir, 'rest'),
      keep_last: 3,
      notify_emails: ['ops@example.com'],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ schedule_text: 'every day at 02:30', time_zone: 'Europe/Copenhagen' });
    expect(new Date(created.body.next_run_at).getTime()).toBeGreaterThan(Date.now());
    const duplicate = await call('POST', '/api/v1/backups/jobs', { name: 'rest NIGHTLY', schedule: '0 3 * * *', destination: '/x' });
    expect(duplicate.status).toBe(409);
    expect(errorOf(duplicate)).toMatch(/^name: a backup job named/);

    const id = created.body.id;
    expect((await call('GET', `/api/v1/backups/jobs/${id}`)).body).toMatchObject({ id, name: 'REST nightly', keep_last: 3, last_run: null });
    const changed = await call('PUT', `/api/v1/backups/jobs/${id}`, { enabled: false, keep_days: 30 });
    expect(changed.body).toMatchObject({ enabled: false, keep_days: 30, keep_last: 3, next_run_at: null });
    expect((await call('PUT', `/api/v1/backups/jobs/${id}`, { keep_last: 0 })).status).toBe(400);
    expect((await call('GET', '/api/v1/backups/jobs/999999')).status).toBe(404);

    // Without --admin every write is 403, with a message saying how to get one.
    expect((await call('POST', '/api/v1/backups/jobs', { name: 'x', schedule: '0 3 * * *', destination: '/x' }, viewerServer)).status).toBe(403);

    expect((await call('DELETE', `/api/v1/backups/jobs/${id}`)).body).toEqual({ id, deleted: true });
    expect((await call('GET', `/api/v1/backups/jobs/${id}`)).status).toBe(404);
    // A request the contract refuses never reaches the service; the duplicate name is refused by it, on record.
    expect((await journalOf('backups.create-job')).map((row) => row.outcome)).toEqual(['succeeded', 'refused']);
    expect(await journalOf('backups.delete-job')).toEqual([expect.objectContaining({ actor: 'admin token', outcome: 'succeeded', parameters: { job_id: id } })]);
  });

  it('runs a job now (202), pages its history and verifies a backup again', async () => {
    const created = await call<{ id: number }>('POST', '/api/v1/backups/jobs', { name: 'REST run', schedule: '0 4 * * *', destination: join(dir, 'rest-run'), verify_after: false });
    const jobId = created.body.id;
    const started = await call<BackupHistoryEntry>('POST', '/api/v1/backups', { job_id: jobId });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ job_id: jobId, status: 'running', trigger: 'manual', actor: 'admin token' });
    const finished = await waitFor(async () => {
      const entry = (await call<BackupHistoryEntry[]>('GET', `/api/v1/backups/history?job_id=${jobId}`)).body[0];
      return entry?.status !== 'running' ? entry : null;
    });
    expect(finished).toMatchObject({ status: 'succeeded', verification: null });
    expect((await call('POST', '/api/v1/backups', { job_id: 'one' })).status).toBe(400);
    expect(errorOf(await call('POST', '/api/v1/backups', {}))).toMatch(/job_id/);

    const overview = await call<{ jobs: { id: number; last_run: BackupHistoryEntry | null }[]; recent: BackupHistoryEntry[]; writable: boolean }>('GET', '/api/v1/backups?recent=3');
    expect(overview.body.writable).toBe(true);
    expect(overview.body.jobs.find((one) => one.id === jobId)?.last_run).toMatchObject({ id: finished.id, status: 'succeeded' });
    expect(overview.body.recent).toHaveLength(3);

    const firstPage = await call<BackupHistoryEntry[]>('GET', '/api/v1/backups/history?limit=2');
    expect(firstPage.body).toHaveLength(2);
    const cursor = firstPage.headers.get('x-next-cursor');
    expect(cursor).toBeTruthy();
    const secondPage = await call<BackupHistoryEntry[]>('GET', `/api/v1/backups/history?limit=2&cursor=${cursor}`);
    expect(secondPage.body[0]!.id).toBeLessThan(firstPage.body[1]!.id);

    const verifying = await call<BackupHistoryEntry>('POST', `/api/v1/backups/${finished.id}/verify`, { restore_test: false });
    expect(verifying.status).toBe(202);
    expect(verifying.body.verification).toBe('running');
    const verified = await waitFor(async () => {
      const entry = (await call<BackupHistoryEntry[]>('GET', `/api/v1/backups/history?job_id=${jobId}`)).body[0];
      return entry?.verification !== 'running' ? entry : null;
    });
    expect(verified).toMatchObject({ verification: 'passed', restore_tested: false, verify_problems: [] });
    expect((await call('POST', '/api/v1/backups/999999/verify')).status).toBe(404);
    expect(await journalOf('backups.verify')).toContainEqual(expect.objectContaining({ outcome: 'succeeded', parameters: { history_id: finished.id, restore_test: false } }));
  });

  it('says a flipped byte in a backup file when it is verified again', async () => {
    const created = await call<{ id: number }>('POST', '/api/v1/backups/jobs', { name: 'REST corrupt', schedule: '0 5 * * *', destination: join(dir, 'rest-corrupt'), verify_after: false });
    await call('POST', '/api/v1/backups', { job_id: created.body.id });
    const entry = await waitFor(async () => {
      const row = (await call<BackupHistoryEntry[]>('GET', `/api/v1/backups/history?job_id=${created.body.id}`)).body[0];
      return row?.status === 'succeeded' ? row : null;
    });
    const { readFileSync } = await import('node:fs');
    const bytes = readFileSync(entry.file!);
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
    writeFileSync(entry.file!, bytes);
    await call('POST', `/api/v1/backups/${entry.id}/verify`, { restore_test: false });
    const verified = await waitFor(async () => {
      const row = (await call<BackupHistoryEntry[]>('GET', `/api/v1/backups/history?job_id=${created.body.id}`)).body[0];
      return row?.verification !== 'running' ? row : null;
    });
    expect(verified.verification).toBe('failed');
    expect(verified.verify_problems?.length).toBeGreaterThan(0);
  });
});
